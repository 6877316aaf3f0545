/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synq bench: the pieces under the scenarios. bench_env.c builds and removes the
 * two-namespace topology, runs children in a namespace on a CPU, starts the
 * servers (synq serve) and holds the legitimate client; bench.c runs the scenarios and reports.
 */
#ifndef SYNQ_BENCH_H
#define SYNQ_BENCH_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define BENCH_SERVER_ADDR "192.0.2.2"	/* the server namespace's end of the veth */
#define BENCH_PORT	8080	/* request/reply: synq serve, HTTP ("ok") */
#define BENCH_ECHO_PORT	8081	/* bulk: synq serve --reply echo */
#define BENCH_CPU_ATTACK 0	/* flood, client */
#define BENCH_CPU_SERVER 1	/* server process, the server veth's NAPI thread */

struct bench_env {
	char ns_a[32], ns_s[32];	/* attacker/client and server namespaces */
	char if_a[16], if_s[16];	/* the veth ends */
	int ifindex_a, ifindex_s;
	pid_t server, echo;		/* the two synq serve processes */
	int self_ns;			/* fd of the namespace bench started in */
	bool up;
};


/* Pin the calling process (and the threads it starts) to cpu. */
void bench_pin_self(int cpu);
/* qsort() order of doubles, ascending. */
int bench_cmp_double(const void *a, const void *b);
int bench_env_up(struct bench_env *e);
void bench_env_down(struct bench_env *e);
/* Run fn in the named namespace (then come back); 0 or -errno. */
int bench_in_ns(struct bench_env *e, const char *ns, int (*fn)(void *), void *arg);
/* Threaded NAPI on IF in NS, its kernel threads pinned to cpu; cpu < 0: softirq NAPI. */
void bench_napi_pin(const char *ns, const char *ifname, int cpu);
/* CPU seconds the NAPI threads of ifname have used so far (utime + stime). */
double bench_napi_cpu(const char *ifname);

/* Where one veth end lost frames: each counter summed over its queues. */
struct veth_loss {
	uint64_t xmit_errors;	/* frames sent with XDP (live frames, redirect) the peer's ring refused */
	uint64_t tx_errors;	/* this end's XDP_TX answers the peer's ring refused */
	uint64_t tx_dropped;	/* skbs through this end the peer refused (XDP frames not) */
	uint64_t rx_drops;	/* frames dropped on this end's receive rings */
};
/* The counters now (ethtool -S, statistics/tx_dropped), 0 or -errno; after -= before. */
int bench_veth_loss(const char *ns, const char *ifname, struct veth_loss *l);
void veth_loss_sub(struct veth_loss *after, const struct veth_loss *before);

/* `synq -n NS ARGS...` as a child; its exit status. _start: its pid, not waited for. */
int bench_synq(const char *ns, const char *const *args);
pid_t bench_synq_start(const char *ns, const char *const *args);
/* Starts synq serve (HTTP and echo) in the server namespace on BENCH_CPU_SERVER. */
int bench_server_start(struct bench_env *e);
void bench_server_stop(struct bench_env *e);

/* Forks a child in namespace ns pinned to cpu (< 0: not pinned) that runs fn and writes its result
 * (len bytes) to a pipe; bench_child_wait() reads it back. Returns the pid or -errno. */
pid_t bench_child(const char *ns, int cpu, void (*fn)(void *arg, void *res), void *arg,
		  size_t len, int *rfd);
int bench_child_wait(pid_t pid, int rfd, void *res, size_t len);

/* The legitimate client: connect + request + reply, one after another, for a while. */
struct client_args {
	double seconds;
	double timeout;		/* per round trip; a slower one is a failure */
	const char *dst;	/* IPv4 address of the server */
};
#define CLIENT_MAX_SAMPLES 200000
struct client_result {
	uint64_t attempts, ok;
	double p50_ms, p99_ms, max_ms;
	double rate;		/* completed round trips per second */
};
void bench_client(void *arg, void *res);

/* Bulk transfer through the echo server for a while: bytes echoed back per second. */
struct bulk_result {
	double gbit;
	int err;
};
void bench_bulk(void *arg, void *res);

#endif
