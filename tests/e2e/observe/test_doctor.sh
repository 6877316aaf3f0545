#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# synq doctor on real namespaces: each check is triggered in a namespace made for it, its
# numbers compared with what the test set up or with the kernel's own counters (nstat), and
# a clean namespace gives no findings. The JSON carries the same findings as the text.
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/serve.sh
t_require_root doctor

E2E=build/tests/tools
TMP=$(mktemp -d)
trap 'ns_cleanup; rm -rf "$TMP"' EXIT

# doctor_json NS OUT [FLAGS...]: one look as JSON into OUT; prints the exit status.
doctor_json() {
	local ns=$1 out=$2; shift 2
	"$SYNQ" -n "$ns" doctor --json "$@" > "$out" 2> "$out.err"
	echo $?
}
ids() { jq -r '[.findings[].id] | join(" ")' "$1"; }
# fld FILE ID FILTER: jq FILTER on the first finding ID; ev FILE ID KEY: its evidence KEY
fld() { jq -r --arg id "$2" "[.findings[] | select(.id == \$id)][0] | $3" "$1"; }
ev() { fld "$1" "$2" ".evidence.$3"; }

# A listener on one address, backlog below somaxconn, sysctls as a new namespace has them
# (somaxconn set to the host's, so the per-namespace comparison has nothing to say).
test_clean() {
	local ns out=$TMP/clean.json rc
	ns_new ns clean
	ns_sysctl "$ns" net.core.somaxconn "$(cat /proc/sys/net/core/somaxconn)"
	serve "$ns" "$TMP/clean.l" --bind 127.0.0.1 --port 8080 --backlog 128 ||
		{ t_fail clean_no_findings "listener did not start"; return; }
	rc=$(doctor_json "$ns" "$out")
	t_eq clean_no_findings "0 0 1" \
		"$rc $(jq '.findings | length' "$out") $(jq '.netns[0].listeners' "$out")"
	t_run clean_text_says_no_findings grep -qx "no findings" <("$SYNQ" -n "$ns" doctor)
}

# somaxconn 64 and listen(fd, 512): seen at listen() while observing, the clamp is known.
test_backlog_clamped() {
	local ns out=$TMP/clamp.json d
	ns_new ns clamp
	ns_sysctl "$ns" net.core.somaxconn 64
	"$SYNQ" -n "$ns" doctor --json --observe 2 > "$out" 2> "$out.err" &
	d=$!
	t_wait_for "$out.err" observing || { t_fail backlog_clamped "doctor did not start"; return; }
	serve "$ns" "$TMP/clamp.l" --port 8080 --backlog 512 ||
		{ t_fail backlog_clamped "listener did not start"; return; }
	wait "$d"
	t_eq backlog_clamped_exit_1 1 "$?"
	t_eq backlog_clamped "512 64 listener 127.0.0.1:8080 ($SERVE_PID/synq)" \
		"$(ev "$out" SQ101 requested) $(ev "$out" SQ101 somaxconn) $(fld "$out" SQ101 .subject)"
	t_eq backlog_kernel_agrees "64" \
		"$(ip netns exec "$ns" ss -Hltn 'sport = :8080' | awk '{ print $3 }')"
	# Listening before doctor looks: the request is unknown, so only "probably".
	doctor_json "$ns" "$out" > /dev/null
	t_eq backlog_probably_clamped "SQ204 SQ102 64" "$(ids "$out") $(ev "$out" SQ102 limit)"
}

# The backlog experiment: backlog 8, never accept()ing, 20 clients within --observe 3.
test_accept_queue() {
	local ns out=$TMP/aq.json d n0 n1
	ns_new ns aq
	serve "$ns" "$TMP/aq.l" --port 8080 --backlog 8 --pause-accept ||
		{ t_fail accept_queue "listener did not start"; return; }
	n0=$(nstat_of "$ns" TcpExtListenOverflows)
	"$SYNQ" -n "$ns" doctor --json --observe 3 > "$out" 2> "$out.err" &
	d=$!
	t_wait_for "$out.err" observing || { t_fail accept_queue "doctor did not start"; return; }
	# 20 attempts at once, all aborted after 1.5 s: nothing retries past the window.
	nsenter --net="/run/netns/$ns" $E2E/qclient burst 127.0.0.1 8080 20 1500
	n1=$(nstat_of "$ns" TcpExtListenOverflows)
	kill -0 "$d" 2>/dev/null || t_fail accept_queue_window "doctor ended before the clients"
	wait "$d"
	[ $((n1 - n0)) -ge 11 ] || t_fail accept_queue_overflowed "nstat: only $((n1 - n0)) overflows"
	t_eq accept_queue_peak_limit "9 8 error" \
		"$(ev "$out" SQ103 peak) $(ev "$out" SQ103 limit) $(fld "$out" SQ103 .severity)"
	t_eq accept_queue_overflows_vs_nstat "$((n1 - n0))" "$(ev "$out" SQ103 overflows)"
	t_eq accept_queue_owner "$SERVE_PID 0" "$(ev "$out" SQ103 pid) $(ev "$out" SQ103 accepted)"
}

# Spoofed SYNs (198.18.0.0/15, their SYN-ACKs die in the sender's namespace) fill the SYN
# queue of an unprotected listener; once synq protects the port, doctor stops suggesting it.
test_syn_queue() {
	local srv att out=$TMP/syn.json d r0 r1 n
	ns_new srv syn && ns_new att syna && ns_veth "$srv" vq0 "$att" vq1 &&
		ns_addr "$srv" vq0 192.0.2.1/24 && ns_addr "$att" vq1 192.0.2.2/24 &&
		ip -n "$srv" route add 198.18.0.0/15 via 192.0.2.2 ||
		{ t_fail syn_queue "namespaces not made"; return; }
	serve "$srv" "$TMP/syn.l" --bind 192.0.2.1 --port 8081 --backlog 16 --pause-accept ||
		{ t_fail syn_queue "listener did not start"; return; }
	r0=$(nstat_of "$srv" TcpExtTCPSynRetrans)
	"$SYNQ" -n "$srv" doctor --json --observe 2 > "$out" 2> "$out.err" &
	d=$!
	t_wait_for "$out.err" observing || { t_fail syn_queue "doctor did not start"; return; }
	ip netns exec "$att" $E2E/synspoof 192.0.2.1 8081 40 > /dev/null
	n=$(ip netns exec "$srv" ss -Htn state syn-recv "sport = :8081" | wc -l)
	wait "$d"
	r1=$(nstat_of "$srv" TcpExtTCPSynRetrans)
	# The SYN queue as ss counts it: requests until it passes the backlog, then cookies.
	t_eq syn_queue_pressure "16 $n" \
		"$(ev "$out" SQ104 syn_max) $(ev "$out" SQ104 syn_peak)"
	t_eq syn_queue_retrans_vs_nstat "$((r1 - r0))" "$(ev "$out" SQ104 synack_retrans)"
	t_eq syn_queue_fix "synq -n $srv attach vq0 --ports 8081" "$(fld "$out" SQ104 .fix)"
	"$SYNQ" -n "$srv" attach vq0 --ports 8081 > /dev/null 2>&1 &&
		"$SYNQ" -n "$att" attach vq1 --pass-only > /dev/null 2>&1 ||
		{ t_fail syn_queue_protected "attach failed"; return; }
	doctor_json "$srv" "$out" > /dev/null
	t_eq syn_queue_protected_no_suggestion "" "$(ids "$out")"
}

# A wildcard listener in a namespace with two addresses on its veth.
test_wildcard() {
	local ns peer out=$TMP/wild.json list
	ns_new ns wild && ns_new peer wildp && ns_veth "$ns" vw0 "$peer" vw1 &&
		ns_addr "$ns" vw0 192.0.2.1/24 && ns_addr "$ns" vw0 198.51.100.1/24 ||
		{ t_fail wildcard "namespaces not made"; return; }
	serve "$ns" "$TMP/wild.l" --bind 0.0.0.0 --port 8080 ||
		{ t_fail wildcard "listener did not start"; return; }
	doctor_json "$ns" "$out" > /dev/null
	list=$(ev "$out" SQ105 reachable_on)
	if grep -q '192.0.2.1 (vw0)' <<<"$list" && grep -q '198.51.100.1 (vw0)' <<<"$list"; then
		t_pass wildcard_lists_both_addresses
	else
		t_fail wildcard_lists_both_addresses "reachable_on: '$list'"
	fi
	t_eq wildcard_only_finding "SQ105" "$(ids "$out")"
}

# Each sysctl in its own namespace gives its finding, and only it.
test_sysctls() {
	local ns key val id out
	while read -r key val id; do
		ns_new ns sysctl && ns_sysctl "$ns" "$key" "$val" ||
			{ t_fail "sysctl_$id" "namespace not made"; continue; }
		out=$TMP/$id.json
		doctor_json "$ns" "$out" > /dev/null
		t_eq "sysctl_${key##*.}_$val" "$id 1" "$(ids "$out") $(jq .exit "$out")"
	done <<-EOF
		net.ipv4.tcp_syncookies 0 SQ201
		net.ipv4.tcp_abort_on_overflow 1 SQ203
		net.ipv4.tcp_timestamps 0 SQ205
	EOF
}

# A protected port whose veth peer has no XDP program, and a protected port nobody serves.
test_synq_state() {
	local srv cli out=$TMP/state.json text=$TMP/state.txt
	ns_new srv state && ns_new cli statec && ns_veth "$srv" vs0 "$cli" vs1 &&
		ns_addr "$srv" vs0 192.0.2.1/24 ||
		{ t_fail synq_state "namespaces not made"; return; }
	serve "$srv" "$TMP/state.l" --bind 192.0.2.1 --port 8080 ||
		{ t_fail synq_state "listener did not start"; return; }
	"$SYNQ" -n "$srv" attach vs0 --ports 8080,9090 > /dev/null 2>&1 ||
		{ t_fail synq_state "attach failed"; return; }
	doctor_json "$srv" "$out" > /dev/null
	t_eq synq_state_peer_without_xdp "SQ302 SQ301 9090 vs1" \
		"$(ids "$out") $(ev "$out" SQ301 port) $(fld "$out" SQ302 '.fix | split(" ")[4]')"
	json_same_as_text "$srv" "$out" "$text"
	"$SYNQ" -n "$cli" attach vs1 --pass-only > /dev/null 2>&1
	doctor_json "$srv" "$out" > /dev/null
	t_eq synq_state_peer_fixed "SQ301" "$(ids "$out")"

	# Three clients of the port nobody serves, while doctor observes: synq answers their
	# SYNs, and each valid final ACK finds no listener to be handed to.
	# Full checksums from the client, as a real NIC delivers them (protect_setup.sh says why).
	ns_addr "$cli" vs1 192.0.2.2/24 && ip netns exec "$cli" ethtool -K vs1 tx off > /dev/null
	"$SYNQ" -n "$srv" doctor --json --observe 2 > "$out" 2> "$out.err" &
	d=$!
	t_wait_for "$out.err" observing || { t_fail synq_state_handoffs "doctor did not start"; return; }
	nsenter --net="/run/netns/$cli" $E2E/qclient burst 192.0.2.1 9090 3 500
	wait "$d"
	t_eq synq_state_handoffs_failed_no_listener "SQ303 SQ301 warn 3 3" \
		"$(ids "$out") $(fld "$out" SQ303 .severity) $(ev "$out" SQ303 handoff_failed_observed) \
$("$SYNQ" -n "$srv" status vs0 --json | jq '.interfaces[0].handoff_errors.ENOENT')"
}

# json_same_as_text NS JSON TEXT: the text lists the same findings, severities and evidence.
json_same_as_text() {
	local rc
	"$SYNQ" -n "$1" doctor > "$3"; rc=$?
	t_eq json_same_exit "$(jq .exit "$2")" "$rc"
	t_eq json_same_findings \
		"$(jq -r '.findings[] | "\(.severity) \(.id) \(.subject): \(.title)"' "$2")" \
		"$(grep -E '^(info|warn|error) ' "$3" |
			sed -E 's/^(\w+) +(SQ[0-9]+) +(.*) in netns [^:]*: /\1 \2 \3: /')"
	t_eq json_same_evidence \
		"$(jq -r '.findings[] | [.evidence | to_entries[] |
			if (.value | type) == "string" then "\(.key)=\"\(.value)\"" else "\(.key)=\(.value)" end] |
			"evidence: " + join(" ")' "$2")" \
		"$(sed -nE 's/^ +(evidence: .*)/\1/p' "$3")"
	if ! grep -q $'\033' "$3" &&
	   script -qc "$SYNQ -n $1 doctor" /dev/null | grep -q $'\033\\[' &&
	   ! NO_COLOR=1 script -qc "$SYNQ -n $1 doctor" /dev/null | grep -q $'\033\\['; then
		t_pass colour_on_terminal_only_without_NO_COLOR
	else
		t_fail colour_on_terminal_only_without_NO_COLOR \
			"escape codes in a file or with NO_COLOR, or none on a terminal"
	fi
}

test_clean
test_backlog_clamped
test_accept_queue
test_syn_queue
test_wildcard
test_sysctls
test_synq_state
t_done
