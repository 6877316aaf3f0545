#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# --mode auto end to end: a healthy listener's SYNs and stray ACKs are the
# kernel's (its SYN-ACK retransmits and RSTs, the same as without synq); a flood
# switches the listener to cookies before the kernel's own trigger, and the
# listener returns to the kernel after the hold, where a handshake answered with a
# cookie just before still completes.
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/protect_setup.sh
source tests/lib/screen.sh
t_require_root protect_auto
command -v tmux > /dev/null || { t_skip protect_auto "tmux is not installed (scripts/install-deps.sh)"; exit 0; }
SESSION=synq-auto-$$
trap 'tmux kill-session -t "$SESSION" 2> /dev/null; ns_cleanup; pt_cleanup_files' EXIT

PORT=8095	# synq serve, protected in --mode auto
PLAIN=8096	# synq serve, not protected: the kernel alone
BANNER=8097	# a server-first service, protected (auto)
BPLAIN=8098	# the same, not protected
PY=/usr/bin/python3

if ! pt_setup; then
	t_fail auto_setup "cannot build the namespaces and the veth pair"
	t_done
fi
if pt_serve "$T/serve.log" "$PORT" --backlog 1024 && pt_serve "$T/plain.log" "$PLAIN"
then t_pass auto_serve_starts
else t_fail auto_serve_starts "$(cat "$T/serve.log" "$T/plain.log")"; fi
t_run auto_peer_pass_only "$SYNQ" -n "$CLI" attach sqc0 --pass-only
out=$("$SYNQ" -n "$SRV" attach sqs0 --ports "$PORT,$BANNER" 2>&1)
t_eq auto_attach_exit 0 $?
case $out in *"--mode auto"*) t_pass auto_is_the_default ;;
*) t_fail auto_is_the_default "attach said: $out" ;; esac

listener() {	# the listener's field NAME from status --json
	"$SYNQ" -n "$SRV" status sqs0 --json |
		jq -r "[.interfaces[0].listeners[] | select(.listener | test(\":$PORT\$\"))][0].$1"
}
curl_ok() {	# curl_ok N: N sequential requests to the protected port; prints how many got 200
	local i ok=0
	for i in $(seq "$1"); do
		[ "$(nsenter --net="/run/netns/$CLI" curl -s -m 5 -o /dev/null -w '%{http_code}' \
			"http://192.0.2.1:$PORT/")" = 200 ] && ok=$((ok + 1))
	done
	echo "$ok"
}

# ---- healthy: the kernel answers ----

healthy0=$(pt_counter syn_passed_healthy) synack0=$(pt_counter synack_sent)
t_eq auto_healthy_served 3 "$(curl_ok 3)"
t_eq auto_healthy_syns_to_kernel 3 $(($(pt_counter syn_passed_healthy) - healthy0))
t_eq auto_healthy_no_cookies 0 $(($(pt_counter synack_sent) - synack0))
t_eq auto_healthy_state kernel "$(listener state)"

# A SYN nobody ACKs: the kernel's request retransmits its SYN-ACK (what saves a
# server-first protocol whose final ACK was lost), as it does without synq.
retransmits() {	# retransmits PORT: SYN-ACKs seen for one unanswered SYN in 2.5 s
	pt_capture_start "$T/rtx.$1.pcap" "src port $1 and tcp[tcpflags] & tcp-syn != 0"
	nsenter --net="/run/netns/$CLI" "$E2E_BIN/rawtcp" syns 198.18.0.11 192.0.2.1 "$1" 1
	sleep 2.5	# the retransmits come at 1 s and 3 s
	pt_capture_stop
	pt_count "$T/rtx.$1.pcap" "src port $1"
}
t_eq auto_synack_retransmitted "$(retransmits "$PLAIN")" "$(retransmits "$PORT")"

# A server-first protocol whose client's final ACK is lost: the kernel retransmits
# its SYN-ACK after 1 s, the client ACKs again, the banner follows (here within
# 1-2 s; only its arrival and the retransmission before it are checked).
banner_after_lost_ack() {	# banner_after_lost_ack PORT: none, at-once or after-retransmit
	local srv
	ns_bg srv "$SRV" "$PY" tests/tools/banner.py serve "$1" 16 0 0 > "$T/banner.$1"
	t_wait_for "$T/banner.$1" listening 5
	# The lost ACK shows as a wait of one SYN-ACK retransmission (1 s); a slow
	# machine may take longer, which is not a failure.
	nsenter --net="/run/netns/$CLI" "$PY" tests/tools/banner.py clients 192.0.2.1 "$1" 1 0 |
		awk '{ print $2 == 0 ? "none" : $4 < 0.8 ? "at-once" : "after-retransmit" }'
}
tc -n "$CLI" qdisc add dev sqc0 clsact &&
	tc -n "$CLI" filter add dev sqc0 egress bpf direct-action \
		obj "$E2E_BIN/drop_first_ack.bpf.o" sec tc ||
	t_fail auto_drop_first_ack_loads "tc could not load drop_first_ack.bpf.o"
t_eq auto_lost_ack_kernel_alone after-retransmit "$(banner_after_lost_ack "$BPLAIN")"
t_eq auto_lost_ack_recovered after-retransmit "$(banner_after_lost_ack "$BANNER")"
tc -n "$CLI" qdisc del dev sqc0 clsact

# Stray ACKs (forged; test_protect_parity.sh replays real final ACKs) with no
# cookie outstanding: the kernel answers each with a RST, as without synq; none
# is taken as a cookie.
rsts() {	# rsts PORT: RSTs answering 20 stray ACKs
	pt_capture_start "$T/rst.$1.pcap" "src port $1 and tcp[tcpflags] & tcp-rst != 0"
	nsenter --net="/run/netns/$CLI" "$E2E_BIN/rawtcp" acks 192.0.2.2 192.0.2.1 "$1" 20
	sleep 0.3
	pt_capture_stop
	pt_count "$T/rst.$1.pcap" "src port $1"
}
nocookie0=$(pt_counter ack_passed_no_cookies) invalid0=$(pt_counter ack_cookie_invalid)
t_eq auto_stray_acks_answered_as_the_kernel "$(rsts "$PLAIN")" "$(rsts "$PORT")"
t_eq auto_stray_acks_passed 20 $(($(pt_counter ack_passed_no_cookies) - nocookie0))
t_eq auto_stray_acks_not_checked 0 $(($(pt_counter ack_cookie_invalid) - invalid0))

# ---- a flood: cookies before the kernel's own trigger ----

# The flood's first SYNs, sent before the switch, sit in the kernel's SYN queue
# until their SYN-ACK retransmits run out; while that queue is at the trigger the
# listener keeps its cookies. One retransmit (3 s) instead of five (63 s) keeps the
# test short.
ns_sysctl "$SRV" net.ipv4.tcp_synack_retries 1
ns0_drops=$(pt_nstat TcpExtListenDrops) ns0_cookies=$(pt_nstat TcpExtSyncookiesSent)
healthy0=$(pt_counter syn_passed_healthy)
ns_bg flood "$CLI" "$SYNQ" flood --iface sqc0 --dst "192.0.2.1:$PORT" --rate 1000000 \
	--duration 5 > "$T/flood.log" 2>&1
sleep 1
t_eq auto_flood_switched_to_cookies cookies "$(listener state)"
"$SYNQ" -n "$SRV" watch --json --count 1 --interval 0.2 > "$T/watch.json"
t_eq auto_flood_watch_shows_cookies 1 "$(jq -r '[.. | .listener_states? // empty | .cookies] | add' \
	"$T/watch.json")"
t_eq auto_flood_watch_listener "cookies $(listener transitions)" "$(jq -r \
	'.netns[].interfaces[].listeners[] | select(.listener == "192.0.2.1:'"$PORT"'") |
	"\(.state) \(.transitions)"' "$T/watch.json")"
during=$(curl_ok 10)
wait "$flood"
t_eq auto_flood_legit_clients 10 "$during"
sent=$(grep -oE 'sent [0-9]+' "$T/flood.log" | grep -oE '[0-9]+')
passed=$(($(pt_counter syn_passed_healthy) - healthy0))
# The kernel saw what reached it before the switch: at most the trigger (half of
# the accept queue's limit, 513 here) plus what one refresh interval lets through.
if [ "$passed" -le 2048 ]; then t_pass auto_flood_switch_fast
else t_fail auto_flood_switch_fast "$passed SYNs reached the kernel before the switch"; fi
t_eq auto_flood_no_listen_drops 0 $(($(pt_nstat TcpExtListenDrops) - ns0_drops))
t_eq auto_flood_no_kernel_cookies 0 $(($(pt_nstat TcpExtSyncookiesSent) - ns0_cookies))
echo "# flood: ${sent:-?} SYNs sent, $passed reached the kernel before the switch"

# ---- back to the kernel after the hold; a cookie answered just before still completes ----

# The hold is 2 s from the last pressure. The handshake's SYN gets a cookie now; its
# final ACK leaves after a SYN that finds the hold over has switched the listener back.
ok0=$(pt_counter handoff_ok)
nsenter --net="/run/netns/$CLI" "$E2E_BIN/rawtcp" handshake 192.0.2.2 192.0.2.1 "$PORT" \
	"sleep 2.5; nsenter --net=/run/netns/$CLI curl -s -m 5 -o /dev/null http://192.0.2.1:$PORT/" \
	>/dev/null
sleep 0.2
"$SYNQ" -n "$SRV" status sqs0 | grep -E "listener|switched" | sed 's/^/# /'
t_eq auto_back_to_kernel kernel "$(listener state)"
t_eq auto_cookie_valid_after_switch_back 1 $(($(pt_counter handoff_ok) - ok0))
if [ "$(listener transitions)" -ge 2 ]; then t_pass auto_transitions_counted
else t_fail auto_transitions_counted "transitions: $(listener transitions)"; fi

# top: who answers each listener's SYNs (the protected one's state, "-" for the one synq
# never saw), and the state's line in the detail view; after the timed part above.
TMP=$T	# where screen_has leaves the screen
tmux new-session -d -s "$SESSION" -x 160 -y 30 "NO_COLOR=1 $SYNQ -n $SRV top --interval 0.5"
if screen_has "\[::\]:$PORT .* $(listener state) *\$" && screen_has "\[::\]:$PLAIN .* - *\$"
then t_pass auto_top_synq_column
else t_fail auto_top_synq_column "$(grep -E ":($PORT|$PLAIN) " "$T/screen")"; fi
tmux send-keys -t "$SESSION" Enter	# the first row: the lowest port
if screen_has "synq on sqs0 for 192\.0\.2\.1:$PORT: $(listener state) for .* transitions $(listener transitions) "
then t_pass auto_top_detail_state
else t_fail auto_top_detail_state "$(grep -E "synq( on|:)|:$PORT" "$T/screen")"; fi
tmux kill-session -t "$SESSION"

t_done
