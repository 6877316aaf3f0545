// SPDX-License-Identifier: GPL-2.0
/* The one place that decides what libbpf and libxdp print (see log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "cli/cli.h"
#include "cli/log.h"

static bool expect_failures;

/* Warnings always, info with -v, debug with -vv; expected failures only with -v. */
static bool shown(bool warning, bool info)
{
	if (warning)
		return synq_verbose || !expect_failures;
	return synq_verbose >= (info ? 1 : 2);
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!shown(level == LIBBPF_WARN, level == LIBBPF_INFO))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int libxdp_log(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	/* libxdp warns when it falls back from its dispatcher, which it does by design. */
	if (level == LIBXDP_WARN && !synq_verbose && strstr(fmt, "dispatcher"))
		return 0;
	if (!shown(level == LIBXDP_WARN, level == LIBXDP_INFO))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void liblog_init(void)
{
	libbpf_set_print(libbpf_log);
	libxdp_set_print(libxdp_log);
}

void liblog_expect_failures(bool on)
{
	expect_failures = on;
}
