# SPDX-License-Identifier: GPL-2.0
# Sourced by tests/e2e/*/test_protect*.sh after tests/lib/e2e.sh and tests/lib/netns.sh.
# The protection tests' topology and small readers:
#
#   server namespace $SRV  sqs0  192.0.2.1/24  2001:db8::1/64
#   client namespace $CLI  sqc0  192.0.2.2/24  2001:db8::2/64
#
# The client veth sends full checksums (tx offload off), as a real NIC delivers them;
# 198.18.0.0/15 (spoofed sources) is routed from the server back into the client
# namespace, which does not forward, so replies to it die there.
#
#   pt_setup                       build it; SRV, CLI, T (a temporary directory) set
#   pt_counter NAME                a synq counter on sqs0 (total)
#   pt_nstat NAME                  an nstat counter of the server namespace
#   pt_capture_start FILE FILTER   tcpdump on the client veth; pt_capture_stop ends it
#   pt_xdp_on NS IF                true if IF runs an XDP program
#   pt_tc NS IF                    the programs at IF's TCX ingress, one name a line (the
#                                  kernel's answer: tc(8) does not show TCX links)
#   pt_objects NS IF               the kernel's IDs of synq's objects on IF, "prog N", "link N",
#                                  "map N" a line: the XDP program, every program sharing its
#                                  maps (synq_tc), their links, their maps
#   pt_objects_left LIST           the lines of such a LIST the kernel still has
#   pt_pins NS                     where synq has pins in namespace NS, as synq status --json
#                                  lists them (one interface a line, damaged ones too)
#   pt_serve LOG PORT [ARGS]       synq serve in the server namespace on [::]:PORT
#   pt_synack_checksums PCAP       per SYN-ACK: tshark's TCP and IP checksum status (1 = good)

E2E_BIN=${E2E_BIN:-$PWD/build/tests/tools}

pt_setup() {
	ns_new SRV srv || return 1
	ns_new CLI cli || return 1
	ns_veth "$SRV" sqs0 "$CLI" sqc0 || return 1
	ns_addr "$SRV" sqs0 192.0.2.1/24 && ns_addr "$SRV" sqs0 2001:db8::1/64 &&
	ns_addr "$CLI" sqc0 192.0.2.2/24 && ns_addr "$CLI" sqc0 2001:db8::2/64 || return 1
	ip netns exec "$CLI" ethtool -K sqc0 tx off >/dev/null || return 1
	ip -n "$SRV" route add 198.18.0.0/15 via 192.0.2.2 || return 1
	T=$(mktemp -d /tmp/synq-protect.XXXXXX) || return 1
	PT_CLEAN+=("$T")
	# Wait until both ends can reach each other (IPv6 neighbours, link up).
	for _ in $(seq 50); do
		ip netns exec "$CLI" ping -c1 -W1 -q 2001:db8::1 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

PT_CLEAN=()
pt_cleanup_files() { [ ${#PT_CLEAN[@]} -gt 0 ] && rm -rf "${PT_CLEAN[@]}"; PT_CLEAN=(); }

pt_counter() {
	"$SYNQ" -n "$SRV" status sqs0 --json | jq -r ".interfaces[0].counters.$1"
}

pt_nstat() {
	ip netns exec "$SRV" nstat -asz "$1" | awk -v n="$1" '$1 == n { print $2 }'
}

pt_xdp_on() { ip -n "$1" -d link show dev "$2" 2>/dev/null | grep -q 'prog/xdp'; }

pt_tc() { nsenter --net="/run/netns/$1" "$E2E_BIN/tcx_progs" "$2"; }

pt_objects() {
	local xdp maps progs
	xdp=$(ip netns exec "$1" bpftool -j net show dev "$2" 2>/dev/null | jq -r '.[0].xdp[0].id // empty')
	[ -n "$xdp" ] || return 0
	maps=$(bpftool -j prog show id "$xdp" | jq -c '.map_ids // []')
	progs=$(bpftool -j prog show | jq -c --argjson m "$maps" \
		'[.[] | select([(.map_ids // [])[] | select(IN($m[]))] | length > 0) | .id]')
	jq -r '.[] | "prog \(.)"' <<< "$progs"
	bpftool -j link show | jq -r --argjson p "$progs" '.[] | select(.prog_id | IN($p[])) | "link \(.id)"'
	jq -r '.[] | "map \(.)"' <<< "$maps"
}

pt_objects_left() {
	local kind id
	while read -r kind id; do
		[ -n "$id" ] && bpftool "$kind" show id "$id" >/dev/null 2>&1 && echo "$kind $id"
	done <<< "$1"
}

pt_pins() {
	"$SYNQ" -n "$1" status --json 2>/dev/null | jq -r '.interfaces[] | .pins // .ifname'
}

pt_capture_start() {
	local file=$1; shift
	ns_bg PT_CAP_PID "$CLI" tcpdump --immediate-mode -Z root -U -n -i sqc0 -w "$file" "$@" 2>"$file.log"
	for _ in $(seq 50); do
		grep -q 'listening on' "$file.log" 2>/dev/null && return 0
		sleep 0.1
	done
	t_fail "capture_$(basename "$file")" "tcpdump did not start: $(cat "$file.log")"
	return 1
}

pt_synack_checksums() {
	tshark -r "$1" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
		-Y 'tcp.flags.syn == 1 && tcp.flags.ack == 1' -T fields \
		-e tcp.checksum.status -e ip.checksum.status 2>/dev/null
}

# Packets of a capture that match a filter.
pt_count() { tcpdump -r "$1" -n "$2" 2>/dev/null | wc -l; }

pt_capture_stop() {
	kill -INT "$PT_CAP_PID" 2>/dev/null
	wait "$PT_CAP_PID" 2>/dev/null
}

# pt_serve LOG PORT [ARGS...]: the reference server, `synq serve ARGS`, in the server
# namespace on [::]:PORT (IPv4 and IPv6 alike: one dual-stack socket), its output into
# LOG; returns once it listens. A background process, never inside $(...): a command
# substitution would wait for the server to close its output.
pt_serve() {
	local log=$1 port=$2 pid; shift 2
	ns_bg pid "$SRV" "$SYNQ" serve --bind :: --port "$port" "$@" >"$log" 2>&1
	for _ in $(seq 50); do
		grep -q 'listening on' "$log" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}
