/* SPDX-License-Identifier: GPL-2.0 */
/* `synq attach`: its flag parser, which the unit tests drive. */
#ifndef SYNQ_ATTACH_H
#define SYNQ_ATTACH_H

#include <stdint.h>

#include <synq/protect.h>

#include "protect/loader.h"

/*
 * `synq attach`'s words (argv[0] = "attach") into o, ports[SYNQ_PORTS] and key
 * (used when --key-file is given). EXIT_OK, or EXIT_USAGE with one line printed.
 */
int attach_parse_args(int argc, char **argv, struct attach_opts *o, uint8_t *ports,
		      struct synq_key *key);

#endif
