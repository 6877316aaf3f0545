#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A protected device moved to another network namespace (ip link set DEV netns
# NS), as container tools do. The kernel moves synq's XDP and TCX links along
# with the device; synq's pins stay keyed by the old (namespace, ifindex). So:
# - right after the move, before any synq runs, the device never runs XDP
#   without TC, and a curl through it works;
# - the next synq in the namespace the device went to, or in the one it left,
#   detaches both links (XDP first) and removes the pins: no program, link or map
#   of synq stays (bpftool), status is empty in both namespaces, and a curl goes
#   through the kernel;
# - synq attach in the new namespace protects it there (the old pins swept first);
# - a kill -9 at any bpf or netlink call of that clean-up leaves XDP with TC, TC
#   alone (harmless: it acts only on synq's cookies; the next synq removes it) or
#   nothing, never XDP alone (which would answer SYNs that nothing hands off).
# Every curl is compared with the kernel alone: the same move without synq.
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/protect_setup.sh
source tests/lib/serve.sh
t_require_root protect_netns_move
trap 'ns_cleanup; pt_cleanup_files' EXIT

PORT=8080
URL=http://192.0.2.1:$PORT/

# A server in each namespace the device lives in, on the same address and port.
if ! pt_setup || ! ns_new MOV mov || ! pt_serve "$T/serve.log" "$PORT" ||
   ! serve_start MOV_SERVER "$MOV" "$T/serve-mov.log" "$SYNQ" serve --bind :: --port "$PORT"; then
	t_fail netns_move_setup "cannot build the namespaces or start the servers"
	t_done
fi
"$SYNQ" -n "$CLI" attach sqc0 --pass-only >/dev/null	# the SYN-ACKs (XDP_TX) arrive

curl_code() { nsenter --net="/run/netns/$CLI" curl -s -m 3 -o /dev/null -w '%{http_code}' "$URL"; }

# move_to NS: sqs0 into NS, with the server address (a move drops addresses).
move_to() {
	local from=$SRV
	[ "$1" = "$SRV" ] && from=$MOV
	ip -n "$from" link set sqs0 netns "$1" && ip -n "$1" link set sqs0 up &&
		ns_addr "$1" sqs0 192.0.2.1/24
}

# What sqs0 runs in MOV: "xdp+tc", "tc", "none", or what else.
xdp_tc() {
	local xdp=no tc
	pt_xdp_on "$MOV" sqs0 && xdp=yes
	tc=$(pt_tc "$MOV" sqs0 | tr '\n' ' ')
	case "$xdp/$tc" in
	"yes/synq_tc ") echo xdp+tc ;;
	"no/synq_tc ") echo tc ;;
	"no/") echo none ;;
	*) echo "xdp $xdp, tc '$tc'" ;;
	esac
}

attach() { "$SYNQ" -n "$SRV" attach sqs0 --ports "$PORT" --mode always >/dev/null 2>&1; }

# ---- the kernel alone ----
move_to "$MOV"
kernel=$(curl_code)
t_eq netns_move_kernel_alone 200 "$kernel"
move_to "$SRV"

# ---- protected, moved, swept by a synq in the namespace it went to ----
attach
before=$(pt_counter syn_received)
t_eq netns_move_protected_before "200 1" "$(curl_code) $(($(pt_counter syn_received) - before))"
objects=$(pt_objects "$SRV" sqs0)
t_eq netns_move_objects_seen "2 2 yes" \
	"$(grep -c '^prog' <<< "$objects") $(grep -c '^link' <<< "$objects") $(grep -q '^map' <<< "$objects" && echo yes)"
move_to "$MOV"
t_eq netns_move_links_follow_the_device xdp+tc "$(xdp_tc)"
t_eq netns_move_curl_before_any_synq "$kernel" "$(curl_code)"
out=$("$SYNQ" -n "$MOV" status 2>&1)
t_eq netns_move_new_ns_sweeps "0 moved" \
	"$?$(grep -q 'moved to another network namespace' <<< "$out" && echo ' moved' || echo ": $out")"
t_eq netns_move_new_ns_status_empty "" "$(pt_pins "$MOV")"
t_eq netns_move_old_ns_status_empty "" "$(pt_pins "$SRV")"
t_eq netns_move_detached none "$(xdp_tc)"
left=""
for _ in $(seq 50); do
	left=$(pt_objects_left "$objects")
	[ -z "$left" ] && break
	sleep 0.2
done
t_eq netns_move_objects_gone "" "$(echo $left)"
t_eq netns_move_curl_through_kernel "$kernel" "$(curl_code)"

# ---- the same, swept by a synq in the namespace it left ----
move_to "$SRV" && attach && move_to "$MOV"
out=$("$SYNQ" -n "$SRV" status 2>&1)
t_eq netns_move_old_ns_sweeps "0 moved" \
	"$?$(grep -q 'moved to another network namespace' <<< "$out" && echo ' moved' || echo ": $out")"
t_eq netns_move_old_ns_detached none "$(xdp_tc)"
t_eq netns_move_old_ns_curl_through_kernel "$kernel" "$(curl_code)"

# ---- protected again where it went: attach there sweeps the old pins first ----
move_to "$SRV" && attach && move_to "$MOV"
out=$("$SYNQ" -n "$MOV" attach sqs0 --ports "$PORT" --mode always 2>&1)
t_eq netns_move_attach_in_new_ns "0 moved" \
	"$?$(grep -q 'moved to another network namespace' <<< "$out" && echo ' moved' || echo ": $out")"
syn() { "$SYNQ" -n "$MOV" status sqs0 --json | jq -r '.interfaces[0].counters.syn_received'; }
before=$(syn)
t_eq netns_move_protected_in_new_ns "200 1" "$(curl_code) $(($(syn) - before))"
t_run netns_move_detach_in_new_ns "$SYNQ" -n "$MOV" detach sqs0

# ---- kill -9 at every bpf/netlink call of the clean-up ----
n=0 torn=0 rc=1
while [ "$n" -lt 200 ] && [ "$rc" -ne 0 ]; do
	n=$((n + 1))
	if [ "$(xdp_tc)" != xdp+tc ]; then
		"$SYNQ" -n "$MOV" status >/dev/null 2>&1	# what the last kill left
		move_to "$SRV" && attach && move_to "$MOV"
	fi
	(strace -f -qq -o /dev/null -e trace=bpf,sendto,sendmsg \
		-e inject=bpf,sendto,sendmsg:signal=SIGKILL:when=$n "$SYNQ" -n "$MOV" status
	 exit $?) >/dev/null 2>&1
	rc=$?
	s=$(xdp_tc)
	c=$(curl_code)
	if ! [[ "$s" =~ ^(xdp\+tc|tc|none)$ ]] || [ "$c" != "$kernel" ]; then
		torn=$((torn + 1))
		echo "    killed at call $n: $s, curl $c"
	fi
done
echo "    clean-up: $n runs ($((n - 1)) killed)"
t_eq netns_move_sweep_completes 0 "$rc"
t_eq netns_move_sweep_every_kill_safe 0 "$torn"
t_eq netns_move_sweep_nothing_left none "$(xdp_tc)"

t_done
