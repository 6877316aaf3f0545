#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Two hosts behind one address (anycast / ECMP), each its own namespace holding
# 192.0.2.1: a client's SYN reaches host A, its final ACK reaches host B. With the
# same --key-file B accepts A's cookie and the kernel there builds the connection;
# with different keys it must not (the control).
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/protect_setup.sh
t_require_root protect_anycast
trap 'ns_cleanup; pt_cleanup_files' EXIT

PORT=8080

setup() {
	ns_new CLI cli && ns_new HA hosta && ns_new HB hostb || return 1
	ns_veth "$HA" sqs0 "$CLI" sqc0 && ns_veth "$HB" sqs0 "$CLI" sqc1 || return 1
	ns_addr "$HA" sqs0 192.0.2.1/24 && ns_addr "$HB" sqs0 192.0.2.1/24 &&
	ns_addr "$CLI" sqc0 192.0.2.2/24 && ns_addr "$CLI" sqc1 192.0.2.3/24 || return 1
	# SYNs go to host A; the ACK is sent out of sqc1 (to B) by the sender itself.
	ip -n "$CLI" route add 192.0.2.1/32 dev sqc0 || return 1
	ip netns exec "$CLI" ethtool -K sqc0 tx off >/dev/null &&
	ip netns exec "$CLI" ethtool -K sqc1 tx off >/dev/null || return 1
	T=$(mktemp -d /tmp/synq-protect.XXXXXX) && PT_CLEAN+=("$T")
}

# The reference server, never accepting: handed-off connections wait in its accept
# queue, where `established` counts them.
listen_on() {
	local pid log=$T/serve-$1.log
	ns_bg pid "$1" "$SYNQ" serve --bind 192.0.2.1 --port "$PORT" --backlog 16 --pause-accept \
		>"$log" 2>&1
	t_wait_for "$log" 'listening on' 5
}

counter() { "$SYNQ" -n "$1" status sqs0 --json | jq -r ".interfaces[0].counters.$2"; }
established() { ip netns exec "$1" ss -Htn state established "sport = :$PORT" | wc -l; }

# SYN to A, then the ACK for A's SYN-ACK to B.
cross_handshake() {
	nsenter --net="/run/netns/$CLI" "$E2E_BIN/rawtcp" handshake 192.0.2.2 192.0.2.1 "$PORT" \
		true sqc1 >/dev/null
	sleep 0.2
}

if ! setup || ! listen_on "$HA" || ! listen_on "$HB"; then
	t_fail protect_anycast_setup "cannot build the two hosts and the client"
	t_done
fi
printf '00112233445566778899aabbccddeeff\n' > "$T/shared.key"
printf 'ffeeddccbbaa99887766554433221100\n' > "$T/other.key"
chmod 600 "$T"/*.key

t_run protect_anycast_attach_a "$SYNQ" -n "$HA" attach sqs0 --mode always --ports "$PORT" \
	--key-file "$T/shared.key" --xdp-mode generic
t_run protect_anycast_attach_b "$SYNQ" -n "$HB" attach sqs0 --mode always --ports "$PORT" \
	--key-file "$T/shared.key" --xdp-mode generic
t_eq protect_anycast_same_fingerprint "$("$SYNQ" -n "$HA" key show sqs0)" \
	"$("$SYNQ" -n "$HB" key show sqs0)"

cross_handshake
t_eq protect_anycast_a_answered_the_syn 1 "$(counter "$HA" synack_sent)"
t_eq protect_anycast_b_accepts_a_cookie 1 "$(counter "$HB" handoff_ok)"
t_eq protect_anycast_b_has_the_connection 1 "$(established "$HB")"
t_eq protect_anycast_a_has_no_connection 0 "$(established "$HA")"

# Control: B with a key of its own drops the ACK as a forgery.
t_run protect_anycast_b_other_key "$SYNQ" -n "$HB" attach sqs0 --mode always --ports "$PORT" \
	--key-file "$T/other.key" --xdp-mode generic --replace
cross_handshake
t_eq protect_anycast_other_key_rejected 1 "$(counter "$HB" ack_cookie_invalid)"
t_eq protect_anycast_other_key_no_handoff 0 "$(counter "$HB" handoff_ok)"

# Rotating both hosts to one new key keeps them in agreement.
"$SYNQ" -n "$HA" key rotate sqs0 --key-file "$T/other.key" >/dev/null
cross_handshake
t_eq protect_anycast_after_rotation 1 "$(counter "$HB" handoff_ok)"

t_run protect_anycast_detach_a "$SYNQ" -n "$HA" detach sqs0
t_run protect_anycast_detach_b "$SYNQ" -n "$HB" detach sqs0
t_done
