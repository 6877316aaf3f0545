# SPDX-License-Identifier: GPL-2.0
# Sourced by tests and scripts: network namespaces with unique names that are always
# removed, together with the processes started in them and synq's pins there, on any
# exit (trap EXIT INT TERM). The pins are removed the way a user would: synq lists
# what it protects there (status --json) and detaches each interface.
#
#   ns_new VAR LABEL                 create namespace "sq-LABEL-PID-N", its name into VAR
#   ns_veth NS1 IF1 NS2 IF2          veth pair between two namespaces, both up
#   ns_addr NS IF ADDR/PREFIX        add an address (IPv6 without DAD delay)
#   ns_bg VAR NS CMD...              start CMD in NS in the background (setns, so bpffs
#                                    pins stay visible); its pid into VAR, killed at cleanup
#   ns_sysctl NS KEY VALUE           a sysctl inside NS only, never the host's
#   ns_cleanup                       runs by itself on exit

NS_SYNQ=${SYNQ:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/synq}
NS_CREATED=()
NS_PIDS=()
NS_SEQ=0

ns_new() {
	local var=$1 label=$2 name
	NS_SEQ=$((NS_SEQ + 1))
	name="sq-$label-$$-$NS_SEQ"
	ip netns add "$name" || return 1
	NS_CREATED+=("$name")
	ip -n "$name" link set lo up
	printf -v "$var" '%s' "$name"
}

ns_veth() {
	local ns1=$1 if1=$2 ns2=$3 if2=$4
	ip link add "$if1" netns "$ns1" type veth peer name "$if2" netns "$ns2" || return 1
	ip -n "$ns1" link set "$if1" up && ip -n "$ns2" link set "$if2" up
}

ns_addr() {
	case $3 in
	*:*) ip -n "$1" addr add "$3" dev "$2" nodad ;;
	*) ip -n "$1" addr add "$3" dev "$2" ;;
	esac
}

ns_sysctl() { ip netns exec "$1" sysctl -qw "$2=$3"; }

ns_bg() {
	local var=$1 ns=$2; shift 2
	nsenter --net="/run/netns/$ns" "$@" &
	NS_PIDS+=($!)
	printf -v "$var" '%s' "$!"
}

# Detach synq from every interface it protects in NS (damaged pins included).
ns_unpin() {
	local ifname
	[ -x "$NS_SYNQ" ] || return 0
	"$NS_SYNQ" -n "$1" status --json 2>/dev/null | jq -r '.interfaces[].ifname' 2>/dev/null |
		while IFS= read -r ifname; do
			"$NS_SYNQ" -n "$1" detach "$ifname" >/dev/null 2>&1
		done
}

ns_cleanup() {
	local pid ns
	for pid in "${NS_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${NS_PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	done
	for ns in "${NS_CREATED[@]}"; do
		ns_unpin "$ns"
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	NS_PIDS=() NS_CREATED=()
}
trap ns_cleanup EXIT
trap 'exit 130' INT TERM
