/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test packets built byte by byte from a small description, and an Internet
 * checksum written independently of the BPF code (16-bit big-endian words, as
 * RFC 1071 states it), so that the tests check the programs against the RFCs
 * rather than against themselves.
 */
#ifndef SYNQ_TEST_PKT_H
#define SYNQ_TEST_PKT_H

#include <stdint.h>
#include <string.h>
#include "../model/bytes.h"

#define PKT_MAX 1600

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10
#define F_ECE 0x40
#define F_CWR 0x80

struct spec {
	int v6;
	int vlans;		/* 0, 1 (802.1Q) or 2 (802.1ad outside 802.1Q) */
	uint16_t ethertype;	/* nonzero: this EtherType and 28 bytes of zeros, nothing else */
	int ipopt_len;		/* IPv4 options (multiple of 4; NOPs ending in EOL) */
	uint8_t proto;		/* nonzero: this protocol instead of TCP (header bytes stay TCP's) */
	int frag;		/* nonzero: this IPv4 frag_off (host order) instead of DF */
	int no_df;		/* frag_off 0: no DF, and not a fragment either */
	uint8_t v6_ext;		/* IPv6: put an 8-byte extension header of this type first */
	uint8_t flags;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t opts[40];
	int optlen;		/* bytes of opts used; must be a multiple of 4 unless doff is set */
	int doff;		/* nonzero: this data offset (words) instead of 5 + optlen / 4 */
	int payload;		/* payload bytes (a counting pattern) */
	int bad_ip_csum, bad_tcp_csum;
	int ip_len_delta;	/* added to the IPv4 total length / IPv6 payload length */
	int ihl;		/* nonzero: this IHL */
	int trunc;		/* nonzero: cut the frame to this many bytes */
	int pad_to;		/* Ethernet padding: frame at least this long */
	uint8_t saddr4[4], daddr4[4];	/* zero: the defaults below */
	uint8_t saddr6[16], daddr6[16];
	uint16_t window;
	uint8_t ttl;
	uint8_t tos;		/* IPv4 TOS / IPv6 traffic class */
	uint8_t dmac[6];	/* nonzero: this destination MAC */
};

static const uint8_t mac_client[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac_server[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t def_cli4[4] = { 192, 0, 2, 1 }, def_srv4[4] = { 192, 0, 2, 2 };
static const uint8_t def_cli6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t def_srv6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

/* RFC 1071 over len bytes, plus a starting sum; returns the folded sum (not inverted). */
static inline uint32_t rfc1071_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* The TCP checksum of seg (len bytes, its checksum field as it is) for the addresses. */
static inline uint16_t tcp_csum(int v6, const uint8_t *src, const uint8_t *dst,
				const uint8_t *seg, size_t len)
{
	uint8_t ph[40] = {};
	size_t alen = v6 ? 16 : 4, n;

	memcpy(ph, src, alen);
	memcpy(ph + alen, dst, alen);
	n = 2 * alen;
	if (v6) {
		put32(ph + n, len);
		ph[n + 7] = 6;
		n += 8;
	} else {
		ph[n + 1] = 6;
		put16(ph + n + 2, len);
		n += 4;
	}
	return ~rfc1071_sum(seg, len, rfc1071_sum(ph, n, 0)) & 0xffff;
}

static inline const uint8_t *or_default(const uint8_t *a, const uint8_t *def, size_t n)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, n) ? a : def;
}

static inline size_t put_l2(const struct spec *s, uint8_t *b, uint16_t type)
{
	size_t off = 12;

	memcpy(b, or_default(s->dmac, mac_server, 6), 6);
	memcpy(b + 6, mac_client, 6);
	if (s->vlans == 2) {
		put16(b + off, 0x88a8);
		put16(b + off + 2, 100);
		off += 4;
	}
	if (s->vlans >= 1) {
		put16(b + off, 0x8100);
		put16(b + off + 2, 200);
		off += 4;
	}
	put16(b + off, type);
	return off + 2;
}

/* The TCP segment at b; returns its length. */
static inline size_t put_tcp(const struct spec *s, uint8_t *b)
{
	size_t hlen = 20 + s->optlen, i;
	int doff = s->doff ? s->doff : (int)(hlen / 4);

	put16(b, s->sport);
	put16(b + 2, s->dport);
	put32(b + 4, s->seq);
	put32(b + 8, s->ack);
	b[12] = doff << 4;
	b[13] = s->flags;
	put16(b + 14, s->window ? s->window : 64240);
	put16(b + 16, 0);
	put16(b + 18, 0);
	memcpy(b + 20, s->opts, s->optlen);
	for (i = 0; i < (size_t)s->payload; i++)
		b[hlen + i] = 0xa0 + i;
	return hlen + s->payload;
}

/* Builds the frame described by s into b (PKT_MAX bytes); returns its length. */
static inline size_t build(const struct spec *s, uint8_t *b)
{
	const uint8_t *src, *dst;
	size_t l3, ipl, ext = 0, seg, len;
	uint8_t *ip, *tcp;

	memset(b, 0, PKT_MAX);
	if (s->ethertype) {
		len = put_l2(s, b, s->ethertype) + 28;
		return s->trunc ? (size_t)s->trunc : len;
	}
	l3 = put_l2(s, b, s->v6 ? 0x86dd : 0x0800);
	ip = b + l3;
	if (s->v6) {
		src = or_default(s->saddr6, def_cli6, 16);
		dst = or_default(s->daddr6, def_srv6, 16);
		ext = s->v6_ext ? 8 : 0;
		ipl = 40;
		tcp = ip + ipl + ext;
		seg = put_tcp(s, tcp);
		ip[0] = 0x60 | s->tos >> 4;
		ip[1] = s->tos << 4;
		put16(ip + 4, seg + ext + s->ip_len_delta);
		ip[6] = s->v6_ext ? s->v6_ext : (s->proto ? s->proto : 6);
		ip[7] = s->ttl ? s->ttl : 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
		if (ext)
			ip[40] = 6;	/* the extension header's next header: TCP */
	} else {
		src = or_default(s->saddr4, def_cli4, 4);
		dst = or_default(s->daddr4, def_srv4, 4);
		ipl = 20 + s->ipopt_len;
		tcp = ip + ipl;
		seg = put_tcp(s, tcp);
		ip[0] = 0x40 | (s->ihl ? s->ihl : (int)ipl / 4);
		ip[1] = s->tos;
		put16(ip + 2, ipl + seg + s->ip_len_delta);
		put16(ip + 4, 0x1234);
		put16(ip + 6, s->no_df ? 0 : s->frag ? s->frag : 0x4000);
		ip[8] = s->ttl ? s->ttl : 64;
		ip[9] = s->proto ? s->proto : 6;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		memset(ip + 20, 1, s->ipopt_len);
		if (s->ipopt_len)
			ip[ipl - 1] = 0;
		put16(ip + 10, ~rfc1071_sum(ip, ipl, 0) ^ (s->bad_ip_csum ? 0x0101 : 0));
	}
	put16(tcp + 16, tcp_csum(s->v6, src, dst, tcp, seg) ^ (s->bad_tcp_csum ? 0x0040 : 0));
	len = tcp - b + seg;
	if (s->pad_to && len < (size_t)s->pad_to)
		len = s->pad_to;
	return s->trunc ? (size_t)s->trunc : len;
}

#endif /* SYNQ_TEST_PKT_H */
