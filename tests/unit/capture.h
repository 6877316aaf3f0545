/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the code under test prints on stderr, for the unit tests to compare:
 * capture_begin(); call it; capture_end(); then look at `captured`. The code
 * prints through the stdio stream stderr, which is swapped for a memory stream.
 * Include after <cmocka.h>.
 */
#ifndef SYNQ_TEST_CAPTURE_H
#define SYNQ_TEST_CAPTURE_H

#include <stdio.h>
#include <string.h>

static char captured[512];
static FILE *capture_saved;

static inline void capture_begin(void)
{
	fflush(stderr);
	capture_saved = stderr;
	memset(captured, 0, sizeof(captured));
	stderr = fmemopen(captured, sizeof(captured) - 1, "w");
	assert_non_null(stderr);
}

static inline void capture_end(void)
{
	fclose(stderr);
	stderr = capture_saved;
}

#endif
