# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Sourced by tests/e2e/install/*: `make install` into a staging folder of the test's own,
# removed on exit, as a packager would run it.
#
#   inst_stage [PREFIX]     make install DESTDIR=$INST_DEST PREFIX=${PREFIX:-/usr}; 0 or 1
#                           (make's output is in $INST_LOG)
#   inst_stage_or_stop NAME inst_stage with PREFIX /usr; or test NAME fails with make's
#                           output and the script ends there
#   INST_DEST INST_PREFIX   the staging folder and the prefix
#   INST_ROOT               $INST_DEST$INST_PREFIX: where bin, lib, share ... landed

INST_DEST=$(mktemp -d)
INST_LOG=$(mktemp)
# Readable by the unprivileged user of test_privileges.sh, like a real /usr is.
chmod 0755 "$INST_DEST"
inst_cleanup() { rm -rf "$INST_DEST" "$INST_LOG"; }

inst_stage() {
	INST_PREFIX=${1:-/usr}
	# shellcheck disable=SC2034	# for the tests that source this
	INST_ROOT=$INST_DEST$INST_PREFIX
	make --no-print-directory -s install DESTDIR="$INST_DEST" PREFIX="$INST_PREFIX" \
		>"$INST_LOG" 2>&1
}

inst_stage_or_stop() {
	inst_stage /usr && return 0
	t_fail "$1" "$(tail -n 20 "$INST_LOG")"
	t_done
}

# The verbs `synq help` lists: one man page each.
inst_verbs() {
	"$1" help | awk '/^Verbs:/ { v = 1; next } v && /^  [a-z]/ { print $1 }'
}
