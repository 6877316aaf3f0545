// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP programs `synq bench` and the flood tests measure with, not for protecting:
 *
 * synq_reflect  turns every SYN into a SYN-ACK in place and sends it back with
 *               XDP_TX: addresses and ports swapped, ACK = ISN + 1, checksum
 *               patched incrementally. No cookie, no lookups: the fastest any
 *               SYN-ACK responder can be on this machine, the ceiling `synq bench`
 *               compares against.
 * synq_drop     drops everything: the fastest receiver, to measure a generator.
 * synq_gen      the minimal live-frames generator, the ceiling `synq bench` holds
 *               synq flood against: copies a 54-byte IPv4 SYN template, puts
 *               random bits into the source address, port and sequence number and
 *               adds them to both checksums. Nothing else.
 * synq_count    counts TCP frames by kind (SYN, SYN-ACK, RST, other) with the time
 *               of the first and last one, then drops them (or passes them, for a
 *               capture). Frames that are not TCP, or not to the watched IPv4
 *               prefix, pass untouched so ARP and neighbour discovery keep working.
 *
 * The program that passes everything is bpf/synq_pass.bpf.c, the one attach uses.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "synq_defs.bpf.h"
#include "synq/bench_count.h"

const volatile __u8 count_pass;		/* pass counted frames instead of dropping them */
const volatile __u8 count_untimed;	/* skip the timestamps: the bench's cheap drop at the hook */
const volatile __u32 watch_net;		/* IPv4 destination prefix to count (network order) */
const volatile __u32 watch_mask;	/* 0: count every TCP frame */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_count);
} synq_counts SEC(".maps");

/* Finds the TCP header; returns NULL for anything else. *daddr4 gets an IPv4 destination. */
static __always_inline struct tcphdr *find_tcp(void *data, void *end, __u32 *daddr4, bool *v6)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return NULL;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_TCP || ip->ihl != 5)
			return NULL;
		*daddr4 = ip->daddr;
		*v6 = false;
		return (void *)(ip + 1);
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_TCP)
			return NULL;
		*v6 = true;
		return (void *)(ip6 + 1);
	}
	return NULL;
}

SEC("xdp")
int synq_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 daddr = 0, zero = 0;
	struct bench_count *c;
	struct tcphdr *t;
	bool v6 = false;
	__u8 flags;
	__u64 now;

	t = find_tcp(data, end, &daddr, &v6);
	if (!t || (void *)(t + 1) > end)
		return XDP_PASS;
	if (watch_mask && (v6 || (daddr & watch_mask) != watch_net))
		return XDP_PASS;
	c = bpf_map_lookup_elem(&synq_counts, &zero);
	if (!c)
		return XDP_PASS;
	flags = ((__u8 *)t)[13];
	if ((flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN)
		c->syn++;
	else if ((flags & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK))
		c->synack++;
	else if (flags & TCPF_RST)
		c->rst++;
	else
		c->other++;
	if (count_untimed)
		return count_pass ? XDP_PASS : XDP_DROP;
	now = bpf_ktime_get_ns();
	if (!c->first_ns)
		c->first_ns = now;
	c->last_ns = now;
	return count_pass ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int synq_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

/* RFC 1624: replace 16-bit word old by new in a checksum. */
static __always_inline void csum_replace(__u16 *sum, __u16 old, __u16 new)
{
	__u32 s = (__u16)~*sum + (__u16)~old + new;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	*sum = ~s;
}

static __always_inline void swap_eth(struct ethhdr *eth)
{
	__u8 tmp[6];

	__builtin_memcpy(tmp, eth->h_source, 6);
	__builtin_memcpy(eth->h_source, eth->h_dest, 6);
	__builtin_memcpy(eth->h_dest, tmp, 6);
}

SEC("xdp")
int synq_reflect(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 daddr = 0, seq, ack;
	struct tcphdr *t;
	__u16 old_flags;
	bool v6 = false;

	t = find_tcp(data, end, &daddr, &v6);
	if (!t || (void *)(t + 1) > end)
		return XDP_PASS;
	if ((((__u8 *)t)[13] & (TCPF_SYN | TCPF_ACK | TCPF_RST)) != TCPF_SYN)
		return XDP_PASS;
	swap_eth(data);
	/* swapping addresses and ports leaves every checksum as it is */
	if (v6) {
		struct ipv6hdr *ip6 = data + sizeof(struct ethhdr);
		struct in6_addr a = ip6->saddr;

		ip6->saddr = ip6->daddr;
		ip6->daddr = a;
	} else {
		struct iphdr *ip = data + sizeof(struct ethhdr);
		__u32 src = ip->saddr;

		ip->saddr = daddr;
		ip->daddr = src;
	}
	__u16 port = t->source;
	t->source = t->dest;
	t->dest = port;

	old_flags = ((__u16 *)t)[6];
	((__u8 *)t)[13] = TCPF_SYN | TCPF_ACK;
	csum_replace(&t->check, old_flags, ((__u16 *)t)[6]);
	seq = t->seq;
	ack = t->ack_seq;
	t->ack_seq = bpf_htonl(bpf_ntohl(seq) + 1);
	csum_replace(&t->check, (__u16)ack, (__u16)t->ack_seq);
	csum_replace(&t->check, (__u16)(ack >> 16), (__u16)(t->ack_seq >> 16));
	return XDP_TX;
}

/*
 * synq_gen's template: a valid 54-byte SYN (its checksums right as it is) whose
 * random fields hold only zeros where the random bits go, so that writing them is
 * an OR and fixing a checksum is adding them (RFC 1071 sums are independent of
 * byte order, and bits that do not overlap add without carries).
 */
#define GEN_LEN 54
const volatile __u8 gen_tmpl[56];
const volatile __u32 gen_src_mask;	/* host bits of the source prefix, network order */
__u64 gen_state = 0x9e3779b97f4a7c15ULL;	/* one generator thread: one state */

static __always_inline __u64 xorshift64(__u64 x)
{
	x ^= x << 13;
	x ^= x >> 7;
	return x ^ (x << 17);
}

static __always_inline __u16 csum_add_fold(__u16 check, __u32 add)
{
	__u32 s = (__u16)~check + add;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return ~s;
}

SEC("xdp")
int synq_gen(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	const volatile __u8 *t = gen_tmpl;
	__u64 a = xorshift64(gen_state), b = xorshift64(a);
	__u32 addr = (__u32)a & gen_src_mask, seq = b;
	__u16 port = (a >> 32) & bpf_htons(0xfbff);	/* the template's port is 1024 */
	struct iphdr *ip;
	struct tcphdr *tcp;
	__u32 sum;

	gen_state = b;
	if (data + GEN_LEN > end)
		return XDP_ABORTED;
	for (int i = 0; i < 48; i += 8)
		*(__u64 *)(data + i) = *(const volatile __u64 *)(t + i);
	*(__u32 *)(data + 48) = *(const volatile __u32 *)(t + 48);
	*(__u16 *)(data + 52) = *(const volatile __u16 *)(t + 52);
	ip = (void *)(data + sizeof(struct ethhdr));
	tcp = (void *)(ip + 1);
	ip->saddr |= addr;
	tcp->source |= port;
	tcp->seq = seq;
	sum = (addr & 0xffff) + (addr >> 16);
	ip->check = csum_add_fold(ip->check, sum);
	tcp->check = csum_add_fold(tcp->check, sum + port + (seq & 0xffff) + (seq >> 16));
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
