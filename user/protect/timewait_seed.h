/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Seeds synq_closing at attach with the TIME_WAIT sockets that are older than
 * the XDP program, so a SYN that would recycle one still reaches the kernel.
 */
#ifndef SYNQ_TIMEWAIT_SEED_H
#define SYNQ_TIMEWAIT_SEED_H

#include <stdint.h>

#include <synq/cookie.h>
#include <synq/protect.h>

/*
 * One line of /proc/net/tcp (v6 = 0) or /proc/net/tcp6 (v6 = 1): 1 and *flow as
 * synq_xdp sees the client's packets, for a TIME_WAIT socket on a port set in
 * ports[SYNQ_PORTS]; 0 for anything else (header, other states, other ports).
 */
int closing_parse_line(const char *line, int v6, const uint8_t *ports,
		       struct synq_flow_v6 *flow);

/*
 * Marks in `synq_closing` (map_fd) the TIME_WAIT sockets on protected ports of the
 * current network namespace. Returns how many, or -errno.
 */
int closing_seed(int map_fd, const uint8_t *ports);

#endif
