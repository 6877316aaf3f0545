#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The full-table policy: 40 listeners each get one connection while synq's
# table holds 32 (--listeners 32). The events of the 8 without a row are
# counted as unattributed.table_full and said in the output; every listener
# still shows its gauges (from the iterator). synq export --enqueue-events says
# the same; export's default counts no enqueues, so its table stays empty.
source tests/lib/e2e.sh
source tests/lib/netns.sh
t_require_root queue_full
command -v python3 > /dev/null || { t_skip queue_full "python3 is not installed"; exit 0; }

TMP=$(mktemp -d)
trap 'ns_cleanup; rm -rf "$TMP"' EXIT
N=40
MAX=32		# the table size asked for with --listeners

wait_file() {
	for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

# One process holding 4100 listeners: synq serve opens one listener (one port) per
# process, and 4100 of them would cost far more than this test is about.
cat > "$TMP/many.py" <<'PY'
import os, resource, socket, sys, time
n, go = int(sys.argv[1]), sys.argv[2]
resource.setrlimit(resource.RLIMIT_NOFILE, (3 * n + 64, 3 * n + 64))
ls = []
for port in range(20000, 20000 + n):
    s = socket.socket()
    s.bind(("127.0.0.1", port))
    s.listen(8)
    ls.append(s)
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.05)
cs = [socket.create_connection(("127.0.0.1", p)) for p in range(20000, 20000 + n)]
print("done", flush=True)
time.sleep(600)
PY

ns_new ns full
ns_bg p "$ns" python3 "$TMP/many.py" $N "$TMP/go" > "$TMP/py"
wait_file "$TMP/py" ready || { t_fail table_full "listeners not made"; t_done; }
"$SYNQ" -n "$ns" watch --listeners $MAX --json --count 3 --interval 1 > "$TMP/out" &
w=$!
"$SYNQ" -n "$ns" watch --listeners $MAX --count 3 --interval 1 > "$TMP/text" &	# its own programs and maps
wt=$!
ns_bg e "$ns" "$SYNQ" export --enqueue-events --listeners $MAX --listen 127.0.0.1:9737 \
	> "$TMP/export" 2>&1
ns_bg d "$ns" "$SYNQ" export --listeners $MAX --listen 127.0.0.1:9738 > "$TMP/export_default" 2>&1
wait_file "$TMP/out" listeners && wait_file "$TMP/text" LISTENER && wait_file "$TMP/export" serving &&
	wait_file "$TMP/export_default" serving ||
	{ t_fail table_full "watch or export printed nothing"; t_done; }
touch "$TMP/go"
wait_file "$TMP/py" done || { t_fail table_full "connections not made"; t_done; }
wait "$w" "$wt"
line=$(tail -n 1 "$TMP/out")
t_eq table_full_counted "$((N - MAX))" "$(jq '.unattributed.table_full' <<< "$line")"
t_eq table_full_rows_with_counters "$MAX" "$(jq '[.listeners[] | select(.enqueued == 1)] | length' <<< "$line")"
t_eq table_full_gauges_for_all "$N" "$(jq '[.listeners[] | select(.accept_queue.len == 1)] | length' <<< "$line")"
t_eq table_full_said "listener table full ($MAX entries): $((N - MAX)) events not attributed" \
	"$(grep -o 'listener table full.*' "$TMP/text" | tail -n 1)"
# "rows unattributed events" of the exporter on port $1.
table_of() {
	nsenter --net="/run/netns/$ns" curl -s "http://127.0.0.1:$1/metrics" |
		awk '/^synq_listener_table_rows / { r = $2 } /^synq_listeners_unattributed / { u = $2 }
		/^synq_listener_table_full_events_total / { e = $2 } END { print r, u, e }'
}
# The exporters' own listeners are two more, and the scrape is one more event.
t_eq table_full_exported "$MAX $((N + 2 - MAX)) $((N + 1 - MAX))" "$(table_of 9737)"
t_eq table_default_export_no_rows "0 0 0" "$(table_of 9738)"
# A fresh run starts with an empty table: no event yet, nothing unattributed.
t_eq table_full_fresh_run 0 "$("$SYNQ" -n "$ns" watch --listeners $MAX --json --count 1 --interval 0.2 | jq '.unattributed.table_full')"
t_done
