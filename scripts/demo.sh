#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make demo: synq defending a server against a SYN flood, on one machine, in two network
# namespaces of its own joined by a veth pair. Each step says what it does; the summary's
# numbers are read from synq, curl, nstat and ss. Everything is removed on exit, also on
# failure and Ctrl-C.
#
#   1. namespaces   server 192.0.2.1 <-veth-> client 192.0.2.2
#   2. server       synq serve on 192.0.2.1:8080
#   3. protection   synq attach on the server's veth
#   4. clients      a steady stream of curl requests, one new connection each
#   5. flood        synq flood from the client namespace, spoofed sources
#   6. dashboard    synq top while the flood runs (synq watch without a terminal or NOTUI=1)
#   7. summary
#
# Environment: NOTUI=1 uses synq watch even on a terminal; FLOOD_RATE (frames per second,
# default 500000) and FLOOD_SECONDS (default 10) size the flood.
set -u
cd "$(dirname "$0")/.." || exit 1
source tests/lib/netns.sh

SYNQ=$PWD/build/synq
SERVER_IP=192.0.2.1
CLIENT_IP=192.0.2.2
SPOOFED=198.18.0.0/15
PORT=8080
SRV_IF=veth-srv
CLI_IF=veth-cli
FLOOD_RATE=${FLOOD_RATE:-500000}
FLOOD_SECONDS=${FLOOD_SECONDS:-10}
CLIENT_RATE=50		# legitimate requests per second
CALM=2			# seconds of client traffic before and after the flood
SRV='' CLI='' SERVE_PID='' LOAD_PID='' FLOOD_PID='' RECORD_PID='' REQ_AFTER_PID=''
LOG=$(mktemp -d /tmp/synq-demo.XXXXXX) || exit 1

step() { printf '\n== %s\n' "$*"; }
say() { printf '   %s\n' "$*"; }
indent() { sed 's/^/     /'; }
die() { echo "demo: $*" >&2; exit 1; }
# Run synq in a namespace by setns() (synq -n), showing the command first.
synq_in() {
	local ns=$1; shift
	printf '   $ synq -n %s %s\n' "$ns" "$*"
	"$SYNQ" -n "$ns" "$@" 2>&1 | indent
	return "${PIPESTATUS[0]}"
}

cleanup() {
	trap '' INT TERM
	# synq's programs and pins first, while the interfaces still exist; then the
	# processes and namespaces (tests/lib/netns.sh).
	[ -n "$SRV" ] && "$SYNQ" -n "$SRV" detach "$SRV_IF" >/dev/null 2>&1
	[ -n "$CLI" ] && "$SYNQ" -n "$CLI" detach "$CLI_IF" >/dev/null 2>&1
	ns_cleanup
	rm -rf "$LOG"
	echo "demo: cleaned up (processes, XDP programs, pins, namespaces)"
}
trap cleanup EXIT

check() {
	[ "$(id -u)" -eq 0 ] || die "run as root (sudo make demo): it creates network namespaces"
	[ -x "$SYNQ" ] || die "build/synq is missing: run make"
	local tool
	for tool in curl jq nstat ss ethtool; do
		command -v "$tool" >/dev/null || die "$tool is missing: run scripts/install-deps.sh"
	done
}

setup_namespaces() {
	step "1. Two network namespaces joined by a veth pair"
	ns_new SRV demo-server && ns_new CLI demo-client || die "cannot create namespaces"
	ns_veth "$SRV" "$SRV_IF" "$CLI" "$CLI_IF" || die "cannot create the veth pair"
	ns_addr "$SRV" "$SRV_IF" "$SERVER_IP/24" && ns_addr "$CLI" "$CLI_IF" "$CLIENT_IP/24" ||
		die "cannot add addresses"
	# The flood's SYN-ACKs go to spoofed addresses: send them back to the client side,
	# which does not forward, so they end there and never leave this machine.
	ip -n "$SRV" route add "$SPOOFED" via "$CLIENT_IP" || die "cannot add the route"
	# Full TCP checksums from the client, as a real NIC delivers them: synq checks them.
	ip netns exec "$CLI" ethtool -K "$CLI_IF" tx off >/dev/null || die "ethtool failed"
	nsenter --net="/run/netns/$CLI" ping -c1 -W2 -q "$SERVER_IP" >/dev/null ||
		die "the client cannot reach the server"
	say "server namespace $SRV: $SERVER_IP on $SRV_IF"
	say "client namespace $CLI: $CLIENT_IP on $CLI_IF"
	say "replies to the flood's spoofed sources ($SPOOFED) are routed into the client"
	say "namespace and dropped there. Nothing touches the host's own network."
}

start_server() {
	step "2. The server: synq serve on $SERVER_IP:$PORT"
	ns_bg SERVE_PID "$SRV" "$SYNQ" serve --bind "$SERVER_IP" --port "$PORT" >"$LOG/serve" 2>&1
	for _ in $(seq 100); do
		grep -q 'listening on' "$LOG/serve" && break
		kill -0 "$SERVE_PID" 2>/dev/null || break
		sleep 0.05
	done
	grep -q 'listening on' "$LOG/serve" || die "synq serve did not start: $(cat "$LOG/serve")"
	indent <"$LOG/serve"
}

protect() {
	step "3. Protection: synq answers SYNs to port $PORT in XDP, with SYN cookies"
	say "A veth delivers XDP_TX frames (synq's SYN-ACKs) only to a peer that runs XDP"
	say "too, so the client's end first gets a program that passes everything:"
	synq_in "$CLI" attach "$CLI_IF" --pass-only || die "synq attach --pass-only failed"
	say "Then the server's end: SYNs to port $PORT are answered right there, valid final"
	say "ACKs are handed to the kernel as finished connections. The kernel's SYN queue is"
	say "never used for this port, so a flood of SYNs costs it nothing."
	synq_in "$SRV" attach "$SRV_IF" --mode always --ports "$PORT" || die "synq attach failed"
	PINS=$("$SYNQ" -n "$SRV" status "$SRV_IF" --json | jq -r '.interfaces[0].pins')
	say "pinned under $PINS"
}

start_clients() {
	REQUESTS=$(((FLOOD_SECONDS + 2 * CALM) * CLIENT_RATE))
	step "4. Legitimate clients: $REQUESTS HTTP requests, $CLIENT_RATE a second, each on a new connection"
	say "curl in the client namespace; it runs before, during and after the flood. Each"
	say "request may take 5 s, time for a SYN lost on the way to be sent again."
	# One curl per request, started every 1/CLIENT_RATE s, so that a request that hangs
	# holds up no other. With "Connection: close" the server closes first and keeps
	# each 4-tuple in TIME_WAIT, so later requests reuse some of them (synq passes
	# those SYNs to the kernel). Bounded in time too: requests that never ran
	# count as failed. Each curl's line reaches the file in one write when it exits
	# (stdout to a file is buffered), so lines of concurrent requests never mix.
	ns_bg LOAD_PID "$CLI" timeout "$((FLOOD_SECONDS + 2 * CALM + 15))" bash -c '
		for _ in $(seq "$1"); do
			curl -s --max-time 5 -H "Connection: close" -o /dev/null \
				-w "%{http_code} %{time_total}\n" "$2" &
			sleep "$3"
		done
		wait' clients "$REQUESTS" "http://$SERVER_IP:$PORT/demo" \
		"$(awk -v r="$CLIENT_RATE" 'BEGIN { print 1 / r }')" >>"$LOG/requests"
	sleep "$CALM"
	say "$(wc -l <"$LOG/requests") requests so far, $(grep -c '^200 ' "$LOG/requests") answered 200 OK"
}

# Before the flood: the kernel's cookie counter, and synq watch recording the listener's
# SYN queue (its high-water mark) in the background, whatever the dashboard is.
start_recording() {
	COOKIES0=$(netstat_counter TcpExtSyncookiesSent)
	ns_bg RECORD_PID "$SRV" "$SYNQ" watch --json --port "$PORT" --interval 1 \
		>"$LOG/watch.json" 2>"$LOG/watch.err"
}

netstat_counter() {
	nsenter --net="/run/netns/$SRV" nstat -asz "$1" | awk -v n="$1" '$1 == n { print $2 }'
}

start_flood() {
	step "5. The attack: $FLOOD_RATE spoofed SYNs a second for $FLOOD_SECONDS s"
	say "synq flood in the client namespace, sources random in $SPOOFED."
	printf '   $ synq -n %s flood --iface %s --dst %s:%s --rate %s --duration %s\n' \
		"$CLI" "$CLI_IF" "$SERVER_IP" "$PORT" "$FLOOD_RATE" "$FLOOD_SECONDS"
	REQ_BEFORE=$(wc -l <"$LOG/requests")
	ns_bg FLOOD_PID "$CLI" "$SYNQ" flood --iface "$CLI_IF" --dst "$SERVER_IP:$PORT" \
		--rate "$FLOOD_RATE" --duration "$FLOOD_SECONDS" >"$LOG/flood" 2>"$LOG/flood.err"
	# How many requests had finished when the flood ended, whatever the dashboard does.
	(
		while kill -0 "$FLOOD_PID" 2>/dev/null; do sleep 0.1; done
		wc -l <"$LOG/requests" >"$LOG/req_after"
	) &
	REQ_AFTER_PID=$!
	NS_PIDS+=("$REQ_AFTER_PID")
}

dashboard() {
	if [ -t 1 ] && [ "${NOTUI:-0}" = 0 ]; then
		step "6. synq top on the server namespace while the flood runs (q closes it early)"
		sleep 1
		# --foreground: top reads keys from this terminal; it ends with the flood.
		timeout --foreground "$((FLOOD_SECONDS + 1))" "$SYNQ" -n "$SRV" top --port "$PORT"
		say "synq top closed"
	else
		step "6. synq watch on the server namespace while the flood runs"
		say "SYNQ is the kernel's SYN queue (length/limit); ACCEPTQ the accept queue."
		synq_in "$SRV" watch --port "$PORT" --interval 3 --count "$(((FLOOD_SECONDS + 2) / 3))"
	fi
	if kill -0 "$FLOOD_PID" 2>/dev/null; then
		say "waiting for the flood to end"
	fi
	wait "$FLOOD_PID" || die "synq flood failed: $(cat "$LOG/flood.err")"
	say "$(cat "$LOG/flood")"
}

finish_clients() {
	say "the clients carry on for $CALM s after the flood, then stop"
	wait "$LOAD_PID"
	wait "$REQ_AFTER_PID"
	kill -TERM "$RECORD_PID"
	wait "$RECORD_PID" || die "synq watch failed: $(cat "$LOG/watch.err")"
}

stop_server() {
	kill -TERM "$SERVE_PID"
	wait "$SERVE_PID"
	say "synq serve stopped (exit status $?)"
}

summary() {
	local json ok after during during_ok slowest synq cookies sent dropped
	json=$("$SYNQ" -n "$SRV" status "$SRV_IF" --json) || die "synq status failed"
	sent=$(sed -n 's/^sent \([0-9]*\) SYNs .*/\1/p' "$LOG/flood")
	dropped=$(ip -n "$SRV" -s -j link show "$SRV_IF" | jq '.[0].stats64.rx.dropped')
	ok=$(grep -c '^200 ' "$LOG/requests")
	after=$(cat "$LOG/req_after")
	during=$((after - REQ_BEFORE))
	during_ok=$(sed -n "$((REQ_BEFORE + 1)),${after}p" "$LOG/requests" | grep -c '^200 ')
	slowest=$(awk '$1 == 200 && $2 > m { m = $2 } END { printf "%.1f", m * 1000 }' "$LOG/requests")
	# The SYN queue's peak and limit as synq watch last saw them.
	synq=$(jq -rs 'map(.listeners[] | select(.port == '"$PORT"') | .syn_queue)
		| "\(map(.peak, .len) | max) of \(.[-1].max)"' "$LOG/watch.json")
	cookies=$(($(netstat_counter TcpExtSyncookiesSent) - COOKIES0))
	step "7. Summary"
	say "flood:                         $sent SYNs sent; the server's veth dropped $dropped of them"
	say "                               before XDP (its receive ring overflows in the bursts)"
	jq -r '.interfaces[0].counters |
		"   SYNs answered by synq in XDP:  \(.synack_sent) SYN-ACKs for \(.syn_received) SYNs received",
		"   SYNs left to the kernel:       \(.syn_passed_existing) (a client reused a 4-tuple the server held in TIME_WAIT)",
		"   handshakes handed to kernel:   \(.handoff_ok) (final ACKs with a valid cookie: \(.ack_cookie_valid))"' \
		<<<"$json"
	say "legitimate clients:            $ok of $REQUESTS requests succeeded" \
		"($(awk -v a="$ok" -v b="$REQUESTS" 'BEGIN { printf "%.2f", 100 * a / b }')%)," \
		"$during_ok of $during during the flood, slowest ${slowest} ms"
	# What went wrong with the others: curl's HTTP code (000: no reply) and time taken.
	awk '$1 != 200 { printf "     failed: HTTP code %s after %.1f s\n", $1, $2 }' "$LOG/requests"
	[ "$(wc -l <"$LOG/requests")" -eq "$REQUESTS" ] ||
		say "     $((REQUESTS - $(wc -l <"$LOG/requests"))) requests never ran (time limit)"
	say "kernel's SYN queue:            SYN cookies sent by the kernel +$cookies" \
		"(TcpExtSyncookiesSent), SYN queue at most $synq (synq watch)"
}

check
setup_namespaces
start_server
protect
start_clients
start_recording
start_flood
dashboard
finish_clients
summary
step "Done: stopping the server, removing synq's programs and the namespaces"
stop_server
