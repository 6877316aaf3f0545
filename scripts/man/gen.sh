#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Writes synq(8) and one synq-VERB(8) per verb the binary lists, all with help2man
# from the binary's own --help, so a page cannot drift from the help it documents
# and a new verb or flag appears without an edit here. *.h2m add what --help
# does not say (privileges, files, see also).
#   scripts/man/gen.sh build/synq build/man
set -eu
SYNQ=$(realpath "$1")
out=$2
here=$(dirname "$0")
export SYNQ

# "  attach   protect TCP ports ..." under "Verbs:" in `synq help`.
verbs=$("$SYNQ" help | awk '/^Verbs:/ { v = 1; next } v && /^  [a-z]/ { print $1 }')
[ -n "$verbs" ] || { echo "gen.sh: $1 help lists no verbs" >&2; exit 1; }

mkdir -p "$out"
rm -f "$out"/*.8
see_also=$(mktemp)
trap 'rm -f "$see_also"' EXIT
{
	echo "[SEE ALSO]"
	for v in $verbs; do printf '.BR synq\\-%s (8),\n' "$v"; done
	echo ".BR systemctl (1),"
	echo ".BR capabilities (7)"
} > "$see_also"

help2man --no-info --section=8 --manual="System Administration" \
	--name="show and defend the TCP listening path" \
	--include="$here/synq.h2m" --include="$see_also" \
	--output="$out/synq.8" "$here/help-text"

for v in $verbs; do
	summary=$("$SYNQ" help | awk -v v="$v" '$1 == v && /^  / { $1 = ""; sub(/^ +/, ""); print; exit }')
	SYNQ_VERB=$v help2man --no-info --section=8 \
		--manual="System Administration" --name="$summary" \
		--include="$here/verb.h2m" --output="$out/synq-$v.8" "$here/help-text"
done
