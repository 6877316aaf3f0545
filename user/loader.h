/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The loader of synq's SYN-cookie protection: it loads bpf/synq_protect.bpf.c,
 * fills its maps, attaches XDP (libxdp) and TC ingress (libbpf) to one
 * interface and pins everything under
 *
 *	/sys/fs/bpf/synq/<netns inode>/<IFACE>/
 *		synq_config synq_keys synq_ports synq_stats synq_handoff_errors
 *		synq_xdp	the XDP program (attached through netlink: no link)
 *		synq_tc		the TC ingress program (filter SYNQ_TC_PRIO/SYNQ_TC_HANDLE)
 *		owns_clsact/	an empty directory: synq created the clsact qdisc
 *	or, for `attach --pass-only` on the far end of a veth:
 *		synq_pass	an XDP program that passes everything
 *
 * so the protection outlives the loader and `status`, `key` and `detach` find
 * it again. The top half of this header is pure (no system calls): parsing and
 * arithmetic that the unit tests exercise.
 */
#ifndef SYNQ_LOADER_H
#define SYNQ_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <synq/cookie.h>
#include <synq/protect.h>

#define SYNQ_PIN_ROOT "/sys/fs/bpf/synq"
#define SYNQ_TC_PRIO 1
#define SYNQ_TC_HANDLE 0x5351	/* "SQ" */

/* ---- pure helpers ---- */

/*
 * Parse "8080,8443,9000-9010" into ports[SYNQ_PORTS] (1 = protected). Ports
 * are 1..65535, ranges LOW-HIGH with LOW <= HIGH. Returns the number of
 * distinct ports, or -1 with the offending element copied into bad[badlen].
 */
int ports_parse(const char *spec, uint8_t *ports, char *bad, size_t badlen);

/* Write the protected ports of ports[SYNQ_PORTS] as "80,443,9000-9010". Returns the count. */
int ports_format(const uint8_t *ports, char *buf, size_t len);

/*
 * A key as 32 hex digits (surrounding white space allowed). The 16 bytes are
 * read in order and loaded as two little-endian 64-bit words, the convention
 * of SipHash's reference code. 0 or -EINVAL.
 */
int key_parse_hex(const char *text, struct synq_key *key);

/*
 * The window scale Linux advertises in a SYN-ACK (tcp_select_initial_window()):
 * ilog2(max(space, tcp_rmem[2], rmem_max)) - 15, clamped to 0..14, for a
 * listener without SO_RCVBUF or a route window clamp.
 */
uint8_t tcp_rcv_wscale(long space, long tcp_rmem_max, long core_rmem_max);

/*
 * The MSS values of synq_config from an interface MTU and an optional
 * requested MSS (0 = none). -ERANGE when the request does not fit the MTU.
 */
int mss_from_mtu(unsigned int mtu, unsigned int want, uint16_t *mss_v4, uint16_t *mss_v6);

/*
 * Per-CPU map values as the kernel returns them, vals[i * ncpu + cpu] for
 * n entries, summed over the CPUs into out[i].
 */
void percpu_sum(const uint64_t *vals, unsigned int n, unsigned int ncpu, uint64_t *out);
/* Events per second between two readings of a counter; 0 if it went backwards (re-attach). */
double counter_rate(uint64_t prev, uint64_t cur, double seconds);

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

/* ---- pins ---- */

/* "/sys/fs/bpf/synq/<netns inode>" (iface NULL) or ".../<iface>". 0 or -ENAMETOOLONG. */
int pin_dir(char *buf, size_t len, const char *iface);
/* "<pin_dir(iface)>/<name>". */
int pin_path(char *buf, size_t len, const char *iface, const char *name);

/* ---- attach / detach ---- */

enum xdp_mode_req {
	XDP_REQ_AUTO,		/* native, falling back to generic */
	XDP_REQ_NATIVE,
	XDP_REQ_GENERIC,
};

struct attach_opts {
	const char *iface;
	const uint8_t *ports;		/* SYNQ_PORTS entries */
	enum xdp_mode_req mode;
	const struct synq_key *key;	/* NULL: random */
	unsigned int mss;		/* 0: from the MTU */
	bool replace;
	bool pass_only;			/* only an XDP_PASS program (the veth peer fix) */
};

/*
 * `synq attach`'s words (argv[0] = "attach") into o, ports[SYNQ_PORTS] and key
 * (used when --key-file is given). EXIT_OK, or EXIT_USAGE with one line printed.
 */
int attach_parse_args(int argc, char **argv, struct attach_opts *o, uint8_t *ports,
		      struct synq_key *key);

/* Everything `synq attach` does. 0, or -errno with a message printed; nothing half-done stays. */
int loader_attach(const struct attach_opts *opts);
/* Everything `synq detach` does. -ENOENT (with a message) when nothing is attached. */
int loader_detach(const char *iface);

/* ---- what is pinned ---- */

struct pinned {
	char iface[32];
	int ifindex;			/* 0: the interface is gone */
	bool pass_only;
	int config_fd, keys_fd, ports_fd, stats_fd, errors_fd;
	int malformed_fd;		/* -1 when the programs have no synq_malformed */
	uint32_t xdp_prog_id;		/* of the pinned program */
	uint32_t xdp_attached_id;	/* what the interface runs now (0: none) */
	const char *xdp_mode;		/* "native", "generic", "offload" or "none" */
};

/* Open what attach pinned for iface. -ENOENT when it is not attached; no message. */
int pinned_open(const char *iface, struct pinned *p);
void pinned_close(struct pinned *p);
/*
 * Call fn for every interface with pins in this namespace, in name order.
 * Returns how many there were, or -errno.
 */
int pinned_each(int (*fn)(const char *iface, void *arg), void *arg);

int config_read(const struct pinned *p, struct synq_config *cfg);
int config_write(const struct pinned *p, const struct synq_config *cfg);
/* ports[SYNQ_PORTS] from the pinned synq_ports map. */
int ports_read(const struct pinned *p, uint8_t *ports);
/* The key of slot (0 or 1). */
int key_read(const struct pinned *p, unsigned int slot, struct synq_key *key);
int key_write(const struct pinned *p, unsigned int slot, const struct synq_key *key);
/* A fresh key from getrandom(). */
int key_random(struct synq_key *key);
/* Read a key file (32 hex digits). Prints the reason and returns -errno on failure. */
int key_load_file(const char *verb, const char *path, struct synq_key *key);

#endif
