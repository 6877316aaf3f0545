// SPDX-License-Identifier: GPL-2.0
/*
 * The collector's arithmetic on fake data: histogram buckets and percentiles,
 * a listener's per-CPU stats summed, netstat parsing, the per-listener view
 * (overflows from sk_drops) and namespace adoption. Sums, deltas and rates
 * themselves are the counter model's: test_counters.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "observe/collector.h"
#include "system/system.h"

/* Every value lands in the bucket whose [lo, hi) holds it: at and around each seam. */
static void test_bucket_bounds(void **state)
{
	(void)state;
	for (uint64_t k = 0; k < 26; k++) {
		uint64_t p = 1ull << k;
		uint64_t vals[] = { p - 1, p, p + 1, p + p / 2, p + p / 4, p + p / 4 - 1 };

		for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
			uint64_t v = vals[i];
			uint32_t b = synq_wait_bucket(v);

			assert_true(b < SYNQ_WAIT_BUCKETS - 1);
			assert_true(synq_wait_lo(b) <= v);
			assert_true(v < synq_wait_lo(b + 1));
		}
	}
	/* ebpf_exporter #488: 268 must not count in a bucket whose upper bound is 256. */
	assert_true(synq_wait_lo(synq_wait_bucket(268) + 1) > 268);
	assert_int_equal(synq_wait_lo(synq_wait_bucket(256)), 256);
	assert_int_equal(synq_wait_lo(synq_wait_bucket(255) + 1), 256);
	/* Small values are exact; huge ones clamp into the open last bucket. */
	for (uint64_t v = 0; v < 8; v++)
		assert_int_equal(synq_wait_lo(synq_wait_bucket(v)), v);
	assert_int_equal(synq_wait_bucket(UINT64_MAX), SYNQ_WAIT_BUCKETS - 1);
	/* Bounds grow strictly, and buckets are at most 25 % wide above 4 us. */
	for (uint32_t b = 1; b < SYNQ_WAIT_BUCKETS; b++) {
		assert_true(synq_wait_lo(b) > synq_wait_lo(b - 1));
		uint64_t width = synq_wait_lo(b) - synq_wait_lo(b - 1);

		if (b > SYNQ_WAIT_SUB)
			assert_true(width * 4 <= synq_wait_lo(b - 1));
	}
}

static void test_quantile(void **state)
{
	uint64_t h[SYNQ_WAIT_BUCKETS] = {};
	uint32_t b50k = synq_wait_bucket(50000), b1k = synq_wait_bucket(1000);
	double lo = synq_wait_lo(b50k), hi = synq_wait_lo(b50k + 1);

	(void)state;
	assert_true(synq_hist_quantile(h, SYNQ_WAIT_BUCKETS, 0.5, 0) < 0);
	/* All samples in one bucket: rank-interpolated inside [lo, hi). */
	h[b50k] = 100;
	assert_float_equal(synq_hist_quantile(h, SYNQ_WAIT_BUCKETS, 0.5, 0),
			   lo + (hi - lo) * 0.5, 1e-6);
	assert_float_equal(synq_hist_quantile(h, SYNQ_WAIT_BUCKETS, 0.99, 0),
			   lo + (hi - lo) * 0.99, 1e-6);
	assert_float_equal(synq_hist_quantile(h, SYNQ_WAIT_BUCKETS, 0, 0), lo, 1e-6);
	/* Never above the largest value seen. */
	assert_float_equal(synq_hist_quantile(h, SYNQ_WAIT_BUCKETS, 0.99, 50500), 50500, 1e-6);
	/* Half at ~1 ms, half at ~50 ms: p50 is the top of the lower bucket. */
	h[b1k] = 100;
	assert_float_equal(synq_hist_quantile(h, SYNQ_WAIT_BUCKETS, 0.5, 0),
			   synq_wait_lo(b1k + 1), 1e-6);
	assert_true(synq_hist_quantile(h, SYNQ_WAIT_BUCKETS, 0.51, 0) >= lo);
	/* The open last bucket reports its lower bound. */
	memset(h, 0, sizeof(h));
	h[SYNQ_WAIT_BUCKETS - 1] = 3;
	assert_float_equal(synq_hist_quantile(h, SYNQ_WAIT_BUCKETS, 0.5, 0),
			   synq_wait_lo(SYNQ_WAIT_BUCKETS - 1), 1e-6);
}

/* Depth buckets: 0 alone, then [2^(k-1), 2^k - 1], the last one open from 65536. */
static void test_depth_buckets(void **state)
{
	(void)state;
	assert_int_equal(synq_depth_bucket(0), 0);
	assert_int_equal(synq_depth_bucket(1), 1);
	for (uint32_t k = 2; k < SYNQ_DEPTH_BUCKETS - 1; k++) {
		assert_int_equal(synq_depth_bucket(1u << (k - 1)), k);
		assert_int_equal(synq_depth_bucket((1u << k) - 1), k);
	}
	assert_int_equal(synq_depth_bucket(65535), SYNQ_DEPTH_BUCKETS - 2);
	assert_int_equal(synq_depth_bucket(65536), SYNQ_DEPTH_BUCKETS - 1);
	assert_int_equal(synq_depth_bucket(UINT32_MAX), SYNQ_DEPTH_BUCKETS - 1);
}

static void test_netstat_parse(void **state)
{
	const char *text =
		"TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed EmbryonicRsts "
		"ListenOverflows ListenDrops TCPReqQFullDoCookies TCPReqQFullDrop\n"
		"TcpExt: 11 12 13 99 21 22 31 32\n"
		"IpExt: InNoRoutes ListenOverflows\n"
		"IpExt: 7 777\n";
	uint64_t out[SYNQ_NETSTAT_MAX];

	(void)state;
	assert_int_equal(synq_netstat_parse(text, out), SYNQ_NETSTAT_MAX);
	assert_int_equal(out[SYNQ_NETSTAT_SYNCOOKIES_SENT], 11);
	assert_int_equal(out[SYNQ_NETSTAT_SYNCOOKIES_RECV], 12);
	assert_int_equal(out[SYNQ_NETSTAT_SYNCOOKIES_FAILED], 13);
	assert_int_equal(out[SYNQ_NETSTAT_LISTEN_OVERFLOWS], 21);	/* not IpExt's 777 */
	assert_int_equal(out[SYNQ_NETSTAT_LISTEN_DROPS], 22);
	assert_int_equal(out[SYNQ_NETSTAT_REQQ_FULL_DO_COOKIES], 31);
	assert_int_equal(out[SYNQ_NETSTAT_REQQ_FULL_DROP], 32);
	assert_int_equal(synq_netstat_parse("TcpExt: ListenDrops\nTcpExt: 5\n", out), 1);
	assert_int_equal(out[SYNQ_NETSTAT_LISTEN_DROPS], 5);
	assert_int_equal(synq_netstat_parse("garbage", out), 0);
}

/* /proc/net/snmp's shape: "Tcp:" is not "TcpExt:", and a negative field does not stop the walk. */
static void test_proc_net_value(void **state)
{
	const char *text =
		"Ip: Forwarding DefaultTTL\nIp: 1 64\n"
		"Tcp: RtoAlgorithm MaxConn ActiveOpens PassiveOpens\nTcp: 1 -1 7 4242\n"
		"TcpExt: PassiveOpens\nTcpExt: 9\n";
	uint64_t v = 0;

	(void)state;
	assert_int_equal(proc_net_value(text, "Tcp:", "PassiveOpens", &v), 0);
	assert_int_equal(v, 4242);
	assert_int_equal(proc_net_value(text, "TcpExt:", "PassiveOpens", &v), 0);
	assert_int_equal(v, 9);
	assert_int_equal(proc_net_value(text, "Tcp:", "NoSuchField", &v), -ENOENT);
	assert_int_equal(proc_net_value("Tcp: PassiveOpens\n", "Tcp:", "PassiveOpens", &v), -ENOENT);
}

static struct synq_lkey key4(const char *addr, uint16_t port, uint32_t netns)
{
	struct synq_lkey k = { .netns = netns, .family = AF_INET, .port = port };

	inet_pton(AF_INET, addr, k.addr);
	return k;
}

static void test_keys(void **state)
{
	struct synq_lkey a = key4("0.0.0.0", 80, 1), b = key4("192.0.2.1", 80, 1);
	struct synq_lkey c = { .family = AF_INET6, .port = 443 };
	char buf[64];

	(void)state;
	assert_true(synq_lkey_wildcard(&a));
	assert_false(synq_lkey_wildcard(&b));
	assert_true(synq_lkey_wildcard(&c));
	synq_lkey_str(&b, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.1:80");
	inet_pton(AF_INET6, "2001:db8::1", c.addr);
	assert_false(synq_lkey_wildcard(&c));
	synq_lkey_str(&c, buf, sizeof(buf));
	assert_string_equal(buf, "[2001:db8::1]:443");
	assert_true(synq_lkey_cmp(&a, &b) != 0);
}

/* A snapshot of one listener at time t with the given counters. */
static void snap1(struct synq_snapshot *s, double t, uint64_t enq, uint64_t drops,
		  uint64_t ovf_acks, uint64_t waits_50ms)
{
	memset(s, 0, sizeof(*s));
	s->t = t;
	s->accept_traced = true;
	s->enqueue_traced = true;
	s->n = s->cap = 1;
	s->l = calloc(1, sizeof(*s->l));
	s->l[0].key = key4("192.0.2.1", 8080, 7);
	s->l[0].drops = drops;
	s->l[0].st.enqueued = enq;
	s->l[0].st.accepted = enq;
	s->l[0].st.overflow_acks = ovf_acks;
	s->l[0].st.wait_hist[synq_wait_bucket(50000)] = waits_50ms;
	s->l[0].st.wait_count = waits_50ms;
	s->l[0].st.wait_max_us = waits_50ms ? 50400 : 0;
}

static void test_view(void **state)
{
	struct synq_snapshot base, prev, cur;
	struct synq_lview v;

	(void)state;
	snap1(&base, 100, 0, 40, 0, 0);		/* sk_drops 40 from before synq */
	snap1(&prev, 101, 10, 45, 0, 10);
	/* 2 ACK overflows (+4 in sk_drops) and 3 SYN overflows (+3) in the last second. */
	snap1(&cur, 102, 30, 52, 2, 30);
	synq_view(&cur, &prev, &base, 0, &v);
	assert_int_equal(v.enqueued, 30);
	assert_int_equal(v.overflow_acks, 2);
	assert_int_equal(v.overflows, 52 - 2 - 40);
	assert_float_equal(v.enq_rate, 20.0, 1e-9);
	assert_float_equal(v.drop_rate, 5.0, 1e-9);
	assert_int_equal(v.wait_count, 30);
	/* the median's bucket is [49152, 50400): anywhere in it */
	assert_float_equal(v.p50_us, (49152 + 50400) / 2.0, (50400 - 49152) / 2.0);
	assert_float_equal(v.ip50_us, (49152 + 50400) / 2.0, (50400 - 49152) / 2.0);
	/* No previous snapshot: totals, but no rates and no interval percentiles. */
	synq_view(&cur, NULL, &base, 0, &v);
	assert_float_equal(v.enq_rate, 0, 1e-9);
	assert_true(v.ip50_us < 0);
	/* A listener absent from the base appeared later: its counters start at zero. */
	base.n = 0;
	synq_view(&cur, &prev, &base, 0, &v);
	assert_int_equal(v.overflows, 50);
	synq_snapshot_free(&base);
	synq_snapshot_free(&prev);
	synq_snapshot_free(&cur);
}

/* Without accept() traced: what left the queue is enqueues minus its growth. */
static void test_view_untraced(void **state)
{
	struct synq_snapshot base, prev, cur;
	struct synq_lview v;

	(void)state;
	snap1(&base, 100, 0, 0, 0, 0);
	snap1(&prev, 101, 10, 0, 0, 0);
	snap1(&cur, 103, 30, 0, 0, 0);
	base.l[0].aq_len = 5, prev.l[0].aq_len = 9, cur.l[0].aq_len = 3;
	prev.accept_traced = cur.accept_traced = false;
	cur.l[0].st.accepted = 999;	/* not traced: ignored */
	synq_view(&cur, &prev, &base, 0, &v);
	assert_int_equal(v.accepted, 30 - (3 - 5));	/* 30 in, queue shrank by 2 */
	assert_float_equal(v.acc_rate, (20.0 + 6) / 2, 1e-9);	/* 20 in, shrank by 6, in 2 s */
	/* A queue that grew by more than was enqueued (a listener seen late) never goes negative. */
	cur.l[0].aq_len = 100;
	synq_view(&cur, &prev, &base, 0, &v);
	assert_int_equal(v.accepted, 0);
	/* Enqueues not counted either (export's default): no accepted is made up. */
	cur.l[0].aq_len = 3;
	prev.enqueue_traced = cur.enqueue_traced = false;
	synq_view(&cur, &prev, &base, 0, &v);
	assert_int_equal(v.accepted, 0);
	assert_float_equal(v.acc_rate, 0, 1e-9);
	synq_snapshot_free(&base);
	synq_snapshot_free(&prev);
	synq_snapshot_free(&cur);
}

static void test_base_adopt(void **state)
{
	struct synq_snapshot base = {}, cur = {};

	(void)state;
	base.n_ns = 1;
	base.ns[0].netns = 1;
	base.ns[0].netstat_ok = true;
	cur.n_ns = 2;
	cur.ns[0].netns = 1;
	cur.ns[0].netstat_ok = true;
	cur.ns[0].n_xdp = 1;
	strcpy(cur.ns[0].xdp[0].name, "veth0");
	cur.ns[0].xdp[0].s.ctr[SYNQ_SYN_RECEIVED] = 500;
	cur.ns[1].netns = 2;
	cur.ns[1].netstat[SYNQ_NETSTAT_LISTEN_DROPS] = 9;
	cur.ns[1].netstat_ok = true;
	synq_base_adopt(&base, &cur);
	assert_int_equal(base.n_ns, 2);
	assert_int_equal(synq_snapshot_netns(&base, 2)->netstat[SYNQ_NETSTAT_LISTEN_DROPS], 9);
	assert_int_equal(synq_xdp_find(synq_snapshot_netns(&base, 1), "veth0")->s.ctr[0], 500);
	/* Adopting again changes nothing. */
	cur.ns[0].xdp[0].s.ctr[SYNQ_SYN_RECEIVED] = 900;
	synq_base_adopt(&base, &cur);
	assert_int_equal(synq_xdp_find(synq_snapshot_netns(&base, 1), "veth0")->s.ctr[0], 500);
	assert_null(synq_xdp_find(synq_snapshot_netns(&base, 1), "veth1"));
}

static void test_snapshot_copy(void **state)
{
	struct synq_snapshot a, b = {};

	(void)state;
	snap1(&a, 5, 3, 0, 0, 0);
	a.pl = calloc(1, sizeof(*a.pl));
	assert_non_null(a.pl);
	a.n_pl = a.cap_pl = 1;
	a.pl[0].p.transitions = 4;
	assert_int_equal(synq_snapshot_copy(&b, &a), 0);
	assert_ptr_not_equal(a.pl, b.pl);
	assert_int_equal(b.n_pl, 1);
	assert_int_equal(b.pl[0].p.transitions, 4);
	assert_ptr_not_equal(a.l, b.l);
	assert_int_equal(b.l[0].st.enqueued, 3);
	assert_non_null(synq_snapshot_find(&b, &a.l[0].key));
	synq_snapshot_free(&a);
	synq_snapshot_free(&b);
}

/* A protected listener's view, for SYNs to addr:port (IPv4 when addr has no ':'). */
static struct synq_plistener pview(uint64_t netns, const char *addr, uint16_t port)
{
	struct synq_plistener pl = { .netns = netns, .joined = true };

	pl.p.key.ipv6 = strchr(addr, ':') != NULL;
	inet_pton(pl.p.key.ipv6 ? AF_INET6 : AF_INET, addr, pl.p.key.addr);
	pl.p.key.port = htons(port);
	return pl;
}

static struct synq_listener plain(uint32_t netns, int family, const char *addr, uint16_t port)
{
	struct synq_listener l = { .key = { .netns = netns, .family = family, .port = port },
				   .gauged = true };

	inet_pton(family, addr, l.key.addr);
	return l;
}

/* Each view finds the listener the kernel would give its SYNs, or none. */
static void test_plistener_join(void **state)
{
	/* In the collector's order: netns, port, then the key's bytes. */
	struct synq_listener l[] = {
		plain(1, AF_INET, "0.0.0.0", 80),
		plain(1, AF_INET, "10.0.0.1", 80),	/* bound: beats the wildcard */
		plain(1, AF_INET6, "::", 81),		/* takes IPv4 too */
		plain(1, AF_INET6, "::", 82),		/* IPV6_V6ONLY */
		plain(2, AF_INET, "0.0.0.0", 83),	/* another namespace */
	};
	struct synq_plistener pl[] = {
		pview(1, "10.0.0.1", 80), pview(1, "10.0.0.2", 80), pview(1, "10.0.0.1", 81),
		pview(1, "2001:db8::1", 81), pview(1, "10.0.0.1", 82), pview(1, "10.0.0.1", 83),
	};
	struct synq_snapshot s = { .n = 5, .l = l, .n_pl = 6, .pl = pl };
	char buf[64];

	(void)state;
	l[3].v6only = true;
	synq_plistener_join(&s);
	synq_lkey_str(&pl[0].listener, buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.1:80");
	synq_lkey_str(&pl[1].listener, buf, sizeof(buf));
	assert_string_equal(buf, "0.0.0.0:80");
	synq_lkey_str(&pl[2].listener, buf, sizeof(buf));
	assert_string_equal(buf, "[::]:81");
	synq_lkey_str(&pl[3].listener, buf, sizeof(buf));
	assert_string_equal(buf, "[::]:81");
	assert_false(pl[4].joined);
	assert_false(pl[5].joined);
	l[1].gauged = false;	/* closed since: the wildcard takes its SYNs */
	synq_plistener_join(&s);
	synq_lkey_str(&pl[0].listener, buf, sizeof(buf));
	assert_string_equal(buf, "0.0.0.0:80");
}

/* Every value of the four enums has a name, and no two names are the same. */
static void test_name_tables_complete(void **state)
{
	static const struct {
		const char *const *names;
		int n;
	} tables[] = {
		{ synq_netstat_names, SYNQ_NETSTAT_MAX },
		{ protect_counter_names, SYNQ_COUNTER_MAX },
		{ protect_malformed_names, SYNQ_MALFORMED_MAX },
		{ synq_qc_names, SYNQ_QC_MAX },
	};

	(void)state;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (int i = 0; i < tables[t].n; i++) {
			assert_non_null(tables[t].names[i]);
			for (int j = 0; j < i; j++)
				assert_string_not_equal(tables[t].names[i], tables[t].names[j]);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_bounds),
		cmocka_unit_test(test_quantile),
		cmocka_unit_test(test_depth_buckets),
		cmocka_unit_test(test_netstat_parse),
		cmocka_unit_test(test_proc_net_value),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_view),
		cmocka_unit_test(test_view_untraced),
		cmocka_unit_test(test_base_adopt),
		cmocka_unit_test(test_snapshot_copy),
		cmocka_unit_test(test_plistener_join),
		cmocka_unit_test(test_name_tables_complete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
