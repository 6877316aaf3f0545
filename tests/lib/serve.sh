# SPDX-License-Identifier: GPL-2.0
# The reference server in a namespace the test made. Source after tests/lib/netns.sh.

# serve_start VAR NS LOG CMD...: run CMD (`"$SYNQ" serve ARGS`, maybe behind prlimit) in
# namespace NS in the background, its output into LOG and its pid into the variable named
# VAR. Returns 0 once it prints "listening on", 1 if it does not within 10 s; the caller
# names the failure (LOG holds what the server said).
serve_start() {
	local var=$1 ns=$2 log=$3; shift 3
	ns_bg "$var" "$ns" "$@" >"$log" 2>&1
	t_wait_for "$log" 'listening on'
}
