/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internet checksums (RFC 1071) for synq's XDP program.
 *
 * Sums are 64-bit accumulators of 32-bit words as they lie in memory (network
 * byte order in, network byte order out), so nothing is byte swapped: the one's
 * complement sum does not care how 16-bit words are grouped as long as every
 * word keeps its byte orientation. bpf_csum_diff() sums buffers on the stack;
 * fold only at the end.
 */
#ifndef SYNQ_CSUM_BPF_H
#define SYNQ_CSUM_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define CSUM_CHUNK 32

static __always_inline __u16 csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* The checksum field's value for a sum that does not include it. */
static __always_inline __u16 csum_finish(__u64 sum)
{
	return (__u16)~csum_fold(sum);
}

/* Pseudo-headers of RFC 9293 section 3.1 and RFC 8200 section 8.1. */
static __always_inline __u64 csum_pseudo4(__be32 saddr, __be32 daddr, __u32 len)
{
	return (__u64)saddr + daddr + bpf_htons(IPPROTO_TCP) + bpf_htons((__u16)len);
}

static __always_inline __u64 csum_pseudo6(const __be32 *saddr, const __be32 *daddr, __u32 len)
{
	__u64 sum = (__u64)bpf_htonl(len) + bpf_htonl(IPPROTO_TCP);
	int i;

#pragma unroll
	for (i = 0; i < 4; i++)
		sum += (__u64)saddr[i] + daddr[i];
	return sum;
}

/*
 * Payload bytes (a SYN may carry data) are summed in chunks copied to the stack,
 * walked with bpf_loop() so the verifier checks the body once. Chunks have even
 * sizes, so every chunk starts on a 16-bit word boundary of the segment; the
 * last one is zero-padded, which is exactly RFC 1071's odd-byte rule.
 */
struct csum_walk {
	struct xdp_md *ctx;
	__u32 off;		/* next byte, from the frame's start */
	__u32 end;		/* one past the last byte */
	__u64 sum;
	int err;
};

static long csum_walk_step(__u32 index, void *arg)
{
	__u32 buf[CSUM_CHUNK / 4 + 1] = {};	/* + 1: room for the verifier's rounding bound */
	struct csum_walk *w = arg;
	__u64 n;
	__s64 s;

	if (w->off >= w->end)
		return 1;
	/* 64-bit, so clang compares the very register it hands the helper. */
	n = (__u64)w->end - w->off;
	if (n > CSUM_CHUNK)
		n = CSUM_CHUNK;
	if (n == 0 || bpf_xdp_load_bytes(w->ctx, w->off, buf, n))
		goto fail;
	s = bpf_csum_diff(NULL, 0, buf, (n + 3) & ~3U, 0);
	if (s < 0)
		goto fail;
	w->sum += (__u32)s;
	w->off += n;
	return 0;
fail:
	w->err = 1;
	return 1;
}

/* Adds bytes [off, off + len) of the frame to *sum. Returns 0, or -1 if they are not all there. */
static __always_inline int csum_frame_bytes(struct xdp_md *ctx, __u32 off, __u32 len, __u64 *sum)
{
	struct csum_walk w = { .ctx = ctx, .off = off, .end = off + len };

	if (!len)
		return 0;
	bpf_loop(0x10000 / CSUM_CHUNK + 1, csum_walk_step, &w, 0);
	if (w.err || w.off != w.end)
		return -1;
	*sum += w.sum;
	return 0;
}

/* Sum of a stack buffer of len bytes, len a multiple of 4. */
static __always_inline __u64 csum_buf(const void *buf, __u32 len)
{
	__s64 s = bpf_csum_diff(NULL, 0, (void *)buf, len, 0);

	return s < 0 ? 0 : (__u32)s;
}

#endif /* SYNQ_CSUM_BPF_H */
