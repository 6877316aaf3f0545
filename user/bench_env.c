// SPDX-License-Identifier: GPL-2.0
/*
 * synq bench, the ground it stands on: two namespaces joined by a veth, children
 * pinned to a CPU inside one of them, a small server and a legitimate client.
 *
 * The server here is a helper of the benchmark: an accept loop that answers every
 * request with "ok", plus a sink for bulk transfers. It stands in for `synq serve`.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"
#include "system.h"

volatile sig_atomic_t bench_stop;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Runs a command line quietly; its exit status, or -1. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	synq_debug("bench: %s", cmd);
	rc = system(cmd);
	return rc == -1 ? -1 : WEXITSTATUS(rc);
}

static void pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* --------------------------------------------------------------- topology */

static int ifindex_in(struct bench_env *e, const char *ns, const char *ifname)
{
	int idx = 0;

	if (netns_enter(ns) == 0)
		idx = if_nametoindex(ifname);
	setns(e->self_ns, CLONE_NEWNET);
	return idx;
}

int bench_env_up(struct bench_env *e)
{
	int pid = getpid() % 100000;

	snprintf(e->ns_a, sizeof(e->ns_a), "synq-bench-a-%d", pid);
	snprintf(e->ns_s, sizeof(e->ns_s), "synq-bench-s-%d", pid);
	snprintf(e->if_a, sizeof(e->if_a), "sqb%da", pid);
	snprintf(e->if_s, sizeof(e->if_s), "sqb%ds", pid);
	e->self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (e->self_ns < 0)
		return -errno;
	e->up = true;
	if (sh("ip netns add %s && ip netns add %s", e->ns_a, e->ns_s) ||
	    sh("ip link add %s netns %s type veth peer name %s netns %s", e->if_a, e->ns_a,
	       e->if_s, e->ns_s) ||
	    sh("ip -n %s link set lo up && ip -n %s link set lo up", e->ns_a, e->ns_s) ||
	    sh("ip -n %s addr add 192.0.2.1/24 dev %s && ip -n %s link set %s up", e->ns_a,
	       e->if_a, e->ns_a, e->if_a) ||
	    sh("ip -n %s addr add 192.0.2.2/24 dev %s && ip -n %s link set %s up", e->ns_s,
	       e->if_s, e->ns_s, e->if_s) ||
	    /* replies to the spoofed sources go back to the attacker, who drops them */
	    sh("ip -n %s route add 198.18.0.0/15 via 192.0.2.1", e->ns_s) ||
	    /* full checksums from the client: XDP checks them, as a NIC would deliver them */
	    sh("ip netns exec %s ethtool -K %s tx off >/dev/null", e->ns_a, e->if_a) ||
	    sh("ip netns exec %s ethtool -K %s tx off >/dev/null", e->ns_s, e->if_s) ||
	    sh("ip netns exec %s sysctl -qw net.ipv4.tcp_syncookies=2", e->ns_s) ||
	    sh("ip netns exec %s ping -c1 -W2 192.0.2.2 >/dev/null", e->ns_a)) {
		synq_err("bench: building the namespaces %s and %s failed", e->ns_a, e->ns_s);
		return -EIO;
	}
	e->ifindex_a = ifindex_in(e, e->ns_a, e->if_a);
	e->ifindex_s = ifindex_in(e, e->ns_s, e->if_s);
	return e->ifindex_a && e->ifindex_s ? 0 : -ENODEV;
}

void bench_env_down(struct bench_env *e)
{
	const char *const detach[] = { "detach", e->if_s, NULL };

	if (!e->up)
		return;
	if (e->server > 0) {
		kill(e->server, SIGKILL);
		waitpid(e->server, NULL, 0);
		e->server = 0;
	}
	bench_synq(e->ns_s, detach);	/* removes synq's pins, if it was attached */
	bench_unpin(e->ns_a, NULL);
	bench_unpin(e->ns_s, NULL);
	sh("ip netns pids %s 2>/dev/null | xargs -r kill -9 2>/dev/null", e->ns_a);
	sh("ip netns pids %s 2>/dev/null | xargs -r kill -9 2>/dev/null", e->ns_s);
	sh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", e->ns_a, e->ns_s);
	if (e->self_ns >= 0)
		close(e->self_ns);
	e->up = false;
}

void bench_unpin(const char *ns, const char *ifname)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	if (stat(path, &st))
		return;
	sh("rm -rf /sys/fs/bpf/synq/%lu%s%s", (unsigned long)st.st_ino, ifname ? "/" : "",
	   ifname ? ifname : "");
}

int bench_in_ns(struct bench_env *e, const char *ns, int (*fn)(void *), void *arg)
{
	int err = netns_enter(ns);

	if (!err)
		err = fn(arg);
	setns(e->self_ns, CLONE_NEWNET);
	return err;
}

/*
 * veth's NAPI runs in softirq on the CPU that sent the frame: the flood's CPU. In
 * threaded mode it is a kernel thread "napi/IF-ID" that we can put on a CPU of our
 * choosing. The threads come and go with XDP programs, so call this after each change.
 */
void bench_napi_pin(const char *ns, const char *ifname, int cpu)
{
	char prefix[32], path[300], comm[64];
	struct dirent *d;
	DIR *dir;

	sh("ip netns exec %s sh -c 'echo 1 > /sys/class/net/%s/threaded' 2>/dev/null", ns, ifname);
	snprintf(prefix, sizeof(prefix), "napi/%s-", ifname);
	dir = opendir("/proc");
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		FILE *f;

		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, prefix, strlen(prefix))) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			sched_setaffinity(atoi(d->d_name), sizeof(set), &set);
		}
		fclose(f);
	}
	closedir(dir);
}

pid_t bench_synq_start(const char *ns, const char *const *args)
{
	const char *argv[16] = { "synq", "-n", ns };
	int n = 3;
	pid_t pid;

	for (int i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (!synq_verbose && null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execv("/proc/self/exe", (char **)argv);
		_exit(127);
	}
	return pid;
}

int bench_synq(const char *ns, const char *const *args)
{
	pid_t pid = bench_synq_start(ns, args);
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ----------------------------------------------------------------- children */

pid_t bench_child(const char *ns, int cpu, void (*fn)(void *arg, void *res), void *arg,
		  size_t len, int *rfd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]), close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		char res[4096] = { 0 };

		close(p[0]);
		if (netns_enter(ns))
			_exit(1);
		pin_self(cpu);
		fn(arg, res);
		if (write(p[1], res, len) != (ssize_t)len)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	*rfd = p[0];
	return pid;
}

int bench_child_wait(pid_t pid, int rfd, void *res, size_t len)
{
	ssize_t got = 0, n;

	while (got < (ssize_t)len && (n = read(rfd, (char *)res + got, len - got)) != 0) {
		if (n < 0 && errno == EINTR) {
			/* Ctrl-C reaches the whole process group, `kill` only us: pass it on */
			if (bench_stop)
				kill(pid, SIGTERM);
			continue;
		}
		if (n < 0)
			break;
		got += n;
	}
	close(rfd);
	waitpid(pid, NULL, 0);
	return got == (ssize_t)len ? 0 : -EIO;
}

/* ------------------------------------------------------------------- server */

static int listen_on(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4096)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void serve_reply(int c)
{
	static const char reply[] = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok";
	char buf[512];

	if (recv(c, buf, sizeof(buf), 0) > 0)
		send(c, reply, sizeof(reply) - 1, MSG_NOSIGNAL);
}

static void serve_sink(int c)
{
	static char buf[1 << 16];
	uint64_t total = 0;
	ssize_t n;

	while ((n = recv(c, buf, sizeof(buf), 0)) > 0)
		total += n;
	send(c, &total, sizeof(total), MSG_NOSIGNAL);
}

/* One connection at a time: the benchmark's clients never overlap. */
static void server_loop(int lfd, int sfd)
{
	struct pollfd p[2] = { { .fd = lfd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
	struct timeval tv = { .tv_sec = 5 };

	for (;;) {
		if (poll(p, 2, -1) < 0)
			continue;
		for (int i = 0; i < 2; i++) {
			int c;

			if (!(p[i].revents & POLLIN) || (c = accept(p[i].fd, NULL, NULL)) < 0)
				continue;
			setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			if (i == 0)
				serve_reply(c);
			else
				serve_sink(c);
			close(c);
		}
	}
}

int bench_server_start(struct bench_env *e)
{
	int ready[2];
	char ok = 0;
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid == 0) {
		int lfd, sfd;

		close(ready[0]);
		if (netns_enter(e->ns_s))
			_exit(1);
		pin_self(BENCH_CPU_SERVER);
		lfd = listen_on(BENCH_PORT);
		sfd = listen_on(BENCH_SINK_PORT);
		if (lfd < 0 || sfd < 0)
			_exit(1);
		ok = 1;
		if (write(ready[1], &ok, 1) != 1)
			_exit(1);
		close(ready[1]);
		server_loop(lfd, sfd);
		_exit(0);
	}
	close(ready[1]);
	if (pid < 0 || read(ready[0], &ok, 1) != 1 || !ok) {
		close(ready[0]);
		synq_err("bench: the server did not start in %s", e->ns_s);
		return -EIO;
	}
	close(ready[0]);
	e->server = pid;
	return 0;
}

/* ------------------------------------------------------------------- client */

/* Connects with a deadline; the connected socket or -1. */
static int connect_by(const char *dst, int port, double deadline)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct linger lin = { 1, 0 };	/* RST on close: no TIME_WAIT pile-up */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), err = 0;
	socklen_t len = sizeof(err);
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, dst, &a.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) && errno != EINPROGRESS)
		goto fail;
	double left = deadline - now_s();
	if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) != 1)
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) || err)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* One connect + request + reply; true when the whole reply came before the deadline. */
static bool round_trip(const char *dst, double deadline)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	char buf[256];
	size_t got = 0;
	int fd = connect_by(dst, BENCH_PORT, deadline);
	bool ok = false;

	if (fd < 0)
		return false;
	if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != sizeof(req) - 1)
		goto out;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = deadline - now_s();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) != 1)
			break;
		n = recv(fd, buf + got, sizeof(buf) - got - 1, 0);
		if (n <= 0) {
			buf[got] = '\0';
			ok = n == 0 && strstr(buf, "\r\n\r\nok");
			break;
		}
		got += n;
		if (got >= sizeof(buf) - 1)
			break;
	}
out:
	close(fd);
	return ok;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void bench_client(void *arg, void *res)
{
	const struct client_args *a = arg;
	struct client_result *r = res;
	double *lat = calloc(CLIENT_MAX_SAMPLES, sizeof(*lat));
	double start = now_s(), end = start + a->seconds;
	uint64_t n = 0;

	if (!lat)
		return;
	while (!bench_stop && now_s() < end && r->attempts < CLIENT_MAX_SAMPLES) {
		double t0 = now_s();
		bool ok = round_trip(a->dst, t0 + a->timeout);
		double ms = (now_s() - t0) * 1000;

		r->attempts++;
		/* a failure counts at its timeout, so the percentiles include it */
		lat[n++] = ok ? ms : a->timeout * 1000;
		r->ok += ok;
	}
	r->rate = r->ok / (now_s() - start);
	if (n) {
		qsort(lat, n, sizeof(*lat), cmp_double);
		r->p50_ms = lat[(n - 1) / 2];
		r->p99_ms = lat[(size_t)ceil(0.99 * n) - 1];
		r->max_ms = lat[n - 1];
	}
	free(lat);
}

void bench_bulk(void *arg, void *res)
{
	const struct client_args *a = arg;
	struct bulk_result *r = res;
	static char buf[1 << 16];
	double start = now_s();
	uint64_t total = 0;
	int fd = connect_by(a->dst, BENCH_SINK_PORT, start + 2);

	struct timeval tv = { .tv_sec = 1 };

	if (fd < 0) {
		r->err = -ECONNREFUSED;
		return;
	}
	/* blocking from here on, but never stuck for long */
	fcntl(fd, F_SETFL, 0);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (!bench_stop && now_s() - start < a->seconds)
		if (send(fd, buf, sizeof(buf), MSG_NOSIGNAL) < 0)
			break;
	shutdown(fd, SHUT_WR);
	/* the server answers with what it received, once it has all of it */
	tv.tv_sec = 5;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (recv(fd, &total, sizeof(total), MSG_WAITALL) != sizeof(total))
		r->err = -EIO;
	else
		r->gbit = total * 8 / (now_s() - start) / 1e9;
	close(fd);
}
