/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between synq's protection programs (synq_xdp and synq_tc in
 * bpf/synq_protect.bpf.c) and the loader (user/protect/loader.c): counters, the per-interface
 * configuration and the map layouts. Compiled into BPF (vmlinux.h types) and user
 * space (linux/types.h) alike.
 */
#ifndef SYNQ_PROTECT_H
#define SYNQ_PROTECT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * Counters: the index into the per-CPU array map `synq_stats`. User space sums
 * the CPUs. SYNQ_COUNTER_NAMES are the user-facing names, also the JSON keys of
 * `synq status --json`; each table built from it asserts it has SYNQ_COUNTER_MAX.
 */
enum synq_counter {
	SYNQ_SYN_RECEIVED,		/* SYNs to protected ports */
	SYNQ_SYNACK_SENT,		/* answered with a cookie SYN-ACK (XDP_TX) */
	SYNQ_SYN_MALFORMED,		/* dropped, never answered: see synq_malformed */
	SYNQ_SYN_PASSED_EXISTING,	/* the kernel holds the 4-tuple (TIME_WAIT): passed to it */
	SYNQ_ACK_COOKIE_VALID,		/* final ACKs carrying a valid cookie */
	SYNQ_ACK_COOKIE_INVALID,	/* dropped: no cookie, no connection */
	SYNQ_ACK_ESTABLISHED,		/* ACKs of existing connections, passed */
	SYNQ_HANDOFF_OK,		/* handed to a listener with room in its accept queue (TC) */
	SYNQ_HANDOFF_FAILED,		/* it failed: by errno in `synq_handoff_errors` */
	SYNQ_PASSED_NOT_TCP,
	SYNQ_PASSED_UNPROTECTED,
	SYNQ_PASSED_FRAGMENT,
	SYNQ_PASSED_IPV6_EXT,
	SYNQ_SYN_DROPPED_ACCEPT_FULL,	/* the listener's accept queue was full: dropped, as the kernel does */
	SYNQ_ACK_DROPPED_ACCEPT_FULL,	/* a valid cookie ACK met a full accept queue: dropped, the client retransmits */
	SYNQ_SYN_PASSED_SYNCOOKIES_OFF,	/* tcp_syncookies is 0: the kernel would refuse a handoff */
	SYNQ_ACK_PASSED_SYNCOOKIES_OFF,	/* a valid cookie ACK after tcp_syncookies went to 0: the kernel answers */
	SYNQ_SYN_PASSED_PARTIAL_CSUM,	/* a local sender's partial checksum (loopback, veth offload) */
	SYNQ_SYN_PASSED_HEALTHY,	/* --mode auto: the listener is healthy, the kernel answers */
	SYNQ_ACK_PASSED_NO_COOKIES,	/* --mode auto: no cookie outstanding, the kernel answers */
	SYNQ_SWITCHED_TO_COOKIES,	/* --mode auto: a listener's SYNs went to cookies */
	SYNQ_SWITCHED_TO_KERNEL,	/* --mode auto: ... and back to the kernel */
	SYNQ_PASSED_NONLINEAR,		/* headers past the frame's linear part (xdp.frags): passed */
	SYNQ_ACK_PASSED_REPLAYED,	/* a valid cookie ACK of a handshake handed off and since closed: the kernel answers */
	SYNQ_COUNTER_MAX
};

#define SYNQ_COUNTER_NAMES {						\
	[SYNQ_SYN_RECEIVED] = "syn_received",				\
	[SYNQ_SYNACK_SENT] = "synack_sent",				\
	[SYNQ_SYN_MALFORMED] = "syn_malformed",				\
	[SYNQ_SYN_PASSED_EXISTING] = "syn_passed_existing",		\
	[SYNQ_ACK_COOKIE_VALID] = "ack_cookie_valid",			\
	[SYNQ_ACK_COOKIE_INVALID] = "ack_cookie_invalid",		\
	[SYNQ_ACK_ESTABLISHED] = "ack_established",			\
	[SYNQ_HANDOFF_OK] = "handoff_ok",				\
	[SYNQ_HANDOFF_FAILED] = "handoff_failed",			\
	[SYNQ_PASSED_NOT_TCP] = "passed_not_tcp",			\
	[SYNQ_PASSED_UNPROTECTED] = "passed_unprotected",		\
	[SYNQ_PASSED_FRAGMENT] = "passed_fragment",			\
	[SYNQ_PASSED_IPV6_EXT] = "passed_ipv6_ext",			\
	[SYNQ_SYN_DROPPED_ACCEPT_FULL] = "syn_dropped_accept_full",	\
	[SYNQ_ACK_DROPPED_ACCEPT_FULL] = "ack_dropped_accept_full",	\
	[SYNQ_SYN_PASSED_SYNCOOKIES_OFF] = "syn_passed_syncookies_off",	\
	[SYNQ_ACK_PASSED_SYNCOOKIES_OFF] = "ack_passed_syncookies_off",	\
	[SYNQ_SYN_PASSED_PARTIAL_CSUM] = "syn_passed_partial_csum",	\
	[SYNQ_SYN_PASSED_HEALTHY] = "syn_passed_healthy",		\
	[SYNQ_ACK_PASSED_NO_COOKIES] = "ack_passed_no_cookies",		\
	[SYNQ_SWITCHED_TO_COOKIES] = "switched_to_cookies",		\
	[SYNQ_SWITCHED_TO_KERNEL] = "switched_to_kernel",		\
	[SYNQ_PASSED_NONLINEAR] = "passed_nonlinear",			\
	[SYNQ_ACK_PASSED_REPLAYED] = "ack_passed_replayed",		\
}

/* Handoff failures are counted by errno (positive), up to this value; larger ones land in 0. */
#define SYNQ_ERRNO_MAX 128

/*
 * Per-interface settings, one entry (key 0) of the array map `synq_config`.
 * The loader fills it from the namespace's sysctls and the interface MTU. The
 * option sysctls here are only the fallback for a SYN whose listener synq_xdp
 * cannot see (struct synq_listener_view has the live ones).
 */
struct synq_config {
	__u16 mss_v4;		/* our MSS towards IPv4 clients: MTU - 40, or --mss */
	__u16 mss_v6;		/* towards IPv6 clients: MTU - 60, or --mss */
	__u8 rcv_wscale;	/* the window scale we advertise, as the kernel would choose it */
	__u8 ttl;		/* TTL / hop limit of our SYN-ACKs */
	__u8 sack_ok;		/* net.ipv4.tcp_sack */
	__u8 wscale_ok;		/* net.ipv4.tcp_window_scaling */
	__u8 tstamp_ok;		/* net.ipv4.tcp_timestamps != 0 */
	__u8 ecn_ok;		/* net.ipv4.tcp_ecn allows answering ECN (1 or 2) */
	__u8 key_slot;		/* which entry of `synq_keys` is current; the other is previous */
	__u8 mode;		/* SYNQ_MODE_* */
};

/*
 * --mode: ALWAYS answers every SYN to a protected port with a cookie; AUTO leaves
 * a listener's SYNs to the kernel while it is healthy and switches it to cookies
 * under pressure (struct synq_listener_view, docs/protect.md).
 */
#define SYNQ_MODE_ALWAYS	0	/* 0: what a zeroed configuration (a test's) means */
#define SYNQ_MODE_AUTO		1

/*
 * What synq_xdp knows of a listener: the LRU hash map `synq_listeners`, keyed by
 * the local address and port a SYN is for. Refreshed from the socket itself
 * (bpf_skc_lookup_tcp, bpf_skc_to_tcp_sock) in a new jiffy once it is older than
 * SYNQ_VIEW_FRESH_NS (so at most one jiffy, 1-10 ms, old), so a flood pays one
 * hash lookup per SYN and one socket lookup per listener and interval. The sysctls are the listener's network
 * namespace's, as they are now.
 */
#define SYNQ_VIEW_FRESH_NS	(1000 * 1000ULL)	/* 1 ms */

/*
 * A listener with little room left in its accept queue (at most
 * SYNQ_TIGHT_ROOM) gets at most that many cookie SYN-ACKs per
 * SYNQ_TIGHT_WINDOW_NS, and drops the other SYNs as if the queue were full: their
 * final ACKs would find it full, and a dropped final ACK is lost for good to a
 * server-first protocol (no request socket retransmits our SYN-ACK), while a
 * dropped SYN is retried by the client. The window covers a round trip; the
 * room is the one seen when the window opened.
 */
#define SYNQ_TIGHT_ROOM		16
#define SYNQ_TIGHT_WINDOW_NS	(200 * 1000 * 1000ULL)	/* 200 ms */

struct synq_listener_key {
	__be32 addr[4];		/* IPv4: addr[0], zeros after it */
	__be16 port;
	__u8 ipv6;
	__u8 pad;
};

struct synq_listener_view {
	__u64 refreshed_ns;	/* bpf_ktime_get_ns() of the last look at the socket */
	__u64 refreshed_jiffies;	/* and its jiffy: within one, no clock is read at all */
	__u32 accept_queue;	/* sk_ack_backlog */
	__u32 accept_max;	/* sk_max_ack_backlog: full when accept_queue > accept_max */
	__u32 syn_queue;	/* icsk_accept_queue.qlen */
	__u64 tight_ns;		/* when the current tight window opened */
	__u32 tight_room;	/* the accept queue's room then */
	__u32 tight_answered;	/* cookie SYN-ACKs sent in the window */
	/* --mode auto: the listener's state (SYNQ_LISTENER_*) and its history */
	__u64 state_ns;		/* when the state last changed (bpf_ktime_get_ns) */
	__u64 busy_ns;		/* the last refresh that found the listener under pressure */
	__u64 hold_ns;		/* cookies stay on this long after the pressure ends */
	__u64 cookies_until_ns;	/* cookie ACKs are taken until then */
	__u64 time_ns[2];	/* time spent in each state, up to state_ns */
	__u32 transitions;	/* changes of state */
	__u32 syns;		/* SYNs since the last refresh */
	__u8 state;
	__u8 listening;		/* the last look found a listener */
	__u8 syncookies;	/* net.ipv4.tcp_syncookies */
	__u8 sack_ok;		/* net.ipv4.tcp_sack */
	__u8 wscale_ok;		/* net.ipv4.tcp_window_scaling */
	__u8 tstamp_ok;		/* net.ipv4.tcp_timestamps != 0 */
	__u8 ecn_ok;		/* net.ipv4.tcp_ecn is 1 or 2 */
	__u8 pad;
};

/*
 * Where the views live. A SYN finds its listener's view with an array lookup:
 * slot synq_listener_slot_of(key) of the array map `synq_listener_slots`
 * (SYNQ_LISTENER_SLOTS x struct synq_listener_slot), which holds the key of the
 * listener that claimed it first. A key whose slot another key holds keeps its
 * view in the LRU hash map `synq_listeners` instead, as every view did before:
 * a hash lookup cost about a quarter of a SYN's work. Each key has one view, in
 * one of the two maps; a slot once claimed stays its key's while the maps live.
 */
#define SYNQ_LISTENER_SLOTS	4096
#define SYNQ_SLOT_EMPTY		0
#define SYNQ_SLOT_CLAIMING	1	/* being written: its key's SYNs see no view yet */
#define SYNQ_SLOT_OWNED		2

struct synq_listener_slot {
	__u32 owner;		/* SYNQ_SLOT_* */
	struct synq_listener_key key;
	struct synq_listener_view view;
};

/*
 * The slot of a key: its five 32-bit words (the address's four, then port,
 * family and pad as they lie in memory on a little-endian CPU) mixed by
 * multiplication. Read field by field: a cast to words would break C's
 * aliasing rules, and an optimising compiler reads stale words then.
 */
#define SYNQ_MIX 0x9e3779b97f4a7c15ULL	/* 2^64 / golden ratio */

static __always_inline __u32 synq_listener_slot_of(const struct synq_listener_key *k)
{
	__u64 x = (__u64)k->addr[0] * SYNQ_MIX;

	x = (x ^ k->addr[1]) * SYNQ_MIX;
	x = (x ^ k->addr[2]) * SYNQ_MIX;
	x = (x ^ k->addr[3]) * SYNQ_MIX;
	x = (x ^ ((__u32)k->port | (__u32)k->ipv6 << 16 | (__u32)k->pad << 24)) * SYNQ_MIX;
	return (__u32)(x >> 32) % SYNQ_LISTENER_SLOTS;
}

/*
 * --mode auto, per listener. KERNEL: SYNs go to the kernel. COOKIES: synq answers
 * them. KERNEL -> COOKIES as soon as the SYN queue plus the SYNs passed since the
 * last refresh reach half of what makes the kernel use its own cookies
 * (sk_max_ack_backlog): synq takes over before the kernel would. COOKIES -> KERNEL
 * once no refresh has seen pressure for hold_ns; hold_ns starts at
 * SYNQ_HOLD_NS and doubles (up to SYNQ_HOLD_MAX_NS) when the listener is switched
 * to cookies again within twice the hold. Cookie ACKs stay valid for
 * SYNQ_COOKIE_GRACE_NS after the switch back: two cookie periods, the most a
 * cookie lives. In COOKIES, pressure is a SYN rate of at least
 * synq_busy_per_ms() per millisecond, or a SYN queue still at the trigger.
 */
#define SYNQ_LISTENER_KERNEL	0
#define SYNQ_LISTENER_COOKIES	1
#define SYNQ_HOLD_NS		(2000 * 1000 * 1000ULL)		/* 2 s */
#define SYNQ_HOLD_MAX_NS	(64 * 1000 * 1000 * 1000ULL)	/* 64 s */
#define SYNQ_COOKIE_GRACE_NS	(2ULL << 36)			/* ~137 s */

static __always_inline __u32 synq_trigger(__u32 accept_max)
{
	return accept_max / 2 + 1;
}

static __always_inline __u32 synq_busy_per_ms(__u32 accept_max)
{
	return synq_trigger(accept_max) / 64 + 1;
}

/* A 128-bit SipHash key, two entries (slot 0 and 1) of the array map `synq_keys`. */
struct synq_key {
	__u64 k0;
	__u64 k1;
};

/* Protected ports: the array map `synq_ports`, 65536 entries of __u8, nonzero = protected. */
#define SYNQ_PORTS 65536

/*
 * Closing 4-tuples: the array map `synq_closing`, SYNQ_CLOSING_SLOTS x __u8.
 *
 * A client may reuse a 4-tuple the server still holds in TIME_WAIT; only the
 * kernel can recycle that socket, and only on the SYN, so such a SYN must reach
 * it. Asking the kernel for every SYN costs a lookup in its established hash (a
 * cache miss per spoofed SYN: ~30% of the SYN rate), so synq_xdp asks only for
 * tuples marked here. A tuple is marked when a FIN of a connection the kernel
 * knows arrives (every TIME_WAIT socket on the server starts with the client's
 * FIN) and when an ACK meets a TIME_WAIT socket (which restarts its timer).
 *
 * A slot holds the tag of the time counter (synq_time_counter(), ~68.7 s a step)
 * when a tuple hashing to it was last marked. The current and the previous step
 * are fresh: a mark lasts at least one full step, more than TIME_WAIT's 60 s.
 * Tags are never 0, so an empty slot is never fresh. A collision only costs a
 * socket lookup; a mark is one byte store, so CPUs marking at once lose nothing.
 */
#define SYNQ_CLOSING_SLOTS 65536

static __always_inline __u8 synq_closing_tag(__u32 time_counter)
{
	return time_counter % 255 + 1;
}

static __always_inline int synq_closing_fresh(__u8 tag, __u32 time_counter)
{
	return tag && (tag == synq_closing_tag(time_counter) ||
		       tag == synq_closing_tag(time_counter - 1));
}

/*
 * The slot of a flow: the nine words of struct synq_flow_v6 (include/synq/cookie.h),
 * with IPv4 addresses in the first word of each address and zeros after them.
 */
static __always_inline __u32 synq_closing_slot(const __u32 w[9])
{
	__u64 x = 0;

	for (int i = 0; i < 9; i++)
		x = (x ^ w[i]) * SYNQ_MIX;
	return (__u32)(x >> 48) % SYNQ_CLOSING_SLOTS;
}

/*
 * Why synq_xdp found a packet malformed: the index into the per-CPU array map
 * `synq_malformed` (SYNQ_MALFORMED_MAX x __u64). SYNs to protected ports with
 * one of the SYN reasons are dropped (and counted in syn_malformed too); packets
 * with a broken IP header or a cut TCP header are passed untouched, because the
 * kernel drops them anyway and synq cannot tell their port.
 */
enum synq_malformed {
	SYNQ_MAL_IP_HEADER,	/* passed: IP header cut short, or version/IHL/length wrong */
	SYNQ_MAL_TCP_TRUNCATED,	/* passed: less than 20 bytes of TCP header */
	SYNQ_MAL_DOFF,		/* SYN: data offset below 5 or past the segment's end */
	SYNQ_MAL_OPTIONS,	/* SYN: options cut short, length 0/1, or a wrong fixed length */
	SYNQ_MAL_FLAGS,		/* SYN with FIN or RST */
	SYNQ_MAL_IP_CSUM,	/* SYN: bad IPv4 header checksum */
	SYNQ_MAL_TCP_CSUM,	/* SYN: bad TCP checksum (a partial one from a local sender passes instead) */
	SYNQ_MALFORMED_MAX
};

/* The JSON keys of the reasons; tables built from it assert SYNQ_MALFORMED_MAX entries. */
#define SYNQ_MALFORMED_NAMES {						\
	[SYNQ_MAL_IP_HEADER] = "ip_header",				\
	[SYNQ_MAL_TCP_TRUNCATED] = "tcp_truncated",			\
	[SYNQ_MAL_DOFF] = "doff",					\
	[SYNQ_MAL_OPTIONS] = "options",					\
	[SYNQ_MAL_FLAGS] = "flags",					\
	[SYNQ_MAL_IP_CSUM] = "ip_checksum",				\
	[SYNQ_MAL_TCP_CSUM] = "tcp_checksum",				\
}

/*
 * XDP -> TC: synq_xdp puts this in front of a frame it passes (bpf_xdp_adjust_meta)
 * so synq_tc need not redo its work. `kind` says what the frame is; an ESTABLISHED
 * tag is only the first 4 bytes (constant, so GRO still merges such frames). When
 * no tag is there (a driver without metadata support), synq_tc checks for itself.
 */
#define SYNQ_META_ESTABLISHED	0x51e57ab1	/* ACK of a connection the kernel knows */
#define SYNQ_META_COOKIE	0x51c00c1e	/* final ACK with a valid cookie: fields below */

#define SYNQ_META_F_WSCALE	0x01
#define SYNQ_META_F_SACK	0x02
#define SYNQ_META_F_TSTAMP	0x04
#define SYNQ_META_F_ECN		0x08

struct synq_meta {
	__u32 kind;		/* SYNQ_META_* */
	__u32 rcv_tsval;	/* the ACK's TSval (client's clock) */
	__u32 rcv_tsecr;	/* the ACK's TSecr: our SYN-ACK's TSval */
	__u16 mss;		/* the client's MSS, from the cookie's class */
	__u8 snd_wscale;	/* the client's window scale (valid with SYNQ_META_F_WSCALE) */
	__u8 flags;		/* SYNQ_META_F_* */
};

#endif
