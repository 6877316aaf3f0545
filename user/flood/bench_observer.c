// SPDX-License-Identifier: GPL-2.0
/*
 * synq bench, scenario 5: what the queue observer costs a busy server. nginx
 * (one worker, on the server's CPU) answers wrk (Connection: close, so every
 * request is a new connection and an accept(); on the client's CPU) for one
 * long run. The observers of `synq export`'s three modes (default,
 * --enqueue-events, --accept-wait) are loaded once, in this process, and
 * attached in turn: short windows with none or one of them, counted by the
 * server namespace's PassiveOpens. Whole runs
 * of a few seconds spread by about 10 % on a shared machine, far more than the
 * 1 % to be seen; many short windows, each set against its neighbours, resolve
 * it. The report gives the mean cost and its 95 % interval.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli/cli.h"
#include "flood/bench_env.h"
#include "flood/bench_observer.h"
#include "observe/collector.h"
#include "system/system.h"

#define NGINX_PORT "8090"
#define SCRAPE_INTERVAL 15.0	/* seconds: a common Prometheus setting (its default is 60) */
#define SWITCH_SETTLE 0.02	/* seconds after a switch of observer before a window counts */

const char *const observer_mode_names[OBS_MAX] = {
	[OBS_OFF] = "none",
	[OBS_DEFAULT] = "synq export (default)",
	[OBS_ENQUEUE] = "synq export --enqueue-events",
	[OBS_ACCEPT_WAIT] = "synq export --accept-wait",
};

static int write_nginx_conf(const char *dir)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/nginx.conf", dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"worker_processes 1;\ndaemon off;\npid %1$s/nginx.pid;\n"
		"error_log %1$s/error.log warn;\nevents { worker_connections 4096; }\n"
		"http {\n\taccess_log off;\n\tclient_body_temp_path %1$s/body;\n"
		"\tproxy_temp_path %1$s/proxy;\n\tfastcgi_temp_path %1$s/fastcgi;\n"
		"\tuwsgi_temp_path %1$s/uwsgi;\n\tscgi_temp_path %1$s/scgi;\n"
		"\tserver {\n\t\tlisten " BENCH_SERVER_ADDR ":" NGINX_PORT " backlog=4096;\n"
		"\t\tdefault_type text/plain;\n\t\tlocation / { return 200 \"ok\\n\"; }\n\t}\n}\n",
		dir);
	return fclose(f) ? -errno : 0;
}

/* A child in namespace ns on cpu that runs argv; stdout into *out_fd when asked. */
static pid_t spawn(const char *ns, int cpu, char *const argv[], int *out_fd)
{
	int p[2] = { -1, -1 };
	pid_t pid;

	if (out_fd && pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (netns_enter(ns))
			_exit(126);
		bench_pin_self(cpu);
		dup2(out_fd ? p[1] : null, STDOUT_FILENO);
		if (!synq_verbose)
			dup2(null, STDERR_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (out_fd) {
		close(p[1]);
		*out_fd = p[0];
	}
	return pid < 0 ? -errno : pid;
}

/* nginx writes its pid file once it listens. */
static pid_t nginx_start(const struct bench_env *e, const char *dir)
{
	char conf[256], pidfile[256];
	char *argv[] = { "nginx", "-c", conf, "-p", (char *)dir, NULL };
	struct stat st;
	pid_t pid;

	snprintf(conf, sizeof(conf), "%s/nginx.conf", dir);
	snprintf(pidfile, sizeof(pidfile), "%s/nginx.pid", dir);
	pid = spawn(e->ns_s, BENCH_CPU_SERVER, argv, NULL);
	for (int i = 0; pid > 0 && i < 100 && stat(pidfile, &st); i++)
		usleep(50000);
	if (pid > 0 && stat(pidfile, &st)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -EIO;
	}
	return pid;
}

/*
 * wrk against nginx in the background, for at most seconds: its pid, output
 * on *out_fd. 64 connections: with 16, one slow connection moves a 200 ms
 * window's count more.
 */
static pid_t wrk_start(const struct bench_env *e, double seconds, int *out_fd)
{
	char dur[16];
	char *argv[] = { "wrk", "-t1", "-c" OBS_WRK_CONNECTIONS, dur, "-H", "Connection: close",
			 "http://" BENCH_SERVER_ADDR ":" NGINX_PORT "/", NULL };

	snprintf(dur, sizeof(dur), "-d%.0fs", seconds);
	return spawn(e->ns_a, BENCH_CPU_ATTACK, argv, out_fd);
}

/* Stop wrk (it reports on SIGINT): requests (= connections) per second over its run, or -1. */
static double wrk_finish(pid_t pid, int fd)
{
	char out[4096];
	size_t got = 0;
	const char *p;
	ssize_t n;

	kill(pid, SIGINT);
	while (got < sizeof(out) - 1 && (n = read(fd, out + got, sizeof(out) - 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		got += n;
	}
	out[got] = '\0';
	close(fd);
	waitpid(pid, NULL, 0);
	p = strstr(out, "Requests/sec:");
	return p ? strtod(p + strlen("Requests/sec:"), NULL) : -1;
}

/* What one measurement holds: the observers (loaded once), and the server's counter. */
struct obs_run {
	struct synq_collector *c[OBS_MAX];	/* [OBS_OFF] stays NULL */
	int snmp_fd;				/* the server namespace's /proc/net/snmp */
	struct synq_snapshot snap;
	double unscraped[OBS_MAX];		/* seconds attached since the last snapshot */
};

/* Tcp PassiveOpens of the server namespace: connections its listeners made; -1 unread. */
static long long passive_opens(const struct obs_run *o)
{
	char text[4096];
	ssize_t n = pread(o->snmp_fd, text, sizeof(text) - 1, 0);
	uint64_t v;

	if (n <= 0)
		return -1;
	text[n] = '\0';
	return proc_net_value(text, "Tcp:", "PassiveOpens", &v) ? -1 : (long long)v;
}

/* The observers, loaded as synq export loads them and left detached. */
static const char *observers_open(struct obs_run *o)
{
	const struct synq_collector_opts opts[OBS_MAX] = {
		[OBS_DEFAULT] = { .no_wait = true, .no_enqueue = true },
		[OBS_ENQUEUE] = { .no_wait = true },
		[OBS_ACCEPT_WAIT] = { .no_wait = false },
	};

	o->snmp_fd = open("/proc/thread-self/net/snmp", O_RDONLY | O_CLOEXEC);
	if (o->snmp_fd < 0)
		return "n/a (cannot read the server's /proc/net/snmp)";
	for (int m = OBS_DEFAULT; m < OBS_MAX; m++) {
		o->c[m] = synq_collector_open(&opts[m]);
		if (!o->c[m])
			return "n/a (the queue programs did not load: synq -v bench shows why)";
		synq_collector_attach(o->c[m], false);
	}
	return NULL;
}

static void observers_close(struct obs_run *o)
{
	for (int m = 0; m < OBS_MAX; m++)
		synq_collector_close(o->c[m]);
	synq_snapshot_free(&o->snap);
	if (o->snmp_fd >= 0)
		close(o->snmp_fd);
}

/* Each observer's map memory, as charged here and by formula here and for a fleet host. */
static void observers_memory(const struct obs_run *o, struct observer_result *r)
{
	r->cpus = libbpf_num_possible_cpus();
	for (int m = OBS_DEFAULT; m < OBS_MAX; m++) {
		r->mode[m].listeners = SYNQ_LISTENERS_MAX;
		r->mode[m].mem_charged = synq_collector_memlock(o->c[m]);
		r->mode[m].mem_here = synq_collector_memory(o->c[m], SYNQ_LISTENERS_MAX, r->cpus);
		r->mode[m].mem_fleet = synq_collector_memory(o->c[m], OBS_FLEET_LISTENERS,
							     OBS_FLEET_CPUS);
	}
}

/* Only observer m attached (none for OBS_OFF). */
static int observer_select(struct obs_run *o, enum observer_mode m)
{
	for (enum observer_mode k = OBS_DEFAULT; k < OBS_MAX; k++)
		if (k != m)
			synq_collector_attach(o->c[k], false);
	return m == OBS_OFF ? 0 : synq_collector_attach(o->c[m], true);
}

/*
 * Connections per second over one window with observer m, or -1. An attached
 * observer also takes a snapshot every SCRAPE_INTERVAL seconds it is on, as
 * export does for each scrape.
 */
static double window_rate(struct obs_run *o, enum observer_mode m, double seconds)
{
	long long before, after;
	double t0;

	if (observer_select(o, m))
		return -1;
	cli_sleep(SWITCH_SETTLE);
	t0 = mono_now();
	before = passive_opens(o);
	if (m != OBS_OFF && (o->unscraped[m] += seconds) >= SCRAPE_INTERVAL) {
		o->unscraped[m] -= SCRAPE_INTERVAL;
		synq_collector_snapshot(o->c[m], &o->snap);
	}
	if (seconds > mono_now() - t0)
		cli_sleep(seconds - (mono_now() - t0));
	after = passive_opens(o);
	return before < 0 || after < before ? -1 : (after - before) / (mono_now() - t0);
}

/* BPF run time per connection of observer m, over one second with the kernel's stats on. */
static double observer_ns(struct obs_run *o, enum observer_mode m)
{
	uint64_t ns0, ns1;
	long long c0, c1;

	if (observer_select(o, m))
		return 0;
	ns0 = synq_collector_run_ns(o->c[m]);
	c0 = passive_opens(o);
	cli_sleep(1.0);
	ns1 = synq_collector_run_ns(o->c[m]);
	c1 = passive_opens(o);
	return c1 > c0 ? (double)(ns1 - ns0) / (c1 - c0) : 0;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Every request takes a new client port, tens of thousands a run: the
 * client namespace gets the whole range, as in scripts/bench-serve.sh, and
 * may reuse a port its own TIME_WAIT holds (wrk closes first). Without that,
 * the second round found every port in TIME_WAIT and ran at 1 % of the first.
 */
static void widen_client_ports(const struct bench_env *e)
{
	char *argv[] = { "sysctl", "-qw", "net.ipv4.ip_local_port_range=1024 65535",
			 "net.ipv4.tcp_tw_reuse=1", NULL };
	pid_t pid = spawn(e->ns_a, BENCH_CPU_ATTACK, argv, NULL);

	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* Mean lost rate (%) of mode m against none in the same cycle, and its 95 % half-width. */
static void cost_of(struct observer_result *r, enum observer_mode m)
{
	const int n = r->cycles;
	double sum = 0, sq = 0, x;

	for (int i = 0; i < n; i++) {
		x = 100.0 * (1.0 - r->rate[m][i] / r->rate[OBS_OFF][i]);
		sum += x;
		sq += x * x;
	}
	r->mode[m].cost = sum / n;
	r->mode[m].cost_ci = n > 1 ? 1.96 * sqrt((sq - sum * sum / n) / (n - 1) / n) : 0;
}

static void summarize(struct observer_result *r)
{
	double v[OBS_CYCLES_MAX];

	for (int m = 0; m < OBS_MAX; m++) {
		int n = 0;

		for (int i = 0; i < r->cycles; i++)
			if (r->rate[m][i] > 0)
				v[n++] = r->rate[m][i];
		r->mode[m].ok = r->cycles > 0 && n == r->cycles;
		if (!r->mode[m].ok) {
			r->mode[m].na = "n/a (a window counted no connection: synq -v bench shows why)";
			continue;
		}
		r->mode[m].median = median(v, n);
	}
	for (int m = OBS_DEFAULT; m < OBS_MAX; m++)
		if (r->mode[m].ok && r->mode[OBS_OFF].ok)
			cost_of(r, m);
}

/*
 * The order of the modes in each cycle, by rows of a Williams square: over
 * four cycles every mode comes right after every other mode once. Switching
 * leaves work behind (a detached program's memory freed after RCU grace
 * periods, syscall-tracing flags cleared on every task), so a mode that
 * always followed the costliest one would be charged part of its cost.
 */
static const enum observer_mode cycle_order[OBS_MAX][OBS_MAX] = {
	{ 0, 1, 3, 2 }, { 1, 2, 0, 3 }, { 2, 3, 1, 0 }, { 3, 0, 2, 1 },
};
_Static_assert(OBS_MAX == 4, "cycle_order is a Williams square for four modes");

/*
 * The windows, cycle after cycle: each mode's neighbours are the others, so
 * drift on a shared machine weighs on all of them alike. Then the programs'
 * run time, with the kernel's stats on (they cost time of their own, so the
 * rate windows run without them).
 */
static void cycles_run(struct obs_run *o, double window, struct observer_result *r)
{
	int stats_fd;

	for (int i = 0; i < r->cycles && !synq_stop; i++)
		for (int k = 0; k < OBS_MAX; k++) {
			enum observer_mode m = cycle_order[i % OBS_MAX][k];

			r->rate[m][i] = window_rate(o, m, window);
		}
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	r->ns_known = stats_fd >= 0;
	for (int m = OBS_DEFAULT; m < OBS_MAX && r->ns_known && !synq_stop; m++)
		r->mode[m].ns = observer_ns(o, m);
	if (stats_fd >= 0)
		close(stats_fd);
	observer_select(o, OBS_OFF);
}

/* In the server namespace (the observers watch the namespace they are loaded in). */
static void measure(const struct bench_env *e, double window, struct observer_result *r)
{
	struct obs_run o = { .snmp_fd = -1 };
	const char *na = observers_open(&o);
	double wrk_seconds = 3 * (r->cycles * OBS_MAX * window + OBS_MAX) + 30;	/* stopped when done */
	pid_t wrk;
	int fd;

	if (!na)
		observers_memory(&o, r);
	if (!na && (wrk = wrk_start(e, wrk_seconds, &fd)) > 0) {
		cli_sleep(1.0);	/* wrk connected, nginx warm */
		cycles_run(&o, window, r);
		if (wrk_finish(wrk, fd) <= 0)
			na = "n/a (wrk failed against nginx)";
		else
			summarize(r);
	}
	observers_close(&o);
	for (int m = 0; m < OBS_MAX && na; m++) {
		r->mode[m].ok = false;
		r->mode[m].na = na;
	}
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

void bench_observer(const struct bench_env *e, double window, int cycles,
		    struct observer_result *r)
{
	char dir[] = "/tmp/synq-bench-nginx-XXXXXX";
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	pid_t nginx;

	memset(r, 0, sizeof(*r));
	r->cycles = cycles < OBS_CYCLES_MAX ? cycles : OBS_CYCLES_MAX;
	r->window = window;
	for (int m = 0; m < OBS_MAX; m++)
		r->mode[m].na = "n/a (nginx did not start: is it installed?)";
	if (home < 0 || !mkdtemp(dir)) {
		if (home >= 0)
			close(home);
		return;
	}
	chmod(dir, 0755);	/* nginx's worker may drop privileges */
	widen_client_ports(e);
	if (!write_nginx_conf(dir) && (nginx = nginx_start(e, dir)) > 0) {
		if (!netns_enter(e->ns_s)) {
			measure(e, window, r);
			setns(home, CLONE_NEWNET);
		}
		kill(nginx, SIGQUIT);
		waitpid(nginx, NULL, 0);
	}
	close(home);
	nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}
