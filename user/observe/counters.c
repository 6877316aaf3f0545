// SPDX-License-Identifier: GPL-2.0
/* The one counter model: see counters.h for the restart rule. */
#include "observe/counters.h"

uint64_t counter_percpu_sum(const uint64_t *percpu, unsigned int ncpu)
{
	uint64_t sum = 0;

	for (unsigned int cpu = 0; cpu < ncpu; cpu++)
		sum += percpu[cpu];
	return sum;
}

uint64_t counter_delta(uint64_t prev, uint64_t cur, bool restarted)
{
	return restarted || cur < prev ? cur : cur - prev;
}

double counter_rate(uint64_t prev, uint64_t cur, bool restarted, double seconds)
{
	return seconds > 0 ? (double)counter_delta(prev, cur, restarted) / seconds : 0;
}
