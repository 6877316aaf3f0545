// SPDX-License-Identifier: GPL-2.0
/*
 * synq_xdp and synq_tc against the independent model (tests/model/), through
 * bpf_prog_test_run_opts(): a fixed-seed run of generated packets, at two clock
 * values (one where the cookie's time counter wraps), and a replay of every
 * saved regression case in tests/bpf/protect/corpus/. Any divergence is printed
 * as a case file ready to save. Needs root; runs in a network namespace of its own.
 * make fuzz runs the same engine open-ended (docs/difftest.md).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "difftest.h"

#define SEED		20261203
#define CASES		5000	/* per clock value; each runs 2-6 programs with its properties */
#define CORPUS_DIR	"tests/bpf/protect/corpus"

static struct diff d;
static const char *skip_reason;

static int group_setup(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip_reason = "needs root (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN): run as root";
	else if (diff_open(&d, 1000))
		skip_reason = "cannot load synq_protect in a network namespace (see above)";
	d.report = stderr;
	d.thorough = 1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (d.skel)
		diff_close(&d);
	return 0;
}

/* Skips the test, saying why, when the group setup could not load the programs. */
static void need_bpf(void)
{
	if (skip_reason) {
		print_message("skipped: %s\n", skip_reason);
		skip();
	}
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The behaviours every fixed-seed run must reach, by what the model expected
 * since `was`: each row of the model that the test runner can drive (the
 * listener-dependent ones need a real listener: tests/e2e/protect/), and every
 * malformed reason.
 */
static void assert_reached(const struct model_counts *was)
{
	static const enum synq_counter must[] = {
		SYNQ_SYNACK_SENT, SYNQ_SYN_MALFORMED, SYNQ_SYN_PASSED_PARTIAL_CSUM,
		SYNQ_ACK_COOKIE_VALID, SYNQ_ACK_COOKIE_INVALID, SYNQ_PASSED_NOT_TCP,
		SYNQ_PASSED_UNPROTECTED, SYNQ_PASSED_FRAGMENT, SYNQ_PASSED_IPV6_EXT,
	};
	static const char *names[] = SYNQ_COUNTER_NAMES, *mal[] = SYNQ_MALFORMED_NAMES;
	size_t i;

	for (i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		if (d.seen.st[must[i]] == was->st[must[i]])
			fail_msg("no generated case reached %s", names[must[i]]);
	for (i = 0; i < SYNQ_MALFORMED_MAX; i++)
		if (d.seen.mal[i] == was->mal[i])
			fail_msg("no generated case reached the malformed reason %s", mal[i]);
}

static void run_at(uint32_t now, uint64_t seed)
{
	struct diff_stats was = d.st;
	struct model_counts seen = d.seen;
	double t0 = seconds();
	long bad;

	diff_set_clock(&d, now);
	bad = diff_run_seed(&d, seed, 0, CASES);
	assert_true(bad >= 0);
	print_message("  clock %u: %llu cases, %llu program runs (%llu SYN-ACKs), %.0f cases/s\n",
		      now, (unsigned long long)(d.st.cases - was.cases),
		      (unsigned long long)(d.st.runs - was.runs),
		      (unsigned long long)(d.st.tx - was.tx),
		      (d.st.cases - was.cases) / (seconds() - t0));
	/* The generator must reach every verdict, or the run proves little. */
	assert_true(d.st.tx > was.tx && d.st.drop > was.drop && d.st.pass > was.pass);
	assert_true(d.st.tc_handoffs > was.tc_handoffs);
	assert_reached(&seen);
	assert_int_equal(bad, 0);
}

static void test_fixed_seed(void **state)
{
	(void)state;
	need_bpf();
	run_at(1000, SEED);
}

/* Counter 0: cookies of the previous period carry t = 0xffffffff. */
static void test_fixed_seed_clock_wrap(void **state)
{
	(void)state;
	need_bpf();
	run_at(0, SEED + 1);
}

static int is_case(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 5 && !strcmp(e->d_name + n - 5, ".case");
}

static void test_corpus(void **state)
{
	struct dirent **list;
	char path[512];
	int n, i, bad = 0;

	(void)state;
	need_bpf();
	n = scandir(CORPUS_DIR, &list, is_case, alphasort);
	if (n < 0)
		fail_msg("%s: %s (run from the repository's root)", CORPUS_DIR, strerror(errno));
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, list[i]->d_name);
		print_message("  %s\n", list[i]->d_name);
		bad += diff_replay_file(&d, path) != 0;
		free(list[i]);
	}
	free(list);
	assert_int_equal(bad, 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_corpus),
	cmocka_unit_test(test_fixed_seed),
	cmocka_unit_test(test_fixed_seed_clock_wrap),
};

int main(void)
{
	return cmocka_run_group_tests_name("synq_differential", tests, group_setup, group_teardown);
}
