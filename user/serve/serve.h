/* SPDX-License-Identifier: GPL-2.0 */
/* `synq serve`: its options, parsed apart from running so unit tests can check them. */
#ifndef SYNQ_SERVE_H
#define SYNQ_SERVE_H

#include <stdbool.h>

#include "synq/server.h"

struct serve_opts {
	struct synq_server_config cfg;
	const char *reply;	/* "http" or "echo" */
	bool stats;		/* a line of counters every second */
};

/*
 * Fill o from `synq serve [flags]` (argv[0] is the verb). Returns 0, or
 * EXIT_USAGE after printing one line that names the bad flag or value.
 */
int serve_parse(int argc, char **argv, struct serve_opts *o);

#endif
