// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: synq flood's address arguments, flood_parse_ipport()
 * (--dst ADDR:PORT, [ADDR6]:PORT), flood_parse_cidr() (--src NET/BITS) and
 * flood_parse_mac() (--dst-mac). The first byte picks the parser. Properties:
 * ports 1..65535, prefixes within the family with the host bits clear, and a
 * MAC that prints as its digits.
 */
#include <ctype.h>
#include "fuzz.h"
#include "flood/flood.h"

static void check_ipport(const char *s)
{
	struct flood_addr a;

	if (flood_parse_ipport(s, &a))
		return;
	FUZZ_ASSERT(a.family == 4 || a.family == 6, "no family", s);
	FUZZ_ASSERT(a.port >= 1, "port 0", s);
}

static void check_cidr(const char *s)
{
	struct flood_cidr c;
	int bits, i;

	if (flood_parse_cidr(s, &c))
		return;
	bits = c.family == 4 ? 32 : 128;
	FUZZ_ASSERT((c.family == 4 || c.family == 6) && c.prefix >= 0 && c.prefix <= bits,
		    "a prefix outside its family", s);
	for (i = c.prefix; i < bits; i++)
		FUZZ_ASSERT(!(c.addr[i / 8] & (0x80 >> (i % 8))), "a host bit left set", s);
}

static void check_mac(const char *s)
{
	uint8_t mac[6];
	char back[3];
	int i;

	if (flood_parse_mac(s, mac))
		return;
	for (i = 0; i < 6; i++) {
		snprintf(back, sizeof(back), "%02x", mac[i]);
		FUZZ_ASSERT(tolower((unsigned char)s[3 * i]) == back[0] &&
			    tolower((unsigned char)s[3 * i + 1]) == back[1],
			    "the MAC does not print as its digits", s);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[FUZZ_TEXT_MAX];
	const char *s;

	if (size < 1)
		return 0;
	s = fuzz_text(data + 1, size - 1, buf);
	switch (data[0] % 3) {
	case 0:
		check_ipport(s);
		break;
	case 1:
		check_cidr(s);
		break;
	default:
		check_mac(s);
	}
	return 0;
}
