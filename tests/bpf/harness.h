/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loads synq_protect into a fresh network namespace of this process, sets a known
 * configuration and keys, and runs its programs with bpf_prog_test_run_opts().
 * Shared by the fixture tests and the per-packet cost benchmark.
 */
#ifndef SYNQ_TEST_HARNESS_H
#define SYNQ_TEST_HARNESS_H

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "synq/protect.h"
#include "synq/cookie.h"
#include "synq_protect.skel.h"
#include "protect/loader.h"

#define PORT_SYN	8080	/* protected, nobody listens */
#define PORT_EST	8081	/* protected, a listener and one connection in the test namespace */
#define PORT_OPEN	9090	/* not protected */

static const struct synq_key test_keys[2] = {
	{ 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL },
	{ 0x1716151413121110ULL, 0x1f1e1d1c1b1a1918ULL },
};

static const struct synq_config test_config = {
	.mss_v4 = 1460, .mss_v6 = 1440, .rcv_wscale = 7, .ttl = 64,
	.sack_ok = 1, .wscale_ok = 1, .tstamp_ok = 1, .ecn_ok = 1, .key_slot = 0,
};

#define PKT_OUT_MAX 9216	/* a jumbo frame passed whole */

struct run {
	__u32 retval;
	__u32 meta_len;		/* bytes of XDP metadata in front of out */
	__u32 duration;		/* ns per run, from the kernel */
	size_t out_len;		/* metadata included */
	__u8 out[PKT_OUT_MAX];
};

static inline int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || getenv("SYNQ_TEST_QUIET"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* A network namespace of our own, loopback up: sockets and sysctls stay in it. */
static inline int harness_netns(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd, err = 0;

	if (unshare(CLONE_NEWNET))
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			err = -errno;
	} else {
		err = -errno;
	}
	close(fd);
	return err;
}

static inline int harness_config(struct synq_protect_bpf *skel, const struct synq_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_update_elem(bpf_map__fd(skel->maps.synq_config), &zero, cfg, BPF_ANY);
}

static inline int harness_setup(struct synq_protect_bpf *skel)
{
	__u32 ports[] = { PORT_SYN, PORT_EST }, i;
	__u8 on = 1;
	int err;

	err = harness_config(skel, &test_config);
	for (i = 0; i < 2 && !err; i++)
		err = bpf_map_update_elem(bpf_map__fd(skel->maps.synq_keys), &i, &test_keys[i],
					  BPF_ANY);
	for (i = 0; i < 2 && !err; i++)
		err = bpf_map_update_elem(bpf_map__fd(skel->maps.synq_ports), &ports[i], &on,
					  BPF_ANY);
	return err;
}

static inline struct synq_protect_bpf *harness_load(void)
{
	struct synq_protect_bpf *skel;

	libbpf_set_print(libbpf_quiet);
	skel = synq_protect_bpf__open_and_load();
	if (skel && harness_setup(skel)) {
		synq_protect_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/*
 * Loaded as `synq attach` loads it for native mode (synq_xdp frags-aware) or
 * generic mode. (harness_load() keeps the sections' flags: the generic case.)
 */
static inline struct synq_protect_bpf *harness_load_for(bool native)
{
	struct synq_protect_bpf *skel;

	libbpf_set_print(libbpf_quiet);
	skel = synq_protect_bpf__open();
	if (!skel)
		return NULL;
	loader_xdp_frags(skel->progs.synq_xdp, native);
	if (synq_protect_bpf__load(skel) || harness_setup(skel)) {
		synq_protect_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/* Runs prog on the frame in[0..len) repeat times. Returns 0 or -errno. */
static inline int harness_run(int prog_fd, const void *in, size_t len, int repeat, struct run *r)
{
	struct xdp_md ctx_in = { .data_end = len }, ctx_out = {};
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = in, .data_size_in = len,
		.data_out = r->out, .data_size_out = sizeof(r->out),
		.repeat = repeat);
	struct bpf_prog_info info = {};
	__u32 info_len = sizeof(info);
	int err;

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &info_len))
		return -errno;
	if (info.type == BPF_PROG_TYPE_XDP) {
		o.ctx_in = &ctx_in;
		o.ctx_size_in = sizeof(ctx_in);
		o.ctx_out = &ctx_out;
		o.ctx_size_out = sizeof(ctx_out);
	}
	err = bpf_prog_test_run_opts(prog_fd, &o);
	if (err)
		return -errno;
	r->retval = o.retval;
	r->duration = o.duration;
	r->out_len = o.data_size_out;
	r->meta_len = info.type == BPF_PROG_TYPE_XDP ? ctx_out.data : 0;
	return 0;
}

/* Sums a per-CPU array of __u64 into sums[n]. */
static inline int harness_sum(int map_fd, __u64 *sums, __u32 n)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	__u64 vals[ncpu > 0 ? ncpu : 1];
	__u32 i;

	if (ncpu <= 0)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(map_fd, &i, vals))
			return -errno;
		sums[i] = 0;
		for (c = 0; c < ncpu; c++)
			sums[i] += vals[c];
	}
	return 0;
}

/* The cookie time counter now, as the programs compute it. */
static inline __u32 harness_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_TAI, &ts);
	return synq_time_counter((__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec);
}

#endif /* SYNQ_TEST_HARNESS_H */
