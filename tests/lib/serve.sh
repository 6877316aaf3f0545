# SPDX-License-Identifier: GPL-2.0
# A server (synq serve, or the embedding example) in a fresh namespace of the test.
# Source after tests/lib/e2e.sh and tests/lib/netns.sh.

# serve_start VAR NS LOG CMD...: run CMD (`"$SYNQ" serve ARGS`, maybe behind prlimit) in
# namespace NS in the background, its output into LOG and its pid into the variable named
# VAR. Returns 0 once it prints "listening on", 1 if it does not within 10 s; the caller
# names the failure (LOG holds what the server said).
serve_start() {
	local var=$1 ns=$2 log=$3; shift 3
	ns_bg "$var" "$ns" "$@" >"$log" 2>&1
	t_wait_for "$log" 'listening on'
}

# serve_setup LABEL: a fresh namespace in $NS and a scratch folder in $LOG, both removed
# on exit; in_ns CMD runs CMD in the namespace, $CLIENT is the test TCP client.
serve_setup() {
	CLIENT=$PWD/build/tests/tools/tcpclient
	LOG=$(mktemp -d)
	trap 'ns_cleanup; rm -rf "$LOG"' EXIT
	ns_new NS "$1"
}
in_ns() { ip netns exec "$NS" "$@"; }

# serve NS LOG ARGS...: `synq serve ARGS` in NS, its output into LOG, its pid into
# SERVE_PID; returns once it listens (1 if it never does).
serve() {
	local ns=$1 log=$2; shift 2
	serve_start SERVE_PID "$ns" "$log" "$SYNQ" serve "$@"
}

# nstat_of NS COUNTER: the absolute value of a netstat counter in NS (TcpExtListenOverflows).
nstat_of() { ip netns exec "$1" nstat -asz "$2" | awk -v k="$2" '$1 == k { print $2 }'; }
