// SPDX-License-Identifier: GPL-2.0
/* `synq attach` flags: what they set, and one line naming each bad one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "protect/loader.h"
#include "protect/attach.h"
#include "capture.h"

static uint8_t ports[SYNQ_PORTS];

/* Run the parser on a NULL-terminated word list; its stderr into captured. */
static int parse(struct attach_opts *o, struct synq_key *key, char **argv)
{
	int argc = 0, rc;

	while (argv[argc])
		argc++;
	memset(o, 0, sizeof(*o));
	optind = 1;
	capture_begin();
	rc = attach_parse_args(argc, argv, o, ports, key);
	capture_end();
	return rc;
}

static void test_good_flags(void **state)
{
	char *argv[] = { "attach", "eth0", "--ports", "80,9000-9002", "--xdp-mode", "generic",
			 "--mss", "1400", "--replace", NULL };
	struct attach_opts o;
	struct synq_key key;

	(void)state;
	assert_int_equal(parse(&o, &key, argv), EXIT_OK);
	assert_string_equal(o.iface, "eth0");
	assert_int_equal(o.mode, XDP_REQ_GENERIC);
	assert_int_equal(o.mss, 1400);
	assert_true(o.replace && !o.pass_only && !o.key);
	assert_true(ports[80] && ports[9000] && ports[9002] && !ports[81]);
	assert_string_equal(captured, "");
}

static void test_key_file(void **state)
{
	char path[] = "/tmp/synq-test-key.XXXXXX";
	int fd = mkstemp(path);
	char *argv[] = { "attach", "--key-file", path, "--ports", "80", "eth0", NULL };
	struct attach_opts o;
	struct synq_key key;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "00112233445566778899aabbccddeeff\n", 33), 33);
	close(fd);
	assert_int_equal(parse(&o, &key, argv), EXIT_OK);
	assert_ptr_equal(o.key, &key);
	assert_int_equal(key.k0, 0x7766554433221100ULL);
	assert_int_equal(key.k1, 0xffeeddccbbaa9988ULL);
	assert_string_equal(captured, "");	/* mkstemp made it 0600: no warning */
	unlink(path);
}

static void test_bad_flags_one_line(void **state)
{
	static const struct {
		const char *words[10];
		const char *line;
	} cases[] = {
		{ { "attach", "eth0", "--frobnicate", "--ports", "80" },
		  "synq attach: unknown option '--frobnicate'\n" },
		{ { "attach", "eth0", "--ports" }, "synq attach: option '--ports' needs a value\n" },
		{ { "attach", "eth0", "--ports", "70000" },
		  "synq attach: --ports: '70000' is not a port or range (1-65535, LOW-HIGH, "
		  "comma-separated)\n" },
		{ { "attach", "eth0", "--ports", "80,x-9" },
		  "synq attach: --ports: 'x-9' is not a port or range (1-65535, LOW-HIGH, "
		  "comma-separated)\n" },
		{ { "attach", "eth0", "--ports", "80", "--xdp-mode", "fast" },
		  "synq attach: --xdp-mode: 'fast' is not auto, native or generic\n" },
		{ { "attach", "eth0", "--ports", "80", "--mss", "1400", "--mss", "1300" },
		  "synq attach: --mss given twice (give each flag once)\n" },
		{ { "attach", "eth0", "--ports", "80", "--xdp-mode", "native", "--xdp-mode",
		    "generic" },
		  "synq attach: --xdp-mode given twice (give each flag once)\n" },
		{ { "attach", "eth0", "--ports", "80", "--replace", "--replace" },
		  "synq attach: --replace given twice (give each flag once)\n" },
		{ { "attach", "eth0", "--ports", "80", "--ports", "x" },
		  "synq attach: --ports: 'x' is not a port or range (1-65535, LOW-HIGH, "
		  "comma-separated)\n" },
		{ { "attach", "eth0", "--ports", "80", "--mss", "70000" },
		  "synq attach: --mss: '70000' is not a whole number from 536 to 65495\n" },
		{ { "attach", "eth0" }, "synq attach: --ports is required (e.g. --ports 80,443)\n" },
		{ { "attach", "--ports", "80" }, "synq attach: missing IFACE (synq attach --help)\n" },
		{ { "attach", "eth0", "eth1", "--ports", "80" },
		  "synq attach: unexpected argument 'eth1'\n" },
		{ { "attach", "eth0", "--pass-only", "--ports", "80" },
		  "synq attach: --pass-only takes no --ports, --mode, --key-file, --mss or "
		  "--replace\n" },
		{ { "attach", "eth0", "--pass-only", "--mode", "auto" },
		  "synq attach: --pass-only takes no --ports, --mode, --key-file, --mss or "
		  "--replace\n" },
		{ { "attach", "eth0", "--ports", "80", "--mode", "sometimes" },
		  "synq attach: --mode: 'sometimes' is not auto or always\n" },
		{ { "attach", "eth0", "--ports", "80", "--mode", "auto", "--mode", "always" },
		  "synq attach: --mode given twice (give each flag once)\n" },
		{ { "attach", "eth0", "--ports", "80", "--replace", "--exist-ok" },
		  "synq attach: --replace and --exist-ok exclude each other\n" },
	};
	struct attach_opts o;
	struct synq_key key;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[10] = {};

		memcpy(argv, cases[i].words, sizeof(cases[i].words));
		assert_int_equal(parse(&o, &key, argv), EXIT_USAGE);
		assert_string_equal(captured, cases[i].line);
	}
}

/* --ports adds up: every list given is protected, and nothing else. */
static void test_ports_twice_merge(void **state)
{
	char *argv[] = { "attach", "eth0", "--ports", "80", "--ports", "8025,9000-9001", NULL };
	struct attach_opts o;
	struct synq_key key;
	int n = 0;

	(void)state;
	assert_int_equal(parse(&o, &key, argv), EXIT_OK);
	for (int p = 0; p < SYNQ_PORTS; p++)
		n += ports[p] != 0;
	assert_int_equal(n, 4);
	assert_true(ports[80] && ports[8025] && ports[9000] && ports[9001]);
	assert_string_equal(captured, "");
}

/* auto is the default and can be named; native alone does not fall back. */
static void test_xdp_mode_names(void **state)
{
	static const struct {
		const char *name;
		enum xdp_mode_req mode;
	} modes[] = {
		{ "auto", XDP_REQ_AUTO }, { "native", XDP_REQ_NATIVE }, { "generic", XDP_REQ_GENERIC },
	};
	struct attach_opts o;
	struct synq_key key;

	(void)state;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char *argv[] = { "attach", "eth0", "--ports", "80", "--xdp-mode",
				 (char *)modes[i].name, NULL };

		assert_int_equal(parse(&o, &key, argv), EXIT_OK);
		assert_int_equal(o.mode, modes[i].mode);
	}
}

/* --mode: auto unless told, and each name to its value. */
static void test_cookie_mode_names(void **state)
{
	char *plain[] = { "attach", "eth0", "--ports", "80", NULL };
	char *always[] = { "attach", "eth0", "--ports", "80", "--mode", "always", NULL };
	char *automatic[] = { "attach", "eth0", "--mode", "auto", "--ports", "80", NULL };
	struct attach_opts o;
	struct synq_key key;

	(void)state;
	assert_int_equal(parse(&o, &key, plain), EXIT_OK);
	assert_int_equal(o.cookie_mode, SYNQ_MODE_AUTO);
	assert_int_equal(parse(&o, &key, always), EXIT_OK);
	assert_int_equal(o.cookie_mode, SYNQ_MODE_ALWAYS);
	assert_int_equal(parse(&o, &key, automatic), EXIT_OK);
	assert_int_equal(o.cookie_mode, SYNQ_MODE_AUTO);
}

static void test_pass_only(void **state)
{
	char *argv[] = { "attach", "veth1", "--pass-only", NULL };
	struct attach_opts o;
	struct synq_key key;

	(void)state;
	assert_int_equal(parse(&o, &key, argv), EXIT_OK);
	assert_true(o.pass_only);
	assert_int_equal(o.mode, XDP_REQ_AUTO);
}

static void test_exist_ok(void **state)
{
	char *argv[] = { "attach", "eth0", "--ports", "443", "--exist-ok", NULL };
	struct attach_opts o;
	struct synq_key key;

	(void)state;
	assert_int_equal(parse(&o, &key, argv), EXIT_OK);
	assert_true(o.exist_ok && !o.replace);
	assert_true(ports[443] && !ports[80]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_flags),
		cmocka_unit_test(test_key_file),
		cmocka_unit_test(test_bad_flags_one_line),
		cmocka_unit_test(test_ports_twice_merge),
		cmocka_unit_test(test_xdp_mode_names),
		cmocka_unit_test(test_cookie_mode_names),
		cmocka_unit_test(test_pass_only),
		cmocka_unit_test(test_exist_ok),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
