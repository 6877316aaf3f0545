// SPDX-License-Identifier: GPL-2.0
/*
 * `synq status`: every interface synq protects in this network namespace, read
 * back from the pins: ports, XDP mode, key fingerprint, and the counters as
 * totals and, with --interval, per-second rates.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <synq/cookie.h>

#include "cli/cli.h"
#include "protect/pins.h"
#include "protect/protect_parse.h"
#include "cli/verb.h"
#include "system/system.h"

#define MAX_IFACES 64

static const char *const counter_names[] = SYNQ_COUNTER_NAMES;
static const char *const malformed_names[] = SYNQ_MALFORMED_NAMES;
_Static_assert(sizeof(counter_names) / sizeof(counter_names[0]) == SYNQ_COUNTER_MAX, "names");
_Static_assert(sizeof(malformed_names) / sizeof(malformed_names[0]) == SYNQ_MALFORMED_MAX, "names");

static const char status_usage[] =
	"Usage: synq [-n NAME] status [IFACE] [--json] [--interval S [--count N]]\n"
	"\n"
	"Lists the interfaces synq protects in this network namespace: protected ports,\n"
	"XDP mode, the current key's fingerprint, and the counters of the protection\n"
	"programs (summed over CPUs). Handoff failures (by errno) and malformed packets\n"
	"(by reason) are listed when nonzero.\n"
	"\n"
	"  --json          one JSON object per report; the counter names are the keys\n"
	"  --interval S    report every S seconds, with per-second rates, until Ctrl-C\n"
	"  --count N       stop after N reports (with --interval)\n";

struct sample {
	char iface[32];
	uint64_t ctr[SYNQ_COUNTER_MAX];
	uint64_t err[SYNQ_ERRNO_MAX];
	uint64_t mal[SYNQ_MALFORMED_MAX];
};

struct status_opts {
	const char *iface;
	bool json;
	double interval;
	unsigned int count;
};

/* All n entries of a per-CPU array map, summed. */
static int read_percpu(int fd, unsigned int n, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;
	int err = 0;

	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc((size_t)n * ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (__u32 i = 0; i < n && !err; i++)
		if (bpf_map_lookup_elem(fd, &i, vals + (size_t)i * ncpu))
			err = -errno;
	if (!err)
		percpu_sum(vals, n, ncpu, out);
	free(vals);
	return err;
}

static int take_sample(const struct pinned *p, struct sample *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->iface, sizeof(s->iface), "%s", p->iface);
	if (p->pass_only)
		return 0;
	return read_percpu(p->stats_fd, SYNQ_COUNTER_MAX, s->ctr) ?:
	       read_percpu(p->errors_fd, SYNQ_ERRNO_MAX, s->err) ?:
	       (p->malformed_fd < 0 ? 0 : read_percpu(p->malformed_fd, SYNQ_MALFORMED_MAX, s->mal));
}

static const char *errno_name(int e)
{
	const char *n = e ? strerrorname_np(e) : NULL;

	return n ? n : "other";
}

/* ---- one interface, as text or JSON ---- */

struct header {
	char ports[512];
	char fingerprint[9];
	bool xdp_ours;		/* the interface still runs the pinned program */
};

static void read_header(const struct pinned *p, struct header *h)
{
	static uint8_t ports[SYNQ_PORTS];
	struct synq_config cfg;
	struct synq_key key;

	memset(h, 0, sizeof(*h));
	h->xdp_ours = p->xdp_attached_id && p->xdp_attached_id == p->xdp_prog_id;
	if (p->pass_only)
		return;
	if (!ports_read(p, ports))
		ports_format(ports, h->ports, sizeof(h->ports));
	if (!config_read(p, &cfg) && !key_read(p, cfg.key_slot, &key))
		snprintf(h->fingerprint, sizeof(h->fingerprint), "%08x",
			 synq_key_fingerprint(&key));
}

static void print_text(const struct pinned *p, const struct header *h,
		       const struct sample *prev, const struct sample *cur, double secs)
{
	const char *mode = h->xdp_ours ? p->xdp_mode : "NOT ATTACHED (synq detach cleans up)";

	if (!p->ifindex)
		mode = "interface gone (synq detach cleans up)";
	if (p->pass_only) {
		printf("%s: pass-only (lets XDP_TX frames from its veth peer in), xdp %s\n",
		       p->iface, mode);
		return;
	}
	printf("%s: ports %s  xdp %s  key %s\n", p->iface, h->ports, mode, h->fingerprint);
	for (int i = 0; i < SYNQ_COUNTER_MAX; i++) {
		printf("  %-26s %14llu", counter_names[i], (unsigned long long)cur->ctr[i]);
		if (prev)
			printf("  %12.1f/s", counter_rate(prev->ctr[i], cur->ctr[i], secs));
		putchar('\n');
	}
	for (int e = 0; e < SYNQ_ERRNO_MAX; e++)
		if (cur->err[e])
			printf("  handoff error %-12s %14llu\n", errno_name(e),
			       (unsigned long long)cur->err[e]);
	for (int m = 0; m < SYNQ_MALFORMED_MAX; m++)
		if (cur->mal[m])
			printf("  malformed %-16s %14llu\n", malformed_names[m],
			       (unsigned long long)cur->mal[m]);
}

/* "name":value pairs of the nonzero entries of vals[n]. */
static void print_json_nonzero(const char *key, const uint64_t *vals, int n,
			       const char *(*name)(int))
{
	const char *sep = "";

	printf(",\"%s\":{", key);
	for (int i = 0; i < n; i++)
		if (vals[i]) {
			printf("%s\"%s\":%llu", sep, name(i), (unsigned long long)vals[i]);
			sep = ",";
		}
	putchar('}');
}

static const char *malformed_name(int m)
{
	return malformed_names[m];
}

static void print_json(const struct pinned *p, const struct header *h,
		       const struct sample *prev, const struct sample *cur, double secs)
{
	printf("{\"ifname\":\"%s\",\"ifindex\":%d,\"pass_only\":%s,\"xdp_mode\":\"%s\","
	       "\"xdp_attached\":%s", p->iface, p->ifindex, p->pass_only ? "true" : "false",
	       p->xdp_mode, h->xdp_ours ? "true" : "false");
	if (p->pass_only) {
		putchar('}');
		return;
	}
	printf(",\"ports\":\"%s\",\"key_fingerprint\":\"%s\",\"counters\":{", h->ports,
	       h->fingerprint);
	for (int i = 0; i < SYNQ_COUNTER_MAX; i++)
		printf("%s\"%s\":%llu", i ? "," : "", counter_names[i],
		       (unsigned long long)cur->ctr[i]);
	if (prev) {
		printf("},\"rates\":{");
		for (int i = 0; i < SYNQ_COUNTER_MAX; i++)
			printf("%s\"%s\":%.3f", i ? "," : "", counter_names[i],
			       counter_rate(prev->ctr[i], cur->ctr[i], secs));
	}
	putchar('}');
	print_json_nonzero("handoff_errors", cur->err, SYNQ_ERRNO_MAX, errno_name);
	print_json_nonzero("malformed", cur->mal, SYNQ_MALFORMED_MAX, malformed_name);
	putchar('}');
}

/* ---- reports ---- */

struct report {
	const struct status_opts *o;
	struct sample *prev;	/* NULL on the first round */
	int nprev;
	struct sample cur[MAX_IFACES];
	int ncur;
	double secs;
	bool quiet;		/* sampling only: the first round of --interval */
	int err;
};

static const struct sample *find_prev(const struct report *r, const char *iface)
{
	for (int i = 0; r->prev && i < r->nprev; i++)
		if (!strcmp(r->prev[i].iface, iface))
			return &r->prev[i];
	return NULL;
}

static int report_one(const char *iface, void *arg)
{
	struct report *r = arg;
	struct sample *s = &r->cur[r->ncur];
	struct header h;
	struct pinned p;
	int err;

	if ((r->o->iface && strcmp(iface, r->o->iface)) || r->ncur >= MAX_IFACES)
		return 0;
	err = pinned_open(iface, &p);
	if (!err)
		err = take_sample(&p, s);
	if (err) {
		synq_err("status %s: cannot read synq's maps: %s%s", iface, strerror(-err),
			 err == -EBADF ? " (damaged pins: synq detach cleans up)" :
			 err == -EPERM || err == -EACCES ? " (run as root)" : "");
		pinned_close(&p);
		r->err = err;
		return 0;
	}
	r->ncur++;
	if (!r->quiet) {
		read_header(&p, &h);
		if (r->o->json)
			printf("%s", r->ncur > 1 ? "," : "");
		(r->o->json ? print_json : print_text)(&p, &h, find_prev(r, iface), s, r->secs);
	}
	pinned_close(&p);
	return 0;
}

static int report(struct report *r)
{
	int n;

	r->ncur = 0;
	r->err = 0;
	if (r->o->json && !r->quiet)
		printf("{\"time\":%ld,\"interfaces\":[", (long)time(NULL));
	n = pinned_each(report_one, r);
	if (r->o->json && !r->quiet)
		printf("]}\n");
	else if (!r->quiet && r->o->interval)
		putchar('\n');
	fflush(stdout);
	if (n < 0) {
		synq_err("status: cannot list %s: %s%s", SYNQ_PIN_ROOT, strerror(-n),
			 n == -EACCES || n == -EPERM ? " (run as root)" : "");
		return EXIT_FAIL;
	}
	if (r->o->iface && !r->ncur && !r->err) {
		synq_err("status %s: synq is not attached to %s in this network namespace",
			 r->o->iface, r->o->iface);
		return EXIT_FAIL;
	}
	if (!r->o->iface && !r->ncur && !r->o->json && !r->quiet)
		printf("synq is not attached to any interface in this network namespace\n");
	return r->err ? EXIT_FAIL : EXIT_OK;
}

static int report_loop(const struct status_opts *o)
{
	static struct report r;
	static struct sample prev[MAX_IFACES];
	double t0, t1;
	int rc;

	r.o = o;
	r.quiet = true;
	rc = report(&r);
	t0 = mono_now();
	cli_catch_stop_signals();
	for (unsigned int n = 0; rc == EXIT_OK && !synq_stop && (!o->count || n < o->count); n++) {
		memcpy(prev, r.cur, sizeof(prev));
		r.prev = prev;
		r.nprev = r.ncur;
		cli_sleep(o->interval);
		if (synq_stop)
			break;
		t1 = mono_now();
		r.secs = t1 - t0;
		t0 = t1;
		r.quiet = false;
		rc = report(&r);
	}
	return rc;
}

static int run_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{},
	};
	struct status_opts o = {};
	struct cli_seen seen = {};
	static struct report r;
	int opt;

	while ((opt = cli_getopt("status", argc, argv, "", longopts, &seen)) != -1) {
		if (opt == '?' ||
		    (opt == 'i' && cli_parse_seconds("status", "--interval", optarg, 0.05, 3600,
						     &o.interval)) ||
		    (opt == 'c' && cli_parse_uint("status", "--count", optarg, 1, 1000000, &o.count)))
			return EXIT_USAGE;
		o.json |= opt == 'j';
	}
	if (optind < argc)
		o.iface = argv[optind++];
	if (cli_no_extra_args("status", argc, argv))
		return EXIT_USAGE;
	if (o.count && !o.interval) {
		fprintf(stderr, "synq status: --count needs --interval\n");
		return EXIT_USAGE;
	}
	if (o.interval)
		return report_loop(&o);
	r.o = &o;
	return report(&r);
}

const struct synq_verb verb_status = {
	.name = "status",
	.summary = "show where synq protects, with its counters",
	.usage = status_usage,
	.run = run_status,
};
