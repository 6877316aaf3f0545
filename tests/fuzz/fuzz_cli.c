// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: cli_parse_u64(), every numeric CLI argument. The first 16
 * bytes are the bounds, the rest the argument. Property: an accepted number is
 * within the bounds and is the argument's digits (leading zeros aside).
 * Run with -close_fd_mask=2: each refusal prints its one-line message.
 */
#include <inttypes.h>
#include "fuzz.h"
#include "cli/cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[FUZZ_TEXT_MAX];
	uint64_t min, max, v;
	const char *arg, *digits;
	char back[32];

	if (size < 16)
		return 0;
	memcpy(&min, data, 8);
	memcpy(&max, data + 8, 8);
	if (data[0] & 1) {	/* mostly small bounds, as the verbs use */
		min %= 1000;
		max = min + max % 100000;
	}
	arg = fuzz_text(data + 16, size - 16, buf);
	if (cli_parse_u64("fuzz", "--n", arg, min, max, &v))
		return 0;
	FUZZ_ASSERT(v >= min && v <= max, "a number outside its bounds", arg);
	for (digits = arg; digits[0] == '0' && digits[1]; digits++)
		;
	snprintf(back, sizeof(back), "%" PRIu64, v);
	FUZZ_ASSERT(!strcmp(back, digits), "the number is not the argument's digits", arg);
	return 0;
}
