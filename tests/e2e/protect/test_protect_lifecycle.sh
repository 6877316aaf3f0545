#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The lifecycle of an attachment, against what can go wrong around it:
# - kill -9 at every bpf/netlink system call of attach, attach --replace and detach
#   (strace injects the SIGKILL at the Nth call, for every N until the command
#   completes): afterwards sqs0 is either fully protected (status shows it, both
#   programs run, a curl is answered through synq's cookies) or untouched (no
#   program, no pin, curl answered by the kernel). --replace must always leave it
#   protected, and a client loop running through all the replaces sees no failure;
# - a deleted namespace: its links, programs and maps are gone within seconds, and
#   a new namespace (reusing the inode when the kernel does) shows nothing of it;
#   attach and detach there leave the user's own tc filter alone;
# - a renamed interface and a new one with the old name;
# - a /sys/fs/bpf/synq made by an unprivileged user (in a private bpffs);
# - IFACE names that are paths, a tun device, key files.
# (A 9000-byte MTU: test_protect_jumbo.sh.)
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/protect_setup.sh
t_require_root protect_lifecycle
trap 'ns_cleanup; pt_cleanup_files' EXIT

PORT=8080	# synq serve, HTTP
URL=http://192.0.2.1:$PORT/

if ! command -v strace >/dev/null; then
	t_fail lifecycle_strace "strace is missing (scripts/install-deps.sh installs it)"
	t_done
fi
if ! pt_setup || ! pt_serve "$T/serve.log" "$PORT"; then
	t_fail lifecycle_setup "cannot build the namespaces or start the server"
	t_done
fi
# --mode always: every handshake takes the cookie path, which is what these steps exercise.
A=("$SYNQ" -n "$SRV" attach sqs0 --ports "$PORT" --mode always)
"$SYNQ" -n "$CLI" attach sqc0 --pass-only >/dev/null	# the SYN-ACKs (XDP_TX) arrive

curl_ok() { [ "$(nsenter --net="/run/netns/$CLI" curl -s -m 3 -o /dev/null -w '%{http_code}' "$URL")" = 200 ]; }
attached() { [ -n "$(pt_pins "$SRV")" ]; }

# What sqs0 is now: "full", "none", or "torn: why". status runs first: it also
# sweeps what a killed synq left, as any later synq would.
state() {
	local st xdp=0 tc before after
	st=$("$SYNQ" -n "$SRV" status --json 2>/dev/null |
		jq -r '[.interfaces[] | select(.ifname == "sqs0") | .xdp_attached] | join(",")')
	pt_xdp_on "$SRV" sqs0 && xdp=1
	tc=$(pt_tc "$SRV" sqs0 | tr '\n' ' ')
	case "$st/$xdp/$tc" in
	"true/1/synq_tc ")
		before=$(pt_counter syn_received)
		curl_ok || { echo "torn: protected, but curl fails"; return; }
		after=$(pt_counter syn_received)
		[ "$after" -gt "$before" ] && echo full || echo "torn: curl did not pass through synq" ;;
	"/0/")
		curl_ok && echo none || echo "torn: nothing attached, but curl fails" ;;
	*)	echo "torn: status '$st', xdp $xdp, tc '$tc'" ;;
	esac
}

ensure_attached() { attached || "${A[@]}" >/dev/null 2>&1; }
ensure_detached() { ! attached || "$SYNQ" -n "$SRV" detach sqs0 >/dev/null 2>&1; }

# kill_loop NAME SETUP ALLOWED CMD...: for N = 1, 2, ... run SETUP, then CMD under strace
# with a SIGKILL at the Nth call of each of the traced system calls, until CMD completes;
# after each run the state must be one of ALLOWED ("full none" or "full").
kill_loop() {
	local name=$1 setup=$2 allowed=$3 n=0 rc s full=0 none=0 torn=0; shift 3
	while [ "$n" -lt 500 ]; do
		n=$((n + 1))
		$setup
		# In a subshell that outlives strace: its "Killed" notice goes to /dev/null too.
		(strace -f -qq -o /dev/null -e trace=bpf,sendto,sendmsg,setsockopt \
			-e inject=bpf,sendto,sendmsg,setsockopt:signal=SIGKILL:when=$n "$@"
		 exit $?) >/dev/null 2>&1
		rc=$?
		s=$(state)
		case " $allowed " in
		*" $s "*) [ "$s" = full ] && full=$((full + 1)) || none=$((none + 1)) ;;
		*) torn=$((torn + 1)); echo "    $name, killed at call $n: $s" ;;
		esac
		[ "$rc" -eq 0 ] && break
	done
	echo "    $name: $n runs ($((n - 1)) killed): $full protected, $none untouched, $torn neither"
	t_eq "${name}_completes" 0 "$rc"
	t_eq "${name}_every_kill_safe" 0 "$torn"
}

# ---- kill -9 at every step ----
kill_loop lifecycle_kill_attach ensure_detached "full none" "${A[@]}"
ensure_attached
# A client loop through every replace: not one failure.
nsenter --net="/run/netns/$CLI" bash -c \
	"while [ ! -e '$T/stop' ]; do curl -s -m 3 -o /dev/null -w '%{http_code}\n' '$URL' || echo fail; sleep 0.02; done" \
	> "$T/loop.log" 2>&1 &
loop=$!
kill_loop lifecycle_kill_replace ensure_attached "full" "${A[@]}" --replace
touch "$T/stop"; wait "$loop"
echo "    client loop during the replaces: $(grep -c . "$T/loop.log") requests"
t_eq lifecycle_replace_client_loop_no_failure "0 ok" \
	"$(grep -vc '^200$' "$T/loop.log") $([ "$(grep -c '^200$' "$T/loop.log")" -gt 20 ] && echo ok)"
kill_loop lifecycle_kill_detach ensure_attached "full none" "$SYNQ" -n "$SRV" detach sqs0
ensure_detached

# ---- names that are not interface names; a tun device ----
for args in "key rotate ../X/Y" "key show a/b" "detach ." "detach .." "status x/y" \
	    "attach ../../x --ports 80" "attach abcdefghijklmnop --ports 80"; do
	# shellcheck disable=SC2086
	"$SYNQ" -n "$SRV" $args >/dev/null 2>&1
	t_eq "lifecycle_bad_iface_exit_2 ($args)" 2 $?
done
ip -n "$SRV" tuntap add dev sqt0 mode tun && ip -n "$SRV" link set sqt0 up
out=$("$SYNQ" -n "$SRV" attach sqt0 --ports 80 2>&1)
t_eq lifecycle_tun_refused "1" "$?$(grep -q 'not an Ethernet device' <<< "$out" || echo ": $out")"
t_eq lifecycle_tun_untouched "" "$(ip -n "$SRV" -d link show sqt0 | grep -o 'prog/xdp')"

# ---- key files: checked like ssh keys ----
printf '00112233445566778899aabbccddeeff\n' > "$T/ok.key"; chmod 600 "$T/ok.key"
printf '00000000000000000000000000000000\n' > "$T/zero.key"; chmod 600 "$T/zero.key"
cp "$T/ok.key" "$T/group.key"; chmod 640 "$T/group.key"
cp "$T/ok.key" "$T/other.key"; chown nobody "$T/other.key"
{ cat "$T/ok.key"; head -c 200 /dev/zero | tr '\0' ' '; echo x; } > "$T/long.key"; chmod 600 "$T/long.key"
mkfifo -m 600 "$T/fifo.key"
for k in zero:"all zeros" group:"readable by its group" other:"owned by uid" \
	 long:"not a key" fifo:"not a regular file"; do
	out=$(timeout 10 "${A[@]}" --key-file "$T/${k%%:*}.key" 2>&1)
	rc=$?
	t_eq "lifecycle_key_file_${k%%:*}" "2" "$rc$(grep -q "${k#*:}" <<< "$out" || echo ": $out")"
done

# ---- a deleted namespace leaves nothing; a new one, even on the same inode, sees nothing ----
ns_new DEL del && ns_veth "$DEL" sqd0 "$CLI" sqd1
ino=$(stat -L -c %i "/run/netns/$DEL")
"$SYNQ" -n "$DEL" attach sqd0 --ports 80 --xdp-mode generic >/dev/null
objects=$(pt_objects "$DEL" sqd0)
t_eq lifecycle_deleted_ns_attached "2 2 yes" \
	"$(grep -c '^prog' <<< "$objects") $(grep -c '^link' <<< "$objects") $(grep -q '^map' <<< "$objects" && echo yes)"
ip netns del "$DEL"
gone=no
for _ in $(seq 50); do
	"$SYNQ" status >/dev/null 2>&1	# any synq, in any namespace, sweeps
	left=$(pt_objects_left "$objects")
	[ -z "$left" ] && { gone=yes; break; }
	sleep 0.2
done
t_eq lifecycle_deleted_ns_objects_gone yes "$gone${left:+: $(echo $left)}"
reused=no
for _ in 1 2 3 4 5 6 7 8; do
	ns_new NEW new || break
	[ "$(stat -L -c %i "/run/netns/$NEW")" = "$ino" ] && { reused=yes; break; }
done
echo "    a new namespace reused the deleted one's inode: $reused"
t_eq lifecycle_new_ns_sees_nothing "" "$(pt_pins "$NEW")"
ns_veth "$NEW" sqd0 "$CLI" sqd2
user_filter() {
	ip netns exec "$1" tc filter show dev "$2" ingress | grep -c 'pref 9 .*handle'
}
ip netns exec "$NEW" tc qdisc add dev sqd0 clsact &&
	ip netns exec "$NEW" tc filter add dev sqd0 ingress pref 9 bpf bytecode '1,6 0 0 0,'
t_eq lifecycle_user_filter_added 1 "$(user_filter "$NEW" sqd0)"
t_run lifecycle_new_ns_attach "$SYNQ" -n "$NEW" attach sqd0 --ports 80 --xdp-mode generic
t_run lifecycle_new_ns_detach "$SYNQ" -n "$NEW" detach sqd0
t_eq lifecycle_user_filter_survives 1 "$(user_filter "$NEW" sqd0)"

# ---- rename, then a new interface with the old name ----
ip -n "$SRV" link add sqr0 type veth peer name sqr1 && ip -n "$SRV" link set sqr0 up &&
	ip -n "$SRV" link set sqr1 up
t_run lifecycle_rename_attach "$SYNQ" -n "$SRV" attach sqr0 --ports 80 --xdp-mode generic
ip -n "$SRV" link set sqr0 down && ip -n "$SRV" link set sqr0 name sqr9 && ip -n "$SRV" link set sqr9 up
t_eq lifecycle_rename_status_new_name "sqr9 true" \
	"$("$SYNQ" -n "$SRV" status --json | jq -r '.interfaces[] | select(.ifname | startswith("sqr")) | "\(.ifname) \(.xdp_attached)"')"
ip -n "$SRV" link add sqr0 type veth peer name sqr2 && ip -n "$SRV" link set sqr0 up
ip netns exec "$SRV" tc qdisc add dev sqr0 clsact &&
	ip netns exec "$SRV" tc filter add dev sqr0 ingress pref 9 bpf bytecode '1,6 0 0 0,'
out=$("$SYNQ" -n "$SRV" detach sqr0 2>&1)
t_eq lifecycle_reused_name_not_attached 1 "$?"
t_eq lifecycle_reused_name_filter_survives 1 "$(user_filter "$SRV" sqr0)"
t_eq lifecycle_reused_name_no_xdp "" "$(ip -n "$SRV" -d link show sqr0 | grep -o 'prog/xdp')"
t_run lifecycle_renamed_detach "$SYNQ" -n "$SRV" detach sqr9
t_eq lifecycle_renamed_detached "no" "$(pt_xdp_on "$SRV" sqr9 && echo yes || echo no)$(pt_tc "$SRV" sqr9)"

# ---- a hostile /sys/fs/bpf/synq, in a bpffs of our own (the host's is shared) ----
out=$(unshare -m --propagation private bash -c "
	mount -t bpf bpf /sys/fs/bpf && chmod 1777 /sys/fs/bpf &&
	runuser -u nobody -- mkdir /sys/fs/bpf/synq &&
	'$SYNQ' -n '$SRV' attach sqs0 --ports 80 --xdp-mode generic
	echo \"rc=\$?\"
	rmdir /sys/fs/bpf/synq && runuser -u nobody -- ln -s /tmp /sys/fs/bpf/synq &&
	'$SYNQ' -n '$SRV' status
	echo \"rc=\$?\"" 2>&1)
case $out in
*"refusing /sys/fs/bpf/synq: a directory owned by nobody"*"rc=1"*"refusing /sys/fs/bpf/synq: a symlink"*"rc=1"*)
	t_pass lifecycle_hostile_pin_root_refused ;;
*) t_fail lifecycle_hostile_pin_root_refused "$out" ;;
esac
t_eq lifecycle_hostile_nothing_attached "" "$(pt_tc "$SRV" sqs0)$(pt_xdp_on "$SRV" sqs0 && echo xdp)"
out=$(ip netns exec "$SRV" "$SYNQ" status 2>&1)
case $out in
*"run synq -n NAME"*) t_pass lifecycle_ip_netns_exec_refused ;;
*) t_fail lifecycle_ip_netns_exec_refused "$out" ;;
esac

t_done
