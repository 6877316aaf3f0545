// SPDX-License-Identifier: GPL-2.0
/*
 * The differential test engine: see difftest.h. Used by the fixed-seed test
 * (tests/bpf/protect/test_differential.c) and the open-ended runs of make fuzz
 * (tests/fuzz/).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include "harness.h"
#include "difftest.h"
#include "../model/bytes.h"

_Static_assert(PORT_SYN == GEN_PORT_SYN && PORT_EST == GEN_PORT_LISTEN &&
	       PORT_OPEN == GEN_PORT_OPEN, "the generator aims at the harness's ports");

#define HANDOFF_SET	(1u << 20)	/* hashes kept; cleared when half full */

static const char *counter_names[] = SYNQ_COUNTER_NAMES;
static const char *malformed_names[] = SYNQ_MALFORMED_NAMES;

/* ---- the BPF side ---- */

/* Sums a per-CPU array map of __u64 into out[0..n), in one system call. */
static int sum_percpu(int fd, uint64_t *out, uint32_t n)
{
	int ncpu = libbpf_num_possible_cpus();
	uint32_t keys[SYNQ_ERRNO_MAX], count = n, i;
	static uint64_t *vals;
	static int vals_cpus;
	int c;

	if (ncpu <= 0 || n > SYNQ_ERRNO_MAX)
		return -EINVAL;
	if (vals_cpus != ncpu) {
		free(vals);
		vals = calloc((size_t)ncpu * SYNQ_ERRNO_MAX, sizeof(*vals));
		vals_cpus = vals ? ncpu : 0;
		if (!vals)
			return -ENOMEM;
	}
	if (bpf_map_lookup_batch(fd, NULL, &(uint32_t){ 0 }, keys, vals, &count, NULL) &&
	    errno != ENOENT)
		return -errno;
	if (count != n)
		return -EIO;
	for (i = 0; i < n; i++)
		for (out[i] = 0, c = 0; c < ncpu; c++)
			out[i] += vals[(size_t)i * ncpu + c];
	return 0;
}

/* Which maps a run reads besides synq_stats. */
#define READ_MALFORMED	0x1
#define READ_ERRNOS	0x2
#define READ_ALL	(READ_MALFORMED | READ_ERRNOS)
#define READ_NONE	(-1)	/* no counters after this run: the batch checks them */

/*
 * The counters now. A map read is a system call that costs more than the run
 * itself (the errno map's 128 entries, five times more), so synq_malformed and
 * synq_handoff_errors are read only when `maps` asks (the model expects them to
 * move) or synq_stats shows that they did (syn_malformed, handoff_failed), and
 * both at the end of each batch, where check_batch() sees any move that went
 * unread. Maps not read keep their last values.
 */
static int read_counts(struct diff *d, struct model_counts *c, int maps)
{
	int err = sum_percpu(bpf_map__fd(d->skel->maps.synq_stats), c->st, SYNQ_COUNTER_MAX);

	if (c->st[SYNQ_SYN_MALFORMED] != d->snap.st[SYNQ_SYN_MALFORMED])
		maps |= READ_MALFORMED;
	if (c->st[SYNQ_HANDOFF_FAILED] != d->snap.st[SYNQ_HANDOFF_FAILED])
		maps |= READ_ERRNOS;
	if (!err && (maps & READ_MALFORMED))
		err = sum_percpu(bpf_map__fd(d->skel->maps.synq_malformed), c->mal,
				 SYNQ_MALFORMED_MAX);
	else
		memcpy(c->mal, d->snap.mal, sizeof(c->mal));
	if (!err && (maps & READ_ERRNOS))
		err = sum_percpu(bpf_map__fd(d->skel->maps.synq_handoff_errors), c->err,
				 SYNQ_ERRNO_MAX);
	else
		memcpy(c->err, d->snap.err, sizeof(c->err));
	return err;
}

/* The maps to read after a run the model expects to end with exp's counters. */
static int maps_for(const struct model_out *exp)
{
	int maps = 0, i;

	for (i = 0; i < SYNQ_MALFORMED_MAX; i++)
		if (exp->d.mal[i])
			maps |= READ_MALFORMED;
	if (exp->d.st[SYNQ_HANDOFF_FAILED])
		maps |= READ_ERRNOS;
	return maps;
}

/* One run of prog on the frame: verdict, output, and the counters it moved (unless READ_NONE). */
static int run_bpf(struct diff *d, enum diff_prog prog, const uint8_t *in, size_t len,
		   int maps, struct model_out *got)
{
	struct xdp_md ctx_in = { .data_end = len }, ctx_out = {};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len,
		    .data_out = got->out, .data_size_out = sizeof(got->out), .repeat = 1);
	struct model_counts after;
	int err, i;

	if (prog == DIFF_XDP) {
		o.ctx_in = &ctx_in;
		o.ctx_size_in = sizeof(ctx_in);
		o.ctx_out = &ctx_out;
		o.ctx_size_out = sizeof(ctx_out);
	}
	if (bpf_prog_test_run_opts(prog == DIFF_XDP ? d->xdp_fd : d->tc_fd, &o)) {
		err = -errno;
		/* The skb runner refuses an IP EtherType with less than an IP header. */
		if (prog == DIFF_TC && err == -EINVAL)
			return -EINVAL;
		fprintf(stderr, "difftest: run %s on a %zu-byte frame: %s\n",
			prog == DIFF_XDP ? "synq_xdp" : "synq_tc", len, strerror(-err));
		return err;
	}
	d->st.runs++;
	got->verdict = o.retval;
	got->len = o.data_size_out;
	got->meta_len = prog == DIFF_XDP ? ctx_out.data : 0;
	memset(&got->d, 0, sizeof(got->d));
	if (maps == READ_NONE)
		return 0;
	err = read_counts(d, &after, maps);
	if (err)
		return err;
	for (i = 0; i < SYNQ_COUNTER_MAX; i++)
		got->d.st[i] = after.st[i] - d->snap.st[i];
	for (i = 0; i < SYNQ_MALFORMED_MAX; i++)
		got->d.mal[i] = after.mal[i] - d->snap.mal[i];
	for (i = 0; i < SYNQ_ERRNO_MAX; i++)
		got->d.err[i] = after.err[i] - d->snap.err[i];
	d->snap = after;
	return 0;
}

static int listen_any(int family)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(PORT_EST) };
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(PORT_EST) };
	int fd = socket(family, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -errno;
	if ((family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    (family == AF_INET ? bind(fd, (void *)&a4, sizeof(a4)) : bind(fd, (void *)&a6, sizeof(a6))) ||
	    listen(fd, 8)) {
		close(fd);
		return -errno;
	}
	return fd;
}

void diff_set_clock(struct diff *d, uint32_t now)
{
	/* The middle of the counter's period: never 0, which means the real clock. */
	d->skel->bss->synq_test_tai_ns = (uint64_t)now << SYNQ_COOKIE_PERIOD_SHIFT |
					 1ULL << (SYNQ_COOKIE_PERIOD_SHIFT - 1);
	d->env.now = now;
}

int diff_open(struct diff *d, uint32_t now)
{
	int err = harness_netns(), i;

	memset(d, 0, sizeof(*d));
	d->listen_fd[0] = d->listen_fd[1] = -1;
	if (err) {
		fprintf(stderr, "difftest: new network namespace: %s\n", strerror(-err));
		return err;
	}
	d->skel = harness_load();
	if (!d->skel) {
		fprintf(stderr, "difftest: load synq_protect: %s\n", strerror(errno));
		return -EPERM;
	}
	d->xdp_fd = bpf_program__fd(d->skel->progs.synq_xdp);
	d->tc_fd = bpf_program__fd(d->skel->progs.synq_tc);
	d->env.cfg = test_config;
	memcpy(d->env.keys, test_keys, sizeof(d->env.keys));
	d->ports[PORT_SYN] = d->ports[PORT_EST] = 1;
	d->env.ports = d->ports;
	d->env.listen_port = PORT_EST;
	d->handoffs = calloc(HANDOFF_SET, sizeof(*d->handoffs));
	for (i = 0; i < 2; i++) {
		d->listen_fd[i] = listen_any(i ? AF_INET6 : AF_INET);
		if (d->listen_fd[i] < 0) {
			fprintf(stderr, "difftest: listen on port %d: %s\n", PORT_EST,
				strerror(-d->listen_fd[i]));
			return d->listen_fd[i];
		}
	}
	diff_set_clock(d, now);
	err = d->handoffs ? read_counts(d, &d->snap, READ_ALL) : -ENOMEM;
	if (err)
		fprintf(stderr, "difftest: read counters: %s\n", strerror(-err));
	return err;
}

void diff_close(struct diff *d)
{
	int i;

	for (i = 0; i < 2; i++)
		if (d->listen_fd[i] >= 0)
			close(d->listen_fd[i]);
	free(d->handoffs);
	synq_protect_bpf__destroy(d->skel);
	d->skel = NULL;
}

/* ---- comparing, and writing a case ---- */

static void put_hex(FILE *f, const char *key, const uint8_t *p, size_t n)
{
	size_t i;

	fprintf(f, "%s ", key);
	for (i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
	fputc('\n', f);
}

static void put_counts(FILE *f, const struct model_counts *c)
{
	int i;

	for (i = 0; i < SYNQ_COUNTER_MAX; i++)
		if (c->st[i])
			fprintf(f, "count %s %llu\n", counter_names[i], (unsigned long long)c->st[i]);
	for (i = 0; i < SYNQ_MALFORMED_MAX; i++)
		if (c->mal[i])
			fprintf(f, "count malformed.%s %llu\n", malformed_names[i],
				(unsigned long long)c->mal[i]);
	for (i = 0; i < SYNQ_ERRNO_MAX; i++)
		if (c->err[i])
			fprintf(f, "count errno.%d %llu\n", i, (unsigned long long)c->err[i]);
}

/* Writes a case file: the frame and what the model expects of it. */
static void put_case(FILE *f, enum diff_prog prog, uint32_t now, const uint8_t *in, size_t len,
		     const struct model_out *exp)
{
	fprintf(f, "prog %s\nclock %u\n", prog == DIFF_XDP ? "xdp" : "tc", now);
	put_hex(f, "frame", in, len);
	fprintf(f, "verdict %d\nmeta %zu\n", exp->verdict, exp->meta_len);
	put_hex(f, "out", exp->out, exp->len);
	put_counts(f, &exp->d);
}

/*
 * Where got differs from exp, in words (empty when they agree). counts: also the
 * counters.
 */
static void explain(const struct model_out *exp, const struct model_out *got, int counts,
		    char *why, size_t n)
{
	size_t used = 0, i;

	why[0] = 0;
#define SAY(...) (used += snprintf(why + used, used < n ? n - used : 0, __VA_ARGS__))
	if (exp->verdict != got->verdict)
		SAY("verdict: model %d, bpf %d; ", exp->verdict, got->verdict);
	if (exp->len != got->len || exp->meta_len != got->meta_len)
		SAY("length: model %zu (meta %zu), bpf %zu (meta %zu); ", exp->len, exp->meta_len,
		    got->len, got->meta_len);
	for (i = 0; i < exp->len && i < got->len; i++)
		if (exp->out[i] != got->out[i]) {
			SAY("first different byte at %zu: model %02x, bpf %02x; ", i, exp->out[i],
			    got->out[i]);
			break;
		}
	for (i = 0; counts && i < SYNQ_COUNTER_MAX; i++)
		if (exp->d.st[i] != got->d.st[i])
			SAY("%s: model +%llu, bpf +%llu; ", counter_names[i],
			    (unsigned long long)exp->d.st[i], (unsigned long long)got->d.st[i]);
	for (i = 0; counts && i < SYNQ_MALFORMED_MAX; i++)
		if (exp->d.mal[i] != got->d.mal[i])
			SAY("malformed.%s: model +%llu, bpf +%llu; ", malformed_names[i],
			    (unsigned long long)exp->d.mal[i], (unsigned long long)got->d.mal[i]);
	for (i = 0; counts && i < SYNQ_ERRNO_MAX; i++)
		if (exp->d.err[i] != got->d.err[i])
			SAY("errno.%zu: model +%llu, bpf +%llu; ", i,
			    (unsigned long long)exp->d.err[i], (unsigned long long)got->d.err[i]);
#undef SAY
}

static void divergence(struct diff *d, enum diff_prog prog, const char *why,
		       const uint8_t *in, size_t len, const struct model_out *exp)
{
	d->st.divergences++;
	if (!d->report)
		return;
	fprintf(d->report, "# ---- divergence: save from here as tests/bpf/protect/corpus/NAME.case\n"
		"# name: NAME (say what the packet is)\n# found: %s\n", why);
	put_case(d->report, prog, d->env.now, in, len, exp);
	fprintf(d->report, "# ---- end\n");
	fflush(d->report);
}

/* ---- one frame, and the properties ---- */

static uint64_t key_hash(const uint8_t *k, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--)
		h = (h ^ *k++) * 0x100000001b3ULL;
	return h | 1;
}

/* Was this handshake handed off before in this run? Records it if not. */
static int handoff_seen(struct diff *d, const struct model_out *exp)
{
	uint64_t h = key_hash(exp->handoff_key, sizeof(exp->handoff_key));
	uint32_t i = h & (HANDOFF_SET - 1);

	for (; d->handoffs[i]; i = (i + 1) & (HANDOFF_SET - 1))
		if (d->handoffs[i] == h)
			return 1;
	/* Repeats come right behind the first (the properties' variants): forget old ones. */
	if (++d->st.tc_handoffs % (HANDOFF_SET / 2) == 0)
		memset(d->handoffs, 0, HANDOFF_SET * sizeof(*d->handoffs));
	d->handoffs[i] = h;
	return 0;
}

static void counts_add(struct model_counts *sum, const struct model_counts *d)
{
	int i;

	for (i = 0; i < SYNQ_COUNTER_MAX; i++)
		sum->st[i] += d->st[i];
	for (i = 0; i < SYNQ_MALFORMED_MAX; i++)
		sum->mal[i] += d->mal[i];
	for (i = 0; i < SYNQ_ERRNO_MAX; i++)
		sum->err[i] += d->err[i];
}

/*
 * A run whose counters the model cannot foretell, in a batch checked as a whole:
 * what it moved, read around it, joins what the batch expects.
 */
static int run_uncounted(struct diff *d, enum diff_prog prog, const uint8_t *in, size_t len,
			 struct model_out *got)
{
	struct model_counts before, after;
	int err = read_counts(d, &before, READ_ALL), i;

	if (!err)
		err = run_bpf(d, prog, in, len, READ_NONE, got);
	if (!err)
		err = read_counts(d, &after, READ_ALL);
	if (err)
		return err;
	for (i = 0; i < SYNQ_COUNTER_MAX; i++)
		got->d.st[i] = after.st[i] - before.st[i];
	for (i = 0; i < SYNQ_MALFORMED_MAX; i++)
		got->d.mal[i] = after.mal[i] - before.mal[i];
	for (i = 0; i < SYNQ_ERRNO_MAX; i++)
		got->d.err[i] = after.err[i] - before.err[i];
	counts_add(&d->expect, &got->d);
	return 0;
}

/*
 * Runs prog on the frame in BPF and in the model; a disagreement is reported.
 * Counters: compared after each run in thorough mode; otherwise summed over
 * the batch, which check_batch() compares with the maps (a map read costs more
 * than a run).
 */
static int compare(struct diff *d, enum diff_prog prog, const uint8_t *in, size_t len,
		   struct model_out *exp, struct model_out *got)
{
	char why[512];
	int err, counts = 1;

	if (prog == DIFF_XDP)
		model_xdp(&d->env, in, len, exp);
	else
		model_tc(&d->env, in, len, exp);
	counts_add(&d->seen, &exp->d);
	/* A second segment of a handshake within 50 ms is not handed off: timing. */
	if (prog == DIFF_TC && exp->handoff && handoff_seen(d, exp)) {
		counts = 0;
		d->st.tc_uncertain++;
	}
	if (d->thorough)
		err = run_bpf(d, prog, in, len, maps_for(exp) | READ_MALFORMED, got);
	else if (counts)
		err = run_bpf(d, prog, in, len, READ_NONE, got);
	else
		err = run_uncounted(d, prog, in, len, got);
	if (prog == DIFF_TC && err == -EINVAL) {
		d->st.tc_unrunnable++;
		return 0;
	}
	if (err)
		return err;
	if (!d->thorough) {
		if (counts)
			counts_add(&d->expect, &exp->d);
		counts = 0;	/* checked for the whole batch: check_batch() */
	}
	explain(exp, got, counts, why, sizeof(why));
	if (!why[0])
		return 0;
	divergence(d, prog, why, in, len, exp);
	return 1;
}

/* A property that does not hold: reported like a divergence, with the reason. */
static int broken(struct diff *d, const char *what, const uint8_t *in, size_t len,
		  const struct model_out *exp)
{
	divergence(d, DIFF_XDP, what, in, len, exp);
	return 1;
}

static size_t l3_offset(const uint8_t *p, size_t len)
{
	size_t off = 12;
	int tags;

	for (tags = 0; tags < 2 && off + 6 <= len; tags++) {
		uint16_t t = p[off] << 8 | p[off + 1];

		if (t != 0x8100 && t != 0x88a8)
			break;
		off += 4;
	}
	return off + 2;
}

/* Checksums of a SYN-ACK we sent: both verify, and the TCP one is never -0 (0xffff). */
static int synack_csums_ok(const uint8_t *p, size_t len, int v6)
{
	const uint8_t *ip = p + l3_offset(p, len), *tcp = ip + (v6 ? 40 : 20);
	size_t tcp_len = len - (size_t)(tcp - p);

	if (!v6 && (model_sum16(ip, 20, 0) != 0xffff || (ip[10] == 0xff && ip[11] == 0xff)))
		return 0;
	return model_tcp_csum(v6, v6 ? ip + 8 : ip + 12, v6 ? ip + 24 : ip + 16, tcp, tcp_len) == 0 &&
	       !(tcp[16] == 0xff && tcp[17] == 0xff);
}

/* Our TSval in a SYN-ACK's options (tcp_options_write()'s layout: no junk), or -1. */
static int64_t synack_tsval(const uint8_t *tcp)
{
	size_t o = 20, end = (tcp[12] >> 4) * 4u;

	while (o + 1 < end) {
		if (tcp[o] == 1) {
			o++;
			continue;
		}
		if (tcp[o] == 8 && o + 10 <= end)
			return get32(tcp + o + 2);
		o += tcp[o + 1] < 2 ? 1 : tcp[o + 1];
	}
	return -1;
}

/*
 * The client's final ACK for our SYN-ACK: addresses and ports back, seq = its
 * ISN + 1, ack = cookie + 1, and its timestamp echoing ours when we sent one.
 */
static size_t final_ack(const uint8_t *sa, size_t len, int v6, uint8_t *ack)
{
	size_t l3 = l3_offset(sa, len), ipl = v6 ? 40 : 20, alen = v6 ? 16 : 4;
	const uint8_t *sip = sa + l3, *stcp = sip + ipl;
	uint8_t *ip = ack + l3, *tcp = ip + ipl;
	int64_t tsval = synack_tsval(stcp);
	size_t tl = tsval < 0 ? 20 : 32;

	memcpy(ack, sa + 6, 6);			/* Ethernet and tags back */
	memcpy(ack + 6, sa, 6);
	memcpy(ack + 12, sa + 12, l3 - 12);
	memcpy(ip, sip, ipl);			/* IP header back */
	memcpy(ip + (v6 ? 8 : 12), sip + (v6 ? 24 : 16), alen);
	memcpy(ip + (v6 ? 24 : 16), sip + (v6 ? 8 : 12), alen);
	put16(ip + (v6 ? 4 : 2), v6 ? tl : 20 + tl);
	memset(tcp, 0, tl);
	memcpy(tcp, stcp + 2, 2);
	memcpy(tcp + 2, stcp, 2);
	put32(tcp + 4, get32(stcp + 8));	/* the client's ISN + 1 */
	put32(tcp + 8, get32(stcp + 4) + 1);	/* our cookie + 1 */
	tcp[12] = tl / 4 << 4;
	tcp[13] = 0x10;
	put16(tcp + 14, 502);
	if (tsval >= 0) {
		memcpy(tcp + 20, (const uint8_t[]){ 1, 1, 8, 10, 0, 0, 0, 1 }, 8);
		put32(tcp + 28, (uint32_t)tsval);
	}
	if (!v6) {
		put16(ip + 10, 0);
		put16(ip + 10, ~model_sum16(ip, 20, 0));
	}
	put16(tcp + 16, model_tcp_csum(v6, ip + (v6 ? 8 : 12), ip + (v6 ? 24 : 16), tcp, tl));
	return l3 + ipl + tl;
}

static int frame_once(struct diff *d, const uint8_t *in, size_t len, struct gen_src *r,
		      int props);

/* The final ACK validates; a one-bit change of its ack number does not. */
static int synack_round_trip(struct diff *d, const uint8_t *sa, size_t len, int v6,
			     struct gen_src *r)
{
	struct model_out exp, got;
	uint8_t ack[256];
	size_t n = final_ack(sa, len, v6, ack), ackoff = l3_offset(sa, len) + (v6 ? 40 : 20) + 8;
	int bad = 0, bit, err;

	err = compare(d, DIFF_XDP, ack, n, &exp, &got);
	if (err)
		return err < 0 ? err : 1;
	if (got.verdict != XDP_PASS || got.meta_len != sizeof(struct synq_meta) ||
	    *(const uint32_t *)got.out != SYNQ_META_COOKIE)
		return broken(d, "property: our SYN-ACK's final ACK does not validate", ack, n, &exp);
	err = frame_once(d, ack, n, r, 0);	/* and on to synq_tc */
	if (err)
		return err;
	for (bit = d->thorough ? 0 : (int)gen_pick(r, 32); bit < 32; bit++) {
		ack[ackoff + bit / 8] ^= 0x80 >> (bit % 8);
		err = compare(d, DIFF_XDP, ack, n, &exp, &got);
		if (err < 0)
			return err;
		bad += err;
		/* 2^-20: a changed cookie may still carry a valid MAC, and the model knows */
		if (!err && got.verdict != XDP_DROP && exp.verdict != XDP_PASS)
			bad += broken(d, "property: a one-bit change of the ack number validates",
				      ack, n, &exp);
		ack[ackoff + bit / 8] ^= 0x80 >> (bit % 8);
		if (!d->thorough)
			break;
	}
	return bad;
}

/* Bytes past what the program reads change nothing but themselves. */
static int past_headers(struct diff *d, const uint8_t *in, size_t len, size_t from,
			const struct model_out *was, struct gen_src *r)
{
	struct model_out exp, got;
	uint8_t v[MODEL_FRAME_MAX];
	size_t i;
	int err;

	memcpy(v, in, len);
	for (i = from; i < len; i++)
		if (gen_pick(r, 4) == 0 || i == from)
			v[i] ^= 1 + gen_pick(r, 255);
	err = compare(d, DIFF_XDP, v, len, &exp, &got);
	if (err)
		return err;
	if (got.verdict != was->verdict || got.meta_len != was->meta_len ||
	    memcmp(got.out, was->out, was->meta_len) || memcmp(&got.d, &was->d, sizeof(got.d)) ||
	    (got.verdict == XDP_TX && (got.len != was->len || memcmp(got.out, was->out, got.len))))
		return broken(d, "property: bytes past the headers changed the outcome", v, len, &exp);
	return 0;
}

static int frame_once(struct diff *d, const uint8_t *in, size_t len, struct gen_src *r, int props)
{
	struct model_out exp, got;
	int err, bad, v6;

	err = compare(d, DIFF_XDP, in, len, &exp, &got);
	if (err)
		return err;
	d->st.tx += got.verdict == XDP_TX;
	d->st.drop += got.verdict == XDP_DROP;
	d->st.pass += got.verdict == XDP_PASS;
	/* What reaches TC ingress: every valid-cookie ACK, a sample of the rest. */
	if (got.verdict == XDP_PASS &&
	    (exp.d.st[SYNQ_ACK_COOKIE_VALID] || d->thorough || gen_pick(r, 4) == 0)) {
		struct model_out texp, tgot;

		err = compare(d, DIFF_TC, in, len, &texp, &tgot);
		if (err)
			return err;
	}
	if (!props)
		return 0;
	bad = 0;
	if (got.verdict == XDP_TX) {
		v6 = got.out[l3_offset(got.out, got.len)] >> 4 == 6;
		if (!synack_csums_ok(got.out, got.len, v6))
			bad += broken(d, "property: a SYN-ACK checksum does not verify, or is 0xffff",
				      in, len, &exp);
		if (memcmp(got.out + 12, in + 12, l3_offset(in, len) - 12))
			bad += broken(d, "property: the SYN-ACK lost the SYN's VLAN tags", in, len,
				      &exp);
		err = synack_round_trip(d, got.out, got.len, v6, r);
		if (err < 0)
			return err;
		bad += err;
	}
	if (exp.ignored_from < len && (d->thorough || gen_pick(r, 8) == 0)) {
		err = past_headers(d, in, len, exp.ignored_from, &got, r);
		if (err < 0)
			return err;
		bad += err;
	}
	return bad;
}

int diff_frame(struct diff *d, const uint8_t *frame, size_t len, struct gen_src *r)
{
	d->st.cases++;
	return frame_once(d, frame, len, r, 1);
}

/*
 * The counters of the batch since the last check against what the model
 * expected of it (in thorough mode, where each run was checked, nothing: this
 * catches only moves in the maps that were not read). A mismatch is one
 * divergence, reported with how to rerun the batch case by case.
 */
static int check_batch(struct diff *d, uint64_t seed, uint64_t first, uint64_t n)
{
	struct model_counts now, moved;
	char why[1024];
	int err = read_counts(d, &now, READ_ALL), i;

	if (err)
		return err;
	for (i = 0; i < SYNQ_COUNTER_MAX; i++)
		moved.st[i] = now.st[i] - d->snap.st[i];
	for (i = 0; i < SYNQ_MALFORMED_MAX; i++)
		moved.mal[i] = now.mal[i] - d->snap.mal[i];
	for (i = 0; i < SYNQ_ERRNO_MAX; i++)
		moved.err[i] = now.err[i] - d->snap.err[i];
	d->snap = now;
	{
		struct model_out exp = { .d = d->expect }, got = { .d = moved };

		explain(&exp, &got, 1, why, sizeof(why));
	}
	memset(&d->expect, 0, sizeof(d->expect));
	if (!why[0])
		return 0;
	d->st.divergences++;
	if (d->report)
		fprintf(d->report, "# ---- divergence: the counters of cases %llu..%llu of seed %llu "
			"(%s); rerun them case by case: difftest_run --thorough --seed %llu "
			"--clock %u --first %llu --count %llu\n", (unsigned long long)first,
			(unsigned long long)(first + n - 1), (unsigned long long)seed, why,
			(unsigned long long)seed, d->env.now, (unsigned long long)first,
			(unsigned long long)n);
	return 1;
}

/* Case i of a seeded run: its own stream, so any one case can be rerun alone. */
long diff_run_seed(struct diff *d, uint64_t seed, uint64_t first, uint64_t n)
{
	static uint8_t frame[MODEL_FRAME_MAX];
	struct gen_src g;
	long bad = 0;
	uint64_t i;
	size_t len;
	int err;

	for (i = first; i < first + n; i++) {
		gen_seed(&g, seed * 0x100000001b3ULL + i);
		len = gen_frame(&g, &d->env, frame);
		err = diff_frame(d, frame, len, &g);
		if (err < 0)
			return err;
		bad += err;
	}
	err = check_batch(d, seed, first, n);
	return err < 0 ? err : bad + err;
}

/* ---- replaying a saved case ---- */

static int unhex(const char *s, uint8_t *p, size_t max, size_t *n)
{
	unsigned int b;

	for (*n = 0; s[0] && s[0] != '\n'; s += 2) {
		if (*n >= max || sscanf(s, "%2x", &b) != 1)
			return -EINVAL;
		p[(*n)++] = b;
	}
	return 0;
}

static int set_count(struct model_counts *c, const char *name, unsigned long long v)
{
	int i;

	for (i = 0; i < SYNQ_COUNTER_MAX; i++)
		if (!strcmp(name, counter_names[i]))
			return c->st[i] = v, 0;
	for (i = 0; i < SYNQ_MALFORMED_MAX; i++)
		if (!strncmp(name, "malformed.", 10) && !strcmp(name + 10, malformed_names[i]))
			return c->mal[i] = v, 0;
	if (sscanf(name, "errno.%d", &i) == 1 && i >= 0 && i < SYNQ_ERRNO_MAX)
		return c->err[i] = v, 0;
	return -EINVAL;
}

struct saved_case {
	enum diff_prog prog;
	uint32_t clock;
	uint8_t frame[MODEL_FRAME_MAX];
	size_t len;
	struct model_out want;
};

static int read_case(FILE *f, struct saved_case *c)
{
	char *line = NULL, key[32], name[64];
	size_t cap = 0;
	int err = 0, off;
	unsigned long long v;

	memset(c, 0, sizeof(*c));
	while (!err && getline(&line, &cap, f) > 0) {
		if (line[0] == '#' || line[0] == '\n' || sscanf(line, "%31s %n", key, &off) != 1)
			continue;
		if (!strcmp(key, "prog"))
			c->prog = strncmp(line + off, "tc", 2) ? DIFF_XDP : DIFF_TC;
		else if (!strcmp(key, "clock"))
			err = sscanf(line + off, "%u", &c->clock) == 1 ? 0 : -EINVAL;
		else if (!strcmp(key, "frame"))
			err = unhex(line + off, c->frame, sizeof(c->frame), &c->len);
		else if (!strcmp(key, "verdict"))
			err = sscanf(line + off, "%d", &c->want.verdict) == 1 ? 0 : -EINVAL;
		else if (!strcmp(key, "meta"))
			err = sscanf(line + off, "%zu", &c->want.meta_len) == 1 ? 0 : -EINVAL;
		else if (!strcmp(key, "out"))
			err = unhex(line + off, c->want.out, sizeof(c->want.out), &c->want.len);
		else if (!strcmp(key, "count"))
			err = sscanf(line + off, "%63s %llu", name, &v) == 2 ?
			      set_count(&c->want.d, name, v) : -EINVAL;
		else
			err = -EINVAL;
	}
	free(line);
	return err ? err : c->len ? 0 : -EINVAL;
}

int diff_replay_file(struct diff *d, const char *path)
{
	static struct saved_case c;
	struct model_out exp, got;
	char why_bpf[512], why_model[512];
	FILE *f = fopen(path, "r");
	int err;

	if (!f)
		return -errno;
	err = read_case(f, &c);
	fclose(f);
	if (err) {
		fprintf(stderr, "difftest: %s: not a case file\n", path);
		return err;
	}
	diff_set_clock(d, c.clock);
	if (c.prog == DIFF_XDP)
		model_xdp(&d->env, c.frame, c.len, &exp);
	else
		model_tc(&d->env, c.frame, c.len, &exp);
	/* A replay stands alone: the counters from here, whatever ran before. */
	err = read_counts(d, &d->snap, READ_ALL);
	if (!err)
		err = run_bpf(d, c.prog, c.frame, c.len, READ_ALL, &got);
	if (err)
		return err;
	d->st.cases++;
	explain(&c.want, &got, 1, why_bpf, sizeof(why_bpf));
	explain(&c.want, &exp, 1, why_model, sizeof(why_model));
	if (why_bpf[0])
		fprintf(stderr, "difftest: %s: BPF differs from the saved case (\"model\" below "
			"is the file): %s\n", path, why_bpf);
	if (why_model[0])
		fprintf(stderr, "difftest: %s: the model differs from the saved case (\"bpf\" "
			"below is the model): %s\n", path, why_model);
	return why_bpf[0] || why_model[0];
}
