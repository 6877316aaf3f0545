#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Kernel parity of a protected port: each case runs against a port synq protects
# and against one it does not, in the same namespaces, and expects the same
# outcome (docs/protect.md lists the differences that remain, and why).
#   - a burst larger than the accept queue (client-first HTTP, server-first banner)
#   - the option sysctls and tcp_syncookies changed after attach
#   - the MSS a cookie keeps for the common path MTUs (9000 only in the unit test:
#     the XDP programs are not frags-aware, so veth cannot take that MTU)
#   - local senders with checksum offload: a veth peer with TX offload, loopback
#   - SYN-ACKs the device could not send, and a veth peer without XDP, in status
#   - a captured final ACK replayed after its connection closed
#   - --mode auto (the same port, attach --replace): the burst, the banner, replays
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/protect_setup.sh
t_require_root protect_parity
trap 'ns_cleanup; pt_cleanup_files' EXIT

PLAIN=8090 GUARD=8091		# synq serve --backlog 2 --accept-delay 300
BPLAIN=8092 BGUARD=8093		# the banner service (server speaks first)
IPLAIN=9010 IGUARD=9011		# the TCP_INFO helper
RPLAIN=8094 RGUARD=8095		# synq serve: a replayed final ACK
PY=/usr/bin/python3

if ! pt_setup; then
	t_fail parity_setup "cannot build the namespaces and the veth pair"
	t_done
fi
t_run parity_peer_pass_only "$SYNQ" -n "$CLI" attach sqc0 --pass-only
out=$("$SYNQ" -n "$SRV" attach sqs0 --mode always --ports "$GUARD,$BGUARD,$IGUARD,$RGUARD" 2>&1)
t_eq parity_attach_exit 0 $?
case $out in
*sqs0*partial*checksums*) t_pass parity_attach_names_partial_checksums ;;
*) t_fail parity_attach_names_partial_checksums "attach said: $out" ;;
esac

# ---- F1: a burst larger than the accept queue ----

# burst PORT: 12 concurrent curls; prints how many got a 200.
burst() {
	local i
	for i in $(seq 12); do
		nsenter --net="/run/netns/$CLI" curl -s -m 14 -o /dev/null -w '%{http_code}\n' \
			"http://192.0.2.1:$1/" &
	done | grep -c '^200$'
	wait
}

if pt_serve "$T/plain.log" "$PLAIN" --backlog 2 --accept-delay 300 &&
   pt_serve "$T/guard.log" "$GUARD" --backlog 2 --accept-delay 300
then t_pass parity_slow_servers_start
else t_fail parity_slow_servers_start "$(cat "$T/plain.log" "$T/guard.log")"; fi
t_eq parity_burst_kernel_alone 12 "$(burst "$PLAIN")"
ok0=$(pt_counter handoff_ok)
dropped0=$(pt_counter syn_dropped_accept_full)
t_eq parity_burst_protected 12 "$(burst "$GUARD")"
# Twelve SYNs for three places: synq dropped SYNs, as the kernel does when it is full.
dropped=$(($(pt_counter syn_dropped_accept_full) - dropped0))
if [ "$dropped" -gt 0 ]; then t_pass parity_burst_syns_dropped
else t_fail parity_burst_syns_dropped "syn_dropped_accept_full did not move"; fi
# Every connection went through a cookie, and each reached the accept queue once.
t_eq parity_burst_handoff_ok_counts_connections 12 $(($(pt_counter handoff_ok) - ok0))

# The banner service (tests/tools/banner.py): backlog 2, accepting only after 4 s;
# its 8 clients send nothing and wait for the greeting.
#
# The clients start 0.1 s apart. Once more requests wait for their final ACK than
# the listen backlog, the kernel answers further SYNs with its own cookies
# (TcpExtTCPReqQFullDoCookies), and a cookie whose final ACK meets a full accept
# queue is lost for good: no request socket retransmits the SYN-ACK, and the
# client waits for a greeting that never comes. Eight clients started at once
# retry their SYNs in step (every second at first), so when the server starts
# accepting, five SYNs arrive together and the kernel alone served 6 or 7 of 8.
# Started 0.1 s apart, their retries stay 0.1 s apart: the kernel alone never has
# more than one request waiting, drops the SYNs its full accept queue cannot take
# (TcpExtListenOverflows), and every client gets in on a retry.
BANNER_CLIENTS=8
banner() {	# banner PORT GAP: how many of the clients, started GAP s apart, got the greeting
	local srv
	ns_bg srv "$SRV" "$PY" tests/tools/banner.py serve "$1" 2 4 "$BANNER_CLIENTS" \
		> "$T/banner.$1"
	t_wait_for "$T/banner.$1" listening 5
	nsenter --net="/run/netns/$CLI" "$PY" tests/tools/banner.py clients 192.0.2.1 "$1" \
		"$BANNER_CLIENTS" "$2" | cut -d' ' -f2
	wait "$srv"
}
overflows0=$(pt_nstat TcpExtListenOverflows) kcookies0=$(pt_nstat TcpExtTCPReqQFullDoCookies)
t_eq parity_banner_kernel_alone 8 "$(banner "$BPLAIN" 0.1)"
t_eq parity_banner_kernel_alone_no_cookies 0 \
	$(($(pt_nstat TcpExtTCPReqQFullDoCookies) - kcookies0))
if [ "$(pt_nstat TcpExtListenOverflows)" -gt "$overflows0" ]; then
	t_pass parity_banner_accept_queue_overflowed
else t_fail parity_banner_accept_queue_overflowed "TcpExtListenOverflows did not move"; fi
t_eq parity_banner_always 8 "$(banner "$BGUARD" 0.1)"
# All at once, synq drops the SYNs it has no room for, where the kernel alone
# answers some with its cookies (docs/protect.md, the parity table).
t_eq parity_banner_at_once_always 8 "$(banner "$BGUARD" 0)"
kcookies0=$(pt_nstat TcpExtTCPReqQFullDoCookies)
echo "# banner clients all at once, the kernel alone: $(banner "$BPLAIN" 0) of 8 served," \
	"$(($(pt_nstat TcpExtTCPReqQFullDoCookies) - kcookies0)) SYNs answered with its cookies"

# ---- F4: sysctls changed after attach ----

# info PORT: the server's TCP_INFO line of one exchange (options, window scales, MSS).
info() {
	local srv
	ns_bg srv "$SRV" "$E2E_BIN/tcpinfo" server "$1" 1 > "$T/info_srv"
	t_wait_for "$T/info_srv" listening 5
	nsenter --net="/run/netns/$CLI" "$E2E_BIN/tcpinfo" client 192.0.2.1 "$1" 1 >/dev/null
	wait "$srv" && grep -o 'opts=.*' "$T/info_srv"
}

ns_sysctl "$CLI" net.ipv4.tcp_ecn 1	# the client asks for every option, ECN too
for flip in tcp_timestamps=0 tcp_sack=0 tcp_window_scaling=0 tcp_ecn=0; do
	name=${flip%=*}
	was=$(ip netns exec "$SRV" sysctl -n "net.ipv4.$name")
	ns_sysctl "$SRV" "net.ipv4.$name" "${flip#*=}"
	want=$(info "$IPLAIN")
	got=$(info "$IGUARD")
	if [ -n "$want" ] && [ "$got" = "$want" ]
	then t_pass "parity_sysctl_${name}_off"
	else t_fail "parity_sysctl_${name}_off" "kernel alone: '$want', synq: '$got'"; fi
	ns_sysctl "$SRV" "net.ipv4.$name" "$was"
done
t_eq parity_sysctls_back "$(info "$IPLAIN")" "$(info "$IGUARD")"

# tcp_syncookies=0: the kernel would refuse synq's handoff, so the SYNs go to it.
ns_sysctl "$SRV" net.ipv4.tcp_syncookies 0
before=$(pt_counter syn_passed_syncookies_off)
code=$(nsenter --net="/run/netns/$CLI" curl -s -m 5 -o /dev/null -w '%{http_code}' \
	"http://192.0.2.1:$GUARD/")
t_eq parity_syncookies_off_served 200 "$code"
t_eq parity_syncookies_off_counted 1 $(($(pt_counter syn_passed_syncookies_off) - before))
case $("$SYNQ" -n "$SRV" status sqs0) in
*tcp_syncookies\ is\ 0*) t_pass parity_syncookies_off_status_says_why ;;
*) t_fail parity_syncookies_off_status_says_why "$("$SYNQ" -n "$SRV" status sqs0 | head -3)" ;;
esac
ns_sysctl "$SRV" net.ipv4.tcp_syncookies 1

# ---- F7: the MSS a cookie keeps, client MTU by client MTU ----

# mss ADDR PORT: the server's snd_mss of one exchange.
mss() {
	local srv
	ns_bg srv "$SRV" "$E2E_BIN/tcpinfo" server "$2" 1 > "$T/mss_srv"
	t_wait_for "$T/mss_srv" listening 5
	nsenter --net="/run/netns/$CLI" "$E2E_BIN/tcpinfo" client "$1" "$2" 1 >/dev/null
	wait "$srv" && grep -o 'snd_mss=[0-9]*' "$T/mss_srv" | cut -d= -f2
}

short=""
for ts in 1 0; do
	ns_sysctl "$SRV" net.ipv4.tcp_timestamps "$ts"
	for mtu in 1280 1380 1400 1420 1450 1480 1492 1500; do
		ip -n "$CLI" link set sqc0 mtu "$mtu"
		for addr in 192.0.2.1 2001:db8::1; do
			want=$(mss "$addr" "$IPLAIN")
			got=$(mss "$addr" "$IGUARD")
			if [ -z "$want" ] || [ -z "$got" ] || [ $((100 * got)) -lt $((95 * want)) ]; then
				short+=" mtu=$mtu ts=$ts $addr: kernel $want, synq $got;"
			fi
		done
	done
done
ip -n "$CLI" link set sqc0 mtu 1500
ns_sysctl "$SRV" net.ipv4.tcp_timestamps 1
if [ -z "$short" ]; then t_pass parity_mss_95_percent_of_the_kernels
else t_fail parity_mss_95_percent_of_the_kernels "$short"; fi

# ---- F6: local senders with checksum offload ----

ip netns exec "$CLI" ethtool -K sqc0 tx on >/dev/null
before=$(pt_counter syn_passed_partial_csum)
ok=0
for url in "http://192.0.2.1:$GUARD/" "http://[2001:db8::1]:$GUARD/"; do
	code=$(nsenter --net="/run/netns/$CLI" curl -s -m 5 -o /dev/null -w '%{http_code}' "$url")
	[ "$code" = 200 ] && ok=$((ok + 1))
done
t_eq parity_tx_offload_served 2 "$ok"
t_eq parity_tx_offload_counted 2 $(($(pt_counter syn_passed_partial_csum) - before))
ip netns exec "$CLI" ethtool -K sqc0 tx off >/dev/null

out=$("$SYNQ" -n "$SRV" attach lo --mode always --ports "$GUARD" 2>&1)
t_eq parity_attach_lo_exit 0 $?
case $out in
*lo*partial\ checksums*) t_pass parity_attach_lo_says_which ;;
*) t_fail parity_attach_lo_says_which "attach said: $out" ;;
esac
code=$(ip netns exec "$SRV" curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$GUARD/")
t_eq parity_loopback_served 200 "$code"
t_run parity_detach_lo "$SYNQ" -n "$SRV" detach lo

# ---- F18: what synack_sent does not prove ----

txerr() { "$SYNQ" -n "$SRV" status sqs0 --json | jq -r '.interfaces[0].device_xdp_tx_errors'; }
err0=$(txerr)
t_run parity_peer_detached "$SYNQ" -n "$CLI" detach sqc0
nsenter --net="/run/netns/$CLI" curl -s -m 1 -o /dev/null "http://192.0.2.1:$GUARD/"
out=$("$SYNQ" -n "$SRV" status sqs0)
case $out in
*"warning: the veth peer sqc0 has no native XDP program"*) t_pass parity_status_warns_peer ;;
*) t_fail parity_status_warns_peer "status said: $(head -5 <<< "$out")" ;;
esac
if [ "$(txerr)" -gt "$err0" ]; then t_pass parity_status_device_tx_errors
else t_fail parity_status_device_tx_errors "device_xdp_tx_errors stayed at $err0"; fi
t_eq parity_status_json_peer false \
	"$("$SYNQ" -n "$SRV" status sqs0 --json | jq -r '.interfaces[0].veth_peer_xdp')"
t_run parity_peer_reattached "$SYNQ" -n "$CLI" attach sqc0 --pass-only

# ---- F14: a captured final ACK replayed after its connection closed ----

# final_ack PORT fin|rst: one real connection to PORT, which the client closes with
# a FIN (curl) or a RST (tcpclient); prints its final ACK's TCP segment in hex, as
# captured in the client namespace.
final_ack() {
	local ip ihl len
	pt_capture_start "$T/ack.pcap" "tcp dst port $1 and tcp[tcpflags] == tcp-ack" || return
	if [ "$2" = fin ]; then
		nsenter --net="/run/netns/$CLI" curl -s -m 5 -o /dev/null "http://192.0.2.1:$1/"
	else
		nsenter --net="/run/netns/$CLI" "$E2E_BIN/tcpclient" hold 192.0.2.1 "$1" 1 0 >/dev/null
	fi
	sleep 0.2
	pt_capture_stop
	# The first pure ACK is the handshake's last segment; -x shows its IP packet.
	ip=$(tcpdump -r "$T/ack.pcap" -n -x -c 1 2>/dev/null |
		awk '/^[ \t]*0x/ { for (i = 2; i <= NF; i++) printf "%s", $i }')
	[ -n "$ip" ] || return
	ihl=$((16#${ip:1:1} * 8)) len=$((16#${ip:4:4} * 2))
	echo "${ip:ihl:len-ihl}"
}

# tuple_sockets PORT CLIENT_PORT: the server's sockets of that connection, any state.
tuple_sockets() {
	ip netns exec "$SRV" ss -Htan "( sport = :$1 and dport = :$2 )" | wc -l
}

# replay PORT SEGMENT: sends the captured segment again, once the server holds no
# socket of its connection; prints the RSTs that answered it and the server's
# sockets of that connection after it (one is a connection the replay opened).
replay() {
	[ -n "$2" ] || { echo "no final ACK captured"; return; }
	local sport=$((16#${2:0:4}))
	for _ in $(seq 20); do
		[ "$(tuple_sockets "$1" "$sport")" -eq 0 ] && break
		sleep 0.1
	done
	pt_capture_start "$T/replay.pcap" \
		"src port $1 and dst port $sport and tcp[tcpflags] & tcp-rst != 0"
	nsenter --net="/run/netns/$CLI" "$E2E_BIN/rawtcp" replay 192.0.2.2 192.0.2.1 "$1" "$2"
	sleep 0.3
	pt_capture_stop
	echo "rst $(pt_count "$T/replay.pcap" "src port $1") sockets $(tuple_sockets "$1" "$sport")"
}

if pt_serve "$T/rplain.log" "$RPLAIN" && pt_serve "$T/rguard.log" "$RGUARD"
then t_pass parity_replay_servers_start
else t_fail parity_replay_servers_start "$(cat "$T/rplain.log" "$T/rguard.log")"; fi
# The kernel alone answers a replayed final ACK with a RST and opens nothing.
REFUSED="rst 1 sockets 0"
t_eq parity_replay_kernel_alone_fin "$REFUSED" "$(replay "$RPLAIN" "$(final_ack "$RPLAIN" fin)")"
t_eq parity_replay_kernel_alone_rst "$REFUSED" "$(replay "$RPLAIN" "$(final_ack "$RPLAIN" rst)")"

# --mode always: a cookie ACK of a handshake synq handed off and whose connection
# then closed with a FIN is a replay; the kernel answers it, as it would alone.
fin_ack=$(final_ack "$RGUARD" fin)
ok0=$(pt_counter handoff_ok) replayed0=$(pt_counter ack_passed_replayed)
valid0=$(pt_counter ack_cookie_valid)
t_eq parity_replay_always_fin "$REFUSED" "$(replay "$RGUARD" "$fin_ack")"
t_eq parity_replay_always_fin_cookie_valid 1 $(($(pt_counter ack_cookie_valid) - valid0))
t_eq parity_replay_always_fin_counted 1 $(($(pt_counter ack_passed_replayed) - replayed0))
t_eq parity_replay_always_fin_no_handoff 0 $(($(pt_counter handoff_ok) - ok0))
# What remains (docs/protect.md): a connection that ended with a RST left no
# closing mark, so while its cookie lives a replay opens an empty connection.
rst_ack=$(final_ack "$RGUARD" rst)
ok0=$(pt_counter handoff_ok)
t_eq parity_replay_always_rst_opens_connection "rst 0 sockets 1" "$(replay "$RGUARD" "$rst_ack")"
t_eq parity_replay_always_rst_handed_off 1 $(($(pt_counter handoff_ok) - ok0))
rst_ack=$(final_ack "$RGUARD" rst)	# another, replayed below in --mode auto

# ---- --mode auto, healthy: the same port after attach --replace (same key) ----

t_run parity_replace_auto "$SYNQ" -n "$SRV" attach sqs0 --replace --mode auto \
	--ports "$GUARD,$BGUARD,$IGUARD,$RGUARD"
# No cookie outstanding: both replays, cookies valid under the key, go to the
# kernel, which answers each with a RST, as it does alone.
ok0=$(pt_counter handoff_ok) nocookies0=$(pt_counter ack_passed_no_cookies)
t_eq parity_replay_auto_fin "$REFUSED" "$(replay "$RGUARD" "$fin_ack")"
t_eq parity_replay_auto_rst "$REFUSED" "$(replay "$RGUARD" "$rst_ack")"
t_eq parity_replay_auto_passed 2 $(($(pt_counter ack_passed_no_cookies) - nocookies0))
t_eq parity_replay_auto_no_handoff 0 $(($(pt_counter handoff_ok) - ok0))

t_eq parity_burst_auto 12 "$(burst "$GUARD")"
t_eq parity_banner_auto 8 "$(banner "$BGUARD" 0.1)"
# At once: the burst switches the listener to cookies after the kernel took a
# SYN or two, and the cookies sent then must leave room for those.
t_eq parity_banner_at_once_auto 8 "$(banner "$BGUARD" 0)"

t_done
