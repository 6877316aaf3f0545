#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make fuzz: open-ended fuzzing for a time budget (seconds, default 600), as root.
#   tests/fuzz/run.sh [SECONDS]
# 60% of the budget: the differential run of synq_xdp / synq_tc against the model
# (difftest_run, a new seed each time); 20%: the same with libFuzzer mutating the
# generator's choices (fuzz_protect); 20%: the user-space parsers' targets, a
# quarter each. Corpora grow in build/fuzz/<target>/ from tests/fuzz/seeds/.
# A divergence prints as a case file to save in tests/bpf/protect/corpus/
# (docs/difftest.md); a parser's crash leaves build/fuzz/crash-*.
set -u
cd "$(dirname "$0")/../.." || exit 1

budget=${1:-600}
case $budget in ''|*[!0-9]*) echo "fuzz: bad time budget '$budget' (whole seconds)" >&2; exit 2 ;; esac
if [ "$(id -u)" -ne 0 ]; then
	echo "fuzz: the differential run loads BPF programs: run as root" >&2
	exit 1
fi
failed=()

libfuzzer() {
	local name=$1 seconds=$2; shift 2
	local dir=build/fuzz/$name
	mkdir -p "$dir"
	echo "== $name, ${seconds} s"
	"build/tests/fuzz/fuzz_$name" -max_total_time="$seconds" -print_final_stats=1 \
		-artifact_prefix=build/fuzz/ "$@" "$dir" "tests/fuzz/seeds/$name" 2>&1 |
		grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec|fuzz:|==[0-9]+== ?ERROR|SUMMARY|# |prog |clock |frame |verdict |meta |out |count |artifact|Done )'
	[ "${PIPESTATUS[0]}" -eq 0 ] || failed+=("$name")
}

echo "== difftest_run, $((budget * 60 / 100)) s"
build/tests/fuzz/difftest_run --seconds $((budget * 60 / 100)) --seed "$(date +%s)" ||
	failed+=(difftest_run)
# The engine prints divergences itself; libFuzzer's leak check does not know BPF objects.
ASAN_OPTIONS=detect_leaks=0 libfuzzer protect $((budget * 20 / 100))
parser=$((budget * 5 / 100))
[ "$parser" -lt 5 ] && parser=5
libfuzzer proc_tcp "$parser"
libfuzzer protect_parse "$parser"
libfuzzer cli "$parser" -close_fd_mask=2
libfuzzer flood_addr "$parser"

echo
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: found something in: ${failed[*]}"
	exit 1
fi
echo "fuzz: nothing found"
