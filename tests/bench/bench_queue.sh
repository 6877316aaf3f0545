#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark, not a test: what synq's queue programs cost the listening path.
# Runs with and without the programs attached (`synq watch` running) alternate
# in one run, in the order AB BA AB ..., so drift on a shared machine hits both
# sides; prints each round and the medians.
#   [WATCH_FLAGS=--accept-wait] tests/bench/bench_queue.sh [wrk|cpu] [SECONDS_PER_RUN] [ROUNDS]
# wrk: accept rate of synq serve (HTTP) under wrk -H "Connection: close"
#      (one new connection per request).
# cpu: CPU time (user + system) that one client (an HTTP/1.0 request each) and
#      synq serve spend per connection, one connection at a time. On loopback
#      the kernel's TCP work, and so the programs' work, runs in these two
#      processes, which makes this figure less sensitive to other tenants than
#      a rate.
# Each mode keeps the machine busy for about 2 x SECONDS x ROUNDS.
source tests/lib/e2e.sh
source tests/lib/netns.sh
t_require_root bench_queue
MODE=${1:-wrk}
SECS=${2:-3}
ROUNDS=${3:-4}
E2E=build/tests/tools
PORT=8099
TMP=$(mktemp -d)
trap 'ns_cleanup; rm -rf "$TMP"' EXIT

ns_new ns bench
ns_bg l "$ns" "$SYNQ" serve --port $PORT --backlog 4096 > "$TMP/l" 2>&1
ns_bg s "$ns" "$SYNQ" serve --port $((PORT + 1)) > "$TMP/s" 2>&1
t_wait_for "$TMP/l" "listening on" && t_wait_for "$TMP/s" "listening on" ||
	{ echo "bench_queue.sh: synq serve did not start: $(cat "$TMP/l" "$TMP/s")" >&2; exit 1; }

run_wrk() {
	nsenter --net="/run/netns/$ns" wrk -t1 -c16 -d"${SECS}s" -H "Connection: close" \
		"http://127.0.0.1:$PORT/" | awk '/Requests\/sec/ { print $2 }'
}

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

run_cpu() {
	local s0 s1
	s0=$(ticks "$s")
	/usr/bin/time -f "%U %S" -o "$TMP/time" nsenter --net="/run/netns/$ns" \
		$E2E/qclient loop 127.0.0.1 $((PORT + 1)) "$SECS" > "$TMP/n"
	s1=$(ticks "$s")
	awk -v n="$(cat "$TMP/n")" -v s="$((s1 - s0))" -v hz="$(getconf CLK_TCK)" \
		'{ printf "%.2f", 1e6 * ($1 + $2 + s / hz) / n }' "$TMP/time"
}

# CMD with the queue programs attached.
with_synq() {
	local w
	"$SYNQ" -n "$ns" watch --interval 1 ${WATCH_FLAGS:-} > /dev/null &
	w=$!
	sleep 1	# attached before the load starts
	"$@"
	kill -INT "$w"
	wait "$w"
}

median() {
	printf '%s\n' "$@" | sort -n |
		awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

case $MODE in
wrk) run=run_wrk unit="conn/s" ;;
cpu) run=run_cpu unit="us CPU per connection" ;;
*) echo "bench_queue.sh: the mode is wrk or cpu" >&2; exit 2 ;;
esac
off=() on=()
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) -eq 1 ]; then
		off+=("$($run)"); on+=("$(with_synq $run)")
	else
		on+=("$(with_synq $run)"); off+=("$($run)")
	fi
	echo "round $r: without ${off[-1]}, with ${on[-1]} $unit"
done
a=$(median "${off[@]}") b=$(median "${on[@]}")
awk -v a="$a" -v b="$b" -v u="$unit" -v m="$MODE" \
	'BEGIN { printf "%s: median without %.2f, with %.2f %s: %+.1f%%\n", m, a, b, u, 100 * (b - a) / a }'
