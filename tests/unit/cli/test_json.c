// SPDX-License-Identifier: GPL-2.0
/*
 * The one JSON writer (user/cli/json.h): every string a strict parser accepts
 * (quotes, backslashes, control characters and bytes that are not UTF-8
 * escaped; valid UTF-8 passed through), commas placed by the writer, numbers
 * and times in one format. The expected text is written out by hand from RFC
 * 8259, not taken from the writer.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli/json.h"

static char *buf;
static size_t len;

static struct json *start(void)
{
	static struct json j;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	json_start(&j, f);
	return &j;
}

/* Close the stream and compare everything written with want. */
static void expect(struct json *j, const char *want)
{
	fclose(j->out);
	assert_string_equal(buf, want);
	free(buf);
	buf = NULL;
}

static void string_is(const char *s, size_t n, const char *want)
{
	struct json *j = start();

	json_string_len(j, NULL, s, n);
	expect(j, want);
}

static void test_escapes(void **state)
{
	(void)state;
	string_is("plain", 5, "\"plain\"");
	string_is("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	string_is("\n\t\r\x01\x1f\x7f", 6, "\"\\u000a\\u0009\\u000d\\u0001\\u001f\\u007f\"");
	/* A NUL inside the given length is a character too. */
	string_is("a\0b", 3, "\"a\\u0000b\"");
	/* Bytes that are not UTF-8: each one as the code point of its value. */
	string_is("\xff\xfe", 2, "\"\\u00ff\\u00fe\"");
	string_is("x\xffy", 3, "\"x\\u00ffy\"");
	string_is("/", 1, "\"/\"");
}

static void test_utf8(void **state)
{
	(void)state;
	/* Valid UTF-8 passes through unchanged: 2, 3 and 4 byte sequences. */
	string_is("\xc3\xa9", 2, "\"\xc3\xa9\"");
	string_is("\xe2\x82\xac", 3, "\"\xe2\x82\xac\"");
	string_is("\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"");
	/* Overlong, a UTF-16 surrogate, past U+10FFFF, cut short: not UTF-8. */
	string_is("\xc0\xaf", 2, "\"\\u00c0\\u00af\"");
	string_is("\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\"");
	string_is("\xf4\x90\x80\x80", 4, "\"\\u00f4\\u0090\\u0080\\u0080\"");
	string_is("\xe2\x82", 2, "\"\\u00e2\\u0082\"");
	/* A process name as a listener's owner might have it. */
	string_is("\xff\xfe\"q\"\x07", 6, "\"\\u00ff\\u00fe\\\"q\\\"\\u0007\"");
}

static void test_structure(void **state)
{
	struct json *j = start();

	(void)state;
	json_object_open(j, NULL);
	json_string(j, "a", "x");
	json_array_open(j, "list");
	json_u64(j, NULL, 1);
	json_object_open(j, NULL);
	json_object_close(j);
	json_array_open(j, NULL);
	json_array_close(j);
	json_null(j, NULL);
	json_array_close(j);
	json_object_open(j, "o\"k");
	json_bool(j, "t", true);
	json_bool(j, "f", false);
	json_object_close(j);
	json_object_close(j);
	json_finish(j);
	expect(j, "{\"a\":\"x\",\"list\":[1,{},[],null],\"o\\\"k\":{\"t\":true,\"f\":false}}\n");
}

static void test_numbers(void **state)
{
	struct json *j = start();

	(void)state;
	json_array_open(j, NULL);
	json_u64(j, NULL, UINT64_MAX);
	json_i64(j, NULL, INT64_MIN);
	json_double(j, NULL, 1.5, 3);
	json_double(j, NULL, 2.0, 3);
	json_double(j, NULL, 0.1234, 2);
	json_double(j, NULL, -0.0001, 2);
	json_double(j, NULL, 100.0, 0);
	json_double(j, NULL, NAN, 3);
	json_double(j, NULL, INFINITY, 3);
	json_array_close(j);
	expect(j, "[18446744073709551615,-9223372036854775808,1.5,2,0.12,0,100,null,null]");
}

static void test_time(void **state)
{
	struct json *j = start();

	(void)state;
	json_object_open(j, NULL);
	json_time(j, "time", 0);
	json_time(j, "t2", 1796290200);
	json_object_close(j);
	expect(j, "{\"time\":\"1970-01-01T00:00:00Z\",\"t2\":\"2026-12-03T09:30:00Z\"}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
