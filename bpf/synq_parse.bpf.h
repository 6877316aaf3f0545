/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Header parsing shared by synq_xdp and synq_tc: Ethernet with up to two VLAN
 * tags (802.1Q, 802.1ad), IPv4 or IPv6, then TCP. Every read is bounds checked
 * against data_end. Nothing here writes to the packet.
 *
 * A frame may continue past data_end: in fragments (synq_xdp is xdp.frags in
 * native mode, so a jumbo frame arrives as several buffers) or in an skb's
 * paged part (synq_tc). The headers are read from the linear part only; the
 * lengths the IP header claims are checked against the whole frame's length,
 * a plain number. Headers that do not fit the linear part are PARSE_NONLINEAR:
 * the kernel gets the frame.
 */
#ifndef SYNQ_PARSE_BPF_H
#define SYNQ_PARSE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "synq_defs.bpf.h"
#include <synq/cookie.h>

enum synq_parse_result {
	PARSE_TCP,		/* a TCP header of at least 20 bytes is in the packet */
	PARSE_NOT_TCP,		/* not IP, not TCP, or cut before the IP header */
	PARSE_FRAGMENT,		/* an IPv4 fragment (MF set or offset != 0) */
	PARSE_IPV6_EXT,		/* an IPv6 extension header follows the fixed header */
	PARSE_BAD_IP,		/* IP header truncated or inconsistent: the kernel drops it */
	PARSE_TCP_TRUNCATED,	/* less than a TCP header */
	PARSE_NONLINEAR,	/* headers past the linear part (data_end): not read here */
};

/* The frame the parser reads: its linear part, and its whole length. */
struct synq_frame {
	void *data, *data_end;
	__u32 len;		/* fragments or paged part included */
};

/*
 * What the parser found, as plain numbers: later code reaches the packet only
 * through helpers at these offsets, so the verifier has no packet pointers to
 * track per VLAN depth and IP header length, and its states merge.
 */
struct synq_hdr {
	struct synq_flow_v6 flow;	/* as the cookie hashes it; IPv4 uses saddr[0], daddr[0] */
	__u32 seq;		/* host order */
	__u32 ack_seq;		/* host order */
	__u16 l3_off;		/* Ethernet and VLAN tags */
	__u16 l4_off;		/* where the TCP header starts */
	__u16 ip_hlen;		/* IPv4 header with options, or 40 */
	__u16 seg_len;		/* the TCP segment's length as the IP header gives it */
	__u8 doff;		/* TCP header length in bytes, as the header claims (not checked) */
	__u8 flags;		/* TCPF_* */
	__u8 ipv6;
	__u8 ecn_bits;		/* the IP header's ECN field and the TCP reserved bits, nonzero = set */
};

struct vlan_tag {
	__be16 tci;
	__be16 proto;
};

static __always_inline int ipv6_is_ext(__u8 nexthdr)
{
	switch (nexthdr) {
	case 0:		/* hop-by-hop options */
	case 43:	/* routing */
	case 44:	/* fragment */
	case 50:	/* ESP */
	case 51:	/* AH */
	case 60:	/* destination options */
	case 135:	/* mobility */
	case 139:	/* HIP */
	case 140:	/* shim6 */
	case 253:	/* experiments */
	case 254:
		return 1;
	}
	return 0;
}

/* A header that ends past data_end: cut short, or in the part not read here. */
static __always_inline int cut_short(const struct synq_frame *f, __u32 end, int result)
{
	return end <= f->len ? PARSE_NONLINEAR : result;
}

static __always_inline int parse_ipv4(const struct synq_frame *f, __u32 l3_off,
				      struct synq_hdr *h)
{
	struct iphdr *ip = f->data + l3_off;
	__u32 hlen, tot;

	if ((void *)(ip + 1) > f->data_end)
		return cut_short(f, l3_off + sizeof(*ip), PARSE_BAD_IP);
	hlen = ip->ihl * 4;
	tot = bpf_ntohs(ip->tot_len);
	if (ip->version != 4 || hlen < sizeof(*ip) || tot < hlen ||
	    l3_off + tot > f->len)
		return PARSE_BAD_IP;
	if (ip->protocol != IPPROTO_TCP)
		return PARSE_NOT_TCP;
	/* Only true fragments: a packet without DF is not one. */
	if (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return PARSE_FRAGMENT;
	h->flow.saddr[0] = ip->saddr;
	h->flow.daddr[0] = ip->daddr;
	h->ecn_bits = ip->tos & 3;
	h->ip_hlen = hlen;
	h->seg_len = tot - hlen;
	h->ipv6 = 0;
	return PARSE_TCP;
}

static __always_inline int parse_ipv6(const struct synq_frame *f, __u32 l3_off,
				      struct synq_hdr *h)
{
	struct ipv6hdr *ip6 = f->data + l3_off;
	__u32 plen;

	if ((void *)(ip6 + 1) > f->data_end)
		return cut_short(f, l3_off + sizeof(*ip6), PARSE_BAD_IP);
	plen = bpf_ntohs(ip6->payload_len);
	if (ip6->version != 6 || l3_off + sizeof(*ip6) + plen > f->len)
		return PARSE_BAD_IP;
	if (ip6->nexthdr != IPPROTO_TCP)
		return ipv6_is_ext(ip6->nexthdr) ? PARSE_IPV6_EXT : PARSE_NOT_TCP;
	__builtin_memcpy(h->flow.saddr, &ip6->saddr, 16);
	__builtin_memcpy(h->flow.daddr, &ip6->daddr, 16);
	h->ecn_bits = ip6->flow_lbl[0] >> 4 & 3;
	h->ip_hlen = sizeof(*ip6);
	h->seg_len = plen;
	h->ipv6 = 1;
	return PARSE_TCP;
}

/* Up to two VLAN tags; returns the inner EtherType and sets *l3_off, or 0 if cut short. */
static __always_inline __be16 parse_l2(void *data, void *data_end, __u32 *l3_off)
{
	struct ethhdr *eth = data;
	struct vlan_tag *tag;
	__be16 proto;
	__u32 off;
	int i;

	if ((void *)(eth + 1) > data_end)
		return 0;
	proto = eth->h_proto;
	off = sizeof(*eth);
#pragma unroll
	for (i = 0; i < 2; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		tag = data + off;
		if ((void *)(tag + 1) > data_end)
			return 0;
		proto = tag->proto;
		off += sizeof(*tag);
	}
	*l3_off = off;
	return proto;
}

/*
 * The TCP header, its options included, must be in the linear part: the SYN
 * path reads them with plain loads. In a linear frame the IP length check
 * already guarantees it; a frame where it fails continues in fragments.
 */
static __always_inline int synq_parse(const struct synq_frame *f, struct synq_hdr *h)
{
	void *data = f->data, *data_end = f->data_end;
	struct tcphdr *tcp;
	__u32 l3_off = 0, doff;
	__be16 proto;
	int ret;

	proto = parse_l2(data, data_end, &l3_off);
	if (proto == bpf_htons(ETH_P_IP))
		ret = parse_ipv4(f, l3_off, h);
	else if (proto == bpf_htons(ETH_P_IPV6))
		ret = parse_ipv6(f, l3_off, h);
	else
		return PARSE_NOT_TCP;	/* also a linear part too short for Ethernet: passed */
	if (ret != PARSE_TCP)
		return ret;
	tcp = data + l3_off + h->ip_hlen;
	if (h->seg_len < sizeof(*tcp))
		return PARSE_TCP_TRUNCATED;
	if ((void *)(tcp + 1) > data_end)
		return PARSE_NONLINEAR;	/* the IP length said the frame holds it */
	doff = tcp->doff * 4;
	if (doff <= h->seg_len && (void *)tcp + doff > data_end)
		return PARSE_NONLINEAR;
	h->l3_off = l3_off;
	h->l4_off = l3_off + h->ip_hlen;
	h->flow.sport = tcp->source;
	h->flow.dport = tcp->dest;
	h->seq = bpf_ntohl(tcp->seq);
	h->ack_seq = bpf_ntohl(tcp->ack_seq);
	h->doff = doff;
	h->flags = ((__u8 *)tcp)[13];
	h->ecn_bits |= ((__u8 *)tcp)[12] & 0x0f;
	return PARSE_TCP;
}

#endif /* SYNQ_PARSE_BPF_H */
