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
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/protect_setup.sh
t_require_root protect_parity
trap 'ns_cleanup; pt_cleanup_files' EXIT

PLAIN=8090 GUARD=8091		# synq serve --backlog 2 --accept-delay 300
BPLAIN=8092 BGUARD=8093		# the banner service (server speaks first)
IPLAIN=9010 IGUARD=9011		# the TCP_INFO helper
PY=/usr/bin/python3

if ! pt_setup; then
	t_fail parity_setup "cannot build the namespaces and the veth pair"
	t_done
fi
t_run parity_peer_pass_only "$SYNQ" -n "$CLI" attach sqc0 --pass-only
out=$("$SYNQ" -n "$SRV" attach sqs0 --mode always --ports "$GUARD,$BGUARD,$IGUARD" 2>&1)
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

# The banner service: listen(2), wait, then accept and greet; clients wait for the banner.
cat > "$T/banner.py" <<'PY'
import socket, sys, time
port, backlog, delay, n = (int(a) for a in sys.argv[1:5])
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", port))
s.listen(backlog)
print("listening", flush=True)
time.sleep(delay)
for _ in range(n):
    c, _ = s.accept()
    c.sendall(b"220 ready\r\n")
    c.close()
PY
cat > "$T/bclient.py" <<'PY'
import socket, sys, threading
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
got = []
def one():
    try:
        c = socket.create_connection((host, port), timeout=14)
        c.settimeout(14)
        got.append(c.recv(64).startswith(b"220"))
    except OSError:
        got.append(False)
threads = [threading.Thread(target=one) for _ in range(n)]
for t in threads: t.start()
for t in threads: t.join()
print(sum(got))
PY
# banner PORT: 6 clients of a banner service with backlog 2 that starts accepting after 4 s.
# Six, not more: with more than 8 requests waiting the kernel alone shortens their
# SYN-ACK retransmissions (reqsk_timer_handler's "young" rule) and loses some
# itself, so it could no longer be the reference.
banner() {
	local srv
	ns_bg srv "$SRV" "$PY" "$T/banner.py" "$1" 2 4 6 > "$T/banner.$1"
	t_wait_for "$T/banner.$1" listening 5
	nsenter --net="/run/netns/$CLI" "$PY" "$T/bclient.py" 192.0.2.1 "$1" 6
	wait "$srv"
}
t_eq parity_banner_kernel_alone 6 "$(banner "$BPLAIN")"
t_eq parity_banner_protected 6 "$(banner "$BGUARD")"

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

t_done
