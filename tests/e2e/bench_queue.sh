#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark, not a test: the accept rate of a small HTTP listener under
# `wrk -H "Connection: close"` (a new connection per request) with and without
# synq's queue programs attached (synq watch running), alternated in one run
# so both see the same machine. Prints each run and the ratio of the means.
#   tests/e2e/bench_queue.sh [SECONDS_PER_RUN] [ROUNDS]
source tests/lib/e2e.sh
source tests/lib/netns.sh
t_require_root bench_queue
SECS=${1:-3}
ROUNDS=${2:-4}
E2E=build/tests/e2e
PORT=8099

ns_new ns bench
ns_bg l "$ns" $E2E/qlisten 127.0.0.1 $PORT 4096 http > /dev/null
sleep 0.3

run_wrk() {
	nsenter --net="/run/netns/$ns" wrk -t1 -c16 -d"${SECS}s" -H "Connection: close" \
		"http://127.0.0.1:$PORT/" | awk '/Requests\/sec/ { print $2 }'
}

run_with() {
	local w out=/tmp/bench_queue.$$
	"$SYNQ" -n "$ns" watch --json --interval 1 > "$out" &
	w=$!
	sleep 1	# programs attached before the load starts
	run_wrk
	kill -INT "$w"
	wait "$w"
	[ "$(tail -n 1 "$out" | jq '.listeners[0].accepted')" -gt 0 ] || echo "synq counted nothing" >&2
	rm -f "$out"
}

# Alternate the order (AB BA AB ...) so drift on a shared machine hits both sides.
off=() on=()
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) -eq 1 ]; then
		off+=("$(run_wrk)"); on+=("$(run_with)")
	else
		on+=("$(run_with)"); off+=("$(run_wrk)")
	fi
	echo "round $r: without ${off[-1]} conn/s, with ${on[-1]} conn/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
a=$(median "${off[@]}") b=$(median "${on[@]}")
awk -v a="$a" -v b="$b" 'BEGIN { printf "median without %.0f conn/s, with %.0f conn/s: %+.1f%%\n", a, b, 100 * (b - a) / a }'
