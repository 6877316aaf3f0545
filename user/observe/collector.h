/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The collector: one snapshot per interval of every listener's queues and
 * counters, the namespace's netstat counters and synq's XDP counters; and the
 * pure arithmetic (listener sums, views, histogram percentiles) that `synq
 * watch` and `synq top` build their output from. Per-CPU sums, deltas, rates
 * and the restart rule are the counter model's: observe/counters.h.
 */
#ifndef SYNQ_COLLECTOR_H
#define SYNQ_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <net/if.h>

#include <synq/protect.h>
#include <synq/queue.h>

#include "observe/counters.h"
#include "protect/pins.h"

/* The /proc/net/netstat counters synq reports, all from the TcpExt: lines. */
enum synq_netstat {
	SYNQ_NETSTAT_LISTEN_OVERFLOWS,
	SYNQ_NETSTAT_LISTEN_DROPS,
	SYNQ_NETSTAT_REQQ_FULL_DO_COOKIES,
	SYNQ_NETSTAT_REQQ_FULL_DROP,
	SYNQ_NETSTAT_SYNCOOKIES_SENT,
	SYNQ_NETSTAT_SYNCOOKIES_RECV,
	SYNQ_NETSTAT_SYNCOOKIES_FAILED,
	SYNQ_NETSTAT_MAX
};
/*
 * Names of enum synq_netstat and enum synq_queue_counter values (the
 * protection counters' names are pins.h's).
 * Declared unsized so that collector.c can assert each has exactly _MAX entries.
 */
extern const char *const synq_netstat_names[];
extern const char *const synq_qc_names[];

#define SYNQ_NETNS_MAX	64	/* namespaces one snapshot covers */
#define SYNQ_XDP_MAX	16	/* attached interfaces per namespace */

/* One interface synq protects: its counters as the pins module reads them. */
struct synq_xdp_iface {
	char name[IF_NAMESIZE];
	struct protect_sample s;
};

struct synq_netns {
	uint64_t netns;			/* inode */
	char name[64];			/* /run/netns name, or "" */
	bool netstat_ok;
	uint64_t netstat[SYNQ_NETSTAT_MAX];
	int somaxconn;			/* net.core.somaxconn; -1 when unreadable */
	int n_xdp;
	int xdp_omitted;		/* protected interfaces past SYNQ_XDP_MAX: not shown */
	struct synq_xdp_iface xdp[SYNQ_XDP_MAX];
};

/* One listener in one snapshot: iterator gauges, owner and summed counters. */
struct synq_listener {
	struct synq_lkey key;
	bool gauged;			/* seen by the iterator in this snapshot */
	bool counted;			/* has a row (counters) in the listener table */
	uint32_t aq_len, aq_max;	/* accept queue */
	uint32_t syn_len, syn_max;	/* SYN queue; max = sk_max_ack_backlog */
	uint64_t drops;			/* sk_drops (since the socket was made) */
	uint32_t oldest_ms;		/* wait of the oldest child in the accept queue */
	uint64_t ino;
	uint32_t uid;
	uint32_t pid;			/* owner; 0 when unknown */
	char comm[16];
	bool backlog_known;		/* listen() was seen while synq observed */
	int32_t backlog_req;		/* what it asked for, before somaxconn clamped it */
	bool v6only;			/* an IPv6 socket that takes no IPv4 */
	struct synq_lstats st;		/* counters since the row was made */
};

/*
 * One listener's --mode auto state on one protected interface (its view in
 * synq_listeners), and the listener of the snapshot that takes its SYNs.
 * synq keeps a view per address a SYN is sent to, so a wildcard listener has
 * one per local address that receives SYNs.
 */
struct synq_plistener {
	uint64_t netns;			/* inode */
	char device[IF_NAMESIZE];
	bool adaptive;			/* the device runs --mode auto; always: p.state means nothing */
	struct protect_listener p;
	bool joined;			/* a listener of the snapshot takes its SYNs: */
	struct synq_lkey listener;	/* its key (a wildcard address, or p's) */
};

struct synq_snapshot {
	double t;			/* CLOCK_MONOTONIC, seconds */
	time_t wall;
	size_t n, cap;
	struct synq_listener *l;
	size_t n_ns;
	size_t ns_omitted;		/* namespaces past SYNQ_NETNS_MAX: not shown */
	struct synq_netns ns[SYNQ_NETNS_MAX];
	uint64_t qc[SYNQ_QC_MAX];	/* synq_queue_stats, CPUs summed */
	bool accept_traced;		/* false: accepted is derived, no wait times */
	bool enqueue_traced;		/* false: no enqueued counts, depth histogram or peaks */
	uint32_t listeners_max;		/* the listener table's size */
	uint32_t rows;			/* rows in it, every namespace */
	size_t n_pl, cap_pl;
	struct synq_plistener *pl;	/* protected listeners, by namespace and device */
};

/*
 * What watch and top print of one listener: counts since the base, rates over
 * the last interval. Without accept() traced, accepted is what left the
 * accept queue: enqueued minus the growth of its length.
 */
struct synq_lview {
	uint64_t enqueued, accepted, overflows, overflow_acks, synack_retrans;
	double enq_rate, acc_rate, drop_rate;
	uint64_t wait_count, wait_max_us;
	double p50_us, p99_us;		/* since the base */
	double ip50_us, ip99_us;	/* last interval only; -1 without samples */
	uint32_t aq_peak;
};

/* ---- pure arithmetic (no system access); sums, deltas and rates: counters.h ---- */
/*
 * The q-quantile (0..1) of a wait histogram, in microseconds: found by rank,
 * interpolated linearly inside its bucket [lo, hi), capped at max_us when
 * max_us is nonzero. -1 when the histogram is empty.
 */
double synq_hist_quantile(const uint64_t *hist, int n, double q, uint64_t max_us);
/* Parse /proc/net/netstat text into out[]; returns how many of the counters were found. */
int synq_netstat_parse(const char *text, uint64_t out[SYNQ_NETSTAT_MAX]);
int synq_lkey_cmp(const struct synq_lkey *a, const struct synq_lkey *b);
bool synq_lkey_wildcard(const struct synq_lkey *k);
/* "192.0.2.1:80" or "[2001:db8::1]:80" */
void synq_lkey_str(const struct synq_lkey *k, char *buf, size_t len);
/*
 * "PID/comm" for a terminal, or `unknown` when the owner is not known. Bytes of
 * comm that are not printable ASCII show as '?' (JSON keeps them, escaped).
 */
void synq_owner_str(const struct synq_listener *l, const char *unknown, char *buf, size_t len);
/* A duration for people: "850us", "1.2ms", "2.50s"; "-" when us < 0. */
void synq_fmt_us(double us, char *buf, size_t len);
struct synq_listener *synq_snapshot_find(const struct synq_snapshot *s, const struct synq_lkey *k);
const struct synq_netns *synq_snapshot_netns(const struct synq_snapshot *s, uint64_t netns);
/* Fill v for cur->l[i]; prev (last interval) and base (start) may be NULL. */
void synq_view(const struct synq_snapshot *cur, const struct synq_snapshot *prev,
	       const struct synq_snapshot *base, size_t i, struct synq_lview *v);
/*
 * Counters are reported as deltas against base. A namespace or XDP interface
 * first seen after the base was taken is copied into base at first sight, so
 * its deltas start there instead of at the kernel's totals.
 */
const struct synq_xdp_iface *synq_xdp_find(const struct synq_netns *ns, const char *name);
void synq_base_adopt(struct synq_snapshot *base, const struct synq_snapshot *cur);
/*
 * Find the listener of each protected listener's view in s, as the kernel
 * would for a SYN to its address: bound to that address, else a wildcard of
 * the same family, else (IPv4) an IPv6 wildcard that also takes IPv4. s->l
 * must be in the order synq_collector_snapshot() leaves it: by netns, port,
 * then key (synq_lkey_cmp).
 */
void synq_plistener_join(struct synq_snapshot *s);
void synq_snapshot_free(struct synq_snapshot *s);
/* Deep copy (listeners array included). 0 or -ENOMEM. */
int synq_snapshot_copy(struct synq_snapshot *dst, const struct synq_snapshot *src);

/* ---- the live collector ---- */
struct synq_collector;

/* What --listeners N of watch, top and export may ask for. */
#define SYNQ_LISTENERS_FLAG_MIN	16
#define SYNQ_LISTENERS_FLAG_MAX	(1u << 24)

struct synq_collector_opts {
	bool all_netns;		/* every namespace with listeners; else this thread's */
	bool no_wait;		/* leave accept() untraced: no wait times, accepted derived */
	/* leave sk_data_ready untraced: no enqueued counts, depth histogram or peaks (with no_wait) */
	bool no_enqueue;
	uint16_t port;		/* 0: every port */
	uint32_t listeners_max;	/* listener table size; 0: SYNQ_LISTENERS_MAX */
};

/*
 * Read the protection counters of every interface synq protects in this
 * thread's namespace (pins.h: checked pins, one sample each) into ns->xdp;
 * those past SYNQ_XDP_MAX are counted in ns->xdp_omitted. Pass-only
 * interfaces have no counters and are left out. When s is not NULL, the views
 * of their listeners (on port, unless 0) are appended to s->pl, not yet
 * joined. Returns how many interfaces were read.
 */
int synq_xdp_read(struct synq_netns *ns, struct synq_snapshot *s, uint16_t port);

/*
 * Load and attach the queue programs. Needs CAP_BPF, CAP_PERFMON and CAP_DAC_OVERRIDE
 * (checked first, one line naming the missing one); NULL with a message on failure.
 */
struct synq_collector *synq_collector_open(const struct synq_collector_opts *o);
/* Take a snapshot into s (its listener array is reused). 0 or -errno. */
int synq_collector_snapshot(struct synq_collector *c, struct synq_snapshot *s);
/* When the programs were attached (wall clock): counters run since then. */
time_t synq_collector_since(const struct synq_collector *c);
/*
 * Detach the programs (on false) or attach them again (on true); the maps and
 * their counts stay. For side-by-side cost measurements: a detached collector
 * costs the machine nothing, and snapshot needs it attached. 0 or -errno.
 */
int synq_collector_attach(struct synq_collector *c, bool on);
/* The run time of the collector's programs so far (ns), while the kernel's BPF stats are on. */
uint64_t synq_collector_run_ns(const struct synq_collector *c);
/*
 * The collector's map memory: bytes the kernel charges now, and the same by
 * formula (map_memory.h) for a listener table of `listeners` on cpus CPUs.
 */
uint64_t synq_collector_memlock(const struct synq_collector *c);
uint64_t synq_collector_memory(const struct synq_collector *c, uint32_t listeners, int cpus);
/* Detach and free everything. */
void synq_collector_close(struct synq_collector *c);

#endif
