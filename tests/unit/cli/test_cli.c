// SPDX-License-Identifier: GPL-2.0
/* The shared command-line helpers: strict numbers, one line naming a bad flag or value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "capture.h"

static void test_parse_uint_accepts_bounds(void **state)
{
	unsigned int v = 0;

	(void)state;
	assert_int_equal(cli_parse_uint("serve", "--port", "1", 1, 65535, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(cli_parse_uint("serve", "--port", "65535", 1, 65535, &v), 0);
	assert_int_equal(v, 65535);
}

static void test_parse_uint_rejects_and_names(void **state)
{
	static const char *const bad[] = {
		"", "0", "65536", "-1", "+5", "12x", "x", " 8", "8 ", "99999999999999999999999",
	};
	unsigned int v = 77;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		capture_begin();
		int rc = cli_parse_uint("serve", "--port", bad[i], 1, 65535, &v);
		capture_end();
		assert_int_equal(rc, -1);
		assert_int_equal(v, 77);	/* the output is untouched on error */
		assert_non_null(strstr(captured, "synq serve: --port: '"));
		assert_non_null(strstr(captured, bad[i]));
		/* exactly one line */
		assert_int_equal(strchr(captured, '\n') - captured + 1, (long)strlen(captured));
	}
}

static void test_parse_seconds(void **state)
{
	double s = 0;

	(void)state;
	assert_int_equal(cli_parse_seconds("watch", "--interval", "0.5", 0.1, 60, &s), 0);
	assert_float_equal(s, 0.5, 0.01);
	static const char *const bad[] = { "0", "61", "nan", "inf", "1s", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		capture_begin();
		assert_int_equal(cli_parse_seconds("watch", "--interval", bad[i], 0.1, 60, &s), -1);
		capture_end();
		assert_non_null(strstr(captured, "synq watch: --interval:"));
	}
}

static const struct option longopts[] = {
	{ "port", required_argument, NULL, 'p' },
	{ "quiet", no_argument, NULL, 'q' },
	{ 0 },
};

static int getopt_all(int argc, char **argv)
{
	struct cli_seen seen = {};
	int opt, last = 0;

	optind = 1;
	while ((opt = cli_getopt("serve", argc, argv, "p:q", longopts, &seen)) != -1)
		last = opt;
	return last;
}

/* An unknown flag, a missing value, a flag given twice (short or long): one line naming it. */
static void test_getopt_bad_flag_named(void **state)
{
	static const struct {
		int argc;
		const char *words[6];
		const char *line;
	} cases[] = {
		{ 3, { "serve", "--quiet", "--bogus" }, "synq serve: unknown option '--bogus'\n" },
		{ 2, { "serve", "--port" }, "synq serve: option '--port' needs a value\n" },
		{ 5, { "serve", "--port", "80", "-p", "81" },
		  "synq serve: --port given twice (give each flag once)\n" },
		{ 3, { "serve", "-q", "--quiet" },
		  "synq serve: --quiet given twice (give each flag once)\n" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[6] = {};

		memcpy(argv, cases[i].words, sizeof(cases[i].words));
		capture_begin();
		int last = getopt_all(cases[i].argc, argv);
		capture_end();
		assert_int_equal(last, '?');
		assert_string_equal(captured, cases[i].line);
	}
}

static void test_getopt_good_flags(void **state)
{
	char *argv[] = { "serve", "-q", "--port", "80", NULL };
	int seen_p = 0, seen_q = 0, opt;
	struct cli_seen seen = {};

	(void)state;
	optind = 1;
	while ((opt = cli_getopt("serve", 4, argv, "p:q", longopts, &seen)) != -1) {
		seen_p += opt == 'p' && strcmp(optarg, "80") == 0;
		seen_q += opt == 'q';
	}
	assert_int_equal(seen_p, 1);
	assert_int_equal(seen_q, 1);
	assert_int_equal(cli_no_extra_args("serve", 4, argv), 0);
}

/* A flag listed as repeatable comes back every time, for the verb to merge. */
static void test_getopt_repeatable_returned(void **state)
{
	char *argv[] = { "serve", "-p", "80", "--port", "81", NULL };
	struct cli_seen seen = { .repeatable = "p" };
	int n = 0, opt;

	(void)state;
	optind = 1;
	while ((opt = cli_getopt("serve", 5, argv, "p:q", longopts, &seen)) != -1)
		n += opt == 'p';
	assert_int_equal(n, 2);
}

static void test_extra_args_named(void **state)
{
	char *argv[] = { "serve", "stray", NULL };

	(void)state;
	optind = 1;
	capture_begin();
	assert_int_equal(cli_no_extra_args("serve", 2, argv), -1);
	capture_end();
	assert_string_equal(captured, "synq serve: unexpected argument 'stray'\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_uint_accepts_bounds),
		cmocka_unit_test(test_parse_uint_rejects_and_names),
		cmocka_unit_test(test_parse_seconds),
		cmocka_unit_test(test_getopt_bad_flag_named),
		cmocka_unit_test(test_getopt_good_flags),
		cmocka_unit_test(test_getopt_repeatable_returned),
		cmocka_unit_test(test_extra_args_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
