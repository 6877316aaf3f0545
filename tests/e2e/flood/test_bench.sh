#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# synq bench --quick: it completes, fills every cell this build can fill with sane
# numbers (positive, success rates within 0..100, p50 <= p99 <= max), says why for the
# others, and leaves no namespace, pin or process behind, also when interrupted.
# Speed is never asserted: the numbers are reported, not judged.
source tests/lib/e2e.sh
t_require_root bench

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

leftovers() {
	local n
	n=$(ip netns list | grep -c "^synq-bench-")
	n=$((n + $(ps -eo comm | grep -c "^napi/sqb")))
	# scenario 5's nginx (its master's title keeps the config path) and its directory
	n=$((n + $(pgrep -fc "nginx -c /tmp/synq-bench-nginx-")))
	n=$((n + $(find /tmp -maxdepth 1 -name "synq-bench-nginx-*" | wc -l)))
	echo "$n"
}
# What other benches on this host (or an earlier crash) already hold is not ours.
before=$(leftovers)
has_verb() { "$SYNQ" help | awk '/^Verbs:/ { on = 1; next } on { print $1 }' | grep -qx "$1"; }

"$SYNQ" bench --quick --json "$TMP/b.json" >"$TMP/b.md" 2>"$TMP/b.err"
rc=$?
t_eq "bench --quick exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || sed 's/^/    /' "$TMP/b.err"
t_eq "bench --quick leaves nothing behind" "$before" "$(leftovers)"
for s in "Flood generator" "1. SYN-ACK rate" "2. Legitimate clients" "Where frames were lost" \
	 "3. Observability" "4. Established traffic" "5. Observer cost"; do
	if grep -q "^### $s" "$TMP/b.md"; then t_pass "table: $s"; else t_fail "table: $s" "missing"; fi
done

attach=0; has_verb attach && attach=1
watch=0; has_verb watch && watch=1
export=0; has_verb export && export=1
check=$(python3 - "$TMP/b.json" "$attach" "$watch" "$export" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
attach, watch, export = sys.argv[2] == "1", sys.argv[3] == "1", sys.argv[4] == "1"
bad = []
def pos(name, v, required=True):
    if v is None:
        if required:
            bad.append(name + " is empty")
    elif not v > 0:
        bad.append("%s = %r" % (name, v))
def lost(name, v, required=True):
    keys = ("flood_at_server_ring", "client_at_server_ring", "xdp_tx_at_attacker_ring",
            "kernel_at_attacker_ring", "other_rx_drops")
    if v is None:
        if required:
            bad.append(name + ": loss counters empty")
    elif sorted(v) != sorted(keys) or any(not isinstance(v[k], int) or v[k] < 0 for k in keys):
        bad.append("%s: loss counters %r" % (name, v))
for k in ("generator_pps", "generator_per_cpu_s", "generator_ceiling_pps",
          "generator_ceiling_per_cpu_s", "generator_2_threads_pps"):
    pos(k, j[k])
for r in ("kernel", "synq", "synq_auto", "reflector"):
    need = attach or not r.startswith("synq")
    for k in ("flood_pps", "synack_per_s", "synack_per_vcpu_s", "ns_per_syn"):
        pos(r + " " + k, j["synack"][r][k], need)
    lost(r, j["synack"][r]["lost"], need)
for row in j["legit"]:
    name = "legit %s at %s" % (row["protection"], row["flood_rate"])
    if row["protection"] == "synq" and not attach:
        continue
    if row["attempts"] <= 0:
        bad.append(name + ": no attempts")
        continue
    s = row["success_pct"]
    if s is None or not 0 <= s <= 100:
        bad.append("%s: success %r" % (name, s))
    p = [row["p50_ms"], row["p99_ms"], row["max_ms"]]
    if None in p or not 0 < p[0] <= p[1] <= p[2]:
        bad.append("%s: latencies %r" % (name, p))
    if row["flood_rate"] != 0:
        pos(name + " flood_pps", row["flood_pps"])
        if row["protection"] == "synq" and not isinstance(row.get("goals_met"), bool):
            bad.append(name + ": goals not judged")
    lost(name, row["lost"])
pos("round trips, queue programs off", j["round_trips_per_s_queue_off"])
pos("round trips, queue programs on", j["round_trips_per_s_queue_on"], watch)
pos("bulk without XDP", j["bulk_gbit_no_xdp"])
pos("bulk with XDP_PASS", j["bulk_gbit_xdp_pass"])
pos("bulk with synq", j["bulk_gbit_synq"], attach)
pos("bulk synq / XDP_PASS", j["bulk_synq_over_xdp_pass"], attach)
pos("nginx without an observer", j["observer_nginx_conn_per_s"]["none"])
for k in ("export", "export_enqueue_events", "export_accept_wait"):
    pos("nginx with " + k, j["observer_nginx_conn_per_s"][k], export)
    pos("BPF time per connection, " + k, j["observer_bpf_ns_per_conn"][k], export)
    cost, ci = j["observer_cost_pct"][k], j["observer_cost_ci_pct"][k]
    if export and not (isinstance(cost, (int, float)) and -100 < cost < 100):
        bad.append("observer cost of %s = %r" % (k, cost))
    if export and not (isinstance(ci, (int, float)) and ci >= 0):
        bad.append("observer cost interval of %s = %r" % (k, ci))
print("; ".join(bad) or "ok")
PY
)
t_eq "every cell that can be filled is filled and sane" ok "$check"
if [ "$watch" -eq 0 ]; then
	t_eq "queue-program cell says why it is empty" 1 \
		"$(grep -c 'n/a (queue programs not built)' "$TMP/b.md")"
fi

# Ctrl-C in the middle: exit 1, everything removed
"$SYNQ" bench --quick >/dev/null 2>"$TMP/int.err" &
pid=$!
sleep 4
kill -INT "$pid"
wait "$pid"
rc=$?
t_eq "bench interrupted: exit 1" 1 "$rc"
t_eq "bench interrupted: nothing left behind" "$before" "$(leftovers)"
t_done
