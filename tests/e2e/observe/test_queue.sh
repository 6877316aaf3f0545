#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# synq watch against the kernel's own numbers: ss (accept queue, SYN queue),
# nstat (ListenOverflows, TCPSynRetrans), a known accept delay (wait time), and
# two namespaces reported apart, also while `ip netns add` is half done.
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/serve.sh
t_require_root queue

E2E=build/tests/tools
TMP=$(mktemp -d)
HALF=/run/netns/synq-half-$$	# a name whose namespace is not mounted yet
trap 'ns_cleanup; rm -rf "$TMP"; rm -f "$HALF"' EXIT

# jq on the last JSON line of a watch output
last() { tail -n 1 "$1" | jq -r "$2"; }

# Accept queue: backlog 16, 17 connections held -> len 17, max 16, as ss says.
# Then 30 more connection attempts: the overflows delta equals nstat's.
test_accept_queue() {
	local ns port=8080 out=$TMP/aq.json l c w n0 n1 ss_q
	ns_new ns aq
	serve "$ns" "$TMP/aq.l" --port $port --backlog 16 --pause-accept || { t_fail accept_queue_vs_ss "listener did not start"; return; }
	ns_bg c "$ns" $E2E/qclient hold 127.0.0.1 $port 17 > "$TMP/aq.c"
	t_wait_for "$TMP/aq.c" held || { t_fail accept_queue_vs_ss "17 connections not made"; return; }
	ss_q=$(ip netns exec "$ns" ss -Hltn "sport = :$port" | awk '{ print $2 "/" $3 }')
	"$SYNQ" -n "$ns" watch --json --count 1 --interval 0.5 --port $port > "$out"
	t_eq accept_queue_vs_ss "17/16 $ss_q" \
		"$(last "$out" '.listeners[0] | "\(.accept_queue.len)/\(.accept_queue.max)"') $ss_q"

	"$SYNQ" -n "$ns" watch --json --count 4 --interval 1 --port $port > "$out" &
	w=$!
	t_wait_for "$out" listeners || { t_fail overflows_vs_nstat "watch printed nothing"; return; }
	n0=$(nstat_of "$ns" TcpExtListenOverflows)
	# Attempts abort after 1.5 s: SYN retransmits stop before the second count.
	nsenter --net="/run/netns/$ns" $E2E/qclient burst 127.0.0.1 $port 30 1500
	n1=$(nstat_of "$ns" TcpExtListenOverflows)
	wait "$w"
	if [ $((n1 - n0)) -lt 30 ]; then
		t_fail overflows_vs_nstat "only $((n1 - n0)) overflows for 30 attempts"
		return
	fi
	# watch's counters began before n0 was read, and nothing overflowed before.
	t_eq overflows_vs_nstat "$((n1 - n0))" "$(last "$out" '.listeners[0].overflows')"
	t_eq overflows_in_netstat_block "$((n1 - n0))" "$(last "$out" '.netns[0].netstat.ListenOverflows')"
}

# spoof_topology LABEL: namespaces $srv (192.0.2.1, no SYN cookies) and $att
# (192.0.2.2) on a veth; 198.18.0.0/15 is routed from srv into att, which does
# not forward, so replies to spoofed sources die there.
spoof_topology() {
	ns_new srv "${1}s" && ns_new att "${1}a" && ns_veth "$srv" vsrv "$att" vatt &&
		ns_addr "$srv" vsrv 192.0.2.1/24 && ns_addr "$att" vatt 192.0.2.2/24 &&
		ip -n "$srv" route add 198.18.0.0/15 via 192.0.2.2 &&
		ns_sysctl "$srv" net.ipv4.tcp_syncookies 0
}

# SYN queue: spoofed SYNs to a listener in a namespace without SYN cookies; the
# SYN-ACKs go to the sender's namespace, which drops them (no such address).
test_syn_queue() {
	local srv att port=8081 out=$TMP/syn.json w n r0 r1
	spoof_topology syn || { t_fail syn_queue_vs_ss "namespaces not made"; return; }
	serve "$srv" "$TMP/syn.l" --bind 192.0.2.1 --port $port --backlog 128 --pause-accept || { t_fail syn_queue_vs_ss "listener did not start"; return; }
	"$SYNQ" -n "$srv" watch --json --count 3 --interval 1 --port $port > "$out" &
	w=$!
	t_wait_for "$out" listeners || { t_fail syn_queue_vs_ss "watch printed nothing"; return; }
	r0=$(nstat_of "$srv" TcpExtTCPSynRetrans)
	ip netns exec "$att" $E2E/synspoof 192.0.2.1 $port 40 > /dev/null
	sleep 0.3
	n=$(ip netns exec "$srv" ss -Htn state syn-recv "sport = :$port" | wc -l)
	wait "$w"
	r1=$(nstat_of "$srv" TcpExtTCPSynRetrans)
	[ "$n" -gt 0 ] || { t_fail syn_queue_vs_ss "ss shows no SYN-RECV sockets"; return; }
	t_eq syn_queue_vs_ss "$n" "$(last "$out" '.listeners[0].syn_queue.len')"
	# The kernel retransmits each SYN-ACK after about a second, within the run.
	t_eq synack_retrans_vs_nstat "$((r1 - r0))" "$(last "$out" '.listeners[0].synack_retrans')"
}

# Final ACKs refused by a full accept queue: 4 connections fill it to its limit
# (backlog 4), 4 spoofed handshakes wait in the SYN queue, then their ACKs come:
# one joins (5 > 4 is full), three are dropped with the TCP_LISTEN_OVERFLOW
# reason. The kernel counts those twice in sk_drops; overflows must not.
test_ack_overflow() {
	local srv att port=8085 out=$TMP/ack.json w n0 n1
	spoof_topology ack || { t_fail overflow_acks "namespaces not made"; return; }
	serve "$srv" "$TMP/ack.l" --bind 192.0.2.1 --port $port --backlog 4 --pause-accept || { t_fail overflow_acks "listener did not start"; return; }
	ns_bg c "$att" $E2E/qclient hold 192.0.2.1 $port 4 > "$TMP/ack.c"
	t_wait_for "$TMP/ack.c" held || { t_fail overflow_acks "connections not made"; return; }
	"$SYNQ" -n "$srv" watch --json --count 3 --interval 1 --port $port > "$out" &
	w=$!
	t_wait_for "$out" listeners || { t_fail overflow_acks "watch printed nothing"; return; }
	n0=$(nstat_of "$srv" TcpExtListenOverflows)
	ip netns exec "$att" $E2E/synspoof 192.0.2.1 $port 4 vatt 500 > "$TMP/ack.s"
	n1=$(nstat_of "$srv" TcpExtListenOverflows)
	wait "$w"
	grep -q "acked 4" "$TMP/ack.s" || { t_fail overflow_acks "$(cat "$TMP/ack.s")"; return; }
	t_eq overflow_acks "3 $((n1 - n0))" "$(last "$out" '.listeners[0].overflow_acks') $((n1 - n0))"
	t_eq overflows_with_acks_vs_nstat "$((n1 - n0))" "$(last "$out" '.listeners[0].overflows')"
}

# Wait time: the server sleeps 50 ms before each accept(); one client connects
# again as soon as its previous request is answered and closed, so each
# connection waits ~50 ms in the queue.
test_wait_time() {
	local ns port=8082 out=$TMP/wait.json w p50 n
	ns_new ns wait
	serve "$ns" "$TMP/wait.l" --port $port --backlog 64 --accept-delay 50 || { t_fail wait_p50 "listener did not start"; return; }
	"$SYNQ" -n "$ns" watch --accept-wait --json --count 5 --interval 1 --port $port > "$out" &
	w=$!
	t_wait_for "$out" listeners || { t_fail wait_p50 "watch printed nothing"; return; }
	n=$(nsenter --net="/run/netns/$ns" $E2E/qclient loop 127.0.0.1 $port 2.5)
	wait "$w"
	p50=$(last "$out" '.listeners[0].wait_us.p50')
	if [ "$(last "$out" '.listeners[0].wait_us.count')" -lt 20 ]; then
		t_fail wait_p50 "only $(last "$out" '.listeners[0].wait_us.count') waits measured ($n connections)"
	elif [ "$p50" != null ] && [ "$p50" -ge 40000 ] && [ "$p50" -le 60000 ]; then
		t_pass wait_p50
	else
		t_fail wait_p50 "p50 ${p50}us, expected 50000us +- 10000us"
	fi
	# One client at a time: the queue is empty after each accept().
	t_eq accept_queue_after_accept 0 "$(last "$out" '.listeners[0].accept_queue.after_accept')"
	# Only accept()'s exit is traced: one blocked before synq started counts too.
	t_eq accepted_counts_connections "$n" "$(last "$out" '.listeners[0].accepted')"
}

# By default accept() is untraced: accepted then comes from the queue
# (enqueued minus its growth) and must still match the client's count.
test_no_wait() {
	local ns port=8087 out=$TMP/nowait.json w n
	ns_new ns nowait
	serve "$ns" "$TMP/nowait.l" --port $port --backlog 64 || { t_fail no_wait_accepted "listener did not start"; return; }
	"$SYNQ" -n "$ns" watch --json --count 3 --interval 1 --port $port > "$out" &
	w=$!
	t_wait_for "$out" listeners || { t_fail no_wait_accepted "watch printed nothing"; return; }
	n=$(nsenter --net="/run/netns/$ns" $E2E/qclient loop 127.0.0.1 $port 1)
	wait "$w"
	t_eq no_wait_accepted "$n false null" "$(last "$out" \
		'"\(.listeners[0].accepted) \(.accept_traced) \(.listeners[0].wait_us.p50)"')"
}

# Two namespaces with a listener on the same address and port: two rows, each
# with its own namespace inode; -n shows only its own.
test_namespaces() {
	local a b ia ib out=$TMP/ns.json
	ns_new a nsa
	ns_new b nsb
	serve "$a" "$TMP/nsa.l" --port 8083 --backlog 8 --pause-accept &&
		serve "$b" "$TMP/nsb.l" --port 8083 --backlog 8 --pause-accept ||
		{ t_fail netns_apart "listeners did not start"; return; }
	ns_bg c "$b" $E2E/qclient hold 127.0.0.1 8083 3 > "$TMP/nsb.c"
	t_wait_for "$TMP/nsb.c" held || { t_fail netns_apart "connections not made"; return; }
	ia=$(stat -L -c %i "/run/netns/$a")
	ib=$(stat -L -c %i "/run/netns/$b")
	# `ip netns add` creates the file first and mounts the namespace on it next.
	: > "$HALF"
	"$SYNQ" watch --json --all-netns --count 1 --interval 0.3 --port 8083 > "$out"
	rm -f "$HALF"
	t_eq netns_apart "$ia:0 $ib:3" "$(last "$out" \
		"[.listeners[] | select(.netns == $ia or .netns == $ib)] | sort_by(.netns != $ia) |
		 map(\"\(.netns):\(.accept_queue.len)\") | join(\" \")")"
	"$SYNQ" -n "$a" watch --json --count 1 --interval 0.3 --port 8083 > "$out"
	t_eq netns_filter "$ia" "$(last "$out" '[.listeners[].netns] | map(tostring) | join(",")')"
}

# A listener made after synq started: its owner comes from listen() itself
# (CLOSE->LISTEN), here over IPv6. Then Ctrl-C: the programs synq loaded are gone.
test_owner_v6_and_exit() {
	local ns out=$TMP/v6.json w ids left
	ns_new ns v6
	"$SYNQ" -n "$ns" watch --accept-wait --json --interval 0.5 --port 8084 > "$out" &
	w=$!
	t_wait_for "$out" listeners || { t_fail owner_at_listen "watch printed nothing"; return; }
	# The programs this watch loaded: the prog_id of its BPF file descriptors.
	ids=$(grep -h '^prog_id:' /proc/$w/fdinfo/* 2> /dev/null | awk '{ print $2 }' | sort -u)
	serve "$ns" "$TMP/v6.l" --bind ::1 --port 8084 --backlog 8 --pause-accept || { t_fail owner_at_listen "listener did not start"; return; }
	ns_bg c "$ns" $E2E/qclient hold ::1 8084 2 > "$TMP/v6.c"
	t_wait_for "$TMP/v6.c" held || { t_fail owner_at_listen "connections not made"; return; }
	sleep 1.2
	kill -INT "$w"
	wait "$w"
	t_eq ctrl_c_exit_status 0 "$?"
	t_eq owner_at_listen "$SERVE_PID ipv6 ::1 2 2" "$(last "$out" \
		'.listeners[0] | "\(.pid) \(.family) \(.addr) \(.accept_queue.len) \(.enqueued)"')"
	[ -n "$ids" ] || { t_fail programs_detached "no programs of synq watch found while it ran"; return; }
	# The kernel frees programs after an RCU grace period: give it a moment.
	for _ in $(seq 30); do
		left=$(bpftool prog show -j | jq -r '.[].id' | grep -cxF "$ids")
		[ "$left" -eq 0 ] && break
		sleep 0.1
	done
	[ "$(wc -w <<< "$ids")" -ge 7 ] || t_fail programs_loaded "only $(wc -w <<< "$ids") programs: $ids"
	t_eq programs_detached 0 "$left"
}

test_cli() {
	local out rc
	out=$("$SYNQ" watch --interval 0 2>&1); rc=$?
	t_eq cli_bad_interval "2 1" "$rc $(grep -c -- --interval <<< "$out")"
	out=$("$SYNQ" watch --port 70000 2>&1); rc=$?
	t_eq cli_bad_port "2 1" "$rc $(grep -c -- --port <<< "$out")"
	"$SYNQ" -n nonexistent-ns watch --count 1 > /dev/null 2>&1; rc=$?
	t_eq cli_missing_netns 1 "$rc"
}

test_accept_queue
test_syn_queue
test_ack_overflow
test_wait_time
test_no_wait
test_namespaces
test_owner_v6_and_exit
test_cli
t_done
