// SPDX-License-Identifier: GPL-2.0
/*
 * synq bench, scenario 5: what the queue observer costs a busy server. nginx
 * (one worker, on the server's CPU) answers wrk (Connection: close, so every
 * request is a new connection and an accept(); on the client's CPU), with no
 * observer, with `synq export` as it runs by default, and with
 * `synq export --accept-wait`. The three alternate in every round (ABC CBA
 * ...), so drift on a shared machine weighs on all of them alike; the report
 * gives the medians.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "cli/cli.h"
#include "flood/bench_env.h"
#include "flood/bench_observer.h"
#include "system/system.h"

#define NGINX_PORT "8090"
#define EXPORT_LISTEN "127.0.0.1:19737"	/* in the server namespace */

const char *const observer_mode_names[OBS_MAX] = {
	[OBS_OFF] = "none",
	[OBS_DEFAULT] = "synq export (default)",
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
 * Run time of the BPF programs process pid holds (the observer's), summed:
 * what the kernel counts while BPF_ENABLE_STATS is on. Found by the prog_id
 * of the process's descriptors, so other tools' programs do not count.
 */
static uint64_t programs_run_ns(pid_t pid)
{
	char path[64], line[128];
	uint64_t sum = 0;
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
	dir = opendir(path);
	while (dir && (d = readdir(dir))) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info), id = 0;
		FILE *f;
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%.20s", pid, d->d_name);
		f = fopen(path, "re");
		while (f && fgets(line, sizeof(line), f))
			sscanf(line, "prog_id: %u", &id);
		if (f)
			fclose(f);
		fd = id ? bpf_prog_get_fd_by_id(id) : -1;
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			sum += info.run_time_ns;
		if (fd >= 0)
			close(fd);
	}
	if (dir)
		closedir(dir);
	return sum;
}

/* wrk for seconds against nginx: requests (= connections) per second, or -1. */
static double wrk_rate(const struct bench_env *e, double seconds)
{
	char dur[16], out[4096];
	char *argv[] = { "wrk", "-t1", "-c16", dur, "-H", "Connection: close",
			 "http://" BENCH_SERVER_ADDR ":" NGINX_PORT "/", NULL };
	size_t got = 0;
	double rate = -1;
	const char *p;
	ssize_t n;
	int fd;
	pid_t pid;

	snprintf(dur, sizeof(dur), "-d%.0fs", seconds);
	pid = spawn(e->ns_a, BENCH_CPU_ATTACK, argv, &fd);
	if (pid < 0)
		return -1;
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
	if (p)
		rate = strtod(p + strlen("Requests/sec:"), NULL);
	return rate;
}

/*
 * One run of wrk with the observer in mode m running in the server namespace:
 * the connection rate, and into *ns the observer programs' run time per connection.
 */
static double run_mode(const struct bench_env *e, enum observer_mode m, double seconds,
		       double *ns)
{
	const char *const dflt[] = { "export", "--listen", EXPORT_LISTEN, NULL };
	const char *const wait[] = { "export", "--listen", EXPORT_LISTEN, "--accept-wait", NULL };
	pid_t obs = 0;
	double rate;

	if (m != OBS_OFF) {
		obs = bench_synq_start(e->ns_s, m == OBS_DEFAULT ? dflt : wait);
		sleep(1);	/* loaded and attached */
		if (obs < 0 || waitpid(obs, NULL, WNOHANG) != 0)
			return -1;
	}
	rate = wrk_rate(e, seconds);
	*ns = 0;
	if (obs > 0 && rate > 0)
		*ns = programs_run_ns(obs) / (rate * seconds);
	if (obs > 0) {
		kill(obs, SIGINT);
		waitpid(obs, NULL, 0);
	}
	return rate;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
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

static void rounds_run(const struct bench_env *e, double seconds, struct observer_result *r)
{
	double v[OBS_ROUNDS_MAX];

	for (int i = 0; i < r->rounds && !synq_stop; i++)
		for (int k = 0; k < OBS_MAX; k++) {
			enum observer_mode m = i % 2 ? OBS_MAX - 1 - k : k;	/* ABC CBA */

			r->rate[m][i] = run_mode(e, m, seconds, &r->ns[m][i]);
		}
	for (int m = 0; m < OBS_MAX && !synq_stop; m++) {
		int n = 0;

		for (int i = 0; i < r->rounds; i++)
			if (r->rate[m][i] > 0)
				v[n++] = r->rate[m][i];
		r->mode[m].ok = n == r->rounds;
		if (!r->mode[m].ok) {
			r->mode[m].na = m == OBS_OFF ? "n/a (wrk failed against nginx)" :
				"n/a (synq export failed: synq -v bench shows why)";
			continue;
		}
		r->mode[m].median = median(v, n);
		for (int i = 0; i < r->rounds; i++)
			v[i] = r->ns[m][i];
		r->mode[m].ns_median = median(v, r->rounds);
	}
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

void bench_observer(const struct bench_env *e, double seconds, int rounds,
		    struct observer_result *r)
{
	char dir[] = "/tmp/synq-bench-nginx-XXXXXX";
	int stats_fd;
	pid_t nginx;

	memset(r, 0, sizeof(*r));
	r->rounds = rounds < OBS_ROUNDS_MAX ? rounds : OBS_ROUNDS_MAX;
	r->seconds = seconds;
	for (int m = 0; m < OBS_MAX; m++)
		r->mode[m].na = "n/a (nginx did not start: is it installed?)";
	if (!mkdtemp(dir))
		return;
	chmod(dir, 0755);	/* nginx's worker may drop privileges */
	/* The kernel counts programs' run time while this descriptor is open. */
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	r->ns_known = stats_fd >= 0;
	widen_client_ports(e);
	if (!write_nginx_conf(dir) && (nginx = nginx_start(e, dir)) > 0) {
		rounds_run(e, seconds, r);
		kill(nginx, SIGQUIT);
		waitpid(nginx, NULL, 0);
	}
	if (stats_fd >= 0)
		close(stats_fd);
	nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}
