/* SPDX-License-Identifier: GPL-2.0 */
/* `synq export`: the collector's snapshot as Prometheus metrics on GET /metrics. */
#ifndef SYNQ_EXPORT_H
#define SYNQ_EXPORT_H

#include <stdio.h>
#include <time.h>

#include "observe/collector.h"

/* Wait-time histogram bounds (seconds): every other power of two microseconds, 16 us .. 16.8 s. */
#define EXPORT_WAIT_BOUNDS 11

/*
 * Every metric of one snapshot, in the text format. since: when the queue
 * programs were loaded; version: the build's.
 */
/* Listeners seen now that have no counters: the listener table is full. */
size_t export_unattributed(const struct synq_snapshot *s);
void export_write(FILE *out, const struct synq_snapshot *s, time_t since, const char *version);

#endif
