# SPDX-License-Identifier: GPL-2.0
# Sourced by the listen-queue tests, after netns.sh: a listener in a namespace, and the
# kernel's own counters there.
#
#   serve NS LOG ARGS...   `synq serve ARGS` in NS, its output into LOG, its pid into
#                          SERVE_PID; returns once it listens (1 if it never does)
#   nstat_of NS COUNTER    the absolute value of a netstat counter in NS (TcpExtListenOverflows)

serve() {
	local ns=$1 log=$2; shift 2
	ns_bg SERVE_PID "$ns" "$SYNQ" serve "$@" > "$log" 2>&1
	t_wait_for "$log" "listening on"
}
nstat_of() { ip netns exec "$1" nstat -asz "$2" | awk -v k="$2" '$1 == k { print $2 }'; }
