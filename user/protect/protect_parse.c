// SPDX-License-Identifier: GPL-2.0
/* The loader's pure helpers: ports, keys, window scale, MSS (see loader.h). */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protect/protect_parse.h"

/* One decimal port 1..65535 spanning [s, e); -1 otherwise. */
static long parse_port(const char *s, const char *e)
{
	long v = 0;

	if (s == e || e - s > 5)
		return -1;
	for (; s < e; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v >= 1 && v <= 65535 ? v : -1;
}

/* One element "P" or "LOW-HIGH" spanning [s, e): marks it; -1 when malformed. */
static int parse_element(const char *s, const char *e, uint8_t *ports)
{
	const char *dash = memchr(s, '-', e - s);
	long lo, hi;

	lo = parse_port(s, dash ? dash : e);
	hi = dash ? parse_port(dash + 1, e) : lo;
	if (lo < 0 || hi < 0 || lo > hi)
		return -1;
	for (long p = lo; p <= hi; p++)
		ports[p] = 1;
	return 0;
}

int ports_parse(const char *spec, uint8_t *ports, char *bad, size_t badlen)
{
	const char *s = spec, *e;
	int n = 0;

	memset(ports, 0, SYNQ_PORTS);
	do {
		e = strchrnul(s, ',');
		if (parse_element(s, e, ports)) {
			snprintf(bad, badlen, "%.*s", (int)(e - s), s);
			return -1;
		}
		s = e + 1;
	} while (*e);
	for (int p = 1; p < SYNQ_PORTS; p++)
		n += ports[p] != 0;
	return n;
}

int ports_format(const uint8_t *ports, char *buf, size_t len)
{
	size_t used = 0;
	bool full = false;
	int n = 0, w;

	if (len)
		buf[0] = '\0';
	for (int p = 1; p < SYNQ_PORTS; p++) {
		int q = p;

		if (!ports[p])
			continue;
		while (q + 1 < SYNQ_PORTS && ports[q + 1])
			q++;
		n += q - p + 1;
		if (!full) {
			w = snprintf(buf + used, len - used, q > p ? "%s%d-%d" : "%s%d",
				     used ? "," : "", p, q);
			full = used + w >= len;
			if (!full)
				used += w;
			else if (len)
				buf[used] = '\0';	/* the element that did not fit goes whole */
		}
		p = q;
	}
	return n;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int key_parse_hex(const char *text, struct synq_key *key)
{
	uint8_t b[16];
	const char *s = text;
	int i;

	while (isspace((unsigned char)*s))
		s++;
	for (i = 0; i < 32; i++) {
		int v = hexval((unsigned char)s[i]);

		if (v < 0)
			return -EINVAL;
		if (i % 2 == 0)
			b[i / 2] = v << 4;
		else
			b[i / 2] |= v;
	}
	for (s += 32; *s; s++)
		if (!isspace((unsigned char)*s))
			return -EINVAL;
	key->k0 = key->k1 = 0;
	for (i = 7; i >= 0; i--) {
		key->k0 = key->k0 << 8 | b[i];
		key->k1 = key->k1 << 8 | b[8 + i];
	}
	return 0;
}

static int ilog2_ul(unsigned long v)
{
	return v ? 63 - __builtin_clzl(v) : -1;
}

uint8_t tcp_rcv_wscale(long space, long tcp_rmem_max, long core_rmem_max)
{
	/* The kernel's window_clamp when nothing limits it: U16_MAX << TCP_MAX_WSCALE. */
	const unsigned long clamp = 65535UL << 14;
	unsigned long s = space > 0 ? (unsigned long)space : 0;
	int ws;

	s = s < clamp ? s : clamp;
	/* The kernel does these max() in u32; the sysctls are ints, so nothing overflows. */
	if (tcp_rmem_max > 0 && (unsigned long)tcp_rmem_max > s)
		s = tcp_rmem_max;
	if (core_rmem_max > 0 && (unsigned long)core_rmem_max > s)
		s = core_rmem_max;
	s = s < clamp ? s : clamp;
	ws = ilog2_ul(s) - 15;
	return ws < 0 ? 0 : ws > 14 ? 14 : ws;
}

int mss_from_mtu(unsigned int mtu, unsigned int want, uint16_t *mss_v4, uint16_t *mss_v6)
{
	/* IPv4 + TCP headers, IPv6 + TCP headers, as the kernel's advmss subtracts them. */
	unsigned int max4 = mtu > 40 ? mtu - 40 : 0, max6 = mtu > 60 ? mtu - 60 : 0;

	if (max4 > 65495)
		max4 = 65495;
	if (max6 > 65475)
		max6 = 65475;
	if (want > max4 || max4 == 0)
		return -ERANGE;
	*mss_v4 = want ? want : max4;
	*mss_v6 = want && want < max6 ? want : max6;
	return 0;
}
