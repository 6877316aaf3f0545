// SPDX-License-Identifier: GPL-2.0
/* The loader's pure helpers: --ports lists, key files, window scale, MSS from MTU. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "loader.h"

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

static void test_key_hex(void **state)
{
	struct synq_key k;

	(void)state;
	/* SipHash's reference key 00 01 .. 0f: k0 = 0x0706050403020100, k1 = 0x0f0e0d0c0b0a0908. */
	assert_int_equal(key_parse_hex("000102030405060708090a0b0c0d0e0f\n", &k), 0);
	assert_true(k.k0 == 0x0706050403020100ULL);
	assert_true(k.k1 == 0x0f0e0d0c0b0a0908ULL);
	assert_int_equal(key_parse_hex("  FFEEDDCCBBAA99887766554433221100 \n\n", &k), 0);
	assert_true(k.k0 == 0x8899AABBCCDDEEFFULL);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports_list_and_ranges),
		cmocka_unit_test(test_ports_rejects),
		cmocka_unit_test(test_ports_format_round_trip),
		cmocka_unit_test(test_key_hex),
		cmocka_unit_test(test_rcv_wscale),
		cmocka_unit_test(test_mss_from_mtu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
