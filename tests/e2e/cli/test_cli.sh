#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The command line's promises, for every verb the binary has: --help and `synq help VERB`
# print usage and exit 0; an unknown flag prints one line naming it and exits 2.
source tests/lib/e2e.sh

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
done
t_done
