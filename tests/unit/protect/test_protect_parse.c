// SPDX-License-Identifier: GPL-2.0
/* The loader's pure helpers: --ports lists, key files, window scale, MSS from MTU, closing tuples. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "protect/protect_parse.h"
#include "protect/timewait_seed.h"

static uint8_t ports[SYNQ_PORTS];

static void test_ports_list_and_ranges(void **state)
{
	char bad[32];

	(void)state;
	assert_int_equal(ports_parse("8080,8443,9000-9010", ports, bad, sizeof(bad)), 13);
	assert_true(ports[8080] && ports[8443] && ports[9000] && ports[9005] && ports[9010]);
	assert_false(ports[8081] || ports[8999] || ports[9011] || ports[0]);
	/* Overlaps count once; the extremes are allowed. */
	assert_int_equal(ports_parse("1,1-3,65535,2", ports, bad, sizeof(bad)), 4);
	assert_true(ports[1] && ports[3] && ports[65535]);
	assert_int_equal(ports_parse("1-65535", ports, bad, sizeof(bad)), 65535);
}

static void test_ports_rejects(void **state)
{
	static const char *const bad_specs[][2] = {
		{ "", "" }, { "0", "0" }, { "65536", "65536" }, { "80,", "" },
		{ ",80", "" }, { "80,,81", "" }, { "9010-9000", "9010-9000" },
		{ "80-", "80-" }, { "-80", "-80" }, { "1-2-3", "1-2-3" },
		{ "http", "http" }, { "80 ", "80 " }, { "+80", "+80" },
		{ "0080000", "0080000" }, { "443,8x", "8x" },
	};
	char bad[32];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_specs) / sizeof(bad_specs[0]); i++) {
		assert_int_equal(ports_parse(bad_specs[i][0], ports, bad, sizeof(bad)), -1);
		assert_string_equal(bad, bad_specs[i][1]);
	}
}

static void test_ports_format_round_trip(void **state)
{
	static const char *const specs[] = {
		"80", "80,443", "9000-9010", "1-3,5,7-8,65535", "22,8080,8443,9000-9010",
	};
	char buf[128];

	(void)state;
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		int n = ports_parse(specs[i], ports, buf, sizeof(buf));

		assert_int_equal(ports_format(ports, buf, sizeof(buf)), n);
		assert_string_equal(buf, specs[i]);
	}
	/* Unordered, overlapping input comes out compressed and sorted. */
	ports_parse("9003,9000-9002,80,81", ports, buf, sizeof(buf));
	ports_format(ports, buf, sizeof(buf));
	assert_string_equal(buf, "80-81,9000-9003");
	memset(ports, 0, sizeof(ports));
	assert_int_equal(ports_format(ports, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

/* Lists are never cut inside a number: whole elements, or all of the longest list. */
static void test_ports_format_uncut(void **state)
{
	static char big[SYNQ_PORTS_TEXT_MAX];
	char small[12];
	size_t len;
	int n = 0;

	(void)state;
	ports_parse("80,443,9000-9010", ports, small, sizeof(small));
	assert_int_equal(ports_format(ports, small, sizeof(small)), 13);
	assert_string_equal(small, "80,443");	/* ",9000-9010" did not fit: left out whole */
	assert_int_equal(ports_format(ports, small, 3), 13);
	assert_string_equal(small, "80");
	assert_int_equal(ports_format(ports, small, 2), 13);
	assert_string_equal(small, "");
	/* The longest list: two-port ranges with one-port gaps up to 65535. */
	memset(ports, 0, sizeof(ports));
	for (int p = 1; p + 1 < SYNQ_PORTS; p += 3, n += 2)
		ports[p] = ports[p + 1] = 1;
	assert_int_equal(ports_format(ports, big, sizeof(big)), n);
	len = strlen(big);
	assert_true(len < sizeof(big));
	assert_string_equal(big + len - 12, ",65533-65534");
}

static void test_key_hex(void **state)
{
	struct synq_key k;

	(void)state;
	/* SipHash's reference key 00 01 .. 0f: k0 = 0x0706050403020100, k1 = 0x0f0e0d0c0b0a0908. */
	assert_int_equal(key_parse_hex("000102030405060708090a0b0c0d0e0f\n", &k), 0);
	assert_int_equal(k.k0, 0x0706050403020100ULL);
	assert_int_equal(k.k1, 0x0f0e0d0c0b0a0908ULL);
	assert_int_equal(key_parse_hex("  FFEEDDCCBBAA99887766554433221100 \n\n", &k), 0);
	assert_int_equal(k.k0, 0x8899AABBCCDDEEFFULL);
	assert_int_equal(key_parse_hex("000102030405060708090a0b0c0d0e0", &k), -EINVAL);
	assert_int_equal(key_parse_hex("000102030405060708090a0b0c0d0e0f0", &k), -EINVAL);
	assert_int_equal(key_parse_hex("000102030405060708090a0b0c0d0e0g", &k), -EINVAL);
	assert_int_equal(key_parse_hex("0001020304050607 08090a0b0c0d0e0f", &k), -EINVAL);
	assert_int_equal(key_parse_hex("", &k), -EINVAL);
	assert_int_equal(key_parse_hex("0x0102030405060708090a0b0c0d0e0f", &k), -EINVAL);
}

static void test_rcv_wscale(void **state)
{
	(void)state;
	/* Debian defaults: tcp_rmem[2] 6 MiB, rmem_max 208 KiB -> ilog2(6291456) = 22 -> 7. */
	assert_int_equal(tcp_rcv_wscale(65483, 6291456, 212992), 7);
	/* rmem_max wins when larger: 32 MiB -> 25 -> 10. */
	assert_int_equal(tcp_rcv_wscale(65483, 6291456, 33554432), 10);
	assert_int_equal(tcp_rcv_wscale(0, 33554432, 4194304), 10);
	/* Just below a power of two stays on the lower scale. */
	assert_int_equal(tcp_rcv_wscale(0, (1L << 22) - 1, 0), 6);
	/* Small buffers: no scaling; huge ones: capped at 14 by the clamp. */
	assert_int_equal(tcp_rcv_wscale(0, 65535, 65535), 0);
	assert_int_equal(tcp_rcv_wscale(0, 4096, 4096), 0);
	assert_int_equal(tcp_rcv_wscale(0, 2147483647, 2147483647), 14);
}

static void test_mss_from_mtu(void **state)
{
	uint16_t v4, v6;

	(void)state;
	assert_int_equal(mss_from_mtu(1500, 0, &v4, &v6), 0);
	assert_int_equal(v4, 1460);
	assert_int_equal(v6, 1440);
	assert_int_equal(mss_from_mtu(9000, 0, &v4, &v6), 0);
	assert_int_equal(v4, 8960);
	assert_int_equal(v6, 8940);
	assert_int_equal(mss_from_mtu(1500, 1400, &v4, &v6), 0);
	assert_int_equal(v4, 1400);
	assert_int_equal(v6, 1400);
	/* A request between the two limits caps IPv6 at its own limit. */
	assert_int_equal(mss_from_mtu(1500, 1450, &v4, &v6), 0);
	assert_int_equal(v4, 1450);
	assert_int_equal(v6, 1440);
	assert_int_equal(mss_from_mtu(1500, 1461, &v4, &v6), -ERANGE);
	assert_int_equal(mss_from_mtu(65536, 0, &v4, &v6), 0);
	assert_int_equal(v4, 65495);
	assert_int_equal(mss_from_mtu(30, 0, &v4, &v6), -ERANGE);
}

/* Lines as the kernel prints them (its get_timewait4_sock() / get_timewait6_sock()). */
#define TW4 "   3: 010200C0:1F90 020200C0:9C41 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000\n"
#define TW6 "   0: B80D0120000000000000000001000000:1F90 B80D0120000000000000000002000000:9C42 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000\n"
#define TW6_MAPPED "   1: 0000000000000000FFFF0000010200C0:1F90 0000000000000000FFFF0000020200C0:9C43 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000\n"
#define EST4 "   4: 010200C0:1F90 020200C0:9C44 01 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 20 4 30 10 -1\n"
#define HEAD "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"

/* The flow synq_xdp parses from a client's packet, built here from the addresses' text. */
static void client_flow(int af, const char *client, unsigned int cport, const char *server,
			unsigned int sport, struct synq_flow_v6 *f)
{
	memset(f, 0, sizeof(*f));
	assert_int_equal(inet_pton(af, client, f->saddr), 1);
	assert_int_equal(inet_pton(af, server, f->daddr), 1);
	f->sport = htons(cport);
	f->dport = htons(sport);
}

/* LINE parses as a TIME_WAIT socket of CLIENT:CPORT on SERVER:8080 (family AF). */
static void expect_flow(const char *line, int v6, int af, const char *client, unsigned int cport,
			const char *server)
{
	struct synq_flow_v6 got, want;

	assert_int_equal(closing_parse_line(line, v6, ports, &got), 1);
	client_flow(af, client, cport, server, 8080, &want);
	assert_memory_equal(&got, &want, sizeof(want));
}

static void test_closing_lines(void **state)
{
	struct synq_flow_v6 got;

	(void)state;
	memset(ports, 0, sizeof(ports));
	ports[8080] = 1;
	expect_flow(TW4, 0, AF_INET, "192.0.2.2", 40001, "192.0.2.1");
	expect_flow(TW6, 1, AF_INET6, "2001:db8::2", 40002, "2001:db8::1");
	/* An IPv4 client of a dual-stack socket arrives as IPv4: the flow must be IPv4's. */
	expect_flow(TW6_MAPPED, 1, AF_INET, "192.0.2.2", 40003, "192.0.2.1");
	/* Not TIME_WAIT, not a protected port, the header, garbage, the wrong table. */
	assert_int_equal(closing_parse_line(EST4, 0, ports, &got), 0);
	ports[8080] = 0;
	ports[8081] = 1;
	assert_int_equal(closing_parse_line(TW4, 0, ports, &got), 0);
	assert_int_equal(closing_parse_line(HEAD, 0, ports, &got), 0);
	assert_int_equal(closing_parse_line("   0: 010200C0", 0, ports, &got), 0);
	assert_int_equal(closing_parse_line("", 1, ports, &got), 0);
	ports[8080] = 1;
	assert_int_equal(closing_parse_line(TW4, 1, ports, &got), 0);
}

/* Slots spread: distinct flows that differ in one field land in many slots. */
static void test_closing_slots_spread(void **state)
{
	static uint8_t hit[SYNQ_CLOSING_SLOTS];
	struct synq_flow_v6 f;
	unsigned int distinct = 0;

	(void)state;
	client_flow(AF_INET, "192.0.2.2", 0, "192.0.2.1", 8080, &f);
	for (unsigned int p = 0; p < 4096; p++) {
		f.sport = htons(32768 + p);
		uint32_t s = synq_closing_slot((const __u32 *)&f);

		assert_true(s < SYNQ_CLOSING_SLOTS);
		distinct += !hit[s];
		hit[s] = 1;
	}
	/* 4096 balls in 65536 bins: about 3970 distinct when uniform; sequential ports must not cluster. */
	assert_true(distinct > 3800);
}

/* A mark is fresh for its own time step and the next, never when empty. */
static void test_closing_tags(void **state)
{
	(void)state;
	for (uint32_t t = 0; t < 1000; t += 7) {
		uint8_t tag = synq_closing_tag(t);

		assert_true(tag != 0);
		assert_true(synq_closing_fresh(tag, t));
		assert_true(synq_closing_fresh(tag, t + 1));
		assert_false(synq_closing_fresh(tag, t + 2));
		assert_false(synq_closing_fresh(0, t));
	}
	/* Across the wrap of the tag (255 values) too. */
	assert_true(synq_closing_fresh(synq_closing_tag(254), 255));
	assert_true(synq_closing_fresh(synq_closing_tag(509), 510));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports_list_and_ranges),
		cmocka_unit_test(test_ports_rejects),
		cmocka_unit_test(test_ports_format_round_trip),
		cmocka_unit_test(test_ports_format_uncut),
		cmocka_unit_test(test_key_hex),
		cmocka_unit_test(test_rcv_wscale),
		cmocka_unit_test(test_mss_from_mtu),
		cmocka_unit_test(test_closing_lines),
		cmocka_unit_test(test_closing_slots_spread),
		cmocka_unit_test(test_closing_tags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
