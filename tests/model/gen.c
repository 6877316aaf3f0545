// SPDX-License-Identifier: GPL-2.0
/*
 * The packet generator (gen.h): Ethernet with 0-3 VLAN tags, IPv4 with and
 * without options, DF/MF/offsets, IPv6 with extension headers, any TCP flags,
 * option lists built from well-formed, malformed, duplicated and truncated
 * options, payloads up to the page limit, and the damage a network does:
 * wrong lengths, bad checksums, cut frames, trailing bytes. Most packets are
 * well formed up to one chosen defect, so that they reach deep into the path.
 */
#include <string.h>
#include "bytes.h"
#include "gen.h"

void gen_seed(struct gen_src *s, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	s->state = seed;
}

void gen_bytes(struct gen_src *s, const uint8_t *bytes, size_t size)
{
	memset(s, 0, sizeof(*s));
	s->bytes = bytes;
	s->size = size;
}

/* splitmix64: every seed gives a good stream. */
static uint64_t next64(struct gen_src *s)
{
	uint64_t z = (s->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t gen_u32(struct gen_src *s)
{
	uint32_t v = 0;
	int i;

	if (!s->bytes)
		return (uint32_t)(next64(s) >> 32);
	for (i = 0; i < 4 && s->pos < s->size; i++)
		v = v << 8 | s->bytes[s->pos++];
	return v;
}

uint32_t gen_pick(struct gen_src *s, uint32_t n)
{
	if (n <= 1)
		return 0;
	if (s->bytes) {
		if (s->pos >= s->size)
			return 0;
		if (n <= 256)
			return s->bytes[s->pos++] % n;
	}
	return (uint32_t)(((uint64_t)gen_u32(s) * n) >> 32);
}

/* True with probability pct / 100 (for a byte source: the byte's value decides). */
static int chance(struct gen_src *s, uint32_t pct)
{
	return gen_pick(s, 100) < pct;
}

static void fill(struct gen_src *s, uint8_t *p, size_t n)
{
	while (n--)
		*p++ = gen_pick(s, 256);
}

/* A value from a few interesting ones, or any. */
static uint32_t pick_of(struct gen_src *s, const uint32_t *v, size_t n, uint32_t any_mask)
{
	uint32_t i = gen_pick(s, n + 1);

	return i < n ? v[i] : gen_u32(s) & any_mask;
}

/* ---- TCP options ---- */

struct optbuf {
	uint8_t b[60];
	size_t n, max;		/* max: 40, the room of a data offset of 15 */
};

static void opt_put(struct optbuf *o, const uint8_t *p, size_t n)
{
	if (o->n + n > o->max)
		n = o->max - o->n;	/* cut at the end: truncation */
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

static uint16_t pick_mss(struct gen_src *s)
{
	static const uint32_t v[] = { 0, 1, 535, 536, 1220, 1240, 1300, 1320, 1339, 1340, 1379, 1380, 1390, 1440, 1452,
				      1459, 1460, 1461, 8940, 8960, 9000, 65535 };

	return pick_of(s, v, sizeof(v) / sizeof(v[0]), 0xffff);
}

/* A well-formed option of a kind a SYN carries; ts_echo: the TSecr to use, if any. */
static size_t opt_good(struct gen_src *s, uint8_t *p, const uint32_t *ts_echo)
{
	switch (gen_pick(s, 4)) {
	case 0:
		p[0] = 2, p[1] = 4;
		put16(p + 2, pick_mss(s));
		return 4;
	case 1:
		p[0] = 3, p[1] = 3, p[2] = gen_pick(s, 3) ? gen_pick(s, 16) : gen_pick(s, 256);
		return 3;
	case 2:
		p[0] = 4, p[1] = 2;
		return 2;
	default:
		p[0] = 8, p[1] = 10;
		put32(p + 2, gen_u32(s));
		put32(p + 6, ts_echo && gen_pick(s, 4) ? *ts_echo : gen_u32(s));
		return 10;
	}
}

/* Anything else: SACK blocks, unknown kinds, wrong or impossible lengths. */
static size_t opt_odd(struct gen_src *s, uint8_t *p, size_t room)
{
	static const uint8_t kinds[] = { 2, 3, 4, 8, 5, 19, 28, 29, 30, 34, 253, 254 };
	size_t n;

	p[0] = gen_pick(s, 2) ? kinds[gen_pick(s, sizeof(kinds))] : gen_pick(s, 256);
	switch (gen_pick(s, 4)) {
	case 0:		/* a length that is too small */
		p[1] = gen_pick(s, 2);
		return 2;
	case 1:		/* a length running past the block */
		p[1] = room + 1 + gen_pick(s, 8);
		return 2;
	case 2:		/* the kind alone, last byte of the block */
		return 1;
	default:	/* any length that fits, with random contents */
		n = 2 + gen_pick(s, room > 2 ? room - 1 : 1);
		p[1] = n;
		fill(s, p + 2, n - 2);
		return n;
	}
}

/* The block of every Linux SYN (MSS, SACK_PERM, TS, NOP, WS), perhaps with one byte changed. */
static void opt_linux(struct gen_src *s, struct optbuf *o, int damage)
{
	uint8_t b[20] = { 2, 4, 0, 0, 4, 2, 8, 10 };

	put16(b + 2, pick_mss(s));
	fill(s, b + 8, 8);
	b[16] = 1, b[17] = 3, b[18] = 3, b[19] = gen_pick(s, 3) ? gen_pick(s, 15) : gen_pick(s, 256);
	if (damage)
		b[gen_pick(s, 20)] ^= 1 + gen_pick(s, 255);
	opt_put(o, b, 20);
}

static void opt_list(struct gen_src *s, struct optbuf *o, const uint32_t *ts_echo)
{
	uint32_t i, items = gen_pick(s, 10);
	uint8_t p[48];

	for (i = 0; i < items && o->n < o->max; i++) {
		switch (gen_pick(s, 10)) {
		case 0:
			opt_put(o, (const uint8_t[]){ 0 }, 1);
			break;
		case 1:
		case 2:
			opt_put(o, (const uint8_t[]){ 1 }, 1);
			break;
		case 3:
			opt_put(o, p, opt_odd(s, p, o->max - o->n));
			break;
		default:
			opt_put(o, p, opt_good(s, p, ts_echo));
			break;
		}
	}
}

/* Pads to a 4-byte boundary: NOPs, EOL and junk, zeros, or not at all. */
static void opt_pad(struct gen_src *s, struct optbuf *o)
{
	uint32_t how = gen_pick(s, 8);

	while (o->n % 4 && o->n < o->max) {
		if (how == 7)
			return;		/* a data offset that cuts the last option */
		o->b[o->n++] = how < 3 ? 1 : how < 5 ? 0 : (how == 5 ? gen_pick(s, 256) : 0);
		if (how == 5)
			how = 4;	/* EOL first, junk after it */
	}
}

static void gen_opts(struct gen_src *s, struct optbuf *o, const uint32_t *ts_echo)
{
	memset(o, 0, sizeof(*o));
	o->max = 40;
	switch (gen_pick(s, 8)) {
	case 0:
		return;
	case 1:
	case 2:
		opt_linux(s, o, 0);
		return;
	case 3:
		opt_linux(s, o, 1);
		return;
	default:
		opt_list(s, o, ts_echo);
		opt_pad(s, o);
	}
}

/* ---- TCP ---- */

struct tcp_spec {
	uint8_t saddr[16], daddr[16];
	int v6;
	size_t len;		/* header and payload */
};

static uint8_t pick_flags(struct gen_src *s)
{
	static const uint8_t extra[] = { 0, 0, 0, 0x08, 0x20, 0x40, 0x80, 0xc0, 0x01, 0x04 };

	switch (gen_pick(s, 8)) {
	case 0: case 1: case 2:
		return 0x02 | extra[gen_pick(s, sizeof(extra))];
	case 3: case 4: case 5:
		return 0x10 | extra[gen_pick(s, sizeof(extra))];
	default:
		return gen_pick(s, 256);
	}
}

static uint16_t pick_port(struct gen_src *s)
{
	switch (gen_pick(s, 10)) {
	case 0: case 1: case 2: case 3:
		return GEN_PORT_SYN;
	case 4: case 5: case 6:
		return GEN_PORT_LISTEN;
	case 7:
		return GEN_PORT_OPEN;
	default:
		return gen_pick(s, 65536);
	}
}

static size_t pick_payload(struct gen_src *s, size_t room)
{
	size_t n;

	switch (gen_pick(s, 16)) {
	case 0: case 1: case 2:
		n = 1 + gen_pick(s, 64);
		break;
	case 3:
		n = 65 + gen_pick(s, 1500);
		break;
	case 4:
		n = gen_pick(s, MODEL_FRAME_MAX);
		break;
	default:
		return 0;
	}
	return n < room ? n : room;
}

/*
 * A valid cookie for this flow (or one a period or two too old, or under a
 * random meta), so that the ACK path gets past the MAC; *tsval is its TSval.
 */
static uint32_t real_cookie(struct gen_src *s, const struct model_env *e, const struct tcp_spec *t,
			    const uint8_t *tcp, uint32_t isn, uint32_t *tsval)
{
	struct model_flow f = { .v6 = t->v6 };
	struct model_ck ck = {
		.mss = pick_mss(s), .wscale = gen_pick(s, 16),
		.sack = gen_pick(s, 2), .ecn = gen_pick(s, 2),
	};
	uint32_t slot = gen_pick(s, 2);

	memcpy(f.saddr, t->saddr, 16);
	memcpy(f.daddr, t->daddr, 16);
	memcpy(f.sport, tcp, 2);
	memcpy(f.dport, tcp + 2, 2);
	return model_cookie_make(&e->keys[slot], slot, &f, isn, e->now - gen_pick(s, 3), &ck,
				 tsval);
}

/* The TCP segment at p (room bytes); checksum done by the caller. */
static size_t gen_tcp(struct gen_src *s, const struct model_env *e, const struct tcp_spec *t,
		      uint8_t *p, size_t room)
{
	uint32_t seq = gen_u32(s), ack = gen_u32(s), tsval = 0;
	uint8_t flags = pick_flags(s);
	size_t hlen, pay;
	struct optbuf o;

	put16(p, gen_pick(s, 4) ? 1024 + gen_pick(s, 64512) : gen_pick(s, 65536));
	put16(p + 2, pick_port(s));
	if ((flags & 0x17) == 0x10 && gen_pick(s, 3))
		ack = real_cookie(s, e, t, p, seq - 1, &tsval) + 1;
	put32(p + 4, seq);
	put32(p + 8, ack);
	gen_opts(s, &o, tsval ? &tsval : NULL);
	hlen = 20 + (o.n + 3) / 4 * 4;
	p[12] = (chance(s, 4) ? gen_pick(s, 16) : hlen / 4) << 4 | (chance(s, 8) ? gen_pick(s, 16) : 0);
	p[13] = flags;
	put16(p + 14, gen_pick(s, 65536));
	put32(p + 16, chance(s, 10) ? gen_pick(s, 65536) : 0);	/* checksum 0, urgent pointer */
	memset(p + 20, 0, hlen - 20);
	memcpy(p + 20, o.b, o.n);
	pay = pick_payload(s, room - hlen);
	fill(s, p + hlen, pay);
	return hlen + pay;
}

/* ---- IP ---- */

static void tcp_finish(struct gen_src *s, const struct tcp_spec *t, uint8_t *tcp)
{
	uint16_t c;

	put16(tcp + 16, 0);
	c = model_tcp_csum(t->v6, t->saddr, t->daddr, tcp, t->len);
	if (chance(s, 8))
		c ^= 1u << gen_pick(s, 16);
	else if (chance(s, 4))	/* as loopback or a veth with TX offload sends it */
		c = model_tcp_partial_csum(t->v6, t->saddr, t->daddr, t->len);
	put16(tcp + 16, c);
}

static void pick_addr(struct gen_src *s, uint8_t *a, int v6)
{
	static const uint8_t v4[4] = { 198, 18, 0, 0 }, v6p[4] = { 0x20, 0x01, 0x0d, 0xb8 };

	memset(a, 0, 16);
	fill(s, a, v6 ? 16 : 4);
	if (gen_pick(s, 2))
		memcpy(a, v6 ? v6p : v4, v6 ? 4 : 2);
}

static int len_delta(struct gen_src *s)
{
	return chance(s, 92) ? 0 : (int)gen_pick(s, 81) - 40;
}

static size_t gen_ipv4(struct gen_src *s, const struct model_env *e, uint8_t *ip, size_t room)
{
	static const uint32_t frag[] = {	/* mostly DF, as real SYNs; every kind of fragment */
		0x4000, 0x4000, 0x4000, 0x4000, 0x4000, 0x4000, 0x4000, 0, 0,
		0x2000, 0x6000, 0x0001, 0x1fff,
	};
	struct tcp_spec t = { .v6 = 0 };
	size_t hlen = chance(s, 85) ? 20 : 20 + 4 * gen_pick(s, 11), i;
	int tot;

	pick_addr(s, t.saddr, 0);
	pick_addr(s, t.daddr, 0);
	t.len = gen_tcp(s, e, &t, ip + hlen, room - hlen);
	ip[0] = (chance(s, 97) ? 4 : gen_pick(s, 16)) << 4 |
		(chance(s, 97) ? hlen / 4 : gen_pick(s, 16));
	ip[1] = gen_pick(s, 256) & (chance(s, 30) ? 0xff : 0xfc);
	tot = (int)(hlen + t.len) + len_delta(s);
	put16(ip + 2, tot < 0 ? 0 : tot);
	put16(ip + 4, gen_pick(s, 65536));
	put16(ip + 6, pick_of(s, frag, sizeof(frag) / sizeof(frag[0]), 0xffff));
	ip[8] = gen_pick(s, 256);
	ip[9] = chance(s, 94) ? 6 : gen_pick(s, 256);
	memcpy(ip + 12, t.saddr, 4);
	memcpy(ip + 16, t.daddr, 4);
	for (i = 20; i < hlen; i++)	/* options: NOPs, an EOL, perhaps junk */
		ip[i] = chance(s, 80) ? 1 : gen_pick(s, 3) ? 0 : gen_pick(s, 256);
	tcp_finish(s, &t, ip + hlen);
	put16(ip + 10, 0);
	put16(ip + 10, ~model_sum16(ip, hlen, 0) ^ (chance(s, 5) ? 1u << gen_pick(s, 16) : 0));
	return hlen + t.len;
}

static size_t gen_ipv6(struct gen_src *s, const struct model_env *e, uint8_t *ip, size_t room)
{
	static const uint32_t next[] = { 0, 43, 44, 50, 51, 60, 135, 139, 140, 253, 254, 17, 58 };
	struct tcp_spec t = { .v6 = 1 };
	size_t ext = 0, i, n = chance(s, 88) ? 0 : 1 + gen_pick(s, 3);
	uint8_t nh = 6;
	int plen;

	pick_addr(s, t.saddr, 1);
	pick_addr(s, t.daddr, 1);
	for (i = 0; i < n; i++) {	/* extension headers, TCP after the last */
		ip[40 + ext] = i + 1 < n ? 60 : 6;
		ip[41 + ext] = 0;
		memset(ip + 42 + ext, 0, 6);
		ext += 8;
	}
	if (n)
		nh = pick_of(s, next, sizeof(next) / sizeof(next[0]), 0xff);
	t.len = gen_tcp(s, e, &t, ip + 40 + ext, room - 40 - ext);
	put32(ip, 6u << 28 | (gen_pick(s, 256) & (chance(s, 30) ? 0xff : 0xfc)) << 20 |
		  gen_pick(s, 1 << 20));
	if (chance(s, 3))
		ip[0] = (ip[0] & 0x0f) | gen_pick(s, 16) << 4;
	plen = (int)(ext + t.len) + len_delta(s);
	put16(ip + 4, plen < 0 ? 0 : plen);
	ip[6] = nh;
	ip[7] = gen_pick(s, 256);
	memcpy(ip + 8, t.saddr, 16);
	memcpy(ip + 24, t.daddr, 16);
	tcp_finish(s, &t, ip + 40 + ext);
	return 40 + ext + t.len;
}

/* ---- Ethernet ---- */

static size_t gen_l2(struct gen_src *s, uint8_t *b, int v6)
{
	static const uint32_t types[] = { 0x0806, 0x88cc, 0x8847, 0x0000, 0xffff };
	uint32_t tags = gen_pick(s, 20), i;
	size_t off = 12;

	tags = tags < 10 ? 0 : tags < 15 ? 1 : tags < 19 ? 2 : 3;
	fill(s, b, 12);
	for (i = 0; i < tags; i++) {
		put16(b + off, gen_pick(s, 2) ? 0x8100 : 0x88a8);
		put16(b + off + 2, gen_pick(s, 65536));
		off += 4;
	}
	put16(b + off, chance(s, 96) ? (v6 ? 0x86dd : 0x0800) :
		       pick_of(s, types, sizeof(types) / sizeof(types[0]), 0xffff));
	return off + 2;
}

size_t gen_frame(struct gen_src *s, const struct model_env *e, uint8_t *buf)
{
	size_t len, l3;
	int v6;

	if (chance(s, 2)) {	/* anything at all */
		len = 14 + gen_pick(s, gen_pick(s, 8) ? 128 : MODEL_FRAME_MAX - 14);
		fill(s, buf, len);
		return len;
	}
	v6 = gen_pick(s, 2);
	l3 = gen_l2(s, buf, v6);
	len = l3 + (v6 ? gen_ipv6(s, e, buf + l3, MODEL_FRAME_MAX - l3 - 64) :
			 gen_ipv4(s, e, buf + l3, MODEL_FRAME_MAX - l3 - 64));
	if (chance(s, 12)) {	/* Ethernet padding or other trailing bytes */
		size_t n = 1 + gen_pick(s, 64);

		fill(s, buf + len, n);
		len += n;
	}
	if (chance(s, 6))	/* cut anywhere */
		len = 14 + gen_pick(s, len - 13);
	return len;
}
