/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP options: strict parsing of what a client sent (RFC 9293 section 3.2), and
 * the option block of our SYN-ACK in the order Linux writes it (tcp_options_write()).
 *
 * The caller copies the whole TCP header to the stack (bpf_xdp_load_bytes() or
 * bpf_skb_load_bytes()); the options are then walked with bpf_loop(), so the
 * verifier checks one step instead of every possible layout.
 */
#ifndef SYNQ_TCPOPT_BPF_H
#define SYNQ_TCPOPT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define TCPOPT_EOL		0
#define TCPOPT_NOP		1
#define TCPOPT_MSS		2
#define TCPOPT_WINDOW		3
#define TCPOPT_SACK_PERM	4
#define TCPOPT_TIMESTAMP	8

#define TCPOLEN_MSS		4
#define TCPOLEN_WINDOW		3
#define TCPOLEN_SACK_PERM	2
#define TCPOLEN_TIMESTAMP	10

#define TCP_MAX_WSCALE		14
#define TCP_OPTS_MAX		40

/* What the client's options said; `seen` has a bit per option met. */
#define OPT_SEEN_MSS		0x01
#define OPT_SEEN_WSCALE		0x02
#define OPT_SEEN_SACK_PERM	0x04
#define OPT_SEEN_TS		0x08

struct synq_opts {
	__u32 tsval;
	__u32 tsecr;
	__u16 mss;
	__u8 wscale;		/* clamped to 14, as the kernel does */
	__u8 seen;
};

struct opt_walk {
	__u8 buf[64];		/* the TCP header, zero-padded; indexes are masked with 63 */
	__u32 len;		/* the header length: options end here */
	__u32 off;		/* the next option */
	int err;
	struct synq_opts o;
};

static __always_inline __u32 opt_be32(const __u8 *buf, __u32 off)
{
	return (__u32)buf[off & 63] << 24 | (__u32)buf[(off + 1) & 63] << 16 |
	       (__u32)buf[(off + 2) & 63] << 8 | buf[(off + 3) & 63];
}

/* One option. A length that is missing, below 2, runs past the end or does not
 * fit a known kind's fixed size makes the whole block garbage. Returns 1 to stop. */
static __always_inline int opt_one(struct opt_walk *w)
{
	__u32 off = w->off;
	__u8 kind, len;
	__u16 mss;

	if (off >= w->len)
		return 1;
	kind = w->buf[off & 63];
	if (kind == TCPOPT_EOL)
		return 1;
	if (kind == TCPOPT_NOP) {
		w->off = off + 1;
		return 0;
	}
	if (off + 1 >= w->len)
		goto bad;
	len = w->buf[(off + 1) & 63];
	if (len < 2 || off + len > w->len)
		goto bad;
	switch (kind) {
	case TCPOPT_MSS:
		if (len != TCPOLEN_MSS)
			goto bad;
		mss = (__u16)w->buf[(off + 2) & 63] << 8 | w->buf[(off + 3) & 63];
		/* As tcp_parse_options(): an MSS of 0 says nothing, not even "forget the
		 * MSS before me"; a later nonzero one replaces an earlier one. */
		if (mss) {
			w->o.mss = mss;
			w->o.seen |= OPT_SEEN_MSS;
		}
		break;
	case TCPOPT_WINDOW:
		if (len != TCPOLEN_WINDOW)
			goto bad;
		w->o.wscale = w->buf[(off + 2) & 63];
		if (w->o.wscale > TCP_MAX_WSCALE)
			w->o.wscale = TCP_MAX_WSCALE;
		w->o.seen |= OPT_SEEN_WSCALE;
		break;
	case TCPOPT_SACK_PERM:
		if (len != TCPOLEN_SACK_PERM)
			goto bad;
		w->o.seen |= OPT_SEEN_SACK_PERM;
		break;
	case TCPOPT_TIMESTAMP:
		if (len != TCPOLEN_TIMESTAMP)
			goto bad;
		w->o.tsval = opt_be32(w->buf, off + 2);
		w->o.tsecr = opt_be32(w->buf, off + 6);
		w->o.seen |= OPT_SEEN_TS;
		break;
	}
	w->off = off + len;
	return 0;
bad:
	w->err = 1;
	return 1;
}

/*
 * Several options per bpf_loop() step: a call per option cost more than the
 * parsing. The offset is read back from memory each time, so the verifier sees
 * an unknown offset and checks one option's code per unrolled copy.
 */
#define OPTS_PER_STEP 8

static long opt_step(__u32 index, void *arg)
{
	int i;

#pragma unroll
	for (i = 0; i < OPTS_PER_STEP; i++)
		if (opt_one(arg))
			return 1;
	return 0;
}

static __always_inline __u32 opt_word(const struct opt_walk *w, __u32 off)
{
	return bpf_ntohl(*(const __u32 *)&w->buf[off]);
}

/*
 * The block every Linux SYN carries (tcp_options_write()), 20 bytes: MSS,
 * SACK_PERM + timestamps packed, NOP, window scale. Matching its fixed bytes
 * proves every kind and length right, so it is read without the walk, which
 * costs a bpf_loop() call and a callback. Returns 1 when it matched.
 */
static __always_inline int tcpopt_linux_syn(struct opt_walk *w, __u32 doff)
{
	__u32 mss = opt_word(w, 20), ws = opt_word(w, 36);

	if (doff != sizeof(struct tcphdr) + 20 || mss >> 16 != 0x0204 ||
	    opt_word(w, 24) != 0x0402080a || ws >> 8 != 0x010303)
		return 0;
	w->o.mss = mss & 0xffff;
	w->o.tsval = opt_word(w, 28);
	w->o.tsecr = opt_word(w, 32);
	w->o.wscale = (ws & 0xff) > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : ws & 0xff;
	w->o.seen = OPT_SEEN_MSS | OPT_SEEN_SACK_PERM | OPT_SEEN_TS | OPT_SEEN_WSCALE;
	return 1;
}

/*
 * Parses the options of the TCP header in w->buf (doff bytes, 20..60) into w->o.
 * Returns 0, or -1 when the block is truncated or garbage.
 */
static __always_inline int tcpopt_parse(struct opt_walk *w, __u32 doff)
{
	if (tcpopt_linux_syn(w, doff))
		return 0;
	w->len = doff;
	w->off = sizeof(struct tcphdr);
	if (doff > sizeof(struct tcphdr))
		bpf_loop(TCP_OPTS_MAX / OPTS_PER_STEP, opt_step, w, 0);
	return w->err ? -1 : 0;
}

/* What our SYN-ACK carries; see tcpopt_synack(). */
struct synack_opts {
	__u32 tsval;		/* ours */
	__u32 tsecr;		/* the client's TSval */
	__u16 mss;
	__u8 wscale;		/* ours */
	__u8 sack:1, ts:1, ws:1;
};

/*
 * Writes the option words (network order) in Linux's layout: MSS; then
 * SACK_PERM+TS packed, or NOP NOP TS, or NOP NOP SACK_PERM; then NOP WS.
 * Returns the number of 32-bit words (1..5). Fixed indexes keep the stack
 * writes constant-offset.
 */
static __always_inline int tcpopt_synack(const struct synack_opts *s, __be32 w[5])
{
	__be32 ws = bpf_htonl(TCPOPT_NOP << 24 | TCPOPT_WINDOW << 16 |
			      TCPOLEN_WINDOW << 8 | s->wscale);
	int n;

	w[0] = bpf_htonl(TCPOPT_MSS << 24 | TCPOLEN_MSS << 16 | s->mss);
	if (s->ts) {
		w[1] = bpf_htonl((s->sack ? (TCPOPT_SACK_PERM << 24 | TCPOLEN_SACK_PERM << 16) :
					    (TCPOPT_NOP << 24 | TCPOPT_NOP << 16)) |
				 TCPOPT_TIMESTAMP << 8 | TCPOLEN_TIMESTAMP);
		w[2] = bpf_htonl(s->tsval);
		w[3] = bpf_htonl(s->tsecr);
		n = 4;
		if (s->ws)
			w[n++] = ws;
	} else if (s->sack) {
		w[1] = bpf_htonl(TCPOPT_NOP << 24 | TCPOPT_NOP << 16 |
				 TCPOPT_SACK_PERM << 8 | TCPOLEN_SACK_PERM);
		n = 2;
		if (s->ws)
			w[n++] = ws;
	} else {
		n = 1;
		if (s->ws)
			w[n++] = ws;
	}
	return n;
}

#endif /* SYNQ_TCPOPT_BPF_H */
