#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Small SYNs sent through a packet socket reach synq_xdp on veth with almost no
# room after them (veth copies such a frame into a buffer rounded up to 64
# bytes), too little for the SYN-ACK's larger option block. synq must still
# answer every one (it grows the frame at its head instead), never drop it
# silently. Three shapes whose SYN-ACK is longer than the 62-byte SYN.
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/protect_setup.sh
t_require_root protect_tailroom
trap 'ns_cleanup; pt_cleanup_files' EXIT

PORT=8080
COUNT=10

if ! pt_setup; then
	t_fail protect_tailroom_setup "cannot build the namespaces and the veth pair"
	t_done
fi
# --mode always: the SYNs must meet synq_xdp's cookie path, not a healthy listener's kernel path.
t_run protect_tailroom_attach "$SYNQ" -n "$SRV" attach sqs0 --ports "$PORT" --mode always
t_run protect_tailroom_peer_pass_only "$SYNQ" -n "$CLI" attach sqc0 --pass-only
mac=$(ip -n "$SRV" -j link show sqs0 | jq -r '.[0].address')

sent=0
for shape in qinq wssack vlan-sack; do
	pt_capture_start "$T/$shape.pcap"	# no filter: one would have to name QinQ's tags
	before=$(pt_counter synack_sent)
	ip netns exec "$CLI" python3 tests/tools/packet_syn.py sqc0 "$mac" 192.0.2.2 192.0.2.1 \
		"$PORT" "$shape" "$COUNT"
	sleep 0.3
	pt_capture_stop
	sent=$((sent + COUNT))
	t_eq "protect_tailroom_${shape//-/_}_synacks_sent" "$COUNT" $(($(pt_counter synack_sent) - before))
	t_eq "protect_tailroom_${shape//-/_}_synacks_seen" "$COUNT" \
		"$(tcpdump -r "$T/$shape.pcap" -n 2>/dev/null | grep -c 'Flags \[S\.\]')"
	# The frame grew at its head: its tags and checksums must still be right.
	synacks=$(pt_synack_checksums "$T/$shape.pcap")
	t_eq "protect_tailroom_${shape//-/_}_checksums_valid" "$COUNT" \
		"$(grep -cE '^1[[:space:]]+1$' <<< "$synacks")"
done
# Every SYN received is accounted for: answered, malformed or passed on.
t_eq protect_tailroom_syns_accounted "$sent" "$(pt_counter synack_sent)"
t_run protect_tailroom_detach "$SYNQ" -n "$SRV" detach sqs0
t_run protect_tailroom_detach_peer "$SYNQ" -n "$CLI" detach sqc0
t_done
