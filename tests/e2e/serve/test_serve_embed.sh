#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The embedding example (examples/embed.c, linked only with libsynq.a and -lpthread) serves
# requests with its own handler, in a namespace of its own, and stops cleanly.
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/serve.sh
t_require_root "embedding example"

EMBED=$PWD/build/examples/embed
serve_setup embed

t_eq "the example needs no libbpf" "" "$(ldd "$EMBED" | grep -E 'libbpf|libxdp|ncurses')"
if ! serve_start PID "$NS" "$LOG/embed" "$EMBED" 127.0.0.1 8090; then
	t_fail "example ready" "$(cat "$LOG/embed")"
	t_done
fi
for i in 1 2; do
	# The body ends in a newline; curl adds the status after it.
	t_eq "request $i answered by the application's handler" \
		"hello from an embedded synq server, request $i|200" \
		"$(ip netns exec "$NS" curl -s -w '%{http_code}' --max-time 5 http://127.0.0.1:8090/ |
			paste -sd '|')"
done
kill -TERM "$PID"
wait "$PID"
t_eq "stops on SIGTERM with exit 0" 0 "$?"
t_run "counts what it served" grep -q 'stopped; 2 connections, 2 requests answered' "$LOG/embed"
t_done
