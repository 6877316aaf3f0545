/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synq's SYN cookie: the sequence number of our SYN-ACK (our ISN), which must come
 * back as ack-1 in the client's final ACK. It authenticates the handshake and
 * carries the options the kernel needs to build the connection, so no state is
 * kept between the SYN and the ACK.
 *
 * FORMAT (32 bits)
 *   [31:12] MAC: the low 20 bits of h = SipHash-2-4(key, message), see MESSAGE
 *   [11]    key slot 0/1: the entry of the map `synq_keys` whose key made h
 *   [10:9]  the low 2 bits of the time counter t
 *   [8:6]   MSS class: an index into the family's MSS table (below)
 *   [5:2]   the client's window scale 0..14; 15 = the client sent no window scale
 *   [1]     SACK permitted
 *   [0]     ECN
 * Bits [11:0] are the "metadata"; they are covered by the MAC.
 *
 * TIME COUNTER
 *   t = TAI nanoseconds >> 36, one step every 2^36 ns (~68.7 s). TAI is the same on
 *   every NTP-synced host, so hosts sharing a key accept each other's cookies.
 *   A cookie made at counter t is checked at counter now: age = (now - t) mod 4
 *   from the 2 bits it carries; valid iff age <= 1, and the full t hashed is
 *   now - age. A cookie therefore lives between one and two periods, ~69 to
 *   ~137 s ("about two minutes"), and t wraps around freely.
 *
 * MSS TABLES (8 classes per family)
 *   IPv4: 536 1240 1340 1380 1440 1452 1460 8960
 *   IPv6: 1220 1320 1360 1390 1420 1432 1440 8940
 *   Chosen so that every common path MTU (1280, 1380, 1400, 1420, 1450, 1480,
 *   1492, 1500, 9000) keeps at least 95% of its MSS (MTU - 40 / MTU - 60), with
 *   or without the 12 bytes of timestamps; docs/cookie.md has the table.
 *   The encoder stores the largest entry <= the MSS it is given, which is
 *   min(client's MSS option, our MSS), or 0 when the client sent no MSS option
 *   (RFC 9293: then the peer's MSS is 536 for IPv4, 1220 for IPv6). The client's
 *   MSS option is its last nonzero one: as in the kernel, an MSS of 0 counts as
 *   none and does not undo an earlier one. An MSS below
 *   the smallest entry is clamped UP to it: bpf_sk_assign_tcp_reqsk() refuses an
 *   MSS below 536 / 1220, and 536 / 1220 is what every host must accept anyway.
 *   A 1500-byte MTU path gets exactly 1460 / 1440, as the kernel's own would.
 *
 * MESSAGE: little-endian 64-bit words, taken from the client's packets (the SYN
 * and the final ACK alike: saddr is the client). Addresses and ports are the raw
 * network-order values as the CPU loads them from the packet, never swapped; the
 * client's ISN is the SYN's sequence number in host order (the final ACK's
 * seq - 1); t is the full 32-bit counter; meta is bits [11:0] of the cookie.
 *   IPv4, 3 words (24 bytes):
 *     w0 = saddr | daddr << 32
 *     w1 = sport | dport << 16 | isn << 32
 *     w2 = t | meta << 32
 *   IPv6, 6 words (48 bytes):
 *     w0 = saddr[0] | saddr[1] << 32     (the address as four raw 32-bit words)
 *     w1 = saddr[2] | saddr[3] << 32
 *     w2 = daddr[0] | daddr[1] << 32
 *     w3 = daddr[2] | daddr[3] << 32
 *     w4 = sport | dport << 16 | isn << 32
 *     w5 = t | meta << 32
 *   On a little-endian CPU this is simply the packet's bytes in packet order for
 *   the addresses and ports.
 *
 * TIMESTAMPS
 *   When the SYN-ACK carries a timestamp option, its TSval is h >> 32. A final ACK
 *   with a timestamp option must echo it as TSecr: 32 more bits of authentication
 *   for such clients (52 in all), and a mismatch makes the cookie invalid. A final
 *   ACK without a timestamp option means the connection goes without timestamps
 *   (tstamp_ok = 0); with one, tstamp_ok = 1, rcv_tsval = the ACK's TSval and
 *   rcv_tsecr = its TSecr. Timestamp use is not stored in the cookie: the ACK says.
 *
 * KEYS
 *   The map `synq_keys` holds two keys. New cookies use slot synq_config.key_slot;
 *   a cookie is checked under the key of the slot it names. A rotation writes the
 *   new key into the other slot and then flips key_slot, so cookies made under the
 *   previous key still validate until they expire; after a second rotation that
 *   key is gone. Rotate at most once per ~2 minutes to lose no handshake.
 *   Hosts sharing a key must hold it in the same slot.
 *
 * USE (XDP / TC)
 *   SYN:  opts = what the SYN-ACK negotiates (the client's offer ANDed with the
 *         sysctls in synq_config; mss = min(client MSS, ours) or 0 when absent);
 *         cookie = synq_cookie_make_v4(key, slot, &flow, seq, now, &opts, &tsval);
 *   ACK:  key = &synq_keys[synq_cookie_slot(ack_seq - 1)];
 *         err = synq_cookie_check_v4(key, &flow, seq - 1, ack_seq - 1, now,
 *                                    has_ts, tsecr, &opts);
 *   with now = synq_time_counter(bpf_ktime_get_tai_ns()).
 */
#ifndef SYNQ_COOKIE_H
#define SYNQ_COOKIE_H

#include "synq/siphash.h"

/*
 * The family is Linux's AF_INET or AF_INET6 on both sides: from <sys/socket.h> in
 * user space, from bpf/synq_defs.bpf.h in BPF (vmlinux.h cannot carry macros).
 */
#ifndef __VMLINUX_H__
#include <sys/socket.h>
#elif !defined(AF_INET)
#error "a BPF program includes synq_defs.bpf.h before synq/cookie.h"
#endif

#define SYNQ_COOKIE_PERIOD_SHIFT 36	/* t = TAI ns >> 36: ~68.7 s per step */
#define SYNQ_COOKIE_MAX_AGE	1	/* counter steps a cookie stays valid after its own */
#define SYNQ_WSCALE_NONE	15	/* "the client sent no window scale option" */
#define SYNQ_WSCALE_MAX		14	/* RFC 7323: larger shift counts are taken as 14 */
#define SYNQ_MSS_CLASSES	8

/* Cookie bit fields, see FORMAT. */
#define SYNQ_COOKIE_MAC_SHIFT	12
#define SYNQ_COOKIE_MAC_MASK	0xfffffU
#define SYNQ_COOKIE_META_MASK	0xfffU
#define SYNQ_COOKIE_SLOT_SHIFT	11
#define SYNQ_COOKIE_T_SHIFT	9
#define SYNQ_COOKIE_MSS_SHIFT	6
#define SYNQ_COOKIE_WS_SHIFT	2
#define SYNQ_COOKIE_SACK_SHIFT	1
#define SYNQ_COOKIE_ECN_SHIFT	0

/* Why a cookie was refused: synq_cookie_check_*() returns the negative value. */
enum synq_cookie_err {
	SYNQ_COOKIE_EXPIRED = 1,	/* older than SYNQ_COOKIE_MAX_AGE periods (or from the future) */
	SYNQ_COOKIE_BAD_MAC,		/* forged, corrupted, wrong key or wrong flow */
	SYNQ_COOKIE_TS_MISMATCH,	/* the ACK's TSecr is not the TSval we sent */
};

/*
 * The options of one handshake. To synq_cookie_make_*(): what the SYN-ACK
 * negotiates. From synq_cookie_check_*(): what to hand bpf_sk_assign_tcp_reqsk()
 * (mss; snd_wscale = wscale and wscale_ok = wscale != SYNQ_WSCALE_NONE; sack_ok;
 * ecn_ok; tstamp_ok).
 */
struct synq_cookie_opts {
	__u16 mss;	/* make: min(client's MSS, ours), 0 = no MSS option; check: the class's MSS */
	__u8 wscale;	/* the client's shift count, or SYNQ_WSCALE_NONE; pass a
			 * client's 15..255 as 14 (RFC 7323 2.3, as the kernel does) */
	__u8 sack_ok;	/* 0/1 */
	__u8 ecn_ok;	/* 0/1 */
	__u8 tstamp_ok;	/* make: the SYN-ACK carries a timestamp; check: the ACK does */
};

/* The flow as seen in the client's packets: raw network-order values. */
struct synq_flow_v4 {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
};

struct synq_flow_v6 {
	__be32 saddr[4];
	__be32 daddr[4];
	__be16 sport;
	__be16 dport;
};

static __always_inline __u32 synq_time_counter(__u64 tai_ns)
{
	return (__u32)(tai_ns >> SYNQ_COOKIE_PERIOD_SHIFT);
}

/* Four 16-bit MSS values in one constant: no table in memory, nothing for the verifier. */
#define SYNQ_MSS4(a, b, c, d) \
	((__u64)(a) | (__u64)(b) << 16 | (__u64)(c) << 32 | (__u64)(d) << 48)

/* The MSS of class idx (0..7) for family AF_INET or AF_INET6. */
static __always_inline __u16 synq_mss_decode(int family, __u32 idx)
{
	__u64 lo, hi;

	if (family == AF_INET6) {
		lo = SYNQ_MSS4(1220, 1320, 1360, 1390);
		hi = SYNQ_MSS4(1420, 1432, 1440, 8940);
	} else {
		lo = SYNQ_MSS4(536, 1240, 1340, 1380);
		hi = SYNQ_MSS4(1440, 1452, 1460, 8960);
	}
	idx &= SYNQ_MSS_CLASSES - 1;
	return (__u16)((idx < 4 ? lo : hi) >> (16 * (idx & 3)));
}

/*
 * The class of the largest table entry <= mss; class 0 for anything smaller (see
 * FORMAT). It counts the entries above class 0 that mss reaches; the sign bit of
 * entry - 1 - mss is that comparison without a branch, which would otherwise
 * multiply the verifier's states by 2 per entry.
 */
static __always_inline __u32 synq_mss_encode(int family, __u32 mss)
{
	__u32 idx = 0, i;

	SYNQ_UNROLL
	for (i = 1; i < SYNQ_MSS_CLASSES; i++)
		idx += ((__u64)synq_mss_decode(family, i) - 1 - mss) >> 63;
	return idx;
}

/* Which slot of `synq_keys` a cookie claims; check it under that key. */
static __always_inline __u32 synq_cookie_slot(__u32 cookie)
{
	return (cookie >> SYNQ_COOKIE_SLOT_SHIFT) & 1;
}

/* The MAC covers the metadata, the full t and the flow, in the last message word. */
static __always_inline __u64 synq_cookie_tail_word(__u32 t, __u32 meta)
{
	return (__u64)t | (__u64)meta << 32;
}

static __always_inline __u64 synq_cookie_ports_word(__be16 sport, __be16 dport, __u32 isn)
{
	return (__u64)sport | (__u64)dport << 16 | (__u64)isn << 32;
}

static __always_inline __u64 synq_cookie_addr_word(__be32 lo, __be32 hi)
{
	return (__u64)lo | (__u64)hi << 32;
}

/* The flow words of the IPv4 message, m[0..1]; m[2] is the tail word. */
static __always_inline void synq_cookie_msg_v4(__u64 m[3], const struct synq_flow_v4 *f, __u32 isn)
{
	m[0] = synq_cookie_addr_word(f->saddr, f->daddr);
	m[1] = synq_cookie_ports_word(f->sport, f->dport, isn);
}

/* The flow words of the IPv6 message, m[0..4]; m[5] is the tail word. */
static __always_inline void synq_cookie_msg_v6(__u64 m[6], const struct synq_flow_v6 *f, __u32 isn)
{
	m[0] = synq_cookie_addr_word(f->saddr[0], f->saddr[1]);
	m[1] = synq_cookie_addr_word(f->saddr[2], f->saddr[3]);
	m[2] = synq_cookie_addr_word(f->daddr[0], f->daddr[1]);
	m[3] = synq_cookie_addr_word(f->daddr[2], f->daddr[3]);
	m[4] = synq_cookie_ports_word(f->sport, f->dport, isn);
}

/* Bits [11:0] of a new cookie. */
static __always_inline __u32 synq_cookie_meta(int family, __u32 slot, __u32 now,
					      const struct synq_cookie_opts *o)
{
	__u32 ws = o->wscale > SYNQ_WSCALE_NONE ? SYNQ_WSCALE_NONE : o->wscale;

	return (slot & 1) << SYNQ_COOKIE_SLOT_SHIFT |
	       (now & 3) << SYNQ_COOKIE_T_SHIFT |
	       synq_mss_encode(family, o->mss) << SYNQ_COOKIE_MSS_SHIFT |
	       ws << SYNQ_COOKIE_WS_SHIFT |
	       (__u32)!!o->sack_ok << SYNQ_COOKIE_SACK_SHIFT |
	       (__u32)!!o->ecn_ok << SYNQ_COOKIE_ECN_SHIFT;
}

/* Both families: m holds the flow words, n (a constant) counts them plus the tail word. */
static __always_inline __u32 synq_cookie_make(const struct synq_key *key, int family, __u32 slot,
					      __u64 *m, const __u32 n, __u32 now,
					      const struct synq_cookie_opts *o, __u32 *tsval)
{
	__u32 meta = synq_cookie_meta(family, slot, now, o);
	__u64 h;

	m[n - 1] = synq_cookie_tail_word(now, meta);
	h = synq_siphash24_words(key, m, n);
	*tsval = (__u32)(h >> 32);
	return ((__u32)h & SYNQ_COOKIE_MAC_MASK) << SYNQ_COOKIE_MAC_SHIFT | meta;
}

/*
 * A new cookie for a SYN of flow f with sequence number client_isn, at counter now,
 * under key (which is synq_keys[slot]). *tsval receives the TSval for the SYN-ACK
 * (use it only when o->tstamp_ok).
 */
static __always_inline __u32 synq_cookie_make_v4(const struct synq_key *key, __u32 slot,
						 const struct synq_flow_v4 *f, __u32 client_isn,
						 __u32 now, const struct synq_cookie_opts *o,
						 __u32 *tsval)
{
	__u64 m[3];

	synq_cookie_msg_v4(m, f, client_isn);
	return synq_cookie_make(key, AF_INET, slot, m, 3, now, o, tsval);
}

static __always_inline __u32 synq_cookie_make_v6(const struct synq_key *key, __u32 slot,
						 const struct synq_flow_v6 *f, __u32 client_isn,
						 __u32 now, const struct synq_cookie_opts *o,
						 __u32 *tsval)
{
	__u64 m[6];

	synq_cookie_msg_v6(m, f, client_isn);
	return synq_cookie_make(key, AF_INET6, slot, m, 6, now, o, tsval);
}

/*
 * Both families, as synq_cookie_make(). The age is checked first: an expired or
 * replayed-late cookie costs no hash.
 */
static __always_inline int synq_cookie_check(const struct synq_key *key, int family,
					     __u64 *m, const __u32 n, __u32 cookie, __u32 now,
					     int ack_has_ts, __u32 ack_tsecr,
					     struct synq_cookie_opts *o)
{
	__u32 age = (now - (cookie >> SYNQ_COOKIE_T_SHIFT)) & 3;
	__u64 h;

	if (age > SYNQ_COOKIE_MAX_AGE)
		return -SYNQ_COOKIE_EXPIRED;
	m[n - 1] = synq_cookie_tail_word(now - age, cookie & SYNQ_COOKIE_META_MASK);
	h = synq_siphash24_words(key, m, n);
	if (((__u32)h & SYNQ_COOKIE_MAC_MASK) != cookie >> SYNQ_COOKIE_MAC_SHIFT)
		return -SYNQ_COOKIE_BAD_MAC;
	if (ack_has_ts && ack_tsecr != (__u32)(h >> 32))
		return -SYNQ_COOKIE_TS_MISMATCH;
	o->mss = synq_mss_decode(family, cookie >> SYNQ_COOKIE_MSS_SHIFT);
	o->wscale = (cookie >> SYNQ_COOKIE_WS_SHIFT) & 0xf;
	o->sack_ok = (cookie >> SYNQ_COOKIE_SACK_SHIFT) & 1;
	o->ecn_ok = (cookie >> SYNQ_COOKIE_ECN_SHIFT) & 1;
	o->tstamp_ok = !!ack_has_ts;
	return 0;
}

/*
 * Checks cookie (the final ACK's ack_seq - 1) for flow f and client_isn (its
 * seq - 1) at counter now, under key = synq_keys[synq_cookie_slot(cookie)].
 * ack_has_ts / ack_tsecr: whether the ACK has a timestamp option, and its TSecr.
 * Returns 0 and fills *o, or a negative enum synq_cookie_err (*o untouched).
 */
static __always_inline int synq_cookie_check_v4(const struct synq_key *key,
						const struct synq_flow_v4 *f, __u32 client_isn,
						__u32 cookie, __u32 now, int ack_has_ts,
						__u32 ack_tsecr, struct synq_cookie_opts *o)
{
	__u64 m[3];

	synq_cookie_msg_v4(m, f, client_isn);
	return synq_cookie_check(key, AF_INET, m, 3, cookie, now, ack_has_ts, ack_tsecr, o);
}

static __always_inline int synq_cookie_check_v6(const struct synq_key *key,
						const struct synq_flow_v6 *f, __u32 client_isn,
						__u32 cookie, __u32 now, int ack_has_ts,
						__u32 ack_tsecr, struct synq_cookie_opts *o)
{
	__u64 m[6];

	synq_cookie_msg_v6(m, f, client_isn);
	return synq_cookie_check(key, AF_INET6, m, 6, cookie, now, ack_has_ts, ack_tsecr, o);
}

/*
 * Names a key without revealing it: the low 32 bits of SipHash-2-4 of the 16 ASCII
 * bytes "synq-fingerprint" under the key. Printed as 8 hex digits.
 */
static __always_inline __u32 synq_key_fingerprint(const struct synq_key *key)
{
	const __u64 m[2] = { 0x6e69662d716e7973ULL, 0x746e697270726567ULL };

	return (__u32)synq_siphash24_words(key, m, 2);
}

#endif
