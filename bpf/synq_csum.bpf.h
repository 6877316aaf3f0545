/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internet checksums (RFC 1071) for synq's XDP program.
 *
 * Sums are 64-bit accumulators of 32-bit words as they lie in memory (network
 * byte order in, network byte order out), so nothing is byte swapped: the one's
 * complement sum does not care how 16-bit words are grouped as long as every
 * word keeps its byte orientation. Headers are summed with plain loads (a helper
 * call cost more than the sum); fold only at the end.
 */
#ifndef SYNQ_CSUM_BPF_H
#define SYNQ_CSUM_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

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
 * Payload bytes (a SYN may carry data, as with TCP Fast Open) are summed in
 * 512-byte chunks, the most bpf_csum_diff() takes, copied into a per-CPU scratch
 * buffer (the stack has no room for one), one chunk per bpf_loop() step so the
 * verifier checks the step once. Offsets only ever reach helpers, never packet
 * pointers: that keeps them imprecise, so the verifier's walk of the loop
 * converges. Chunks but the last are even-sized, so every chunk starts on a
 * 16-bit word of the segment; the last is zero-padded to a 4-byte multiple,
 * which is also RFC 1071's rule for an odd last byte.
 */
#define CSUM_CHUNK 512

struct csum_scratch {
	__u8 b[CSUM_CHUNK + 8];	/* + 8: room for the verifier's bound on the rounded size */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct csum_scratch);
} synq_csum_scratch SEC(".maps");

struct csum_walk {
	struct xdp_md *ctx;
	struct csum_scratch *buf;
	__u32 off;		/* next byte, from the frame's start */
	__u32 end;		/* one past the last byte */
	__u64 sum;
	int err;
};

static long csum_walk_step(__u32 index, void *arg)
{
	struct csum_walk *w = arg;
	struct csum_scratch *buf = w->buf;
	__u64 n;
	__s64 s;

	if (w->off >= w->end)
		return 1;
	/* 64-bit, so clang compares the very register it hands the helper. */
	n = (__u64)w->end - w->off;
	if (n > CSUM_CHUNK)
		n = CSUM_CHUNK;
	if (n == 0 || !buf)
		goto fail;
	/* Zero the word the data ends in, then copy over its start. */
	*(__u32 *)&buf->b[n & (CSUM_CHUNK - 4)] = 0;
	if (bpf_xdp_load_bytes(w->ctx, w->off, buf->b, n))
		goto fail;
	s = bpf_csum_diff(NULL, 0, (__be32 *)buf->b, (n + 3) & ~3ULL, 0);
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
	__u32 zero = 0;
	struct csum_walk w = {
		.ctx = ctx, .off = off, .end = off + len,
		.buf = bpf_map_lookup_elem(&synq_csum_scratch, &zero),
	};

	if (!len)
		return 0;
	bpf_loop(0x10000 / CSUM_CHUNK + 1, csum_walk_step, &w, 0);
	if (w.err || w.off != w.end)
		return -1;
	*sum += w.sum;
	return 0;
}

/* Sum of a zero-padded 64-byte stack buffer: plain loads, no helper, no branches. */
static __always_inline __u64 csum_buf64(const void *buf)
{
	const __u32 *w = buf;
	__u64 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < 16; i++)
		sum += w[i];
	return sum;
}

/* Sum of the 20 bytes of an IPv4 header without options. */
static __always_inline __u64 csum_ip4_20(const void *ip)
{
	const __u32 *w = ip;

	return (__u64)w[0] + w[1] + w[2] + w[3] + w[4];
}

#endif /* SYNQ_CSUM_BPF_H */
