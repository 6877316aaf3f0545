// SPDX-License-Identifier: GPL-2.0
/* synq serve's options: the defaults, good values, and one line naming every bad one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "serve/serve.h"
#include "capture.h"

/* Parse "serve ARGS..." (NULL-terminated) with stderr caught in captured[]. */
static int parse(struct serve_opts *o, ...)
{
	char *argv[32] = { "serve" };
	int argc = 1, rc;
	va_list ap;

	va_start(ap, o);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	capture_begin();
	rc = serve_parse(argc, argv, o);
	capture_end();
	return rc;
}

static void test_defaults(void **state)
{
	struct serve_opts o;

	(void)state;
	assert_int_equal(parse(&o, NULL), 0);
	assert_string_equal(captured, "");
	assert_string_equal(o.cfg.bind, "127.0.0.1");
	assert_int_equal(o.cfg.port, 8080);
	assert_int_equal(o.cfg.backlog, 128);
	assert_int_equal(o.cfg.workers, 1);
	assert_false(o.cfg.reuseport);
	assert_false(o.cfg.pause_accept);
	assert_int_equal(o.cfg.accept_delay_ms, 0);
	assert_int_equal(o.cfg.max_conns, 0);
	assert_false(o.stats);
	assert_string_equal(o.reply, "http");
	assert_ptr_equal(o.cfg.handler, synq_http_handler);
}

static void test_good_values(void **state)
{
	struct serve_opts o;

	(void)state;
	assert_int_equal(parse(&o, "--bind", "::1", "--port", "0", "--backlog", "8",
			       "--workers", "4", "--reuseport", "--reply", "echo",
			       "--accept-delay", "250", "--pause-accept", "--max-conns", "10",
			       "--stats", NULL), 0);
	assert_string_equal(o.cfg.bind, "::1");
	assert_int_equal(o.cfg.port, 0);
	assert_int_equal(o.cfg.backlog, 8);
	assert_int_equal(o.cfg.workers, 4);
	assert_true(o.cfg.reuseport);
	assert_ptr_equal(o.cfg.handler, synq_echo_handler);
	assert_int_equal(o.cfg.accept_delay_ms, 250);
	assert_true(o.cfg.pause_accept);
	assert_int_equal(o.cfg.max_conns, 10);
	assert_true(o.stats);
	/* Brackets as in URLs, and a wildcard, are addresses too. */
	assert_int_equal(parse(&o, "--bind", "[::1]", NULL), 0);
	assert_int_equal(parse(&o, "--bind", "0.0.0.0", "--backlog", "0", NULL), 0);
	assert_int_equal(o.cfg.backlog, 0);
}

static const struct {
	const char *flag, *value;
	const char *says;	/* the message must contain this */
} bad[] = {
	{ "--port", "65536", "synq serve: --port: '65536' is not a whole number from 0 to 65535" },
	{ "--port", "http", "synq serve: --port: 'http'" },
	{ "--port", "-1", "synq serve: --port: '-1'" },
	{ "--backlog", "-1", "synq serve: --backlog: '-1' is not a whole number" },
	{ "--backlog", "2147483648", "synq serve: --backlog: '2147483648'" },
	{ "--workers", "0", "synq serve: --workers: '0' is not a whole number from 1 to 256" },
	{ "--workers", "257", "synq serve: --workers: '257'" },
	{ "--reply", "json", "synq serve: --reply: 'json' is not http or echo" },
	{ "--reply", "", "synq serve: --reply: '' is not http or echo" },
	{ "--bind", "300.1.1.1", "synq serve: --bind: '300.1.1.1' is not an IPv4 or IPv6 address" },
	{ "--bind", "localhost", "synq serve: --bind: 'localhost' is not an IPv4 or IPv6 address" },
	{ "--bind", "::1::2", "synq serve: --bind: '::1::2'" },
	{ "--bind", "", "synq serve: --bind: ''" },
	{ "--accept-delay", "60001", "synq serve: --accept-delay: '60001'" },
	{ "--accept-delay", "1.5", "synq serve: --accept-delay: '1.5'" },
	{ "--max-conns", "0", "synq serve: --max-conns: '0' is not a whole number from 1" },
};

static void assert_one_line(void)
{
	char *nl = strchr(captured, '\n');

	assert_non_null(nl);
	assert_int_equal(nl - captured + 1, (long)strlen(captured));
}

static void test_bad_values(void **state)
{
	struct serve_opts o;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(&o, bad[i].flag, bad[i].value, NULL);

		if (rc != EXIT_USAGE || !strstr(captured, bad[i].says))
			fail_msg("%s '%s': rc %d, said \"%s\"", bad[i].flag, bad[i].value, rc,
				 captured);
		assert_one_line();
	}
}

static void test_bad_flags(void **state)
{
	struct serve_opts o;

	(void)state;
	assert_int_equal(parse(&o, "--bogus", NULL), EXIT_USAGE);
	assert_non_null(strstr(captured, "synq serve: unknown option '--bogus'"));
	assert_one_line();
	assert_int_equal(parse(&o, "--port", NULL), EXIT_USAGE);
	assert_non_null(strstr(captured, "synq serve: option '--port' needs a value"));
	assert_one_line();
	assert_int_equal(parse(&o, "--port", "80", "extra", NULL), EXIT_USAGE);
	assert_non_null(strstr(captured, "synq serve: unexpected argument 'extra'"));
	assert_one_line();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_good_values),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_bad_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
