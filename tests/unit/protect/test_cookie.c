// SPDX-License-Identifier: GPL-2.0
/*
 * The SYN cookie of include/synq/cookie.h: the layout of the hashed message (built
 * here from packet bytes, hashed with the byte form of SipHash), MSS classes,
 * round trips of every option combination, and every way a cookie must fail.
 * Each test runs over both families through one table of family operations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "synq/cookie.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct synq_key key_a = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
static const struct synq_key key_b = { 0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL };
static const struct synq_key key_c = { 0xa4093822299f31d0ULL, 0x082efa98ec4e6c89ULL };

/* A client 192.0.2.1:40000 -> 192.0.2.2:8080, and 2001:db8::1 -> 2001:db8::2. */
static struct synq_flow_v4 flow4;
static struct synq_flow_v6 flow6;

static void flows_init(void)
{
	inet_pton(AF_INET, "192.0.2.1", &flow4.saddr);
	inet_pton(AF_INET, "192.0.2.2", &flow4.daddr);
	flow4.sport = htons(40000);
	flow4.dport = htons(8080);
	inet_pton(AF_INET6, "2001:db8::1", flow6.saddr);
	inet_pton(AF_INET6, "2001:db8::2", flow6.daddr);
	flow6.sport = htons(40000);
	flow6.dport = htons(8080);
}

/* One family: its flow and its make/check behind one signature. */
struct family {
	const char *name;
	int af;
	void *flow;
	size_t flow_size;
	__u16 mss_table[SYNQ_MSS_CLASSES];	/* the spec's table, written out independently */
	__u32 (*make)(const struct synq_key *key, __u32 slot, const void *flow, __u32 isn,
		      __u32 now, const struct synq_cookie_opts *o, __u32 *tsval);
	int (*check)(const struct synq_key *key, const void *flow, __u32 isn, __u32 cookie,
		     __u32 now, int has_ts, __u32 tsecr, struct synq_cookie_opts *o);
};

static __u32 make4(const struct synq_key *key, __u32 slot, const void *flow, __u32 isn,
		   __u32 now, const struct synq_cookie_opts *o, __u32 *tsval)
{
	return synq_cookie_make_v4(key, slot, flow, isn, now, o, tsval);
}

static __u32 make6(const struct synq_key *key, __u32 slot, const void *flow, __u32 isn,
		   __u32 now, const struct synq_cookie_opts *o, __u32 *tsval)
{
	return synq_cookie_make_v6(key, slot, flow, isn, now, o, tsval);
}

static int check4(const struct synq_key *key, const void *flow, __u32 isn, __u32 cookie,
		  __u32 now, int has_ts, __u32 tsecr, struct synq_cookie_opts *o)
{
	return synq_cookie_check_v4(key, flow, isn, cookie, now, has_ts, tsecr, o);
}

static int check6(const struct synq_key *key, const void *flow, __u32 isn, __u32 cookie,
		  __u32 now, int has_ts, __u32 tsecr, struct synq_cookie_opts *o)
{
	return synq_cookie_check_v6(key, flow, isn, cookie, now, has_ts, tsecr, o);
}

static const struct family families[] = {
	{ "IPv4", AF_INET, &flow4, sizeof(flow4),
	  { 536, 1240, 1340, 1380, 1440, 1452, 1460, 8960 }, make4, check4 },
	{ "IPv6", AF_INET6, &flow6, sizeof(flow6),
	  { 1220, 1320, 1360, 1390, 1420, 1432, 1440, 8940 }, make6, check6 },
};

#define ISN 0x9e3779b9U
#define NOW 1000U

/* A handshake made under key_a in slot 0 at NOW, with a Linux client's options. */
struct made {
	const struct family *fam;
	struct synq_cookie_opts opts;
	__u32 cookie, tsval;
};

static struct made make_default(const struct family *fam, __u32 now)
{
	struct made m = { .fam = fam, .opts = { 1460, 7, 1, 0, 1 } };

	m.cookie = fam->make(&key_a, 0, fam->flow, ISN, now, &m.opts, &m.tsval);
	return m;
}

static int check_default(const struct made *m, const struct synq_key *key, __u32 cookie,
			 __u32 now)
{
	struct synq_cookie_opts o;

	return m->fam->check(key, m->fam->flow, ISN, cookie, now, 1, m->tsval, &o);
}

/* ---- message layout: the header comment's words, rebuilt from packet bytes ---- */

static void put_le32(__u8 *p, __u32 v)
{
	int i;

	for (i = 0; i < 4; i++)
		p[i] = (__u8)(v >> (8 * i));
}

/*
 * Packet bytes in packet order (addresses, ports), then the ISN, t and meta as
 * little-endian 32-bit numbers: what the FORMAT comment says the words are.
 */
static __u32 expected_cookie(const struct family *fam, __u32 isn, __u32 t, __u32 meta,
			     __u32 *tsval)
{
	__u8 msg[48] = { 0 };
	size_t addr = fam->af == AF_INET ? 4 : 16;
	size_t n = 2 * addr + 4;
	__u64 h;

	memcpy(msg, fam->flow, n);		/* saddr, daddr, sport, dport */
	put_le32(msg + n, isn);
	put_le32(msg + n + 4, t);
	put_le32(msg + n + 8, meta);		/* then 4 zero bytes: meta has 12 bits */
	h = synq_siphash24(&key_a, msg, n + 12);
	*tsval = (__u32)(h >> 32);
	return ((__u32)h & 0xfffff) << 12 | meta;
}

static void test_message_layout(void **state)
{
	/* slot 1, t low bits 0b11, MSS class 6 (1460 / 1440), wscale 7, SACK, no ECN */
	const __u32 t = 0x12345677, meta = 1 << 11 | 3 << 9 | 6 << 6 | 7 << 2 | 1 << 1;
	struct synq_cookie_opts o = { 0, 7, 1, 0, 1 };
	const struct family *f;
	__u32 ts, want_ts;

	(void)state;
	for (f = families; f < families + ARRAY_SIZE(families); f++) {
		o.mss = f->mss_table[6];
		assert_int_equal(f->make(&key_a, 1, f->flow, ISN, t, &o, &ts),
				 expected_cookie(f, ISN, t, meta, &want_ts));
		assert_int_equal(ts, want_ts);
	}
}

/* ---- MSS classes ---- */

static void test_mss_tables(void **state)
{
	const struct family *f;
	__u32 i;

	(void)state;
	for (f = families; f < families + ARRAY_SIZE(families); f++) {
		for (i = 0; i < SYNQ_MSS_CLASSES; i++) {
			assert_int_equal(synq_mss_decode(f->af, i), f->mss_table[i]);
			assert_int_equal(synq_mss_encode(f->af, f->mss_table[i]), i);
		}
	}
}

static void test_mss_rounding(void **state)
{
	static const struct {
		int af;
		__u32 mss, want;	/* mss = min(client, ours); 0 = no MSS option */
	} cases[] = {
		{ AF_INET, 1460, 1460 },	/* 1500-byte MTU both ways */
		{ AF_INET, 1400, 1380 },
		{ AF_INET, 1459, 1452 },
		{ AF_INET, 1300, 1240 },
		{ AF_INET, 1240, 1240 },	/* 1280-byte MTU (an IPv6 tunnel) */
		{ AF_INET, 1239, 536 },
		{ AF_INET, 536, 536 },
		{ AF_INET, 500, 536 },	/* clamped up: the kfunc refuses < 536 */
		{ AF_INET, 0, 536 },	/* no MSS option: RFC 9293 default */
		{ AF_INET, 8960, 8960 },	/* 9000-byte MTU */
		{ AF_INET, 65535, 8960 },
		{ AF_INET6, 1440, 1440 },	/* 1500-byte MTU */
		{ AF_INET6, 1439, 1432 },
		{ AF_INET6, 1320, 1320 },
		{ AF_INET6, 1319, 1220 },
		{ AF_INET6, 1000, 1220 },	/* clamped up: the kfunc refuses < 1220 */
		{ AF_INET6, 0, 1220 },
		{ AF_INET6, 8940, 8940 },
		{ AF_INET6, 65535, 8940 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		__u32 got = synq_mss_decode(cases[i].af, synq_mss_encode(cases[i].af, cases[i].mss));

		if (got != cases[i].want)
			fail_msg("family %d, MSS %u: encoded as %u, want %u", cases[i].af,
				 cases[i].mss, got, cases[i].want);
	}
}

/*
 * The common path MTUs keep at least 95% of their MSS through a cookie, as the
 * segment size the connection uses: the MSS, less 12 bytes with timestamps.
 */
static void test_mss_path_mtus(void **state)
{
	static const unsigned int mtus[] = { 1280, 1380, 1400, 1420, 1450, 1480, 1492, 1500, 9000 };
	const struct family *f;
	unsigned int i, ts, mss, got;

	(void)state;
	for (f = families; f < families + ARRAY_SIZE(families); f++) {
		for (i = 0; i < ARRAY_SIZE(mtus); i++) {
			mss = mtus[i] - (f->af == AF_INET ? 40 : 60);
			got = synq_mss_decode(f->af, synq_mss_encode(f->af, mss));
			if (got > mss)
				fail_msg("%s MTU %u: MSS %u grew to %u", f->name, mtus[i], mss, got);
			for (ts = 0; ts <= 12; ts += 12)
				if (100 * (got - ts) < 95 * (mss - ts))
					fail_msg("%s MTU %u%s: segments of %u for a client's %u",
						 f->name, mtus[i], ts ? " with timestamps" : "",
						 got - ts, mss - ts);
		}
	}
}

/* ---- round trips ---- */

/* Every MSS class, window scale 0..14 and none, SACK/ECN/TS, both slots. */
static void test_round_trip(void **state)
{
	const struct synq_key *keys[2] = { &key_a, &key_b };
	struct synq_cookie_opts in, out;
	const struct family *f;
	__u32 cls, ws, bits, slot, cookie, tsval;
	int err;

	(void)state;
	for (f = families; f < families + ARRAY_SIZE(families); f++)
	for (cls = 0; cls < SYNQ_MSS_CLASSES; cls++)
	for (ws = 0; ws <= SYNQ_WSCALE_NONE; ws++)
	for (bits = 0; bits < 8; bits++)
	for (slot = 0; slot < 2; slot++) {
		in = (struct synq_cookie_opts){ f->mss_table[cls], ws, bits & 1,
						(bits >> 1) & 1, (bits >> 2) & 1 };
		cookie = f->make(keys[slot], slot, f->flow, ISN, NOW + cls, &in, &tsval);
		assert_int_equal(synq_cookie_slot(cookie), slot);
		memset(&out, 0xa5, sizeof(out));
		err = f->check(keys[slot], f->flow, ISN, cookie, NOW + cls, in.tstamp_ok,
			       tsval, &out);
		if (err || memcmp(&in, &out, sizeof(in)))
			fail_msg("%s class %u ws %u bits %u slot %u: err %d, mss %u ws %u "
				 "sack %u ecn %u ts %u", f->name, cls, ws, bits, slot, err,
				 out.mss, out.wscale, out.sack_ok, out.ecn_ok, out.tstamp_ok);
	}
}

/* A client that offered timestamps may still send its ACK without one. */
static void test_ack_without_timestamp(void **state)
{
	struct synq_cookie_opts o;
	const struct family *f;

	(void)state;
	for (f = families; f < families + ARRAY_SIZE(families); f++) {
		struct made m = make_default(f, NOW);

		assert_int_equal(f->check(&key_a, f->flow, ISN, m.cookie, NOW, 0, 0, &o), 0);
		assert_int_equal(o.tstamp_ok, 0);
		assert_int_equal(o.mss, f->mss_table[6]);
	}
}

/* ---- rejections ---- */

static void test_timestamp_mismatch(void **state)
{
	static const __u32 flips[] = { 1, 0x80000000, 0xffffffff };
	struct synq_cookie_opts o;
	const struct family *f;
	size_t i;

	(void)state;
	for (f = families; f < families + ARRAY_SIZE(families); f++) {
		struct made m = make_default(f, NOW);

		for (i = 0; i < ARRAY_SIZE(flips); i++)
			assert_int_equal(f->check(&key_a, f->flow, ISN, m.cookie, NOW, 1,
						  m.tsval ^ flips[i], &o),
					 -SYNQ_COOKIE_TS_MISMATCH);
	}
}

static void test_wrong_key(void **state)
{
	const struct family *f;

	(void)state;
	for (f = families; f < families + ARRAY_SIZE(families); f++) {
		struct made m = make_default(f, NOW);

		assert_int_equal(check_default(&m, &key_a, m.cookie, NOW), 0);
		assert_int_equal(check_default(&m, &key_b, m.cookie, NOW), -SYNQ_COOKIE_BAD_MAC);
	}
}

/* Bits [10:9] are the time: flipping them may read as expired rather than as forged. */
static void test_bit_flips(void **state)
{
	const struct family *f;
	int bit, err;

	(void)state;
	for (f = families; f < families + ARRAY_SIZE(families); f++) {
		struct made m = make_default(f, NOW);

		for (bit = 0; bit < 32; bit++) {
			err = check_default(&m, &key_a, m.cookie ^ (1U << bit), NOW);
			if (bit == 9 || bit == 10 ? err == 0 : err != -SYNQ_COOKIE_BAD_MAC)
				fail_msg("%s: bit %d flipped: check returned %d", f->name, bit, err);
		}
	}
}

/* Every bit of the addresses and ports, and the client's ISN, is covered. */
static void test_flow_changed(void **state)
{
	const struct family *f;
	size_t byte;
	int bit;

	(void)state;
	for (f = families; f < families + ARRAY_SIZE(families); f++) {
		struct made m = make_default(f, NOW);
		__u8 *p = f->flow;
		struct synq_cookie_opts o;

		for (byte = 0; byte < f->flow_size; byte++) {
			for (bit = 0; bit < 8; bit++) {
				p[byte] ^= 1 << bit;
				if (check_default(&m, &key_a, m.cookie, NOW) != -SYNQ_COOKIE_BAD_MAC)
					fail_msg("%s: flow byte %zu bit %d not covered", f->name,
						 byte, bit);
				p[byte] ^= 1 << bit;
			}
		}
		for (bit = 0; bit < 32; bit++)
			assert_int_equal(f->check(&key_a, f->flow, ISN ^ (1U << bit), m.cookie,
						  NOW, 1, m.tsval, &o), -SYNQ_COOKIE_BAD_MAC);
	}
}

/*
 * Made at counter `made`, checked at `now`: valid for age 0 and 1 only, also where
 * the 2-bit field and the 32-bit counter wrap around.
 */
static void test_age(void **state)
{
	static const struct {
		__u32 made, now;
		int want;
	} cases[] = {
		{ 1000, 1000, 0 },
		{ 1000, 1001, 0 },
		{ 1000, 1002, -SYNQ_COOKIE_EXPIRED },
		{ 1000, 1003, -SYNQ_COOKIE_EXPIRED },
		{ 1000, 1004, -SYNQ_COOKIE_BAD_MAC },	/* same low bits, other t */
		{ 1000, 999, -SYNQ_COOKIE_EXPIRED },	/* from the future */
		{ 3, 4, 0 },				/* low bits 11 -> 00 */
		{ 2, 4, -SYNQ_COOKIE_EXPIRED },
		{ 0xffffffff, 0, 0 },			/* the counter wraps */
		{ 0xfffffffe, 0, -SYNQ_COOKIE_EXPIRED },
		{ 0xffffffff, 1, -SYNQ_COOKIE_EXPIRED },
	};
	const struct family *f;
	size_t i;
	int err;

	(void)state;
	for (f = families; f < families + ARRAY_SIZE(families); f++) {
		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			struct made m = make_default(f, cases[i].made);

			err = check_default(&m, &key_a, m.cookie, cases[i].now);
			if (err != cases[i].want)
				fail_msg("%s: made at %u, checked at %u: %d, want %d", f->name,
					 cases[i].made, cases[i].now, err, cases[i].want);
		}
	}
}

/* The counter steps every 2^36 ns; a cookie lives between one and two steps. */
static void test_lifetime_seconds(void **state)
{
	const __u64 ns = 1000000000ULL, period = 1ULL << 36;
	const __u64 tai = 1795000000ULL * ns;	/* a TAI time in 2026 */
	static const struct {
		__u64 offset;		/* when in its period the SYN came */
		__u64 after_s;		/* seconds until the ACK */
		int valid;
	} cases[] = {
		{ 0, 0, 1 }, { 0, 68, 1 }, { 0, 137, 1 }, { 0, 138, 0 },
		{ 1ULL << 36, 0, 1 }, { (1ULL << 36) - 1, 68, 1 }, { (1ULL << 36) - 1, 69, 0 },
	};
	const struct family *f = &families[0];
	size_t i;

	(void)state;
	assert_int_equal(synq_time_counter(period - 1), 0);
	assert_int_equal(synq_time_counter(period), 1);
	assert_int_equal(synq_time_counter(~0ULL), 0xfffffff);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		__u64 syn = tai - tai % period + cases[i].offset;
		struct made m = make_default(f, synq_time_counter(syn));
		int err = check_default(&m, &key_a, m.cookie,
					synq_time_counter(syn + cases[i].after_s * ns));

		if ((err == 0) != cases[i].valid)
			fail_msg("case %zu: %llu s after the SYN: %d", i,
				 (unsigned long long)cases[i].after_s, err);
	}
}

/*
 * Rotation as the loader does it: the new key goes into the other slot, then the
 * current slot flips. A cookie names its slot, so it survives one rotation.
 */
static void test_rotation(void **state)
{
	struct synq_key keys[2] = { key_a, { 0, 0 } };
	const struct family *f;

	(void)state;
	for (f = families; f < families + ARRAY_SIZE(families); f++) {
		struct made m = make_default(f, NOW);	/* key_a, slot 0 */
		__u32 slot = synq_cookie_slot(m.cookie);

		keys[0] = key_a;
		assert_int_equal(check_default(&m, &keys[slot], m.cookie, NOW), 0);
		keys[1] = key_b;			/* first rotation: current = 1 */
		assert_int_equal(check_default(&m, &keys[slot], m.cookie, NOW + 1), 0);
		keys[0] = key_c;			/* second rotation: current = 0 */
		assert_int_equal(check_default(&m, &keys[slot], m.cookie, NOW + 1),
				 -SYNQ_COOKIE_BAD_MAC);
		/* the slot bit is under the MAC: claiming the other slot does not help */
		assert_int_equal(check_default(&m, &keys[!slot], m.cookie ^ 1U << 11, NOW),
				 -SYNQ_COOKIE_BAD_MAC);
	}
}

/* ---- key fingerprint ---- */

static void test_fingerprint(void **state)
{
	const char msg[] = "synq-fingerprint";

	(void)state;
	assert_int_equal(synq_key_fingerprint(&key_a),
			 (__u32)synq_siphash24(&key_a, msg, sizeof(msg) - 1));
	assert_int_equal(synq_key_fingerprint(&key_b),
			 (__u32)synq_siphash24(&key_b, msg, sizeof(msg) - 1));
	assert_int_not_equal(synq_key_fingerprint(&key_a), synq_key_fingerprint(&key_b));
}

static int setup(void **state)
{
	(void)state;
	flows_init();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_message_layout),
		cmocka_unit_test(test_mss_tables),
		cmocka_unit_test(test_mss_rounding),
		cmocka_unit_test(test_mss_path_mtus),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_ack_without_timestamp),
		cmocka_unit_test(test_timestamp_mismatch),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_flow_changed),
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_lifetime_seconds),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_fingerprint),
	};

	return cmocka_run_group_tests_name("cookie", tests, setup, NULL);
}
