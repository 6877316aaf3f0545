#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs the test suites and closes with one summary line: "N passed, N failed, N skipped".
#   tests/run.sh [unit] [bpf] [e2e]     (default: all three, in that order)
# unit and bpf are cmocka programs in build/tests/; e2e are tests/e2e/*/test_*.sh scripts,
# which print results in cmocka's format through tests/lib/e2e.sh.
# Under CI (CI=true) a skipped test fails the run: there, everything must run for real.
set -u
cd "$(dirname "$0")/.." || exit 1

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(unit bpf e2e)
passed=0 failed=0 skipped=0
failures=()

# Counts one cmocka-format transcript: a result line for every "[ RUN      ] name".
count() {
	awk '
	/^\[ RUN      \] / { name = substr($0, 14); next }
	name != "" && /^\[       OK \] /  && substr($0, 14) == name { p++; name = ""; next }
	name != "" && /^\[  (FAILED|ERROR)  ?\] / && substr($0, 14) == name { f++; name = ""; next }
	name != "" && /^\[  SKIPPED \] / && substr($0, 14) == name { s++; name = ""; next }
	END { if (name != "") f++; printf "%d %d %d\n", p, f, s }'
}

run_one() {
	local label=$1; shift
	local log rc p f s
	log=$(mktemp)
	echo "== $label"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	read -r p f s < <(count < "$log")
	rm -f "$log"
	# A program that died without reporting a failure still failed.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "[  ERROR   ] $label exited with status $rc"
	fi
	# Tests leave the host as they found it: its bpffs too (pins, directories).
	if [ "$(bpffs_entries)" != "$bpffs_before" ]; then
		f=$((f + 1))
		echo "[  ERROR   ] $label changed /sys/fs/bpf (- gone, + new):" \
			$(diff <(grep -v '^$' <<<"$bpffs_before") <(bpffs_entries) |
			  sed -n 's/^< /-/p; s/^> /+/p')
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	[ "$f" -gt 0 ] && failures+=("$label")
}

# The host's bpffs entries, compared before and after each program. Left out: the
# kernel's *.debug iterators (they come with any mount of bpffs, which synq makes
# when it is missing) and libxdp's lock directory xdp/ (libxdp makes it once, for
# every program on the host that uses it).
bpffs_entries() {
	find /sys/fs/bpf -mindepth 1 \( -name '*.debug' -o -path /sys/fs/bpf/xdp \) -prune \
		-o -print 2>/dev/null | sort
}
bpffs_before=$(bpffs_entries)

for suite in "${suites[@]}"; do
	case $suite in
	unit|bpf)
		for t in build/tests/$suite/*/test_*; do
			[ -x "$t" ] && run_one "${t#build/tests/}" "$t"
		done ;;
	e2e)
		for t in tests/e2e/*/test_*.sh; do
			[ -f "$t" ] && run_one "${t#tests/}" bash "$t"
		done ;;
	*) echo "tests/run.sh: unknown suite '$suite' (unit, bpf or e2e)" >&2; exit 2 ;;
	esac
done

echo
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
if [ -n "${CI:-}" ] && [ "$skipped" -gt 0 ]; then
	echo "CI runs every test for real: $skipped skipped test(s) count as a failure here"
	failed=$((failed + skipped))
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
