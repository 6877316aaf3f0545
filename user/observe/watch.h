/* SPDX-License-Identifier: GPL-2.0 */
/* `synq watch`, also what `synq top` prints when stdout is not a terminal. */
#ifndef SYNQ_WATCH_H
#define SYNQ_WATCH_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "observe/collector.h"

struct watch_opts {
	bool json;
	double interval;	/* seconds */
	unsigned int count;	/* 0: until interrupted */
	uint16_t port;		/* 0: every port */
	bool all_netns;
	bool accept_wait;	/* trace accept(): wait times, at a cost */
	unsigned int listeners;	/* listener table size; 0: the default */
};


/* One interval's output: cur against prev (last interval) and base (counters' start). */
void watch_print_json(FILE *out, const struct synq_snapshot *cur, const struct synq_snapshot *prev,
		      const struct synq_snapshot *base, time_t since, double interval);
void watch_print_text(FILE *out, const struct synq_snapshot *cur, const struct synq_snapshot *prev,
		      const struct synq_snapshot *base, time_t since);

/* The whole watch loop: load, print every interval, detach. Returns an exit code. */
int watch_run(const struct watch_opts *o);
/* Parse the flags watch and top share; 0 or EXIT_USAGE (after printing why). */
int watch_parse(const char *verb, int argc, char **argv, struct watch_opts *o);

#endif
