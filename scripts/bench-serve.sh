#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# synq serve against nginx, side by side in one run: wrk with "Connection: close", so every
# request is a new connection and a new accept(). Same duration, one worker each, same
# connection count and backlog, each server in a fresh pair of namespaces joined by a veth
# (client 192.0.2.2 -> server 192.0.2.1:8080), wrk pinned to CPU 0 and the server to CPU 1.
# Prints requests/s of both, the ratio, and each server's CPU time per request.
# A benchmark, not a test: figures are only comparable within one run.
#
#   scripts/bench-serve.sh [SECONDS] [CONNECTIONS]      (default 10 s, 32 connections)
set -u
cd "$(dirname "$0")/.." || exit 1
source tests/lib/netns.sh

SECS=${1:-10}
CONNS=${2:-32}
BACKLOG=511	# nginx's default on Linux; synq serve gets the same
SYNQ=$PWD/build/synq
TMP=$(mktemp -d)
trap 'ns_cleanup; rm -rf "$TMP"' EXIT

[ "$(id -u)" -eq 0 ] || { echo "bench-serve: run as root (it creates network namespaces)" >&2; exit 1; }
for tool in wrk nginx curl; do
	command -v "$tool" >/dev/null || { echo "bench-serve: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
[ -x "$SYNQ" ] || { echo "bench-serve: build/synq is missing: run make first" >&2; exit 1; }

# A minimal nginx of its own: one worker, no access log, a constant 3-byte reply.
write_nginx_conf() {
	mkdir -p "$TMP/nginx"
	chmod 755 "$TMP" "$TMP/nginx"
	cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $TMP/nginx/body;
	proxy_temp_path $TMP/nginx/proxy;
	fastcgi_temp_path $TMP/nginx/fastcgi;
	uwsgi_temp_path $TMP/nginx/uwsgi;
	scgi_temp_path $TMP/nginx/scgi;
	server {
		listen 192.0.2.1:8080 backlog=$BACKLOG;
		default_type text/plain;
		location / { return 200 "ok\n"; }
	}
}
EOF
}

# new_pair LABEL: server namespace SNS_<LABEL> and client namespace CNS_<LABEL>, veth-joined
new_pair() {
	local sns cns
	ns_new sns "bs$1" && ns_new cns "bc$1" || exit 1
	ns_veth "$sns" veth0 "$cns" veth1 || exit 1
	ns_addr "$sns" veth0 192.0.2.1/24
	ns_addr "$cns" veth1 192.0.2.2/24
	# Every request takes a new client port: give wrk the whole range.
	ns_sysctl "$cns" net.ipv4.ip_local_port_range "1024 65535"
	printf -v "SNS_$1" '%s' "$sns"
	printf -v "CNS_$1" '%s' "$cns"
}

wait_http() {
	local cns=CNS_$1
	for _ in $(seq 100); do
		ip netns exec "${!cns}" curl -s -o /dev/null --max-time 1 http://192.0.2.1:8080/ && return 0
		sleep 0.05
	done
	echo "bench-serve: $1 did not answer on 192.0.2.1:8080" >&2
	exit 1
}

# CPU time (user + system, clock ticks) of every process in namespace $1: the server's cost.
ns_cpu_ticks() {
	local pid sum=0
	for pid in $(ip netns pids "$1"); do
		sum=$((sum + $(sed 's/^.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')))
	done
	echo "$sum"
}

# run_wrk NAME SECONDS: one wrk round against NAME; adds to REQS_, TIME_ and CPU_NAME
run_wrk() {
	local cns=CNS_$1 sns=SNS_$1 out reqs secs t0
	t0=$(ns_cpu_ticks "${!sns}")
	out=$(ip netns exec "${!cns}" $PIN_CLIENT wrk -t1 -c"$CONNS" -d"$2s" -H 'Connection: close' \
		http://192.0.2.1:8080/)
	eval "CPU_$1=\$((CPU_$1 + \$(ns_cpu_ticks \"\${!sns}\") - t0))"
	read -r reqs secs < <(printf '%s\n' "$out" | awk '/requests in/ { sub(/s,$/, "", $4); print $1, $4 }')
	printf '  %-6s %7s requests in %6ss %s\n' "$1" "$reqs" "$secs" \
		"$(printf '%s\n' "$out" | grep -E 'Socket errors|Non-2xx' | xargs)"
	awk -v r="$reqs" -v t="$secs" 'BEGIN { exit !(r > 0 && t > 0) }' || {
		echo "bench-serve: wrk against $1 failed:" >&2
		printf '%s\n' "$out" >&2
		exit 1
	}
	eval "REQS_$1=\$((REQS_$1 + reqs))"
	eval "TIME_$1=\$(awk -v a=\"\$TIME_$1\" -v b=\"$secs\" 'BEGIN { print a + b }')"
}

# wrk on CPU 0, the server on CPU 1 (nginx's worker inherits it): neither migrates, and
# run to run the figures move less. Softirq work follows the sending CPU either way.
PIN_CLIENT= PIN_SERVER=
if [ "$(nproc)" -ge 2 ]; then
	PIN_CLIENT="taskset -c 0" PIN_SERVER="taskset -c 1"
fi
REQS_synq=0 TIME_synq=0 CPU_synq=0 REQS_nginx=0 TIME_nginx=0 CPU_nginx=0
new_pair synq
new_pair nginx
write_nginx_conf
ns_bg SPID "$SNS_synq" $PIN_SERVER "$SYNQ" serve --bind 192.0.2.1 --port 8080 --backlog "$BACKLOG" \
	--reply http --workers 1 >"$TMP/synq.log" 2>&1
ns_bg NPID "$SNS_nginx" $PIN_SERVER nginx -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log"
wait_http synq
wait_http nginx

# Alternating halves, so a neighbour's load on this machine weighs on both alike.
HALF=$(awk -v s="$SECS" 'BEGIN { h = int(s / 2); print h < 1 ? 1 : h }')
echo "bench-serve: wrk -t1 -c$CONNS -H 'Connection: close', ${HALF}s rounds: synq, nginx, synq, nginx${PIN_SERVER:+ (wrk on CPU 0, servers on CPU 1)}"
for _ in 1 2; do
	run_wrk synq "$HALF"
	run_wrk nginx "$HALF"
done
kill -TERM "$SPID"; wait "$SPID"
kill -QUIT "$NPID"; wait "$NPID" 2>/dev/null

# Requests/s is what the goal is about; server CPU per request says how much of the
# machine each server needed for it (wrk and the kernel's share of the client side
# compete for the same two vCPUs).
awk -v sr="$REQS_synq" -v st="$TIME_synq" -v sc="$CPU_synq" \
    -v nr="$REQS_nginx" -v nt="$TIME_nginx" -v nc="$CPU_nginx" -v hz="$(getconf CLK_TCK)" 'BEGIN {
	a = sr / st; b = nr / nt
	printf "\nsynq serve: %.0f requests/s, server CPU %.1f us/request\n", a, sc / hz * 1e6 / sr
	printf "nginx:      %.0f requests/s, server CPU %.1f us/request\n", b, nc / hz * 1e6 / nr
	printf "ratio synq/nginx: %.2f (requests/s)\n", a / b
}'
