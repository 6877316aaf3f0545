/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared command-line plumbing for every verb: one error format, strict number
 * parsing, and the exit codes the whole tool uses.
 */
#ifndef SYNQ_CLI_H
#define SYNQ_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,	/* the request was valid but could not be carried out */
	EXIT_USAGE = 2,	/* bad verb, flag or value: one line says which */
};

/* Global options, set by main() before a verb runs. */
extern int synq_verbose;
extern const char *synq_netns_name;	/* -n NAME, or NULL */

/* "synq: <message>\n" on stderr. Messages say what failed, on what, and why. */
void synq_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like synq_err, printed only with -v. */
void synq_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The flags one parse has seen. A flag is given once: never "the last one
 * wins". Only the flags listed in repeatable (their option values) may come
 * again; the verb merges them (--ports 80 --ports 443 protects both).
 */
#define CLI_MAX_FLAGS 32
struct cli_seen {
	const char *repeatable;	/* option values as letters, e.g. "p"; NULL: none */
	int opts[CLI_MAX_FLAGS];
	int n;
};

/*
 * getopt_long without getopt's own messages: an unknown flag, a missing value
 * or a flag given twice prints one line naming it ("synq VERB: unknown option
 * '--x'", "synq VERB: --x given twice") and returns '?'. The caller then
 * returns EXIT_USAGE. seen starts zeroed (apart from .repeatable) per parse.
 */
int cli_getopt(const char *verb, int argc, char **argv, const char *shortopts,
	       const struct option *longopts, struct cli_seen *seen);

/*
 * Parse a whole decimal number in [min, max]. On error prints
 * "synq VERB: FLAG: 'VALUE' is not ..." and returns -1.
 */
int cli_parse_u64(const char *verb, const char *flag, const char *value,
		  uint64_t min, uint64_t max, uint64_t *out);
int cli_parse_uint(const char *verb, const char *flag, const char *value,
		   unsigned int min, unsigned int max, unsigned int *out);
/* Seconds with an optional fraction ("0.5"), in [min, max]. */
int cli_parse_seconds(const char *verb, const char *flag, const char *value,
		      double min, double max, double *out);
/*
 * Long-running verbs end cleanly on Ctrl-C: after cli_catch_stop_signals(), SIGINT,
 * SIGTERM and SIGHUP set synq_stop. No SA_RESTART, so a sleep or blocking read
 * returns early and the loop around it sees the flag.
 */
extern volatile sig_atomic_t synq_stop;
void cli_catch_stop_signals(void);
/* Sleep s seconds (fractions allowed); returns early only once synq_stop is set. */
void cli_sleep(double s);

/* Print "synq VERB: unexpected argument 'X'" when argv has leftovers; returns -1 then. */
int cli_no_extra_args(const char *verb, int argc, char **argv);
/* Print "synq VERB: --all-netns and -n NAME exclude each other" when both are given; -1 then. */
int cli_all_netns_arg(const char *verb, bool all_netns);
/* Print "synq VERB: 'X' is not an interface name" unless it is one; returns -1 then. */
int cli_iface_arg(const char *verb, const char *iface);

#endif
