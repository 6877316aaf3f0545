#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# One counter model across a detach and re-attach: `synq status --interval` and
# `synq watch --json`, both running while synq is detached and attached again,
# print the same protection counters afterwards (those of handshakes: the passed_*
# ones also count the link's own traffic, which may move between two readings). The new attach has new maps
# (a new map ID), so both count from its zero: after A SYNs before and B > A
# after, both say B (a watch that subtracted the old count said B - A, a status
# that saw the count go down said a rate of 0). No rate is ever negative, and
# every line is JSON a strict parser accepts.
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/protect_setup.sh
t_require_root counters_restart
trap 'kill $SP $WP 2>/dev/null; ns_cleanup; pt_cleanup_files' EXIT

SP= WP=
port=8087 before=30 after=50
spoof() { ip netns exec "$CLI" "$E2E_BIN/synspoof" 192.0.2.1 $port "$1" >/dev/null; }
# until COUNT: wait until sqs0's syn_received (status --json) is COUNT.
until_count() {
	for _ in $(seq 50); do
		[ "$(pt_counter syn_received)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

pt_setup || { t_fail counters_restart_setup "namespaces not made"; t_done; }
"$SYNQ" -n "$CLI" attach sqc0 --pass-only >/dev/null &&
	"$SYNQ" -n "$SRV" attach sqs0 --mode always --ports $port >/dev/null ||
	{ t_fail counters_restart_setup "synq attach failed"; t_done; }
spoof $before
until_count $before || { t_fail counters_restart_setup "the first SYNs were not counted"; t_done; }

"$SYNQ" -n "$SRV" status --json --interval 0.3 >"$T/status" 2>"$T/status.err" &
SP=$!
"$SYNQ" -n "$SRV" watch --json --interval 0.3 >"$T/watch" 2>"$T/watch.err" &
WP=$!
t_wait_for "$T/status" sqs0 && t_wait_for "$T/watch" sqs0 ||
	{ t_fail counters_restart_setup "status or watch printed nothing"; t_done; }

"$SYNQ" -n "$SRV" detach sqs0 &&
	"$SYNQ" -n "$SRV" attach sqs0 --mode always --ports $port >/dev/null ||
	{ t_fail counters_restart_reattach "detach or attach failed"; t_done; }
spoof $after
until_count $after || t_fail counters_restart_counted "$(pt_counter syn_received) SYNs, not $after"
sleep 1	# three more reports from each, all after the last SYN
kill -INT $SP $WP
wait $SP $WP 2>/dev/null
SP= WP=

check=$(python3 - "$T/status" "$T/watch" <<'PY'
import json, sys

def lines(path):
    # strict=True: no raw control characters inside strings.
    return [json.loads(l, strict=True) for l in open(path) if l.strip()]

def status_sqs0(d):
    return next((i for i in d["interfaces"] if i.get("ifname") == "sqs0"), None)

def watch_sqs0(d):
    return next((i for n in d["netns"] for i in n["interfaces"] if i["ifname"] == "sqs0"), None)

status, watch = lines(sys.argv[1]), lines(sys.argv[2])
s, w = status_sqs0(status[-1]), watch_sqs0(watch[-1])
ids = {x["map_id"] for x in map(status_sqs0, status) if x}
rates = [v for d, f in [(status, status_sqs0), (watch, watch_sqs0)] for x in map(f, d)
         if x and "rates" in x for v in x["rates"].values()]
# The handshake counters: passed_* also count the veth's own traffic (neighbour
# discovery, ...), which may move between the two last lines.
handshake = [k for k in s["counters"] if not k.startswith("passed_")]
same = all(s["counters"][k] == w["counters"][k] for k in handshake) and len(handshake) >= 9
print(s["counters"]["syn_received"], w["counters"]["syn_received"],
      s["map_id"] == w["map_id"], len(ids) >= 2, same,
      min(rates) >= 0, isinstance(status[-1]["time"], str) and status[-1]["time"][-1] == "Z")
PY
) || t_fail counters_restart_json "a line is not strict JSON or lacks sqs0: $check"
read -r s_syn w_syn same_id two_ids same rates_ok iso <<< "$check"
t_eq counters_restart_status_counts_from_new_attach $after "$s_syn"
t_eq counters_restart_watch_counts_from_new_attach $after "$w_syn"
t_eq counters_restart_same_map_id True "$same_id"
t_eq counters_restart_status_saw_both_maps True "$two_ids"
t_eq counters_restart_same_counters True "$same"
t_eq counters_restart_no_negative_rate True "$rates_ok"
t_eq counters_restart_iso_time True "$iso"
t_done
