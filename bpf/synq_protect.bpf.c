// SPDX-License-Identifier: GPL-2.0
/*
 * synq's protection programs, one object so they share their maps:
 *
 *   synq_xdp  SYN to a protected port -> rewritten in place into a SYN-ACK whose
 *             sequence number is a cookie (include/synq/cookie.h), sent with XDP_TX.
 *             Pure ACK to a protected port -> passed if the kernel knows the
 *             connection, passed with the decoded options in XDP metadata if ack-1
 *             is a valid cookie, dropped otherwise. Everything else passes.
 *   synq_tc   TC ingress: a valid-cookie ACK is handed to the listener with
 *             bpf_sk_assign_tcp_reqsk(), so the kernel builds the connection from
 *             our cookie and queues it for accept().
 *
 * The ACK path looks the socket up first: established traffic, by far the most
 * common on a protected port, pays for one socket lookup and never for SipHash.
 * Only ACKs the kernel does not know (final ACKs of our handshakes, floods) pay
 * for the cookie check as well.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "synq_defs.bpf.h"
#include <synq/protect.h>
#include <synq/cookie.h>
#include "synq_parse.bpf.h"
#include "synq_csum.bpf.h"
#include "synq_tcpopt.bpf.h"

#define SYNACK_WINDOW		65535	/* SYN segments are never scaled; the kernel sets the real window later */
#define DEFAULT_TTL		64
#define DEFAULT_MSS4		1460
#define DEFAULT_MSS6		1440
#define MAX_L2_HLEN		(14 + 2 * 4)	/* Ethernet and two VLAN tags */

extern int bpf_sk_assign_tcp_reqsk(struct __sk_buff *skb, struct sock *sk,
				   struct bpf_tcp_req_attrs *attrs, int attrs__sz) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct synq_config);
} synq_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct synq_key);
} synq_keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SYNQ_PORTS);
	__type(key, __u32);
	__type(value, __u8);
} synq_ports SEC(".maps");

/* 4-tuples that may be in TIME_WAIT: see SYNQ_CLOSING_SLOTS in include/synq/protect.h. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SYNQ_CLOSING_SLOTS);
	__type(key, __u32);
	__type(value, __u8);
} synq_closing SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SYNQ_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} synq_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SYNQ_ERRNO_MAX);
	__type(key, __u32);
	__type(value, __u64);
} synq_handoff_errors SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SYNQ_MALFORMED_MAX);
	__type(key, __u32);
	__type(value, __u64);
} synq_malformed SEC(".maps");

/*
 * Handshakes just passed on for handoff: the client's 4-tuple and ISN, and when
 * (ktime ns). A client's request often follows its final ACK in the same receive
 * batch, and the stack runs TC ingress for a whole batch before TCP sees any of
 * it: both segments would meet only the listener, both would get a request sock,
 * and the kernel drops the second as a duplicate connection -- the request then
 * waits for a retransmission (200 ms or more). Segments of a handshake seen here
 * go to the kernel without a handoff; by the time TCP looks, the first one has
 * made the connection. Later, the same entry tells a replay of a closed
 * connection's final ACK (handoff_seen()). synq_tc keeps it, where the handoff
 * happens; only valid-cookie ACKs meeting a listener are written, so a flood
 * cannot fill it.
 */
struct handoff_key {
	struct synq_flow_v6 flow;
	__u32 isn;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct handoff_key);
	__type(value, __u64);
} synq_handoffs SEC(".maps");

/*
 * What synq_xdp last saw of each listener (struct synq_listener_view): in its
 * slot of synq_listener_slots, or, when another listener holds that slot, here.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SYNQ_LISTENER_SLOTS);
	__type(key, __u32);
	__type(value, struct synq_listener_slot);
} synq_listener_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct synq_listener_key);
	__type(value, struct synq_listener_view);
} synq_listeners SEC(".maps");

/* Far longer than a receive batch, far shorter than a retransmission timeout (200 ms). */
#define HANDOFF_FRESH_NS	(50 * 1000 * 1000ULL)

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&synq_stats, &idx);

	if (v)
		*v += 1;
}

static __always_inline void count_malformed(__u32 reason)
{
	__u64 *v = bpf_map_lookup_elem(&synq_malformed, &reason);

	if (v)
		*v += 1;
}

static __always_inline void count_handoff_error(int err)
{
	__u32 idx = err < 0 && -err < SYNQ_ERRNO_MAX ? -err : 0;
	__u64 *v;

	count(SYNQ_HANDOFF_FAILED);
	v = bpf_map_lookup_elem(&synq_handoff_errors, &idx);
	if (v)
		*v += 1;
}

static __always_inline int port_protected(__be16 port)
{
	__u32 key = bpf_ntohs(port);
	__u8 *on = bpf_map_lookup_elem(&synq_ports, &key);

	return on && *on;
}

/* Our window scale: what the SYN-ACK advertises and the handoff must repeat. */
static __always_inline __u8 our_wscale(const struct synq_config *cfg)
{
	return cfg->rcv_wscale > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : cfg->rcv_wscale;
}

/*
 * Tests only: a nonzero value stands in for the TAI clock (ns), so that a test
 * run is reproducible from its seed. The loader leaves it 0: the real clock.
 */
volatile __u64 synq_test_tai_ns;

static __always_inline __u32 time_counter(void)
{
	__u64 fixed = synq_test_tai_ns;

	return synq_time_counter(fixed ? fixed : bpf_ktime_get_tai_ns());
}

/*
 * The time counter for a new cookie, read from the clock once per jiffy and CPU.
 * Reading the TAI clock is a TSC read, ~20 ns in a VM, a tenth of a SYN's cost,
 * while the counter steps once every ~68.7 s. At a step this can be at most a
 * jiffy (1-10 ms) late, which only makes the cookie expire that much earlier:
 * a cookie stamped t - 1 and checked at t has age 1 and is valid. The check
 * keeps the exact clock, so a cookie can never look as if it came from the
 * future. 64-bit jiffies start far from 0, so the empty entry never matches.
 */
struct time_cache {
	__u64 jiffies;
	__u32 counter;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct time_cache);
} synq_time_cache SEC(".maps");

static __always_inline __u32 time_counter_cached(void)
{
	__u32 zero = 0;
	struct time_cache *c = bpf_map_lookup_elem(&synq_time_cache, &zero);
	__u64 now = bpf_jiffies64();

	if (!c || synq_test_tai_ns)	/* a test's clock changes between runs */
		return time_counter();
	if (c->jiffies != now) {
		c->counter = time_counter();
		c->jiffies = now;
	}
	return c->counter;
}

/* Copies the TCP header (h->doff bytes, checked to be 20..60) to w->buf. */
static __always_inline int load_tcp(void *ctx, int xdp, const struct synq_hdr *h,
				    struct opt_walk *w)
{
	/* A mask, not a range check: clang turns "< 20 || > 60" into arithmetic the
	 * verifier cannot follow. doff is at most 60 anyway (4 bits of words). */
	__u32 len = h->doff & 0x3c;

	if (len < sizeof(struct tcphdr))
		return -1;
	if (xdp)
		return bpf_xdp_load_bytes(ctx, h->l4_off, w->buf, len);
	return bpf_skb_load_bytes(ctx, h->l4_off, w->buf, len);
}

/*
 * load_tcp() for synq_xdp's SYNs, with plain loads: bpf_xdp_load_bytes() cost a
 * helper call and a memcpy. The parser saw the TCP header and its options in
 * the linear part (PARSE_NONLINEAR otherwise), fragments or not. l4_off is at
 * most 22 + 60: the mask only tells the verifier.
 */
static __always_inline int load_tcp_xdp(struct xdp_md *ctx, const struct synq_hdr *h,
					struct opt_walk *w)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	const __u32 *p = data + (h->l4_off & 0x7f);
	__u32 *b = (__u32 *)w->buf, n = (h->doff & 0x3c) / 4;
	int i;

	if (n < sizeof(struct tcphdr) / 4)
		return -1;
#pragma unroll
	for (i = 0; i < 15; i++) {
		if (i < n) {
			if ((void *)(p + i + 1) > data_end)
				return -1;
			b[i] = p[i];
		}
	}
	return 0;
}

/*
 * Checks the IPv4 header checksum, options included. A header without options
 * is summed in place; one with options is copied to buf (64 bytes, zeroed, and
 * zeroed again after use, because the TCP header's sum reads all of it).
 */
static __always_inline int ip4_csum_bad(struct xdp_md *ctx, const struct synq_hdr *h, __u8 *buf)
{
	__u32 len = h->ip_hlen & 0x3c;	/* as in load_tcp() */
	void *data, *data_end, *ip;
	__u64 sum;

	if (len == sizeof(struct iphdr)) {
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		ip = data + (h->l3_off & 0x1f);
		if (ip + sizeof(struct iphdr) > data_end)
			return 1;
		return csum_fold(csum_ip4_20(ip)) != 0xffff;
	}
	if (len < sizeof(struct iphdr) || bpf_xdp_load_bytes(ctx, h->l3_off, buf, len))
		return 1;
	sum = csum_buf64(buf);
	__builtin_memset(buf, 0, 64);
	return csum_fold(sum) != 0xffff;
}

/*
 * A local sender with checksum offload (loopback, a veth peer with TX offload)
 * leaves in the checksum field only the folded sum of the pseudo-header, for a
 * device to finish; the kernel trusts such a frame (CHECKSUM_PARTIAL), which
 * XDP cannot see. Such a SYN goes to the kernel: dropping it would blackhole
 * every local connection, answering it would trust a checksum nobody computed.
 */
#define SYN_PARTIAL_CSUM	(-2)

static __always_inline int csum_is_partial(const struct opt_walk *w, __u64 pseudo)
{
	return *(const __u16 *)&w->buf[16] == csum_fold(pseudo);
}

/*
 * Why a SYN must be dropped, cheapest checks first; the options come last
 * because a checksum that catches corruption explains garbage options better.
 * Returns -1 when the SYN is fine to answer (its options are then in w->o),
 * SYN_PARTIAL_CSUM when its checksum is a local sender's partial one.
 */
static __always_inline int syn_check(struct xdp_md *ctx, const struct synq_hdr *h,
				     struct opt_walk *w)
{
	__u32 doff = h->doff;
	__u64 sum, pseudo;

	if (h->flags & (TCPF_FIN | TCPF_RST))
		return SYNQ_MAL_FLAGS;
	if (doff < sizeof(struct tcphdr) || doff > h->seg_len)
		return SYNQ_MAL_DOFF;
	if (h->ipv6) {
		sum = csum_pseudo6(h->flow.saddr, h->flow.daddr, h->seg_len);
	} else {
		if (ip4_csum_bad(ctx, h, w->buf))	/* before the TCP header fills w->buf */
			return SYNQ_MAL_IP_CSUM;
		sum = csum_pseudo4(h->flow.saddr[0], h->flow.daddr[0], h->seg_len);
	}
	if (load_tcp_xdp(ctx, h, w))
		return SYNQ_MAL_DOFF;
	pseudo = sum;
	sum += csum_buf64(w->buf);	/* zero past the header */
	if (h->seg_len > doff &&
	    csum_frame_bytes(ctx, h->l4_off + doff, h->seg_len - doff, &sum))
		return SYNQ_MAL_TCP_CSUM;
	if (csum_fold(sum) != 0xffff)
		return csum_is_partial(w, pseudo) ? SYN_PARTIAL_CSUM : SYNQ_MAL_TCP_CSUM;
	if (tcpopt_parse(w, doff))
		return SYNQ_MAL_OPTIONS;
	return -1;
}

/* The IPv4 flow for the cookie, from the parsed header (raw network-order values). */
static __always_inline void flow_v4(const struct synq_hdr *h, struct synq_flow_v4 *f)
{
	f->saddr = h->flow.saddr[0];
	f->daddr = h->flow.daddr[0];
	f->sport = h->flow.sport;
	f->dport = h->flow.dport;
}

static __always_inline __u32 cookie_make(const struct synq_hdr *h, const struct synq_key *key,
					 __u32 slot, __u32 now, const struct synq_cookie_opts *ck,
					 __u32 *tsval)
{
	if (h->ipv6) {
		return synq_cookie_make_v6(key, slot, &h->flow, h->seq, now, ck, tsval);
	} else {
		struct synq_flow_v4 f;

		flow_v4(h, &f);
		return synq_cookie_make_v4(key, slot, &f, h->seq, now, ck, tsval);
	}
}

static __always_inline int cookie_check(const struct synq_hdr *h, const struct synq_key *key,
					const struct synq_opts *o, struct synq_cookie_opts *ck)
{
	__u32 now = time_counter(), cookie = h->ack_seq - 1, isn = h->seq - 1;
	int has_ts = !!(o->seen & OPT_SEEN_TS);

	if (h->ipv6) {
		return synq_cookie_check_v6(key, &h->flow, isn, cookie, now, has_ts, o->tsecr, ck);
	} else {
		struct synq_flow_v4 f;

		flow_v4(h, &f);
		return synq_cookie_check_v4(key, &f, isn, cookie, now, has_ts, o->tsecr, ck);
	}
}

/* What our SYN-ACK says besides the addresses, which come from the SYN's header. */
struct synack {
	__u32 cookie;
	__u8 ttl;
	__u8 ece;
	struct synack_opts o;
};

/* The option sysctls in force: the listener's namespace's now, or the loader's copy. */
struct synack_sysctls {
	__u8 sack_ok, wscale_ok, tstamp_ok, ecn_ok;
};

/* Options "as the kernel would answer": the client's offer ANDed with the sysctls. */
static __always_inline void synack_negotiate(const struct synq_hdr *h, const struct synq_opts *co,
					     const struct synq_config *cfg,
					     const struct synack_sysctls *sys, struct synack *s,
					     struct synq_cookie_opts *ck)
{
	__u16 ours = h->ipv6 ? cfg->mss_v6 : cfg->mss_v4;

	if (!ours)
		ours = h->ipv6 ? DEFAULT_MSS6 : DEFAULT_MSS4;
	/* An MSS option of 0 says nothing: the kernel ignores it too. */
	ck->mss = (co->seen & OPT_SEEN_MSS) && co->mss ? co->mss : 0;
	if (ck->mss > ours)
		ck->mss = ours;
	s->o.mss = ck->mss ? ck->mss : ours;
	s->o.sack = sys->sack_ok && (co->seen & OPT_SEEN_SACK_PERM);
	s->o.ts = sys->tstamp_ok && (co->seen & OPT_SEEN_TS);
	s->o.ws = sys->wscale_ok && (co->seen & OPT_SEEN_WSCALE);
	s->o.wscale = our_wscale(cfg);
	s->o.tsecr = co->tsval;
	/* As tcp_ecn_create_request(): ECE+CWR, on a SYN that is itself not ECT-marked
	 * and has no reserved bits set. */
	s->ece = sys->ecn_ok && !h->ecn_bits &&
		 (h->flags & (TCPF_ECE | TCPF_CWR)) == (TCPF_ECE | TCPF_CWR);
	s->ttl = cfg->ttl ? cfg->ttl : DEFAULT_TTL;
	ck->wscale = s->o.ws ? co->wscale : SYNQ_WSCALE_NONE;
	ck->sack_ok = s->o.sack;
	ck->ecn_ok = s->ece;
	ck->tstamp_ok = s->o.ts;
}

/* The TCP header and options of the SYN-ACK, network order; returns its length. */
static __always_inline __u32 synack_tcp(const struct synq_hdr *h, const struct synack *s,
					__be32 w[16])
{
	__u8 flags = TCPF_SYN | TCPF_ACK | (s->ece ? TCPF_ECE : 0);
	__u32 doff = 5 + tcpopt_synack(&s->o, &w[5]);
	__u64 sum;

	/* Ports and addresses swapped: we answer from the client's destination. */
	w[0] = (__u32)h->flow.dport | (__u32)h->flow.sport << 16;
	w[1] = bpf_htonl(s->cookie);
	w[2] = bpf_htonl(h->seq + 1);
	w[3] = bpf_htonl(doff << 28 | (__u32)flags << 16 | SYNACK_WINDOW);
	w[4] = 0;		/* checksum, urgent pointer */
	if (h->ipv6)
		sum = csum_pseudo6(h->flow.daddr, h->flow.saddr, doff * 4);
	else
		sum = csum_pseudo4(h->flow.daddr[0], h->flow.saddr[0], doff * 4);
	w[4] = csum_finish(sum + csum_buf64(w));	/* w is zero past the header */
	return doff * 4;
}

static __always_inline void synack_ip4(const struct synq_hdr *h, const struct synack *s,
				       __u32 tcp_len, struct iphdr *ip)
{
	ip->version = 4;
	ip->ihl = 5;		/* the SYN's IP options are not echoed */
	ip->tos = 0;
	ip->tot_len = bpf_htons(sizeof(*ip) + tcp_len);
	ip->id = 0;
	ip->frag_off = bpf_htons(IP_DF);
	ip->ttl = s->ttl;
	ip->protocol = IPPROTO_TCP;
	ip->check = 0;
	ip->saddr = h->flow.daddr[0];
	ip->daddr = h->flow.saddr[0];
	ip->check = csum_finish(csum_ip4_20(ip));
}

static __always_inline void synack_ip6(const struct synq_hdr *h, const struct synack *s,
				       __u32 tcp_len, struct ipv6hdr *ip6)
{
	*(__be32 *)ip6 = bpf_htonl(0x60000000);	/* traffic class 0 (no ECT), no flow label */
	ip6->payload_len = bpf_htons(tcp_len);
	ip6->nexthdr = IPPROTO_TCP;
	ip6->hop_limit = s->ttl;
	__builtin_memcpy(&ip6->saddr, h->flow.daddr, 16);
	__builtin_memcpy(&ip6->daddr, h->flow.saddr, 16);
}

static __always_inline void swap_macs(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
}

/*
 * Stores the SYN-ACK's TCP header words (n: 6..10, 5 options at most) at t with
 * plain stores: bpf_xdp_store_bytes() cost a helper call and a memcpy. One bound
 * check per word keeps the verifier's view simple whatever the header length.
 */
#define SYNACK_TCP_WORDS_MAX	10

static __always_inline int put_words(__be32 *t, void *data_end, const __be32 w[16], __u32 n)
{
	int i;

	if (n > SYNACK_TCP_WORDS_MAX)
		return -1;
#pragma unroll
	for (i = 0; i < SYNACK_TCP_WORDS_MAX; i++) {
		if (i < n) {
			if ((void *)(t + i + 1) > data_end)
				return -1;
			t[i] = w[i];
		}
	}
	return 0;
}

/*
 * No room to grow the frame at its end: veth copies a frame that lacks headroom
 * into a buffer rounded up to 64 bytes, so a small SYN may have 2 bytes to
 * spare. XDP always has headroom, so grow at the head and move the Ethernet
 * header and VLAN tags there (MAX_L2_HLEN bytes: the IP and TCP headers are
 * written anew after this). Returns XDP_TX when the frame has its new size,
 * XDP_PASS when it is untouched (the kernel then answers the SYN itself).
 */
static __always_inline int grow_at_head(struct xdp_md *ctx, int delta)
{
	__u8 l2[MAX_L2_HLEN];

	if (delta < 0 || bpf_xdp_load_bytes(ctx, 0, l2, sizeof(l2)) ||
	    bpf_xdp_adjust_head(ctx, -delta))
		return XDP_PASS;
	if (bpf_xdp_store_bytes(ctx, 0, l2, sizeof(l2)))
		return XDP_DROP;	/* cannot happen: the frame only grew */
	return XDP_TX;
}

/*
 * Resizes the frame to exactly the SYN-ACK and writes it. VLAN tags stay as they
 * are: the answer leaves on the VLAN the SYN came in on. A frame whose IP packet
 * ends within data_end is linear, and data_end - data is its whole length: a SYN
 * the size of its SYN-ACK (every Linux SYN without IP options) needs no
 * bpf_xdp_adjust_tail() call, a fifth of the rewrite's cost. Only a SYN whose
 * payload goes on in fragments (xdp.frags, a jumbo MTU) asks for its length;
 * shrinking it frees the fragments first. The helper invalidates packet
 * pointers, and clang may keep a stale ctx->data offset around it, so data is
 * reloaded behind a compiler barrier.
 */
static __always_inline int synack_write(struct xdp_md *ctx, const struct synq_hdr *h,
					const struct synack *s, __be32 w[16])
{
	__u32 ip_len = h->ipv6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	__u32 l3_off = h->l3_off, tcp_len, len;
	void *data, *data_end, *ip;
	int delta, ret;

	tcp_len = synack_tcp(h, s, w) & 0x3c;
	if (!tcp_len || l3_off > MAX_L2_HLEN)
		return XDP_ABORTED;
	len = ctx->data_end - ctx->data;
	if (l3_off + h->ip_hlen + h->seg_len > len)
		len = bpf_xdp_get_buff_len(ctx);
	delta = (int)(l3_off + ip_len + tcp_len) - (int)len;
	if (delta && bpf_xdp_adjust_tail(ctx, delta)) {
		ret = grow_at_head(ctx, delta);
		if (ret != XDP_TX)
			return ret;
	}
	data = (void *)(long)ctx->data;
	asm volatile("" : "+r"(data));
	data_end = (void *)(long)ctx->data_end;
	ip = data + l3_off;
	/* 40 bytes fit either way: an IPv4 SYN-ACK has 20 of IP and at least 24 of TCP. */
	if (data + sizeof(struct ethhdr) > data_end || ip + sizeof(struct ipv6hdr) > data_end)
		return XDP_ABORTED;
	swap_macs(data);
	if (h->ipv6)
		synack_ip6(h, s, tcp_len, ip);
	else
		synack_ip4(h, s, tcp_len, ip);
	if (put_words(ip + ip_len, data_end, w, tcp_len / 4))
		return XDP_ABORTED;
	return XDP_TX;
}

/*
 * The socket of the packet's 4-tuple, from the packet's point of view (saddr =
 * client). The parsed flow has the layout of bpf_sock_tuple's IPv6 half, so it
 * is the tuple itself: one less copy, and 36 bytes less stack.
 */
static __always_inline struct bpf_sock *lookup_skc(void *ctx, const struct synq_hdr *h)
{
	struct bpf_sock_tuple t;

	_Static_assert(sizeof(h->flow) == sizeof(t.ipv6), "synq_flow_v6 is not bpf_sock_tuple.ipv6");
	if (h->ipv6)
		return bpf_skc_lookup_tcp(ctx, (struct bpf_sock_tuple *)&h->flow, sizeof(t.ipv6),
					  BPF_F_CURRENT_NETNS, 0);
	t.ipv4.saddr = h->flow.saddr[0];
	t.ipv4.daddr = h->flow.daddr[0];
	t.ipv4.sport = h->flow.sport;
	t.ipv4.dport = h->flow.dport;
	return bpf_skc_lookup_tcp(ctx, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
}

/*
 * The state of the kernel's socket for this 4-tuple (established, request,
 * timewait, ...), or -1 when it has none but perhaps a listener.
 */
static __always_inline int tuple_state(void *ctx, const struct synq_hdr *h)
{
	struct bpf_sock *sk = lookup_skc(ctx, h);
	int state;

	if (!sk)
		return -1;
	state = sk->state == BPF_TCP_LISTEN ? -1 : (int)sk->state;
	bpf_sk_release(sk);
	return state;
}

static __always_inline __u8 *closing_slot(const struct synq_hdr *h)
{
	__u32 slot = synq_closing_slot((const __u32 *)&h->flow);

	_Static_assert(sizeof(h->flow) == 9 * sizeof(__u32), "synq_flow_v6 is nine words");

	return bpf_map_lookup_elem(&synq_closing, &slot);
}

static __always_inline void closing_mark(const struct synq_hdr *h)
{
	__u8 tag = synq_closing_tag(time_counter_cached()), *v = closing_slot(h);

	if (v && *v != tag)	/* no store, no cache line bouncing, when it is marked */
		*v = tag;
}

/* May the kernel still hold this 4-tuple in TIME_WAIT? Then it must see the SYN. */
static __always_inline int closing_fresh(const struct synq_hdr *h, __u32 now)
{
	__u8 *v = closing_slot(h);

	return v && synq_closing_fresh(*v, now);
}

/* A FIN of a connection the kernel knows: the tuple may go to TIME_WAIT. */
static __always_inline void note_fin(void *ctx, const struct synq_hdr *h)
{
	if (tuple_state(ctx, h) >= 0)
		closing_mark(h);
}

/*
 * The listener's view (struct synq_listener_view). The SYN's own tuple finds the
 * listener, as the kernel's lookup would; anything else it finds (a TIME_WAIT
 * socket) leaves the view empty until the next refresh.
 */
static __always_inline struct sock *listener_of(struct bpf_sock *skc)
{
	struct tcp_sock *tp;

	if (skc->state != BPF_TCP_LISTEN)
		return NULL;
	tp = bpf_skc_to_tcp_sock(skc);
	return tp ? &tp->inet_conn.icsk_inet.sk : NULL;
}

static __always_inline int accept_queue_full(const struct sock *sk)
{
	return sk->sk_ack_backlog > sk->sk_max_ack_backlog;	/* as sk_acceptq_is_full() */
}

static __always_inline __u8 ecn_allowed(__u8 tcp_ecn)
{
	return tcp_ecn == 1 || tcp_ecn == 2;
}

static __always_inline void view_read(const struct sock *sk, struct synq_listener_view *v)
{
	const struct inet_connection_sock *icsk = (const void *)sk;
	const struct net *net = sk->__sk_common.skc_net.net;

	v->listening = 1;
	v->accept_queue = sk->sk_ack_backlog;
	v->accept_max = sk->sk_max_ack_backlog;
	v->syn_queue = icsk->icsk_accept_queue.qlen.counter;
	v->syncookies = net->ipv4.sysctl_tcp_syncookies;
	v->sack_ok = !!net->ipv4.sysctl_tcp_sack;
	v->wscale_ok = !!net->ipv4.sysctl_tcp_window_scaling;
	v->tstamp_ok = !!net->ipv4.sysctl_tcp_timestamps;
	v->ecn_ok = ecn_allowed(net->ipv4.sysctl_tcp_ecn);
}

static __always_inline void switch_state(struct synq_listener_view *v, __u8 to, __u64 now)
{
	v->time_ns[v->state & 1] += now - v->state_ns;
	v->state = to;
	v->state_ns = now;
	v->transitions++;
	count(to == SYNQ_LISTENER_COOKIES ? SYNQ_SWITCHED_TO_COOKIES : SYNQ_SWITCHED_TO_KERNEL);
}

/* --mode auto, KERNEL: cookies before the kernel's own trigger (see SYNQ_LISTENER_*). */
static __always_inline void auto_to_cookies(struct synq_listener_view *v, __u64 now)
{
	if (v->syn_queue + v->syns < synq_trigger(v->accept_max))
		return;
	/* Pressure again soon after the last one: hold the cookies longer. */
	if (v->transitions && now - v->state_ns < 2 * v->hold_ns)
		v->hold_ns = v->hold_ns * 2 > SYNQ_HOLD_MAX_NS ? SYNQ_HOLD_MAX_NS : v->hold_ns * 2;
	else
		v->hold_ns = SYNQ_HOLD_NS;
	v->busy_ns = now;
	switch_state(v, SYNQ_LISTENER_COOKIES, now);
}

/* --mode auto, COOKIES, at a refresh: is the pressure over, and for how long? */
static __always_inline void auto_to_kernel(struct synq_listener_view *v, __u64 now, __u64 window)
{
	if ((__u64)v->syns * SYNQ_VIEW_FRESH_NS >= synq_busy_per_ms(v->accept_max) * window ||
	    v->syn_queue >= synq_trigger(v->accept_max))
		v->busy_ns = now;
	else if (now - v->busy_ns >= v->hold_ns) {
		v->cookies_until_ns = now + SYNQ_COOKIE_GRACE_NS;
		switch_state(v, SYNQ_LISTENER_KERNEL, now);
	}
}

static __always_inline void view_key(const struct synq_hdr *h, struct synq_listener_key *k)
{
	__builtin_memcpy(k->addr, h->flow.daddr, sizeof(k->addr));
	k->port = h->flow.dport;
	k->ipv6 = h->ipv6;
	k->pad = 0;
}

static __always_inline int view_key_eq(const struct synq_listener_key *a,
				       const struct synq_listener_key *b)
{
	return a->addr[0] == b->addr[0] && a->addr[1] == b->addr[1] &&
	       a->addr[2] == b->addr[2] && a->addr[3] == b->addr[3] &&
	       a->port == b->port && a->ipv6 == b->ipv6 && a->pad == b->pad;
}

static __always_inline struct synq_listener_slot *view_slot(const struct synq_listener_key *k)
{
	__u32 idx = synq_listener_slot_of(k);

	return bpf_map_lookup_elem(&synq_listener_slots, &idx);
}

/* The view of an ACK's listener, if synq_xdp keeps one; no view is made here. */
static __always_inline struct synq_listener_view *view_lookup(const struct synq_hdr *h)
{
	struct synq_listener_key k;
	struct synq_listener_slot *s;

	view_key(h, &k);
	s = view_slot(&k);
	if (s && s->owner == SYNQ_SLOT_OWNED && view_key_eq(&s->key, &k))
		return &s->view;
	return bpf_map_lookup_elem(&synq_listeners, &k);
}

/*
 * Claims an empty slot for k. Two CPUs may claim one slot at once; the key
 * written last keeps it, and the other key finds its view in the hash from its
 * next SYN on. A view that new holds nothing worth keeping yet.
 */
static __always_inline struct synq_listener_view *view_claim(struct synq_listener_slot *s,
							     const struct synq_listener_key *k)
{
	s->owner = SYNQ_SLOT_CLAIMING;
	__builtin_memcpy(&s->key, k, sizeof(*k));
	__builtin_memset(&s->view, 0, sizeof(s->view));
	s->view.state_ns = bpf_ktime_get_ns();
	asm volatile("" ::: "memory");	/* the key and view before the owner */
	s->owner = SYNQ_SLOT_OWNED;
	return &s->view;
}

/* The view of k in the hash (a key whose slot another key holds), made if new. */
static __always_inline struct synq_listener_view *view_hashed(const struct synq_listener_key *k)
{
	static const struct synq_listener_view empty;
	struct synq_listener_view *v = bpf_map_lookup_elem(&synq_listeners, k);

	if (v)
		return v;
	bpf_map_update_elem(&synq_listeners, k, &empty, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&synq_listeners, k);
	if (v)
		v->state_ns = bpf_ktime_get_ns();
	return v;
}

/*
 * The view of the SYN's listener, made if new: NULL only when the maps cannot
 * take it, or while another CPU is writing its slot.
 */
static __always_inline struct synq_listener_view *view_find(const struct synq_listener_key *k)
{
	struct synq_listener_slot *s = view_slot(k);
	__u32 owner;

	if (!s)
		return NULL;
	owner = s->owner;
	if (owner == SYNQ_SLOT_OWNED)
		return view_key_eq(&s->key, k) ? &s->view : view_hashed(k);
	if (owner == SYNQ_SLOT_EMPTY)
		return view_claim(s, k);
	return NULL;	/* SYNQ_SLOT_CLAIMING */
}

/*
 * The view of the SYN's listener, refreshed in place if it is stale (and the
 * auto state stepped); NULL as view_find() says. Refreshed in the map itself: a
 * copy on the stack would not fit beside the SYN path's.
 */
static __always_inline struct synq_listener_view *listener_view(struct xdp_md *ctx,
								const struct synq_hdr *h,
								int is_auto,
								struct synq_listener_key *k)
{
	struct synq_listener_view *v;
	__u64 jiffies = bpf_jiffies64(), now, window;
	struct bpf_sock *skc;
	struct sock *sk;

	view_key(h, k);
	v = view_find(k);
	if (!v)
		return NULL;
	if (v->refreshed_jiffies == jiffies)
		return v;	/* the common case under a flood: no clock read */
	now = bpf_ktime_get_ns();
	window = now - v->refreshed_ns;
	if (window < SYNQ_VIEW_FRESH_NS)
		return v;
	v->refreshed_ns = now;
	v->refreshed_jiffies = jiffies;
	v->listening = 0;
	skc = lookup_skc(ctx, h);
	if (skc) {
		sk = listener_of(skc);
		if (sk)
			view_read(sk, v);
		bpf_sk_release(skc);
	}
	if (is_auto && v->listening && v->state == SYNQ_LISTENER_COOKIES)
		auto_to_kernel(v, now, window);
	v->syns = 0;
	return v;
}

/*
 * --mode auto: does the kernel answer this SYN? Yes while its listener is
 * healthy (every kernel behaviour stays: SYN-ACK retransmits, Fast Open,
 * challenge ACKs), and when nobody listens (the kernel's RST); never with
 * tcp_syncookies=2, where the kernel would answer every SYN with a cookie.
 */
static __always_inline int auto_kernel_answers(struct synq_listener_view *v)
{
	__u64 now;

	if (!v->listening)
		return 1;
	/* tcp_syncookies=2: the kernel itself answers every SYN with a cookie. */
	if (v->syncookies == 2)
		return 0;
	if (v->state == SYNQ_LISTENER_COOKIES) {
		v->syns++;	/* the rate that keeps the cookies on; a lost count is harmless */
		return 0;
	}
	__sync_fetch_and_add(&v->syns, 1);	/* exact: it decides the switch */
	now = bpf_ktime_get_ns();
	auto_to_cookies(v, now);
	return v->state == SYNQ_LISTENER_KERNEL;
}

/*
 * A nearly full listener's budget window (SYNQ_TIGHT_ROOM): opens a new one when
 * the last is over. 0 when the listener has room to spare (nothing is counted
 * then) or its accept queue is full, 1 when the window counts this SYN.
 */
static __always_inline int tight_window(struct synq_listener_view *v)
{
	__u32 room = v->accept_max + 1 - v->accept_queue;
	__u64 now;

	if (v->accept_queue > v->accept_max || room > SYNQ_TIGHT_ROOM)
		return 0;
	now = bpf_ktime_get_ns();
	if (now - v->tight_ns >= SYNQ_TIGHT_WINDOW_NS) {
		v->tight_ns = now;
		v->tight_room = room;
		v->tight_answered = 0;
	}
	return 1;
}

/*
 * Takes one answer from a nearly full listener's budget; 0 when none is left.
 * The caller saw the accept queue not full. Listeners with room to spare pay
 * nothing here.
 */
static __always_inline int tight_room_left(struct synq_listener_view *v)
{
	if (!tight_window(v))
		return 1;
	if (v->tight_answered >= v->tight_room)
		return 0;
	__sync_fetch_and_add(&v->tight_answered, 1);
	return 1;
}

/*
 * --mode auto: a SYN the kernel answers takes a place in the accept queue too,
 * and the view (a jiffy old) may not show it yet. Counting it in the budget
 * keeps the cookie SYN-ACKs sent right after a switch within the room: a burst
 * that switches a small listener would otherwise get one cookie too many per
 * SYN the kernel took, and that cookie's final ACK would find the queue full.
 */
static __always_inline void tight_charge_kernel(struct synq_listener_view *v)
{
	if (v->listening && tight_window(v))
		__sync_fetch_and_add(&v->tight_answered, 1);
}

/*
 * What the listener's state asks of a SYN before synq answers it: -1 to answer
 * (with *sys the option sysctls in force), or the verdict.
 */
__noinline int synq_xdp_syn_listener(struct xdp_md *ctx, const struct synq_hdr *h,
				     struct synack_sysctls *sys, struct synq_listener_key *scratch)
{
	struct synq_listener_view *v;
	struct synq_config *cfg;
	__u32 zero = 0;
	int is_auto;

	if (!ctx || !h || !sys || !scratch)
		return XDP_PASS;
	cfg = bpf_map_lookup_elem(&synq_config, &zero);
	if (!cfg)
		return XDP_PASS;
	is_auto = cfg->mode == SYNQ_MODE_AUTO;
	v = listener_view(ctx, h, is_auto, scratch);
	if (is_auto && (!v || auto_kernel_answers(v))) {
		if (v)
			tight_charge_kernel(v);
		count(SYNQ_SYN_PASSED_HEALTHY);
		return XDP_PASS;
	}
	if (!v || !v->listening) {
		/* Nobody listens (or not yet visible): the loader's copy of the sysctls. */
		sys->sack_ok = cfg->sack_ok;
		sys->wscale_ok = cfg->wscale_ok;
		sys->tstamp_ok = cfg->tstamp_ok;
		sys->ecn_ok = cfg->ecn_ok;
		return -1;
	}
	/* With tcp_syncookies=0 the kernel would build no connection from a cookie. */
	if (!v->syncookies) {
		count(SYNQ_SYN_PASSED_SYNCOOKIES_OFF);
		return XDP_PASS;
	}
	/* As tcp_conn_request(): no room to accept, no answer; the client retries. */
	if (v->accept_queue > v->accept_max || !tight_room_left(v)) {
		count(SYNQ_SYN_DROPPED_ACCEPT_FULL);
		return XDP_DROP;
	}
	sys->sack_ok = v->sack_ok;
	sys->wscale_ok = v->wscale_ok;
	sys->tstamp_ok = v->tstamp_ok;
	sys->ecn_ok = v->ecn_ok;
	return -1;
}

/*
 * --mode auto: may this ACK carry one of our cookies? Only while its listener
 * takes cookies, or within two cookie periods after it stopped: with none
 * outstanding, a cookie ACK is a replay or a forgery, and the kernel answers it
 * as it answers any stray ACK (a RST).
 */
static __always_inline int cookies_outstanding(const struct synq_hdr *h)
{
	struct synq_config *cfg;
	struct synq_listener_view *v;
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&synq_config, &zero);
	if (!cfg || cfg->mode != SYNQ_MODE_AUTO)
		return 1;
	v = view_lookup(h);
	return v && (v->state == SYNQ_LISTENER_COOKIES || v->syncookies == 2 ||
		     (__s64)(v->cookies_until_ns - bpf_ktime_get_ns()) > 0);
}

/*
 * The SYN and ACK work lives in global functions: the verifier checks each once,
 * with unknown header values, instead of once per parser outcome (VLAN depth,
 * family, IP header length), which brought it close to its instruction limit.
 * So every value from *h is bounds checked again where it matters.
 */
__noinline int synq_xdp_syn(struct xdp_md *ctx, const struct synq_hdr *h)
{
	struct synack_sysctls sys = {};
	struct synq_cookie_opts ck = {};
	struct synq_config *cfg;
	struct opt_walk w = {};
	struct synack s = {};
	struct synq_key *key;
	__u32 zero = 0, slot, now;
	int reason, ret;

	if (!ctx || !h)
		return XDP_ABORTED;
	count(SYNQ_SYN_RECEIVED);
	reason = syn_check(ctx, h, &w);
	if (reason == SYN_PARTIAL_CSUM) {
		count(SYNQ_SYN_PASSED_PARTIAL_CSUM);
		return XDP_PASS;
	}
	if (reason >= 0) {
		count(SYNQ_SYN_MALFORMED);
		count_malformed(reason);
		return XDP_DROP;
	}
	/*
	 * A SYN for a 4-tuple the kernel still holds in TIME_WAIT is the kernel's to
	 * answer: only the SYN itself recycles that socket (tcp_timewait_state_process).
	 * After a cookie SYN-ACK the client's final ACK would meet the TIME_WAIT
	 * socket, not the listener, and the new connection would hang. Only tuples
	 * marked as closing pay for the socket lookup (see synq_closing).
	 */
	now = time_counter_cached();	/* once: the closing check and the cookie */
	if (closing_fresh(h, now) && tuple_state(ctx, h) >= 0) {
		count(SYNQ_SYN_PASSED_EXISTING);
		return XDP_PASS;
	}
	/* The SYN's header is checked: its buffer is the key's scratch (stack is short). */
	ret = synq_xdp_syn_listener(ctx, h, &sys, (struct synq_listener_key *)w.buf);
	if (ret >= 0)
		return ret;
	cfg = bpf_map_lookup_elem(&synq_config, &zero);
	if (!cfg)
		return XDP_PASS;
	slot = cfg->key_slot & 1;
	key = bpf_map_lookup_elem(&synq_keys, &slot);
	if (!key)
		return XDP_PASS;
	synack_negotiate(h, &w.o, cfg, &sys, &s, &ck);
	s.cookie = cookie_make(h, key, slot, now, &ck, &s.o.tsval);
	/* The SYN's header has been parsed: its buffer now holds the SYN-ACK's. */
	__builtin_memset(w.buf, 0, sizeof(w.buf));
	ret = synack_write(ctx, h, &s, (__be32 *)w.buf);
	if (ret == XDP_TX)
		count(SYNQ_SYNACK_SENT);
	return ret;
}

/*
 * Checks a pure ACK's cookie (ack - 1) and fills *m for synq_tc. Returns 0, or
 * nonzero for a bad data offset, garbage options, a missing key or a bad cookie.
 */
static __always_inline int ack_cookie(void *ctx, int xdp, const struct synq_hdr *h,
				      struct synq_meta *m)
{
	struct synq_cookie_opts ck = {};
	struct opt_walk w = {};
	struct synq_key *key;
	__u32 slot;
	int err;

	if (h->doff < sizeof(struct tcphdr) || h->doff > h->seg_len)
		return -1;
	if (h->doff > sizeof(struct tcphdr) &&
	    (load_tcp(ctx, xdp, h, &w) || tcpopt_parse(&w, h->doff)))
		return -1;
	slot = synq_cookie_slot(h->ack_seq - 1);
	key = bpf_map_lookup_elem(&synq_keys, &slot);
	if (!key)
		return -1;
	err = cookie_check(h, key, &w.o, &ck);
	if (err)
		return err;
	m->kind = SYNQ_META_COOKIE;
	m->rcv_tsval = w.o.tsval;
	m->rcv_tsecr = w.o.tsecr;
	m->mss = ck.mss;
	m->snd_wscale = ck.wscale == SYNQ_WSCALE_NONE ? 0 : ck.wscale;
	m->flags = (ck.wscale != SYNQ_WSCALE_NONE ? SYNQ_META_F_WSCALE : 0) |
		   (ck.sack_ok ? SYNQ_META_F_SACK : 0) |
		   (ck.tstamp_ok ? SYNQ_META_F_TSTAMP : 0) |
		   (ck.ecn_ok ? SYNQ_META_F_ECN : 0);
	return 0;
}

__noinline int synq_tc_ack_cookie(struct __sk_buff *skb, const struct synq_hdr *h,
				  struct synq_meta *m)
{
	if (!skb || !h || !m)
		return -1;
	return ack_cookie(skb, 0, h, m);
}

/* What synq_handoffs says of a valid cookie ACK that meets the listener. */
enum handoff_seen {
	HANDOFF_NEW,		/* recorded now: hand it off */
	HANDOFF_PENDING,	/* handed off a moment ago, in the same receive batch */
	HANDOFF_REPLAYED,	/* handed off, and its connection has closed since */
};

/*
 * Was this handshake handed off before? Within HANDOFF_FRESH_NS this is another
 * segment of its receive batch: the first one makes the connection. Later, once
 * a FIN of that connection has marked the tuple closing (synq_closing, fresh
 * longer than any cookie lives), it is a replay: the connection is gone, the
 * kernel alone would answer a RST, and a handoff would open an empty connection
 * from the client's address. Costs nothing new: the entry is written at every
 * handoff anyway. It remembers the last 65536 handoffs; without the mark (the
 * connection never came about, or ended with a RST) the ACK is handed off again.
 * IPv4 flows have zeros in the unused address words.
 */
static __always_inline enum handoff_seen handoff_seen(const struct synq_hdr *h)
{
	struct handoff_key k = { .isn = h->seq - 1 };
	__u64 now = bpf_ktime_get_ns(), *seen;

	__builtin_memcpy(&k.flow, &h->flow, sizeof(k.flow));
	seen = bpf_map_lookup_elem(&synq_handoffs, &k);
	if (seen && now - *seen < HANDOFF_FRESH_NS)
		return HANDOFF_PENDING;
	if (seen && closing_fresh(h, time_counter_cached()))
		return HANDOFF_REPLAYED;
	bpf_map_update_elem(&synq_handoffs, &k, &now, BPF_ANY);
	return HANDOFF_NEW;
}

/* Metadata for synq_tc in front of the frame; without room there is none (TC copes). */
static __always_inline void meta_put(struct xdp_md *ctx, const struct synq_meta *m)
{
	void *meta, *data;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)))
		return;
	meta = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	if (meta + sizeof(*m) <= data)
		*(struct synq_meta *)meta = *m;
}

/* Only the kind: what an established ACK needs, 4 bytes, the same on every frame. */
static __always_inline void meta_put_kind(struct xdp_md *ctx, __u32 kind)
{
	void *meta, *data;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(kind)))
		return;
	meta = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	if (meta + sizeof(kind) <= data)
		*(__u32 *)meta = kind;
}

/*
 * An ACK the kernel does not know: a valid cookie passes with its options for
 * synq_tc; with no cookie outstanding, the kernel answers it.
 */
__noinline int synq_xdp_ack_unknown(struct xdp_md *ctx, const struct synq_hdr *h)
{
	struct synq_meta m = {};

	if (ctx && h && !cookies_outstanding(h)) {
		count(SYNQ_ACK_PASSED_NO_COOKIES);
		meta_put_kind(ctx, SYNQ_META_ESTABLISHED);	/* synq_tc: hands off nothing */
		return XDP_PASS;
	}
	if (!ctx || !h || ack_cookie(ctx, 1, h, &m)) {
		count(SYNQ_ACK_COOKIE_INVALID);
		return XDP_DROP;
	}
	count(SYNQ_ACK_COOKIE_VALID);
	meta_put(ctx, &m);
	return XDP_PASS;
}

static __always_inline int handle_ack(struct xdp_md *ctx, const struct synq_hdr *h)
{
	int state = tuple_state(ctx, h);

	if (state >= 0) {
		if (state == BPF_TCP_TIME_WAIT)
			closing_mark(h);	/* the ACK restarts its 60 s */
		count(SYNQ_ACK_ESTABLISHED);
		meta_put_kind(ctx, SYNQ_META_ESTABLISHED);
		return XDP_PASS;
	}
	return synq_xdp_ack_unknown(ctx, h);
}

/* Counts what synq_parse() gave up on; returns nonzero unless the packet is TCP. */
static __always_inline int parse_counted(const struct synq_frame *f, struct synq_hdr *h)
{
	switch (synq_parse(f, h)) {
	case PARSE_TCP:
		return 0;
	case PARSE_FRAGMENT:
		count(SYNQ_PASSED_FRAGMENT);
		break;
	case PARSE_IPV6_EXT:
		count(SYNQ_PASSED_IPV6_EXT);
		break;
	case PARSE_BAD_IP:
		count_malformed(SYNQ_MAL_IP_HEADER);
		break;
	case PARSE_TCP_TRUNCATED:
		count_malformed(SYNQ_MAL_TCP_TRUNCATED);
		break;
	case PARSE_NONLINEAR:
		count(SYNQ_PASSED_NONLINEAR);
		break;
	default:
		count(SYNQ_PASSED_NOT_TCP);
		break;
	}
	return 1;
}

/*
 * Frags-aware, but declared plain "xdp": the loader adds BPF_F_XDP_HAS_FRAGS
 * for native mode only, so a jumbo MTU stays native (loader.c says why generic
 * mode must not have it; libbpf would force it on an "xdp.frags" section).
 */
SEC("xdp")
int synq_xdp(struct xdp_md *ctx)
{
	struct synq_frame f = { .data = (void *)(long)ctx->data,
				.data_end = (void *)(long)ctx->data_end,
				.len = bpf_xdp_get_buff_len(ctx) };
	struct synq_hdr h = {};
	__u8 kind;

	if (parse_counted(&f, &h))
		return XDP_PASS;
	if (!port_protected(h.flow.dport)) {
		count(SYNQ_PASSED_UNPROTECTED);
		return XDP_PASS;
	}
	kind = h.flags & (TCPF_SYN | TCPF_ACK | TCPF_RST | TCPF_FIN);
	if ((kind & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN)
		return synq_xdp_syn(ctx, &h);
	if (kind == TCPF_ACK)
		return handle_ack(ctx, &h);
	if ((kind & (TCPF_SYN | TCPF_RST | TCPF_FIN)) == TCPF_FIN)
		note_fin(ctx, &h);
	/* RST, FIN, SYN-ACK, no flags: the kernel's business. */
	return XDP_PASS;
}

/* Reads synq_xdp's tag. Returns its kind, or 0 when there is none. */
static __always_inline __u32 meta_get(struct __sk_buff *skb, struct synq_meta *m)
{
	void *meta = (void *)(long)skb->data_meta, *data = (void *)(long)skb->data;
	__u32 kind;

	if (meta + sizeof(__u32) > data)
		return 0;
	kind = *(__u32 *)meta;
	if (kind == SYNQ_META_COOKIE) {
		if (meta + sizeof(*m) > data)
			return 0;
		*m = *(struct synq_meta *)meta;
	}
	return kind;
}

/*
 * Hands a valid cookie ACK to its listener, as the kernel's own cookie check
 * would take it, and returns synq_tc's verdict. The kernel drops a final ACK
 * that finds the accept queue full (tcp_abort_on_overflow=0); so does synq,
 * before any handoff, and the client's retransmission tries again. With
 * tcp_syncookies=0 the kernel ignores the request a handoff makes and resets
 * the client: the ACK goes to the kernel as it is, which answers it as it
 * answers any stray ACK. So does a replay of a closed connection's final ACK
 * (handoff_seen()). Options the sysctls now forbid are left out, as the kernel
 * would not accept them.
 */
static __always_inline int handoff(struct __sk_buff *skb, struct bpf_sock *skc,
				   const struct synq_hdr *h, const struct synq_meta *m)
{
	struct bpf_tcp_req_attrs attrs = {};
	struct synq_config *cfg;
	const struct net *net;
	struct sock *sk;
	__u32 zero = 0;
	int err;

	cfg = bpf_map_lookup_elem(&synq_config, &zero);
	sk = listener_of(skc);
	if (!cfg || !sk) {
		count_handoff_error(-ESOCKTNOSUPPORT);
		return TC_ACT_OK;
	}
	net = sk->__sk_common.skc_net.net;
	if (!net->ipv4.sysctl_tcp_syncookies) {
		count(SYNQ_ACK_PASSED_SYNCOOKIES_OFF);
		return TC_ACT_OK;
	}
	if (accept_queue_full(sk)) {
		count(SYNQ_ACK_DROPPED_ACCEPT_FULL);
		return TC_ACT_SHOT;
	}
	switch (handoff_seen(h)) {
	case HANDOFF_PENDING:
		return TC_ACT_OK;
	case HANDOFF_REPLAYED:
		count(SYNQ_ACK_PASSED_REPLAYED);	/* the kernel answers it: a RST */
		return TC_ACT_OK;
	case HANDOFF_NEW:
		break;
	}
	attrs.rcv_tsval = m->rcv_tsval;
	attrs.rcv_tsecr = m->rcv_tsecr;
	attrs.mss = m->mss;
	attrs.wscale_ok = (m->flags & SYNQ_META_F_WSCALE) && net->ipv4.sysctl_tcp_window_scaling;
	attrs.snd_wscale = attrs.wscale_ok ? m->snd_wscale : 0;
	attrs.rcv_wscale = attrs.wscale_ok ? our_wscale(cfg) : 0;
	attrs.sack_ok = (m->flags & SYNQ_META_F_SACK) && net->ipv4.sysctl_tcp_sack;
	attrs.tstamp_ok = (m->flags & SYNQ_META_F_TSTAMP) && net->ipv4.sysctl_tcp_timestamps;
	attrs.ecn_ok = (m->flags & SYNQ_META_F_ECN) && ecn_allowed(net->ipv4.sysctl_tcp_ecn);
	attrs.usec_ts_ok = 0;
	err = bpf_sk_assign_tcp_reqsk(skb, sk, &attrs, sizeof(attrs));
	if (err)
		count_handoff_error(err);
	else
		count(SYNQ_HANDOFF_OK);
	return TC_ACT_OK;
}

SEC("tc")
int synq_tc(struct __sk_buff *skb)
{
	struct synq_frame f = { .data = (void *)(long)skb->data,
				.data_end = (void *)(long)skb->data_end, .len = skb->len };
	struct synq_meta m = {};
	struct synq_hdr h = {};
	struct bpf_sock *skc;
	__u32 kind;
	int verdict;

	kind = meta_get(skb, &m);
	if (kind == SYNQ_META_ESTABLISHED)
		return TC_ACT_OK;
	if (synq_parse(&f, &h) != PARSE_TCP ||
	    (h.flags & (TCPF_SYN | TCPF_ACK | TCPF_RST | TCPF_FIN)) != TCPF_ACK ||
	    !port_protected(h.flow.dport))
		return TC_ACT_OK;
	skc = lookup_skc(skb, &h);
	if (!skc) {
		if (kind == SYNQ_META_COOKIE)
			count_handoff_error(-ENOENT);	/* a valid cookie, but nobody listens */
		return TC_ACT_OK;
	}
	/* Without synq_xdp's tag (no metadata on this path), check for ourselves. */
	if (skc->state != BPF_TCP_LISTEN ||
	    (kind != SYNQ_META_COOKIE && synq_tc_ack_cookie(skb, &h, &m))) {
		bpf_sk_release(skc);
		return TC_ACT_OK;
	}
	verdict = handoff(skb, skc, &h, &m);
	bpf_sk_release(skc);
	return verdict;
}

char LICENSE[] SEC("license") = "GPL";
