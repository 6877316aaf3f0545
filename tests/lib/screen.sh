# SPDX-License-Identifier: GPL-2.0
# Reading a terminal program's screen: it runs in the tmux session named by $SESSION,
# and the last screen read is left in $TMP/screen for a failure message.

# screen_has PATTERN [SECONDS]: the pane shows PATTERN (grep -E) within SECONDS (default 5).
screen_has() {
	for _ in $(seq $((${2:-5} * 10))); do
		tmux capture-pane -p -t "$SESSION" >"$TMP/screen" 2>/dev/null
		grep -qE "$1" "$TMP/screen" && return 0
		sleep 0.1
	done
	return 1
}
