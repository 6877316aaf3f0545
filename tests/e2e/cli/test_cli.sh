#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The command line's promises, for every verb the binary has: --help and `synq help VERB`
# print usage and exit 0; an unknown flag, or a flag given twice, prints one line naming it
# and exits 2 (only attach's --ports may repeat: the lists add up, see test_attach_flags).
source tests/lib/e2e.sh
source tests/lib/netns.sh
trap ns_cleanup EXIT

# "rc lines stderr" of a command, stdout discarded.
outcome() {
	local err rc
	err=$("$SYNQ" "$@" 2>&1 >/dev/null); rc=$?
	printf '%s %s %s' "$rc" "$(printf '%s' "$err" | grep -c '')" "$err"
}

t_run "version" "$SYNQ" --version
t_eq "no verb exits 2" 2 "$("$SYNQ" >/dev/null 2>&1; echo $?)"
t_eq "unknown verb: one line, exit 2" "2 1 synq: unknown verb 'frobnicate' (synq help lists them)" \
	"$(outcome frobnicate)"
t_eq "unknown global flag: one line, exit 2" "2 1 synq: unknown option '--frob' (synq --help lists them)" \
	"$(outcome --frob status)"
t_eq "-n without a name: exit 2" 2 "$("$SYNQ" -n >/dev/null 2>&1; echo $?)"
t_eq "-n twice: one line, exit 2" "2 1 synq: -n given twice (give one namespace)" \
	"$(outcome -n a -n b status)"

# Per verb, one valid flag given twice (with valid values, so that only the repeat is wrong).
twice_args() {
	case "$1" in
	attach) echo "sqx0 --ports 80 --mss 1400 --mss 1400" ;;
	status) echo "--json --json" ;;
	key)    echo "--key-file /dev/null --key-file /dev/null rotate sqx0" ;;
	top)    echo "--port 80 --port 81" ;;
	watch)  echo "--count 1 -c 2" ;;
	serve)  echo "--port 0 --port 0" ;;
	flood)  echo "--threads 1 -T 1" ;;
	bench)  echo "--quick --quick" ;;
	doctor) echo "--json --json" ;;
	export) echo "--all-netns --all-netns" ;;
	*)      return 1 ;;
	esac
}
twice_flag() {
	case "$1" in
	attach) echo --mss ;; status) echo --json ;; key) echo --key-file ;; top) echo --port ;;
	watch) echo --count ;; serve) echo --port ;; flood) echo --threads ;; bench) echo --quick ;;
	doctor) echo --json ;; export) echo --all-netns ;;
	esac
}

verbs=$("$SYNQ" help | awk '/^Verbs:/ { on = 1; next } on && NF { print $1 }')
[ -n "$verbs" ] || t_fail "synq help lists verbs" "no verbs listed"
# Verbs are weak symbols: a verb left out of the build would vanish from the loop below unseen.
t_eq "synq help lists export" export "$(grep -x export <<<"$verbs")"
for v in $verbs; do
	out=$("$SYNQ" "$v" --help 2>&1); rc=$?
	if [ $rc -eq 0 ] && grep -q '^Usage: synq' <<<"$out"; then
		t_pass "$v --help"
	else
		t_fail "$v --help" "exit $rc, output: ${out:0:200}"
	fi
	t_eq "synq help $v equals $v --help" "$out" "$("$SYNQ" help "$v" 2>&1)"
	read -r rc lines msg <<<"$(outcome "$v" --no-such-flag)"
	if [ "$rc" = 2 ] && [ "$lines" = 1 ] && grep -q -- "--no-such-flag" <<<"$msg"; then
		t_pass "$v rejects an unknown flag in one line"
	else
		t_fail "$v rejects an unknown flag in one line" "exit $rc, $lines line(s): $msg"
	fi
	if [ "$v" = detach ]; then
		continue	# detach has no flags to repeat
	fi
	if ! args=$(twice_args "$v"); then
		t_fail "$v refuses a flag given twice" "no case for $v in twice_args"
		continue
	fi
	# shellcheck disable=SC2086 # the words are meant to split
	t_eq "$v refuses a flag given twice in one line" \
		"2 1 synq $v: $(twice_flag "$v") given twice (give each flag once)" \
		"$(outcome "$v" $args)"
done

# doctor's values: a bad one is named in one line, before anything is loaded.
t_eq "doctor --observe x: one line, exit 2" \
	"2 1 synq doctor: --observe: 'x' is not a number of seconds from 0 to 3600" \
	"$(outcome doctor --observe x)"
t_eq "doctor --port 0: one line, exit 2" \
	"2 1 synq doctor: --port: '0' is not a whole number from 1 to 65535" "$(outcome doctor --port 0)"
t_eq "doctor with an extra argument: one line, exit 2" \
	"2 1 synq doctor: unexpected argument 'eth0'" "$(outcome doctor eth0)"

# bench --observer-only runs scenario 5 at full length, alone: nothing to shorten or plot.
for f in --quick "--plot x.png"; do
	t_eq "bench --observer-only $f: one line, exit 2" \
		"2 1 synq: bench: --observer-only cannot be combined with --quick or --plot" \
		"$(outcome bench --observer-only $f)"
done

# --all-netns with -n NAME: one line, exit 2, from every verb that has --all-netns.
if ns_new NS cli; then
	for v in watch top export doctor; do
		t_eq "$v -n NAME --all-netns: one line, exit 2" \
			"2 1 synq $v: --all-netns and -n $NS exclude each other" \
			"$(outcome -n "$NS" "$v" --all-netns)"
	done
else
	t_fail "-n NAME --all-netns" "namespace not made"
fi
t_done
