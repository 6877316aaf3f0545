/* SPDX-License-Identifier: GPL-2.0 */
/* synq bench, scenario 5: the queue observer's cost to nginx under wrk. */
#ifndef SYNQ_BENCH_OBSERVER_H
#define SYNQ_BENCH_OBSERVER_H

#include <stdbool.h>

#include "flood/bench_env.h"

#define OBS_ROUNDS_MAX 16

enum observer_mode { OBS_OFF, OBS_DEFAULT, OBS_ACCEPT_WAIT, OBS_MAX };
extern const char *const observer_mode_names[OBS_MAX];

struct observer_result {
	int rounds;
	double seconds;			/* per run */
	double rate[OBS_MAX][OBS_ROUNDS_MAX];	/* connections per second, each run */
	double ns[OBS_MAX][OBS_ROUNDS_MAX];	/* observer programs' run time per connection */
	bool ns_known;			/* BPF_ENABLE_STATS worked */
	struct {
		bool ok;
		const char *na;		/* why there is no figure */
		double median, ns_median;
	} mode[OBS_MAX];
};

/* rounds x (no observer, synq export, synq export --accept-wait), alternating. */
void bench_observer(const struct bench_env *e, double seconds, int rounds,
		    struct observer_result *r);

#endif
