// SPDX-License-Identifier: GPL-2.0
/*
 * synq bench: side-by-side measurements in one run, on a topology of its own.
 *
 *   attacker/client namespace            server namespace
 *   flood, client (CPU 0)  --- veth ---  synq serve, NAPI thread (CPU 1)
 *   XDP counter: counts SYN-ACKs to       XDP: pass (kernel cookies), synq, or the
 *   198.18.0.0/15 and drops them          bare reflector
 *
 * The server's veth runs NAPI as a thread pinned to CPU 1, so the server's work is
 * not done on the flood's CPU (veth runs a receiver's softirq NAPI where the frame
 * was sent from). Counting the answers happens in softirq on CPU 1 as well.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "flood/bench_env.h"
#include "flood/bench_observer.h"
#include "cli/cli.h"
#include "cli/json.h"
#include "flood/flood.h"
#include "cli/verb.h"
#include "synq/bench_count.h"
#include "system/system.h"
#include "synq_bench.skel.h"
#include "synq_pass.skel.h"

#define VERB "bench"

enum responder { R_KERNEL, R_SYNQ, R_SYNQ_AUTO, R_REFLECT, R_MAX };
static const char *const responder_names[R_MAX] = {
	"kernel SYN cookies (tcp_syncookies=2)", "synq XDP cookies (--mode always)",
	"synq --mode auto (switches to cookies)", "bare XDP_TX reflector (ceiling)",
};
static const char *const responder_keys[R_MAX] = { "kernel", "synq", "synq_auto", "reflector" };

#define MAX_RATES 5
#define GEN_FRAME_LEN 54	/* synq_gen's IPv4 SYN without options */

/* What the server's veth runs while one TCP stream goes through it. */
enum bulk_mode { BULK_NONE, BULK_PASS, BULK_SYNQ, BULK_MAX };
static const char *const bulk_names[BULK_MAX] = {
	"none", "XDP_PASS (any XDP program on veth)", "synq",
};

struct cell {
	bool ok;
	const char *na;		/* why the cell is empty */
};

/* Frames lost in one row, by where: the two veth ends' counters. */
struct loss {
	struct veth_loss a, s;	/* attacker (flood, client) end; server end */
};

struct results {
	double flood_s;		/* how long each SYN-ACK row's flood ran */
	/* synq flood and the minimal generator (synq_gen), one thread each */
	struct { struct cell c; double pps, per_cpu; } gen, ceiling, gen2;	/* gen2: 2 threads */
	struct {
		struct cell c;
		double flood_pps, synack_ps;
		double napi_cpu;		/* CPU seconds of the server veth's NAPI thread */
		struct loss loss;
	} resp[R_MAX];
	int nrates;
	double rates[MAX_RATES];	/* 0 = no flood; < 0 = as fast as possible */
	struct {
		struct cell c;
		double flood_pps;
		struct client_result r;
		struct loss loss;
	} legit[2][MAX_RATES];
	struct { struct cell c; double rate; } accept[2];	/* queue programs off, on */
	struct { struct cell c; double gbit; } bulk[BULK_MAX];
	struct observer_result observer;	/* nginx with and without the observer */
};

struct bench {
	struct bench_env env;
	struct synq_bench_bpf *progs;
	struct synq_pass_bpf *pass;
	bool quick;
	bool observer_only;	/* scenario 5 alone */
	double flood_s, client_s, bulk_s;
	bool synq_on;
	struct results res;
};

/* ------------------------------------------------------------ XDP programs */

struct xdp_req {
	int ifindex, fd;	/* fd < 0: detach */
};

static int xdp_set(void *arg)
{
	struct xdp_req *r = arg;

	bpf_xdp_detach(r->ifindex, XDP_FLAGS_DRV_MODE, NULL);
	return r->fd < 0 ? 0 : bpf_xdp_attach(r->ifindex, r->fd, XDP_FLAGS_DRV_MODE, NULL);
}

/*
 * Only the server's veth runs NAPI in a thread, pinned to the server's CPU. The
 * attacker's veth keeps softirq NAPI: it then runs where its frames are sent from,
 * the server's CPU, and counting an answer there costs ~0.1 us, where waking a
 * NAPI thread on the other CPU for every SYN-ACK cost the server several.
 */
static void repin(struct bench *b)
{
	bench_napi_pin(b->env.ns_s, b->env.if_s, BENCH_CPU_SERVER);
}

static int synq_detach(struct bench *b)
{
	const char *const args[] = { "detach", b->env.if_s, NULL };

	if (!b->synq_on)
		return 0;
	b->synq_on = false;
	return bench_synq(b->env.ns_s, args);
}

/* Puts prog on the server's veth (NULL: none), replacing whatever was there. */
static int server_xdp(struct bench *b, struct bpf_program *prog)
{
	struct xdp_req r = { b->env.ifindex_s, prog ? bpf_program__fd(prog) : -1 };
	int err;

	synq_detach(b);
	err = bench_in_ns(&b->env, b->env.ns_s, xdp_set, &r);
	if (err)
		synq_err("bench: XDP on %s: %s", b->env.if_s, strerror(-err));
	repin(b);
	return err;
}

/*
 * synq's own programs on the server's veth, in --mode mode; NULL, or why they are
 * not there. "always" unless a row measures auto: every SYN of the flood then
 * meets the cookie path from the first one.
 */
static const char *server_synq_mode(struct bench *b, const char *mode)
{
	char port[8];
	const char *const args[] = { "attach", b->env.if_s, "--mode", mode, "--ports", port,
				     NULL };

	if (server_xdp(b, NULL))
		return "n/a (XDP detach failed)";
	snprintf(port, sizeof(port), "%d", BENCH_PORT);
	if (bench_synq(b->env.ns_s, args)) {
		synq_err("bench: synq attach %s --mode %s --ports %s failed (synq -v bench "
			 "shows why)", b->env.if_s, mode, port);
		return "n/a (synq attach failed)";
	}
	b->synq_on = true;
	repin(b);
	return NULL;
}

static const char *server_synq(struct bench *b)
{
	return server_synq_mode(b, "always");
}

/* The attacker-side counter: SYN-ACKs received since the last reset. */
static uint64_t synacks(struct bench *b, bool reset)
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(b->progs->maps.synq_counts);
	struct bench_count v[ncpu > 0 ? ncpu : 1];
	uint64_t sum = 0;
	__u32 zero = 0;

	if (ncpu <= 0)
		return 0;
	if (reset) {
		memset(v, 0, sizeof(v));
		bpf_map_update_elem(fd, &zero, v, BPF_ANY);
		return 0;
	}
	if (bpf_map_lookup_elem(fd, &zero, v))
		return 0;
	for (int i = 0; i < ncpu; i++)
		sum += v[i].synack;
	return sum;
}

/* ------------------------------------------------------------------ flood */

struct flood_job {
	struct flood_opts o;
	pid_t pid;
	int rfd;
};

static void flood_child(void *arg, void *res)
{
	flood_run(arg, &synq_stop, res);
}

/*
 * Starts a flood of `seconds` at `rate` pps (0: as fast as possible) with `threads`
 * threads: one on the attacker's CPU, or one per CPU.
 */
static int flood_start_threads(struct bench *b, struct flood_job *j, double rate,
			       double seconds, unsigned int threads)
{
	memset(j, 0, sizeof(*j));
	j->o = (struct flood_opts){
		.iface = b->env.if_a, .duration = seconds, .rate = (uint64_t)rate,
		.threads = threads, .batch = FLOOD_DEFAULT_BATCH, .options = FLOOD_OPT_LINUX,
	};
	flood_parse_ipport("192.0.2.2:8080", &j->o.dst);
	flood_parse_cidr(FLOOD_DEFAULT_SRC_V4, &j->o.src);
	j->pid = bench_child(b->env.ns_a, threads > 1 ? -1 : BENCH_CPU_ATTACK, flood_child, &j->o,
			     sizeof(struct flood_result), &j->rfd);
	return j->pid < 0 ? (int)j->pid : 0;
}

static int flood_start(struct bench *b, struct flood_job *j, double rate, double seconds)
{
	return flood_start_threads(b, j, rate, seconds, 1);
}

/* Frames per second of wall time, or -1; *per_cpu: per CPU-second of the sender. */
static double sender_rate(const struct flood_result *r, double *per_cpu)
{
	if (!r->sent || r->elapsed <= 0)
		return -1;
	if (per_cpu)
		*per_cpu = r->cpu > 0 ? r->sent / r->cpu : 0;
	return r->sent / r->elapsed;
}

/* Waits for the flood; its rate in pps, or -1. */
static double flood_wait(struct flood_job *j, double *per_cpu)
{
	struct flood_result r;

	if (bench_child_wait(j->pid, j->rfd, &r, sizeof(r)))
		return -1;
	return sender_rate(&r, per_cpu);
}

/* -------------------------------------------------------------- scenarios */

static void loss_start(struct bench *b, struct loss *l)
{
	bench_veth_loss(b->env.ns_a, b->env.if_a, &l->a);
	bench_veth_loss(b->env.ns_s, b->env.if_s, &l->s);
}

/* l held the counters at the start; now it holds what was lost since. */
static void loss_end(struct bench *b, struct loss *l)
{
	struct loss now;

	loss_start(b, &now);
	veth_loss_sub(&now.a, &l->a);
	veth_loss_sub(&now.s, &l->s);
	*l = now;
}

/* The minimal generator for `seconds`, in a child in the attacker namespace. */
struct gen_job {
	int prog_fd, ifindex;
	double seconds;
	uint8_t frame[GEN_FRAME_LEN];	/* the program writes every byte of it */
};

static void gen_child(void *arg, void *res)
{
	const struct gen_job *g = arg;
	struct flood_result *r = res;
	double start = mono_now(), cpu0 = thread_cpu_seconds();
	int n;

	while (!synq_stop && mono_now() - start < g->seconds) {
		n = flood_live_run(g->prog_fd, g->ifindex, g->frame, GEN_FRAME_LEN,
				   FLOOD_LIVE_CHUNK, FLOOD_DEFAULT_BATCH);
		if (n < 0)
			return;
		r->sent += n;
	}
	r->elapsed = mono_now() - start;
	r->cpu = thread_cpu_seconds() - cpu0;
}

static double gen_run(struct bench *b, double seconds, double *per_cpu)
{
	struct gen_job g = { .prog_fd = bpf_program__fd(b->progs->progs.synq_gen),
			     .ifindex = b->env.ifindex_a, .seconds = seconds };
	struct flood_result r;
	int rfd;
	pid_t pid = bench_child(b->env.ns_a, BENCH_CPU_ATTACK, gen_child, &g, sizeof(r), &rfd);

	if (pid < 0 || bench_child_wait(pid, rfd, &r, sizeof(r)))
		return -1;
	return sender_rate(&r, per_cpu);
}

/*
 * synq flood and the minimal generator in turns, twice each, so that both see
 * the same machine: the mean rate of each.
 */
static void generator(struct bench *b)
{
	struct results *res = &b->res;
	double f, g, fc, gc;
	struct flood_job j;

	if (server_xdp(b, b->progs->progs.synq_drop))
		return;
	/* the drop runs in softirq on the generator's CPU: nothing but the sender limits it */
	bench_napi_pin(b->env.ns_s, b->env.if_s, -1);
	for (int i = 0; i < 2 && !synq_stop; i++) {
		if (flood_start(b, &j, 0, b->flood_s / 2) || (f = flood_wait(&j, &fc)) <= 0 ||
		    (g = gen_run(b, b->flood_s / 2, &gc)) <= 0)
			return;
		res->gen.pps += f / 2, res->gen.per_cpu += fc / 2;
		res->ceiling.pps += g / 2, res->ceiling.per_cpu += gc / 2;
	}
	res->gen.c.ok = res->ceiling.c.ok = !synq_stop;
	/* one thread per CPU, each into a receive ring of its own (the veth has two) */
	if (!synq_stop && !flood_start_threads(b, &j, 0, b->flood_s / 2, 2) &&
	    (f = flood_wait(&j, &fc)) > 0) {
		res->gen2 = (typeof(res->gen2)){ .c.ok = true, .pps = f, .per_cpu = fc };
	}
}

static void synack_rate(struct bench *b, enum responder r)
{
	struct results *res = &b->res;
	struct flood_job j;
	double pps, cpu;

	if (r == R_SYNQ || r == R_SYNQ_AUTO)
		res->resp[r].c.na = server_synq_mode(b, r == R_SYNQ ? "always" : "auto");
	else if (server_xdp(b, r == R_KERNEL ? b->pass->progs.synq_pass :
			    b->progs->progs.synq_reflect))
		res->resp[r].c.na = "n/a (XDP attach failed)";
	if (res->resp[r].c.na || synq_stop)
		return;
	synacks(b, true);
	loss_start(b, &res->resp[r].loss);
	cpu = bench_napi_cpu(b->env.if_s);
	if (flood_start(b, &j, 0, b->flood_s))
		return;
	pps = flood_wait(&j, NULL);
	usleep(200000);		/* answers still in flight */
	res->resp[r].napi_cpu = bench_napi_cpu(b->env.if_s) - cpu;
	loss_end(b, &res->resp[r].loss);
	if (pps <= 0)
		return;
	res->resp[r].flood_pps = pps;
	res->resp[r].synack_ps = synacks(b, false) / (b->flood_s);
	res->flood_s = b->flood_s;
	res->resp[r].c.ok = true;
}

/* A legitimate client for b->client_s seconds, with a flood at `rate` beside it. */
static void legit(struct bench *b, int prot, int i)
{
	struct client_args ca = { .seconds = b->client_s, .timeout = 2.0, .dst = "192.0.2.2" };
	typeof(b->res.legit[0][0]) *cell = &b->res.legit[prot][i];
	double rate = b->res.rates[i];
	struct flood_job j;
	int rfd;
	pid_t pid;

	loss_start(b, &cell->loss);
	if (rate != 0) {
		if (flood_start(b, &j, rate < 0 ? 0 : rate, b->client_s + 0.6))
			return;
		usleep(300000);		/* the flood is at full strength before the client starts */
	}
	pid = bench_child(b->env.ns_a, BENCH_CPU_ATTACK, bench_client, &ca, sizeof(cell->r), &rfd);
	if (pid > 0 && !bench_child_wait(pid, rfd, &cell->r, sizeof(cell->r)))
		cell->c.ok = cell->r.attempts > 0;
	cell->flood_pps = rate != 0 ? flood_wait(&j, NULL) : 0;
	loss_end(b, &cell->loss);
	if (rate != 0 && cell->flood_pps < 0)
		cell->c.ok = false;
}

static void legit_all(struct bench *b)
{
	for (int prot = 0; prot < 2 && !synq_stop; prot++) {
		const char *na = prot ? server_synq(b) :
				 server_xdp(b, b->pass->progs.synq_pass) ? "n/a (XDP attach failed)" :
				 NULL;

		for (int i = 0; i < b->res.nrates && !synq_stop; i++) {
			b->res.legit[prot][i].c.na = na;
			if (!na)
				legit(b, prot, i);
		}
	}
}

/* Round trips per second through the kernel path, with `synq watch` running or not. */
static void accept_rate(struct bench *b, int on)
{
	struct client_args ca = { .seconds = b->bulk_s, .timeout = 2.0, .dst = "192.0.2.2" };
	struct client_result r = { 0 };
	pid_t watch = 0, pid;
	int rfd;

	if (!on && server_xdp(b, b->pass->progs.synq_pass))
		return;
	if (on) {
		/* synq watch loads the queue programs and keeps them for as long as it runs */
		const char *const args[] = { "watch", "--interval", "1", NULL };

		watch = bench_synq_start(b->env.ns_s, args);
		sleep(1);	/* loaded and attached */
		/* a watch that already ended measured nothing */
		if (watch < 0 || waitpid(watch, NULL, WNOHANG) != 0) {
			b->res.accept[on].c.na = "n/a (synq watch failed: synq -v bench shows why)";
			return;
		}
	}
	pid = bench_child(b->env.ns_a, BENCH_CPU_ATTACK, bench_client, &ca, sizeof(r), &rfd);
	if (pid > 0 && !bench_child_wait(pid, rfd, &r, sizeof(r)) && r.ok) {
		b->res.accept[on].rate = r.rate;
		b->res.accept[on].c.ok = true;
	}
	if (watch > 0) {
		kill(watch, SIGTERM);
		waitpid(watch, NULL, 0);
	}
}

static void bulk(struct bench *b, enum bulk_mode m)
{
	struct client_args ca = { .seconds = b->bulk_s, .dst = "192.0.2.2" };
	struct bulk_result r = { 0 };
	int rfd;
	pid_t pid;

	if (m == BULK_SYNQ)
		b->res.bulk[m].c.na = server_synq(b);
	else if (server_xdp(b, m == BULK_PASS ? b->pass->progs.synq_pass : NULL))
		b->res.bulk[m].c.na = "n/a (XDP attach failed)";
	if (b->res.bulk[m].c.na || synq_stop)
		return;
	pid = bench_child(b->env.ns_a, BENCH_CPU_ATTACK, bench_bulk, &ca, sizeof(r), &rfd);
	if (pid > 0 && !bench_child_wait(pid, rfd, &r, sizeof(r)) && !r.err && r.gbit > 0) {
		b->res.bulk[m].gbit = r.gbit;
		b->res.bulk[m].c.ok = true;
	}
}

/* ----------------------------------------------------------------- report */

/* A number, or the reason there is none. */
static const char *cell(const struct cell *c, char *buf, size_t len, const char *fmt, double v)
{
	if (c->ok)
		snprintf(buf, len, fmt, v);
	else
		snprintf(buf, len, "%s", c->na ? c->na : "failed");
	return buf;
}

static const char *rate_name(double r, char *buf, size_t len)
{
	if (r == 0)
		snprintf(buf, len, "none");
	else if (r < 0)
		snprintf(buf, len, "max");
	else
		snprintf(buf, len, "%.2f Mpps", r / 1e6);
	return buf;
}

/* SYN-ACKs per CPU-second of the server veth's NAPI thread, for responder i. */
static double per_vcpu(const struct results *r, int i)
{
	return r->resp[i].synack_ps * r->flood_s / r->resp[i].napi_cpu;
}

static void report_synack(const struct results *r)
{
	const struct cell *g = &r->gen.c, *ce = &r->ceiling.c;
	char a[64], c[64], d[64], e[64], f[64];

	printf("### Flood generator (1 thread, into a veth whose peer drops on the same CPU)\n\n"
	       "| sender | Mpps | M frames per CPU-second |\n| --- | --- | --- |\n");
	printf("| synq flood (live frames) | %s | %s |\n",
	       cell(g, a, sizeof(a), "%.2f", r->gen.pps / 1e6),
	       cell(g, c, sizeof(c), "%.2f", r->gen.per_cpu / 1e6));
	printf("| minimal generator (54-byte SYN template; the ceiling) | %s | %s |\n",
	       cell(ce, a, sizeof(a), "%.2f", r->ceiling.pps / 1e6),
	       cell(ce, c, sizeof(c), "%.2f", r->ceiling.per_cpu / 1e6));
	printf("| synq flood, 2 threads (one per CPU, a ring each) | %s | %s |\n",
	       cell(&r->gen2.c, a, sizeof(a), "%.2f", r->gen2.pps / 1e6),
	       cell(&r->gen2.c, c, sizeof(c), "%.2f", r->gen2.per_cpu / 1e6));
	printf("| synq flood / ceiling | %s | %s |\n\n",
	       cell(g, a, sizeof(a), "%.2f", r->ceiling.pps > 0 ? r->gen.pps / r->ceiling.pps : 0),
	       cell(g, d, sizeof(d), "%.2f", r->ceiling.per_cpu > 0 ?
		    r->gen.per_cpu / r->ceiling.per_cpu : 0));
	printf("### 1. SYN-ACK rate under the same flood (counted on the attacker side)\n\n"
	       "| responder | flood sent | SYN-ACK/s | synq / this | SYN-ACK/s per vCPU | "
	       "ns per SYN |\n| --- | --- | --- | --- | --- | --- |\n");
	for (int i = 0; i < R_MAX; i++) {
		const struct cell *ci = &r->resp[i].c, *cs = &r->resp[R_SYNQ].c;
		struct cell ratio = { .ok = ci->ok && cs->ok && r->resp[i].synack_ps > 0,
				      .na = !cs->ok ? "n/a" : ci->na };
		struct cell core = { .ok = ci->ok && r->resp[i].napi_cpu > 0 && r->resp[i].synack_ps > 0,
				     .na = ci->ok ? "n/a (no NAPI time)" : ci->na };

		printf("| %s | %s | %s | %s | %s | %s |\n", responder_names[i],
		       cell(ci, a, sizeof(a), "%.2f Mpps", r->resp[i].flood_pps / 1e6),
		       cell(ci, c, sizeof(c), "%.0f", r->resp[i].synack_ps),
		       cell(&ratio, d, sizeof(d), "%.2f", ratio.ok ?
			    r->resp[R_SYNQ].synack_ps / r->resp[i].synack_ps : 0),
		       cell(&core, e, sizeof(e), "%.0f", core.ok ? per_vcpu(r, i) : 0),
		       cell(&core, f, sizeof(f), "%.0f", core.ok ? 1e9 / per_vcpu(r, i) : 0));
	}
	printf("\nPer vCPU and per SYN: the CPU time of the server veth's NAPI thread, where the "
	       "responder runs (XDP, or the kernel's TCP stack behind XDP_PASS), divided by the "
	       "SYN-ACKs counted.\n\n");
}

/*
 * The goals for synq's row at flood rate i: every round trip succeeds, p99 no
 * higher than the kernel cookies' in the same run, and at most 3x synq's p99
 * without a flood. "met", or the goals missed.
 */
static const char *goals(const struct results *r, int i, char *buf, size_t len)
{
	const typeof(r->legit[0][0]) *k = &r->legit[0][i], *q = &r->legit[1][i], *q0 = &r->legit[1][0];

	if (!q->c.ok || !k->c.ok || !q0->c.ok)
		return "n/a";
	snprintf(buf, len, "%s%s%s", q->r.ok == q->r.attempts ? "" : "missed: success < 100 %; ",
		 q->r.p99_ms <= k->r.p99_ms ? "" : "missed: p99 > kernel's; ",
		 q->r.p99_ms <= 3 * q0->r.p99_ms ? "" : "missed: p99 > 3x no flood; ");
	if (!buf[0])
		snprintf(buf, len, "met");
	else
		buf[strlen(buf) - 2] = '\0';
	return buf;
}

static void report_legit(const struct results *r)
{
	char f[32], s[64], p50[64], p99[64], mx[64], fs[64], g[128];

	printf("### 2. Legitimate clients under flood (connect + request + reply, 2 s timeout)\n\n"
	       "| flood | sent | protection | round trips | success %% | p50 ms | p99 ms | max ms | "
	       "goals |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
	for (int i = 0; i < r->nrates; i++)
		for (int prot = 0; prot < 2; prot++) {
			const typeof(r->legit[0][0]) *l = &r->legit[prot][i];
			struct cell sent = { .ok = l->c.ok, .na = l->c.na };

			printf("| %s | %s | %s | %" PRIu64 " | %s | %s | %s | %s | %s |\n",
			       rate_name(r->rates[i], f, sizeof(f)),
			       r->rates[i] == 0 ? "-" : cell(&sent, fs, sizeof(fs), "%.2f Mpps",
							     l->flood_pps / 1e6),
			       prot ? "synq" : "kernel cookies", l->r.attempts,
			       cell(&l->c, s, sizeof(s), "%.2f", l->r.attempts ?
				    100.0 * l->r.ok / l->r.attempts : 0),
			       cell(&l->c, p50, sizeof(p50), "%.3f", l->r.p50_ms),
			       cell(&l->c, p99, sizeof(p99), "%.3f", l->r.p99_ms),
			       cell(&l->c, mx, sizeof(mx), "%.3f", l->r.max_ms),
			       prot && i > 0 ? goals(r, i, g, sizeof(g)) : "-");
		}
	printf("\nGoals for synq under each flood: success 100 %%, p99 at most the kernel cookies' "
	       "p99 at the same rate, and at most 3x synq's p99 without a flood.\n\n");
}

static void loss_row(const char *row, const struct loss *l)
{
	printf("| %s | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " |\n", row,
	       l->a.xmit_errors, l->a.tx_dropped, l->s.tx_errors, l->s.tx_dropped,
	       l->a.rx_drops + l->s.rx_drops);
}

/* Every frame a row lost, by the ring that refused it. */
static void report_loss(const struct results *r)
{
	char row[160], f[32];

	printf("### Where frames were lost (veth counters, per row)\n\n"
	       "| row | flood frames the server's ring refused | client frames the server's ring "
	       "refused | XDP_TX answers the attacker's ring refused | kernel answers the "
	       "attacker's ring refused | other receive drops |\n"
	       "| --- | --- | --- | --- | --- | --- |\n");
	for (int i = 0; i < R_MAX; i++)
		if (r->resp[i].c.ok) {
			snprintf(row, sizeof(row), "1. %s", responder_keys[i]);
			loss_row(row, &r->resp[i].loss);
		}
	for (int i = 0; i < r->nrates; i++)
		for (int prot = 0; prot < 2; prot++)
			if (r->legit[prot][i].c.ok) {
				snprintf(row, sizeof(row), "2. %s, flood %s", prot ? "synq" : "kernel",
					 rate_name(r->rates[i], f, sizeof(f)));
				loss_row(row, &r->legit[prot][i].loss);
			}
	printf("\nFrom `ethtool -S` and `tx_dropped` of both veth ends: `xdp_xmit_errors` of the "
	       "attacker's end (live frames), its `tx_dropped` (the client's skbs), "
	       "`xdp_tx_errors` of the server's end (synq's and the reflector's answers), its "
	       "`tx_dropped` (the kernel's answers and replies), and `rx_queue_*_drops` of both.\n\n");
}

/* synq's stream throughput against a bare XDP_PASS program's (the goal: 0.97 or more). */
static double bulk_ratio(const struct results *r)
{
	return r->bulk[BULK_PASS].c.ok && r->bulk[BULK_PASS].gbit > 0 ?
	       r->bulk[BULK_SYNQ].gbit / r->bulk[BULK_PASS].gbit : 0;
}

static void report_rest(const struct results *r)
{
	char a[64], c[64];

	printf("### 3. Observability overhead (round trips per second, no flood)\n\n"
	       "| queue programs | round trips/s |\n| --- | --- |\n| off | %s |\n| on (synq watch) | %s |\n\n",
	       cell(&r->accept[0].c, a, sizeof(a), "%.0f", r->accept[0].rate),
	       cell(&r->accept[1].c, c, sizeof(c), "%.0f", r->accept[1].rate));
	printf("### 4. Established traffic (one TCP stream through an echo server, bytes echoed back)\n\n"
	       "| XDP on the server's veth | throughput |\n| --- | --- |\n");
	for (int m = 0; m < BULK_MAX; m++)
		printf("| %s | %s |\n", bulk_names[m],
		       cell(&r->bulk[m].c, a, sizeof(a), "%.2f Gbit/s", r->bulk[m].gbit));
	printf("| synq / XDP_PASS | %s |\n\n", cell(&r->bulk[BULK_SYNQ].c, a, sizeof(a), "%.2f",
	       bulk_ratio(r)));
}

static void report_observer_memory(const struct observer_result *o)
{
	printf("Map memory of the observer: charged by the kernel here (fdinfo memlock), the "
	       "formula of docs/export.md for the same host, and that formula for %d "
	       "listeners on %d CPUs.\n\n| observer | charged here | formula here | formula, "
	       "%d listeners, %d CPUs |\n| --- | --- | --- | --- |\n", OBS_FLEET_LISTENERS,
	       OBS_FLEET_CPUS, OBS_FLEET_LISTENERS, OBS_FLEET_CPUS);
	for (int m = OBS_DEFAULT; m < OBS_MAX; m++) {
		if (!o->mode[m].mem_here) {
			printf("| %s | %s | - | - |\n", observer_mode_names[m], o->mode[m].na);
			continue;
		}
		printf("| %s | %.2f MiB (%u listeners, %d CPUs) | %.2f MiB | %.2f MiB |\n",
		       observer_mode_names[m], o->mode[m].mem_charged / 1048576.0,
		       o->mode[m].listeners, o->cpus, o->mode[m].mem_here / 1048576.0,
		       o->mode[m].mem_fleet / 1048576.0);
	}
	printf("\n");
}

static void report_observer(const struct observer_result *o)
{
	char a[64], d[64], t[64];

	printf("### 5. Observer cost (nginx, one worker, wrk -c" OBS_WRK_CONNECTIONS
	       " \"Connection: close\"; "
	       "%d cycles of %.0f ms windows, alternating)\n\n"
	       "| observer | connections/s (median window) | cost (mean, 95 %% interval) "
	       "| BPF run time per connection |\n| --- | --- | --- | --- |\n",
	       o->cycles, o->window * 1000);
	for (int m = 0; m < OBS_MAX; m++) {
		struct cell c = { .ok = o->mode[m].ok, .na = o->mode[m].na };
		struct cell vs = { .ok = c.ok && o->mode[OBS_OFF].ok && m != OBS_OFF,
				   .na = m == OBS_OFF ? "-" : c.na };
		struct cell ns = { .ok = vs.ok && o->ns_known,
				   .na = m == OBS_OFF ? "-" : "n/a (no BPF_ENABLE_STATS)" };

		snprintf(d, sizeof(d), "%.2f %% ± %.2f", o->mode[m].cost, o->mode[m].cost_ci);
		printf("| %s | %s | %s | %s |\n", observer_mode_names[m],
		       cell(&c, a, sizeof(a), "%.0f", o->mode[m].median),
		       vs.ok ? d : vs.na, cell(&ns, t, sizeof(t), "%.0f ns", o->mode[m].ns));
	}
	printf("\nThe cost is the connection rate lost against the window without an observer "
	       "in the same cycle; a negative cost is noise.\n\n");
	report_observer_memory(o);
}

static void report(const struct bench *b)
{
	struct utsname u;
	time_t t = time(NULL);
	char when[32];

	uname(&u);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&t));
	printf("## synq bench%s: %s, Linux %s, %ld CPUs\n\n",
	       b->quick ? " --quick" : b->observer_only ? " --observer-only" : "", when,
	       u.release, sysconf(_SC_NPROCESSORS_ONLN));
	printf("Flood and client on CPU %d; server, the server veth's NAPI thread and the "
	       "answer counter on CPU %d. Server: synq serve (HTTP; echo for the stream).\n\n",
	       BENCH_CPU_ATTACK, BENCH_CPU_SERVER);
	if (!b->observer_only) {
		report_synack(&b->res);
		report_legit(&b->res);
		report_loss(&b->res);
		report_rest(&b->res);
	}
	report_observer(&b->res.observer);
}

/* A measured number, or null where its cell is empty (the scenario did not run). */
static void jnum(struct json *j, const char *key, const struct cell *c, double v, int decimals)
{
	if (c->ok)
		json_double(j, key, v, decimals);
	else
		json_null(j, key);
}

/* Where a row lost frames (see report_loss), or null. */
static void json_loss(struct json *j, const struct cell *c, const struct loss *l)
{
	if (!c->ok) {
		json_null(j, "lost");
		return;
	}
	json_object_open(j, "lost");
	json_u64(j, "flood_at_server_ring", l->a.xmit_errors);
	json_u64(j, "client_at_server_ring", l->a.tx_dropped);
	json_u64(j, "xdp_tx_at_attacker_ring", l->s.tx_errors);
	json_u64(j, "kernel_at_attacker_ring", l->s.tx_dropped);
	json_u64(j, "other_rx_drops", l->a.rx_drops + l->s.rx_drops);
	json_object_close(j);
}

static void json_legit(struct json *j, const struct results *r, int i, int p)
{
	const typeof(r->legit[0][0]) *l = &r->legit[p][i];

	json_object_open(j, NULL);
	json_double(j, "flood_rate", r->rates[i], 0);
	json_string(j, "protection", p ? "synq" : "kernel");
	json_u64(j, "attempts", l->r.attempts);
	jnum(j, "flood_pps", &l->c, l->flood_pps, 0);
	jnum(j, "success_pct", &l->c, l->r.attempts ? 100.0 * l->r.ok / l->r.attempts : 0, 3);
	jnum(j, "p50_ms", &l->c, l->r.p50_ms, 6);
	jnum(j, "p99_ms", &l->c, l->r.p99_ms, 6);
	jnum(j, "max_ms", &l->c, l->r.max_ms, 6);
	if (p && i > 0 && l->c.ok) {
		char g[128];

		json_bool(j, "goals_met", !strcmp(goals(r, i, g, sizeof(g)), "met"));
	}
	json_loss(j, &l->c, &l->loss);
	json_object_close(j);
}

/* The observer modes' JSON keys, in enum order. */
static const char *const observer_keys[OBS_MAX] = {
	"none", "export", "export_enqueue_events", "export_accept_wait"
};

static int write_json(const struct bench *b, const char *path)
{
	const struct results *r = &b->res;
	FILE *f = fopen(path, "w");
	struct json j;

	if (!f) {
		synq_err("bench: --json %s: %s", path, strerror(errno));
		return -1;
	}
	json_start(&j, f);
	json_object_open(&j, NULL);
	json_bool(&j, "quick", b->quick);
	json_bool(&j, "observer_only", b->observer_only);
	jnum(&j, "generator_pps", &r->gen.c, r->gen.pps, 0);
	jnum(&j, "generator_per_cpu_s", &r->gen.c, r->gen.per_cpu, 0);
	jnum(&j, "generator_ceiling_pps", &r->ceiling.c, r->ceiling.pps, 0);
	jnum(&j, "generator_ceiling_per_cpu_s", &r->ceiling.c, r->ceiling.per_cpu, 0);
	jnum(&j, "generator_2_threads_pps", &r->gen2.c, r->gen2.pps, 0);
	json_object_open(&j, "synack");
	for (int i = 0; i < R_MAX; i++) {
		const struct cell core = { .ok = r->resp[i].c.ok && r->resp[i].napi_cpu > 0 &&
						 r->resp[i].synack_ps > 0 };

		json_object_open(&j, responder_keys[i]);
		jnum(&j, "flood_pps", &r->resp[i].c, r->resp[i].flood_pps, 0);
		jnum(&j, "synack_per_s", &r->resp[i].c, r->resp[i].synack_ps, 0);
		jnum(&j, "synack_per_vcpu_s", &core, core.ok ? per_vcpu(r, i) : 0, 0);
		jnum(&j, "ns_per_syn", &core, core.ok ? 1e9 / per_vcpu(r, i) : 0, 1);
		json_loss(&j, &r->resp[i].c, &r->resp[i].loss);
		json_object_close(&j);
	}
	json_object_close(&j);
	json_array_open(&j, "legit");
	for (int i = 0; i < r->nrates; i++)
		for (int p = 0; p < 2; p++)
			json_legit(&j, r, i, p);
	json_array_close(&j);
	jnum(&j, "round_trips_per_s_queue_off", &r->accept[0].c, r->accept[0].rate, 0);
	jnum(&j, "round_trips_per_s_queue_on", &r->accept[1].c, r->accept[1].rate, 0);
	jnum(&j, "bulk_gbit_no_xdp", &r->bulk[BULK_NONE].c, r->bulk[BULK_NONE].gbit, 3);
	jnum(&j, "bulk_gbit_xdp_pass", &r->bulk[BULK_PASS].c, r->bulk[BULK_PASS].gbit, 3);
	jnum(&j, "bulk_gbit_synq", &r->bulk[BULK_SYNQ].c, r->bulk[BULK_SYNQ].gbit, 3);
	jnum(&j, "bulk_synq_over_xdp_pass", &r->bulk[BULK_SYNQ].c, bulk_ratio(r), 3);
	json_object_open(&j, "observer_nginx_conn_per_s");
	for (int m = 0; m < OBS_MAX; m++) {
		const struct cell c = { .ok = r->observer.mode[m].ok };

		jnum(&j, observer_keys[m], &c, r->observer.mode[m].median, 0);
	}
	json_object_close(&j);
	json_object_open(&j, "observer_bpf_ns_per_conn");
	for (int m = OBS_DEFAULT; m < OBS_MAX; m++) {
		const struct cell c = { .ok = r->observer.mode[m].ok && r->observer.ns_known };

		jnum(&j, observer_keys[m], &c, r->observer.mode[m].ns, 0);
	}
	json_object_close(&j);
	json_object_open(&j, "observer_map_bytes");
	for (int m = OBS_DEFAULT; m < OBS_MAX; m++) {
		json_object_open(&j, observer_keys[m]);
		if (r->observer.mode[m].mem_here) {
			json_u64(&j, "charged_here", r->observer.mode[m].mem_charged);
			json_u64(&j, "formula_here", r->observer.mode[m].mem_here);
			json_u64(&j, "formula_fleet", r->observer.mode[m].mem_fleet);
		}
		json_object_close(&j);
	}
	json_object_close(&j);
	/* Percent of the connection rate: the mean and its 95 % interval's half-width. */
	for (int k = 0; k < 2; k++) {
		json_object_open(&j, k ? "observer_cost_ci_pct" : "observer_cost_pct");
		for (int m = OBS_DEFAULT; m < OBS_MAX; m++) {
			const struct cell c = { .ok = r->observer.mode[m].ok &&
						      r->observer.mode[OBS_OFF].ok };

			jnum(&j, observer_keys[m], &c,
			     k ? r->observer.mode[m].cost_ci : r->observer.mode[m].cost, 2);
		}
		json_object_close(&j);
	}
	json_object_close(&j);
	json_finish(&j);
	return fclose(f) ? -1 : 0;
}

/*
 * Three panels: success rate and p99 latency of the legitimate client against the
 * flood rate, for both protections; SYN-ACKs per second per vCPU of each responder.
 */
static int write_plot(const struct bench *b, const char *path)
{
	const struct results *r = &b->res;
	FILE *g = popen("gnuplot", "w");

	if (!g) {
		synq_err("bench: --plot %s: cannot run gnuplot: %s", path, strerror(errno));
		return -1;
	}
	fprintf(g, "set terminal pngcairo size 1400,420 font ',10' noenhanced\nset output '%s'\n", path);
	for (int p = 0; p < 2; p++) {
		fprintf(g, "$%s << EOD\n", p ? "synq" : "kernel");
		for (int i = 0; i < r->nrates; i++) {
			const typeof(r->legit[0][0]) *l = &r->legit[p][i];

			if (l->c.ok)
				fprintf(g, "%g %g %g\n", l->flood_pps / 1e6,
					100.0 * l->r.ok / l->r.attempts, l->r.p99_ms);
		}
		fprintf(g, "EOD\n");
	}
	fprintf(g, "$core << EOD\n");
	for (int i = 0; i < R_MAX; i++)
		if (r->resp[i].c.ok && r->resp[i].napi_cpu > 0)
			fprintf(g, "%d \"%s\" %g\n", i, responder_keys[i], per_vcpu(r, i) / 1e6);
	fprintf(g, "EOD\n");
	fprintf(g, "set multiplot layout 1,3 title 'synq bench: legitimate clients under SYN flood; "
		"SYN-ACKs per vCPU'\n"
		"set xlabel 'flood (Mpps sent)'\nset grid\nset key bottom left\n"
		"set ylabel 'success %%'\nset yrange [0:105]\n"
		"plot $kernel using 1:2 with linespoints title 'kernel cookies', "
		"$synq using 1:2 with linespoints title 'synq'\n"
		"set ylabel 'p99 latency (ms)'\nset logscale y\nset yrange [*:*]\nset key top left\n"
		"plot $kernel using 1:3 with linespoints title 'kernel cookies', "
		"$synq using 1:3 with linespoints title 'synq'\n"
		"unset logscale y\nset xlabel 'responder'\nset ylabel 'M SYN-ACK/s per vCPU'\n"
		"set yrange [0:*]\nset xrange [-0.6:3.6]\nset style fill solid 0.6\nset boxwidth 0.6\n"
		"unset key\nplot $core using 1:3:xtic(2) with boxes, "
		"$core using 1:3:(sprintf('%%.2f', $3)) with labels offset 0,1\n"
		"unset multiplot\n");
	if (pclose(g)) {
		synq_err("bench: --plot %s: gnuplot failed (is gnuplot installed?)", path);
		return -1;
	}
	return 0;
}

/* -------------------------------------------------------------- the verb */

static const char usage[] =
	"Usage: synq bench [--quick | --observer-only] [--json FILE] [--plot FILE.png]\n"
	"\n"
	"Measures, side by side in one run, on two network namespaces of its own joined by\n"
	"a veth (removed at the end, also on failure or Ctrl-C):\n"
	"  0. the flood generator's rate into a veth whose peer drops everything, beside\n"
	"     a minimal live-frames generator (its ceiling), per second and per CPU-second;\n"
	"  1. SYN-ACKs per second under the same flood: the kernel's SYN cookies\n"
	"     (tcp_syncookies=2), synq's XDP cookies (--mode always, then --mode auto,\n"
	"     which switches to them), and a bare XDP_TX reflector (the machine's\n"
	"     ceiling), counted on the attacker side; per vCPU and ns per SYN from the\n"
	"     server veth's NAPI thread;\n"
	"  2. a legitimate client (connect + request + reply, 2 s timeout) under floods of\n"
	"     rising rate, with the kernel's cookies and with synq: success rate and\n"
	"     p50/p99/max latency, judged against the goals; where every row lost frames\n"
	"     (both veth ends' ring counters);\n"
	"  3. round trips per second with and without synq's queue programs (synq watch);\n"
	"  4. one TCP stream's throughput through synq serve --reply echo with no XDP\n"
	"     program, a bare XDP_PASS one, and synq;\n"
	"  5. nginx's connection rate under wrk (Connection: close) with no observer and\n"
	"     with each mode of synq export (default, --enqueue-events, --accept-wait),\n"
	"     switched every 200 ms for four minutes (each cost's mean and 95 %\n"
	"     interval), and the observers' map memory.\n"
	"Flood and client run on CPU 0; the server, the server veth's NAPI thread and the\n"
	"answer counter on CPU 1. Prints a Markdown table; cells that cannot be\n"
	"measured in this build say why. Needs root and two CPUs.\n"
	"\n"
	"  --quick       a reduced run, under a minute (for CI)\n"
	"  --observer-only  scenario 5 alone (about five minutes); runs of it can be\n"
	"                pooled for a narrower interval\n"
	"  --json FILE   also write the raw numbers to FILE\n"
	"  --plot FILE   draw success rate and p99 latency against the flood rate, and\n"
	"                SYN-ACKs per vCPU of each responder (gnuplot)\n";

static void setup_rates(struct bench *b)
{
	struct results *r = &b->res;
	double g = r->gen.pps > 0 ? r->gen.pps : 1e6;

	r->nrates = 0;
	r->rates[r->nrates++] = 0;
	if (!b->quick) {
		r->rates[r->nrates++] = g / 4;
		r->rates[r->nrates++] = g / 2;
	}
	r->rates[r->nrates++] = -1;	/* as fast as the generator goes */
}

struct mac_req {
	const char *ifname;
	uint8_t mac[6];
};

static int mac_of(void *arg)
{
	struct mac_req *m = arg;

	return iface_mac(m->ifname, m->mac);
}

/* synq_gen's frame: the flood's own writer, no options, every random field zero. */
static int gen_template(struct bench *b)
{
	struct mac_req src = { .ifname = b->env.if_a }, dst = { .ifname = b->env.if_s };
	struct flood_rand zero = { 0 };
	struct flood_addr to;
	struct flood_cidr from;
	struct flood_cfg cfg;
	uint8_t f[FLOOD_FRAME_MAX];
	int err;

	err = bench_in_ns(&b->env, b->env.ns_a, mac_of, &src);
	if (!err)
		err = bench_in_ns(&b->env, b->env.ns_s, mac_of, &dst);
	if (err)
		return err;
	flood_parse_ipport(BENCH_SERVER_ADDR ":8080", &to);
	flood_parse_cidr(FLOOD_DEFAULT_SRC_V4, &from);
	flood_cfg_init(&cfg, &to, &from, src.mac, dst.mac, FLOOD_OPT_NONE);
	flood_write(f, &cfg, &zero, GEN_FRAME_LEN);
	memcpy((void *)b->progs->rodata->gen_tmpl, f, GEN_FRAME_LEN);
	b->progs->rodata->gen_src_mask = cfg.src_mask[0];
	return 0;
}

static int load_progs(struct bench *b)
{
	struct xdp_req r;
	int err;

	b->pass = synq_pass_bpf__open_and_load();
	b->progs = synq_bench_bpf__open();
	if (!b->progs || !b->pass)
		return -errno;
	err = gen_template(b);
	if (err)
		return err;
	/* the counter on the attacker side takes only answers to the spoofed range */
	b->progs->rodata->watch_net = htonl(0xc6120000);	/* 198.18.0.0 */
	b->progs->rodata->watch_mask = htonl(0xfffe0000);	/* /15 */
	/* a counter and a drop, nothing more: the answers' sink must not be the bottleneck */
	b->progs->rodata->count_untimed = 1;
	err = synq_bench_bpf__load(b->progs);
	if (err)
		return err;
	r = (struct xdp_req){ b->env.ifindex_a, bpf_program__fd(b->progs->progs.synq_count) };
	return bench_in_ns(&b->env, b->env.ns_a, xdp_set, &r);
}

static void run_all(struct bench *b)
{
	if (b->observer_only) {
		bench_observer(&b->env, 0.2, 300, &b->res.observer);
		return;
	}
	generator(b);
	for (int r = 0; r < R_MAX && !synq_stop; r++)
		synack_rate(b, r);
	setup_rates(b);
	legit_all(b);
	for (int on = 0; on < 2 && !synq_stop; on++)
		accept_rate(b, on);
	for (int m = 0; m < BULK_MAX && !synq_stop; m++)
		bulk(b, m);
	if (!synq_stop)
		bench_observer(&b->env, 0.2, b->quick ? 5 : 300, &b->res.observer);
}

static int bench_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "observer-only", no_argument, NULL, 'o' },
		{ "json", required_argument, NULL, 'j' },
		{ "plot", required_argument, NULL, 'p' },
		{ 0 }
	};
	static struct bench b;
	const char *json = NULL, *plot = NULL;
	struct cli_seen seen = {};
	int opt, err;

	while ((opt = cli_getopt(VERB, argc, argv, "", longopts, &seen)) != -1) {
		if (opt == '?')
			return EXIT_USAGE;
		if (opt == 'q')
			b.quick = true;
		else if (opt == 'o')
			b.observer_only = true;
		else if (opt == 'j')
			json = optarg;
		else if (opt == 'p')
			plot = optarg;
	}
	if (cli_no_extra_args(VERB, argc, argv))
		return EXIT_USAGE;
	if (b.observer_only && (b.quick || plot)) {
		synq_err("bench: --observer-only cannot be combined with --quick or --plot");
		return EXIT_USAGE;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		synq_err("bench: needs two CPUs (flood on one, server on the other)");
		return EXIT_FAIL;
	}
	b.flood_s = b.quick ? 1.0 : 5.0;
	b.client_s = b.quick ? 2.0 : 5.0;
	b.bulk_s = b.quick ? 1.0 : 5.0;
	cli_catch_stop_signals();
	err = bench_env_up(&b.env);
	if (!err)
		err = bench_server_start(&b.env);
	if (!err && (err = load_progs(&b)))
		synq_err("bench: loading the counter and reflector programs: %s", strerror(-err));
	if (!err)
		run_all(&b);
	synq_detach(&b);
	bench_env_down(&b.env);
	synq_bench_bpf__destroy(b.progs);
	synq_pass_bpf__destroy(b.pass);
	if (err)
		return EXIT_FAIL;
	if (synq_stop) {
		synq_err("bench: interrupted; everything it built is removed");
		return EXIT_FAIL;
	}
	report(&b);
	if (json && write_json(&b, json))
		return EXIT_FAIL;
	if (plot && write_plot(&b, plot))
		return EXIT_FAIL;
	return EXIT_OK;
}

const struct synq_verb verb_bench = {
	.name = "bench",
	.summary = "measure synq against the kernel and the machine's ceiling, side by side",
	.usage = usage,
	.run = bench_main,
};
