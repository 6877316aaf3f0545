// SPDX-License-Identifier: GPL-2.0
/* The one JSON writer: see json.h for the rules it keeps. */
#include <math.h>
#include <string.h>

#include "cli/json.h"

void json_start(struct json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

void json_finish(struct json *j)
{
	fputc('\n', j->out);
	fflush(j->out);
}

size_t utf8_seq_len(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void json_escape(FILE *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len(str + i, len - i);

		if (n == 0) {		/* not UTF-8: the byte as the code point of its value */
			fprintf(out, "\\u%04x", s[i++]);
		} else if (n > 1) {
			fwrite(s + i, 1, n, out);
			i += n;
		} else if (s[i] == '"' || s[i] == '\\') {
			fprintf(out, "\\%c", s[i++]);
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			fprintf(out, "\\u%04x", s[i++]);
		} else {
			fputc(s[i++], out);
		}
	}
}

/* The comma and the key before a member. */
static void member(struct json *j, const char *key)
{
	if (j->depth > 0 && j->depth <= JSON_MAX_DEPTH) {
		if (j->has_member[j->depth - 1])
			fputc(',', j->out);
		j->has_member[j->depth - 1] = true;
	}
	if (key) {
		fputc('"', j->out);
		json_escape(j->out, key, strlen(key));
		fputs("\":", j->out);
	}
}

static void open_scope(struct json *j, const char *key, char c)
{
	member(j, key);
	fputc(c, j->out);
	if (j->depth < JSON_MAX_DEPTH)
		j->has_member[j->depth] = false;
	j->depth++;
}

static void close_scope(struct json *j, char c)
{
	fputc(c, j->out);
	if (j->depth > 0)
		j->depth--;
}

void json_object_open(struct json *j, const char *key) { open_scope(j, key, '{'); }
void json_object_close(struct json *j) { close_scope(j, '}'); }
void json_array_open(struct json *j, const char *key) { open_scope(j, key, '['); }
void json_array_close(struct json *j) { close_scope(j, ']'); }

void json_string_len(struct json *j, const char *key, const char *s, size_t len)
{
	member(j, key);
	fputc('"', j->out);
	json_escape(j->out, s, len);
	fputc('"', j->out);
}

void json_string(struct json *j, const char *key, const char *s)
{
	json_string_len(j, key, s, strlen(s));
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->out, "%llu", (unsigned long long)v);
}

void json_i64(struct json *j, const char *key, int64_t v)
{
	member(j, key);
	fprintf(j->out, "%lld", (long long)v);
}

void json_double(struct json *j, const char *key, double v, int decimals)
{
	char buf[64];
	char *end;

	member(j, key);
	if (!isfinite(v)) {
		fputs("null", j->out);
		return;
	}
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	/* "1.50" -> "1.5", "2.000" -> "2": the same value, read the same by any parser. */
	if (strchr(buf, '.')) {
		end = buf + strlen(buf) - 1;
		while (*end == '0')
			*end-- = '\0';
		if (*end == '.')
			*end = '\0';
	}
	if (!strcmp(buf, "-0"))
		strcpy(buf, "0");
	fputs(buf, j->out);
}

void json_bool(struct json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->out);
}

void json_null(struct json *j, const char *key)
{
	member(j, key);
	fputs("null", j->out);
}

void json_time(struct json *j, const char *key, time_t t)
{
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_string(j, key, buf);
}
