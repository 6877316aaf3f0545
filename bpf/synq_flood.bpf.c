// SPDX-License-Identifier: GPL-2.0
/*
 * synq flood: one SYN per run. User space runs this program through
 * bpf_prog_test_run_opts() with BPF_F_TEST_XDP_LIVE_FRAMES and the attacker
 * interface as ingress_ifindex; every XDP_TX leaves through that interface. The
 * frame is rebuilt completely each time (see include/synq/flood.h for why).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "synq/flood.h"

/* Set by user space before load; constant for the verifier, so dead paths vanish. */
const volatile struct flood_cfg cfg;

/* Nonzero while user space checks that live frames work: build, then drop. */
int probe;

/*
 * Random numbers: a SplitMix64 sequence per CPU, seeded by user space. Calling
 * bpf_get_prandom_u32() for each of the five to eight words a frame needs cost as
 * much as building the frame.
 */
#define RNG_SLOTS 64
__u64 rng[RNG_SLOTS * 8];	/* one cache line per CPU */

static __always_inline __u64 mix64(__u64 z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __always_inline void fill_rand(struct flood_rand *r)
{
	__u32 slot = (bpf_get_smp_processor_id() & (RNG_SLOTS - 1)) * 8;
	__u64 s = rng[slot] + 0x9e3779b97f4a7c15ULL, a = mix64(s), b;

	rng[slot] = s;
	r->port = a;
	r->seq = a >> 32;
	b = mix64(s ^ 0x5851f42d4c957f2dULL);
	r->addr[0] = b;
	r->opt = b >> 32;
	r->ts = b >> 16;
	if (cfg.family == 6) {
		/* IPv6 prefixes leave up to 128 host bits */
		b = mix64(s ^ 0x14057b7ef767814fULL);
		r->addr[1] = b;
		r->addr[2] = b >> 32;
		r->addr[3] = mix64(s ^ 0x2545f4914f6cdd1dULL);
	}
}

/* One frame of len bytes; len is a constant at each call, so the copy unrolls. */
static __always_inline int send_one(struct xdp_md *ctx, const struct flood_cfg *c,
				    const struct flood_rand *r, const int len)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;

	if (data + len > end)
		return XDP_ABORTED;
	flood_write(data, c, r, len);
	return probe ? XDP_DROP : XDP_TX;
}

SEC("xdp")
int synq_flood(struct xdp_md *ctx)
{
	const struct flood_cfg *c = (const struct flood_cfg *)&cfg;
	struct flood_rand r;

	/*
	 * The writer takes a plain pointer. Without this barrier the compiler would see
	 * a const object initialised to zero and fold every read of it to 0.
	 */
	asm volatile("" : "+r"(c));

	fill_rand(&r);
	if (cfg.family == 4)
		return cfg.options == FLOOD_OPT_NONE ?
		       send_one(ctx, c, &r, FLOOD_LEN(FLOOD_L4_V4, 0)) :
		       send_one(ctx, c, &r, FLOOD_LEN(FLOOD_L4_V4, FLOOD_OPT_MAX));
	return cfg.options == FLOOD_OPT_NONE ?
	       send_one(ctx, c, &r, FLOOD_LEN(FLOOD_L4_V6, 0)) :
	       send_one(ctx, c, &r, FLOOD_LEN(FLOOD_L4_V6, FLOOD_OPT_MAX));
}

char LICENSE[] SEC("license") = "GPL";
