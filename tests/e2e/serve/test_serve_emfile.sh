#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Out of descriptors: synq serve runs with RLIMIT_NOFILE 16 (room for about 9 connections)
# and 30 clients connect and stay. The server must stay up, must not spin (its CPU time
# over 1.5 s stays small; a busy accept loop would burn all of it), must count EMFILE and
# shed the surplus, and must serve again once the clients leave.
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/serve.sh
t_require_root "EMFILE"
serve_setup emfile
code() { in_ns curl -s -o /dev/null -w '%{http_code}' --max-time 3 http://127.0.0.1:8080/; }
# utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat;
# the command name in field 2 may hold spaces, so count from after its ')').
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

if ! serve_start SRV "$NS" "$LOG/serve" prlimit --nofile=16 "$SYNQ" serve --port 8080 --stats; then
	t_fail "server ready" "$(cat "$LOG/serve")"
	t_done
fi
t_eq "the limit applies to the server" 16 "$(awk '/Max open files/ { print $4 }' "/proc/$SRV/limits")"
t_eq "serves before" 200 "$(code)"

ns_bg HOLD "$NS" "$CLIENT" hold 127.0.0.1 8080 30 60 >"$LOG/hold" 2>&1
t_wait_for "$LOG/hold" 'connected' 20
t_run "stats count EMFILE and shed connections" t_wait_for "$LOG/serve" \
	'[1-9][0-9]* shed, accept errors since start: .*EMFILE [1-9]' 5

t0=$(cpu_ticks "$SRV")
sleep 1.5
t1=$(cpu_ticks "$SRV")
hz=$(getconf CLK_TCK)
# Generous: a third of the interval. A busy loop would use all of it.
if [ $((t1 - t0)) -le $((hz / 2)) ]; then
	t_pass "no busy loop: $((t1 - t0)) ticks of CPU in 1.5 s (bound $((hz / 2)))"
else
	t_fail "no busy loop" "$((t1 - t0)) ticks of CPU in 1.5 s (bound $((hz / 2)))"
fi
t_run "still running while out of descriptors" kill -0 "$SRV"
t_eq "a client beyond the limit is closed at once, not left waiting" 000 "$(code)"

kill "$HOLD"	# SO_LINGER {1,0}: every held connection resets
ok=
for _ in $(seq 50); do [ "$(code)" = 200 ] && ok=1 && break; sleep 0.1; done
t_eq "serves again once the clients left" 1 "${ok:-0}"
kill -TERM "$SRV"
wait "$SRV"
t_eq "exit 0 on SIGTERM" 0 "$?"
t_done
