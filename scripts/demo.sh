#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make demo: synq on one machine, in two network namespaces of its own joined by a veth
# pair: a "server" namespace running `synq serve` and a "client" namespace talking to it.
# Each step says what it does. Everything is removed on exit, also on Ctrl-C.
#
# Steps (later ones slot in between "server" and "done": XDP protection, a SYN flood,
# synq top):
#   1. namespaces   server 192.0.2.1 <-veth-> client 192.0.2.2
#   2. server       synq serve on 192.0.2.1:8080
#   3. requests     a few curl requests from the client namespace
#   4. accept queue a server that never accepts, and what the kernel does with its queue
set -u
cd "$(dirname "$0")/.." || exit 1
source tests/lib/netns.sh

SYNQ=$PWD/build/synq
SERVER_IP=192.0.2.1
CLIENT_IP=192.0.2.2
PORT=8080
LOG=$(mktemp -d)
trap 'ns_cleanup; rm -rf "$LOG"; echo "demo: cleaned up (namespaces, processes)"' EXIT

step() { printf '\n== %s\n' "$*"; }
say() { printf '   %s\n' "$*"; }
# Run a command in a namespace, showing it first.
show() {
	local ns=$1; shift
	printf '   $ %s\n' "$*"
	ip netns exec "$ns" "$@" 2>&1 | sed 's/^/     /'
}

wait_ready() {
	for _ in $(seq 100); do
		grep -q 'listening on' "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "demo: the server did not start:" >&2
	cat "$1" >&2
	exit 1
}

check() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "demo: run as root (sudo make demo): it creates network namespaces" >&2
		exit 1
	fi
	[ -x "$SYNQ" ] || { echo "demo: build/synq is missing: run make" >&2; exit 1; }
}

setup_namespaces() {
	step "1. Two network namespaces joined by a veth pair"
	ns_new SRV server && ns_new CLI client || exit 1
	ns_veth "$SRV" veth0 "$CLI" veth1 || exit 1
	ns_addr "$SRV" veth0 "$SERVER_IP/24"
	ns_addr "$CLI" veth1 "$CLIENT_IP/24"
	say "server namespace $SRV: $SERVER_IP on veth0"
	say "client namespace $CLI: $CLIENT_IP on veth1"
	say "They behave like two machines on one cable; nothing touches the host's network."
}

start_server() {
	step "2. The reference server: synq serve in the server namespace"
	say "It listens with backlog 128, takes connections with accept4() from an epoll"
	say "loop, and answers HTTP/1.1 with keep-alive. It prints where it listens and"
	say "what the kernel makes of its backlog:"
	ns_bg SERVE_PID "$SRV" "$SYNQ" serve --bind "$SERVER_IP" --port "$PORT" >"$LOG/serve" 2>&1
	wait_ready "$LOG/serve"
	sed 's/^/     /' "$LOG/serve"
}

show_requests() {
	step "3. Requests from the client namespace"
	say "One request, with the reply's headers:"
	show "$CLI" curl -si --max-time 5 "http://$SERVER_IP:$PORT/"
	say "Three requests over one kept-alive connection (num_connects 1, then 0):"
	show "$CLI" curl -s -o /dev/null -o /dev/null -o /dev/null --max-time 5 \
		-w '%{http_code} num_connects=%{num_connects}\n' \
		"http://$SERVER_IP:$PORT/a" "http://$SERVER_IP:$PORT/b" "http://$SERVER_IP:$PORT/c"
	say "The listener as the kernel sees it (Send-Q: the accept queue's limit):"
	show "$SRV" ss -ltn "sport = :$PORT"
}

show_accept_queue() {
	step "4. When the application stops calling accept()"
	say "A second server with backlog 4 that never accepts (--pause-accept). Eight"
	say "clients try to connect: the kernel finishes the handshake for backlog + 1 = 5"
	say "of them and parks them in the accept queue; the other SYNs are dropped."
	ns_bg PAUSED "$SRV" "$SYNQ" serve --bind "$SERVER_IP" --port 8081 --backlog 4 \
		--pause-accept >"$LOG/paused" 2>&1
	wait_ready "$LOG/paused"
	local curls=()
	for _ in 1 2 3 4 5 6 7 8; do
		ip netns exec "$CLI" curl -s -o /dev/null --max-time 2 "http://$SERVER_IP:8081/" &
		curls+=($!)
		sleep 0.05
	done
	sleep 0.5
	say "Recv-Q 5 = connections waiting for accept(), Send-Q 4 = the backlog:"
	show "$SRV" ss -ltn "sport = :8081"
	say "The kernel's count of dropped SYNs (TcpExtListenOverflows):"
	show "$SRV" nstat -saz TcpExtListenOverflows
	say "(the curls give up after 2 s: nobody ever answers them)"
	wait "${curls[@]}"
	kill -TERM "$PAUSED"
}

stop_server() {
	step "Done"
	say "Stopping synq serve with SIGTERM: it finishes replies in flight and exits 0."
	kill -TERM "$SERVE_PID"
	wait "$SERVE_PID"
	say "synq serve exited with status $?."
}

check
setup_namespaces
start_server
show_requests
show_accept_queue
stop_server
