// SPDX-License-Identifier: GPL-2.0
/*
 * synq flood: a bounded SYN flood from BPF_PROG_TEST_RUN live frames.
 *
 * Each worker thread runs bpf/synq_flood.bpf.c through bpf_prog_test_run_opts()
 * with BPF_F_TEST_XDP_LIVE_FRAMES; the program builds a fresh SYN in every frame
 * and returns XDP_TX, so the kernel sends it out of the chosen interface without
 * an skb. Pacing is a token bucket in user space: a thread asks the kernel for as
 * many frames as the clock allows, in chunks. Where live frames are missing the
 * same frames are built in user space and sent with AF_PACKET + sendmmsg().
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli/cli.h"
#include "flood/flood.h"
#include "cli/verb.h"
#include "system/netlink.h"
#include "system/system.h"
#include "synq_flood.skel.h"

#define VERB "flood"
#define PACKET_BATCH	64

/* ---------------------------------------------------------------- parsing */

int flood_parse_ipport(const char *s, struct flood_addr *out)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *h = s;
	size_t hlen;
	char *end;
	unsigned long port;

	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		h = s + 1;
		hlen = close - h;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)	/* IPv6 needs brackets */
			return -EINVAL;
		hlen = colon - s;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port == 0 || port > 65535 || colon[1] == '-' ||
	    colon[1] == '+')
		return -EINVAL;
	out->port = port;
	if (s[0] != '[' && inet_pton(AF_INET, host, out->addr) == 1)
		out->family = 4;
	else if (s[0] == '[' && inet_pton(AF_INET6, host, out->addr) == 1)
		out->family = 6;
	else
		return -EINVAL;
	return 0;
}

int flood_parse_cidr(const char *s, struct flood_cidr *out)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
	int bits;

	memset(out, 0, sizeof(*out));
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, out->addr) == 1)
		out->family = 4;
	else if (inet_pton(AF_INET6, host, out->addr) == 1)
		out->family = 6;
	else
		return -EINVAL;
	bits = out->family == 4 ? 32 : 128;
	out->prefix = bits;
	if (slash) {
		char *end;
		long p;

		errno = 0;
		p = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || errno || p < 0 || p > bits || slash[1] == '+' ||
		    slash[1] == '-')
			return -EINVAL;
		out->prefix = p;
	}
	/* clear the host bits: 198.18.3.4/15 means 198.18.0.0/15 */
	for (int i = 0; i < bits / 8; i++) {
		int keep = out->prefix - 8 * i;

		if (keep <= 0)
			out->addr[i] = 0;
		else if (keep < 8)
			out->addr[i] &= (uint8_t)(0xff << (8 - keep));
	}
	return 0;
}

int flood_parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		const char *p = s + 3 * i;
		char pair[3] = { 0 }, *end;

		if (!p[0] || !p[1] || (i < 5 && p[2] != ':' && p[2] != '-') || (i == 5 && p[2]))
			return -EINVAL;
		pair[0] = p[0];
		pair[1] = p[1];
		/* Two hex digits, nothing else: strtoul alone would skip white space and signs. */
		if (!isxdigit((unsigned char)pair[0]) || !isxdigit((unsigned char)pair[1]))
			return -EINVAL;
		mac[i] = strtoul(pair, &end, 16);
	}
	return 0;
}

int flood_parse_options(const char *s)
{
	static const char *const names[] = { "none", "linux", "random" };

	for (int i = 0; i < 3; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -EINVAL;
}

/* ---------------------------------------------------------------- frames */

static void cidr_mask(const struct flood_cidr *src, uint8_t mask[16])
{
	int bits = src->family == 4 ? 32 : 128;

	memset(mask, 0, 16);
	for (int i = src->prefix; i < bits; i++)
		mask[i / 8] |= 0x80 >> (i % 8);
}

/*
 * Fixed option sets: the template becomes the whole frame for all-zero random
 * fields, so the writer only adds the random ones (flood_write_sealed).
 */
static void flood_seal(struct flood_cfg *c)
{
	struct flood_rand zero = { 0 };
	uint8_t f[FLOOD_FRAME_MAX];

	if (c->family == 4)
		flood_write_full_v4(f, c, &zero);
	else
		flood_write_full_v6(f, c, &zero);
	memcpy(c->tmpl, f, sizeof(f));
	c->sealed = 1;
}

void flood_cfg_init(struct flood_cfg *c, const struct flood_addr *dst,
		    const struct flood_cidr *src, const uint8_t smac[6],
		    const uint8_t dmac[6], int options)
{
	uint8_t *f = c->tmpl, *ip = f + FLOOD_ETH_LEN, *t;
	uint8_t mask[16];
	uint16_t port = htons(dst->port), win = htons(64240);

	memset(c, 0, sizeof(*c));
	c->family = dst->family;
	c->options = options;
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	cidr_mask(src, mask);
	memcpy(c->src_base, src->addr, 16);
	memcpy(c->src_mask, mask, 16);
	if (dst->family == 4) {
		f[12] = 0x08, f[13] = 0x00;
		ip[0] = 0x45;
		ip[6] = 0x40;		/* don't fragment */
		ip[8] = 64;		/* TTL */
		ip[9] = IPPROTO_TCP;
		memcpy(ip + 16, dst->addr, 4);
		t = f + FLOOD_L4_V4;
	} else {
		f[12] = 0x86, f[13] = 0xdd;
		ip[0] = 0x60;
		ip[6] = IPPROTO_TCP;
		ip[7] = 64;		/* hop limit */
		memcpy(ip + 24, dst->addr, 16);
		t = f + FLOOD_L4_V6;
	}
	memcpy(t + 2, &port, 2);
	memcpy(t + 14, &win, 2);
	if (options != FLOOD_OPT_RANDOM)
		flood_seal(c);
}

/* xorshift64*: the fallback's random words; quality matters less than speed here. */
static uint32_t xrand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 0x2545F4914F6CDD1DULL) >> 32);
}

static void fill_rand_user(struct flood_rand *r, uint64_t *s)
{
	for (int i = 0; i < 4; i++)
		r->addr[i] = xrand(s);
	r->port = xrand(s);
	r->seq = xrand(s);
	r->opt = xrand(s);
	r->ts = xrand(s);
}

/* --------------------------------------------------------------- workers */

struct worker {
	pthread_t thread;
	const struct flood_opts *o;
	const struct flood_cfg *cfg;
	volatile sig_atomic_t *stop;
	int prog_fd;		/* live frames */
	int ifindex;
	int cpu;		/* -1: leave it to the scheduler */
	uint64_t rate, quota;	/* this thread's share */
	double deadline;	/* seconds after start */
	struct timespec start;
	uint64_t sent;		/* read by the progress line while running */
	int err;		/* -errno of the first failure */
	int finished;
	double end;		/* seconds after start when it stopped */
	double cpu_s;		/* CPU seconds this thread used */
};

static double since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) / 1e9;
}

double thread_cpu_seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void sleep_until(const struct timespec *t0, double at)
{
	struct timespec ts = *t0;
	long long ns = (long long)(at * 1e9) + ts.tv_nsec;

	ts.tv_sec += ns / 1000000000;
	ts.tv_nsec = ns % 1000000000;
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

int flood_live_run(int prog_fd, int ifindex, const void *frame, unsigned int len, uint32_t n,
		   unsigned int batch)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = frame,
		.data_size_in = len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = n,
		.flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		.batch_size = batch,
	);
	int err = bpf_prog_test_run_opts(prog_fd, &opts);

	return err ? -errno : (int)n;
}

static int live_send(struct worker *w, uint32_t n)
{
	return flood_live_run(w->prog_fd, w->ifindex, w->cfg->tmpl, flood_frame_len(w->cfg), n,
			      w->o->batch);
}

static int packet_send(struct worker *w, int fd, uint32_t n, uint64_t *seed)
{
	static __thread uint8_t frames[PACKET_BATCH][FLOOD_FRAME_MAX];
	struct mmsghdr msgs[PACKET_BATCH];
	struct iovec iov[PACKET_BATCH];
	int len = flood_frame_len(w->cfg), sent;

	if (n > PACKET_BATCH)
		n = PACKET_BATCH;
	memset(msgs, 0, sizeof(msgs));
	for (uint32_t i = 0; i < n; i++) {
		struct flood_rand r;

		fill_rand_user(&r, seed);
		flood_write(frames[i], w->cfg, &r, len);
		iov[i].iov_base = frames[i];
		iov[i].iov_len = len;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	sent = sendmmsg(fd, msgs, n, 0);
	if (sent < 0 && (errno == ENOBUFS || errno == EAGAIN)) {
		usleep(100);	/* the device queue is full: let it drain */
		return 0;
	}
	return sent < 0 ? -errno : sent;
}

static int packet_socket(int ifindex)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = ifindex,
	};
	/* protocol 0: this socket sends and never receives */
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/*
 * How many frames this thread may send now; 0 after sleeping until some are due.
 * A token bucket: by time t the thread may have sent rate * t frames. It sends once
 * at least min_burst frames are due, and everything that is due then (up to
 * max_burst), so a call that took longer than planned is made up by the next.
 */
static uint64_t frames_due(struct worker *w, double now, uint64_t min_burst,
			   uint64_t max_burst)
{
	uint64_t left = w->quota ? w->quota - w->sent : UINT64_MAX, due;

	if (!w->rate)
		return left < max_burst ? left : max_burst;
	due = (uint64_t)(now * w->rate);
	due = due > w->sent ? due - w->sent : 0;
	if (due > left)
		due = left;
	if (due >= min_burst || (due && due == left))
		return due < max_burst ? due : max_burst;
	/* sleep until min_burst frames are due, but never past the deadline */
	double at = (double)(w->sent + min_burst) / w->rate;

	sleep_until(&w->start, at < w->deadline ? at : w->deadline);
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	bool live = w->prog_fd >= 0;
	uint64_t seed = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)getpid() << 20) ^ (uintptr_t)w;
	/*
	 * Each BPF_PROG_TEST_RUN call costs a fixed ~20 ms (the kernel sets up and tears
	 * down a page pool, waiting for RCU) but no CPU: paced live frames go out in
	 * bursts of at least 50 ms worth. AF_PACKET has no such cost: 1 ms worth.
	 */
	uint64_t min_burst = live ? w->rate / 20 : w->rate / 1000;
	uint64_t max_burst = live ? FLOOD_LIVE_CHUNK : PACKET_BATCH;
	int fd = -1;

	if (!min_burst)
		min_burst = 1;
	if (min_burst > max_burst)
		min_burst = max_burst;
	if (w->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	if (!live && (fd = packet_socket(w->ifindex)) < 0) {
		w->err = fd;
		__atomic_store_n(&w->finished, 1, __ATOMIC_RELEASE);
		return NULL;
	}
	while (!*w->stop && (!w->quota || w->sent < w->quota) && w->deadline > 0) {
		double now = since(&w->start);
		uint64_t n;
		int got;

		if (now >= w->deadline) {
			if (!w->rate)
				break;
			/* the frames due by the deadline, so rate * duration are sent */
			now = w->deadline;
			min_burst = 1;
			w->deadline = 0;
		}
		n = frames_due(w, now, min_burst, max_burst);
		if (!n)
			continue;
		got = live ? live_send(w, n) : packet_send(w, fd, n, &seed);
		if (got < 0) {
			w->err = got;
			break;
		}
		__atomic_store_n(&w->sent, w->sent + got, __ATOMIC_RELAXED);
	}
	if (fd >= 0)
		close(fd);
	w->end = since(&w->start);
	w->cpu_s = thread_cpu_seconds();
	__atomic_store_n(&w->finished, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* ---------------------------------------------------- interface and MACs */

static const char *addr_str(const struct flood_addr *a, char *buf, size_t len)
{
	return inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->addr, buf, len);
}

/*
 * Interface index, the target's checks, both MACs, the frame template. 0,
 * EXIT_USAGE or EXIT_FAIL.
 */
static int flood_prepare(const struct flood_opts *o, int *ifindex, struct flood_cfg *cfg)
{
	uint8_t smac[6], dmac[6];
	int err;

	*ifindex = if_nametoindex(o->iface);
	if (!*ifindex) {
		synq_err("flood %s: no such interface in this network namespace", o->iface);
		return EXIT_USAGE;
	}
	err = iface_mac(o->iface, smac);
	if (err) {
		synq_err("flood %s: cannot read its MAC address: %s", o->iface, strerror(-err));
		return EXIT_FAIL;
	}
	err = flood_check_target(o, *ifindex);
	if (err)
		return err;
	if (o->have_mac)
		memcpy(dmac, o->dst_mac, 6);
	else if ((err = flood_next_hop_mac(o, *ifindex, dmac)))
		return err;
	flood_cfg_init(cfg, &o->dst, &o->src, smac, dmac, o->options);
	return 0;
}

/* ------------------------------------------------------------ live frames */

/* Loads the program and sends one frame that it drops: does this kernel do live frames? */
static int live_open(const struct flood_cfg *cfg, int ifindex, unsigned int batch,
		     struct synq_flood_bpf **out)
{
	struct flood_opts probe_opts = { .batch = batch };
	struct worker w = { .o = &probe_opts, .cfg = cfg, .ifindex = ifindex };
	struct synq_flood_bpf *skel;
	int err;

	skel = synq_flood_bpf__open();
	if (!skel)
		return -errno;
	memcpy((void *)&skel->rodata->cfg, cfg, sizeof(*cfg));
	/* different sequences on every CPU and in every run */
	if (getrandom(skel->bss->rng, sizeof(skel->bss->rng), 0) < 0)
		memset(skel->bss->rng, 0x5a, sizeof(skel->bss->rng));
	err = synq_flood_bpf__load(skel);
	if (err)
		goto fail;
	skel->bss->probe = 1;
	w.prog_fd = bpf_program__fd(skel->progs.synq_flood);
	err = live_send(&w, 1);
	skel->bss->probe = 0;
	if (err < 0)
		goto fail;
	*out = skel;
	return 0;
fail:
	synq_flood_bpf__destroy(skel);
	return err < 0 ? err : -EINVAL;
}

static const char *backend_name(enum flood_backend b)
{
	return b == FLOOD_PACKET ? "AF_PACKET" : "live frames";
}

static bool live_privileged(void)
{
	return cap_held(CAP_BPF) && cap_held(CAP_NET_ADMIN);
}

/* One line instead of libbpf's complaints about each call it could not make. */
static int needs_root(const struct flood_opts *o)
{
	synq_err("flood %s: needs root (CAP_BPF and CAP_NET_ADMIN for live frames, or "
		 "CAP_NET_RAW for --backend packet)", o->iface);
	return EXIT_FAIL;
}

/* Chooses the backend: live frames when they work, else AF_PACKET (with a message). */
static int open_backend(const struct flood_opts *o, const struct flood_cfg *cfg, int ifindex,
			struct synq_flood_bpf **skel, enum flood_backend *used)
{
	int err;

	*skel = NULL;
	*used = FLOOD_PACKET;
	if (o->backend == FLOOD_PACKET)
		return 0;
	if (!live_privileged()) {
		/* spare the user libbpf's complaints: say what is missing, once */
		if (o->backend == FLOOD_LIVE || !cap_held(CAP_NET_RAW)) {
			return needs_root(o);
		}
		fprintf(stderr, "synq flood: no CAP_BPF and CAP_NET_ADMIN for live frames: sending "
			"with AF_PACKET instead, about ten times slower\n");
		return 0;
	}
	err = live_open(cfg, ifindex, o->batch, skel);
	if (!err) {
		*used = FLOOD_LIVE;
		return 0;
	}
	if (o->backend == FLOOD_LIVE) {
		synq_err("flood %s: live frames (BPF_PROG_TEST_RUN): %s; needs root and Linux >= 5.18",
			 o->iface, strerror(-err));
		return EXIT_FAIL;
	}
	fprintf(stderr, "synq flood: live frames unavailable on %s (%s): sending with "
		"AF_PACKET instead, about ten times slower\n", o->iface, strerror(-err));
	return 0;
}

/* --------------------------------------------------------------- running */

/* Thread i runs on the i-th CPU this process may use, so `taskset` decides where. */
static int nth_allowed_cpu(unsigned int i)
{
	cpu_set_t set;
	int n = 0, count;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	count = CPU_COUNT(&set);
	if (count <= 0)
		return -1;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set) && n++ == (int)(i % count))
			return cpu;
	return -1;
}

static uint64_t share(uint64_t total, unsigned int i, unsigned int n)
{
	return total / n + (i < total % n);
}

static uint64_t total_sent(struct worker *w, unsigned int n)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < n; i++)
		sum += __atomic_load_n(&w[i].sent, __ATOMIC_RELAXED);
	return sum;
}

/* Waits for the workers, printing a progress line a second when asked to. */
static void supervise(const struct flood_opts *o, struct worker *w, unsigned int n,
		      const struct timespec *start)
{
	double next = 1.0, prev_t = 0;
	uint64_t prev = 0;
	unsigned int done;

	do {
		usleep(20000);
		done = 0;
		for (unsigned int i = 0; i < n; i++)
			done += __atomic_load_n(&w[i].finished, __ATOMIC_ACQUIRE);
		double t = since(start);

		if (o->progress && t >= next) {
			uint64_t s = total_sent(w, n);

			fprintf(stderr, "synq flood: %.0f s: %" PRIu64 " sent, %.3f Mpps\n", t, s,
				(s - prev) / (t - prev_t) / 1e6);
			prev = s, prev_t = t, next += 1.0;
		}
	} while (done < n);
	for (unsigned int i = 0; i < n; i++)
		pthread_join(w[i].thread, NULL);
}

/* Starts the workers with SIGINT and SIGTERM blocked: a signal then never cuts a
 * BPF_PROG_TEST_RUN short, so every frame the kernel sent is counted; the caller's
 * handler sets *stop and the workers finish their current chunk. */
static int start_workers(struct worker *w, unsigned int n)
{
	sigset_t block, old;
	int err = 0;
	unsigned int i;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (i = 0; i < n && !err; i++)
		err = -pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		/* stop the ones that started, then report */
		*w[0].stop = 1;
		for (unsigned int j = 0; j + 1 < i; j++)
			pthread_join(w[j].thread, NULL);
	}
	return err;
}

static void collect(const struct flood_opts *o, struct worker *w, unsigned int n,
		    struct flood_result *res)
{
	res->sent = total_sent(w, n);
	for (unsigned int i = 0; i < n; i++) {
		if (w[i].end > res->elapsed)
			res->elapsed = w[i].end;
		res->cpu += w[i].cpu_s;
	}
	res->capped = o->duration == 0 && res->elapsed >= FLOOD_MAX_SECONDS &&
		      (!o->count || res->sent < o->count);
	for (unsigned int i = 0; i < n; i++)
		if (w[i].err) {
			synq_err("flood %s: sending: %s", o->iface, strerror(-w[i].err));
			break;
		}
}

int flood_run(const struct flood_opts *o, volatile sig_atomic_t *stop, struct flood_result *res)
{
	struct synq_flood_bpf *skel = NULL;
	struct worker w[FLOOD_MAX_THREADS];
	struct flood_cfg cfg;
	struct timespec start;
	int ifindex, err;

	memset(res, 0, sizeof(*res));
	if (!cap_held(CAP_NET_RAW) && !live_privileged()) {
		/* resolving neighbours and sending both need privileges: say so first */
		return needs_root(o);
	}
	err = flood_prepare(o, &ifindex, &cfg);
	if (!err)
		err = open_backend(o, &cfg, ifindex, &skel, &res->backend);
	if (err)
		return err;
	clock_gettime(CLOCK_MONOTONIC, &start);
	memset(w, 0, sizeof(w));
	for (unsigned int i = 0; i < o->threads; i++) {
		w[i] = (struct worker){
			.o = o, .cfg = &cfg, .stop = stop, .ifindex = ifindex,
			.prog_fd = skel ? bpf_program__fd(skel->progs.synq_flood) : -1,
			.cpu = o->threads > 1 ? nth_allowed_cpu(i) : -1,
			.rate = share(o->rate, i, o->threads),
			.quota = share(o->count, i, o->threads),
			.deadline = o->duration ? o->duration : FLOOD_MAX_SECONDS,
			.start = start,
		};
	}
	err = start_workers(w, o->threads);
	if (err)
		synq_err("flood %s: starting threads: %s", o->iface, strerror(-err));
	else
		supervise(o, w, o->threads, &start);
	collect(o, w, o->threads, res);
	synq_flood_bpf__destroy(skel);
	if (err)
		return EXIT_FAIL;
	for (unsigned int i = 0; i < o->threads; i++)
		if (w[i].err)
			return EXIT_FAIL;
	return 0;
}

/* ------------------------------------------------------------- the verb */

static const char usage[] =
	"Usage: synq flood --iface IF --dst IP:PORT (--count N | --duration S) [flags]\n"
	"\n"
	"Sends a bounded SYN flood out of IF towards IP:PORT. An XDP program builds every\n"
	"frame (random source address, source port and ISN; full checksums) and the\n"
	"kernel sends it with BPF_PROG_TEST_RUN live frames: no skb, millions of frames a\n"
	"second from one CPU. The peer of a veth needs an XDP program of its own to\n"
	"receive them. Send floods only to hosts and namespaces that are yours.\n"
	"\n"
	"  -i, --iface IF        the interface to send from\n"
	"  -d, --dst IP:PORT     the target: 192.0.2.2:80 or [2001:db8::2]:80\n"
	"  -m, --dst-mac MAC     the next hop's MAC (default: from the neighbour table,\n"
	"                        resolved by the kernel when it has no entry yet)\n"
	"  -s, --src CIDR        source addresses (default " FLOOD_DEFAULT_SRC_V4 ", or\n"
	"                        " FLOOD_DEFAULT_SRC_V6 " for an IPv6 target); replies to them\n"
	"                        must be routed somewhere that drops them\n"
	"  -r, --rate PPS        frames per second in total (default: as fast as possible)\n"
	"  -c, --count N         stop after N frames\n"
	"  -t, --duration S      stop after S seconds (at most 300; also the cap with --count)\n"
	"  -T, --threads N       sending threads, one per CPU this process may use (default 1)\n"
	"  -o, --options SET     TCP options: none, linux (default: MSS, SACK, timestamps,\n"
	"                        window scale, as Linux sends them) or random (per frame)\n"
	"      --backend B       auto (default), live, or packet (AF_PACKET + sendmmsg,\n"
	"                        chosen automatically when live frames are unavailable)\n"
	"      --batch N         live frames per kernel batch, 1..256 (default 128)\n"
	"      --i-own-these-addresses\n"
	"                        allow a --dst that is neither on IF's networks nor in a\n"
	"                        private, documentation or benchmarking range, and --src\n"
	"                        outside those ranges; broadcast, multicast, unspecified\n"
	"                        and source = destination are always refused\n"
	"\n"
	"Ctrl-C stops early. The summary (sent, elapsed, pps) goes to stdout; a progress\n"
	"line a second goes to stderr when it is a terminal.\n";

static const struct option longopts[] = {
	{ "iface", required_argument, NULL, 'i' },
	{ "dst", required_argument, NULL, 'd' },
	{ "dst-mac", required_argument, NULL, 'm' },
	{ "src", required_argument, NULL, 's' },
	{ "rate", required_argument, NULL, 'r' },
	{ "count", required_argument, NULL, 'c' },
	{ "duration", required_argument, NULL, 't' },
	{ "threads", required_argument, NULL, 'T' },
	{ "options", required_argument, NULL, 'o' },
	{ "backend", required_argument, NULL, 'B' },
	{ "batch", required_argument, NULL, 'b' },
	{ "i-own-these-addresses", no_argument, NULL, 'O' },
	{ 0 }
};

static int bad(const char *flag, const char *value, const char *what)
{
	fprintf(stderr, "synq flood: %s: '%s' is not %s\n", flag, value, what);
	return EXIT_USAGE;
}

/* One option; 0 or EXIT_USAGE. */
static int parse_one(int opt, const char *arg, struct flood_opts *o)
{
	switch (opt) {
	case 'i':
		o->iface = arg;
		return 0;
	case 'd':
		return flood_parse_ipport(arg, &o->dst) ?
		       bad("--dst", arg, "IP:PORT or [IPv6]:PORT with a port from 1 to 65535") : 0;
	case 'm':
		o->have_mac = true;
		/* the group bit: a broadcast or multicast MAC reaches every host on the link */
		return flood_parse_mac(arg, o->dst_mac) || (o->dst_mac[0] & 1) ?
		       bad("--dst-mac", arg, "a unicast MAC address like 02:00:00:00:00:01") : 0;
	case 'O':
		o->own_addresses = true;
		return 0;
	case 's':
		o->have_src = true;
		return flood_parse_cidr(arg, &o->src) ?
		       bad("--src", arg, "an address prefix like 198.18.0.0/15") : 0;
	case 'r':
		return cli_parse_u64(VERB, "--rate", arg, 1, 1000000000, &o->rate) ? EXIT_USAGE : 0;
	case 'c':
		return cli_parse_u64(VERB, "--count", arg, 1, UINT64_MAX / 2, &o->count) ?
		       EXIT_USAGE : 0;
	case 't':
		return cli_parse_seconds(VERB, "--duration", arg, 0.001, FLOOD_MAX_SECONDS,
					 &o->duration) ? EXIT_USAGE : 0;
	case 'T':
		return cli_parse_uint(VERB, "--threads", arg, 1, FLOOD_MAX_THREADS, &o->threads) ?
		       EXIT_USAGE : 0;
	case 'b':
		return cli_parse_uint(VERB, "--batch", arg, 1, 256, &o->batch) ? EXIT_USAGE : 0;
	case 'o':
		o->options = flood_parse_options(arg);
		return o->options < 0 ? bad("--options", arg, "none, linux or random") : 0;
	case 'B':
		if (!strcmp(arg, "auto") || !strcmp(arg, "live") || !strcmp(arg, "packet")) {
			o->backend = arg[0] == 'a' ? FLOOD_AUTO : arg[0] == 'l' ? FLOOD_LIVE :
				     FLOOD_PACKET;
			return 0;
		}
		return bad("--backend", arg, "auto, live or packet");
	}
	return EXIT_USAGE;
}

/* What the flags say together. */
static int check_opts(struct flood_opts *o)
{
	char a[INET6_ADDRSTRLEN];
	const char *why;

	if (!o->iface) {
		fprintf(stderr, "synq flood: --iface IF is required\n");
		return EXIT_USAGE;
	}
	if (!o->dst.family) {
		fprintf(stderr, "synq flood: --dst IP:PORT is required\n");
		return EXIT_USAGE;
	}
	if (!o->count && !o->duration) {
		fprintf(stderr, "synq flood: --count N or --duration S is required: a flood "
			"must end by itself\n");
		return EXIT_USAGE;
	}
	if (!o->have_src)
		flood_parse_cidr(o->dst.family == 4 ? FLOOD_DEFAULT_SRC_V4 : FLOOD_DEFAULT_SRC_V6,
				 &o->src);
	if (o->src.family != o->dst.family) {
		fprintf(stderr, "synq flood: --src is IPv%d but --dst %s is IPv%d\n", o->src.family,
			addr_str(&o->dst, a, sizeof(a)), o->dst.family);
		return EXIT_USAGE;
	}
	if ((why = flood_addr_refused(&o->dst))) {
		fprintf(stderr, "synq flood: --dst %s is %s: refused\n",
			addr_str(&o->dst, a, sizeof(a)), why);
		return EXIT_USAGE;
	}
	if (flood_cidr_contains(&o->src, o->dst.family, o->dst.addr)) {
		fprintf(stderr, "synq flood: --src contains --dst %s: frames whose source is their "
			"destination are refused\n", addr_str(&o->dst, a, sizeof(a)));
		return EXIT_USAGE;
	}
	return 0;
}

int flood_parse_args(int argc, char **argv, struct flood_opts *o)
{
	struct cli_seen seen = {};
	int opt, err;

	*o = (struct flood_opts){ .threads = 1, .batch = FLOOD_DEFAULT_BATCH, .options = FLOOD_OPT_LINUX };
	while ((opt = cli_getopt(VERB, argc, argv, "i:d:m:s:r:c:t:T:o:", longopts, &seen)) != -1) {
		if (opt == '?')
			return EXIT_USAGE;
		err = parse_one(opt, optarg, o);
		if (err)
			return err;
	}
	if (cli_no_extra_args(VERB, argc, argv))
		return EXIT_USAGE;
	return check_opts(o);
}

static int flood_main(int argc, char **argv)
{
	char a[INET6_ADDRSTRLEN];
	struct flood_result res;
	struct flood_opts o;
	int err;

	err = flood_parse_args(argc, argv, &o);
	if (err)
		return err;
	o.progress = isatty(STDERR_FILENO);
	cli_catch_stop_signals();
	err = flood_run(&o, &synq_stop, &res);
	if (err == EXIT_USAGE || (err && !res.sent))
		return err;
	if (res.capped)
		fprintf(stderr, "synq flood: stopped at the %d s cap\n", FLOOD_MAX_SECONDS);
	printf("sent %" PRIu64 " SYNs to %s%s%s:%u from %s in %.3f s: %.0f pps (%s, %u thread%s)\n",
	       res.sent, o.dst.family == 6 ? "[" : "", addr_str(&o.dst, a, sizeof(a)),
	       o.dst.family == 6 ? "]" : "", o.dst.port, o.iface, res.elapsed,
	       res.elapsed > 0 ? res.sent / res.elapsed : 0, backend_name(res.backend),
	       o.threads, o.threads > 1 ? "s" : "");
	return err;
}

const struct synq_verb verb_flood = {
	.name = "flood",
	.summary = "send a bounded SYN flood (BPF live frames) to test a listener",
	.usage = usage,
	.run = flood_main,
};
