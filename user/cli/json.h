/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one JSON writer of synq: every verb's --json output goes through it, so
 * escaping, number and time formats are the same everywhere.
 *
 * A streaming writer: open objects and arrays, add members, close them. Commas
 * are placed by the writer. A member takes a key inside an object and NULL
 * inside an array or at the top.
 *
 * Strings are written so that a strict parser accepts every line: '"', '\\' and
 * control characters are escaped, valid UTF-8 passes through, and a byte that is
 * not part of valid UTF-8 (a process may name itself anything) is written as the
 * code point of the same value (\u00XX), never dropped and never passed raw.
 * Times are ISO 8601 in UTC with seconds ("2026-12-03T09:50:00Z").
 */
#ifndef SYNQ_JSON_H
#define SYNQ_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *out;
	int depth;
	bool has_member[JSON_MAX_DEPTH];	/* a comma goes before the next one */
};

void json_start(struct json *j, FILE *out);
/* Ends the document with a newline and flushes: one document per line. */
void json_finish(struct json *j);

void json_object_open(struct json *j, const char *key);
void json_object_close(struct json *j);
void json_array_open(struct json *j, const char *key);
void json_array_close(struct json *j);

void json_string(struct json *j, const char *key, const char *s);
/* The first len bytes of s, which may hold NUL bytes. */
void json_string_len(struct json *j, const char *key, const char *s, size_t len);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
/* A number with up to `decimals` digits after the point; NaN and infinities as null. */
void json_double(struct json *j, const char *key, double v, int decimals);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
/* An ISO 8601 UTC time string. */
void json_time(struct json *j, const char *key, time_t t);

/* The escaped body of s (no quotes) into out: the rule above, for other writers too. */
void json_escape(FILE *out, const char *s, size_t len);
/*
 * Length of the valid UTF-8 sequence at s (at most len bytes), or 0 when the byte
 * there starts none: the test behind the rule above, shared with the Prometheus writer.
 */
size_t utf8_seq_len(const char *s, size_t len);

#endif
