#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# synq export scraped by a real Prometheus server (Debian's prometheus), all in a
# namespace of the test's own, with a temporary config and TSDB and a 1 s scrape
# interval. Three exporters: the default observer (job synq), one with
# --enqueue-events (job synq_enq) for the depth histogram, and one with
# --accept-wait (job synq_wait) for the wait histogram. What Prometheus stores is checked against the kernel: nstat for
# overflows, the backlog for the accept queue; labels of IPv4, IPv6 and wildcard
# listeners; a closed listener's series going stale; Ctrl-C. The namespace is the
# protection tests' server (tests/lib/protect_setup.sh): a bounded flood switches a
# --mode auto listener to cookies, and its state, time in each state, transitions
# and handoff errors are checked against synq status --json; an unprotected port of
# the same namespace has no protection series.
source tests/lib/e2e.sh
source tests/lib/netns.sh
source tests/lib/protect_setup.sh
t_require_root export
for tool in prometheus promtool curl jq; do
	command -v $tool > /dev/null ||
		{ t_fail export_tools "$tool missing (scripts/install-deps.sh installs it)"; t_done; }
done

E2E=build/tests/tools
EXPORT_PORT=9737
WAIT_PORT=9736
ENQ_PORT=9735
PROM_PORT=9090	# the namespace is new: every port of its loopback is free
TMP=$(mktemp -d)
trap 'ns_cleanup; pt_cleanup_files; rm -rf "$TMP"' EXIT

pt_setup || { t_fail export_setup "namespaces not made"; t_done; }
ns=$SRV
INO=$(stat -L -c %i "/run/netns/$ns")
in_ns() { nsenter --net="/run/netns/$ns" "$@"; }
nstat_of() { ip netns exec "$ns" nstat -asz "$1" | awk -v k="$1" '$1 == k { print $2 }'; }
# The value of a PromQL expression now, by promtool; empty when it has no result.
query() { in_ns promtool query instant "http://127.0.0.1:$PROM_PORT" "$1" | awk -F ' => ' '{ split($2, v, " "); print v[1] }'; }
# Wait until Prometheus has scraped twice more: what the kernel shows now is stored.
two_scrapes() { sleep 2.2; }

serve() {
	local log=$1; shift
	ns_bg SERVE_PID "$ns" "$SYNQ" serve "$@" > "$log" 2>&1
	t_wait_for "$log" "listening on"
}

start() {
	ns_bg EXPORT_PID "$ns" "$SYNQ" export --listen 127.0.0.1:$EXPORT_PORT > "$TMP/export.log" 2>&1
	ns_bg WAIT_PID "$ns" "$SYNQ" export --accept-wait --listen 127.0.0.1:$WAIT_PORT \
		> "$TMP/wait.log" 2>&1
	ns_bg ENQ_PID "$ns" "$SYNQ" export --enqueue-events --listen 127.0.0.1:$ENQ_PORT \
		> "$TMP/enq.log" 2>&1
	t_wait_for "$TMP/export.log" "serving http" && t_wait_for "$TMP/wait.log" "serving http" &&
		t_wait_for "$TMP/enq.log" "serving http" || return 1
	cat > "$TMP/prometheus.yml" <<-EOF
	global:
	  scrape_interval: 1s
	  evaluation_interval: 1s
	scrape_configs:
	  - job_name: synq
	    static_configs:
	      - targets: ['127.0.0.1:$EXPORT_PORT']
	  - job_name: synq_wait
	    static_configs:
	      - targets: ['127.0.0.1:$WAIT_PORT']
	  - job_name: synq_enq
	    static_configs:
	      - targets: ['127.0.0.1:$ENQ_PORT']
	EOF
	ns_bg PROM_PID "$ns" prometheus --config.file="$TMP/prometheus.yml" \
		--storage.tsdb.path="$TMP/tsdb" --web.listen-address="127.0.0.1:$PROM_PORT" \
		> "$TMP/prometheus.log" 2>&1
	for _ in $(seq 100); do
		in_ns curl -sf "http://127.0.0.1:$PROM_PORT/-/ready" > /dev/null && return 0
		sleep 0.1
	done
	return 1
}

test_target_up() {
	local t
	for _ in $(seq 50); do
		t=$(in_ns curl -s "http://127.0.0.1:$PROM_PORT/api/v1/targets" |
			jq -r '[.data.activeTargets[] | "\(.health) [\(.lastError)]"] | unique | join(",")')
		[ "$t" = "up []" ] && break
		sleep 0.1
	done
	t_eq targets_up_no_error "up []" "$t"
	in_ns curl -s "http://127.0.0.1:$EXPORT_PORT/metrics" > "$TMP/scrape.txt"
	t_run promtool_check_metrics sh -c "promtool check metrics < '$TMP/scrape.txt'"
}

# backlog 8: the accept queue holds 9. 9 clients stay, 11 more try for 1.5 s and
# are refused, SYN retransmits included: the overflow count is nstat's delta.
test_backlog() {
	local n0 n1 sel="job=\"synq\",netns=\"$INO\",port=\"8080\""
	serve "$TMP/s8080.log" --port 8080 --backlog 8 --pause-accept ||
		{ t_fail backlog_overflows "listener did not start"; return; }
	n0=$(nstat_of TcpExtListenOverflows)
	ns_bg c "$ns" $E2E/qclient hold 127.0.0.1 8080 9 > "$TMP/hold.log"
	t_wait_for "$TMP/hold.log" held || { t_fail backlog_overflows "9 connections not made"; return; }
	in_ns $E2E/qclient burst 127.0.0.1 8080 11 1500
	n1=$(nstat_of TcpExtListenOverflows)
	two_scrapes
	if [ $((n1 - n0)) -lt 11 ]; then
		t_fail backlog_overflows "only $((n1 - n0)) ListenOverflows for 11 refused clients"
	else
		t_eq backlog_overflows "$((n1 - n0))" "$(query "synq_listener_overflows_total{$sel}")"
	fi
	t_eq backlog_accept_queue_9 "9 8" "$(query "synq_listener_accept_queue_length{$sel}") $(query "synq_listener_accept_queue_limit{$sel}")"
	t_eq backlog_netstat_overflows "$n1" "$(query "synq_netstat_listen_overflows_total{job=\"synq\",netns=\"$INO\"}")"
	# Each of the 9 saw the queue one longer: depths 1..9, so 7 of them at most 7.
	local enq="job=\"synq_enq\",netns=\"$INO\",port=\"8080\""
	t_eq depth_histogram "9 7 9" "$(query "synq_listener_accept_queue_depth_at_enqueue_count{$enq}") $(query "synq_listener_accept_queue_depth_at_enqueue_bucket{$enq,le=\"7\"}") $(query "synq_listener_accept_queue_depth_at_enqueue_bucket{$enq,le=\"15\"}")"
	t_eq enqueued_counted 9 "$(query "synq_listener_enqueued_total{$enq}")"
	# The default leaves the enqueue hook out: no such series, and it says so.
	t_eq default_no_enqueue_series "" "$(query "synq_listener_enqueued_total{$sel}")$(query "synq_listener_accept_queue_depth_at_enqueue_count{$sel}")"
	t_eq enqueue_traced_by_mode "0 1 1" "$(query 'synq_observer_enqueue_traced{job="synq"}') $(query 'synq_observer_enqueue_traced{job="synq_enq"}') $(query 'synq_observer_enqueue_traced{job="synq_wait"}')"
	# The oldest of the 9 has waited since before the burst.
	t_eq oldest_wait_seen 1 "$(query "synq_listener_accept_queue_oldest_wait_seconds{$sel} >= bool 1.5")"
}

# An application that accepts after 20 ms: the wait histogram's median is at least that.
test_wait_quantile() {
	local q
	serve "$TMP/s8084.log" --port 8084 --accept-delay 20 ||
		{ t_fail wait_quantile "listener did not start"; return; }
	in_ns $E2E/qclient loop 127.0.0.1 8084 1.5 > /dev/null
	two_scrapes
	q=$(query "histogram_quantile(0.5, synq_listener_accept_wait_seconds_bucket{job=\"synq_wait\",netns=\"$INO\",port=\"8084\"})")
	# At least the delay's bucket; a busy machine may add scheduling delay on top.
	if awk -v q="$q" 'BEGIN { exit !(q ~ /^[0-9.e+-]+$/ && q >= 0.016384 && q <= 0.262144) }'; then
		t_pass wait_quantile
	else
		t_fail wait_quantile "histogram_quantile gave '$q', expected a number from 16 to 262 ms"
	fi
}

# Labels: addr canonical, "0.0.0.0" and "::" for wildcards, netns the inode.
test_labels() {
	serve "$TMP/s8081.log" --bind ::1 --port 8081 && serve "$TMP/s8082.log" --bind 0.0.0.0 --port 8082 &&
		serve "$TMP/s8083.log" --bind :: --port 8083 || { t_fail listener_labels "listeners did not start"; return; }
	CLOSE_PID=$SERVE_PID
	two_scrapes
	t_eq listener_labels "$INO/127.0.0.1/8080 $INO/::1/8081 $INO/0.0.0.0/8082 $INO/::/8083" "$(in_ns curl -s \
		"http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode \
		"query=synq_listener_accept_queue_limit{job=\"synq\",port=~\"808[0-3]\"}" |
		jq -r '[.data.result[].metric | "\(.netns)/\(.addr)/\(.port)"] | sort_by(split("/")[2]) | join(" ")')"
}

# A listener that closes: its series are gone from the next scrape, so stale in Prometheus.
test_closed_goes_stale() {
	kill "$CLOSE_PID"
	wait "$CLOSE_PID" 2> /dev/null
	two_scrapes
	t_eq closed_listener_stale "" "$(query "synq_listener_accept_queue_limit{netns=\"$INO\",port=\"8083\"}")"
	t_eq others_still_there "9 9 9" "$(query "synq_listener_accept_queue_length{netns=\"$INO\",port=\"8080\"}" | xargs)"
}

# The series of one listener's protection, as "label=value ... value" lines, sorted.
series() {
	in_ns curl -s "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" |
		jq -r '.data.result[] | "\(.metric | del(.__name__, .job, .instance) | to_entries |
			map("\(.key)=\(.value)") | join(" ")) \(.value[1])"' | sort
}
status_listener() {	# the protected listener's field NAME from status --json
	"$SYNQ" -n "$ns" status sqs0 --json |
		jq -r "[.interfaces[0].listeners[] | select(.listener == \"192.0.2.1:$PROT\")][0].$1"
}
PROT=8085	# protected, --mode auto
UNPROT=8086	# the same namespace, not protected
NOBODY=8087	# protected, nobody listens

test_protected() {
	local sel="job=\"synq\",netns=\"$INO\",port=\"$PROT\"" before after q t
	pt_serve "$TMP/p.log" $PROT --backlog 64 && pt_serve "$TMP/u.log" $UNPROT --backlog 64 &&
		"$SYNQ" -n "$CLI" attach sqc0 --pass-only > /dev/null &&
		"$SYNQ" -n "$ns" attach sqs0 --ports $PROT --mode auto > /dev/null ||
		{ t_fail protect_setup "serve or attach failed"; return; }
	# Bounded: 20,000 SYNs from 198.18.0.0/15 at most, 2 s at most, into the test's namespaces.
	"$SYNQ" -n "$CLI" flood --iface sqc0 --dst 192.0.2.1:$PROT --count 20000 --duration 2 \
		--rate 100000 > "$TMP/flood.log" 2>&1 || { t_fail protect_flood "$(cat "$TMP/flood.log")"; return; }
	# No SYN after the flood: the listener keeps its cookies until the next one.
	t_eq protect_flood_switched cookies "$(status_listener state)"
	before=$(status_listener cookies_seconds)
	two_scrapes
	t_eq protect_state_series "$(printf '%s\n' \
		"addr=:: device=sqs0 dst_addr=192.0.2.1 netns=$INO port=$PROT state=cookies 1" \
		"addr=:: device=sqs0 dst_addr=192.0.2.1 netns=$INO port=$PROT state=kernel 0")" \
		"$(series "synq_protect_listener_state{$sel}")"
	q=$(query "synq_protect_listener_state_seconds_total{$sel,state=\"cookies\"}")
	after=$(status_listener cookies_seconds)
	if awk -v q="$q" -v b="$before" -v a="$after" 'BEGIN { exit !(q != "" && q >= b - 0.0005 && q <= a + 0.0005) }'
	then t_pass protect_cookies_seconds
	else t_fail protect_cookies_seconds "Prometheus $q, status $before then $after"; fi
	# Not moving while in cookies; status --json writes milliseconds.
	q=$(query "synq_protect_listener_state_seconds_total{$sel,state=\"kernel\"}")
	t=$(status_listener kernel_seconds)
	if awk -v q="$q" -v s="$t" 'BEGIN { d = q - s; exit !(q != "" && d <= 0.0005 && d >= -0.0005) }'
	then t_pass protect_kernel_seconds
	else t_fail protect_kernel_seconds "Prometheus $q, status $t"; fi
	t_eq protect_transitions "$(status_listener transitions)" \
		"$(query "synq_protect_listener_transitions_total{$sel}")"
	t_eq watch_listener_state "cookies $(status_listener transitions)" "$("$SYNQ" -n "$ns" watch --json \
		--count 1 --interval 0.2 --port $PROT | jq -r '.netns[].interfaces[].listeners[] |
		select(.listener == "192.0.2.1:'$PROT'") | "\(.state) \(.transitions)"')"
	# The unprotected port has no protection series, so the alert rule's join keeps it.
	t_eq unprotected_no_state "" "$(query "count(synq_protect_listener_state{job=\"synq\",port=\"$UNPROT\"})")"
	t_eq near_limit_join_keeps_unprotected "$UNPROT" "$(in_ns curl -s "http://127.0.0.1:$PROM_PORT/api/v1/query" \
		--data-urlencode "query=synq_listener_syn_queue_limit{job=\"synq\",netns=\"$INO\",port=~\"$PROT|$UNPROT\"} unless on (netns, addr, port) synq_protect_listener_state" |
		jq -r '[.data.result[].metric.port] | join(" ")')"
	test_handoff_errors
	in_ns curl -s "http://127.0.0.1:$EXPORT_PORT/metrics" > "$TMP/scrape2.txt"
	t_run promtool_check_metrics_protected sh -c "promtool check metrics < '$TMP/scrape2.txt'"
}

# Handoff errors by errno: each of the fixed set equals status --json's count, and
# with "other" they add up to handoff_failed. One is made: in --mode always synq
# answers a SYN to a protected port nobody listens on, and the final ACK finds no
# listener (ENOENT).
test_handoff_errors() {
	local e want="" got="" sel="job=\"synq\",netns=\"$INO\",device=\"sqs0\""
	"$SYNQ" -n "$ns" attach sqs0 --replace --mode always --ports "$PROT,$NOBODY" > /dev/null &&
		nsenter --net="/run/netns/$CLI" $E2E/rawtcp handshake 192.0.2.2 192.0.2.1 $NOBODY true \
			> /dev/null ||
		{ t_fail handoff_errors_by_errno "replace or handshake failed"; return; }
	"$SYNQ" -n "$ns" status sqs0 --json > "$TMP/status.json"
	t_eq handoff_enoent_made 1 "$(jq -r '.interfaces[0].handoff_errors.ENOENT' "$TMP/status.json")"
	two_scrapes
	for e in EINVAL ENOENT ENOMEM ESOCKTNOSUPPORT; do
		want+="$(jq -r ".interfaces[0].handoff_errors.$e // 0" "$TMP/status.json") "
		got+="$(query "synq_protect_handoff_errors_total{$sel,errno=\"$e\"}") "
	done
	t_eq handoff_errors_by_errno "$want" "$got"
	t_eq handoff_errors_add_up "$(jq -r '.interfaces[0].counters.handoff_failed' "$TMP/status.json")" \
		"$(query "sum(synq_protect_handoff_errors_total{$sel})")"
}

test_ctrl_c() {
	local rc
	kill -INT "$EXPORT_PID" "$WAIT_PID" "$ENQ_PID"
	wait "$EXPORT_PID"; rc=$?
	wait "$WAIT_PID"; rc="$rc $?"
	wait "$ENQ_PID"
	t_eq export_ctrl_c_exit "0 0 0" "$rc $?"
	t_eq export_says_stopped 3 "$(cat "$TMP"/{export,wait,enq}.log | grep -c "stopped")"
}

# -n NAME: the exporter enters the namespace itself, and serves and observes there.
test_netns_flag() {
	local n
	"$SYNQ" -n "$ns" export --listen 127.0.0.1:9739 > "$TMP/n.log" 2>&1 &
	n=$!
	t_wait_for "$TMP/n.log" "serving http" || { t_fail export_netns_flag "$(cat "$TMP/n.log")"; return; }
	t_eq export_netns_flag "9 8" "$(in_ns curl -s http://127.0.0.1:9739/metrics | awk -v s="netns=\"$INO\",addr=\"127.0.0.1\",port=\"8080\"" '
		index($0, "synq_listener_accept_queue_length{" s "}") == 1 { l = $2 }
		index($0, "synq_listener_accept_queue_limit{" s "}") == 1 { m = $2 } END { print l, m }')"
	kill -INT "$n"
	wait "$n"
}

test_cli() {
	local out rc w
	ns_bg w "$ns" "$SYNQ" export --listen 0.0.0.0:9738 > "$TMP/wild.log" 2>&1
	t_wait_for "$TMP/wild.log" "serving http" &&
		t_eq export_warns_wildcard 1 "$(grep -c "warning: bound to 0.0.0.0:9738, the wildcard" "$TMP/wild.log")" ||
		t_fail export_warns_wildcard "$(cat "$TMP/wild.log")"
	kill -INT "$w"
	wait "$w"
	out=$("$SYNQ" export --listen 127.0.0.1 2>&1); rc=$?
	t_eq cli_listen_without_port "2 1" "$rc $(grep -c -- --listen <<< "$out")"
	out=$("$SYNQ" export --listeners 0 2>&1); rc=$?
	t_eq cli_bad_listeners "2 1" "$rc $(grep -c -- --listeners <<< "$out")"
}

if ! start; then
	t_fail export_started "$(cat "$TMP/export.log" "$TMP/prometheus.log" 2>/dev/null | tail -5)"
	t_done
fi
test_target_up
test_backlog
test_wait_quantile
test_labels
test_closed_goes_stale
test_protected
test_netns_flag
test_ctrl_c
test_cli
t_done
