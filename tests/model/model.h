/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An independent model of what synq_xdp and synq_tc do with one packet, written
 * from docs/dataplane.md and include/synq/cookie.h rather than from the BPF code:
 * its own parser, option walk, cookie packing (only SipHash itself is shared) and
 * RFC 1071 checksums. The differential tests run every generated packet through
 * both and compare the verdict, every output byte and every counter.
 *
 * The model knows the world the test harness builds: a namespace with listeners
 * on one protected port and no connections, so the kernel's socket table never
 * holds an established, request or TIME_WAIT socket for a packet's 4-tuple.
 */
#ifndef SYNQ_MODEL_H
#define SYNQ_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "synq/protect.h"

/* The XDP test runner takes frames up to a page minus its head- and tailroom. */
#define MODEL_FRAME_MAX 3520
#define MODEL_OUT_MAX	(MODEL_FRAME_MAX + 32)

enum model_verdict { MODEL_ABORTED, MODEL_DROP, MODEL_PASS, MODEL_TX };	/* = XDP_* */

/* The world one packet meets: configuration, keys, protected ports, clock, listeners. */
struct model_env {
	struct synq_config cfg;
	struct synq_key keys[2];
	const uint8_t *ports;		/* SYNQ_PORTS bytes, nonzero = protected */
	uint16_t listen_port;		/* host order: a listener on any address, both families */
	uint32_t now;			/* the cookie time counter */
};

struct model_counts {
	uint64_t st[SYNQ_COUNTER_MAX];
	uint64_t mal[SYNQ_MALFORMED_MAX];
	uint64_t err[SYNQ_ERRNO_MAX];
};

/* What one program does with one frame. */
struct model_out {
	int verdict;			/* XDP_*; synq_tc: always TC_ACT_OK (0) */
	size_t meta_len;		/* XDP metadata in front of the frame */
	size_t len;			/* metadata included, as the test runner reports it */
	uint8_t out[MODEL_OUT_MAX];	/* metadata, then the frame */
	struct model_counts d;		/* counter deltas */
	size_t ignored_from;		/* synq_xdp: frame bytes from here on cannot change
					 * the verdict (past the datagram, or past a
					 * non-SYN's TCP header); the frame's length if none */
	int handoff;			/* synq_tc: it would hand this 4-tuple + ISN off */
	uint8_t handoff_key[40];	/* which (flow, ISN): a second one within 50 ms is not */
};

void model_xdp(const struct model_env *e, const uint8_t *in, size_t len, struct model_out *o);
/* synq_tc without XDP metadata (the test runner cannot give an skb metadata). */
void model_tc(const struct model_env *e, const uint8_t *in, size_t len, struct model_out *o);

/* The cookie, as include/synq/cookie.h specifies it (byte-wise message, own packing). */
struct model_flow {
	int v6;
	uint8_t saddr[16], daddr[16];	/* the client's packet: saddr = client */
	uint8_t sport[2], dport[2];	/* network order, as in the packet */
};

struct model_ck {
	uint16_t mss;			/* make: min(client, ours) or 0; check: the class's MSS */
	uint8_t wscale;			/* 0..14, 15 = none */
	uint8_t sack, ecn;
};

uint32_t model_cookie_make(const struct synq_key *key, uint32_t slot, const struct model_flow *f,
			   uint32_t isn, uint32_t t, const struct model_ck *ck, uint32_t *tsval);
/* 0 and *ck filled, or -1: expired, bad MAC or (has_ts) a TSecr that is not our TSval. */
int model_cookie_check(const struct synq_key *keys, const struct model_flow *f, uint32_t isn,
		       uint32_t cookie, uint32_t now, int has_ts, uint32_t tsecr,
		       struct model_ck *ck);

/* RFC 1071, 16-bit big-endian words: the folded sum of len bytes plus sum (not inverted). */
uint32_t model_sum16(const uint8_t *p, size_t len, uint32_t sum);
/*
 * The checksum field a local sender with checksum offload leaves for the device
 * to finish (CHECKSUM_PARTIAL): the pseudo-header's folded sum, not inverted.
 */
uint16_t model_tcp_partial_csum(int v6, const uint8_t *src, const uint8_t *dst, size_t len);
/* The TCP checksum field for seg[0..len) with its checksum field zero. */
uint16_t model_tcp_csum(int v6, const uint8_t *src, const uint8_t *dst, const uint8_t *seg,
			size_t len);

#endif /* SYNQ_MODEL_H */
