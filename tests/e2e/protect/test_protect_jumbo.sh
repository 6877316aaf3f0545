#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A 9000-byte MTU on both ends of the veth. synq_xdp is loaded frags-aware for
# native mode, so attach stays native (no fallback to generic), and the pass-only
# program on the peer caps no MTU: 9000 is set before attach in one round and
# after it in the other. Each round echoes 1 MiB through the protected port
# (its handshake through the cookie path, the data in frames of up to 9000 bytes,
# which native XDP sees as several buffers) and must end as the same transfer
# without synq: the kernel alone is the oracle. No frame may be miscounted as
# malformed on the way.
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/protect_setup.sh
t_require_root protect_jumbo
trap 'ns_cleanup; pt_cleanup_files' EXIT

ECHO_PORT=9003
MIB=1048576

if ! pt_setup || ! pt_serve "$T/echo.log" "$ECHO_PORT" --reply echo; then
	t_fail protect_jumbo_setup "cannot build the namespaces or start the echo server"
	t_done
fi

mtu() { ip -n "$SRV" link set sqs0 mtu "$1" && ip -n "$CLI" link set sqc0 mtu "$1"; }
echo_mib() { nsenter --net="/run/netns/$CLI" "$E2E_BIN/tcpclient" echo 192.0.2.1 "$ECHO_PORT" "$MIB" 2>&1; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
status_of() { "$SYNQ" -n "$1" status --json | jq -r ".interfaces[0].$2"; }

# The kernel alone: the same transfer at MTU 9000, the answer every round must give.
mtu 9000
start=$(date +%s%N)
kernel=$(echo_mib)
echo "    without synq: $kernel in $(ms_since "$start") ms"
t_eq protect_jumbo_kernel_alone "echoed $MIB bytes" "$kernel"

# protect_round NAME WHEN: WHEN is "before" (MTU 9000, then attach) or "after"
# (attach at 1500, then MTU 9000).
protect_round() {
	local name=$1 when=$2 out before start
	[ "$when" = before ] && mtu 9000 || mtu 1500
	t_run "${name}_peer_pass_only" "$SYNQ" -n "$CLI" attach sqc0 --pass-only
	# --mode always: the handshake takes the cookie path whatever the listener's state.
	out=$("$SYNQ" -n "$SRV" attach sqs0 --ports "$ECHO_PORT" --mode always 2>&1)
	t_eq "${name}_attach_native" "0 native" \
		"$?$(grep -q 'xdp native' <<< "$out" && ! grep -q 'falling back' <<< "$out" &&
		     echo " native" || echo ": $out")"
	if [ "$when" = after ]; then
		t_run "${name}_mtu_9000_after_attach" mtu 9000
	fi
	t_eq "${name}_mtus" "9000 9000" "$(ip -n "$SRV" -j link show sqs0 | jq '.[0].mtu') $(ip -n "$CLI" -j link show sqc0 | jq '.[0].mtu')"
	t_eq "${name}_status_native" "native native" "$(status_of "$SRV" xdp_mode) $(status_of "$CLI" xdp_mode)"
	before=$(pt_counter handoff_ok)
	start=$(date +%s%N)
	out=$(echo_mib)
	echo "    with synq ($when): $out in $(ms_since "$start") ms"
	t_eq "${name}_1mib_as_without_synq" "$kernel" "$out"
	t_eq "${name}_through_the_cookie_path" 1 "$(($(pt_counter handoff_ok) - before))"
	t_eq "${name}_nothing_malformed_or_unread" "{} 0" \
		"$(status_of "$SRV" malformed | jq -c .) $(pt_counter passed_nonlinear)"
	"$SYNQ" -n "$SRV" detach sqs0 >/dev/null
	"$SYNQ" -n "$CLI" detach sqc0 >/dev/null
}
protect_round protect_jumbo_mtu_before_attach before
protect_round protect_jumbo_mtu_after_attach after

t_done
