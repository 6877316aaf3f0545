// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the text synq attach reads, key_parse_hex() (a key file,
 * 32 hex digits) and ports_parse() (--ports "80,443,8000-8100"). The first byte
 * picks the parser. Properties: a key read back prints as the digits it came
 * from; a port list formatted and parsed again is the same set.
 */
#include <ctype.h>
#include "fuzz.h"
#include "protect/protect_parse.h"

static void check_key(const char *text)
{
	struct synq_key key;
	char hex[33], want[33];
	const char *s = text;
	int i;

	if (key_parse_hex(text, &key))
		return;
	while (isspace((unsigned char)*s))
		s++;
	for (i = 0; i < 32; i++)
		want[i] = tolower((unsigned char)s[i]);
	want[32] = '\0';
	for (i = 0; i < 16; i++)	/* the file's bytes are k0, then k1, each little-endian */
		snprintf(hex + 2 * i, 3, "%02x",
			 (unsigned int)((i < 8 ? key.k0 : key.k1) >> (8 * (i % 8))) & 0xff);
	FUZZ_ASSERT(!strcmp(hex, want), "the key does not print as its digits", text);
}

static void check_ports(const char *text)
{
	static uint8_t a[SYNQ_PORTS], b[SYNQ_PORTS];
	static char list[1 << 19];
	char bad[64];
	int n;

	n = ports_parse(text, a, bad, sizeof(bad));
	if (n < 0)
		return;
	FUZZ_ASSERT(!a[0], "port 0 accepted", text);
	FUZZ_ASSERT(ports_format(a, list, sizeof(list)) == n, "format counts other ports", text);
	FUZZ_ASSERT(ports_parse(list, b, bad, sizeof(bad)) == n && !memcmp(a, b, sizeof(a)),
		    "the formatted list parses to another set", text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[FUZZ_TEXT_MAX];

	if (size < 1)
		return 0;
	if (data[0] & 1)
		check_ports(fuzz_text(data + 1, size - 1, buf));
	else
		check_key(fuzz_text(data + 1, size - 1, buf));
	return 0;
}
