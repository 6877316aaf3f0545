#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# synq serve end to end, in a network namespace of its own: bad flags, curl over IPv4 and
# IPv6, keep-alive and Connection: close, echo, the wildcard warning, the somaxconn clamp
# (checked against what ss says the kernel uses), workers with and without reuseport,
# --stats, --max-conns, and a clean exit on SIGTERM with a connection open.
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/serve.sh

# "rc lines stderr" of a command run outside any namespace, stdout discarded.
outcome() {
	local err rc
	err=$("$SYNQ" "$@" 2>&1 >/dev/null); rc=$?
	printf '%s %s %s' "$rc" "$(printf '%s' "$err" | grep -c '')" "$err"
}
t_eq "bad --port: one line, exit 2" \
	"2 1 synq serve: --port: '99999' is not a whole number from 0 to 65535" "$(outcome serve --port 99999)"
t_eq "bad --reply: one line, exit 2" \
	"2 1 synq serve: --reply: 'json' is not http or echo" "$(outcome serve --reply json)"
t_eq "bad --bind: one line, exit 2" \
	"2 1 synq serve: --bind: 'example.com' is not an IPv4 or IPv6 address" "$(outcome serve --bind example.com)"
t_eq "bad --workers: one line, exit 2" \
	"2 1 synq serve: --workers: '0' is not a whole number from 1 to 256" "$(outcome serve --workers 0)"

t_require_root "serve in a namespace"
serve_setup serve

# serve NAME ARGS...: start `synq serve ARGS` in the namespace, output in $LOG/NAME, pid in
# SRV; waits for its "listening on" line.
serve() {
	local name=$1; shift
	serve_start SRV "$NS" "$LOG/$name" "$SYNQ" serve "$@" && return 0
	t_fail "$name: server ready" "$(cat "$LOG/$name")"
	return 1
}
# stop PID: SIGTERM, then its exit status
stop() { kill -TERM "$1"; wait "$1"; }
code() { in_ns curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
# The listener's "Recv-Q Send-Q" as ss reports them.
queues() { in_ns ss -Hltn "sport = :$1" | awk '{ print $2, $3 }'; }

# -- HTTP over IPv4: status, body, keep-alive, Connection: close, HTTP/1.0
if serve http --port 8080; then
	t_eq "curl gets 200" 200 "$(code http://127.0.0.1:8080/)"
	t_eq "body" "ok" "$(in_ns curl -s --max-time 5 http://127.0.0.1:8080/index.html)"
	t_eq "keep-alive: two requests, one connection" "200 1 200 0" \
		"$(in_ns curl -s -o /dev/null -o /dev/null -w '%{http_code} %{num_connects} ' --max-time 5 \
			http://127.0.0.1:8080/a http://127.0.0.1:8080/b | xargs)"
	t_eq "Connection: close honoured" "200 1 200 1" \
		"$(in_ns curl -s -o /dev/null -o /dev/null -H 'Connection: close' -w '%{http_code} %{num_connects} ' \
			--max-time 5 http://127.0.0.1:8080/a http://127.0.0.1:8080/b | xargs)"
	t_eq "HTTP/1.0" 200 "$(code --http1.0 http://127.0.0.1:8080/)"
	t_eq "HEAD" 200 "$(code -I http://127.0.0.1:8080/)"
	# timeout: should it start after all, the test fails instead of hanging.
	t_eq "second server on the same port fails: exit 1" 1 \
		"$(in_ns timeout 5 "$SYNQ" serve --port 8080 >/dev/null 2>"$LOG/inuse"; echo $?)"
	t_run "... saying the address is in use" grep -q 'cannot listen on 127.0.0.1 port 8080: Address already in use' "$LOG/inuse"
	stop "$SRV"
	t_eq "SIGTERM: exit 0" 0 "$?"
fi

# -- echo: a C client's bytes come back unchanged, sent in pieces of 1 to 20000 bytes
if serve echo --reply echo --port 8081; then
	t_run "echo: 1 MB comes back unchanged" in_ns "$CLIENT" echo 127.0.0.1 8081 1000000
	stop "$SRV"
fi

# -- IPv6 on ::1
if serve v6 --bind ::1 --port 8082; then
	t_eq "IPv6: curl gets 200 on [::1]" 200 "$(code -g 'http://[::1]:8082/')"
	t_eq "IPv6: ss shows the listener on [::1]:8082" "[::1]:8082" \
		"$(in_ns ss -Hltn 'sport = :8082' | awk '{ print $4 }')"
	stop "$SRV"
fi

# -- wildcard addresses warn; a specific one does not
for w in 0.0.0.0:8083 '[::]':8084; do
	if serve "wild$w" --bind "${w%:*}" --port "${w##*:}"; then
		t_run "warning for $w" grep -qF "warning: bound to $w, the wildcard address: reachable on every interface" "$LOG/wild$w"
		stop "$SRV"
	fi
done
t_eq "no warning for 127.0.0.1" 0 "$(grep -c warning "$LOG/http")"

# -- backlog: what the kernel does with it, as ss shows it (Send-Q = the accept queue limit)
if serve small --backlog 8 --port 8085; then
	t_run "backlog 8: accept queue holds 9" grep -q 'backlog 8 (net.core.somaxconn [0-9]*): the accept queue holds 9' "$LOG/small"
	t_eq "backlog 8: ss Send-Q 8" "0 8" "$(queues 8085)"
	stop "$SRV"
fi
ns_sysctl "$NS" net.core.somaxconn 64
if serve clamp --backlog 1000 --port 8086; then
	t_run "backlog over somaxconn: says the kernel clamps it to 64" \
		grep -q 'backlog 1000 is more than net.core.somaxconn (64): the kernel clamps it to 64' "$LOG/clamp"
	t_eq "... and ss shows Send-Q 64" "0 64" "$(queues 8086)"
	stop "$SRV"
fi
ns_sysctl "$NS" net.core.somaxconn 4096

# -- workers: one shared listener, or one per worker with reuseport; all requests answered
for mode in shared reuseport; do
	flags=(--workers 2)
	[ $mode = reuseport ] && flags+=(--reuseport)
	if serve "$mode" "${flags[@]}" --port 8087; then
		t_eq "$mode: listeners" "$([ $mode = reuseport ] && echo 2 || echo 1)" \
			"$(in_ns ss -Hltn 'sport = :8087' | grep -c .)"
		codes=$(for i in $(seq 20); do code -H 'Connection: close' http://127.0.0.1:8087/; echo; done | sort | uniq -c | xargs)
		t_eq "$mode: 20 new connections, 20 times 200" "20 200" "$codes"
		stop "$SRV"
	fi
done

# -- --stats: a line a second with the counters
if serve stats --stats --port 8088; then
	for i in 1 2 3; do code http://127.0.0.1:8088/ >/dev/null; done
	t_run "--stats prints accepted/s, open, errors" t_wait_for "$LOG/stats" \
		'[0-9]+ accepted/s, [0-9]+ open, [0-9]+ shed, accept errors since start: none' 5
	stop "$SRV"
	t_run "exit summary counts the 3 connections" grep -q 'stopped; 3 connections accepted' "$LOG/stats"
fi

# -- --accept-delay 300: a slow application takes at most 4 connections in any second, and
#    in the end takes them all
if serve delay --accept-delay 300 --stats --port 8091; then
	ns_bg HOLD "$NS" "$CLIENT" hold 127.0.0.1 8091 6 30 >"$LOG/hold-delay" 2>&1
	t_run "accept-delay: all 6 accepted in the end" t_wait_for "$LOG/delay" ' 6 open,' 15
	t_eq "accept-delay: never more than 4 accepted/s" "" \
		"$(awk '/accepted\/s/ && $3 > 4' "$LOG/delay")"
	kill "$HOLD"
	stop "$SRV"
fi

# -- a stop interrupts a long accept delay (60 s here) instead of waiting it out
if serve longdelay --accept-delay 60000 --port 8092; then
	ns_bg HOLD "$NS" "$CLIENT" hold 127.0.0.1 8092 2 30 >"$LOG/hold-long" 2>&1
	t_wait_for "$LOG/hold-long" 'connected' 5
	kill -TERM "$SRV"
	t_run "SIGTERM during a 60 s accept delay: gone within 10 s" timeout 10 tail --pid="$SRV" -f /dev/null
	wait "$SRV"
	t_eq "... with exit 0" 0 "$?"
	kill "$HOLD"
fi

# -- --max-conns 2: a third connection waits in the accept queue (ss Recv-Q 1)
if serve maxc --max-conns 2 --port 8089; then
	ns_bg HOLD "$NS" "$CLIENT" hold 127.0.0.1 8089 3 30 >"$LOG/hold" 2>&1
	t_wait_for "$LOG/hold" 'connected' 5
	t_eq "max-conns: 3 clients connect (the kernel completes handshakes)" "connected 3 of 3" "$(cat "$LOG/hold")"
	for _ in $(seq 50); do [ "$(queues 8089)" = "1 128" ] && break; sleep 0.1; done
	t_eq "max-conns 2: one connection left in the accept queue" "1 128" "$(queues 8089)"
	kill "$HOLD"

	# -- SIGTERM with connections open still exits 0
	ns_bg HOLD "$NS" "$CLIENT" hold 127.0.0.1 8089 1 30 >"$LOG/hold1" 2>&1
	t_wait_for "$LOG/hold1" 'connected' 5
	stop "$SRV"
	t_eq "SIGTERM with a connection open: exit 0" 0 "$?"
	kill "$HOLD"
fi
t_done
