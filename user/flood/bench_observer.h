/* SPDX-License-Identifier: GPL-2.0 */
/* synq bench, scenario 5: the queue observer's cost to nginx under wrk. */
#ifndef SYNQ_BENCH_OBSERVER_H
#define SYNQ_BENCH_OBSERVER_H

#include <stdbool.h>

#include "flood/bench_env.h"

#define OBS_CYCLES_MAX 512
#define OBS_WRK_CONNECTIONS "64"	/* wrk -c */
/* The host docs/export.md prices the observer's maps for. */
#define OBS_FLEET_LISTENERS 10000
#define OBS_FLEET_CPUS 64

enum observer_mode { OBS_OFF, OBS_DEFAULT, OBS_ENQUEUE, OBS_ACCEPT_WAIT, OBS_MAX };
extern const char *const observer_mode_names[OBS_MAX];

struct observer_result {
	int cycles;			/* windows of each mode */
	double window;			/* seconds per window */
	double rate[OBS_MAX][OBS_CYCLES_MAX];	/* connections per second, each window */
	bool ns_known;			/* BPF_ENABLE_STATS worked */
	struct {
		bool ok;
		const char *na;		/* why there is no figure */
		double median;		/* connections per second, the median window */
		/* lost rate in %, against the no-observer window of the same cycle: mean, 95 % half-width */
		double cost, cost_ci;
		double ns;		/* the programs' run time per connection */
		/* map memory: charged on this host, by formula here, by formula on the fleet host */
		uint64_t mem_charged, mem_here, mem_fleet;
		uint32_t listeners;	/* the listener table's size here */
	} mode[OBS_MAX];
	int cpus;			/* this host's possible CPUs */
};

/*
 * One wrk run against nginx; the observer is switched every window in
 * cycles of (none and each of export's three modes), alternating order.
 */
void bench_observer(const struct bench_env *e, double window, int cycles,
		    struct observer_result *r);

#endif
