/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the libFuzzer targets in tests/fuzz/: the input as a C string, and
 * a property check that stops the run (libFuzzer then saves the input).
 */
#ifndef SYNQ_FUZZ_H
#define SYNQ_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_TEXT_MAX 4096

/* data[0..size) as a NUL-terminated string (cut at the first NUL, as C would read it). */
static inline const char *fuzz_text(const uint8_t *data, size_t size, char *buf)
{
	if (size >= FUZZ_TEXT_MAX)
		size = FUZZ_TEXT_MAX - 1;
	memcpy(buf, data, size);
	buf[size] = '\0';
	return buf;
}

/* Says which property broke, on what input (non-printable bytes as \xNN), and stops. */
static inline void fuzz_broken(const char *what, const char *input)
{
	fprintf(stderr, "fuzz: property broken: %s, on \"", what);
	for (; *input; input++)
		fprintf(stderr, *input >= 0x20 && *input < 0x7f ? "%c" : "\\x%02x",
			(unsigned char)*input);
	fprintf(stderr, "\"\n");
	abort();
}

#define FUZZ_ASSERT(cond, what, input)			\
	do {						\
		if (!(cond))				\
			fuzz_broken(what, input);	\
	} while (0)

#endif /* SYNQ_FUZZ_H */
