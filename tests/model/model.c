// SPDX-License-Identifier: GPL-2.0
/*
 * The data-path model: see model.h. Each function follows a section of
 * docs/dataplane.md ("What happens to each packet", "The SYN-ACK", "What makes a
 * SYN malformed", "XDP -> TC metadata") or of include/synq/cookie.h; it reads the
 * packet byte by byte in network order and never shares code with bpf/.
 */
#include <string.h>
#include "bytes.h"
#include "model.h"
#include "synq/siphash.h"

#define XDP_ABORTED	0
#define XDP_DROP	1
#define XDP_PASS	2
#define XDP_TX		3

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_ACK	0x10
#define TH_ECE	0x40
#define TH_CWR	0x80

#define EINVAL_ERRNO	22	/* the kfunc outside TC ingress, which is where the test runner is */

uint32_t model_sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		sum += get16(p + i);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* The pseudo-header's sum: both families' forms sum alike (zeros, 6, the length). */
static uint32_t pseudo_sum(int v6, const uint8_t *src, const uint8_t *dst, size_t len)
{
	const uint8_t tail[4] = { 0, 6, len >> 8, len };
	size_t alen = v6 ? 16 : 4;

	return model_sum16(tail, 4, model_sum16(src, alen, model_sum16(dst, alen, 0)));
}

uint16_t model_tcp_partial_csum(int v6, const uint8_t *src, const uint8_t *dst, size_t len)
{
	return (uint16_t)pseudo_sum(v6, src, dst, len);
}

uint16_t model_tcp_csum(int v6, const uint8_t *src, const uint8_t *dst, const uint8_t *seg,
			size_t len)
{
	return (uint16_t)~model_sum16(seg, len, pseudo_sum(v6, src, dst, len));
}

/* ---- parsing: "What happens to each packet", first rows ---- */

enum parsed { P_TCP, P_NOT_TCP, P_FRAGMENT, P_V6_EXT, P_BAD_IP, P_TCP_TRUNCATED };

struct view {
	size_t l3;		/* Ethernet and up to two VLAN tags */
	int v6;
	const uint8_t *ip, *tcp;
	size_t ip_hlen, seg_len, doff;
	uint8_t flags;
	int ecn_marked;		/* IP ECN field or a TCP reserved bit set */
	struct model_flow flow;
	uint32_t seq, ack;
};

static int v6_ext_header(uint8_t nh)
{
	static const uint8_t ext[] = { 0, 43, 44, 50, 51, 60, 135, 139, 140, 253, 254 };
	size_t i;

	for (i = 0; i < sizeof(ext); i++)
		if (ext[i] == nh)
			return 1;
	return 0;
}

static enum parsed parse_v4(const uint8_t *ip, size_t room, struct view *v)
{
	size_t hlen, tot;

	if (room < 20)
		return P_BAD_IP;
	hlen = (ip[0] & 15) * 4u;
	tot = get16(ip + 2);
	if (ip[0] >> 4 != 4 || hlen < 20 || tot < hlen || tot > room)
		return P_BAD_IP;
	if (ip[9] != 6)
		return P_NOT_TCP;
	if (get16(ip + 6) & 0x3fff)	/* MF or an offset; DF alone is no fragment */
		return P_FRAGMENT;
	v->ip_hlen = hlen;
	v->seg_len = tot - hlen;
	v->ecn_marked = ip[1] & 3;
	memcpy(v->flow.saddr, ip + 12, 4);
	memcpy(v->flow.daddr, ip + 16, 4);
	return P_TCP;
}

static enum parsed parse_v6(const uint8_t *ip, size_t room, struct view *v)
{
	if (room < 40)
		return P_BAD_IP;
	if (ip[0] >> 4 != 6 || 40u + get16(ip + 4) > room)
		return P_BAD_IP;
	if (ip[6] != 6)
		return v6_ext_header(ip[6]) ? P_V6_EXT : P_NOT_TCP;
	v->ip_hlen = 40;
	v->seg_len = get16(ip + 4);
	v->ecn_marked = (get16(ip) >> 4) & 3;	/* the traffic class's low two bits */
	memcpy(v->flow.saddr, ip + 8, 16);
	memcpy(v->flow.daddr, ip + 24, 16);
	return P_TCP;
}

static enum parsed parse(const uint8_t *p, size_t len, struct view *v)
{
	size_t off = 12;
	uint16_t type;
	enum parsed r;
	int tags = 0;

	memset(v, 0, sizeof(*v));
	if (len < 14)
		return P_NOT_TCP;
	type = get16(p + 12);
	while ((type == 0x8100 || type == 0x88a8) && tags < 2) {
		if (off + 4 + 2 > len)
			return P_NOT_TCP;
		off += 4;
		type = get16(p + off);
		tags++;
	}
	v->l3 = off + 2;
	v->ip = p + v->l3;
	if (type == 0x0800)
		r = parse_v4(v->ip, len - v->l3, v);
	else if (type == 0x86dd)
		r = parse_v6(v->ip, len - v->l3, v);
	else
		return P_NOT_TCP;
	if (r != P_TCP)
		return r;
	v->v6 = type == 0x86dd;
	v->flow.v6 = v->v6;
	if (v->seg_len < 20)
		return P_TCP_TRUNCATED;
	v->tcp = v->ip + v->ip_hlen;
	memcpy(v->flow.sport, v->tcp, 2);
	memcpy(v->flow.dport, v->tcp + 2, 2);
	v->seq = get32(v->tcp + 4);
	v->ack = get32(v->tcp + 8);
	v->doff = (v->tcp[12] >> 4) * 4u;
	v->flags = v->tcp[13];
	v->ecn_marked |= v->tcp[12] & 0x0f;
	return P_TCP;
}

/* ---- TCP options: "What makes a SYN malformed", 5 ---- */

struct opts {
	int mss_seen, ws_seen, sack_seen, ts_seen;
	uint16_t mss;
	uint8_t ws;
	uint32_t tsval, tsecr;
};

/*
 * Strict walk: a kind without its length byte, a length below 2 or past the
 * header, or a known kind of the wrong length spoils the block. A later option
 * of a kind replaces an earlier one, and an MSS of 0 says nothing (both as the
 * kernel's tcp_parse_options()).
 */
static int parse_opts(const uint8_t *tcp, size_t doff, struct opts *o)
{
	static const uint8_t fixed_len[9] = { [2] = 4, [3] = 3, [4] = 2, [8] = 10 };
	size_t off = 20, n;
	uint8_t kind;

	memset(o, 0, sizeof(*o));
	while (off < doff) {
		kind = tcp[off];
		if (kind == 0)
			break;
		if (kind == 1) {
			off++;
			continue;
		}
		if (off + 1 >= doff)
			return -1;
		n = tcp[off + 1];
		if (n < 2 || off + n > doff || (kind < 9 && fixed_len[kind] && n != fixed_len[kind]))
			return -1;
		if (kind == 2 && get16(tcp + off + 2)) {
			o->mss_seen = 1;
			o->mss = get16(tcp + off + 2);
		} else if (kind == 3) {
			o->ws_seen = 1;
			o->ws = tcp[off + 2] > 14 ? 14 : tcp[off + 2];
		} else if (kind == 4) {
			o->sack_seen = 1;
		} else if (kind == 8) {
			o->ts_seen = 1;
			o->tsval = get32(tcp + off + 2);
			o->tsecr = get32(tcp + off + 6);
		}
		off += n;
	}
	return 0;
}

/* ---- the cookie: include/synq/cookie.h, FORMAT, MESSAGE, MSS TABLES ---- */

static const uint16_t mss_table[2][8] = {
	{ 536, 1240, 1340, 1380, 1440, 1452, 1460, 8960 },
	{ 1220, 1320, 1360, 1390, 1420, 1432, 1440, 8940 },
};

static uint32_t mss_class(int v6, uint16_t mss)
{
	uint32_t c = 0;

	while (c < 7 && mss_table[v6][c + 1] <= mss)
		c++;
	return c;
}

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/* SipHash of the MESSAGE: addresses and ports as in the packet, then ISN, t, meta (LE). */
static uint64_t cookie_hash(const struct synq_key *key, const struct model_flow *f, uint32_t isn,
			    uint32_t t, uint32_t meta)
{
	size_t alen = f->v6 ? 16 : 4, n = 0;
	uint8_t m[48];

	memcpy(m + n, f->saddr, alen), n += alen;
	memcpy(m + n, f->daddr, alen), n += alen;
	memcpy(m + n, f->sport, 2), n += 2;
	memcpy(m + n, f->dport, 2), n += 2;
	le32(m + n, isn), n += 4;
	le32(m + n, t), n += 4;
	le32(m + n, meta), n += 4;
	return synq_siphash24(key, m, n);
}

uint32_t model_cookie_make(const struct synq_key *key, uint32_t slot, const struct model_flow *f,
			   uint32_t isn, uint32_t t, const struct model_ck *ck, uint32_t *tsval)
{
	uint32_t meta = (slot & 1) << 11 | (t & 3) << 9 | mss_class(f->v6, ck->mss) << 6 |
			(ck->wscale > 15 ? 15u : ck->wscale) << 2 | !!ck->sack << 1 | !!ck->ecn;
	uint64_t h = cookie_hash(key, f, isn, t, meta);

	*tsval = h >> 32;
	return ((uint32_t)h & 0xfffff) << 12 | meta;
}

int model_cookie_check(const struct synq_key *keys, const struct model_flow *f, uint32_t isn,
		       uint32_t cookie, uint32_t now, int has_ts, uint32_t tsecr,
		       struct model_ck *ck)
{
	uint32_t age = (now - (cookie >> 9)) & 3, meta = cookie & 0xfff;
	uint64_t h;

	if (age > 1)
		return -1;
	h = cookie_hash(&keys[cookie >> 11 & 1], f, isn, now - age, meta);
	if (((uint32_t)h & 0xfffff) != cookie >> 12 || (has_ts && tsecr != (uint32_t)(h >> 32)))
		return -1;
	ck->mss = mss_table[f->v6][meta >> 6 & 7];
	ck->wscale = meta >> 2 & 15;
	ck->sack = meta >> 1 & 1;
	ck->ecn = meta & 1;
	return 0;
}

/* ---- the SYN path ---- */

#define SYN_PARTIAL_CSUM (-2)	/* a local sender's checksum: the kernel's to check */

static int syn_malformed(const struct view *v)
{
	uint32_t pseudo = pseudo_sum(v->v6, v->flow.saddr, v->flow.daddr, v->seg_len);
	struct opts o;

	if (v->flags & (TH_FIN | TH_RST))
		return SYNQ_MAL_FLAGS;
	if (v->doff < 20 || v->doff > v->seg_len)
		return SYNQ_MAL_DOFF;
	if (!v->v6 && model_sum16(v->ip, v->ip_hlen, 0) != 0xffff)
		return SYNQ_MAL_IP_CSUM;
	if (model_sum16(v->tcp, v->seg_len, pseudo) != 0xffff)
		return get16(v->tcp + 16) == pseudo ? SYN_PARTIAL_CSUM : SYNQ_MAL_TCP_CSUM;
	if (parse_opts(v->tcp, v->doff, &o))
		return SYNQ_MAL_OPTIONS;
	return -1;
}

/* The option block of "The SYN-ACK", in tcp_options_write()'s order; returns its length. */
static size_t synack_opts(uint8_t *p, uint16_t mss, int sack, int ts, uint32_t tsval,
			  uint32_t tsecr, int ws, uint8_t wscale)
{
	size_t n = 0;

	p[n++] = 2, p[n++] = 4, put16(p + n, mss), n += 2;
	if (ts) {
		if (sack)
			p[n++] = 4, p[n++] = 2;
		else
			p[n++] = 1, p[n++] = 1;
		p[n++] = 8, p[n++] = 10;
		put32(p + n, tsval), n += 4;
		put32(p + n, tsecr), n += 4;
	} else if (sack) {
		p[n++] = 1, p[n++] = 1, p[n++] = 4, p[n++] = 2;
	}
	if (ws)
		p[n++] = 1, p[n++] = 3, p[n++] = 3, p[n++] = wscale;
	return n;
}

static void synack(const struct model_env *e, const struct view *v, const uint8_t *in,
		   struct model_out *o)
{
	const struct synq_config *c = &e->cfg;
	uint16_t ours = v->v6 ? (c->mss_v6 ? c->mss_v6 : 1440) : (c->mss_v4 ? c->mss_v4 : 1460);
	uint8_t *p = o->out, *ip = p + v->l3, *tcp = ip + (v->v6 ? 40 : 20);
	uint32_t cookie, tsval, slot = c->key_slot & 1;
	struct model_ck ck = {};
	int sack, ts, ws, ece;
	size_t tcp_len;
	struct opts so;

	parse_opts(v->tcp, v->doff, &so);
	sack = c->sack_ok && so.sack_seen;
	ts = c->tstamp_ok && so.ts_seen;
	ws = c->wscale_ok && so.ws_seen;
	ece = c->ecn_ok && !v->ecn_marked && (v->flags & (TH_ECE | TH_CWR)) == (TH_ECE | TH_CWR);
	ck.mss = so.mss_seen ? (so.mss < ours ? so.mss : ours) : 0;
	ck.wscale = ws ? so.ws : 15;
	ck.sack = sack;
	ck.ecn = ece;
	cookie = model_cookie_make(&e->keys[slot], slot, &v->flow, v->seq, e->now, &ck, &tsval);

	memcpy(p, in + 6, 6);			/* MACs swapped, */
	memcpy(p + 6, in, 6);
	memcpy(p + 12, in + 12, v->l3 - 12);	/* VLAN tags and EtherType kept */
	memset(ip, 0, tcp - ip);
	memset(tcp, 0, 20);
	tcp_len = 20 + synack_opts(tcp + 20, ck.mss ? ck.mss : ours, sack, ts, tsval, so.tsval,
				   ws, c->rcv_wscale > 14 ? 14 : c->rcv_wscale);
	memcpy(tcp, v->flow.dport, 2);
	memcpy(tcp + 2, v->flow.sport, 2);
	put32(tcp + 4, cookie);
	put32(tcp + 8, v->seq + 1);
	tcp[12] = tcp_len / 4 << 4;
	tcp[13] = TH_SYN | TH_ACK | (ece ? TH_ECE : 0);
	put16(tcp + 14, 65535);
	if (v->v6) {
		ip[0] = 0x60;
		put16(ip + 4, tcp_len);
		ip[6] = 6;
		ip[7] = c->ttl ? c->ttl : 64;
		memcpy(ip + 8, v->flow.daddr, 16);
		memcpy(ip + 24, v->flow.saddr, 16);
	} else {
		ip[0] = 0x45;
		put16(ip + 2, 20 + tcp_len);
		put16(ip + 6, 0x4000);	/* DF */
		ip[8] = c->ttl ? c->ttl : 64;
		ip[9] = 6;
		memcpy(ip + 12, v->flow.daddr, 4);
		memcpy(ip + 16, v->flow.saddr, 4);
		put16(ip + 10, (uint16_t)~model_sum16(ip, 20, 0));
	}
	put16(tcp + 16, model_tcp_csum(v->v6, v->v6 ? ip + 8 : ip + 12, v->v6 ? ip + 24 : ip + 16,
				      tcp, tcp_len));
	o->len = (size_t)(tcp - p) + tcp_len;
	o->verdict = XDP_TX;
	o->d.st[SYNQ_SYNACK_SENT]++;
}

static void xdp_syn(const struct model_env *e, const struct view *v, const uint8_t *in,
		    struct model_out *o)
{
	int reason = syn_malformed(v);

	o->d.st[SYNQ_SYN_RECEIVED]++;
	if (reason == SYN_PARTIAL_CSUM) {
		o->d.st[SYNQ_SYN_PASSED_PARTIAL_CSUM]++;
		o->verdict = XDP_PASS;
		return;
	}
	if (reason >= 0) {
		o->d.st[SYNQ_SYN_MALFORMED]++;
		o->d.mal[reason]++;
		o->verdict = XDP_DROP;
		return;
	}
	synack(e, v, in, o);
}

/* ---- the ACK path: a cookie check, and "XDP -> TC metadata" ---- */

static int ack_cookie(const struct model_env *e, const struct view *v, struct synq_meta *m)
{
	struct model_ck ck;
	struct opts so;

	if (v->doff < 20 || v->doff > v->seg_len || parse_opts(v->tcp, v->doff, &so))
		return -1;
	if (model_cookie_check(e->keys, &v->flow, v->seq - 1, v->ack - 1, e->now, so.ts_seen,
			       so.tsecr, &ck))
		return -1;
	memset(m, 0, sizeof(*m));
	m->kind = SYNQ_META_COOKIE;
	m->rcv_tsval = so.tsval;
	m->rcv_tsecr = so.tsecr;
	m->mss = ck.mss;
	m->snd_wscale = ck.wscale == 15 ? 0 : ck.wscale;
	m->flags = (ck.wscale != 15 ? SYNQ_META_F_WSCALE : 0) | (ck.sack ? SYNQ_META_F_SACK : 0) |
		   (so.ts_seen ? SYNQ_META_F_TSTAMP : 0) | (ck.ecn ? SYNQ_META_F_ECN : 0);
	return 0;
}

static void xdp_ack(const struct model_env *e, const struct view *v, struct model_out *o)
{
	struct synq_meta m;

	if (ack_cookie(e, v, &m)) {
		o->d.st[SYNQ_ACK_COOKIE_INVALID]++;
		o->verdict = XDP_DROP;
		return;
	}
	o->d.st[SYNQ_ACK_COOKIE_VALID]++;
	o->meta_len = sizeof(m);
	memmove(o->out + sizeof(m), o->out, o->len);
	memcpy(o->out, &m, sizeof(m));	/* host order, as struct synq_meta says */
	o->len += sizeof(m);
}

static int protected_port(const struct model_env *e, const struct view *v)
{
	return e->ports[get16(v->flow.dport)];
}

/* Until a program says otherwise: the frame goes on untouched, no counter moves. */
static void start(struct model_out *o, const uint8_t *in, size_t len, int verdict)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->out, in, len);
	o->len = len;
	o->verdict = verdict;
	o->ignored_from = len;
}

/* A SYN's payload is in its checksum; no other segment's payload is read. */
static size_t ignored_from(const struct view *v, uint8_t kind)
{
	size_t end = v->seg_len, hdr = v->doff < 20 ? 20 : v->doff;

	if ((kind & (TH_SYN | TH_ACK)) != TH_SYN && hdr < end)
		end = hdr;
	return (size_t)(v->tcp - (v->ip - v->l3)) + end;
}

void model_xdp(const struct model_env *e, const uint8_t *in, size_t len, struct model_out *o)
{
	static const int passed[] = {
		[P_NOT_TCP] = SYNQ_PASSED_NOT_TCP, [P_FRAGMENT] = SYNQ_PASSED_FRAGMENT,
		[P_V6_EXT] = SYNQ_PASSED_IPV6_EXT,
	};
	enum parsed r;
	struct view v;
	uint8_t kind;

	start(o, in, len, XDP_PASS);
	r = parse(in, len, &v);
	if (r == P_BAD_IP || r == P_TCP_TRUNCATED) {
		o->d.mal[r == P_BAD_IP ? SYNQ_MAL_IP_HEADER : SYNQ_MAL_TCP_TRUNCATED]++;
		return;
	}
	if (r != P_TCP) {
		o->d.st[passed[r]]++;
		return;
	}
	if (!protected_port(e, &v)) {
		o->d.st[SYNQ_PASSED_UNPROTECTED]++;
		return;
	}
	kind = v.flags & (TH_SYN | TH_ACK | TH_RST | TH_FIN);
	o->ignored_from = ignored_from(&v, kind);
	if ((kind & (TH_SYN | TH_ACK)) == TH_SYN)
		xdp_syn(e, &v, in, o);
	else if (kind == TH_ACK)
		xdp_ack(e, &v, o);
	/* RST, FIN (no socket here to mark), SYN-ACK, no flags: passed, no counter */
}

void model_tc(const struct model_env *e, const uint8_t *in, size_t len, struct model_out *o)
{
	struct synq_meta m;
	struct view v;
	uint32_t isn;

	start(o, in, len, 0);
	if (parse(in, len, &v) != P_TCP || (v.flags & (TH_SYN | TH_ACK | TH_RST | TH_FIN)) != TH_ACK ||
	    !protected_port(e, &v) || get16(v.flow.dport) != e->listen_port ||
	    ack_cookie(e, &v, &m))
		return;
	/* A valid cookie meets the listener: handed off once; the kfunc refuses outside TC ingress. */
	o->handoff = 1;
	isn = v.seq - 1;
	memcpy(o->handoff_key, v.flow.saddr, 16);
	memcpy(o->handoff_key + 16, v.flow.daddr, 16);
	memcpy(o->handoff_key + 32, v.flow.sport, 2);
	memcpy(o->handoff_key + 34, v.flow.dport, 2);
	memcpy(o->handoff_key + 36, &isn, 4);
	o->d.st[SYNQ_HANDOFF_FAILED]++;
	o->d.err[EINVAL_ERRNO]++;
}
