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
#include <linux/capability.h>

#include <synq/cookie.h>

#include "system/array.h"
#include "cli/cli.h"
#include "cli/json.h"
#include "observe/counters.h"
#include "protect/pins.h"
#include "protect/protect_parse.h"
#include "system/system.h"
#include "system/netlink.h"
#include "cli/verb.h"
#include "system/system.h"

static const char status_usage[] =
	"Usage: synq [-n NAME] status [IFACE] [--json] [--interval S [--count N]]\n"
	"\n"
	"Lists the interfaces synq protects in this network namespace: protected ports,\n"
	"XDP mode, the current key's fingerprint, and the counters of the protection\n"
	"programs (summed over CPUs). Handoff failures (by errno) and malformed packets\n"
	"(by reason) are listed when nonzero.\n"
	"\n"
	"  --json          one JSON object per report (schema in docs/protect.md)\n"
	"  --interval S    report every S seconds, with per-second rates, until Ctrl-C\n"
	"  --count N       stop after N reports (with --interval)\n";

struct sample {
	char iface[32];
	struct protect_sample s;
};

struct status_opts {
	const char *iface;
	bool json;
	double interval;
	unsigned int count;
};

/* ---- one interface, as text or JSON ---- */

struct header {
	char ports[SYNQ_PORTS_TEXT_MAX];	/* every port: never cut */
	char fingerprint[9];
	const char *cookie_mode;	/* --mode: "auto" or "always" */
	bool xdp_ours;		/* the interface still runs the pinned program */
};

/* The header of one interface: big (the port list), so callers keep one static. */
static void read_header(const struct pinned *p, struct header *h)
{
	static uint8_t ports[SYNQ_PORTS];
	struct synq_config cfg;
	struct synq_key key;

	memset(h, 0, sizeof(*h));
	h->cookie_mode = "?";
	h->xdp_ours = p->xdp_attached_id && p->xdp_attached_id == p->xdp_prog_id;
	if (p->pass_only)
		return;
	if (!ports_read(p, ports))
		ports_format(ports, h->ports, sizeof(h->ports));
	if (config_read(p, &cfg))
		return;
	h->cookie_mode = cfg.mode == SYNQ_MODE_AUTO ? "auto" : "always";
	if (!key_read(p, cfg.key_slot, &key))
		snprintf(h->fingerprint, sizeof(h->fingerprint), "%08x",
			 synq_key_fingerprint(&key));
}

/* ---- listeners: --mode auto's state, time in each state, transitions ---- */

struct listener_out {
	struct json *j;		/* NULL: text */
	double now_ns;		/* CLOCK_MONOTONIC, as bpf_ktime_get_ns() */
	bool always;		/* the interface runs --mode always */
};

static int print_listener(const struct synq_listener_key *k, const struct synq_listener_view *v,
			  void *arg)
{
	const struct listener_out *o = arg;
	struct protect_listener l;

	if (!v->listening)
		return 0;
	protect_listener_of(k, v, o->now_ns, o->always, &l);
	if (o->j)
		protect_listener_json(o->j, &l);
	else
		protect_listener_text(stdout, &l);
	return 0;
}

static void print_listeners(const struct pinned *p, struct json *j)
{
	struct listener_out o = { .j = j, .now_ns = mono_now() * 1e9, .always = p->mode_always };

	if (j)
		json_array_open(j, "listeners");
	pins_each_listener(p, print_listener, &o);
	if (j)
		json_array_close(j);
}

/*
 * synack_sent counts XDP_TX verdicts; the device says how many of those frames
 * it could not send (veth: the peer's ring was full, or the peer has no XDP
 * program and every one is dropped, which it also warns about).
 */
static void print_delivery(const struct pinned *p)
{
	struct veth_peer peer;
	uint64_t errors;

	if (!iface_stat_sum(p->iface, "xdp_tx_errors", &errors))
		printf("  %-26s %14llu  (the device's: XDP_TX frames it could not send)\n",
		       "device_xdp_tx_errors", (unsigned long long)errors);
	if (p->ifindex && !veth_peer_xdp(p->ifindex, &peer) && !peer.native_xdp)
		printf("  warning: the veth peer %s has no native XDP program, so it drops every "
		       "SYN-ACK synq sends (synq [-n PEER_NS] attach %s --pass-only)\n", peer.name,
		       peer.name);
}

static void json_delivery(struct json *j, const struct pinned *p)
{
	struct veth_peer peer;
	uint64_t errors;

	if (!iface_stat_sum(p->iface, "xdp_tx_errors", &errors))
		json_u64(j, "device_xdp_tx_errors", errors);
	if (p->ifindex && !veth_peer_xdp(p->ifindex, &peer))
		json_bool(j, "veth_peer_xdp", peer.native_xdp);
}

/* Why protection is off although attached: the kernel would refuse every handoff. */
static void print_syncookies_note(void)
{
	long v;

	if (sysctl_read_int("net/ipv4/tcp_syncookies", &v) || v != 0)
		return;
	printf("  note: net.ipv4.tcp_syncookies is 0 in this namespace, so the kernel would refuse "
	       "synq's connections: SYNs go to the kernel unprotected (syn_passed_syncookies_off); "
	       "sysctl -w net.ipv4.tcp_syncookies=1 protects them again\n");
}

static void print_text(const struct pinned *p, const struct header *h,
		       const struct protect_sample *prev, const struct protect_sample *cur,
		       double secs)
{
	bool restarted = prev && protect_sample_restarted(prev, cur);
	const char *mode = h->xdp_ours ? p->xdp_mode : "NOT ATTACHED (synq detach cleans up)";

	if (!p->ifindex)
		mode = "interface gone (synq detach cleans up)";
	if (p->pass_only) {
		printf("%s: pass-only (lets XDP_TX frames from its veth peer in), xdp %s\n",
		       p->iface, mode);
		return;
	}
	printf("%s: ports %s  xdp %s  key %s  --mode %s\n", p->iface, h->ports, mode,
	       h->fingerprint, h->cookie_mode);
	print_syncookies_note();
	for (int i = 0; i < SYNQ_COUNTER_MAX; i++) {
		printf("  %-26s %14llu", protect_counter_names[i], (unsigned long long)cur->ctr[i]);
		if (prev)
			printf("  %12.1f/s",
			       counter_rate(prev->ctr[i], cur->ctr[i], restarted, secs));
		putchar('\n');
		if (i == SYNQ_SYNACK_SENT)
			print_delivery(p);
	}
	for (int e = 0; e < SYNQ_ERRNO_MAX; e++)
		if (cur->err[e])
			printf("  handoff error %-12s %14llu\n", protect_errno_name(e),
			       (unsigned long long)cur->err[e]);
	for (int m = 0; m < SYNQ_MALFORMED_MAX; m++)
		if (cur->mal[m])
			printf("  malformed %-16s %14llu\n", protect_malformed_names[m],
			       (unsigned long long)cur->mal[m]);
	print_listeners(p, NULL);
}

static void print_json(struct json *j, const struct pinned *p, const struct header *h,
		       const struct protect_sample *prev, const struct protect_sample *cur,
		       double secs)
{
	char dir[256] = "";

	pin_dir(dir, sizeof(dir), p->ifindex);
	json_object_open(j, NULL);
	json_string(j, "ifname", p->iface);
	json_i64(j, "ifindex", p->ifindex);
	json_bool(j, "pass_only", p->pass_only);
	json_string(j, "xdp_mode", p->xdp_mode);
	json_bool(j, "xdp_attached", h->xdp_ours);
	json_string(j, "pins", dir);
	if (!p->pass_only) {
		json_string(j, "ports", h->ports);
		json_string(j, "key_fingerprint", h->fingerprint);
		json_string(j, "mode", h->cookie_mode);
		json_delivery(j, p);
		protect_sample_json(j, NULL, prev, cur, secs);
		print_listeners(p, j);
	}
	json_object_close(j);
}

/* ---- reports ---- */

struct report {
	const struct status_opts *o;
	struct sample *prev;	/* NULL on the first round */
	size_t nprev;
	struct sample *cur;	/* grows: every interface is shown */
	size_t ncur, cap;
	struct json j;
	double secs;
	bool quiet;		/* sampling only: the first round of --interval */
	int err;
};

static const struct protect_sample *find_prev(const struct report *r, const char *iface)
{
	for (size_t i = 0; r->prev && i < r->nprev; i++)
		if (!strcmp(r->prev[i].iface, iface))
			return &r->prev[i].s;
	return NULL;
}

/* The next free sample of r, or NULL when out of memory. */
static struct sample *next_sample(struct report *r)
{
	if (array_reserve(&r->cur, r->ncur, &r->cap, sizeof(*r->cur), 16))
		return NULL;
	return &r->cur[r->ncur];
}

static int report_one(const char *iface, void *arg)
{
	static struct header h;
	struct report *r = arg;
	struct sample *s;
	struct pinned p;
	int err;

	if (r->o->iface && strcmp(iface, r->o->iface))
		return 0;
	s = next_sample(r);
	if (!s)
		return -ENOMEM;
	snprintf(s->iface, sizeof(s->iface), "%s", iface);
	err = pinned_open(iface, &p);
	if (err == -ESTALE || err == -EBADF) {
		/*
		 * Another synq may be attaching or detaching it right now (links
		 * not yet or no longer on the device): wait for it to let the pins
		 * go, sweep, and look once more.
		 */
		pinned_close(&p);
		if (!pins_begin("status", false))
			pins_end();
		err = pinned_open(iface, &p);
		if (err == -ENOENT)
			return 0;	/* detached meanwhile */
	}
	if (!err)
		err = pins_read_counters(&p, &s->s);
	if (err) {
		synq_err("status %s: cannot read synq's maps: %s%s", iface, strerror(-err),
			 pinned_error_hint(err));
		pinned_close(&p);
		r->err = err;
		if (r->o->json && !r->quiet) {	/* listed all the same: detach cleans it */
			json_object_open(&r->j, NULL);
			json_string(&r->j, "ifname", iface);
			json_string(&r->j, "error", strerror(-err));
			json_object_close(&r->j);
		}
		return 0;
	}
	r->ncur++;
	if (!r->quiet) {
		read_header(&p, &h);
		if (r->o->json)
			print_json(&r->j, &p, &h, find_prev(r, iface), &s->s, r->secs);
		else
			print_text(&p, &h, find_prev(r, iface), &s->s, r->secs);
	}
	pinned_close(&p);
	return 0;
}

static int report(struct report *r)
{
	int n;

	r->ncur = 0;
	r->err = 0;
	if (r->o->json && !r->quiet) {
		json_start(&r->j, stdout);
		json_object_open(&r->j, NULL);
		json_time(&r->j, "time", time(NULL));
		json_array_open(&r->j, "interfaces");
	}
	n = pinned_each(report_one, r);
	if (r->o->json && !r->quiet) {
		json_array_close(&r->j);
		json_object_close(&r->j);
		json_finish(&r->j);
	}
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
	struct sample *prev = NULL, *more;
	double t0, t1;
	int rc;

	r.o = o;
	r.quiet = true;
	rc = report(&r);
	t0 = mono_now();
	cli_catch_stop_signals();
	/* An interface that could not be read is reported and read again next time. */
	for (unsigned int n = 0; (rc == EXIT_OK || r.err) && !synq_stop && (!o->count || n < o->count);
	     n++) {
		more = realloc(prev, (r.ncur ? r.ncur : 1) * sizeof(*prev));
		if (!more) {
			rc = EXIT_FAIL;
			break;
		}
		prev = more;
		memcpy(prev, r.cur, r.ncur * sizeof(*prev));
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
	free(r.cur);
	free(prev);
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
	static const int caps[] = { CAP_BPF, CAP_DAC_OVERRIDE };
	struct status_opts o = {};
	struct cli_seen seen = {};
	static struct report r;
	int opt, rc;

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
	if (o.iface && cli_iface_arg("status", o.iface))
		return EXIT_USAGE;
	/* Reading maps needs CAP_BPF; the pins are root's and a program pin opens read-write. */
	if (caps_require("status", caps, sizeof(caps) / sizeof(caps[0])))
		return EXIT_FAIL;
	/* Sweep what deleted interfaces and interrupted runs left, then let others work. */
	if (pins_begin("status", false))
		return EXIT_FAIL;
	pins_end();
	if (o.interval)
		return report_loop(&o);
	r.o = &o;
	rc = report(&r);
	free(r.cur);
	return rc;
}

const struct synq_verb verb_status = {
	.name = "status",
	.summary = "show where synq protects, with its counters",
	.usage = status_usage,
	.run = run_status,
};
