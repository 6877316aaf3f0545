// SPDX-License-Identifier: GPL-2.0
/*
 * synq bench, the ground it stands on: two namespaces joined by a veth, children
 * pinned to a CPU inside one of them, a small server and a legitimate client.
 *
 * The servers are `synq serve` (the binary runs itself): HTTP for the request/reply
 * client and the accept-rate runs, echo for the bulk transfers.
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "flood/bench_env.h"
#include "cli/cli.h"
#include "system/system.h"

void bench_pin_self(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)	/* no CPU asked for: the scheduler places it */
		return;
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
	    /* two queues a side: a flood thread per CPU gets a ring of its own */
	    sh("ip link add %s netns %s numtxqueues 2 numrxqueues 2 type veth peer name %s "
	       "netns %s numtxqueues 2 numrxqueues 2", e->if_a, e->ns_a, e->if_s, e->ns_s) ||
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
	bench_server_stop(e);
	/* synq's pins, if it was attached: only the server's end ever is. */
	bench_synq(e->ns_s, detach);
	sh("ip netns pids %s 2>/dev/null | xargs -r kill -9 2>/dev/null", e->ns_a);
	sh("ip netns pids %s 2>/dev/null | xargs -r kill -9 2>/dev/null", e->ns_s);
	sh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", e->ns_a, e->ns_s);
	if (e->self_ns >= 0)
		close(e->self_ns);
	e->up = false;
}

int bench_in_ns(struct bench_env *e, const char *ns, int (*fn)(void *), void *arg)
{
	int err = netns_enter(ns);

	if (!err)
		err = fn(arg);
	setns(e->self_ns, CLONE_NEWNET);
	return err;
}

/* Calls fn(pid) for every kernel thread "napi/IF-ID" of ifname. */
static void each_napi_thread(const char *ifname, void (*fn)(int pid, void *arg), void *arg)
{
	char prefix[32], path[300], comm[64];
	struct dirent *d;
	DIR *dir = opendir("/proc");

	if (!dir)
		return;
	snprintf(prefix, sizeof(prefix), "napi/%s-", ifname);
	while ((d = readdir(dir))) {
		FILE *f;

		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, prefix, strlen(prefix)))
			fn(atoi(d->d_name), arg);
		fclose(f);
	}
	closedir(dir);
}

static void pin_pid(int pid, void *arg)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(*(int *)arg, &set);
	sched_setaffinity(pid, sizeof(set), &set);
}

/*
 * veth's NAPI runs in softirq on the CPU that sent the frame: the flood's CPU. In
 * threaded mode it is a kernel thread "napi/IF-ID" that we can put on a CPU of our
 * choosing. The threads come and go with XDP programs, so call this after each change.
 * cpu < 0: back to softirq NAPI, on the sending CPU.
 */
void bench_napi_pin(const char *ns, const char *ifname, int cpu)
{
	sh("ip netns exec %s sh -c 'echo %d > /sys/class/net/%s/threaded' 2>/dev/null", ns,
	   cpu >= 0, ifname);
	if (cpu >= 0)
		each_napi_thread(ifname, pin_pid, &cpu);
}

static void add_cpu(int pid, void *arg)
{
	unsigned long long utime, stime;
	char path[64], buf[1024], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	/* fields 14 and 15, counted after the ")" that ends the command name */
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
		   &stime) == 2)
		*(double *)arg += (double)(utime + stime) / sysconf(_SC_CLK_TCK);
	fclose(f);
}

double bench_napi_cpu(const char *ifname)
{
	double sum = 0;

	each_napi_thread(ifname, add_cpu, &sum);
	return sum;
}

/* One counter of `ethtool -S` summed over the queues: lines ending in suffix. */
static void add_stat(struct veth_loss *l, const char *name, unsigned long long v)
{
	size_t n = strlen(name);

	if (n > 16 && !strcmp(name + n - 16, "_xdp_xmit_errors"))
		l->xmit_errors += v;
	else if (n > 14 && !strcmp(name + n - 14, "_xdp_tx_errors"))
		l->tx_errors += v;
	else if (!strncmp(name, "rx_queue_", 9) && n > 6 && !strcmp(name + n - 6, "_drops") &&
		 !strstr(name, "xdp"))
		l->rx_drops += v;
	else if (!strcmp(name, "tx_dropped"))
		l->tx_dropped += v;
}

int bench_veth_loss(const char *ns, const char *ifname, struct veth_loss *l)
{
	char cmd[256], line[256], name[64];
	unsigned long long v;
	FILE *p;

	memset(l, 0, sizeof(*l));
	/* ip netns exec remounts /sys, so the statistics file is this namespace's */
	snprintf(cmd, sizeof(cmd), "ip netns exec %s sh -c 'ethtool -S %s; echo tx_dropped: "
		 "$(cat /sys/class/net/%s/statistics/tx_dropped)' 2>/dev/null", ns, ifname, ifname);
	p = popen(cmd, "r");
	if (!p)
		return -errno;
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, " %63[^:]: %llu", name, &v) == 2)
			add_stat(l, name, v);
	/* the device's tx_dropped also counts the XDP frames its peer refused */
	l->tx_dropped -= l->tx_dropped >= l->xmit_errors ? l->xmit_errors : l->tx_dropped;
	return pclose(p) ? -EIO : 0;
}

void veth_loss_sub(struct veth_loss *after, const struct veth_loss *before)
{
	after->xmit_errors -= before->xmit_errors;
	after->tx_errors -= before->tx_errors;
	after->tx_dropped -= before->tx_dropped;
	after->rx_drops -= before->rx_drops;
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
		bench_pin_self(cpu);
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
			if (synq_stop)
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

/* Reads fd until the server says it listens: 0, or -EIO when it exits or 5 s pass. */
static int wait_listening(int fd)
{
	double deadline = mono_now() + 5;
	char buf[1024];
	size_t got = 0;

	while (got < sizeof(buf) - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = deadline - mono_now();
		ssize_t n;

		if (left <= 0 || synq_stop)
			return -EIO;
		if (poll(&p, 1, (int)(left * 1000) + 1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)	/* it exited before listening */
			return -EIO;
		got += n;
		buf[got] = '\0';
		if (strstr(buf, "listening on"))
			return 0;
	}
	return -EIO;
}

/*
 * `synq -n NS serve` on the port with the reply mode, pinned to BENCH_CPU_SERVER
 * (its worker threads inherit the affinity). The binary runs itself; its pid, or -errno.
 */
static pid_t serve_start(struct bench_env *e, int port, const char *reply)
{
	char port_s[8];
	const char *argv[] = { "synq", "-n", e->ns_s, "serve", "--bind", BENCH_SERVER_ADDR,
			       "--port", port_s, "--backlog", "4096", "--reply", reply, NULL };
	int out[2], err;
	pid_t pid;

	snprintf(port_s, sizeof(port_s), "%d", port);
	if (pipe2(out, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(out[1], STDOUT_FILENO);
		if (!synq_verbose && null >= 0)
			dup2(null, STDERR_FILENO);
		bench_pin_self(BENCH_CPU_SERVER);
		execv("/proc/self/exe", (char **)argv);
		_exit(127);
	}
	err = pid < 0 ? -errno : 0;
	close(out[1]);
	if (!err && wait_listening(out[0])) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		err = -EIO;
	}
	/* It prints nothing more until it stops, and the benchmark stops it with SIGKILL. */
	close(out[0]);
	if (err)
		synq_err("bench: synq serve did not start on port %d in %s", port, e->ns_s);
	return err ? err : pid;
}

void bench_server_stop(struct bench_env *e)
{
	pid_t *pids[] = { &e->server, &e->echo };

	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		if (*pids[i] <= 0)
			continue;
		kill(*pids[i], SIGKILL);
		waitpid(*pids[i], NULL, 0);
		*pids[i] = 0;
	}
}

int bench_server_start(struct bench_env *e)
{
	pid_t pid = serve_start(e, BENCH_PORT, "http");

	if (pid < 0)
		return pid;
	e->server = pid;
	pid = serve_start(e, BENCH_ECHO_PORT, "echo");
	if (pid < 0)
		return pid;
	e->echo = pid;
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
	double left = deadline - mono_now();
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
		double left = deadline - mono_now();
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

int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void bench_client(void *arg, void *res)
{
	const struct client_args *a = arg;
	struct client_result *r = res;
	double *lat = calloc(CLIENT_MAX_SAMPLES, sizeof(*lat));
	double start = mono_now(), end = start + a->seconds;
	uint64_t n = 0;

	if (!lat)
		return;
	while (!synq_stop && mono_now() < end && r->attempts < CLIENT_MAX_SAMPLES) {
		double t0 = mono_now();
		bool ok = round_trip(a->dst, t0 + a->timeout);
		double ms = (mono_now() - t0) * 1000;

		r->attempts++;
		/* a failure counts at its timeout, so the percentiles include it */
		lat[n++] = ok ? ms : a->timeout * 1000;
		r->ok += ok;
	}
	r->rate = r->ok / (mono_now() - start);
	if (n) {
		qsort(lat, n, sizeof(*lat), bench_cmp_double);
		r->p50_ms = lat[(n - 1) / 2];
		r->p99_ms = lat[(size_t)ceil(0.99 * n) - 1];
		r->max_ms = lat[n - 1];
	}
	free(lat);
}

/* Sends for a->seconds while reading the echo, then half-closes and reads the rest. */
static int bulk_echo(int fd, double seconds, uint64_t *back)
{
	static char out[1 << 16], in[1 << 16];
	double start = mono_now(), end = start + seconds, deadline = end + 5;
	uint64_t sent = 0;
	bool writing = true;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN | (writing ? POLLOUT : 0) };
		ssize_t n;

		if (writing && (synq_stop || mono_now() >= end)) {
			shutdown(fd, SHUT_WR);
			writing = false;
		}
		if (mono_now() >= deadline || poll(&p, 1, 100) < 0)
			return -ETIMEDOUT;
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = recv(fd, in, sizeof(in), 0);
			if (n == 0)	/* the server closed after echoing all it got */
				return *back == sent ? 0 : -EIO;
			if (n < 0 && errno != EAGAIN)
				return -errno;
			*back += n > 0 ? n : 0;
		}
		if (writing && (p.revents & POLLOUT)) {
			n = send(fd, out, sizeof(out), MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN)
				return -errno;
			sent += n > 0 ? n : 0;
		}
	}
}

void bench_bulk(void *arg, void *res)
{
	const struct client_args *a = arg;
	struct bulk_result *r = res;
	double start = mono_now();
	uint64_t back = 0;
	int fd = connect_by(a->dst, BENCH_ECHO_PORT, start + 2);

	if (fd < 0) {
		r->err = -ECONNREFUSED;
		return;
	}
	r->err = bulk_echo(fd, a->seconds, &back);
	if (!r->err)
		r->gbit = back * 8 / (mono_now() - start) / 1e9;
	close(fd);
}
