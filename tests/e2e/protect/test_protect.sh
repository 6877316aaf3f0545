#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# SYN-cookie protection end to end: a server namespace running the reference
# server (`synq serve`, HTTP and echo) and the TCP_INFO helper behind `synq attach`,
# a client namespace across a veth. Real clients (curl, wrk, C clients) connect
# through the cookie path over IPv4 and
# IPv6; the kernel's counters (nstat), ss and a capture on the client side
# cross-check synq's own counters. Every "without synq" run is a control that
# shows the check could fail.
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/protect_setup.sh
t_require_root protect
trap 'ns_cleanup; pt_cleanup_files' EXIT

PORT=8080	# synq serve, HTTP
INFO_PORT=9001	# the TCP_INFO helper (also a client of the echo server below)
ECHO_PORT=9003	# synq serve --reply echo

if ! pt_setup; then
	t_fail protect_setup "cannot build the namespaces and the veth pair"
	t_done
fi
if pt_serve "$T/serve.log" "$PORT" && pt_serve "$T/echo.log" "$ECHO_PORT" --reply echo
then t_pass protect_serve_starts
else t_fail protect_serve_starts "$(cat "$T/serve.log" "$T/echo.log")"; fi

# ---- TCP_INFO of the same exchange, without synq and with it ----

# The server's own TCP_INFO is read on the accepted socket, which synq serve does not
# report: a helper that exchanges data and prints TCP_INFO on both ends stays for this.

# One connection of the TCP_INFO helper over ADDR, printed as
# "PROFILE ADDR server-line|client-line". Never called inside $(...): the server it
# starts must belong to this shell, so that the cleanup knows it.
tcpinfo_pair() {
	local profile=$1 addr=$2 srv out
	ns_bg srv "$SRV" "$E2E_BIN/tcpinfo" server "$INFO_PORT" 1 > "$T/info_srv"
	t_wait_for "$T/info_srv" listening 5
	out=$(nsenter --net="/run/netns/$CLI" "$E2E_BIN/tcpinfo" client "$addr" "$INFO_PORT" 1)
	wait "$srv" && echo "$profile $addr $(grep opts= "$T/info_srv")|$out"
}

# A receive buffer limit of the server namespace's own (the kernel's window scale then
# is ilog2(8 MiB) - 15 = 8, unless net.core.rmem_max is larger): synq must read it here.
ns_sysctl "$SRV" net.ipv4.tcp_rmem "4096 131072 8388608"

# Two clients: "full" asks for every option, ECN included; "bare" offers none, so
# synq must not grant what the client did not ask for.
client_profile() {
	local on=1 ecn=1
	[ "$1" = bare ] && on=0 ecn=0
	ns_sysctl "$CLI" net.ipv4.tcp_ecn "$ecn"
	for k in tcp_timestamps tcp_sack tcp_window_scaling; do
		ns_sysctl "$CLI" "net.ipv4.$k" "$on"
	done
}

# tcpinfo_all FILE: tcpinfo_pair's line for every profile and family into FILE.
tcpinfo_all() {
	: > "$1"
	for profile in bare full; do
		client_profile "$profile"
		for addr in 192.0.2.1 2001:db8::1; do
			tcpinfo_pair "$profile" "$addr" >> "$1"
		done
	done
}

tcpinfo_all "$T/info_base"
base=$(cat "$T/info_base")
# The baseline must differ between the profiles, or comparing would prove little.
t_eq protect_baseline_full_negotiates_all 2 "$(grep -c '^full .*ts,sack,wscale,ecn.*ts,sack,wscale,ecn' <<< "$base")"
t_eq protect_baseline_bare_negotiates_none 2 "$(grep -c '^bare .*opts= .*opts= ' <<< "$base")"

# ---- attach ----

# A TIME_WAIT socket from before attach, for the TIME_WAIT checks further down.
nsenter --net="/run/netns/$CLI" curl -sS -m 5 --local-port 40001 -H 'Connection: close' \
	-o /dev/null "http://192.0.2.1:$PORT/"

# Without an XDP program on the client's veth, the SYN-ACKs would vanish: attach says so.
out=$("$SYNQ" -n "$SRV" attach sqs0 --mode always --ports "$PORT,$INFO_PORT,$ECHO_PORT" 2>&1)
t_eq protect_attach_exit 0 $?
case $out in
*warning*sqc0*--pass-only*) t_pass protect_attach_warns_about_veth_peer ;;
*) t_fail protect_attach_warns_about_veth_peer "attach said: $out" ;;
esac
t_run protect_peer_pass_only "$SYNQ" -n "$CLI" attach sqc0 --pass-only
syncookies_sent0=$(pt_nstat TcpExtSyncookiesSent)
passive0=$(pt_nstat TcpPassiveOpens)

tcpinfo_all "$T/info_got"
got=$(cat "$T/info_got")
while read -r profile addr line; do
	t_eq "protect_tcp_info_same_as_kernel_${profile}_${addr//[.:]/_}" "$line" \
		"$(awk -v p="$profile" -v a="$addr" '$1 == p && $2 == a { $1 = $2 = ""; print substr($0, 3) }' <<< "$got")"
done <<< "$base"

# ---- curl over IPv4 and IPv6, with a capture on the client side ----

# Only SYNs and SYN-ACKs of the HTTP port.
pt_capture_start "$T/curl.pcap" "tcp port $PORT and ((ip and tcp[tcpflags] & tcp-syn != 0) or (ip6 and ip6[53] & 2 != 0))"
curl_ok=0
for i in 1 2 3; do
	for url in "http://192.0.2.1:$PORT/" "http://[2001:db8::1]:$PORT/"; do
		[ "$(nsenter --net="/run/netns/$CLI" curl -sS -m 5 -w '%{http_code}' "$url")" = \
			$'ok\n200' ] && curl_ok=$((curl_ok + 1))
	done
done
pt_capture_stop
t_eq protect_curl_ipv4_ipv6_replies 6 "$curl_ok"

# 1 MiB each way through the cookie path, IPv4 and IPv6: the echo server returns
# every byte and the client checks each one.
for addr in 192.0.2.1 2001:db8::1; do
	t_eq "protect_echo_1MiB_intact_${addr//[.:]/_}" "echoed 1048576 bytes" \
		"$(nsenter --net="/run/netns/$CLI" "$E2E_BIN/tcpclient" echo "$addr" "$ECHO_PORT" 1048576 2>&1)"
done

# Four TCP_INFO exchanges above, six curls and two echo clients: twelve connections,
# each one SYN-ACK from XDP and one handoff; the kernel saw twelve passive opens and
# made no cookie.
t_eq protect_synack_sent_counts_connections 12 "$(pt_counter synack_sent)"
t_eq protect_handoff_ok_counts_connections 12 "$(pt_counter handoff_ok)"
t_eq protect_ack_cookie_valid_counts_connections 12 "$(pt_counter ack_cookie_valid)"
t_eq protect_kernel_passive_opens_match 12 "$(( $(pt_nstat TcpPassiveOpens) - passive0 ))"
t_eq protect_no_kernel_syncookies "$syncookies_sent0" "$(pt_nstat TcpExtSyncookiesSent)"

# --mode always runs no state machine: synq answered every SYN above, so status
# shows each listener on cookies, never switched, and none on the kernel.
t_eq protect_always_listeners_on_cookies "cookies 0 0" "$("$SYNQ" -n "$SRV" status sqs0 --json |
	jq -r '.interfaces[0] | [([.listeners[].state] | unique | join(",")),
		([.listeners[].transitions] | add), .listener_states.kernel] | join(" ")')"

# Every SYN-ACK the client received carries valid checksums (tshark's verdict).
synacks=$(pt_synack_checksums "$T/curl.pcap")
t_eq protect_capture_sees_six_synacks 6 "$(grep -c . <<< "$synacks")"
t_eq protect_synack_checksums_valid 0 "$(grep -vcE '^1[[:space:]]*(1)?$' <<< "$synacks")"

# ---- wrk, with the SYN queue watched ----

synq_ok0=$(pt_counter handoff_ok)
passive0=$(pt_nstat TcpPassiveOpens)
synrecv_seen=0
for fam in ipv4 ipv6; do
	url="http://192.0.2.1:$PORT/"
	[ "$fam" = ipv6 ] && url="http://[2001:db8::1]:$PORT/"
	nsenter --net="/run/netns/$CLI" wrk -t 2 -c 4 -d 2s "$url" > "$T/wrk.out" 2>&1 &
	wrk=$!
	while kill -0 "$wrk" 2>/dev/null; do
		n=$(ip netns exec "$SRV" ss -Htan state syn-recv | wc -l)
		synrecv_seen=$((synrecv_seen + n))
		sleep 0.1
	done
	wait "$wrk"
	rc=$?
	reqs=$(awk '/requests in/ { print $1 }' "$T/wrk.out")
	echo "    wrk $fam: $(grep -E 'requests in|Requests/sec' "$T/wrk.out" | tr -s ' \n' ' ')"
	if [ "$rc" -eq 0 ] && [ "${reqs:-0}" -gt 0 ] && ! grep -q 'Socket errors\|Non-2xx' "$T/wrk.out"
	then t_pass "protect_wrk_$fam"
	else t_fail "protect_wrk_$fam" "$(tr '\n' ' ' < "$T/wrk.out")"
	fi
done
handoffs=$(( $(pt_counter handoff_ok) - synq_ok0 ))
echo "    wrk: $handoffs connections handed off, $synrecv_seen SYN-RECV sockets seen"
t_eq protect_wrk_handoffs_match_passive_opens "$(( $(pt_nstat TcpPassiveOpens) - passive0 ))" \
	"$handoffs"
[ "$handoffs" -ge 8 ] && t_pass protect_wrk_went_through_cookies ||
	t_fail protect_wrk_went_through_cookies "only $handoffs handoffs for two wrk runs of 4"
t_eq protect_syn_queue_stayed_empty 0 "$synrecv_seen"
t_eq protect_no_kernel_syncookies_under_wrk "$syncookies_sent0" "$(pt_nstat TcpExtSyncookiesSent)"

# ---- a new connection on a 4-tuple the server still holds in TIME_WAIT ----

# With "Connection: close" the server closes first and keeps the 4-tuple in
# TIME_WAIT; a second curl from the same client port must still get through (the
# kernel alone recycles the TIME_WAIT socket on the new SYN). Port 40001 closed
# before attach (attach must find its TIME_WAIT socket), 40002 and 40003 after.
tw_curl() {
	nsenter --net="/run/netns/$CLI" curl -sS -m 5 --local-port "$1" \
		-H 'Connection: close' -o /dev/null -w '%{http_code}' "$2"
}
tw_held() {
	ip netns exec "$SRV" ss -Htan state time-wait "( dport = :$1 )" | grep -q .
}
existing0=$(pt_counter syn_passed_existing)
tw_seen=0 reuse_ok=0
tw_held 40001 && tw_seen=1
for case in "40001 http://192.0.2.1:$PORT/" "40002 http://192.0.2.1:$PORT/" \
	"40003 http://[2001:db8::1]:$PORT/"; do
	set -- $case
	if [ "$1" != 40001 ]; then
		tw_curl "$1" "$2" > /dev/null
		tw_held "$1" && tw_seen=$((tw_seen + 1))
	fi
	[ "$(tw_curl "$1" "$2")" = 200 ] && reuse_ok=$((reuse_ok + 1))
done
t_eq protect_time_wait_precondition_held 3 "$tw_seen"
t_eq protect_time_wait_tuple_reused 3 "$reuse_ok"
t_eq protect_time_wait_syn_passed_to_kernel 3 "$(( $(pt_counter syn_passed_existing) - existing0 ))"

# ---- spoofed SYNs leave no request socket ----

nsenter --net="/run/netns/$CLI" "$E2E_BIN/rawtcp" syns 198.18.0.7 192.0.2.1 "$PORT" 5
sleep 0.3
t_eq protect_spoofed_syns_leave_no_syn_recv 0 "$(ip netns exec "$SRV" ss -Htan state syn-recv | wc -l)"

# ---- forged ACKs: dropped, counted, no RST ----

invalid0=$(pt_counter ack_cookie_invalid)
pt_capture_start "$T/forged.pcap" "tcp port $PORT"
nsenter --net="/run/netns/$CLI" "$E2E_BIN/rawtcp" acks 192.0.2.2 192.0.2.1 "$PORT" 50
nsenter --net="/run/netns/$CLI" "$E2E_BIN/rawtcp" acks 2001:db8::2 2001:db8::1 "$PORT" 50
sleep 0.3
pt_capture_stop
t_eq protect_forged_acks_counted 100 "$(( $(pt_counter ack_cookie_invalid) - invalid0 ))"
# tcp[tcpflags] reads IPv4 only; IPv6 flags sit at ip6[40 + 13] (no extension headers).
RST_FILTER='(ip and tcp[tcpflags] & tcp-rst != 0) or (ip6 and ip6[53] & 4 != 0)'
# The capture must see the forged ACKs leave, or seeing no RST would prove nothing
# (a capture of a burst may miss a few; it would not miss 100 RSTs).
n=$(pt_count "$T/forged.pcap" "src host 192.0.2.2 or src host 2001:db8::2")
[ "$n" -ge 50 ] && t_pass protect_forged_acks_captured ||
	t_fail protect_forged_acks_captured "the capture saw $n of 100: $(tr '\n' ' ' < "$T/forged.pcap.log")"
t_eq protect_forged_acks_draw_no_rst 0 "$(pt_count "$T/forged.pcap" "$RST_FILTER")"

# ---- key rotation ----

# A handshake whose SYN-ACK was made under the old key completes after a rotation...
ok0=$(pt_counter handoff_ok) invalid0=$(pt_counter ack_cookie_invalid)
nsenter --net="/run/netns/$CLI" "$E2E_BIN/rawtcp" handshake 192.0.2.2 192.0.2.1 "$PORT" \
	"$SYNQ -n $SRV key rotate sqs0 >/dev/null" >/dev/null
sleep 0.2
t_eq protect_rotation_keeps_handshake_in_flight 1 "$(( $(pt_counter handoff_ok) - ok0 ))"
# ...but not after two: only the previous key stays valid (the control).
nsenter --net="/run/netns/$CLI" "$E2E_BIN/rawtcp" handshake 2001:db8::2 2001:db8::1 "$PORT" \
	"$SYNQ -n $SRV key rotate sqs0 >/dev/null; $SYNQ -n $SRV key rotate sqs0 >/dev/null" >/dev/null
sleep 0.2
t_eq protect_two_rotations_expire_a_cookie 1 "$(( $(pt_counter ack_cookie_invalid) - invalid0 ))"

# Rotations during a stream of connections lose none: 3000 connections to the echo
# server, each sending 1000 bytes of a pattern and checking they come back.
# Rotations are 20 ms apart, far more than a handshake's round trip here.
ok0=$(pt_counter handoff_ok) invalid0=$(pt_counter ack_cookie_invalid)
passive0=$(pt_nstat TcpPassiveOpens)
nsenter --net="/run/netns/$CLI" "$E2E_BIN/tcpinfo" client 192.0.2.1 "$ECHO_PORT" 3000 1000 \
	> "$T/stream.out" 2>&1 &
client=$!
rotations=0
while kill -0 "$client" 2>/dev/null && [ "$rotations" -lt 20 ]; do
	"$SYNQ" -n "$SRV" key rotate sqs0 >/dev/null && rotations=$((rotations + 1))
	sleep 0.02
done
wait "$client"
rc=$?
[ "$rc" -eq 0 ] && t_pass protect_rotation_stream_client_ok ||
	t_fail protect_rotation_stream_client_ok "exit $rc: $(grep -v '^opts=' "$T/stream.out" | head -3)"
t_eq protect_rotation_stream_echoed 3000 "$(grep -c '^opts=' "$T/stream.out")"
[ "$rotations" -ge 2 ] && t_pass protect_rotation_stream_rotated ||
	t_fail protect_rotation_stream_rotated "only $rotations rotations during the stream"
t_eq protect_rotation_stream_handoffs 3000 "$(( $(pt_counter handoff_ok) - ok0 ))"
t_eq protect_rotation_stream_passive_opens 3000 "$(( $(pt_nstat TcpPassiveOpens) - passive0 ))"
t_eq protect_rotation_stream_no_invalid 0 "$(( $(pt_counter ack_cookie_invalid) - invalid0 ))"

# ---- status ----

out=$("$SYNQ" -n "$SRV" status sqs0)
case $out in
"sqs0: ports $PORT,$INFO_PORT,$ECHO_PORT  xdp native  key "*) t_pass protect_status_text ;;
*) t_fail protect_status_text "$out" ;;
esac
fp=$("$SYNQ" -n "$SRV" key show sqs0 | awk '/^current/ { print $2 }')
t_eq protect_status_shows_current_key "$fp" \
	"$("$SYNQ" -n "$SRV" status --json | jq -r '.interfaces[] | select(.ifname == "sqs0") | .key_fingerprint')"
rate=$("$SYNQ" -n "$SRV" status sqs0 --json --interval 0.3 --count 1 |
	jq -r '.interfaces[0].rates.synack_sent == 0')
t_eq protect_status_rate_idle true "$rate"

# ---- detach ----

t_run protect_detach "$SYNQ" -n "$SRV" detach sqs0
t_run protect_detach_peer "$SYNQ" -n "$CLI" detach sqc0
pt_xdp_on "$SRV" sqs0 && t_fail protect_detach_removes_xdp "$(ip -n "$SRV" link show sqs0)" ||
	t_pass protect_detach_removes_xdp
t_eq protect_detach_removes_tc_program "" "$(pt_tc "$SRV" sqs0)"
t_eq protect_no_clsact_ever "" "$(ip netns exec "$SRV" tc qdisc show dev sqs0 | grep clsact)"
t_eq protect_detach_removes_pins "" "$(pt_pins "$SRV"; pt_pins "$CLI")"
out=$("$SYNQ" -n "$SRV" detach sqs0 2>&1)
t_eq protect_detach_twice_fails 1 $?
case $out in
"synq: detach sqs0: synq is not attached to sqs0"*) t_pass protect_detach_twice_says_why ;;
*) t_fail protect_detach_twice_says_why "$out" ;;
esac

# ---- generic XDP: SYN-ACKs leave through the normal transmit path, no peer program ----

t_run protect_generic_attach "$SYNQ" -n "$SRV" attach sqs0 --mode always --ports "$PORT" --xdp-mode generic
t_eq protect_generic_mode generic "$("$SYNQ" -n "$SRV" status --json | jq -r '.interfaces[0].xdp_mode')"
curl_ok=0
for url in "http://192.0.2.1:$PORT/" "http://[2001:db8::1]:$PORT/"; do
	[ "$(nsenter --net="/run/netns/$CLI" curl -sS -m 5 "$url")" = ok ] && curl_ok=$((curl_ok + 1))
done
t_eq protect_generic_curl 2 "$curl_ok"
t_eq protect_generic_handoffs 2 "$(pt_counter handoff_ok)"
t_run protect_generic_detach "$SYNQ" -n "$SRV" detach sqs0

# ---- controls without synq: the kernel's own path shows what synq prevented ----

nsenter --net="/run/netns/$CLI" "$E2E_BIN/rawtcp" syns 198.18.0.9 192.0.2.1 "$PORT" 5
sleep 0.3
n=$(ip netns exec "$SRV" ss -Htan state syn-recv | wc -l)
[ "$n" -gt 0 ] && t_pass protect_control_spoofed_syns_fill_syn_queue ||
	t_fail protect_control_spoofed_syns_fill_syn_queue "no SYN-RECV socket without synq"
# The kernel's own SYN-ACKs leave this veth with an offloaded (partial) TCP checksum,
# which tshark must call bad: the checksum check above can fail.
pt_capture_start "$T/control_synack.pcap" "tcp port $PORT"
nsenter --net="/run/netns/$CLI" curl -sS -m 5 -o /dev/null "http://192.0.2.1:$PORT/"
sleep 0.2
pt_capture_stop
synacks=$(pt_synack_checksums "$T/control_synack.pcap")
t_eq protect_control_kernel_synack_checksum_flagged 1 "$(grep -cvE '^1[[:space:]]*(1)?$' <<< "$synacks")"

pt_capture_start "$T/control.pcap" "tcp port $PORT"
nsenter --net="/run/netns/$CLI" "$E2E_BIN/rawtcp" acks 192.0.2.2 192.0.2.1 "$PORT" 10
sleep 0.3
pt_capture_stop
n=$(pt_count "$T/control.pcap" "$RST_FILTER")
[ "$n" -gt 0 ] && t_pass protect_control_forged_acks_draw_rst ||
	t_fail protect_control_forged_acks_draw_rst "no RST without synq; captured: $(tcpdump -r \
		"$T/control.pcap" -n 2>/dev/null | head -4 | tr '\n' ' ')"

t_done
