// SPDX-License-Identifier: GPL-2.0
/*
 * Per-packet cost of synq_xdp and synq_tc, side by side with the trivial XDP_PASS
 * program (synq_pass), measured with bpf_prog_test_run_opts() in a network namespace of our
 * own. Prints ns/packet; it is a benchmark, not a test: run it by hand, as root.
 *
 *   build/tests/bench/bench_protect [repeat]      (default 1000000)
 *
 * Frames the program leaves unchanged (XDP_PASS, XDP_DROP) are timed with the
 * kernel's repeat loop. A SYN is rewritten into a SYN-ACK on the first run, so
 * SYNs are timed one run per call (the kernel's own timing of each call: mean
 * and median), and the trivial program is timed the same way for a baseline.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include "harness.h"
#include "pkt.h"
#include "synq_pass.skel.h"

#define SINGLE_RUNS 20000

/* ns per run with the kernel's repeat loop; best of three rounds. */
static double per_packet(int fd, const __u8 *in, size_t len, int repeat)
{
	double best = 1e12;
	struct run r;
	int i;

	for (i = 0; i < 3; i++) {
		if (harness_run(fd, in, len, repeat, &r))
			return -1;
		if (r.duration < best)
			best = r.duration;
	}
	return best;
}

/* Mean and median of n durations; sorts them. */
struct spread {
	double mean, median;
};

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static struct spread spread_of(__u32 *ns, int n)
{
	unsigned long long sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += ns[i];
	qsort(ns, n, sizeof(*ns), cmp_u32);
	return (struct spread){ .mean = (double)sum / n, .median = ns[n / 2] };
}

/*
 * ns per run, one run per call (for frames the program rewrites), interleaved
 * with the same number of calls of the baseline program so that both see the
 * same machine. The median is the figure to compare on a busy machine: other
 * work inflates a few calls a lot, and the mean with them.
 */
static int per_call(int fd, int base_fd, const __u8 *in, size_t len, struct spread *prog,
		    struct spread *base)
{
	static __u32 ns[SINGLE_RUNS], bns[SINGLE_RUNS];
	struct run r;
	int i;

	for (i = 0; i < SINGLE_RUNS; i++) {
		if (harness_run(base_fd, in, len, 1, &r))
			return -1;
		bns[i] = r.duration;
		if (harness_run(fd, in, len, 1, &r))
			return -1;
		ns[i] = r.duration;
	}
	*prog = spread_of(ns, SINGLE_RUNS);
	*base = spread_of(bns, SINGLE_RUNS);
	return 0;
}

static void print_call(const char *what, int fd, int base_fd, const __u8 *in, size_t len)
{
	struct spread p, b;

	if (per_call(fd, base_fd, in, len, &p, &b)) {
		printf("  %-38s failed\n", what);
		return;
	}
	printf("  %-38s%7.1f %7.1f  (trivial XDP_PASS alongside: %.1f %.1f, difference %.1f %.1f)\n",
	       what, p.mean, p.median, b.mean, b.median, p.mean - b.mean, p.median - b.median);
}

static int loopback_pair(__u16 *cport, int fds[3])
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT_EST),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	fds[1] = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(fds[0], (void *)&a, len) || listen(fds[0], 8) || connect(fds[1], (void *)&a, len))
		return -1;
	fds[2] = accept(fds[0], NULL, NULL);
	if (fds[2] < 0 || getsockname(fds[1], (void *)&a, &len))
		return -1;
	*cport = ntohs(a.sin_port);
	return 0;
}

static const __u8 linux_opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
				     1, 3, 3, 7 };

int main(int argc, char **argv)
{
	int repeat = argc > 1 ? atoi(argv[1]) : 1000000, fds[3], pass, xdp, tc;
	struct spec est = { .flags = F_ACK, .dport = PORT_EST, .seq = 1, .ack = 1,
			    .saddr4 = { 127, 0, 0, 1 }, .daddr4 = { 127, 0, 0, 1 } };
	struct spec syn = { .flags = F_SYN, .sport = 40000, .dport = PORT_SYN, .seq = 1000,
			    .optlen = 20 };
	struct spec bad = { .flags = F_ACK, .sport = 40000, .dport = PORT_SYN, .seq = 1001,
			    .ack = 0x12345678 };
	struct spec open = { .flags = F_ACK, .sport = 40000, .dport = PORT_OPEN };
	struct spec syn_csum, syn_opts, syn_data;
	__u8 f_est[PKT_MAX], f_syn[PKT_MAX], f_bad[PKT_MAX], f_open[PKT_MAX];
	__u8 f_csum[PKT_MAX], f_opts[PKT_MAX], f_data[PKT_MAX];
	size_t l_est, l_syn, l_bad, l_open, l_csum, l_opts, l_data;
	struct synq_protect_bpf *skel;
	struct synq_pass_bpf *trivial;

	if (geteuid() != 0 || harness_netns()) {
		fprintf(stderr, "bench_protect: needs root and a network namespace of its own\n");
		return 1;
	}
	skel = harness_load();
	trivial = synq_pass_bpf__open_and_load();
	if (!skel || !trivial || loopback_pair(&est.sport, fds)) {
		fprintf(stderr, "bench_protect: cannot load the programs or connect on loopback\n");
		return 1;
	}
	pass = bpf_program__fd(trivial->progs.synq_pass);
	xdp = bpf_program__fd(skel->progs.synq_xdp);
	tc = bpf_program__fd(skel->progs.synq_tc);
	memcpy(syn.opts, linux_opts, sizeof(linux_opts));
	l_est = build(&est, f_est);
	l_syn = build(&syn, f_syn);
	l_bad = build(&bad, f_bad);
	l_open = build(&open, f_open);
	syn_csum = syn;
	syn_csum.bad_tcp_csum = 1;		/* stops after the checksums */
	l_csum = build(&syn_csum, f_csum);
	syn_opts = syn;
	syn_opts.opts[18] = 15;			/* window scale of length 15: stops after the options */
	l_opts = build(&syn_opts, f_opts);
	syn_data = syn_csum;
	syn_data.payload = 1400;		/* a full-size SYN, bad checksum: the payload is summed */
	l_data = build(&syn_data, f_data);

	printf("ns/packet, bpf_prog_test_run, repeat %d (best of 3)\n", repeat);
	printf("  trivial XDP_PASS                      %7.1f\n", per_packet(pass, f_est, l_est, repeat));
	printf("  synq_xdp, established ACK (PASS)      %7.1f\n", per_packet(xdp, f_est, l_est, repeat));
	printf("  synq_xdp, unprotected port (PASS)     %7.1f\n", per_packet(xdp, f_open, l_open, repeat));
	printf("  synq_xdp, ACK with a bad cookie (DROP)%7.1f\n", per_packet(xdp, f_bad, l_bad, repeat));
	printf("  synq_tc, established ACK, no metadata %7.1f\n", per_packet(tc, f_est, l_est, repeat));
	printf("  synq_xdp, SYN up to its checksums     %7.1f\n", per_packet(xdp, f_csum, l_csum, repeat));
	printf("  synq_xdp, SYN up to its options       %7.1f\n", per_packet(xdp, f_opts, l_opts, repeat));
	printf("  synq_xdp, SYN + 1400 B, checksums     %7.1f\n", per_packet(xdp, f_data, l_data, repeat));
	printf("ns/packet, one run per call, mean and median of %d calls\n", SINGLE_RUNS);
	print_call("synq_xdp, established ACK (PASS)", xdp, pass, f_est, l_est);
	print_call("synq_xdp, SYN -> SYN-ACK (TX)", xdp, pass, f_syn, l_syn);
	print_call("synq_xdp, ACK with a bad cookie (DROP)", xdp, pass, f_bad, l_bad);
	close(fds[2]);
	close(fds[1]);
	close(fds[0]);
	synq_pass_bpf__destroy(trivial);
	synq_protect_bpf__destroy(skel);
	return 0;
}
