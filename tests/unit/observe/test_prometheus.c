// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus text writer against hand-written golden text: families,
 * label escaping (backslash, quote, newline, bytes that are not UTF-8),
 * values, and classic histograms (cumulative buckets, +Inf, _sum, _count);
 * and the exporter's page for a made-up snapshot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "observe/export.h"
#include "observe/prometheus.h"

struct capture {
	char *text;
	size_t len;
	FILE *f;
};

static FILE *capture_start(struct capture *c)
{
	c->text = NULL;
	c->len = 0;
	c->f = open_memstream(&c->text, &c->len);
	assert_non_null(c->f);
	return c->f;
}

/* Ends the capture and compares it with the golden text. */
static void capture_check(struct capture *c, const char *golden)
{
	fclose(c->f);
	assert_string_equal(c->text, golden);
	free(c->text);
}

static void test_family_and_samples(void **state)
{
	struct prom_label l[2] = { { "netns", "4026531840" }, { "port", "80" } };
	struct capture c;
	FILE *f = capture_start(&c);

	(void)state;
	prom_family(f, "synq_x_total", "counter", "Things \\ counted\nhere.");
	prom_sample_u64(f, "synq_x_total", l, 2, UINT64_C(18446744073709551615));
	prom_sample(f, "synq_y", NULL, 0, 0.25);
	prom_sample(f, "synq_y", l, 1, 3);
	capture_check(&c,
		"# HELP synq_x_total Things \\\\ counted\\nhere.\n"
		"# TYPE synq_x_total counter\n"
		"synq_x_total{netns=\"4026531840\",port=\"80\"} 18446744073709551615\n"
		"synq_y 0.25\n"
		"synq_y{netns=\"4026531840\"} 3\n");
}

static void test_label_escaping(void **state)
{
	/* backslash, quote, newline; "é" (valid UTF-8) kept; 0xff and a lone 0xc3 not UTF-8 */
	const char value[] = "a\\b\"c\nd\xc3\xa9" "e\xff" "f\xc3";
	struct prom_label l = { "comm", value };
	struct capture c;
	FILE *f = capture_start(&c);

	(void)state;
	prom_sample(f, "m", &l, 1, 1);
	capture_check(&c, "m{comm=\"a\\\\b\\\"c\\nd\xc3\xa9" "e\xc3\xbf" "f\xc3\x83\"} 1\n");
}

static void test_values(void **state)
{
	char buf[40];

	(void)state;
	prom_format_value(INFINITY, buf, sizeof(buf));
	assert_string_equal(buf, "+Inf");
	prom_format_value(-INFINITY, buf, sizeof(buf));
	assert_string_equal(buf, "-Inf");
	prom_format_value(NAN, buf, sizeof(buf));
	assert_string_equal(buf, "NaN");
	prom_format_value(1.048576, buf, sizeof(buf));
	assert_string_equal(buf, "1.048576");
	prom_format_value(1.6e-05, buf, sizeof(buf));
	assert_string_equal(buf, "1.6e-05");
	prom_format_value(0.1 + 0.2, buf, sizeof(buf));	/* needs 17 digits to read back */
	assert_true(strtod(buf, NULL) == 0.1 + 0.2);
	prom_format_value(-42, buf, sizeof(buf));
	assert_string_equal(buf, "-42");
}

static void test_histogram(void **state)
{
	const double bounds[3] = { 0.001, 0.01, 1 };
	const uint64_t counts[4] = { 2, 0, 5, 1 };	/* the last: above 1 */
	struct prom_label l = { "port", "80" };
	struct capture c;
	FILE *f = capture_start(&c);

	(void)state;
	prom_histogram(f, "w_seconds", &l, 1, bounds, counts, 3, 7.5);
	capture_check(&c,
		"w_seconds_bucket{port=\"80\",le=\"0.001\"} 2\n"
		"w_seconds_bucket{port=\"80\",le=\"0.01\"} 2\n"
		"w_seconds_bucket{port=\"80\",le=\"1\"} 7\n"
		"w_seconds_bucket{port=\"80\",le=\"+Inf\"} 8\n"
		"w_seconds_sum{port=\"80\"} 7.5\n"
		"w_seconds_count{port=\"80\"} 8\n");
}

/* The line of the page that starts with prefix, or NULL. */
static const char *line_of(const char *page, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *p = page; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, prefix, n))
			return p;
	return NULL;
}

static void assert_line(const char *page, const char *line)
{
	const char *p = line_of(page, line);

	if (!p || (p[strlen(line)] != '\n'))
		fail_msg("missing line: %s", line);
}

/* A made-up snapshot: one IPv6 wildcard listener, one namespace with one protected interface. */
static void test_export_page(void **state)
{
	struct synq_listener l = {
		.key = { .netns = 7, .family = AF_INET6, .port = 443 },
		.gauged = true, .counted = true, .aq_len = 9, .aq_max = 8, .syn_len = 2,
		.syn_max = 8, .drops = 12, .oldest_ms = 1500, .pid = 42, .comm = "ng\"x",
	};
	struct synq_plistener pl[3] = {
		{ .netns = 7, .device = "eth0", .adaptive = true, .joined = true },
		{ .netns = 7, .device = "eth0", .adaptive = true },	/* its listener closed */
		{ .netns = 7, .device = "eth1", .joined = true },	/* --mode always */
	};
	struct synq_snapshot s = { .n = 1, .l = &l, .n_ns = 1, .accept_traced = true,
				   .enqueue_traced = true, .listeners_max = 4096, .rows = 1, .n_pl = 3, .pl = pl };
	struct capture c;
	FILE *f = capture_start(&c);

	(void)state;
	pl[1].p.key.port = htons(444);
	pl[2].listener = l.key;
	pl[2].p.state = SYNQ_LISTENER_COOKIES;	/* as protect_listener_of() makes it */
	l.st.enqueued = 20;
	l.st.accepted = 11;
	l.st.overflow_acks = 2;
	l.st.wait_hist[synq_wait_bucket(50000)] = 3;	/* 50 ms: below 65.536 ms */
	l.st.wait_hist[synq_wait_bucket(15)] = 1;	/* 15 us: below 16 us */
	l.st.wait_hist[SYNQ_WAIT_BUCKETS - 1] = 1;	/* open-ended: +Inf only */
	l.st.wait_sum_us = 2000000;
	l.st.depth_hist[synq_depth_bucket(9)] = 4;	/* 9: in 8..15 */
	s.ns[0].netns = 7;
	s.ns[0].somaxconn = 4096;
	s.ns[0].netstat_ok = true;
	s.ns[0].netstat[0] = 5;
	s.ns[0].n_xdp = 1;
	snprintf(s.ns[0].xdp[0].name, IF_NAMESIZE, "eth0");
	s.ns[0].xdp[0].s.ctr[SYNQ_HANDOFF_FAILED] = 3;
	s.ns[0].xdp[0].s.mal[SYNQ_MAL_TCP_CSUM] = 6;
	s.ns[0].xdp[0].s.err[ENOENT] = 2;
	s.ns[0].xdp[0].s.err[ENETUNREACH] = 1;	/* not in the table: "other" */
	s.ns[0].xdp[0].s.err[0] = 1;		/* beyond SYNQ_ERRNO_MAX: "other" */
	/* SYNs to 2001:db8::1 go to the wildcard listener; it takes cookies. */
	pl[0].p.key.ipv6 = 1;
	inet_pton(AF_INET6, "2001:db8::1", pl[0].p.key.addr);
	pl[0].p.state = SYNQ_LISTENER_COOKIES;
	pl[0].p.transitions = 3;
	pl[0].p.seconds[SYNQ_LISTENER_KERNEL] = 60.5;
	pl[0].p.seconds[SYNQ_LISTENER_COOKIES] = 8.25;
	pl[0].listener = l.key;
	export_write(f, &s, 1700000000, "1.2");
	fclose(c.f);
	assert_line(c.text, "synq_build_info{version=\"1.2\"} 1");
	assert_line(c.text, "synq_listener_accept_queue_length{netns=\"7\",addr=\"::\",port=\"443\"} 9");
	assert_line(c.text, "synq_listener_accept_queue_limit{netns=\"7\",addr=\"::\",port=\"443\"} 8");
	assert_line(c.text, "synq_listener_accept_queue_oldest_wait_seconds{netns=\"7\",addr=\"::\",port=\"443\"} 1.5");
	/* sk_drops minus the final ACKs the kernel counted twice */
	assert_line(c.text, "synq_listener_overflows_total{netns=\"7\",addr=\"::\",port=\"443\"} 10");
	assert_line(c.text, "synq_listener_accepted_total{netns=\"7\",addr=\"::\",port=\"443\"} 11");
	assert_line(c.text, "synq_listener_enqueued_total{netns=\"7\",addr=\"::\",port=\"443\"} 20");
	assert_line(c.text, "synq_observer_enqueue_traced 1");
	assert_line(c.text, "synq_listener_owner_info{netns=\"7\",addr=\"::\",port=\"443\",pid=\"42\",comm=\"ng\\\"x\"} 1");
	assert_line(c.text, "synq_listener_accept_wait_seconds_bucket{netns=\"7\",addr=\"::\",port=\"443\",le=\"1.6e-05\"} 1");
	assert_line(c.text, "synq_listener_accept_wait_seconds_bucket{netns=\"7\",addr=\"::\",port=\"443\",le=\"0.016384\"} 1");
	assert_line(c.text, "synq_listener_accept_wait_seconds_bucket{netns=\"7\",addr=\"::\",port=\"443\",le=\"0.065536\"} 4");
	assert_line(c.text, "synq_listener_accept_wait_seconds_bucket{netns=\"7\",addr=\"::\",port=\"443\",le=\"16.777216\"} 4");
	assert_line(c.text, "synq_listener_accept_wait_seconds_bucket{netns=\"7\",addr=\"::\",port=\"443\",le=\"+Inf\"} 5");
	assert_line(c.text, "synq_listener_accept_wait_seconds_sum{netns=\"7\",addr=\"::\",port=\"443\"} 2");
	assert_line(c.text, "synq_listener_accept_queue_depth_at_enqueue_bucket{netns=\"7\",addr=\"::\",port=\"443\",le=\"7\"} 0");
	assert_line(c.text, "synq_listener_accept_queue_depth_at_enqueue_bucket{netns=\"7\",addr=\"::\",port=\"443\",le=\"15\"} 4");
	assert_line(c.text, "synq_netns_somaxconn{netns=\"7\"} 4096");
	assert_line(c.text, "synq_netstat_listen_overflows_total{netns=\"7\"} 5");
	assert_line(c.text, "# TYPE synq_netstat_tcp_req_q_full_do_cookies_total counter");
	assert_line(c.text, "synq_protect_handoff_failed_total{netns=\"7\",device=\"eth0\"} 3");
	assert_line(c.text, "synq_protect_malformed_total{netns=\"7\",device=\"eth0\",reason=\"tcp_checksum\"} 6");
	assert_line(c.text, "# TYPE synq_protect_handoff_errors_total counter");
	assert_line(c.text, "synq_protect_handoff_errors_total{netns=\"7\",device=\"eth0\",errno=\"EINVAL\"} 0");
	assert_line(c.text, "synq_protect_handoff_errors_total{netns=\"7\",device=\"eth0\",errno=\"ENOENT\"} 2");
	assert_line(c.text, "synq_protect_handoff_errors_total{netns=\"7\",device=\"eth0\",errno=\"other\"} 2");
	assert_line(c.text, "# TYPE synq_protect_listener_state gauge");
	assert_line(c.text, "synq_protect_listener_state{netns=\"7\",addr=\"::\",port=\"443\",device=\"eth0\",dst_addr=\"2001:db8::1\",state=\"kernel\"} 0");
	assert_line(c.text, "synq_protect_listener_state{netns=\"7\",addr=\"::\",port=\"443\",device=\"eth0\",dst_addr=\"2001:db8::1\",state=\"cookies\"} 1");
	assert_line(c.text, "# TYPE synq_protect_listener_state_seconds_total counter");
	assert_line(c.text, "synq_protect_listener_state_seconds_total{netns=\"7\",addr=\"::\",port=\"443\",device=\"eth0\",dst_addr=\"2001:db8::1\",state=\"kernel\"} 60.5");
	assert_line(c.text, "synq_protect_listener_state_seconds_total{netns=\"7\",addr=\"::\",port=\"443\",device=\"eth0\",dst_addr=\"2001:db8::1\",state=\"cookies\"} 8.25");
	assert_line(c.text, "# TYPE synq_protect_listener_transitions_total counter");
	assert_line(c.text, "synq_protect_listener_transitions_total{netns=\"7\",addr=\"::\",port=\"443\",device=\"eth0\",dst_addr=\"2001:db8::1\"} 3");
	assert_null(strstr(c.text, "port=\"444\""));	/* a view without a listener now */
	assert_line(c.text, "synq_protect_listener_state{netns=\"7\",addr=\"::\",port=\"443\",device=\"eth1\",dst_addr=\"0.0.0.0\",state=\"cookies\"} 1");
	free(c.text);
}

/*
 * A listener the iterator no longer sees (closed) is left out. The default
 * export traces neither accept() nor enqueues: no wait, accepted, enqueued or
 * depth metrics, rather than zeros that would read as data.
 */
static void test_export_closed_and_untraced(void **state)
{
	struct synq_listener l[2] = {
		{ .key = { .netns = 7, .family = AF_INET, .port = 80 }, .gauged = true },
		{ .key = { .netns = 7, .family = AF_INET, .port = 81 }, .gauged = false, .counted = true },
	};
	struct synq_snapshot s = { .n = 2, .l = l, .listeners_max = 1, .rows = 1 };
	struct capture c;
	FILE *f = capture_start(&c);

	(void)state;
	l[0].key.addr[0] = 127, l[0].key.addr[3] = 1;
	export_write(f, &s, 0, "1");
	fclose(c.f);
	assert_line(c.text, "synq_listener_accept_queue_length{netns=\"7\",addr=\"127.0.0.1\",port=\"80\"} 0");
	assert_null(strstr(c.text, "port=\"81\""));
	assert_null(strstr(c.text, "accept_wait_seconds"));
	assert_null(strstr(c.text, "synq_listener_accepted_total"));
	assert_null(strstr(c.text, "synq_listener_enqueued_total"));
	assert_null(strstr(c.text, "depth_at_enqueue"));
	assert_line(c.text, "synq_observer_enqueue_traced 0");
	assert_line(c.text, "synq_observer_accept_wait_traced 0");
	/* the table is full and the listener on port 80 has no row */
	assert_line(c.text, "synq_listeners_unattributed 1");
	free(c.text);
}

/* docs/export.md names the metric of every protection counter. */
static void test_docs_list_every_counter(void **state)
{
	static const char *names[] = SYNQ_COUNTER_NAMES;
	char *doc = calloc(1, 1 << 20), metric[96];
	FILE *f = fopen("docs/export.md", "r");

	(void)state;
	if (!f || !doc)
		fail_msg("cannot read docs/export.md (run from the repository root)");
	fread(doc, 1, (1 << 20) - 1, f);
	fclose(f);
	for (size_t i = 0; i < SYNQ_COUNTER_MAX; i++) {
		snprintf(metric, sizeof(metric), "`synq_protect_%s_total", names[i]);
		if (!strstr(doc, metric))
			fail_msg("docs/export.md does not list synq_protect_%s_total", names[i]);
	}
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_and_samples),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_export_page),
		cmocka_unit_test(test_export_closed_and_untraced),
		cmocka_unit_test(test_docs_list_every_counter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
