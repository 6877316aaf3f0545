// SPDX-License-Identifier: GPL-2.0
/* The Prometheus text format writer: see prometheus.h for the rules it keeps. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/json.h"
#include "observe/prometheus.h"

void prom_escape_label(FILE *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len(str + i, len - i);

		if (n == 0) {		/* not UTF-8: the byte as the code point of its value */
			fputc(0xc0 | s[i] >> 6, out);
			fputc(0x80 | (s[i] & 0x3f), out);
			i++;
		} else if (n > 1) {
			fwrite(s + i, 1, n, out);
			i += n;
		} else if (s[i] == '\\' || s[i] == '"') {
			fprintf(out, "\\%c", s[i++]);
		} else if (s[i] == '\n') {
			fputs("\\n", out);
			i++;
		} else {
			fputc(s[i++], out);
		}
	}
}

/* HELP text escapes only '\\' and newline. */
static void escape_help(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

void prom_family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s ", name);
	escape_help(out, help);
	fprintf(out, "\n# TYPE %s %s\n", name, type);
}

void prom_format_value(double v, char *buf, size_t len)
{
	if (isnan(v)) {
		snprintf(buf, len, "NaN");
	} else if (isinf(v)) {
		snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
	} else if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, len, "%.0f", v);
	} else {
		/* The shortest of %.15g..%.17g that reads back as the same double. */
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(buf, len, "%.*g", prec, v);
			if (strtod(buf, NULL) == v)
				break;
		}
	}
}

static void labels_write(FILE *out, const struct prom_label *labels, int n)
{
	if (!n)
		return;
	fputc('{', out);
	for (int i = 0; i < n; i++) {
		fprintf(out, "%s%s=\"", i ? "," : "", labels[i].name);
		prom_escape_label(out, labels[i].value, strlen(labels[i].value));
		fputc('"', out);
	}
	fputc('}', out);
}

void prom_sample(FILE *out, const char *name, const struct prom_label *labels, int n, double v)
{
	char buf[40];

	prom_format_value(v, buf, sizeof(buf));
	fputs(name, out);
	labels_write(out, labels, n);
	fprintf(out, " %s\n", buf);
}

void prom_sample_u64(FILE *out, const char *name, const struct prom_label *labels, int n,
		     uint64_t v)
{
	fputs(name, out);
	labels_write(out, labels, n);
	fprintf(out, " %llu\n", (unsigned long long)v);
}

void prom_histogram(FILE *out, const char *name, const struct prom_label *labels, int n,
		    const double *bounds, const uint64_t *counts, int nb, double sum)
{
	struct prom_label l[PROM_MAX_LABELS];
	char metric[128], le[40];
	uint64_t cum = 0;

	if (n > PROM_MAX_LABELS - 1)
		n = PROM_MAX_LABELS - 1;
	memcpy(l, labels, n * sizeof(*l));
	l[n].name = "le";
	l[n].value = le;
	snprintf(metric, sizeof(metric), "%s_bucket", name);
	for (int i = 0; i <= nb; i++) {
		cum += counts[i];
		prom_format_value(i < nb ? bounds[i] : INFINITY, le, sizeof(le));
		prom_sample_u64(out, metric, l, n + 1, cum);
	}
	snprintf(metric, sizeof(metric), "%s_sum", name);
	prom_sample(out, metric, labels, n, sum);
	snprintf(metric, sizeof(metric), "%s_count", name);
	prom_sample_u64(out, metric, labels, n, cum);
}
