/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one counter model of synq (pure: no system calls). Every counter synq
 * reports is a kernel or BPF u64 that only grows while its source lives: a
 * per-CPU map entry summed over the CPUs, or a /proc/net/netstat line.
 *
 * A source can restart: `synq detach` + `synq attach` makes new maps (a new
 * map ID), a listener's entry can be freed and made again. A restart means the
 * counter starts again from zero, so the delta since the last reading is the
 * current value. Callers that know the map ID say so (restarted = the ID
 * changed); a counter that went backwards without a known restart is taken as
 * a restart too, since nothing else makes a kernel counter smaller. So a delta
 * is never negative and neither is a rate.
 */
#ifndef SYNQ_COUNTERS_H
#define SYNQ_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>

/* One counter's per-CPU values (ncpu of them), summed. */
uint64_t counter_percpu_sum(const uint64_t *percpu, unsigned int ncpu);
/* How much a counter grew from prev to cur; cur itself after a restart. */
uint64_t counter_delta(uint64_t prev, uint64_t cur, bool restarted);
/* counter_delta() per second; 0 when seconds is not positive. */
double counter_rate(uint64_t prev, uint64_t cur, bool restarted, double seconds);

#endif
