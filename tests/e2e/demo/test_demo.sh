#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make demo, end to end: `make demo NOTUI=1` runs to the end, its summary shows a flood
# answered in XDP, legitimate requests that succeeded and a SYN queue that stayed empty,
# and nothing it made is left: namespaces, links, pins, processes. (Without synq's XDP
# program the same flood fills the SYN queue, 129 of 128, and the kernel sends cookies.) Then the terminal path
# under tmux: synq top opens, q closes it, the demo finishes and cleans up.
source tests/lib/e2e.sh
source tests/lib/screen.sh
t_require_root demo

TMP=$(mktemp -d)
SESSION=synq-demo-$$
cleanup() {
	tmux kill-session -t "$SESSION" 2>/dev/null
	# A demo that overran its time: end its session (its own processes, by session id).
	[ -s "$TMP/sid" ] && pkill -TERM -s "$(cat "$TMP/sid")" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# field LABEL: the text after "LABEL:" on the demo's summary line
field() { sed -n "s/^ *$1: *//p" "$OUT" | head -1; }
num() { grep -oE '[0-9]+' | sed -n "${1}p"; }

# check_summary PREFIX: the summary's numbers
check_summary() {
	local p=$1 line sent answered received passed handoff ok total during cookies synq
	line=$(field flood)
	sent=$(echo "$line" | num 1)
	line=$(field "SYNs answered by synq in XDP")
	answered=$(echo "$line" | num 1) received=$(echo "$line" | num 2)
	passed=$(field "SYNs left to the kernel" | num 1)
	handoff=$(field "handshakes handed to kernel" | num 1)
	line=$(field "legitimate clients")
	ok=$(echo "$line" | num 1) total=$(echo "$line" | num 2) during=$(echo "$line" | num 5)
	line=$(field "kernel's SYN queue")
	cookies=$(echo "$line" | sed -n 's/.*by the kernel +\([0-9]*\).*/\1/p')
	synq=$(echo "$line" | sed -n 's/.*SYN queue at most \([0-9]*\) of.*/\1/p')

	if [ "${sent:-0}" -gt 0 ] && [ "${answered:-0}" -gt 0 ] && [ "$answered" -le "$sent" ]; then
		t_pass "$p: SYNs answered in XDP ($answered of $sent sent)"
	else
		t_fail "$p: SYNs answered in XDP" "sent '$sent', answered '$answered'"
	fi
	# A SYN on a tuple the server holds in TIME_WAIT is the kernel's to answer.
	t_eq "$p: every SYN that reached XDP was answered or left to the kernel" "$received" \
		"$((answered + passed))"
	if [ "${total:-0}" -gt 0 ] && [ $((ok * 100)) -ge $((total * 99)) ]; then
		t_pass "$p: legitimate requests succeeded ($ok of $total)"
	else
		t_fail "$p: legitimate requests succeeded" "$ok of $total"
	fi
	if [ "${during:-0}" -gt 0 ]; then
		t_pass "$p: requests made during the flood ($during)"
	else
		t_fail "$p: requests made during the flood" "'$during'"
	fi
	# Every request is a new connection to the protected port: each success went
	# through synq's cookie handoff, or its SYN was left to the kernel.
	if [ "${handoff:-0}" -ge "$((${ok:-1} - ${passed:-0}))" ]; then
		t_pass "$p: legitimate handshakes handed over by synq ($handoff, $passed left to the kernel)"
	else
		t_fail "$p: legitimate handshakes handed over by synq" \
			"$handoff for $ok successes, $passed left to the kernel"
	fi
	t_eq "$p: the kernel sent no SYN cookie" 0 "$cookies"
	# Only the SYNs left to the kernel may have entered its SYN queue.
	if [ -n "$synq" ] && [ "$synq" -le "${passed:-0}" ]; then
		t_pass "$p: the listener's SYN queue held no more than the SYNs left to the kernel"
	else
		t_fail "$p: the listener's SYN queue held no more than the SYNs left to the kernel" \
			"peak '$synq', $passed left to the kernel"
	fi
}

# check_clean PREFIX: namespaces, links, pins and processes of that run are gone
check_clean() {
	local p=$1 srv cli pins left
	srv=$(sed -n 's/^ *server namespace \([^:]*\):.*/\1/p' "$OUT")
	cli=$(sed -n 's/^ *client namespace \([^:]*\):.*/\1/p' "$OUT")
	pins=$(sed -n 's/^ *pinned under //p' "$OUT")
	if [ -z "$srv" ] || [ -z "$cli" ] || [ -z "$pins" ]; then
		t_fail "$p: nothing left behind" "the demo did not name its namespaces and pins"
		return
	fi
	left=$(ip netns list | grep -E "^($srv|$cli)( |$)")
	t_eq "$p: namespaces removed" "" "$left"
	t_eq "$p: no veth on the host" "" "$(ip -br link show | grep -E '^veth-(srv|cli)[@ ]')"
	[ -e "$pins" ] && t_fail "$p: pins removed" "$pins still exists" || t_pass "$p: pins removed"
	# Processes killed at the end may take a moment to be gone. Zombies hold nothing
	# (tmux keeps its dead pane's shell unreaped until the session ends).
	for _ in $(seq 50); do
		left=$(ps -o pid=,stat=,args= -s "$(cat "$TMP/sid")" | awk '$2 !~ /^Z/' | tr -s ' \n' ' ')
		[ -z "$left" ] && break
		sleep 0.1
	done
	t_eq "$p: no process left" "" "$left"
}

# 1. make demo NOTUI=1, in a session of its own so that its processes can be found.
OUT=$TMP/notui
timeout 240 setsid -w bash -c "echo \$\$ > $TMP/sid; exec make --no-print-directory demo NOTUI=1" \
	>"$OUT" 2>&1
rc=$?
[ "$rc" -eq 0 ] && t_pass "make demo NOTUI=1 exits 0" ||
	t_fail "make demo NOTUI=1 exits 0" "exit $rc: $(tail -20 "$OUT")"
grep -q 'synq -n .* watch' "$OUT" && t_pass "notui: synq watch ran" ||
	t_fail "notui: synq watch ran" "no watch step in the output"
check_summary notui
check_clean notui

# 2. On a terminal (tmux): synq top opens during the flood; q closes it early.
if ! command -v tmux >/dev/null; then
	t_skip tty "tmux is not installed (scripts/install-deps.sh)"
	t_done
fi
OUT=$TMP/tty
rm -f "$TMP/sid"
tmux new-session -d -s "$SESSION" -x 160 -y 50 \
	"echo \$\$ > $TMP/sid; scripts/demo.sh; echo exited \$? > $TMP/rc"
# Keep the screen after the demo ends, with nothing left running in the pane.
tmux set-option -t "$SESSION" remain-on-exit on >/dev/null
if screen_has "LISTENER +OWNER" 60 && screen_has "192\.0\.2\.1:8080 " 5; then
	t_pass "tty: synq top shows the server's listener"
else
	t_fail "tty: synq top shows the server's listener" "$(cat "$TMP/screen")"
fi
screen_has "xdp/s .*synack_sent [1-9]" 10 && t_pass "tty: top shows the SYN-ACK rate" ||
	t_fail "tty: top shows the SYN-ACK rate" "$(grep xdp "$TMP/screen")"
tmux send-keys -t "$SESSION" q
for _ in $(seq 600); do [ -s "$TMP/rc" ] && break; sleep 0.1; done
tmux capture-pane -p -J -S -300 -t "$SESSION" >"$OUT"
t_eq "tty: demo exits 0 after q" "exited 0" "$(cat "$TMP/rc" 2>/dev/null)"
grep -q 'synq top closed' "$OUT" && t_pass "tty: q closed top, the demo went on" ||
	t_fail "tty: q closed top, the demo went on" "$(tail -20 "$OUT")"
sleep 0.5
check_summary tty
check_clean tty
t_done
