#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# synq watch next to synq's protection: the XDP counters that `synq attach`
# pins for the interface appear under netns[].interfaces[] (the keys of status
# --json), and the connections the cookie path hands to the kernel are seen by
# the queue programs like any other.
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/protect_setup.sh
t_require_root queue_xdp
trap 'ns_cleanup; pt_cleanup_files' EXIT

last() { tail -n 1 "$1" | jq -r "$2"; }
SQS0='.netns[0].interfaces[] | select(.ifname == "sqs0") | .counters'


pt_setup || { t_fail queue_xdp_setup "namespaces not made"; t_done; }
port=8086
ns_bg l "$SRV" "$SYNQ" serve --bind 192.0.2.1 --port $port --backlog 64 > "$T/l" 2>&1
t_wait_for "$T/l" "listening on" || { t_fail queue_xdp_setup "listener did not start"; t_done; }
"$SYNQ" -n "$SRV" attach sqs0 --mode always --ports $port > /dev/null 2> "$T/attach.log" &&
	"$SYNQ" -n "$CLI" attach sqc0 --pass-only > /dev/null ||
	{ t_fail queue_xdp_setup "synq attach failed"; t_done; }

"$SYNQ" -n "$SRV" watch --json --count 3 --interval 1 --port $port > "$T/out" &
w=$!
t_wait_for "$T/out" listeners || { t_fail queue_xdp_counters "watch printed nothing"; t_done; }
n=$(nsenter --net="/run/netns/$CLI" "$E2E_BIN/qclient" loop 192.0.2.1 $port 1)
wait "$w"
[ "${n:-0}" -gt 0 ] || { t_fail queue_xdp_counters "no connection made"; t_done; }
t_eq queue_xdp_counters "$n $n $n" "$(last "$T/out" \
	"$SQS0"' | "\(.syn_received) \(.synack_sent) \(.handoff_ok)"')"
t_eq queue_xdp_vs_status "$(pt_counter handoff_ok)" "$(last "$T/out" "$SQS0.handoff_ok")"
t_eq queue_xdp_enqueued "$n" "$(last "$T/out" '.listeners[0].enqueued')"
t_done
