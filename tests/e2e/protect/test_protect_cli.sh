#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# synq attach/detach/status/key: refusals with one clear line and the right exit
# code, nothing left behind by a refused or interrupted attach, --replace keeping
# the keys, and pins of the same interface name in two namespaces kept apart.
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/protect_setup.sh
t_require_root protect_cli
trap 'ns_cleanup; pt_cleanup_files' EXIT

if ! pt_setup; then
	t_fail protect_cli_setup "cannot build the namespaces and the veth pair"
	t_done
fi

# Nothing of synq on sqs0 in $SRV: no XDP program, no TC program, no pin.
nothing_left() {
	! pt_xdp_on "$SRV" sqs0 && [ -z "$(pt_tc "$SRV" sqs0)" ] && [ -z "$(pt_pins "$SRV")" ]
}

# expect NAME CODE PATTERN CMD...: exit code CODE, exactly one line of stderr matching PATTERN.
expect() {
	local name=$1 code=$2 pattern=$3 err rc; shift 3
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -ne "$code" ]; then
		t_fail "$name" "exit $rc, not $code: $err"
	elif [ "$(grep -c . <<< "$err")" -ne 1 ] || ! grep -q -- "$pattern" <<< "$err"; then
		t_fail "$name" "expected one line matching '$pattern', got: $err"
	else
		t_pass "$name"
	fi
}

A=("$SYNQ" -n "$SRV" attach)

# ---- usage errors: exit 2, one line naming the flag or value ----
for bad in 0 65536 9010-9000 http 80,,81 80- ''; do
	expect "protect_cli_bad_ports_'$bad'" 2 "--ports: '.*' is not a port" "${A[@]}" sqs0 --ports "$bad"
done
expect protect_cli_bad_xdp_mode 2 "--xdp-mode: 'turbo'" "${A[@]}" sqs0 --ports 80 --xdp-mode turbo
expect protect_cli_bad_mss 2 "--mss: 'big'" "${A[@]}" sqs0 --ports 80 --mss big
expect protect_cli_mss_too_small 2 "--mss: '100'" "${A[@]}" sqs0 --ports 80 --mss 100
expect protect_cli_unknown_flag 2 "unknown option '--frobnicate'" "${A[@]}" sqs0 --frobnicate
expect protect_cli_missing_ports 2 "--ports is required" "${A[@]}" sqs0
expect protect_cli_missing_iface 2 "missing IFACE" "${A[@]}" --ports 80
printf 'not a key\n' > "$T/bad.key"
expect protect_cli_bad_key_file 2 "not a key" "${A[@]}" sqs0 --ports 80 --key-file "$T/bad.key"
expect protect_cli_missing_key_file 2 "No such file" "${A[@]}" sqs0 --ports 80 --key-file "$T/none"
expect protect_cli_key_bad_action 2 "unknown action 'spin'" "$SYNQ" -n "$SRV" key spin sqs0
expect protect_cli_status_bad_interval 2 "--interval: 'soon'" "$SYNQ" status --interval soon
for verb in attach detach status key; do
	t_run "protect_cli_help_$verb" "$SYNQ" "$verb" --help
done
t_eq protect_cli_usage_errors_leave_nothing 0 "$(nothing_left; echo $?)"

# ---- refusals: exit 1, one line saying what to do ----
expect protect_cli_no_such_interface 1 "no such interface" "${A[@]}" nosuch0 --ports 80
expect protect_cli_mss_exceeds_mtu 1 "--mss 1461 does not fit the interface MTU 1500" \
	"${A[@]}" sqs0 --ports 80 --mss 1461
ns_sysctl "$SRV" net.ipv4.tcp_syncookies 0
expect protect_cli_syncookies_off 1 "tcp_syncookies is 0" "${A[@]}" sqs0 --ports 80
ns_sysctl "$SRV" net.ipv4.tcp_syncookies 1
expect protect_cli_detach_not_attached 1 "not attached to sqs0" "$SYNQ" -n "$SRV" detach sqs0
expect protect_cli_status_not_attached 1 "not attached to sqs0" "$SYNQ" -n "$SRV" status sqs0
expect protect_cli_key_not_attached 1 "not attached to sqs0" "$SYNQ" -n "$SRV" key show sqs0
t_eq protect_cli_refusals_leave_nothing 0 "$(nothing_left; echo $?)"

# ---- already attached; --replace keeps the keys ----
printf '000102030405060708090a0b0c0d0e0f\n' > "$T/k" && chmod 600 "$T/k"
t_run protect_cli_attach "${A[@]}" sqs0 --ports 80 --key-file "$T/k" --xdp-mode generic
expect protect_cli_already_attached 1 "already attached.*synq detach sqs0.*--replace" \
	"${A[@]}" sqs0 --ports 80
"$SYNQ" -n "$SRV" key rotate sqs0 >/dev/null
keys_before=$("$SYNQ" -n "$SRV" key show sqs0)
# --ports given twice: both lists are protected (read back from the map by status).
t_run protect_cli_replace "${A[@]}" sqs0 --ports 81 --ports 82-83 --replace --xdp-mode generic
t_eq protect_cli_replace_keeps_keys "$keys_before" "$("$SYNQ" -n "$SRV" key show sqs0)"
t_eq protect_cli_replace_new_ports "81-83 generic" \
	"$("$SYNQ" -n "$SRV" status --json | jq -r '.interfaces[0] | "\(.ports) \(.xdp_mode)"')"
t_eq protect_cli_replace_one_tc_program synq_tc "$(pt_tc "$SRV" sqs0)"

# The same key on another host gives the same fingerprint: shown, never the key.
"$SYNQ" -n "$SRV" key rotate sqs0 --key-file "$T/k" >/dev/null
shown=$("$SYNQ" -n "$SRV" key show sqs0; "$SYNQ" -n "$SRV" status --json)
case $shown in
*0001020304050607*|*0706050403020100*) t_fail protect_cli_key_never_shown "$shown" ;;
*) t_pass protect_cli_key_never_shown ;;
esac
t_run protect_cli_detach "$SYNQ" -n "$SRV" detach sqs0
t_eq protect_cli_detach_leaves_nothing 0 "$(nothing_left; echo $?)"

# ---- the same interface name in two namespaces ----
ns_new SRV2 srv2 && ns_new CLI2 cli2 && ns_veth "$SRV2" sqs0 "$CLI2" sqc0
t_run protect_cli_attach_ns1 "${A[@]}" sqs0 --ports 80 --xdp-mode generic
t_run protect_cli_attach_ns2 "$SYNQ" -n "$SRV2" attach sqs0 --ports 90 --xdp-mode generic
t_eq protect_cli_ns2_own_ports 90 "$("$SYNQ" -n "$SRV2" status --json | jq -r '.interfaces[0].ports')"
t_run protect_cli_detach_ns2 "$SYNQ" -n "$SRV2" detach sqs0
t_eq protect_cli_ns1_untouched 80 "$("$SYNQ" -n "$SRV" status --json | jq -r '.interfaces[0].ports')"
t_run protect_cli_detach_ns1 "$SYNQ" -n "$SRV" detach sqs0

# ---- a veth pair inside one namespace: the peer check sees the peer directly ----
ip -n "$SRV" link add sqa0 type veth peer name sqa1 && ip -n "$SRV" link set sqa0 up &&
	ip -n "$SRV" link set sqa1 up
out=$("${A[@]}" sqa0 --ports 80 --xdp-mode native 2>&1)
case $out in
*"warning: its veth peer sqa1 (in this namespace)"*"attach sqa1 --pass-only"*)
	t_pass protect_cli_warns_same_namespace_peer ;;
*) t_fail protect_cli_warns_same_namespace_peer "$out" ;;
esac
# veth's GRO is off by default: attach says what any XDP program then costs
case $out in
*"note: on a veth with GRO off"*"ethtool -K sqa0 gro on"*) t_pass protect_cli_notes_veth_gro_off ;;
*) t_fail protect_cli_notes_veth_gro_off "$out" ;;
esac
t_run protect_cli_pass_only_peer "${A[@]}" sqa1 --pass-only
ip netns exec "$SRV" ethtool -K sqa0 gro on >/dev/null
t_run protect_cli_replace_quiet_with_peer_and_gro \
	bash -c "! '$SYNQ' -n '$SRV' attach sqa0 --ports 80 --replace 2>&1 | grep -E 'warning|note'"
t_eq protect_cli_status_lists_both "sqa0 false sqa1 true" \
	"$("$SYNQ" -n "$SRV" status --json | jq -r '[.interfaces[] | "\(.ifname) \(.pass_only)"] | join(" ")')"

# ---- someone tries to remove synq's XDP program, or removes the interface ----
# The XDP program runs through a link: netlink cannot take it away behind synq's back.
if ip -n "$SRV" link set dev sqa0 xdp off 2>/dev/null; then
	t_fail protect_cli_xdp_link_held "ip link set xdp off removed synq's XDP link"
else
	t_pass protect_cli_xdp_link_held
fi
t_eq protect_cli_status_still_attached true \
	"$("$SYNQ" -n "$SRV" status sqa0 --json | jq -r '.interfaces[0].xdp_attached')"
t_run protect_cli_detach_sqa0 "$SYNQ" -n "$SRV" detach sqa0
# A deleted interface's pins go with the next synq once its links are defunct,
# which the kernel finishes just after `ip link del` returns: within a second.
ip -n "$SRV" link del sqa1
for _ in $(seq 20); do
	out=$("$SYNQ" -n "$SRV" status 2>&1 >/dev/null)
	case $out in *"removed "*) break ;; esac
	sleep 0.1
done
case $out in
*"removed "*"if-"*": its interface or network namespace is gone"*)
	t_pass protect_cli_status_reports_stale ;;
*) t_fail protect_cli_status_reports_stale "$out" ;;
esac
expect protect_cli_status_interface_gone 1 "not attached to sqa1" "$SYNQ" -n "$SRV" status sqa1
expect protect_cli_detach_gone_interface 1 "not attached to sqa1" "$SYNQ" -n "$SRV" detach sqa1
t_eq protect_cli_no_pins_after_gone "" "$(pt_pins "$SRV")"

# ---- Ctrl-C during attach: all or nothing ----
torn=0 done_=0 undone=0
for delay in 0 0.02 0.1 0.3 0.45 0.55 0.65 0.8 1 1.5 2.5; do
	"${A[@]}" sqs0 --ports 80 >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -INT "$pid" 2>/dev/null
	wait "$pid"
	xdp=0 tc=0 pins=0
	pt_xdp_on "$SRV" sqs0 && xdp=1
	[ -n "$(pt_tc "$SRV" sqs0)" ] && tc=1
	[ -n "$(pt_pins "$SRV")" ] && pins=1
	case $xdp$tc$pins in
	111) done_=$((done_ + 1)); "$SYNQ" -n "$SRV" detach sqs0 >/dev/null ;;
	000) undone=$((undone + 1)) ;;
	*) torn=$((torn + 1)); echo "    after ${delay}s: xdp=$xdp tc=$tc pins=$pins"
	   "$SYNQ" -n "$SRV" detach sqs0 >/dev/null 2>&1 ;;
	esac
done
echo "    interrupted attaches: $undone left nothing, $done_ had completed, $torn torn"
t_eq protect_cli_interrupted_attach_all_or_nothing 0 "$torn"
t_eq protect_cli_after_interrupts_nothing_left 0 "$(nothing_left; echo $?)"

t_done
