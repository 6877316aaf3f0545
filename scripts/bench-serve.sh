#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# synq serve against nginx, side by side in one run: wrk with "Connection: close", so every
# request is a new connection and a new accept(). Same duration, one worker each, same
# connection count and backlog, each server in a fresh pair of namespaces joined by a veth
# (client 192.0.2.2 -> server 192.0.2.1:8080). Prints requests/s of both and the ratio.
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

# new_pair LABEL: server namespace SNS and client namespace CNS joined by a veth
new_pair() {
	ns_new SNS "bs$1" && ns_new CNS "bc$1" || exit 1
	ns_veth "$SNS" veth0 "$CNS" veth1 || exit 1
	ns_addr "$SNS" veth0 192.0.2.1/24
	ns_addr "$CNS" veth1 192.0.2.2/24
	# Every request takes a new client port: give wrk the whole range.
	ns_sysctl "$CNS" net.ipv4.ip_local_port_range "1024 65535"
}

wait_http() {
	for _ in $(seq 100); do
		ip netns exec "$CNS" curl -s -o /dev/null --max-time 1 http://192.0.2.1:8080/ && return 0
		sleep 0.05
	done
	echo "bench-serve: $1 did not answer on 192.0.2.1:8080" >&2
	exit 1
}

# run NAME: wrk against whatever listens in SNS; prints "NAME REQ/S" on the last line
run_wrk() {
	local out
	out=$(ip netns exec "$CNS" wrk -t1 -c"$CONNS" -d"${SECS}s" -H 'Connection: close' \
		http://192.0.2.1:8080/)
	printf '%s\n' "$out" | sed "s/^/  [$1] /"
	RPS=$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ { print $2 }')
}

echo "bench-serve: wrk -t1 -c$CONNS -d${SECS}s -H 'Connection: close', one server worker each"

new_pair synq
ns_bg SPID "$SNS" "$SYNQ" serve --bind 192.0.2.1 --port 8080 --backlog "$BACKLOG" \
	--reply http --workers 1 >"$TMP/synq.log" 2>&1
wait_http "synq serve"
run_wrk synq
SYNQ_RPS=$RPS
kill -TERM "$SPID"; wait "$SPID"

new_pair nginx
write_nginx_conf
ns_bg NPID "$SNS" nginx -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log"
wait_http nginx
run_wrk nginx
NGINX_RPS=$RPS
kill -QUIT "$NPID"; wait "$NPID" 2>/dev/null

echo
printf 'synq serve: %s requests/s\n' "$SYNQ_RPS"
printf 'nginx:      %s requests/s\n' "$NGINX_RPS"
awk -v a="$SYNQ_RPS" -v b="$NGINX_RPS" 'BEGIN {
	if (b > 0) printf "ratio synq/nginx: %.2f\n", a / b; else print "ratio: n/a" }'
