/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SYN frame that `synq flood` sends, built by the same code in the XDP program
 * (bpf/synq_flood.bpf.c, for live frames) and in user space (the AF_PACKET fallback
 * and the unit tests). User space fills struct flood_cfg once; for every frame the
 * writer copies the template and then sets the random fields, the lengths, the
 * options and both checksums. Every header byte is rewritten for every frame
 * because veth hands the very same page to the receiver, which may change it.
 *
 * A frame is exactly its packet (flood_frame_len), as a real client's SYN is:
 * a padded SYN would cost an XDP responder a resize that real SYNs never do.
 */
#ifndef SYNQ_FLOOD_H
#define SYNQ_FLOOD_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define FLOOD_ETH_LEN	14
#define FLOOD_TCP_LEN	20	/* without options */
#define FLOOD_OPT_MAX	20	/* the largest option block we write (Linux's SYN) */
#define FLOOD_L4_V4	(FLOOD_ETH_LEN + 20)
#define FLOOD_L4_V6	(FLOOD_ETH_LEN + 40)
/* A frame of options optlen: IPv4 54 or 74 bytes, IPv6 74 or 94. */
#define FLOOD_LEN(l4, optlen)	((l4) + FLOOD_TCP_LEN + (optlen))
/* Room for any frame, a multiple of 8 (the template's size). */
#define FLOOD_FRAME_MAX	96

/* Source range used when --src is not given: the benchmarking ranges (RFC 2544, RFC 5180). */
#define FLOOD_DEFAULT_SRC_V4 "198.18.0.0/15"
#define FLOOD_DEFAULT_SRC_V6 "2001:2::/48"

enum flood_options {
	FLOOD_OPT_NONE,		/* a bare 20-byte TCP header */
	FLOOD_OPT_LINUX,	/* what Linux sends: MSS 1460, SACK, timestamps, window scale 7 */
	FLOOD_OPT_RANDOM,	/* one of four option sets per frame, random MSS and window scale */
};

struct flood_cfg {
	/*
	 * Ethernet, IP and TCP headers with every random field, length and checksum
	 * zero; or, sealed, the whole frame for all-zero random fields.
	 */
	__u8 tmpl[FLOOD_FRAME_MAX];
	__u32 src_base[4];	/* source prefix, network order (IPv4 in word 0) */
	__u32 src_mask[4];	/* host bits to randomise, network order */
	__u8 family;		/* 4 or 6 */
	__u8 options;		/* enum flood_options */
	__u8 sealed;		/* tmpl is a whole frame (fixed option sets) */
	__u8 pad;
};

/* Random words for one frame; the writer takes only what the configuration needs. */
struct flood_rand {
	__u32 addr[4];
	__u32 port;	/* high half: source port, low half: IPv4 id */
	__u32 seq;
	__u32 opt;	/* option set, MSS, window scale */
	__u32 ts;
};

/*
 * Header fields sit on 2-byte boundaries after the 14-byte Ethernet header. User
 * space says so; BPF claims natural alignment, because clang would otherwise split
 * every 4-byte access into halves, and the verifier and JIT accept unaligned
 * packet access (no BPF_F_STRICT_ALIGNMENT) on the architectures synq runs on.
 */
typedef __u16 __attribute__((aligned(2), may_alias)) flood_u16;
#ifdef __bpf__
typedef __u32 __attribute__((may_alias)) flood_u32;
#else
typedef __u32 __attribute__((aligned(2), may_alias)) flood_u32;
#endif
typedef __u64 __attribute__((aligned(8), may_alias)) flood_u64;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define flood_be16(x) ((__u16)__builtin_bswap16(x))
#define flood_be32(x) ((__u32)__builtin_bswap32(x))
#else
#define flood_be16(x) ((__u16)(x))
#define flood_be32(x) ((__u32)(x))
#endif

/*
 * One's complement sum of n bytes (n even) read as native 16-bit words: the
 * folded result, stored natively, is the right checksum in network order (RFC 1071).
 */
static __always_inline __u32 flood_sum16(const __u8 *p, int n)
{
	__u32 s = 0;

	for (int i = 0; i < n; i += 2)
		s += *(const flood_u16 *)(p + i);
	return s;
}

static __always_inline __u16 flood_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/* Copies len bytes of the template (len even): whole words, then the rest. */
static __always_inline void flood_copy(__u8 *f, const struct flood_cfg *c, int len)
{
	int i;

	for (i = 0; i + 8 <= len; i += 8)
		*(flood_u64 *)(f + i) = *(const flood_u64 *)(c->tmpl + i);
	if (len & 4) {
		*(flood_u32 *)(f + i) = *(const flood_u32 *)(c->tmpl + i);
		i += 4;
	}
	if (len & 2)
		*(flood_u16 *)(f + i) = *(const flood_u16 *)(c->tmpl + i);
}

/*
 * Writes the option block (FLOOD_OPT_MAX bytes, zero after the options) and returns
 * its length. The layouts are the ones real stacks send, so a listener parses them
 * the way it parses its clients'.
 */
static __always_inline int flood_write_opts(__u8 *o, const struct flood_cfg *c,
					    const struct flood_rand *r)
{
	__u32 variant = c->options == FLOOD_OPT_RANDOM ? (r->opt & 3) :
			c->options == FLOOD_OPT_LINUX ? 3 : 0;
	__u16 mss = 1460;
	__u8 ws = 7;

	if (c->options == FLOOD_OPT_RANDOM) {
		mss = 536 + ((r->opt >> 2) & 1023);
		ws = ((r->opt >> 12) & 7) + ((r->opt >> 15) & 7);	/* 0..14 */
	}
	for (int i = 0; i < FLOOD_OPT_MAX; i += 4)
		*(flood_u32 *)(o + i) = 0;
	if (variant == 0)
		return 0;
	/* MSS first, as every stack does */
	*(flood_u32 *)o = flood_be32(0x02040000 | mss);
	if (variant == 1)
		return 4;
	if (variant == 2) {
		/* NOP, window scale; NOP, NOP, SACK permitted */
		*(flood_u32 *)(o + 4) = flood_be32(0x01030300 | ws);
		*(flood_u32 *)(o + 8) = flood_be32(0x01010402);
		return 12;
	}
	/* Linux: SACK permitted + timestamps (TSecr 0 in a SYN), NOP, window scale */
	*(flood_u32 *)(o + 4) = flood_be32(0x0402080a);
	*(flood_u32 *)(o + 8) = r->ts;
	*(flood_u32 *)(o + 16) = flood_be32(0x01030300 | ws);
	return 20;
}

static __always_inline __u32 flood_sport(const struct flood_rand *r)
{
	return 1024 + ((((r->port >> 16) & 0xffff) * 64512) >> 16);	/* 1024..65535 */
}

/* The TCP part shared by both families: ports, sequence, options, data offset. */
static __always_inline int flood_write_tcp(__u8 *t, const struct flood_cfg *c,
					   const struct flood_rand *r)
{
	int optlen = flood_write_opts(t + FLOOD_TCP_LEN, c, r);

	*(flood_u16 *)t = flood_be16(flood_sport(r));
	*(flood_u32 *)(t + 4) = r->seq;
	/* data offset in words, SYN */
	*(flood_u16 *)(t + 12) = flood_be16(((FLOOD_TCP_LEN + optlen) / 4) << 12 | 0x02);
	return FLOOD_TCP_LEN + optlen;
}

/* Every field written and summed: random option sets, and sealing a template. */
static __always_inline void flood_write_full_v4(__u8 *f, const struct flood_cfg *c,
						const struct flood_rand *r)
{
	__u8 *ip = f + FLOOD_ETH_LEN, *t = f + FLOOD_L4_V4;
	__u32 sum;
	int tcplen;

	flood_copy(f, c, FLOOD_LEN(FLOOD_L4_V4, FLOOD_OPT_MAX));
	tcplen = flood_write_tcp(t, c, r);
	*(flood_u16 *)(ip + 2) = flood_be16(20 + tcplen);
	*(flood_u16 *)(ip + 4) = (__u16)r->port;
	*(flood_u32 *)(ip + 12) = c->src_base[0] | (r->addr[0] & c->src_mask[0]);
	*(flood_u16 *)(ip + 10) = 0;
	*(flood_u16 *)(ip + 10) = flood_fold(flood_sum16(ip, 20));
	/* pseudo header: addresses, protocol, TCP length; then the header and options */
	sum = flood_sum16(ip + 12, 8) + flood_be16(6) + flood_be16(tcplen);
	*(flood_u16 *)(t + 16) = 0;
	*(flood_u16 *)(t + 16) = flood_fold(sum + flood_sum16(t, FLOOD_TCP_LEN + FLOOD_OPT_MAX));
}

static __always_inline void flood_write_full_v6(__u8 *f, const struct flood_cfg *c,
						const struct flood_rand *r)
{
	__u8 *ip = f + FLOOD_ETH_LEN, *t = f + FLOOD_L4_V6;
	__u32 sum;
	int tcplen;

	flood_copy(f, c, FLOOD_LEN(FLOOD_L4_V6, FLOOD_OPT_MAX));
	tcplen = flood_write_tcp(t, c, r);
	*(flood_u16 *)(ip + 4) = flood_be16(tcplen);
	for (int i = 0; i < 4; i++)
		*(flood_u32 *)(ip + 8 + 4 * i) = c->src_base[i] | (r->addr[i] & c->src_mask[i]);
	sum = flood_sum16(ip + 8, 32) + flood_be16(6) + flood_be16(tcplen);
	*(flood_u16 *)(t + 16) = 0;
	*(flood_u16 *)(t + 16) = flood_fold(sum + flood_sum16(t, FLOOD_TCP_LEN + FLOOD_OPT_MAX));
}

/* The halves of a 32-bit word, for a one's complement sum. */
static __always_inline __u32 flood_halves(__u32 w)
{
	return (w & 0xffff) + (w >> 16);
}

/*
 * RFC 1624: the checksum once sum (of 16-bit words) was added to the header.
 * Exact here because each random field of a sealed template is zero (the source
 * address in its host bits, the port's offset from 1024), so each new word is the
 * old one plus the random part without a wrap; and a one's complement sum of
 * byte-swapped words is the byte-swapped sum, so native loads add up right.
 */
static __always_inline __u16 flood_csum_add(__u16 check, __u32 sum)
{
	return flood_fold((__u16)~check + sum);
}

/*
 * The fixed option sets (none, linux): the template is sealed (flood_cfg_init),
 * a whole frame with lengths, options and both checksums for all-zero random
 * fields. A frame is the template plus the random fields, the checksums
 * corrected by their sum: no header is summed again.
 */
static __always_inline void flood_write_sealed(__u8 *f, const struct flood_cfg *c,
					       const struct flood_rand *r, int len, int l4)
{
	__u8 *ip = f + FLOOD_ETH_LEN, *t = f + l4;
	__u32 sport = flood_sport(r) - 1024, sum = flood_be16(sport);

	flood_copy(f, c, len);
	if (c->family == 4) {
		__u32 a = r->addr[0] & c->src_mask[0];
		__u16 id = r->port;

		*(flood_u32 *)(ip + 12) = c->src_base[0] | a;
		*(flood_u16 *)(ip + 4) = id;
		*(flood_u16 *)(ip + 10) = flood_csum_add(*(const flood_u16 *)(c->tmpl + FLOOD_ETH_LEN + 10),
							flood_halves(a) + id);
		sum += flood_halves(a);
	} else {
		for (int i = 0; i < 4; i++) {
			__u32 a = r->addr[i] & c->src_mask[i];

			*(flood_u32 *)(ip + 8 + 4 * i) = c->src_base[i] | a;
			sum += flood_halves(a);
		}
	}
	*(flood_u16 *)t = flood_be16(1024 + sport);
	*(flood_u32 *)(t + 4) = r->seq;
	sum += flood_halves(r->seq);
	if (c->options == FLOOD_OPT_LINUX) {
		*(flood_u32 *)(t + FLOOD_TCP_LEN + 8) = r->ts;	/* TSval */
		sum += flood_halves(r->ts);
	}
	*(flood_u16 *)(t + 16) = flood_csum_add(*(const flood_u16 *)(c->tmpl + l4 + 16), sum);
}

/*
 * The frame's length: the packet itself, no padding, so that a responder's
 * answer to a SYN with Linux's options is the SYN's size, as with a real client.
 * With random options the frame holds the largest option block and the IP
 * length says how much of it is the packet.
 */
static __always_inline int flood_frame_len(const struct flood_cfg *c)
{
	return FLOOD_LEN(c->family == 4 ? FLOOD_L4_V4 : FLOOD_L4_V6,
			 c->options == FLOOD_OPT_NONE ? 0 : FLOOD_OPT_MAX);
}

/* One SYN into f, len = flood_frame_len(c) bytes (a constant in BPF, so the copy unrolls). */
static __always_inline void flood_write(__u8 *f, const struct flood_cfg *c,
					const struct flood_rand *r, int len)
{
	if (c->sealed)
		flood_write_sealed(f, c, r, len, c->family == 4 ? FLOOD_L4_V4 : FLOOD_L4_V6);
	else if (c->family == 4)
		flood_write_full_v4(f, c, r);
	else
		flood_write_full_v6(f, c, r);
}

#endif
