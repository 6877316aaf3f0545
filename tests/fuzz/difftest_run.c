// SPDX-License-Identifier: GPL-2.0
/*
 * Open-ended differential run of synq_xdp / synq_tc against the model, for
 * make fuzz: generated cases until the time is up, a rate line every 10 s, and
 * each divergence on stdout as a case file ready to save in the corpus.
 *   difftest_run [--seconds N] [--seed S] [--clock T] [--first I --count N] [--thorough]
 * --first/--count rerun given cases of a seed (with --thorough: every check on
 * each, counters after every run, as a batch's divergence suggests).
 * Needs root (it loads BPF programs into a network namespace of its own).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "difftest.h"

#define BATCH		2000
#define REPORT_EVERY	10.0	/* seconds */
#define MODEL_PROBE	1.0	/* seconds of model-only cases, for its rate */

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Generator and model alone, without BPF: how fast the model side is. */
static double model_rate(const struct model_env *e, uint64_t seed)
{
	static uint8_t frame[MODEL_FRAME_MAX];
	static struct model_out o;
	double t0 = seconds(), t;
	struct gen_src g;
	uint64_t n = 0;

	do {
		gen_seed(&g, seed + n);
		model_xdp(e, frame, gen_frame(&g, e, frame), &o);
		n++;
		t = seconds() - t0;
	} while (t < MODEL_PROBE);
	return n / t;
}

static int usage(const char *bad)
{
	fprintf(stderr, "difftest_run: bad argument '%s'\n"
		"usage: difftest_run [--seconds N] [--seed S] [--clock T] [--first I --count N] "
		"[--thorough]\n", bad);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' }, { "seed", required_argument, NULL, 'r' },
		{ "clock", required_argument, NULL, 'c' }, { "first", required_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'n' }, { "thorough", no_argument, NULL, 't' },
		{ 0 },
	};
	uint64_t seed = (uint64_t)time(NULL), first = 0, count = 0, last_cases = 0;
	double budget = 60, t0, last, now;
	long clock = -1, bad, divergences = 0;
	int thorough = 0;
	static struct diff d;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		errno = 0;
		if (c == 's')
			budget = strtod(optarg, &end);
		else if (c == 'r')
			seed = strtoull(optarg, &end, 0);
		else if (c == 'c')
			clock = strtol(optarg, &end, 0);
		else if (c == 'f')
			first = strtoull(optarg, &end, 0);
		else if (c == 'n')
			count = strtoull(optarg, &end, 0);
		else if (c == 't')
			thorough = 1, end = "";
		else
			return usage(argv[optind - 1]);
		if (errno || *end || (c != 't' && end == optarg))
			return usage(optarg);
	}
	if (clock < 0)	/* now and then the counter's wrap-around */
		clock = seed % 4 == 0 ? (long)(seed % 2) : (long)(seed % 100000);
	if (diff_open(&d, (uint32_t)clock))
		return 1;
	d.report = stdout;
	d.thorough = thorough;
	if (count) {	/* a rerun of given cases */
		bad = diff_run_seed(&d, seed, first, count);
		printf("difftest: cases %llu..%llu of seed %llu: %ld divergences\n",
		       (unsigned long long)first, (unsigned long long)(first + count - 1),
		       (unsigned long long)seed, bad);
		diff_close(&d);
		return bad != 0;
	}
	printf("difftest: seed %llu, clock %ld, %.0f s; model alone: %.0f cases/s\n",
	       (unsigned long long)seed, clock, budget, model_rate(&d.env, seed));
	t0 = last = seconds();
	for (now = t0; now - t0 < budget; now = seconds()) {
		bad = diff_run_seed(&d, seed, first, BATCH);
		if (bad < 0) {
			fprintf(stderr, "difftest: run a program: %s\n", strerror((int)-bad));
			return 1;
		}
		divergences += bad;
		first += BATCH;
		if (now - last >= REPORT_EVERY) {
			printf("difftest: %llu cases, %.0f cases/s, %.0f program runs/s, %ld divergences\n",
			       (unsigned long long)d.st.cases, (d.st.cases - last_cases) / (now - last),
			       d.st.runs / (now - t0), divergences);
			fflush(stdout);
			last = now, last_cases = d.st.cases;
		}
	}
	printf("difftest: done: %llu cases (%llu SYN-ACKs, %llu passed, %llu dropped, %llu handoffs), "
	       "%llu program runs, %.0f cases/s, %ld divergences\n",
	       (unsigned long long)d.st.cases, (unsigned long long)d.st.tx,
	       (unsigned long long)d.st.pass, (unsigned long long)d.st.drop,
	       (unsigned long long)d.st.tc_handoffs, (unsigned long long)d.st.runs,
	       d.st.cases / (seconds() - t0), divergences);
	diff_close(&d);
	return divergences ? 1 : 0;
}
