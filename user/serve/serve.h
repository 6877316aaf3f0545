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

/* Where a server listens, "127.0.0.1:8080" or "[::1]:8080", into buf. */
const char *serve_addr_str(const struct synq_server_info *info, char *buf, size_t size);
/* 0.0.0.0 or ::, reachable on every interface: worth a warning (serve, export). */
bool serve_is_wildcard(const struct sockaddr_storage *ss);

#endif
