#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# synq top under tmux: the listener's row with its queue numbers, the detail
# view, the "too small" notice, the plain output without a terminal, and q.
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/screen.sh
source tests/lib/serve.sh
t_require_root top
command -v tmux > /dev/null || { t_skip top "tmux is not installed (scripts/install-deps.sh)"; exit 0; }

E2E=build/tests/tools
TMP=$(mktemp -d)
SESSION=synq-top-$$
cleanup() { tmux kill-session -t "$SESSION" 2> /dev/null; ns_cleanup; rm -rf "$TMP"; }
trap cleanup EXIT

ns_new ns top
serve_start l "$ns" "$TMP/l" "$SYNQ" serve --port 8090 --backlog 16 --pause-accept ||
	{ t_fail top_row "listener did not start"; t_done; }
ns_bg c "$ns" $E2E/qclient hold 127.0.0.1 8090 5 > "$TMP/c"
t_wait_for "$TMP/c" held || { t_fail top_row "connections not made"; t_done; }
owner=$(cat "/proc/$l/comm")

tmux new-session -d -s "$SESSION" -x 160 -y 30 \
	"NO_COLOR=1 $SYNQ -n $ns top --interval 0.5; echo exited \$? > $TMP/rc; sleep 5"
if screen_has "127\.0\.0\.1:8090 +$l/$owner +5/16 +\[###  +\] +0/16 "; then
	t_pass top_row
else
	t_fail top_row "row not found on screen: $(grep 8090 "$TMP/screen")"
fi
screen_has "ListenOverflows 0" && t_pass top_header || t_fail top_header "no kernel counters"

tmux send-keys -t "$SESSION" Enter
screen_has "accept queue 5/16" && t_pass top_detail || t_fail top_detail "detail view not shown"
tmux send-keys -t "$SESSION" Escape
screen_has "LISTENER +OWNER" && t_pass top_detail_back || t_fail top_detail_back "table not back"

tmux resize-window -t "$SESSION" -x 60 -y 20
screen_has "terminal too small" && t_pass top_too_small || t_fail top_too_small "no notice at 60x20"
tmux resize-window -t "$SESSION" -x 160 -y 30
screen_has "127\.0\.0\.1:8090" && t_pass top_resize_back || t_fail top_resize_back "row gone"

tmux send-keys -t "$SESSION" q
t_wait_for "$TMP/rc" "exited 0" 3 && t_pass top_q_quits || t_fail top_q_quits "still running after q"
tmux kill-session -t "$SESSION" 2> /dev/null

# Not a terminal: the same JSON as watch.
"$SYNQ" -n "$ns" top --json --count 1 --interval 0.3 --port 8090 > "$TMP/out"
t_eq top_not_a_tty "5/16" "$(jq -r '.listeners[0] | "\(.accept_queue.len)/\(.accept_queue.max)"' "$TMP/out")"
t_done
