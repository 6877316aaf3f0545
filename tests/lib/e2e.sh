# SPDX-License-Identifier: GPL-2.0
# Sourced by tests/e2e/*/test_*.sh: results in cmocka's line format, so tests/run.sh
# counts shell and C tests alike. Each check is one test.
#
#   t_run NAME CMD...     run CMD; pass if it exits 0
#   t_pass NAME / t_fail NAME WHY / t_skip NAME WHY
#   t_eq NAME EXPECTED ACTUAL
#   t_done                the script's last line: exit status 1 if anything failed

SYNQ=${SYNQ:-$PWD/build/synq}
T_FAILED=0

t_pass() { printf '[ RUN      ] %s\n[       OK ] %s\n' "$1" "$1"; }
t_fail() {
	printf '[ RUN      ] %s\n' "$1"
	printf '    %s\n' "${2:-}"
	printf '[  FAILED  ] %s\n' "$1"
	T_FAILED=1
}
t_skip() { printf '[ RUN      ] %s\n    skipped: %s\n[  SKIPPED ] %s\n' "$1" "$2" "$1"; }
t_run() {
	local name=$1 out; shift
	if out=$("$@" 2>&1); then t_pass "$name"; else t_fail "$name" "'$*' failed: ${out:0:600}"; fi
}
t_eq() {
	if [ "$2" = "$3" ]; then t_pass "$1"; else t_fail "$1" "expected '$2', got '$3'"; fi
}
t_done() { exit "$T_FAILED"; }

# Privileged suites say why they cannot run; under CI the runner counts that as a failure.
t_require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		t_skip "${1:-suite}" "needs root (network namespaces, XDP)"
		exit 0
	fi
}

# t_wait_for FILE PATTERN [SECONDS]: wait until FILE has a line matching the extended regex
# PATTERN (a server's "listening on" line); returns 1 after SECONDS (default 10).
t_wait_for() {
	local tries=$((${3:-10} * 20))
	while [ "$tries" -gt 0 ]; do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
		tries=$((tries - 1))
	done
	return 1
}
