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
#include "flood/flood.h"
#include "cli/verb.h"
#include "synq/flood_count.h"
#include "synq_reflect.skel.h"

#pragma weak verb_attach
#pragma weak verb_watch

#define VERB "bench"
#define NA_ATTACH "n/a (synq attach not built)"
#define NA_WATCH "n/a (queue programs not built)"

enum responder { R_KERNEL, R_SYNQ, R_REFLECT, R_MAX };
static const char *const responder_names[R_MAX] = {
	"kernel SYN cookies (tcp_syncookies=2)", "synq XDP cookies", "bare XDP_TX reflector (ceiling)",
};
static const char *const responder_keys[R_MAX] = { "kernel", "synq", "reflector" };

#define MAX_RATES 5

/* What the server's veth runs while one TCP stream goes through it. */
enum bulk_mode { BULK_NONE, BULK_PASS, BULK_SYNQ, BULK_MAX };
static const char *const bulk_names[BULK_MAX] = {
	"none", "XDP_PASS (any XDP program on veth)", "synq",
};

struct cell {
	bool ok;
	const char *na;		/* why the cell is empty */
};

struct results {
	double gen_pps;
	struct { struct cell c; double flood_pps, synack_ps; } resp[R_MAX];
	int nrates;
	double rates[MAX_RATES];	/* 0 = no flood; < 0 = as fast as possible */
	struct { struct cell c; double flood_pps; struct client_result r; } legit[2][MAX_RATES];
	struct { struct cell c; double rate; } accept[2];	/* queue programs off, on */
	struct { struct cell c; double gbit; } bulk[BULK_MAX];
	struct observer_result observer;	/* nginx with and without the observer */
};

struct bench {
	struct bench_env env;
	struct synq_reflect_bpf *progs;
	bool quick;
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

/* synq's own programs on the server's veth; NULL, or why they are not there. */
static const char *server_synq(struct bench *b)
{
	char port[8];
	const char *const args[] = { "attach", b->env.if_s, "--ports", port, NULL };

	if (!&verb_attach)
		return NA_ATTACH;
	if (server_xdp(b, NULL))
		return "n/a (XDP detach failed)";
	snprintf(port, sizeof(port), "%d", BENCH_PORT);
	if (bench_synq(b->env.ns_s, args)) {
		synq_err("bench: synq attach %s --ports %s failed (synq -v bench shows why)",
			 b->env.if_s, port);
		return "n/a (synq attach failed)";
	}
	b->synq_on = true;
	repin(b);
	return NULL;
}

/* The attacker-side counter: SYN-ACKs received since the last reset. */
static uint64_t synacks(struct bench *b, bool reset)
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(b->progs->maps.counts);
	struct flood_count v[ncpu > 0 ? ncpu : 1];
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

/* Starts a flood of `seconds` at `rate` pps (0: as fast as possible). */
static int flood_start(struct bench *b, struct flood_job *j, double rate, double seconds)
{
	memset(j, 0, sizeof(*j));
	j->o = (struct flood_opts){
		.iface = b->env.if_a, .duration = seconds, .rate = (uint64_t)rate,
		.threads = 1, .batch = 128, .options = FLOOD_OPT_LINUX,
	};
	flood_parse_ipport("192.0.2.2:8080", &j->o.dst);
	flood_parse_cidr(FLOOD_DEFAULT_SRC_V4, &j->o.src);
	j->pid = bench_child(b->env.ns_a, BENCH_CPU_ATTACK, flood_child, &j->o,
			     sizeof(struct flood_result), &j->rfd);
	return j->pid < 0 ? (int)j->pid : 0;
}

/* Waits for the flood; its rate in pps, or -1. */
static double flood_wait(struct flood_job *j)
{
	struct flood_result r;

	if (bench_child_wait(j->pid, j->rfd, &r, sizeof(r)) || !r.sent || r.elapsed <= 0)
		return -1;
	return r.sent / r.elapsed;
}

/* -------------------------------------------------------------- scenarios */

static void generator(struct bench *b)
{
	struct flood_job j;

	if (server_xdp(b, b->progs->progs.synq_drop) || flood_start(b, &j, 0, b->flood_s))
		return;
	b->res.gen_pps = flood_wait(&j);
}

static void synack_rate(struct bench *b, enum responder r)
{
	struct results *res = &b->res;
	struct flood_job j;
	double pps;

	if (r == R_SYNQ)
		res->resp[r].c.na = server_synq(b);
	else if (server_xdp(b, r == R_KERNEL ? b->progs->progs.synq_pass :
			    b->progs->progs.synq_reflect))
		res->resp[r].c.na = "n/a (XDP attach failed)";
	if (res->resp[r].c.na || synq_stop)
		return;
	synacks(b, true);
	if (flood_start(b, &j, 0, b->flood_s))
		return;
	pps = flood_wait(&j);
	usleep(200000);		/* answers still in flight */
	if (pps <= 0)
		return;
	res->resp[r].flood_pps = pps;
	res->resp[r].synack_ps = synacks(b, false) / (b->flood_s);
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

	if (rate != 0) {
		if (flood_start(b, &j, rate < 0 ? 0 : rate, b->client_s + 0.6))
			return;
		usleep(300000);		/* the flood is at full strength before the client starts */
	}
	pid = bench_child(b->env.ns_a, BENCH_CPU_ATTACK, bench_client, &ca, sizeof(cell->r), &rfd);
	if (pid > 0 && !bench_child_wait(pid, rfd, &cell->r, sizeof(cell->r)))
		cell->c.ok = cell->r.attempts > 0;
	cell->flood_pps = rate != 0 ? flood_wait(&j) : 0;
	if (rate != 0 && cell->flood_pps < 0)
		cell->c.ok = false;
}

static void legit_all(struct bench *b)
{
	for (int prot = 0; prot < 2 && !synq_stop; prot++) {
		const char *na = prot ? server_synq(b) :
				 server_xdp(b, b->progs->progs.synq_pass) ? "n/a (XDP attach failed)" :
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

	if (on && !&verb_watch) {
		b->res.accept[on].c.na = NA_WATCH;
		return;
	}
	if (!on && server_xdp(b, b->progs->progs.synq_pass))
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
	else if (server_xdp(b, m == BULK_PASS ? b->progs->progs.synq_pass : NULL))
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

static void report_synack(const struct results *r)
{
	const struct cell gen = { .ok = r->gen_pps > 0 };
	char a[64], c[64], d[64];

	printf("### Flood generator\n\n| what | rate |\n| --- | --- |\n");
	printf("| synq flood (live frames, 1 thread) into a veth whose peer drops | %s |\n\n",
	       cell(&gen, a, sizeof(a), "%.2f Mpps", r->gen_pps / 1e6));
	printf("### 1. SYN-ACK rate under the same flood (counted on the attacker side)\n\n"
	       "| responder | flood sent | SYN-ACK/s | synq / this |\n| --- | --- | --- | --- |\n");
	for (int i = 0; i < R_MAX; i++) {
		const struct cell *ci = &r->resp[i].c, *cs = &r->resp[R_SYNQ].c;
		struct cell ratio = { .ok = ci->ok && cs->ok && r->resp[i].synack_ps > 0,
				      .na = !cs->ok ? "n/a" : ci->na };

		printf("| %s | %s | %s | %s |\n", responder_names[i],
		       cell(ci, a, sizeof(a), "%.2f Mpps", r->resp[i].flood_pps / 1e6),
		       cell(ci, c, sizeof(c), "%.0f", r->resp[i].synack_ps),
		       cell(&ratio, d, sizeof(d), "%.2f", ratio.ok ?
			    r->resp[R_SYNQ].synack_ps / r->resp[i].synack_ps : 0));
	}
	printf("\n");
}

static void report_legit(const struct results *r)
{
	char f[32], s[64], p50[64], p99[64], mx[64], fs[64];

	printf("### 2. Legitimate clients under flood (connect + request + reply, 2 s timeout)\n\n"
	       "| flood | sent | protection | round trips | success %% | p50 ms | p99 ms | max ms |\n"
	       "| --- | --- | --- | --- | --- | --- | --- | --- |\n");
	for (int i = 0; i < r->nrates; i++)
		for (int prot = 0; prot < 2; prot++) {
			const typeof(r->legit[0][0]) *l = &r->legit[prot][i];
			struct cell sent = { .ok = l->c.ok, .na = l->c.na };

			printf("| %s | %s | %s | %" PRIu64 " | %s | %s | %s | %s |\n",
			       rate_name(r->rates[i], f, sizeof(f)),
			       r->rates[i] == 0 ? "-" : cell(&sent, fs, sizeof(fs), "%.2f Mpps",
							     l->flood_pps / 1e6),
			       prot ? "synq" : "kernel cookies", l->r.attempts,
			       cell(&l->c, s, sizeof(s), "%.2f", l->r.attempts ?
				    100.0 * l->r.ok / l->r.attempts : 0),
			       cell(&l->c, p50, sizeof(p50), "%.3f", l->r.p50_ms),
			       cell(&l->c, p99, sizeof(p99), "%.3f", l->r.p99_ms),
			       cell(&l->c, mx, sizeof(mx), "%.3f", l->r.max_ms));
		}
	printf("\n");
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
	printf("\n");
}

static void report_observer(const struct observer_result *o)
{
	const double base = o->mode[OBS_OFF].median;
	char a[64], d[64], t[64];

	printf("### 5. Observer cost (nginx, one worker, wrk -c16 \"Connection: close\"; "
	       "%d alternating rounds of %.0f s, medians)\n\n"
	       "| observer | connections/s | vs none | BPF run time per connection |\n"
	       "| --- | --- | --- | --- |\n", o->rounds, o->seconds);
	for (int m = 0; m < OBS_MAX; m++) {
		struct cell c = { .ok = o->mode[m].ok, .na = o->mode[m].na };
		struct cell vs = { .ok = c.ok && o->mode[OBS_OFF].ok && m != OBS_OFF,
				   .na = m == OBS_OFF ? "-" : c.na };
		struct cell ns = { .ok = vs.ok && o->ns_known,
				   .na = m == OBS_OFF ? "-" : "n/a (no BPF_ENABLE_STATS)" };

		printf("| %s | %s | %s | %s |\n", observer_mode_names[m],
		       cell(&c, a, sizeof(a), "%.0f", o->mode[m].median),
		       cell(&vs, d, sizeof(d), "%+.1f %%",
			    base > 0 ? 100.0 * (o->mode[m].median - base) / base : 0),
		       cell(&ns, t, sizeof(t), "%.0f ns", o->mode[m].ns_median));
	}
	printf("Each run, connections/s:");
	for (int m = 0; m < OBS_MAX; m++) {
		printf("%s %s:", m ? ";" : "", observer_mode_names[m]);
		for (int i = 0; i < o->rounds; i++)
			printf(" %.0f", o->rate[m][i]);
	}
	printf("\n\n");
}

static void report(const struct bench *b)
{
	struct utsname u;
	time_t t = time(NULL);
	char when[32];

	uname(&u);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&t));
	printf("## synq bench%s: %s, Linux %s, %ld CPUs\n\n", b->quick ? " --quick" : "", when,
	       u.release, sysconf(_SC_NPROCESSORS_ONLN));
	printf("Flood and client on CPU %d; server, the server veth's NAPI thread and the "
	       "answer counter on CPU %d. Server: synq serve (HTTP; echo for the stream).\n\n",
	       BENCH_CPU_ATTACK, BENCH_CPU_SERVER);
	report_synack(&b->res);
	report_legit(&b->res);
	report_rest(&b->res);
	report_observer(&b->res.observer);
}

/* JSON: null where a cell is empty. */
static void jnum(FILE *f, const char *key, const struct cell *c, double v, const char *sep)
{
	if (c->ok)
		fprintf(f, "\"%s\": %.6g%s", key, v, sep);
	else
		fprintf(f, "\"%s\": null%s", key, sep);
}

static int write_json(const struct bench *b, const char *path)
{
	const struct results *r = &b->res;
	const struct cell gen = { .ok = r->gen_pps > 0 };
	FILE *f = fopen(path, "w");

	if (!f) {
		synq_err("bench: --json %s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "{\"quick\": %s, ", b->quick ? "true" : "false");
	jnum(f, "generator_pps", &gen, r->gen_pps, ", ");
	fprintf(f, "\"synack\": {");
	for (int i = 0; i < R_MAX; i++) {
		fprintf(f, "\"%s\": {", responder_keys[i]);
		jnum(f, "flood_pps", &r->resp[i].c, r->resp[i].flood_pps, ", ");
		jnum(f, "synack_per_s", &r->resp[i].c, r->resp[i].synack_ps, "}");
		fprintf(f, i + 1 < R_MAX ? ", " : "}, ");
	}
	fprintf(f, "\"legit\": [");
	for (int i = 0; i < r->nrates; i++)
		for (int p = 0; p < 2; p++) {
			const typeof(r->legit[0][0]) *l = &r->legit[p][i];

			fprintf(f, "{\"flood_rate\": %.0f, \"protection\": \"%s\", \"attempts\": %" PRIu64
				", ", r->rates[i], p ? "synq" : "kernel", l->r.attempts);
			jnum(f, "flood_pps", &l->c, l->flood_pps, ", ");
			jnum(f, "success_pct", &l->c, l->r.attempts ?
			     100.0 * l->r.ok / l->r.attempts : 0, ", ");
			jnum(f, "p50_ms", &l->c, l->r.p50_ms, ", ");
			jnum(f, "p99_ms", &l->c, l->r.p99_ms, ", ");
			jnum(f, "max_ms", &l->c, l->r.max_ms, "}");
			fprintf(f, i + 1 < r->nrates || !p ? ", " : "], ");
		}
	jnum(f, "round_trips_per_s_queue_off", &r->accept[0].c, r->accept[0].rate, ", ");
	jnum(f, "round_trips_per_s_queue_on", &r->accept[1].c, r->accept[1].rate, ", ");
	jnum(f, "bulk_gbit_no_xdp", &r->bulk[BULK_NONE].c, r->bulk[BULK_NONE].gbit, ", ");
	jnum(f, "bulk_gbit_xdp_pass", &r->bulk[BULK_PASS].c, r->bulk[BULK_PASS].gbit, ", ");
	jnum(f, "bulk_gbit_synq", &r->bulk[BULK_SYNQ].c, r->bulk[BULK_SYNQ].gbit, ", ");
	fprintf(f, "\"observer_nginx_conn_per_s\": {");
	for (int m = 0; m < OBS_MAX; m++) {
		static const char *const keys[OBS_MAX] = { "none", "export", "export_accept_wait" };

		struct cell c = { .ok = r->observer.mode[m].ok };

		jnum(f, keys[m], &c, r->observer.mode[m].median, m + 1 < OBS_MAX ? ", " : "}, ");
	}
	fprintf(f, "\"observer_bpf_ns_per_conn\": {");
	for (int m = OBS_DEFAULT; m < OBS_MAX; m++) {
		struct cell c = { .ok = r->observer.mode[m].ok && r->observer.ns_known };

		jnum(f, m == OBS_DEFAULT ? "export" : "export_accept_wait", &c,
		     r->observer.mode[m].ns_median, m + 1 < OBS_MAX ? ", " : "}}\n");
	}
	return fclose(f) ? -1 : 0;
}

/* Success rate and p99 latency against the flood rate, for both protections. */
static int write_plot(const struct bench *b, const char *path)
{
	const struct results *r = &b->res;
	FILE *g = popen("gnuplot", "w");

	if (!g) {
		synq_err("bench: --plot %s: cannot run gnuplot: %s", path, strerror(errno));
		return -1;
	}
	fprintf(g, "set terminal pngcairo size 1000,420 font ',10'\nset output '%s'\n", path);
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
	fprintf(g, "set multiplot layout 1,2 title 'Legitimate clients under SYN flood'\n"
		"set xlabel 'flood (Mpps sent)'\nset grid\nset key bottom left\n"
		"set ylabel 'success %%'\nset yrange [0:105]\n"
		"plot $kernel using 1:2 with linespoints title 'kernel cookies', "
		"$synq using 1:2 with linespoints title 'synq'\n"
		"set ylabel 'p99 latency (ms)'\nset logscale y\nset yrange [*:*]\nset key top left\n"
		"plot $kernel using 1:3 with linespoints title 'kernel cookies', "
		"$synq using 1:3 with linespoints title 'synq'\nunset multiplot\n");
	if (pclose(g)) {
		synq_err("bench: --plot %s: gnuplot failed (is gnuplot installed?)", path);
		return -1;
	}
	return 0;
}

/* -------------------------------------------------------------- the verb */

static const char usage[] =
	"Usage: synq bench [--quick] [--json FILE] [--plot FILE.png]\n"
	"\n"
	"Measures, side by side in one run, on two network namespaces of its own joined by\n"
	"a veth (removed at the end, also on failure or Ctrl-C):\n"
	"  0. the flood generator's rate into a veth whose peer drops everything;\n"
	"  1. SYN-ACKs per second under the same flood: the kernel's SYN cookies\n"
	"     (tcp_syncookies=2), synq's XDP cookies, and a bare XDP_TX reflector (the\n"
	"     machine's ceiling), counted on the attacker side;\n"
	"  2. a legitimate client (connect + request + reply, 2 s timeout) under floods of\n"
	"     rising rate, with the kernel's cookies and with synq: success rate and\n"
	"     p50/p99/max latency;\n"
	"  3. round trips per second with and without synq's queue programs (synq watch);\n"
	"  4. one TCP stream's throughput through synq serve --reply echo with no XDP\n"
	"     program, a bare XDP_PASS one, and synq;\n"
	"  5. nginx's connection rate under wrk (Connection: close) with no observer,\n"
	"     with synq export and with synq export --accept-wait, in alternating rounds.\n"
	"Flood and client run on CPU 0; the server, the server veth's NAPI thread and the\n"
	"answer counter on CPU 1. Prints a Markdown table; cells that cannot be\n"
	"measured in this build say why. Needs root and two CPUs.\n"
	"\n"
	"  --quick       a reduced run, under a minute (for CI)\n"
	"  --json FILE   also write the raw numbers to FILE\n"
	"  --plot FILE   draw success rate and p99 latency against the flood rate (gnuplot)\n";

static void setup_rates(struct bench *b)
{
	struct results *r = &b->res;
	double g = r->gen_pps > 0 ? r->gen_pps : 1e6;

	r->nrates = 0;
	r->rates[r->nrates++] = 0;
	if (!b->quick) {
		r->rates[r->nrates++] = g / 4;
		r->rates[r->nrates++] = g / 2;
	}
	r->rates[r->nrates++] = -1;	/* as fast as the generator goes */
}

static int load_progs(struct bench *b)
{
	struct xdp_req r;
	int err;

	b->progs = synq_reflect_bpf__open();
	if (!b->progs)
		return -errno;
	/* the counter on the attacker side takes only answers to the spoofed range */
	b->progs->rodata->watch_net = htonl(0xc6120000);	/* 198.18.0.0 */
	b->progs->rodata->watch_mask = htonl(0xfffe0000);	/* /15 */
	err = synq_reflect_bpf__load(b->progs);
	if (err)
		return err;
	r = (struct xdp_req){ b->env.ifindex_a, bpf_program__fd(b->progs->progs.synq_count) };
	return bench_in_ns(&b->env, b->env.ns_a, xdp_set, &r);
}

static void run_all(struct bench *b)
{
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
		bench_observer(&b->env, b->quick ? 1.0 : 3.0, b->quick ? 2 : 6, &b->res.observer);
}

static int bench_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "json", required_argument, NULL, 'j' },
		{ "plot", required_argument, NULL, 'p' },
		{ 0 }
	};
	static struct bench b;
	const char *json = NULL, *plot = NULL;
	int opt, err;

	while ((opt = cli_getopt(VERB, argc, argv, "", longopts)) != -1) {
		if (opt == '?')
			return EXIT_USAGE;
		if (opt == 'q')
			b.quick = true;
		else if (opt == 'j')
			json = optarg;
		else if (opt == 'p')
			plot = optarg;
	}
	if (cli_no_extra_args(VERB, argc, argv))
		return EXIT_USAGE;
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
	synq_reflect_bpf__destroy(b.progs);
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
