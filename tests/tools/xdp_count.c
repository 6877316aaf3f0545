// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_count IFACE [--pass]: the receiving end of the flood tests. Attaches the
 * synq_count XDP program (bpf/synq_bench.bpf.c) to IFACE in the current network
 * namespace, prints "ready", and on SIGINT or SIGTERM prints what arrived:
 *   syn=N synack=N rst=N other=N span_ns=N
 * (span_ns: from the first counted frame to the last) and detaches. With --pass the
 * frames go on to the stack, where a capture can see them; otherwise they are dropped.
 * With --drop it attaches synq_drop instead, with --reflect synq_reflect; neither counts.
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "synq/bench_count.h"
#include "synq_bench.skel.h"

static volatile sig_atomic_t done;

static void on_signal(int sig)
{
	(void)sig;
	done = 1;
}

static int report(int map_fd)
{
	int ncpu = libbpf_num_possible_cpus();
	struct bench_count v[ncpu > 0 ? ncpu : 1], sum = { 0 };
	__u32 zero = 0;

	if (ncpu <= 0 || bpf_map_lookup_elem(map_fd, &zero, v))
		return -1;
	for (int i = 0; i < ncpu; i++) {
		sum.syn += v[i].syn;
		sum.synack += v[i].synack;
		sum.rst += v[i].rst;
		sum.other += v[i].other;
		if (v[i].first_ns && (!sum.first_ns || v[i].first_ns < sum.first_ns))
			sum.first_ns = v[i].first_ns;
		if (v[i].last_ns > sum.last_ns)
			sum.last_ns = v[i].last_ns;
	}
	printf("syn=%llu synack=%llu rst=%llu other=%llu span_ns=%llu\n",
	       (unsigned long long)sum.syn, (unsigned long long)sum.synack,
	       (unsigned long long)sum.rst, (unsigned long long)sum.other,
	       (unsigned long long)(sum.last_ns - sum.first_ns));
	return 0;
}

int main(int argc, char **argv)
{
	struct synq_bench_bpf *skel;
	struct sigaction sa = { .sa_handler = on_signal };
	int ifindex, err;

	if (argc < 2 || !(ifindex = if_nametoindex(argv[1]))) {
		fprintf(stderr, "usage: xdp_count IFACE [--pass] (IFACE must exist)\n");
		return 2;
	}
	skel = synq_bench_bpf__open();
	if (!skel)
		return 1;
	skel->rodata->count_pass = argc > 2 && !strcmp(argv[2], "--pass");
	if (synq_bench_bpf__load(skel)) {
		fprintf(stderr, "xdp_count: load failed\n");
		return 1;
	}
	const char *mode = argc > 2 ? argv[2] : "";
	struct bpf_program *prog = !strcmp(mode, "--drop") ? skel->progs.synq_drop :
				   !strcmp(mode, "--reflect") ? skel->progs.synq_reflect :
				   skel->progs.synq_count;

	err = bpf_xdp_attach(ifindex, bpf_program__fd(prog),
			     XDP_FLAGS_DRV_MODE, NULL);
	if (err) {
		fprintf(stderr, "xdp_count: attach to %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	while (!done)
		pause();
	err = report(bpf_map__fd(skel->maps.synq_counts));
	bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
	synq_bench_bpf__destroy(skel);
	return err ? 1 : 0;
}
