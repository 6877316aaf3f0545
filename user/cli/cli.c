// SPDX-License-Identifier: GPL-2.0
/* Command-line plumbing shared by every verb (see cli.h). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "system/system.h"

int synq_verbose;
volatile sig_atomic_t synq_stop;
const char *synq_netns_name;

static void vprint(const char *fmt, va_list ap)
{
	fputs("synq: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void synq_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}

void synq_debug(const char *fmt, ...)
{
	va_list ap;

	if (!synq_verbose)
		return;
	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}

/* "--name" for an option value, or "-c" for a short-only one. */
static void flag_name(int opt, const struct option *longopts, char *buf, size_t len)
{
	for (; longopts->name; longopts++) {
		if (longopts->val == opt && !longopts->flag) {
			snprintf(buf, len, "--%s", longopts->name);
			return;
		}
	}
	snprintf(buf, len, "-%c", opt);
}

/* 0 the first time opt is seen (or when it may repeat), -1 after saying it came twice. */
static int seen_once(const char *verb, int opt, const struct option *longopts,
		     struct cli_seen *seen)
{
	char name[64];
	int i;

	if (opt > 0 && opt < 256 && seen->repeatable && strchr(seen->repeatable, opt))
		return 0;
	for (i = 0; i < seen->n; i++)
		if (seen->opts[i] == opt)
			break;
	if (i == seen->n) {
		if (seen->n < CLI_MAX_FLAGS)
			seen->opts[seen->n++] = opt;
		return 0;
	}
	flag_name(opt, longopts, name, sizeof(name));
	fprintf(stderr, "synq %s: %s given twice (give each flag once)\n", verb, name);
	return -1;
}

int cli_getopt(const char *verb, int argc, char **argv, const char *shortopts,
	       const struct option *longopts, struct cli_seen *seen)
{
	char quiet[64], shortword[3] = "-";
	int opt;

	/* A leading ':' makes getopt tell a missing value (':') from an unknown flag ('?'). */
	snprintf(quiet, sizeof(quiet), ":%s", shortopts);
	opterr = 0;
	opt = getopt_long(argc, argv, quiet, longopts, NULL);
	if (opt == -1)
		return opt;
	if (opt != '?' && opt != ':')
		return seen_once(verb, opt, longopts, seen) ? '?' : opt;
	/*
	 * getopt has moved optind past the offending word (its start index is no
	 * guide: getopt permutes "IFACE --flag" to put flags first). An unknown
	 * short option in a cluster is named by its letter.
	 */
	const char *word = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
	if (opt == '?' && optopt) {
		shortword[1] = (char)optopt;
		word = shortword;
	}
	if (opt == ':')
		fprintf(stderr, "synq %s: option '%s' needs a value\n", verb, word);
	else
		fprintf(stderr, "synq %s: unknown option '%s'\n", verb, word);
	return '?';
}

int cli_parse_u64(const char *verb, const char *flag, const char *value,
		  uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	/* strtoull would skip spaces and accept a sign: a number starts with a digit. */
	if (!value || !isdigit((unsigned char)*value))
		goto bad;
	v = strtoull(value, &end, 10);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	fprintf(stderr, "synq %s: %s: '%s' is not a whole number from %" PRIu64 " to %" PRIu64 "\n",
		verb, flag, value ? value : "", min, max);
	return -1;
}

int cli_parse_uint(const char *verb, const char *flag, const char *value,
		   unsigned int min, unsigned int max, unsigned int *out)
{
	uint64_t v;

	if (cli_parse_u64(verb, flag, value, min, max, &v))
		return -1;
	*out = (unsigned int)v;
	return 0;
}

int cli_parse_seconds(const char *verb, const char *flag, const char *value,
		      double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	if (!value || !*value)
		goto bad;
	v = strtod(value, &end);
	if (errno || *end || !isfinite(v) || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	fprintf(stderr, "synq %s: %s: '%s' is not a number of seconds from %g to %g\n",
		verb, flag, value ? value : "", min, max);
	return -1;
}

int cli_no_extra_args(const char *verb, int argc, char **argv)
{
	if (optind >= argc)
		return 0;
	fprintf(stderr, "synq %s: unexpected argument '%s'\n", verb, argv[optind]);
	return -1;
}

int cli_all_netns_arg(const char *verb, bool all_netns)
{
	if (!all_netns || !synq_netns_name)
		return 0;
	fprintf(stderr, "synq %s: --all-netns and -n %s exclude each other\n", verb,
		synq_netns_name);
	return -1;
}

int cli_iface_arg(const char *verb, const char *iface)
{
	if (iface_name_valid(iface))
		return 0;
	fprintf(stderr, "synq %s: '%s' is not an interface name (1 to 15 bytes, not . or .., "
		"no '/', ':' or spaces)\n", verb, iface);
	return -1;
}

static void on_stop_signal(int sig)
{
	(void)sig;
	synq_stop = 1;
}

void cli_catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

void cli_sleep(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - (time_t)s) * 1e9) };

	while (!synq_stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}
