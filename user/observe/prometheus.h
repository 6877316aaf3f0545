/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A writer of the Prometheus text exposition format, version 0.0.4: what
 * `synq export` serves on /metrics. Small on purpose (no C client library is
 * packaged for Debian): families, samples and classic histograms.
 *
 * A family is announced once (# HELP, # TYPE), then its samples follow. Label
 * values are escaped as the format asks ('\\' -> "\\\\", '"' -> "\\\"",
 * newline -> "\\n"); a byte that is not part of valid UTF-8 is written as the
 * code point of the same value (the rule of the JSON writer, cli/json.h), so a
 * process name of any bytes never breaks a scrape. Values are written so that
 * they read back exactly: integers as integers, other numbers in the shortest
 * form that round-trips, and "+Inf", "-Inf", "NaN".
 */
#ifndef SYNQ_PROMETHEUS_H
#define SYNQ_PROMETHEUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define PROM_MAX_LABELS 8

struct prom_label {
	const char *name;
	const char *value;
};

/* "# HELP name help" and "# TYPE name type" (counter, gauge, histogram, untyped). */
void prom_family(FILE *out, const char *name, const char *type, const char *help);

/* One sample line: name{labels} value. n may be 0 (no braces then). */
void prom_sample(FILE *out, const char *name, const struct prom_label *labels, int n, double v);
void prom_sample_u64(FILE *out, const char *name, const struct prom_label *labels, int n,
		     uint64_t v);

/*
 * A classic histogram of one label set: counts[i] observations in
 * (bounds[i - 1], bounds[i]] for i < nb, counts[nb] above bounds[nb - 1].
 * Writes name_bucket{...,le="bound"} cumulatively for each bound and "+Inf",
 * then name_sum and name_count. bounds must rise; at most PROM_MAX_LABELS - 1 labels.
 */
void prom_histogram(FILE *out, const char *name, const struct prom_label *labels, int n,
		    const double *bounds, const uint64_t *counts, int nb, double sum);

/* The escaped body of a label value (no quotes). */
void prom_escape_label(FILE *out, const char *s, size_t len);
/* v as the format writes it, into buf (at least 32 bytes). */
void prom_format_value(double v, char *buf, size_t len);

#endif
