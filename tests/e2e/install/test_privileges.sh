#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The read-only verbs run for a user who is not root and holds exactly the capabilities
# synq(8) documents (set with setpriv, as ambient capabilities), and read real pins; a
# user short of one gets one line naming it, and exit 1. The user is nobody (65534):
# the test creates no account.
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/install.sh
t_require_root "privileges (setpriv, a veth with synq attached)"
trap 'ns_cleanup; inst_cleanup' EXIT

inst_stage_or_stop privileges_install
BIN=$INST_ROOT/sbin/synq
# synq(8), PRIVILEGES.
STATUS_CAPS=bpf,dac_override
WATCH_CAPS=bpf,perfmon,dac_override

# as_user CAPS CMD...: CMD as nobody with only CAPS (comma-separated, no CAP_ prefix).
as_user() {
	local caps=$1 set=-all; shift
	[ -n "$caps" ] && set="-all,+${caps//,/,+}"
	(cd / && setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps="$set" \
		--ambient-caps="$set" --bounding-set="$set" "$@")
}

# expect_missing NAME CAPS CAP CMD...: exit 1 and one line naming CAP_<CAP>.
expect_missing() {
	local name=$1 caps=$2 cap=${3^^} err rc; shift 3
	err=$(as_user "$caps" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -ne 1 ] || [ "$(grep -c . <<<"$err")" -ne 1 ] ||
	   ! grep -q "missing capability CAP_$cap " <<<"$err"; then
		t_fail "$name" "exit $rc, not 1 with one line naming CAP_$cap: $err"
	else
		t_pass "$name"
	fi
}

ns_new SRV priv
ns_new CLI priv
ns_veth "$SRV" sqp0 "$CLI" sqp1
"$BIN" -n "$SRV" attach sqp0 --ports 8080 --xdp-mode generic >/dev/null 2>&1 ||
	t_fail privileges_setup "cannot attach synq to sqp0"

t_run privileges_user_is_not_root bash -c "[ \"\$(setpriv --reuid=65534 id -u)\" = 65534 ]"
t_run privileges_status as_user "$STATUS_CAPS" "$BIN" status
# -n NAME adds CAP_SYS_ADMIN; then the user reads the pins of a real attach.
t_eq privileges_status_reads_pins 8080 \
	"$(as_user "$STATUS_CAPS,sys_admin" "$BIN" -n "$SRV" status sqp0 --json |
		jq -r '.interfaces[0].ports')"
t_run privileges_watch as_user "$WATCH_CAPS" "$BIN" watch --count 1 --interval 0.2
# Its XDP counters come from the pins attach left, root's.
t_eq privileges_watch_reads_pins 1 \
	"$(as_user "$WATCH_CAPS,sys_admin" "$BIN" -n "$SRV" watch --count 1 --interval 0.2 |
		grep -c '^  xdp sqp0: syn_received')"

for cap in ${STATUS_CAPS//,/ }; do
	expect_missing "privileges_status_without_$cap" "$(tr , '\n' <<<"$STATUS_CAPS" |
		grep -vx "$cap" | paste -sd ,)" "$cap" "$BIN" status
done
for cap in ${WATCH_CAPS//,/ }; do
	expect_missing "privileges_watch_without_$cap" "$(tr , '\n' <<<"$WATCH_CAPS" |
		grep -vx "$cap" | paste -sd ,)" "$cap" "$BIN" watch --count 1
done
expect_missing privileges_status_no_caps "" bpf "$BIN" status
t_done
