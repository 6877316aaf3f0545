// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: closing_parse_line(), one line of /proc/net/tcp or tcp6 as
 * the attach-time TIME_WAIT seeding reads it. The first byte picks the table.
 * Property: a line it accepts names a protected local port, as the client's
 * destination.
 */
#include <arpa/inet.h>
#include "fuzz.h"
#include "protect/timewait_seed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t ports[SYNQ_PORTS];
	static char buf[FUZZ_TEXT_MAX];
	struct synq_flow_v6 flow;
	const char *line;
	int v6;

	if (!ports[0])		/* every third port protected */
		for (int p = 0; p < SYNQ_PORTS; p += 3)
			ports[p] = 1;
	if (size < 1)
		return 0;
	v6 = data[0] & 1;
	line = fuzz_text(data + 1, size - 1, buf);
	if (closing_parse_line(line, v6, ports, &flow) == 1)
		FUZZ_ASSERT(ports[ntohs(flow.dport)], "a TIME_WAIT line on an unprotected port", line);
	return 0;
}
