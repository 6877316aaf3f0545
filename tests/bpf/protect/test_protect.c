// SPDX-License-Identifier: GPL-2.0
/*
 * synq_xdp and synq_tc on packet fixtures, through bpf_prog_test_run_opts():
 *   - SYNs with four option sets, IPv4 and IPv6: the SYN-ACK byte by byte, built
 *     here from the RFCs, with the cookie from include/synq/cookie.h under the
 *     test's key and the clock read around the run;
 *   - a table of malformed and unusual packets: verdict and the counters that move
 *     (and only those);
 *   - the final ACK of our own SYN-ACK: passed, with the right metadata;
 *   - synq_tc on such an ACK with a real listener in the test's own namespace.
 * Needs root; runs in a network namespace of its own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "harness.h"
#include "pkt.h"

/* The table rows start from a base packet (SYN4, ACK4) and override some of its fields. */
#pragma GCC diagnostic ignored "-Woverride-init"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define BIT(c)	(1u << (c))
#define MAL(r)	((r) + 1)
#define SYN_OK	(BIT(SYNQ_SYN_RECEIVED) | BIT(SYNQ_SYNACK_SENT))
#define SYN_BAD	(BIT(SYNQ_SYN_RECEIVED) | BIT(SYNQ_SYN_MALFORMED))
#define CLIENT_ISN 1000
#define PKT_JUMBO 9000	/* a frame of the table: a 9000-byte MTU's, fragments and all */

static struct synq_protect_bpf *skel;
static const char *skip_reason;
static int est_fds[2][3];		/* per family: listener, client, accepted */
static __u16 est_port[2];		/* the client's port, per family (0 = v4, 1 = v6) */

struct snap {
	__u64 st[SYNQ_COUNTER_MAX];
	__u64 mal[SYNQ_MALFORMED_MAX];
	__u64 err[SYNQ_ERRNO_MAX];
};

static void take(struct snap *s)
{
	assert_int_equal(harness_sum(bpf_map__fd(skel->maps.synq_stats), s->st,
				     SYNQ_COUNTER_MAX), 0);
	assert_int_equal(harness_sum(bpf_map__fd(skel->maps.synq_malformed), s->mal,
				     SYNQ_MALFORMED_MAX), 0);
	assert_int_equal(harness_sum(bpf_map__fd(skel->maps.synq_handoff_errors), s->err,
				     SYNQ_ERRNO_MAX), 0);
}

/* Exactly the counters in `stats` (bits) and malformed reason mal1 - 1 moved, by one. */
static void moved(const char *what, const struct snap *a, const struct snap *b,
		  unsigned int stats, int mal1)
{
	static const char *names[] = SYNQ_COUNTER_NAMES, *mnames[] = SYNQ_MALFORMED_NAMES;
	_Static_assert(sizeof(names) / sizeof(names[0]) == SYNQ_COUNTER_MAX, "names");
	_Static_assert(sizeof(mnames) / sizeof(mnames[0]) == SYNQ_MALFORMED_MAX, "names");
	int i, bad = 0;

	for (i = 0; i < SYNQ_COUNTER_MAX; i++) {
		__u64 want = (stats & BIT(i)) ? 1 : 0;

		if (b->st[i] - a->st[i] != want) {
			print_error("%s: counter %s moved by %llu, expected %llu\n", what, names[i],
				    (unsigned long long)(b->st[i] - a->st[i]),
				    (unsigned long long)want);
			bad = 1;
		}
	}
	for (i = 0; i < SYNQ_MALFORMED_MAX; i++) {
		__u64 want = mal1 == i + 1;

		if (b->mal[i] - a->mal[i] != want) {
			print_error("%s: malformed[%s] moved by %llu, expected %llu\n", what,
				    mnames[i], (unsigned long long)(b->mal[i] - a->mal[i]),
				    (unsigned long long)want);
			bad = 1;
		}
	}
	if (bad)
		fail();
}

static int connect_pair(int family, int fds[3], __u16 *cport)
{
	struct sockaddr_storage ss = {};
	struct sockaddr_in *a4 = (void *)&ss;
	struct sockaddr_in6 *a6 = (void *)&ss;
	socklen_t len = family == AF_INET ? sizeof(*a4) : sizeof(*a6);

	if (family == AF_INET) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(PORT_EST);
		a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(PORT_EST);
		a6->sin6_addr = in6addr_loopback;
	}
	fds[0] = socket(family, SOCK_STREAM, 0);
	fds[1] = socket(family, SOCK_STREAM, 0);
	if (fds[0] < 0 || fds[1] < 0 || bind(fds[0], (void *)&ss, len) || listen(fds[0], 8) ||
	    connect(fds[1], (void *)&ss, len))
		return -errno;
	fds[2] = accept(fds[0], NULL, NULL);
	if (fds[2] < 0 || getsockname(fds[1], (void *)&ss, &len))
		return -errno;
	*cport = ntohs(family == AF_INET ? a4->sin_port : a6->sin6_port);
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		skip_reason = "needs root (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN): run as root";
		return 0;
	}
	if (harness_netns()) {
		skip_reason = "cannot create a network namespace (unshare CLONE_NEWNET)";
		return 0;
	}
	skel = harness_load_for(true);	/* native mode's: frames may come in fragments */
	if (!skel) {
		skip_reason = "synq_protect does not load on this kernel (libbpf says why above)";
		return 0;
	}
	if (connect_pair(AF_INET, est_fds[0], &est_port[0]) ||
	    connect_pair(AF_INET6, est_fds[1], &est_port[1]))
		skip_reason = "cannot open a TCP connection on loopback in the test namespace";
	return 0;
}

static int group_teardown(void **state)
{
	int i, j;

	(void)state;
	for (i = 0; i < 2; i++)
		for (j = 0; j < 3; j++)
			if (est_fds[i][j] > 0)
				close(est_fds[i][j]);
	synq_protect_bpf__destroy(skel);
	return 0;
}

#define NEED_SKEL()							\
	do {								\
		if (skip_reason) {					\
			print_message("skipped: %s\n", skip_reason);	\
			skip();						\
		}							\
	} while (0)

static int xdp_fd(void)
{
	return bpf_program__fd(skel->progs.synq_xdp);
}

/* What a SYN offers; has_ws 0 = no window scale option. */
struct offer {
	__u16 mss;
	int has_ws, ws, sack, ts, ecn;
	__u32 tsval;
};

static void flow_words(int v6, const struct spec *s, struct synq_flow_v6 *f)
{
	memcpy(f->saddr, v6 ? or_default(s->saddr6, def_cli6, 16) : or_default(s->saddr4, def_cli4, 4),
	       v6 ? 16 : 4);
	memcpy(f->daddr, v6 ? or_default(s->daddr6, def_srv6, 16) : or_default(s->daddr4, def_srv4, 4),
	       v6 ? 16 : 4);
	f->sport = htons(s->sport);
	f->dport = htons(s->dport);
}

/* The cookie and TSval synq must use, from the cookie header with the test's key. */
static __u32 expected_cookie(int v6, const struct spec *s, const struct offer *of, __u32 now,
			     __u32 slot, __u32 *tsval)
{
	__u16 ours = v6 ? test_config.mss_v6 : test_config.mss_v4;
	struct synq_cookie_opts ck = {
		.mss = of->mss ? (of->mss < ours ? of->mss : ours) : 0,
		.wscale = of->has_ws ? of->ws : SYNQ_WSCALE_NONE,
		.sack_ok = of->sack, .ecn_ok = of->ecn, .tstamp_ok = of->ts,
	};
	struct synq_flow_v6 f = {};

	flow_words(v6, s, &f);
	if (v6)
		return synq_cookie_make_v6(&test_keys[slot], slot, &f, s->seq, now, &ck, tsval);
	struct synq_flow_v4 f4 = { f.saddr[0], f.daddr[0], f.sport, f.dport };

	return synq_cookie_make_v4(&test_keys[slot], slot, &f4, s->seq, now, &ck, tsval);
}

/* Our SYN-ACK's options as Linux lays them out (tcp_options_write()). */
static size_t expected_opts(int v6, const struct offer *of, __u32 tsval, __u8 *o)
{
	__u16 ours = v6 ? test_config.mss_v6 : test_config.mss_v4;
	size_t n = 0;

	o[n++] = 2, o[n++] = 4;
	put16(o + n, of->mss && of->mss < ours ? of->mss : ours);
	n += 2;
	if (of->ts) {
		o[n++] = of->sack ? 4 : 1, o[n++] = of->sack ? 2 : 1;
		o[n++] = 8, o[n++] = 10;
		put32(o + n, tsval);
		put32(o + n + 4, of->tsval);
		n += 8;
	} else if (of->sack) {
		o[n++] = 1, o[n++] = 1, o[n++] = 4, o[n++] = 2;
	}
	if (of->has_ws)
		o[n++] = 1, o[n++] = 3, o[n++] = 3, o[n++] = test_config.rcv_wscale;
	return n;
}

/* The whole expected SYN-ACK frame for the SYN described by s (no VLAN, no IP options). */
static size_t expected_synack(int v6, const struct spec *s, const struct offer *of, __u32 cookie,
			      __u32 tsval, __u8 *b)
{
	const __u8 *cli = v6 ? or_default(s->saddr6, def_cli6, 16) : or_default(s->saddr4, def_cli4, 4);
	const __u8 *srv = v6 ? or_default(s->daddr6, def_srv6, 16) : or_default(s->daddr4, def_srv4, 4);
	size_t ipl = v6 ? 40 : 20, tcpl;
	__u8 *ip = b + 14, *tcp = b + 14 + ipl;

	memset(b, 0, PKT_MAX);
	memcpy(b, mac_client, 6);
	memcpy(b + 6, mac_server, 6);
	put16(b + 12, v6 ? 0x86dd : 0x0800);
	tcpl = 20 + expected_opts(v6, of, tsval, tcp + 20);
	put16(tcp, s->dport);
	put16(tcp + 2, s->sport);
	put32(tcp + 4, cookie);
	put32(tcp + 8, s->seq + 1);
	tcp[12] = tcpl / 4 << 4;
	tcp[13] = F_SYN | F_ACK | (of->ecn ? F_ECE : 0);
	put16(tcp + 14, 65535);
	put16(tcp + 16, tcp_csum(v6, srv, cli, tcp, tcpl));
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, tcpl);
		ip[6] = 6;
		ip[7] = test_config.ttl;
		memcpy(ip + 8, srv, 16);
		memcpy(ip + 24, cli, 16);
	} else {
		ip[0] = 0x45;
		put16(ip + 2, 20 + tcpl);
		put16(ip + 6, 0x4000);
		ip[8] = test_config.ttl;
		ip[9] = 6;
		memcpy(ip + 12, srv, 4);
		memcpy(ip + 16, cli, 4);
		put16(ip + 10, ~rfc1071_sum(ip, 20, 0));
	}
	return 14 + ipl + tcpl;
}

/* Runs a frame through synq_xdp where the time counter does not step during the run. */
static void run_steady(const __u8 *in, size_t len, struct run *r, __u32 *now)
{
	int tries;

	for (tries = 0; tries < 3; tries++) {
		__u32 before = harness_now();

		assert_int_equal(harness_run(xdp_fd(), in, len, 1, r), 0);
		*now = harness_now();
		if (*now == before)
			return;
	}
	fail_msg("the cookie clock stepped during every run");
}

struct fixture {
	const char *name;
	__u8 opts[40];
	int optlen;
	__u8 flags;
	struct offer of;
};

static const struct fixture fixtures[] = {
	{ "no options", {}, 0, 0, {} },
	{ "MSS only", { 2, 4, 0x05, 0x78 }, 4, 0, { .mss = 1400 } },
	{ "Linux (MSS,SACK_PERM,TS,NOP,WS)",
	  { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0, 1, 3, 3, 7 }, 20, 0,
	  { .mss = 1460, .has_ws = 1, .ws = 7, .sack = 1, .ts = 1, .tsval = 0x11223344 } },
	{ "Windows (MSS,NOP,WS,NOP,NOP,SACK_PERM)",
	  { 2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2 }, 12, 0,
	  { .mss = 1460, .has_ws = 1, .ws = 8, .sack = 1 } },
	{ "Linux with ECN (ECE+CWR)",
	  { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0, 1, 3, 3, 14 }, 20,
	  F_ECE | F_CWR, { .mss = 1460, .has_ws = 1, .ws = 14, .sack = 1, .ts = 1, .tsval = 9, .ecn = 1 } },
};

static struct spec fixture_syn(int v6, const struct fixture *fx)
{
	/* A flow per fixture and family: a handshake repeated at once would count as pending. */
	struct spec s = {
		.v6 = v6, .flags = F_SYN | fx->flags, .dport = PORT_SYN,
		.sport = 40100 + 10 * v6 + (fx - fixtures),
		.seq = 0xfffffff0,	/* ack = ISN + 1 wraps nowhere near; the high bits matter */
		.optlen = fx->optlen,
	};

	memcpy(s.opts, fx->opts, sizeof(s.opts));
	return s;
}

/* The client's final ACK for our SYN-ACK (cookie, our TSval echoed when timestamps are on). */
static size_t final_ack(const struct spec *syn, const struct offer *of, __u32 cookie,
			__u32 tsval, __u8 *b)
{
	struct spec a = *syn;

	a.flags = F_ACK;
	a.seq = syn->seq + 1;
	a.ack = cookie + 1;
	a.optlen = 0;
	memset(a.opts, 0, sizeof(a.opts));
	if (of->ts) {
		__u8 ts[12] = { 1, 1, 8, 10 };

		put32(ts + 4, of->tsval + 1);
		put32(ts + 8, tsval);
		memcpy(a.opts, ts, sizeof(ts));
		a.optlen = sizeof(ts);
	}
	return build(&a, b);
}

static void check_meta(const struct run *r, int v6, const struct offer *of, __u32 tsval)
{
	struct synq_meta m;
	__u16 mss = of->mss ? of->mss : 0;
	__u16 ours = v6 ? test_config.mss_v6 : test_config.mss_v4;

	assert_int_equal(r->meta_len, sizeof(m));
	memcpy(&m, r->out, sizeof(m));
	assert_int_equal(m.kind, SYNQ_META_COOKIE);
	if (mss > ours)
		mss = ours;
	/* The cookie keeps an MSS class: the largest table entry not above the MSS. */
	assert_int_equal(m.mss, synq_mss_decode(v6 ? AF_INET6 : AF_INET,
						synq_mss_encode(v6 ? AF_INET6 : AF_INET, mss)));
	assert_int_equal(!!(m.flags & SYNQ_META_F_WSCALE), of->has_ws);
	if (of->has_ws)
		assert_int_equal(m.snd_wscale, of->ws);
	assert_int_equal(!!(m.flags & SYNQ_META_F_SACK), of->sack);
	assert_int_equal(!!(m.flags & SYNQ_META_F_TSTAMP), of->ts);
	assert_int_equal(!!(m.flags & SYNQ_META_F_ECN), of->ecn);
	if (of->ts) {
		assert_int_equal(m.rcv_tsecr, tsval);
		assert_int_equal(m.rcv_tsval, of->tsval + 1);
	}
}

/* SYN -> exactly the expected SYN-ACK; then its final ACK -> passed with metadata. */
static void synack_fixture(int v6, const struct fixture *fx)
{
	__u8 in[PKT_MAX], want[PKT_MAX], ack[PKT_MAX];
	struct spec s = fixture_syn(v6, fx);
	size_t len = build(&s, in), wlen, alen;
	__u32 now, cookie, tsval;
	struct snap a, b;
	struct run r;

	print_message("  %s, %s\n", v6 ? "IPv6" : "IPv4", fx->name);
	take(&a);
	run_steady(in, len, &r, &now);
	take(&b);
	assert_int_equal(r.retval, XDP_TX);
	moved(fx->name, &a, &b, SYN_OK, 0);
	cookie = expected_cookie(v6, &s, &fx->of, now, 0, &tsval);
	wlen = expected_synack(v6, &s, &fx->of, cookie, tsval, want);
	assert_int_equal(r.meta_len, 0);
	assert_int_equal(r.out_len, wlen);
	assert_memory_equal(r.out, want, wlen);

	alen = final_ack(&s, &fx->of, cookie, tsval, ack);
	take(&a);
	assert_int_equal(harness_run(xdp_fd(), ack, alen, 1, &r), 0);
	take(&b);
	assert_int_equal(r.retval, XDP_PASS);
	moved("final ACK", &a, &b, BIT(SYNQ_ACK_COOKIE_VALID), 0);
	check_meta(&r, v6, &fx->of, tsval);
	assert_memory_equal(r.out + r.meta_len, ack, alen);
}

static void synack_all(int v6)
{
	size_t i;

	NEED_SKEL();
	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++)
		synack_fixture(v6, &fixtures[i]);
}

static void test_synack_ipv4(void **state)
{
	(void)state;
	synack_all(0);
}

static void test_synack_ipv6(void **state)
{
	(void)state;
	synack_all(1);
}

/*
 * With the sysctls off (synq_config.*_ok = 0) a full Linux-style SYN with ECN gets
 * only an MSS option and no ECE, and the cookie says so: each option is sent only
 * when its flag allows it.
 */
static void test_synack_sysctls_off(void **state)
{
	struct synq_config cfg = test_config;
	const struct fixture *fx = &fixtures[4];	/* Linux with ECN */
	__u8 in[PKT_MAX], want[PKT_MAX];
	struct offer none = { .mss = fx->of.mss };
	__u32 now, cookie, tsval;
	struct spec s;
	struct run r;
	size_t wlen;
	int v6;

	(void)state;
	NEED_SKEL();
	cfg.sack_ok = cfg.tstamp_ok = cfg.wscale_ok = cfg.ecn_ok = 0;
	assert_int_equal(harness_config(skel, &cfg), 0);
	for (v6 = 0; v6 < 2; v6++) {
		s = fixture_syn(v6, fx);
		run_steady(in, build(&s, in), &r, &now);
		assert_int_equal(r.retval, XDP_TX);
		cookie = expected_cookie(v6, &s, &none, now, 0, &tsval);
		wlen = expected_synack(v6, &s, &none, cookie, tsval, want);
		assert_int_equal(r.out_len, wlen);
		assert_memory_equal(r.out, want, wlen);
	}
	assert_int_equal(harness_config(skel, &test_config), 0);
}

/*
 * ECN is granted as the kernel grants it (tcp_ecn_create_request()): not to an
 * ECN-setup SYN that is itself ECT-marked, nor to one with reserved bits set.
 */
/* Sets a reserved TCP header bit of an untagged frame and fixes the checksum up. */
static void set_reserved_bit(int v6, __u8 *frame, size_t seg_len)
{
	__u8 *ip = frame + 14, *tcp = ip + (v6 ? 40 : 20);
	const __u8 *src = ip + (v6 ? 8 : 12), *dst = src + (v6 ? 16 : 4);

	tcp[12] |= 0x01;
	put16(tcp + 16, 0);
	put16(tcp + 16, tcp_csum(v6, src, dst, tcp, seg_len));
}

static void test_ecn_refused(void **state)
{
	const struct fixture *fx = &fixtures[4];	/* Linux with ECN */
	__u8 in[PKT_MAX], want[PKT_MAX];
	struct offer of = fx->of;
	__u32 now, cookie, tsval;
	struct spec s;
	struct run r;
	size_t len;
	int i;

	(void)state;
	NEED_SKEL();
	of.ecn = 0;
	for (i = 0; i < 4; i++) {
		int v6 = i & 1;

		s = fixture_syn(v6, fx);
		s.tos = i < 2 ? 0x02 : 0;	/* ECT(0) on the SYN itself */
		len = build(&s, in);
		if (i >= 2)
			set_reserved_bit(v6, in, 20 + s.optlen);
		run_steady(in, len, &r, &now);
		assert_int_equal(r.retval, XDP_TX);
		cookie = expected_cookie(v6, &s, &of, now, 0, &tsval);
		assert_int_equal(r.out_len, expected_synack(v6, &s, &of, cookie, tsval, want));
		assert_memory_equal(r.out, want, r.out_len);
	}
}

/*
 * Key rotation: after key_slot flips to 1, SYNs get cookies under slot 1's key,
 * cookies made under slot 0 still validate, and once slot 0 holds a new key
 * (the next rotation) they no longer do.
 */
static void test_key_rotation(void **state)
{
	const struct synq_key fresh = { 0xdeadbeefULL, 0xfeedfaceULL };
	struct synq_config cfg = test_config;
	const struct fixture *fx = &fixtures[2];	/* Linux */
	__u8 in[PKT_MAX], want[PKT_MAX], ack[PKT_MAX];
	struct spec s = fixture_syn(0, fx);
	__u32 now, cookie, tsval, slot0 = 0;
	size_t alen;
	struct run r;

	(void)state;
	NEED_SKEL();
	/* A handshake in flight under slot 0's key. */
	cookie = expected_cookie(0, &s, &fx->of, harness_now(), 0, &tsval);
	alen = final_ack(&s, &fx->of, cookie, tsval, ack);

	cfg.key_slot = 1;
	assert_int_equal(harness_config(skel, &cfg), 0);
	run_steady(in, build(&s, in), &r, &now);
	assert_int_equal(r.retval, XDP_TX);
	cookie = expected_cookie(0, &s, &fx->of, now, 1, &tsval);
	assert_int_equal(r.out_len, expected_synack(0, &s, &fx->of, cookie, tsval, want));
	assert_memory_equal(r.out, want, r.out_len);

	assert_int_equal(harness_run(xdp_fd(), ack, alen, 1, &r), 0);
	assert_int_equal(r.retval, XDP_PASS);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.synq_keys), &slot0, &fresh,
					     BPF_ANY), 0);
	assert_int_equal(harness_run(xdp_fd(), ack, alen, 1, &r), 0);
	assert_int_equal(r.retval, XDP_DROP);

	assert_int_equal(harness_setup(skel), 0);	/* back to the test's keys and config */
}

/* ---- the table of malformed and unusual packets ---- */

struct row {
	const char *name;
	struct spec s;
	int verdict;
	unsigned int stats;	/* BIT(counter) for each counter that must move by one */
	int mal;		/* MAL(reason), or 0 */
	void (*prep)(struct spec *s);
};

#define SYN4 .flags = F_SYN, .sport = 40000, .dport = PORT_SYN, .seq = CLIENT_ISN, \
	     .opts = { 2, 4, 0x05, 0xb4 }, .optlen = 4
#define SYN6 .v6 = 1, SYN4
#define ACK4 .flags = F_ACK, .sport = 40000, .dport = PORT_SYN, .seq = CLIENT_ISN + 1, \
	     .ack = 0x12345678

static const struct offer plain_offer = { .mss = 1460 };

/* A final ACK carrying the cookie for the SYN (CLIENT_ISN, MSS 1460) of s's flow. */
static void ack_with_cookie(struct spec *s, __u32 slot, int age, int ts_wrong)
{
	struct offer of = plain_offer;
	struct spec syn = *s;
	__u32 tsval;

	syn.seq = CLIENT_ISN;
	of.ts = ts_wrong;
	s->ack = expected_cookie(s->v6, &syn, &of, harness_now() - age, slot, &tsval) + 1;
	if (ts_wrong) {
		__u8 ts[12] = { 1, 1, 8, 10, 0, 0, 0, 1 };

		put32(ts + 8, tsval ^ 1);
		memcpy(s->opts, ts, sizeof(ts));
		s->optlen = sizeof(ts);
	}
}

static void prep_prev_key(struct spec *s) { ack_with_cookie(s, 1, 0, 0); }
static void prep_expired(struct spec *s) { ack_with_cookie(s, 0, 2, 0); }
static void prep_one_period(struct spec *s) { ack_with_cookie(s, 0, 1, 0); }
static void prep_ts_wrong(struct spec *s) { ack_with_cookie(s, 0, 0, 1); }
static void prep_valid(struct spec *s) { ack_with_cookie(s, 0, 0, 0); }

/* Puts the 4-tuple of the test's own loopback connection into s. */
static void prep_established(struct spec *s)
{
	static const __u8 lo4[4] = { 127, 0, 0, 1 }, lo6[16] = { [15] = 1 };

	memcpy(s->saddr4, lo4, 4);
	memcpy(s->daddr4, lo4, 4);
	memcpy(s->saddr6, lo6, 16);
	memcpy(s->daddr6, lo6, 16);
	s->sport = est_port[s->v6];
	s->dport = PORT_EST;
}

static const struct row rows[] = {
	{ "IPv4 header cut short", { SYN4, .trunc = 14 + 12 }, XDP_PASS, 0, MAL(SYNQ_MAL_IP_HEADER) },
	{ "IPv6 header cut short", { SYN6, .trunc = 14 + 30 }, XDP_PASS, 0, MAL(SYNQ_MAL_IP_HEADER) },
	{ "IPv4 total length past the frame", { SYN4, .ip_len_delta = 20 }, XDP_PASS, 0,
	  MAL(SYNQ_MAL_IP_HEADER) },
	{ "IPv4 IHL 4", { SYN4, .ihl = 4 }, XDP_PASS, 0, MAL(SYNQ_MAL_IP_HEADER) },
	{ "IPv6 payload length past the frame", { SYN6, .ip_len_delta = 8 }, XDP_PASS, 0,
	  MAL(SYNQ_MAL_IP_HEADER) },
	{ "IPv4: 10 bytes of TCP header", { SYN4, .ip_len_delta = -14 }, XDP_PASS, 0,
	  MAL(SYNQ_MAL_TCP_TRUNCATED) },
	{ "IPv6: 10 bytes of TCP header", { SYN6, .ip_len_delta = -14 }, XDP_PASS, 0,
	  MAL(SYNQ_MAL_TCP_TRUNCATED) },
	{ "frame cut inside the TCP header", { SYN4, .trunc = 14 + 20 + 12, .ip_len_delta = -12 },
	  XDP_PASS, 0, MAL(SYNQ_MAL_TCP_TRUNCATED) },
	{ "VLAN tag cut short", { SYN4, .vlans = 1, .trunc = 16 }, XDP_PASS,
	  BIT(SYNQ_PASSED_NOT_TCP), 0 },
	{ "SYN, data offset 4", { SYN4, .doff = 4 }, XDP_DROP, SYN_BAD, MAL(SYNQ_MAL_DOFF) },
	{ "SYN, data offset past the segment", { SYN4, .doff = 15 }, XDP_DROP, SYN_BAD,
	  MAL(SYNQ_MAL_DOFF) },
	{ "SYN, option kind without length", { SYN4, .opts = { 1, 1, 1, 2 } }, XDP_DROP, SYN_BAD,
	  MAL(SYNQ_MAL_OPTIONS) },
	{ "SYN, option length 0", { SYN4, .opts = { 8, 0, 1, 1 } }, XDP_DROP, SYN_BAD,
	  MAL(SYNQ_MAL_OPTIONS) },
	{ "SYN, option length 1", { SYN4, .opts = { 3, 1, 1, 1 } }, XDP_DROP, SYN_BAD,
	  MAL(SYNQ_MAL_OPTIONS) },
	{ "SYN, option past the header", { SYN4, .opts = { 1, 1, 8, 10 } }, XDP_DROP, SYN_BAD,
	  MAL(SYNQ_MAL_OPTIONS) },
	{ "SYN, MSS option of length 3", { SYN4, .opts = { 2, 3, 5, 1 } }, XDP_DROP, SYN_BAD,
	  MAL(SYNQ_MAL_OPTIONS) },
	{ "SYN, timestamp option of length 8", { SYN4, .opts = { 8, 8, 0, 0, 0, 1, 0, 0 },
	  .optlen = 8 }, XDP_DROP, SYN_BAD, MAL(SYNQ_MAL_OPTIONS) },
	{ "SYN+FIN", { SYN4, .flags = F_SYN | F_FIN }, XDP_DROP, SYN_BAD, MAL(SYNQ_MAL_FLAGS) },
	{ "SYN+RST", { SYN6, .flags = F_SYN | F_RST }, XDP_DROP, SYN_BAD, MAL(SYNQ_MAL_FLAGS) },
	{ "SYN, bad IPv4 header checksum", { SYN4, .bad_ip_csum = 1 }, XDP_DROP, SYN_BAD,
	  MAL(SYNQ_MAL_IP_CSUM) },
	{ "SYN, bad TCP checksum (IPv4)", { SYN4, .bad_tcp_csum = 1 }, XDP_DROP, SYN_BAD,
	  MAL(SYNQ_MAL_TCP_CSUM) },
	{ "SYN, bad TCP checksum (IPv6)", { SYN6, .bad_tcp_csum = 1 }, XDP_DROP, SYN_BAD,
	  MAL(SYNQ_MAL_TCP_CSUM) },
	{ "SYN with payload, bad checksum", { SYN4, .payload = 33, .bad_tcp_csum = 1 }, XDP_DROP,
	  SYN_BAD, MAL(SYNQ_MAL_TCP_CSUM) },
	{ "SYN with IPv4 options (answered, options stripped)", { SYN4, .ipopt_len = 8 }, XDP_TX,
	  SYN_OK, 0 },
	{ "SYN with 33 bytes of payload (IPv4)", { SYN4, .payload = 33 }, XDP_TX, SYN_OK, 0 },
	{ "SYN with 3 bytes of payload (IPv6)", { SYN6, .payload = 3 }, XDP_TX, SYN_OK, 0 },
	{ "SYN with 1100 bytes of payload (IPv4)", { SYN4, .payload = 1100 }, XDP_TX, SYN_OK, 0 },
	{ "SYN with 1301 bytes of payload (IPv6)", { SYN6, .payload = 1301 }, XDP_TX, SYN_OK, 0 },
	{ "SYN with 1024 bytes of payload, bad checksum", { SYN6, .payload = 1024,
	  .bad_tcp_csum = 1 }, XDP_DROP, SYN_BAD, MAL(SYNQ_MAL_TCP_CSUM) },
	{ "SYN padded to 60 bytes", { SYN4, .opts = { 0 }, .optlen = 0, .pad_to = 60 }, XDP_TX, SYN_OK, 0 },
	{ "SYN, MSS option 0 (ours used)", { SYN4, .opts = { 2, 4, 0, 0 } }, XDP_TX, SYN_OK, 0 },
	{ "SYN, EOL then junk", { SYN4, .opts = { 1, 0, 0xff, 0xff } }, XDP_TX, SYN_OK, 0 },
	{ "SYN without DF, not a fragment", { SYN4, .no_df = 1 }, XDP_TX, SYN_OK, 0 },
	{ "SYN in 802.1Q", { SYN4, .vlans = 1 }, XDP_TX, SYN_OK, 0 },
	{ "SYN in QinQ (802.1ad + 802.1Q), IPv6", { SYN6, .vlans = 2 }, XDP_TX, SYN_OK, 0 },
	{ "IPv4 first fragment (MF)", { SYN4, .frag = 0x2000 }, XDP_PASS,
	  BIT(SYNQ_PASSED_FRAGMENT), 0 },
	{ "IPv4 later fragment (offset 0x10)", { SYN4, .frag = 0x0010 }, XDP_PASS,
	  BIT(SYNQ_PASSED_FRAGMENT), 0 },
	{ "IPv6 routing header", { SYN6, .v6_ext = 43 }, XDP_PASS, BIT(SYNQ_PASSED_IPV6_EXT), 0 },
	{ "IPv6 fragment header", { SYN6, .v6_ext = 44 }, XDP_PASS, BIT(SYNQ_PASSED_IPV6_EXT), 0 },
	{ "IPv6 destination options", { SYN6, .v6_ext = 60 }, XDP_PASS,
	  BIT(SYNQ_PASSED_IPV6_EXT), 0 },
	{ "UDP", { SYN4, .proto = 17 }, XDP_PASS, BIT(SYNQ_PASSED_NOT_TCP), 0 },
	{ "ICMPv6", { SYN6, .proto = 58 }, XDP_PASS, BIT(SYNQ_PASSED_NOT_TCP), 0 },
	{ "ARP", { .ethertype = 0x0806 }, XDP_PASS, BIT(SYNQ_PASSED_NOT_TCP), 0 },
	{ "SYN to an unprotected port", { SYN4, .dport = PORT_OPEN }, XDP_PASS,
	  BIT(SYNQ_PASSED_UNPROTECTED), 0 },
	{ "SYN-ACK to a protected port", { SYN4, .flags = F_SYN | F_ACK }, XDP_PASS, 0, 0 },
	{ "RST", { ACK4, .flags = F_RST }, XDP_PASS, 0, 0 },
	{ "FIN+ACK", { ACK4, .flags = F_FIN | F_ACK }, XDP_PASS, 0, 0 },
	{ "no flags", { ACK4, .flags = 0 }, XDP_PASS, 0, 0 },
	{ "ACK, no cookie, no connection", { ACK4 }, XDP_DROP, BIT(SYNQ_ACK_COOKIE_INVALID), 0 },
	{ "ACK with data, no connection", { ACK4, .flags = F_ACK | F_PSH, .payload = 100 },
	  XDP_DROP, BIT(SYNQ_ACK_COOKIE_INVALID), 0 },
	{ "ACK, data offset 4, no connection", { ACK4, .doff = 4 }, XDP_DROP,
	  BIT(SYNQ_ACK_COOKIE_INVALID), 0 },
	{ "ACK, cookie under the previous key", { ACK4, .sport = 40011 }, XDP_PASS,
	  BIT(SYNQ_ACK_COOKIE_VALID), 0, prep_prev_key },
	{ "ACK, cookie one period old", { ACK4, .v6 = 1, .sport = 40012 }, XDP_PASS,
	  BIT(SYNQ_ACK_COOKIE_VALID), 0, prep_one_period },
	{ "ACK, expired cookie (two periods)", { ACK4, .sport = 40013 }, XDP_DROP,
	  BIT(SYNQ_ACK_COOKIE_INVALID), 0, prep_expired },
	{ "ACK, TSecr is not our TSval", { ACK4, .sport = 40014 }, XDP_DROP, BIT(SYNQ_ACK_COOKIE_INVALID), 0,
	  prep_ts_wrong },
	{ "ACK, valid cookie, IPv6 in QinQ", { ACK4, .v6 = 1, .vlans = 2, .sport = 40015 }, XDP_PASS,
	  BIT(SYNQ_ACK_COOKIE_VALID), 0, prep_valid },
	{ "ACK of an established connection (IPv4)", { ACK4 }, XDP_PASS,
	  BIT(SYNQ_ACK_ESTABLISHED), 0, prep_established },
	{ "data on an established connection (IPv6)", { ACK4, .v6 = 1, .flags = F_ACK | F_PSH,
	  .payload = 200 }, XDP_PASS, BIT(SYNQ_ACK_ESTABLISHED), 0, prep_established },
	{ "FIN on an established connection", { ACK4, .flags = F_FIN | F_ACK }, XDP_PASS, 0, 0,
	  prep_established },
	/* Past BPF_PROG_TEST_RUN's first buffer (3520 bytes): the rest comes in fragments. */
	{ "SYN with 6000 bytes of payload, in fragments (IPv4)", { SYN4, .payload = 6000 },
	  XDP_TX, SYN_OK, 0 },
	{ "SYN with 8000 bytes of payload, in fragments (IPv6)", { SYN6, .payload = 8000 },
	  XDP_TX, SYN_OK, 0 },
	{ "SYN in fragments, bad checksum", { SYN4, .payload = 5000, .bad_tcp_csum = 1 },
	  XDP_DROP, SYN_BAD, MAL(SYNQ_MAL_TCP_CSUM) },
	{ "ACK with 7000 bytes of data in fragments, no connection", { ACK4, .payload = 7000 },
	  XDP_DROP, BIT(SYNQ_ACK_COOKIE_INVALID), 0 },
	{ "ACK, valid cookie, 4000 bytes of data in fragments", { ACK4, .sport = 40016,
	  .payload = 4000 }, XDP_PASS, BIT(SYNQ_ACK_COOKIE_VALID), 0, prep_valid },
	{ "8000 bytes on an established connection, in fragments", { ACK4, .v6 = 1,
	  .flags = F_ACK | F_PSH, .payload = 8000 }, XDP_PASS, BIT(SYNQ_ACK_ESTABLISHED), 0,
	  prep_established },
	{ "IPv4 length past the end of a frame in fragments", { SYN4, .payload = 5000,
	  .ip_len_delta = 1 }, XDP_PASS, 0, MAL(SYNQ_MAL_IP_HEADER) },
};

/* A SYN-ACK we sent must carry valid checksums, our cookie's ack and no IP options. */
static void check_tx(const struct spec *s, const struct run *r)
{
	size_t l3 = 14 + 4 * s->vlans, ipl = s->v6 ? 40 : 20, tcpl;
	const __u8 *ip = r->out + l3, *tcp = ip + ipl;
	const __u8 *src = s->v6 ? ip + 8 : ip + 12, *dst = s->v6 ? ip + 24 : ip + 16;

	assert_true(r->out_len >= l3 + ipl + 20);
	tcpl = r->out_len - l3 - ipl;
	if (!s->v6) {
		assert_int_equal(ip[0], 0x45);
		assert_int_equal(rfc1071_sum(ip, 20, 0), 0xffff);
	}
	assert_int_equal(tcp_csum(s->v6, src, dst, tcp, tcpl), 0);
	assert_int_equal(tcp[13] & (F_SYN | F_ACK | F_RST | F_FIN), F_SYN | F_ACK);
	assert_int_equal(get32(tcp + 8), s->seq + 1);
	assert_int_equal(tcp[12] >> 4, tcpl / 4);
	/* The answer leaves on the VLAN the SYN came from. */
	if (s->vlans)
		assert_int_equal(get16(r->out + 12), s->vlans == 2 ? 0x88a8 : 0x8100);
}

static void test_table(void **state)
{
	static __u8 in[PKT_JUMBO];
	size_t i, len;

	(void)state;
	NEED_SKEL();
	assert_true(sizeof(rows) / sizeof(rows[0]) >= 30);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *w = &rows[i];
		struct spec s = w->s;
		struct snap a, b;
		struct run r;

		if (w->prep)
			w->prep(&s);
		len = build(&s, in);
		print_message("  %s\n", w->name);
		take(&a);
		assert_int_equal(harness_run(xdp_fd(), in, len, 1, &r), 0);
		take(&b);
		if (r.retval != (__u32)w->verdict)
			fail_msg("%s: verdict %u, expected %d", w->name, r.retval, w->verdict);
		moved(w->name, &a, &b, w->stats, w->mal);
		if (w->verdict == XDP_PASS) {
			assert_int_equal(r.out_len - r.meta_len, len);
			assert_memory_equal(r.out + r.meta_len, in, len);
		} else if (w->verdict == XDP_TX) {
			check_tx(&s, &r);
		}
	}
}

/* An established connection's ACK is tagged for TC, which then does nothing. */
static void test_established_tag(void **state)
{
	struct spec s = { ACK4 };
	__u8 in[PKT_MAX];
	struct run r;
	__u32 kind;

	(void)state;
	NEED_SKEL();
	prep_established(&s);
	assert_int_equal(harness_run(xdp_fd(), in, build(&s, in), 1, &r), 0);
	assert_int_equal(r.retval, XDP_PASS);
	assert_int_equal(r.meta_len, sizeof(__u32));
	memcpy(&kind, r.out, sizeof(kind));
	assert_int_equal(kind, SYNQ_META_ESTABLISHED);
}

static int tc_fd(void)
{
	return bpf_program__fd(skel->progs.synq_tc);
}

/*
 * synq_tc on a valid-cookie ACK for the test's listener, without XDP metadata (so
 * it re-checks the cookie itself) reaches bpf_sk_assign_tcp_reqsk(). Under
 * BPF_PROG_TEST_RUN the skb is not at TC ingress, so the kfunc answers -EINVAL:
 * the test proves the lookup, the cookie re-check, the call and the error
 * accounting; real handoffs are covered end to end on veth.
 */
static void test_tc_handoff_path(void **state)
{
	struct spec s = { ACK4, .dport = PORT_EST, .sport = 40002 };
	__u8 in[PKT_MAX];
	struct snap a, b;
	struct run r;
	int v6;

	(void)state;
	NEED_SKEL();
	for (v6 = 0; v6 < 2; v6++) {
		s.v6 = v6;
		prep_established(&s);
		s.sport = 40002;	/* a new flow towards the listener */
		prep_valid(&s);
		take(&a);
		assert_int_equal(harness_run(tc_fd(), in, build(&s, in), 1, &r), 0);
		take(&b);
		assert_int_equal(r.retval, 0 /* TC_ACT_OK */);
		moved("TC handoff", &a, &b, BIT(SYNQ_HANDOFF_FAILED), 0);
		assert_int_equal(b.err[EINVAL] - a.err[EINVAL], 1);
		/* The same handshake again at once (a request right behind its final
		 * ACK): no second handoff, which would make a duplicate connection. */
		assert_int_equal(harness_run(tc_fd(), in, build(&s, in), 1, &r), 0);
		take(&a);
		moved("TC, same handshake again", &b, &a, 0, 0);
	}
}

/* synq_tc leaves alone what it must not hand off: bad cookies, known connections, no listener. */
static void test_tc_no_handoff(void **state)
{
	struct spec bad = { ACK4, .dport = PORT_EST }, est = { ACK4 }, nolisten = { ACK4 };
	struct spec *cases[] = { &bad, &est, &nolisten };
	__u8 in[PKT_MAX];
	struct snap a, b;
	struct run r;
	size_t i;

	(void)state;
	NEED_SKEL();
	prep_established(&bad);
	bad.sport = 40003;
	prep_established(&est);
	prep_valid(&nolisten);		/* PORT_SYN: protected, nobody listens */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		take(&a);
		assert_int_equal(harness_run(tc_fd(), in, build(cases[i], in), 1, &r), 0);
		take(&b);
		assert_int_equal(r.retval, 0);
		moved("TC, nothing to hand off", &a, &b, 0, 0);
		assert_memory_equal(a.err, b.err, sizeof(a.err));
	}
}

/* A listener on any IPv4 address at port; backlog 0 and one connection not accepted: full. */
static int listen_at(__u16 port, int full, int fds[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in lo = a;
	int one = 1;

	lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	fds[1] = -1;
	if (fds[0] < 0 || setsockopt(fds[0], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fds[0], (void *)&a, sizeof(a)) || listen(fds[0], full ? 0 : 8))
		return -errno;
	if (!full)
		return 0;
	fds[1] = socket(AF_INET, SOCK_STREAM, 0);
	return fds[1] < 0 || connect(fds[1], (void *)&lo, sizeof(lo)) ? -errno : 0;
}

static __u32 slot_of_port(__u16 port)
{
	struct synq_listener_key k = { .port = htons(port) };

	memcpy(k.addr, def_srv4, sizeof(def_srv4));
	return synq_listener_slot_of(&k);
}

/* Two ports above 20000 whose views want the same slot, and that slot still empty. */
static void colliding_ports(__u16 *p1, __u16 *p2)
{
	int fd = bpf_map__fd(skel->maps.synq_listener_slots);
	static struct synq_listener_slot slot;
	__u16 first[SYNQ_LISTENER_SLOTS] = { 0 };
	__u32 i;

	for (*p2 = 20000; *p2 < 60000; (*p2)++) {
		i = slot_of_port(*p2);
		assert_int_equal(bpf_map_lookup_elem(fd, &i, &slot), 0);
		if (slot.owner != SYNQ_SLOT_EMPTY)
			continue;
		if (first[i]) {
			*p1 = first[i];
			return;
		}
		first[i] = *p2;
	}
	fail_msg("no two ports share an empty slot");
}

/*
 * Two listeners whose keys share a slot: the first one seen owns it, the other
 * keeps its view in the hash, and each SYN meets its own listener's state (one
 * accept queue full, one with room), whatever the order.
 */
static void test_listener_slot_shared(void **state)
{
	int fd_full[2], fd_room[2], round, ports_fd;
	struct synq_listener_key key = { 0 };
	struct synq_listener_view view;
	__u16 full_port = 0, room_port = 0;
	__u8 in[PKT_MAX], on = 1, off = 0;
	struct snap a, b;
	struct run r;
	__u32 p;

	(void)state;
	NEED_SKEL();
	ports_fd = bpf_map__fd(skel->maps.synq_ports);
	colliding_ports(&full_port, &room_port);
	assert_int_equal(listen_at(full_port, 1, fd_full), 0);
	assert_int_equal(listen_at(room_port, 0, fd_room), 0);
	for (p = full_port; p; p = p == full_port ? room_port : 0)
		assert_int_equal(bpf_map_update_elem(ports_fd, &p, &on, BPF_ANY), 0);
	for (round = 0; round < 2; round++) {
		struct spec full = { SYN4, .dport = full_port }, room = { SYN4, .dport = room_port };

		take(&a);
		assert_int_equal(harness_run(xdp_fd(), in, build(&full, in), 1, &r), 0);
		take(&b);
		assert_int_equal(r.retval, XDP_DROP);
		moved("SYN, accept queue full", &a, &b,
		      BIT(SYNQ_SYN_RECEIVED) | BIT(SYNQ_SYN_DROPPED_ACCEPT_FULL), 0);
		take(&a);
		assert_int_equal(harness_run(xdp_fd(), in, build(&room, in), 1, &r), 0);
		take(&b);
		assert_int_equal(r.retval, XDP_TX);
		moved("SYN, accept queue with room", &a, &b, SYN_OK, 0);
	}
	/* The full listener came first: its view is in the slot, the other one's in the hash. */
	memcpy(key.addr, def_srv4, sizeof(def_srv4));
	key.port = htons(room_port);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.synq_listeners), &key, &view), 0);
	assert_int_equal(view.listening, 1);
	key.port = htons(full_port);
	assert_int_not_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.synq_listeners), &key,
						 &view), 0);
	for (p = full_port; p; p = p == full_port ? room_port : 0)
		assert_int_equal(bpf_map_update_elem(ports_fd, &p, &off, BPF_ANY), 0);
	close(fd_full[0]);
	close(fd_full[1]);
	close(fd_room[0]);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_synack_ipv4),
	cmocka_unit_test(test_synack_ipv6),
	cmocka_unit_test(test_synack_sysctls_off),
	cmocka_unit_test(test_ecn_refused),
	cmocka_unit_test(test_key_rotation),
	cmocka_unit_test(test_table),
	cmocka_unit_test(test_established_tag),
	cmocka_unit_test(test_tc_handoff_path),
	cmocka_unit_test(test_tc_no_handoff),
	cmocka_unit_test(test_listener_slot_shared),
};

int main(void)
{
	return cmocka_run_group_tests_name("synq_protect", tests, group_setup, group_teardown);
}
