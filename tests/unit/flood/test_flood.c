// SPDX-License-Identifier: GPL-2.0
/*
 * synq flood: the argument parsers, and the frame writer that the XDP program and
 * the AF_PACKET fallback share, checked against an independent byte-wise
 * checksum (RFC 1071) and header walk.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "flood/flood.h"

static void test_ipport(void **state)
{
	struct flood_addr a;

	(void)state;
	assert_int_equal(flood_parse_ipport("192.0.2.2:80", &a), 0);
	assert_int_equal(a.family, 4);
	assert_int_equal(a.port, 80);
	assert_memory_equal(a.addr, "\xc0\x00\x02\x02", 4);
	assert_int_equal(flood_parse_ipport("[2001:db8::2]:65535", &a), 0);
	assert_int_equal(a.family, 6);
	assert_int_equal(a.port, 65535);
	assert_int_equal(a.addr[0], 0x20);
	assert_int_equal(a.addr[15], 0x02);
	/* each of these is refused */
	static const char *const bad[] = {
		"192.0.2.2", "192.0.2.2:", "192.0.2.2:0", "192.0.2.2:65536", "192.0.2.2:-1",
		"192.0.2.2:+80", "192.0.2.2:8x", "2001:db8::2:80", "[2001:db8::2]80",
		"[192.0.2.2]:80", "[2001:db8::2:80", "host.example:80", ":80", "300.0.0.1:80",
		"[]:80",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (flood_parse_ipport(bad[i], &a) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
	}
}

static void test_cidr(void **state)
{
	struct flood_cidr c;

	(void)state;
	assert_int_equal(flood_parse_cidr("198.18.0.0/15", &c), 0);
	assert_int_equal(c.family, 4);
	assert_int_equal(c.prefix, 15);
	/* host bits are cleared: 198.19.7.9/15 is 198.18.0.0/15 */
	assert_int_equal(flood_parse_cidr("198.19.7.9/15", &c), 0);
	assert_memory_equal(c.addr, "\xc6\x12\x00\x00", 4);
	assert_int_equal(flood_parse_cidr("10.1.2.3", &c), 0);
	assert_int_equal(c.prefix, 32);
	assert_int_equal(flood_parse_cidr("2001:2::ff/48", &c), 0);
	assert_int_equal(c.family, 6);
	assert_int_equal(c.prefix, 48);
	assert_int_equal(c.addr[15], 0);
	assert_int_equal(flood_parse_cidr("::/0", &c), 0);
	assert_int_equal(c.prefix, 0);
	static const char *const bad[] = {
		"198.18.0.0/33", "198.18.0.0/", "198.18.0.0/-1", "198.18.0.0/+3", "/15",
		"198.18.0/15", "2001:2::/129", "nonsense", "198.18.0.0/15x", "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (flood_parse_cidr(bad[i], &c) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
	}
}

static void test_mac_and_options(void **state)
{
	uint8_t mac[6];

	(void)state;
	assert_int_equal(flood_parse_mac("02:00:5e:10:ab:FF", mac), 0);
	assert_memory_equal(mac, "\x02\x00\x5e\x10\xab\xff", 6);
	assert_int_equal(flood_parse_mac("02-00-5e-10-ab-ff", mac), 0);
	static const char *const bad[] = {
		"02:00:5e:10:ab", "02:00:5e:10:ab:ff:00", "02:00:5e:10:ab:fg", "2:0:5e:10:ab:ff",
		"02:00:5e:10:ab:f", "020:0:5e:10:ab:ff", "", "+2:00:5e:10:ab:ff",
		"06:\r0:00:00:00:01", "06: 0:00:00:00:01", "06:-0:00:00:00:01",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (flood_parse_mac(bad[i], mac) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
	}
	assert_int_equal(flood_parse_options("none"), FLOOD_OPT_NONE);
	assert_int_equal(flood_parse_options("linux"), FLOOD_OPT_LINUX);
	assert_int_equal(flood_parse_options("random"), FLOOD_OPT_RANDOM);
	assert_int_equal(flood_parse_options("Linux"), -EINVAL);
}

/* RFC 1071, byte by byte in network order: independent of the writer's word sums. */
static uint16_t ref_csum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* Walks the TCP options; returns 0 when they are well formed and end inside optlen. */
static int walk_options(const uint8_t *o, int optlen, int *mss)
{
	*mss = 0;
	for (int i = 0; i < optlen;) {
		if (o[i] == 0)
			return 0;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= optlen || o[i + 1] < 2 || i + o[i + 1] > optlen)
			return -1;
		if (o[i] == 2)
			*mss = o[i + 2] << 8 | o[i + 3];
		if (o[i] == 3 && o[i + 2] > 14)
			return -1;
		i += o[i + 1];
	}
	return 0;
}

/* Checks one frame: what the receiver sees must be a valid SYN from inside the CIDR. */
static void check_frame(const uint8_t *f, const struct flood_addr *dst,
			const struct flood_cidr *src, int options)
{
	int v6 = dst->family == 6, l4 = v6 ? FLOOD_L4_V6 : FLOOD_L4_V4;
	const uint8_t *ip = f + FLOOD_ETH_LEN, *t = f + l4;
	int tcplen = (t[12] >> 4) * 4, optlen = tcplen - 20, mss;
	uint32_t pseudo = 6 + tcplen;

	assert_int_equal(f[12] << 8 | f[13], v6 ? 0x86dd : 0x0800);
	if (v6) {
		assert_int_equal(ip[0] >> 4, 6);
		assert_int_equal(ip[4] << 8 | ip[5], tcplen);
		assert_int_equal(ip[6], 6);
		assert_memory_equal(ip + 24, dst->addr, 16);
		pseudo += ref_csum(ip + 8, 32, 0);
	} else {
		assert_int_equal(ip[0], 0x45);
		assert_int_equal(ip[2] << 8 | ip[3], 20 + tcplen);
		assert_int_equal(ip[9], 6);
		assert_int_equal(ref_csum(ip, 20, 0), 0xffff);
		assert_memory_equal(ip + 16, dst->addr, 4);
		pseudo += ref_csum(ip + 12, 8, 0);
	}
	/* the source lies inside the prefix */
	const uint8_t *sa = v6 ? ip + 8 : ip + 12;
	for (int b = 0; b < src->prefix; b++)
		assert_int_equal((sa[b / 8] ^ src->addr[b / 8]) & (0x80 >> (b % 8)), 0);
	assert_int_equal(t[2] << 8 | t[3], dst->port);
	assert_true((t[0] << 8 | t[1]) >= 1024);
	assert_int_equal(t[13], 0x02);		/* SYN alone */
	assert_int_equal(be32_at(t + 8), 0);	/* no ACK number */
	assert_int_equal(ref_csum(t, tcplen, pseudo), 0xffff);
	assert_int_equal(walk_options(t + 20, optlen, &mss), 0);
	if (options == FLOOD_OPT_NONE)
		assert_int_equal(optlen, 0);
	if (options == FLOOD_OPT_LINUX) {
		assert_int_equal(optlen, 20);
		assert_int_equal(mss, 1460);
	}
	if (optlen)
		assert_true(mss >= 536);
}

/* The frame is the packet: no padding but what a random option set leaves. */
static void check_length(const uint8_t *f, const struct flood_cfg *cfg, int options)
{
	const uint8_t *ip = f + FLOOD_ETH_LEN;
	int len = cfg->family == 4 ? FLOOD_ETH_LEN + (ip[2] << 8 | ip[3]) :
		  FLOOD_L4_V6 + (ip[4] << 8 | ip[5]);

	if (options == FLOOD_OPT_RANDOM)
		assert_true(len <= flood_frame_len(cfg));
	else
		assert_int_equal(len, flood_frame_len(cfg));
}

static void run_frames(const char *dst_s, const char *src_s, int options)
{
	static const uint8_t smac[6] = { 2, 0, 0, 0, 0, 1 }, dmac[6] = { 2, 0, 0, 0, 0, 2 };
	struct flood_addr dst;
	struct flood_cidr src;
	struct flood_cfg cfg;
	uint8_t frame[FLOOD_FRAME_MAX];
	uint32_t x = 12345;
	int lens[21] = { 0 };

	assert_int_equal(flood_parse_ipport(dst_s, &dst), 0);
	assert_int_equal(flood_parse_cidr(src_s, &src), 0);
	flood_cfg_init(&cfg, &dst, &src, smac, dmac, options);
	for (int i = 0; i < 2000; i++) {
		struct flood_rand r;
		uint32_t *w = (uint32_t *)&r;

		for (size_t k = 0; k < sizeof(r) / 4; k++) {
			x = x * 1103515245 + 12345;
			w[k] = x ^ (x >> 13) * 2654435761u;
		}
		/* dirty the buffer as the receiver may have: nothing of it may survive */
		memset(frame, 0xa5, sizeof(frame));
		flood_write(frame, &cfg, &r, flood_frame_len(&cfg));
		assert_memory_equal(frame, dmac, 6);
		assert_memory_equal(frame + 6, smac, 6);
		check_frame(frame, &dst, &src, options);
		check_length(frame, &cfg, options);
		lens[((frame[(dst.family == 4 ? FLOOD_L4_V4 : FLOOD_L4_V6) + 12] >> 4) * 4 - 20)]++;
	}
	/* random options use every option set */
	if (options == FLOOD_OPT_RANDOM)
		for (int l = 0; l <= 20; l += 4)
			if (l != 8 && l != 16)
				assert_true(lens[l] > 0);
}

static void test_frames_v4(void **state)
{
	(void)state;
	run_frames("192.0.2.2:80", "198.18.0.0/15", FLOOD_OPT_LINUX);
	run_frames("192.0.2.2:8080", "198.18.0.0/15", FLOOD_OPT_NONE);
	run_frames("192.0.2.2:443", "10.9.8.0/24", FLOOD_OPT_RANDOM);
	run_frames("192.0.2.2:1", "203.0.113.7/32", FLOOD_OPT_LINUX);
}

static void test_frames_v6(void **state)
{
	(void)state;
	run_frames("[2001:db8::2]:80", "2001:2::/48", FLOOD_OPT_LINUX);
	run_frames("[2001:db8::2]:80", "2001:2::/48", FLOOD_OPT_RANDOM);
	run_frames("[2001:db8::2]:65535", "::/0", FLOOD_OPT_NONE);
	run_frames("[2001:db8::2]:22", "2001:db8:1::5/128", FLOOD_OPT_LINUX);
}

/* Targets that are always refused, and the ranges that need no ownership flag. */
static void test_targets(void **state)
{
	static const char *const refused[] = {
		"0.0.0.0:80", "0.1.2.3:80", "224.0.0.1:80", "239.255.255.250:1900",
		"255.255.255.255:80", "[::]:80", "[ff02::1]:80", "[ff05::1:3]:547",
	};
	static const char *const fine[] = {
		"192.0.2.2:80", "8.8.8.8:53", "223.255.255.254:80", "240.0.0.1:80",
		"[2001:db8::2]:80", "[fe80::1]:80",
	};
	static const char *const private[] = {
		"10.0.0.0/8", "10.9.8.7/32", "172.31.0.0/16", "192.168.1.0/24", "100.64.0.0/10",
		"169.254.1.1", "127.0.0.1", "192.0.2.0/24", "198.51.100.7", "203.0.113.0/25",
		"198.18.0.0/15", "198.19.255.255", "fd00::/8", "fe80::1", "2001:db8::/32",
		"2001:2::/48", "3fff:1::/32", "::1",
	};
	static const char *const public[] = {
		"8.8.4.0/24", "172.32.0.0/16", "198.18.0.0/14", "10.0.0.0/7", "192.0.3.0/24",
		"0.0.0.0/0", "2606:4700::1", "2001:db8::/31", "::/0", "2001:2::/47",
	};
	struct flood_addr a;
	struct flood_cidr c;

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (flood_parse_ipport(refused[i], &a) || !flood_addr_refused(&a))
			fail_msg("'%s' was not refused", refused[i]);
	for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++)
		if (flood_parse_ipport(fine[i], &a) || flood_addr_refused(&a))
			fail_msg("'%s' was refused", fine[i]);
	for (size_t i = 0; i < sizeof(private) / sizeof(private[0]); i++)
		if (flood_parse_cidr(private[i], &c) || !flood_cidr_private(&c))
			fail_msg("'%s' is not private", private[i]);
	for (size_t i = 0; i < sizeof(public) / sizeof(public[0]); i++)
		if (flood_parse_cidr(public[i], &c) || flood_cidr_private(&c))
			fail_msg("'%s' counted as private", public[i]);
	assert_int_equal(flood_parse_cidr("198.18.0.0/15", &c), 0);
	assert_int_equal(flood_parse_ipport("198.19.1.2:80", &a), 0);
	assert_true(flood_cidr_contains(&c, 4, a.addr));
	assert_int_equal(flood_parse_ipport("198.20.0.1:80", &a), 0);
	assert_false(flood_cidr_contains(&c, 4, a.addr));
}

/* The verb's own argument checks: each bad input is refused (exit 2). */
static void test_args(void **state)
{
	struct flood_opts o;
	static const char *const bad[][10] = {
		{ "flood", "--iface", "a0", "--dst", "192.0.2.2:80", NULL },	/* unbounded */
		{ "flood", "--iface", "a0", "--dst", "192.0.2.2:80", "--rate", "0", NULL },
		{ "flood", "--dst", "192.0.2.2:80", "--count", "1", NULL },	/* no iface */
		{ "flood", "--iface", "a0", "--count", "1", NULL },		/* no dst */
		{ "flood", "-i", "a0", "-d", "192.0.2.2:80", "-c", "1", "--src", "2001:2::/48" },
		{ "flood", "-i", "a0", "-d", "192.0.2.2:80", "-t", "301", NULL },
		{ "flood", "-i", "a0", "-d", "192.0.2.2:80", "-c", "1", "--dst-mac", "zz" },
		{ "flood", "-i", "a0", "-d", "192.0.2.2:80", "-c", "1", "--dst-mac", "01:00:5e:00:00:01" },
		{ "flood", "-i", "a0", "-d", "192.0.2.2:80", "-c", "1", "--src", "192.0.2.0/24" },
		{ "flood", "-i", "a0", "-d", "224.0.0.1:80", "-c", "1", NULL },
		{ "flood", "-i", "a0", "-d", "[::]:80", "-c", "1", NULL },
	};
	const char *ok[] = { "flood", "-i", "a0", "-d", "[2001:db8::2]:80", "-t", "2", NULL };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int argc = 0;

		while (argc < 10 && bad[i][argc])
			argc++;
		optind = 1;
		if (flood_parse_args(argc, (char **)bad[i], &o) != 2)
			fail_msg("case %zu was accepted", i);
	}
	optind = 1;
	assert_int_equal(flood_parse_args(7, (char **)ok, &o), 0);
	assert_int_equal(o.src.family, 6);	/* the IPv6 default range */
	assert_int_equal(o.src.prefix, 48);
	assert_float_equal(o.duration, 2.0, 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipport),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_mac_and_options),
		cmocka_unit_test(test_frames_v4),
		cmocka_unit_test(test_frames_v6),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
