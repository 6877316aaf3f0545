/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit MAC with a 128-bit
 * key, fast on short inputs, which is what a SYN cookie hashes.
 *
 * Pure C, header only, no globals and no libc, so the same code runs in the BPF
 * programs and in the unit tests that check it against the published vectors.
 * Two entry points:
 *   synq_siphash24()       bytes of any length: the reference definition, for
 *                          user space (a runtime length means a runtime loop bound)
 *   synq_siphash24_words() n little-endian 64-bit words, n a compile-time constant:
 *                          what the BPF programs use (fully unrolled, no byte loads)
 * Both give the same value for the same bytes.
 */
#ifndef SYNQ_SIPHASH_H
#define SYNQ_SIPHASH_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#include "synq/protect.h"	/* struct synq_key */

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/*
 * Fully unroll a loop with a constant trip count, so a BPF program has no loop
 * for the verifier to walk and no counter to keep on the stack.
 */
#if defined(__clang__)
#define SYNQ_UNROLL _Pragma("clang loop unroll(full)")
#elif defined(__GNUC__)
#define SYNQ_UNROLL _Pragma("GCC unroll 16")
#else
#define SYNQ_UNROLL
#endif

/* The word form reads a message word as the CPU holds it: that is SipHash's order only here. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "synq's SipHash word form assumes a little-endian CPU"
#endif

struct synq_sip {
	__u64 v0, v1, v2, v3;
};

static __always_inline __u64 synq_rotl64(__u64 x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static __always_inline void synq_sipround(struct synq_sip *s)
{
	s->v0 += s->v1;
	s->v1 = synq_rotl64(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = synq_rotl64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = synq_rotl64(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = synq_rotl64(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = synq_rotl64(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = synq_rotl64(s->v2, 32);
}

static __always_inline void synq_sip_init(struct synq_sip *s, const struct synq_key *key)
{
	/* "somepseudorandomlygeneratedbytes" */
	s->v0 = key->k0 ^ 0x736f6d6570736575ULL;
	s->v1 = key->k1 ^ 0x646f72616e646f6dULL;
	s->v2 = key->k0 ^ 0x6c7967656e657261ULL;
	s->v3 = key->k1 ^ 0x7465646279746573ULL;
}

/* One message word through the two compression rounds ("2" of SipHash-2-4). */
static __always_inline void synq_sip_word(struct synq_sip *s, __u64 m)
{
	s->v3 ^= m;
	synq_sipround(s);
	synq_sipround(s);
	s->v0 ^= m;
}

/*
 * The last word carries the message length mod 256 in its top byte and the 0..7
 * trailing bytes below it; then four finalization rounds ("4").
 */
static __always_inline __u64 synq_sip_final(struct synq_sip *s, __u64 last)
{
	synq_sip_word(s, last);
	s->v2 ^= 0xff;
	synq_sipround(s);
	synq_sipround(s);
	synq_sipround(s);
	synq_sipround(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/* Up to 8 bytes as a little-endian number, whatever the CPU's byte order. */
static __always_inline __u64 synq_sip_load(const __u8 *p, __u32 n)
{
	__u64 w = 0;
	__u32 i;

	for (i = 0; i < 8 && i < n; i++)
		w |= (__u64)p[i] << (8 * i);
	return w;
}

/* SipHash-2-4 of len bytes at msg. */
static __always_inline __u64 synq_siphash24(const struct synq_key *key, const void *msg, __u32 len)
{
	const __u8 *p = msg;
	struct synq_sip s;
	__u32 off;

	synq_sip_init(&s, key);
	for (off = 0; off + 8 <= len; off += 8)
		synq_sip_word(&s, synq_sip_load(p + off, 8));
	return synq_sip_final(&s, ((__u64)len << 56) | synq_sip_load(p + off, len - off));
}

/*
 * SipHash-2-4 of the 8*n bytes whose little-endian 64-bit words are m[0..n-1].
 * Call it with a constant n: the loop then unrolls and the verifier sees no loop.
 */
static __always_inline __u64 synq_siphash24_words(const struct synq_key *key, const __u64 *m,
						  const __u32 n)
{
	struct synq_sip s;
	__u32 i;

	synq_sip_init(&s, key);
	SYNQ_UNROLL
	for (i = 0; i < n; i++)
		synq_sip_word(&s, m[i]);
	return synq_sip_final(&s, (__u64)(8 * n) << 56);
}

#endif
