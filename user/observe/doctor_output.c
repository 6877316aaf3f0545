// SPDX-License-Identifier: GPL-2.0
/*
 * The output of `synq doctor` (see doctor.h): the same findings as text or as
 * one JSON document, so a script and a person read the same facts.
 */
#include "cli/json.h"
#include "observe/doctor.h"

static const char *const colour_of[] = {
	[DOCTOR_INFO] = "\033[36m", [DOCTOR_WARN] = "\033[33m", [DOCTOR_ERROR] = "\033[1;31m",
};

static void netns_label(const struct doctor_finding *f, char *buf, size_t len)
{
	if (f->netns_name[0])
		snprintf(buf, len, "netns %s", f->netns_name);
	else
		snprintf(buf, len, "netns %llu", (unsigned long long)f->netns);
}

static void text_finding(FILE *out, const struct doctor_finding *f, bool colour)
{
	char ns[96];

	netns_label(f, ns, sizeof(ns));
	fprintf(out, "%s%-5s%s %s%s%s  %s in %s: %s\n", colour ? colour_of[f->severity] : "",
		doctor_severity_name(f->severity), colour ? "\033[0m" : "", colour ? "\033[1m" : "",
		f->id, colour ? "\033[0m" : "", f->subject, ns, f->title);
	fprintf(out, "      %s.\n      evidence:", f->message);
	for (int i = 0; i < f->n_ev; i++) {
		if (f->ev[i].is_text)
			fprintf(out, " %s=\"%s\"", f->ev[i].name, f->ev[i].text);
		else
			fprintf(out, " %s=%lld", f->ev[i].name, (long long)f->ev[i].num);
	}
	fprintf(out, "\n      fix: %s\n", f->fix);
}

static void count_severities(const struct doctor_report *r, size_t count[3])
{
	count[0] = count[1] = count[2] = 0;
	for (size_t i = 0; i < r->n; i++)
		count[r->f[i].severity]++;
}

void doctor_print_text(FILE *out, const struct doctor_scope *sc, const struct doctor_report *r,
		       bool colour)
{
	size_t count[3], listeners = 0;

	for (size_t i = 0; i < sc->n_ns; i++)
		listeners += sc->listeners[i];
	fprintf(out, "synq doctor: %zu namespace(s), %zu listener(s), ", sc->n_ns, listeners);
	if (sc->observed_s > 0)
		fprintf(out, "observed for %.1f s\n", sc->observed_s);
	else
		fputs("one look (--observe SECONDS also counts overflows)\n", out);
	for (size_t i = 0; i < r->n; i++)
		text_finding(out, &r->f[i], colour);
	count_severities(r, count);
	if (!r->n)
		fputs("no findings\n", out);
	else
		fprintf(out, "%zu finding(s): %zu error, %zu warn, %zu info (docs/doctor.md "
			"explains each ID)\n", r->n, count[DOCTOR_ERROR], count[DOCTOR_WARN],
			count[DOCTOR_INFO]);
	fflush(out);
}

static void json_finding(struct json *j, const struct doctor_finding *f)
{
	json_object_open(j, NULL);
	json_string(j, "id", f->id);
	json_string(j, "severity", doctor_severity_name(f->severity));
	json_string(j, "title", f->title);
	json_u64(j, "netns", f->netns);
	json_string(j, "netns_name", f->netns_name);
	json_string(j, "subject", f->subject);
	json_string(j, "message", f->message);
	json_object_open(j, "evidence");
	for (int i = 0; i < f->n_ev; i++) {
		if (f->ev[i].is_text)
			json_string(j, f->ev[i].name, f->ev[i].text);
		else
			json_i64(j, f->ev[i].name, f->ev[i].num);
	}
	json_object_close(j);
	json_string(j, "fix", f->fix);
	json_object_close(j);
}

void doctor_print_json(FILE *out, const struct doctor_scope *sc, const struct doctor_report *r)
{
	size_t count[3];
	struct json j;

	json_start(&j, out);
	json_object_open(&j, NULL);
	json_time(&j, "time", sc->when);
	json_double(&j, "observed_s", sc->observed_s, 1);
	json_array_open(&j, "netns");
	for (size_t i = 0; i < sc->n_ns; i++) {
		json_object_open(&j, NULL);
		json_u64(&j, "netns", sc->ns[i].netns);
		json_string(&j, "name", sc->ns[i].name);
		json_u64(&j, "listeners", sc->listeners[i]);
		json_object_close(&j);
	}
	json_array_close(&j);
	json_array_open(&j, "findings");
	for (size_t i = 0; i < r->n; i++)
		json_finding(&j, &r->f[i]);
	json_array_close(&j);
	count_severities(r, count);
	json_object_open(&j, "counts");
	json_u64(&j, "error", count[DOCTOR_ERROR]);
	json_u64(&j, "warn", count[DOCTOR_WARN]);
	json_u64(&j, "info", count[DOCTOR_INFO]);
	json_object_close(&j);
	json_i64(&j, "exit", doctor_exit_status(r));
	json_object_close(&j);
	json_finish(&j);
}
