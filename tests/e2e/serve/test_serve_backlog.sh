#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The backlog experiment: `synq serve --backlog 8 --pause-accept` never accepts, 20 clients
# connect. The kernel holds backlog + 1 = 9 in the accept queue (ss -ltn: Recv-Q 9,
# Send-Q 8), the 9 clients see ESTABLISHED, the other 11 stay in SYN-SENT because their SYNs
# are dropped, and TcpExtListenOverflows counts those drops. All in one fresh namespace.
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/serve.sh
t_require_root "backlog experiment"
serve_setup backlog
overflows() { in_ns nstat -saz TcpExtListenOverflows | awk '$1 == "TcpExtListenOverflows" { print $2 }'; }

if ! serve_start SRV "$NS" "$LOG/serve" "$SYNQ" serve --backlog 8 --pause-accept --port 8080; then
	t_fail "server ready" "$(cat "$LOG/serve")"
	t_done
fi
t_run "the server says it does not accept" grep -q 'never calling accept()' "$LOG/serve"
before=$(overflows)

ns_bg HOLD "$NS" "$CLIENT" hold 127.0.0.1 8080 20 30 >"$LOG/hold" 2>&1
t_wait_for "$LOG/hold" 'connected' 20
t_eq "the client: 9 of 20 connect" "connected 9 of 20" "$(cat "$LOG/hold")"
t_eq "ss -ltn: Recv-Q 9 (queued), Send-Q 8 (the backlog)" "9 8" \
	"$(in_ns ss -Hltn 'sport = :8080' | awk '{ print $2, $3 }')"
t_eq "ss -tn: 9 client sockets established" 9 \
	"$(in_ns ss -Htn state established '( dport = :8080 )' | grep -c .)"
t_eq "ss -tn: 11 client sockets in SYN-SENT" 11 \
	"$(in_ns ss -Htn state syn-sent '( dport = :8080 )' | grep -c .)"
after=$(overflows)
if [ -n "$before" ] && [ -n "$after" ] && [ "$((after - before))" -ge 11 ]; then
	t_pass "nstat: TcpExtListenOverflows rose by at least 11"
else
	t_fail "nstat: TcpExtListenOverflows rose by at least 11" "before '$before', after '$after'"
fi
kill "$HOLD"
kill -TERM "$SRV"
wait "$SRV"
t_eq "the paused server exits 0 on SIGTERM" 0 "$?"
t_done
