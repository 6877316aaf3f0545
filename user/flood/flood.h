/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synq flood: the parsers (unit-tested), the options, and flood_run(), which
 * `synq bench` calls in a child process inside its attacker namespace.
 */
#ifndef SYNQ_USER_FLOOD_H
#define SYNQ_USER_FLOOD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "synq/flood.h"

#define FLOOD_MAX_SECONDS	300	/* the hard cap on any flood */
#define FLOOD_MAX_THREADS	64
/* Frames per bpf_prog_test_run_opts() call when not paced: ~30 ms at 9 Mpps. */
#define FLOOD_LIVE_CHUNK	(1u << 18)
#define FLOOD_DEFAULT_BATCH	128	/* live frames per kernel batch */

struct flood_addr {
	int family;		/* 4 or 6 */
	uint8_t addr[16];	/* network order; IPv4 in the first 4 bytes */
	uint16_t port;		/* host order */
};

struct flood_cidr {
	int family;
	uint8_t addr[16];	/* host bits cleared */
	int prefix;
};

enum flood_backend { FLOOD_AUTO, FLOOD_LIVE, FLOOD_PACKET };

struct flood_opts {
	const char *iface;
	struct flood_addr dst;
	struct flood_cidr src;
	bool have_src, have_mac;
	bool own_addresses;	/* --i-own-these-addresses: public targets and sources allowed */
	uint8_t dst_mac[6];
	uint64_t rate;		/* frames per second in total; 0 = as fast as possible */
	uint64_t count;		/* 0 = until the duration ends */
	double duration;	/* seconds; 0 = until count frames are sent (capped) */
	unsigned int threads;
	unsigned int batch;	/* live frames per batch inside the kernel */
	int options;		/* enum flood_options */
	enum flood_backend backend;
	bool progress;		/* a line a second on stderr */
};

struct flood_result {
	uint64_t sent;
	double elapsed;		/* seconds from the first frame to the last */
	double cpu;		/* CPU seconds the sending threads used (the kernel's work in them included) */
	enum flood_backend backend;	/* the one that ran */
	bool capped;		/* stopped by the hard cap */
};

/* "192.0.2.1:80" or "[2001:db8::1]:80". 0 or -EINVAL. */
int flood_parse_ipport(const char *s, struct flood_addr *out);
/* "198.18.0.0/15", "2001:2::/48"; a bare address is a /32 or /128. 0 or -EINVAL. */
int flood_parse_cidr(const char *s, struct flood_cidr *out);
/* "02:00:00:00:00:01" (':' or '-' between six hex pairs). 0 or -EINVAL. */
int flood_parse_mac(const char *s, uint8_t mac[6]);
/* "none", "linux", "random": the enum value or -EINVAL. */
int flood_parse_options(const char *s);

/*
 * Where a flood may go (target.c). flood_addr_refused: why a is never a target
 * (unspecified, multicast, broadcast), or NULL. flood_cidr_private: whether all of
 * c lies in a private, link-local, documentation or benchmarking range.
 */
const char *flood_addr_refused(const struct flood_addr *a);
bool flood_cidr_contains(const struct flood_cidr *c, int family, const uint8_t *addr);
bool flood_cidr_private(const struct flood_cidr *c);
/*
 * The checks that need the interface's addresses: its own address or a directed
 * broadcast (refused), and the ownership rule for public targets and sources.
 * 0, or EXIT_USAGE after one line.
 */
int flood_check_target(const struct flood_opts *o, int ifindex);
/*
 * The MAC of the next hop towards o->dst out of ifindex, from the neighbour
 * table; when there is no entry the kernel is asked to resolve it, for a few
 * seconds at most. 0, or EXIT_FAIL after one line.
 */
int flood_next_hop_mac(const struct flood_opts *o, int ifindex, uint8_t mac[6]);

/* Fills the frame template and source range for flood_write(). */
void flood_cfg_init(struct flood_cfg *c, const struct flood_addr *dst,
		    const struct flood_cidr *src, const uint8_t smac[6],
		    const uint8_t dmac[6], int options);

/*
 * Runs the XDP program prog_fd n times on frame with BPF_F_TEST_XDP_LIVE_FRAMES,
 * its XDP_TX frames leaving through ifindex (in this thread's namespace), batch
 * frames per kernel batch. n, or -errno.
 */
int flood_live_run(int prog_fd, int ifindex, const void *frame, unsigned int len, uint32_t n,
		   unsigned int batch);

/* CPU seconds the calling thread has used: CLOCK_THREAD_CPUTIME_ID. */
double thread_cpu_seconds(void);

/* Parses `synq flood` arguments into o. 0, or EXIT_USAGE after one line on stderr. */
int flood_parse_args(int argc, char **argv, struct flood_opts *o);

/*
 * Sends the flood described by o from the current network namespace; stops early
 * once *stop is set (from a signal handler). Returns 0, EXIT_USAGE (no such
 * interface) or EXIT_FAIL, each after one line on stderr.
 */
int flood_run(const struct flood_opts *o, volatile sig_atomic_t *stop,
	      struct flood_result *res);

#endif
