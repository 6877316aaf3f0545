/* SPDX-License-Identifier: GPL-2.0 */
/* `synq doctor`: how its findings are printed, as text for people or one JSON document. */
#ifndef SYNQ_DOCTOR_H
#define SYNQ_DOCTOR_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "observe/doctor_checks.h"

/* What was examined: the namespaces and how many listeners each had. */
struct doctor_scope {
	time_t when;
	double observed_s;
	size_t n_ns;
	const struct doctor_ns *ns;
	const size_t *listeners;	/* per namespace */
};

/* Text; colour makes the severity stand out (a terminal without NO_COLOR). */
void doctor_print_text(FILE *out, const struct doctor_scope *sc, const struct doctor_report *r,
		       bool colour);
void doctor_print_json(FILE *out, const struct doctor_scope *sc, const struct doctor_report *r);

#endif
