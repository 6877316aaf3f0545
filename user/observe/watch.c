// SPDX-License-Identifier: GPL-2.0
/*
 * synq watch: per-listener SYN-queue and accept-queue depths, flows, drops and
 * accept wait times, as a text block or one JSON object per interval.
 * The queue programs are loaded at start and detached at exit (Ctrl-C too):
 * counters run from zero since then, and every output says since when.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "cli/verb.h"
#include "observe/watch.h"

static void iso_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A wait time in microseconds, null when there is none. */
static void json_us(struct json *j, const char *name, double us)
{
	if (us < 0)
		json_null(j, name);
	else
		json_double(j, name, us, 0);
}

static void json_listener(struct json *j, const struct synq_snapshot *cur, size_t i,
			  const struct synq_lview *v)
{
	const struct synq_listener *l = &cur->l[i];
	const struct synq_netns *ns = synq_snapshot_netns(cur, l->key.netns);
	char addr[INET6_ADDRSTRLEN] = "";

	inet_ntop(l->key.family, l->key.addr, addr, sizeof(addr));
	json_object_open(j, NULL);
	json_u64(j, "netns", l->key.netns);
	json_string(j, "netns_name", ns ? ns->name : "");
	json_string(j, "family", l->key.family == AF_INET6 ? "ipv6" : "ipv4");
	json_string(j, "addr", addr);
	json_u64(j, "port", l->key.port);
	json_bool(j, "wildcard", synq_lkey_wildcard(&l->key));
	if (l->pid) {
		json_u64(j, "pid", l->pid);
		json_string_len(j, "comm", l->comm, strnlen(l->comm, sizeof(l->comm)));
	} else {
		json_null(j, "pid");
		json_null(j, "comm");
	}
	json_bool(j, "listening", l->gauged);
	json_object_open(j, "accept_queue");
	json_u64(j, "len", l->aq_len);
	json_u64(j, "max", l->aq_max);
	json_u64(j, "peak", v->aq_peak);
	json_u64(j, "oldest_wait_ms", l->oldest_ms);
	if (l->st.aq_after_ns)
		json_u64(j, "after_accept", l->st.aq_after);
	else
		json_null(j, "after_accept");
	json_object_close(j);
	json_object_open(j, "syn_queue");
	json_u64(j, "len", l->syn_len);
	json_u64(j, "max", l->syn_max);
	json_u64(j, "peak", l->st.syn_peak);
	json_object_close(j);
	json_u64(j, "enqueued", v->enqueued);
	json_u64(j, "accepted", v->accepted);
	json_u64(j, "overflows", v->overflows);
	json_u64(j, "overflow_acks", v->overflow_acks);
	json_u64(j, "synack_retrans", v->synack_retrans);
	json_object_open(j, "rates");
	json_double(j, "enqueued", v->enq_rate, 2);
	json_double(j, "accepted", v->acc_rate, 2);
	json_double(j, "overflows", v->drop_rate, 2);
	json_object_close(j);
	json_object_open(j, "wait_us");
	json_us(j, "p50", v->p50_us);
	json_us(j, "p99", v->p99_us);
	json_u64(j, "max", v->wait_max_us);
	json_u64(j, "count", v->wait_count);
	json_object_close(j);
	json_object_close(j);
}

static uint64_t netstat_delta(const struct synq_netns *ns, const struct synq_netns *b, int i)
{
	return counter_delta(b && b->netstat_ok ? b->netstat[i] : ns->netstat[i], ns->netstat[i],
			     false);
}

/* What an interface's counter grew since the base (from its attach when it was re-attached). */
static uint64_t xdp_delta(const struct synq_xdp_iface *x, const struct synq_xdp_iface *b, int i)
{
	if (!b)
		return 0;	/* first seen now: counting starts here */
	return counter_delta(b->s.ctr[i], x->s.ctr[i], protect_sample_restarted(&b->s, &x->s));
}

static bool plistener_of(const struct synq_plistener *pl, const struct synq_netns *ns,
			 const struct synq_xdp_iface *x)
{
	return pl->netns == ns->netns && !strcmp(pl->device, x->name);
}

/* The interfaces synq protects in ns: the protection counters as status --json has them. */
static void json_protected(struct json *j, const struct synq_snapshot *cur,
			   const struct synq_netns *ns, const struct synq_netns *b,
			   const struct synq_netns *p, double dt)
{
	json_array_open(j, "interfaces");
	for (int x = 0; x < ns->n_xdp; x++) {
		const struct synq_xdp_iface *bx = b ? synq_xdp_find(b, ns->xdp[x].name) : NULL;
		const struct synq_xdp_iface *px = p ? synq_xdp_find(p, ns->xdp[x].name) : NULL;

		json_object_open(j, NULL);
		json_string(j, "ifname", ns->xdp[x].name);
		protect_sample_json(j, bx ? &bx->s : &ns->xdp[x].s, px ? &px->s : NULL,
				    &ns->xdp[x].s, dt);
		json_array_open(j, "listeners");
		for (size_t i = 0; i < cur->n_pl; i++)
			if (plistener_of(&cur->pl[i], ns, &ns->xdp[x]))
				protect_listener_json(j, &cur->pl[i].p);
		json_array_close(j);
		json_object_close(j);
	}
	json_array_close(j);
	json_i64(j, "interfaces_omitted", ns->xdp_omitted);
}

static void json_netns(struct json *j, const struct synq_snapshot *cur,
		       const struct synq_netns *ns, const struct synq_netns *b,
		       const struct synq_netns *p, double dt)
{
	json_object_open(j, NULL);
	json_u64(j, "netns", ns->netns);
	json_string(j, "name", ns->name);
	if (!ns->netstat_ok) {
		json_null(j, "netstat");
	} else {
		json_object_open(j, "netstat");
		for (int i = 0; i < SYNQ_NETSTAT_MAX; i++)
			json_u64(j, synq_netstat_names[i], netstat_delta(ns, b, i));
		json_object_close(j);
	}
	json_protected(j, cur, ns, b, p, dt);
	json_object_close(j);
}

void watch_print_json(FILE *out, const struct synq_snapshot *cur, const struct synq_snapshot *prev,
		      const struct synq_snapshot *base, time_t since, double interval)
{
	double dt = prev ? cur->t - prev->t : 0;
	struct synq_lview v;
	struct json j;

	json_start(&j, out);
	json_object_open(&j, NULL);
	json_time(&j, "time", cur->wall);
	json_time(&j, "since", since);
	json_double(&j, "interval_s", interval, 3);
	json_array_open(&j, "listeners");
	for (size_t i = 0; i < cur->n; i++) {
		synq_view(cur, prev, base, i, &v);
		json_listener(&j, cur, i, &v);
	}
	json_array_close(&j);
	json_array_open(&j, "netns");
	for (size_t i = 0; i < cur->n_ns; i++)
		json_netns(&j, cur, &cur->ns[i], synq_snapshot_netns(base, cur->ns[i].netns),
			   synq_snapshot_netns(prev, cur->ns[i].netns), dt);
	json_array_close(&j);
	json_u64(&j, "netns_omitted", cur->ns_omitted);
	json_bool(&j, "accept_traced", cur->accept_traced);
	json_u64(&j, "listener_table_max", cur->listeners_max);
	json_object_open(&j, "unattributed");
	for (int i = 0; i < SYNQ_QC_MAX; i++)
		json_u64(&j, synq_qc_names[i], cur->qc[i]);
	json_object_close(&j);
	json_object_close(&j);
	json_finish(&j);
}

static void text_netns(FILE *out, const struct synq_snapshot *cur, const struct synq_netns *ns,
		       const struct synq_netns *b)
{
	fprintf(out, "netns %llu%s%s%s\n", (unsigned long long)ns->netns, ns->name[0] ? " (" : "",
		ns->name, ns->name[0] ? ")" : "");
	if (ns->netstat_ok) {
		fputs("  kernel:", out);
		for (int i = 0; i < SYNQ_NETSTAT_MAX; i++)
			fprintf(out, " %s +%llu", synq_netstat_names[i],
				(unsigned long long)netstat_delta(ns, b, i));
		fputc('\n', out);
	}
	for (int x = 0; x < ns->n_xdp; x++) {
		const struct synq_xdp_iface *bx = b ? synq_xdp_find(b, ns->xdp[x].name) : NULL;

		fprintf(out, "  xdp %s:", ns->xdp[x].name);
		for (int i = 0; i < SYNQ_COUNTER_MAX; i++)
			fprintf(out, " %s +%llu", protect_counter_names[i],
				(unsigned long long)xdp_delta(&ns->xdp[x], bx, i));
		fprintf(out, " listeners kernel=%u cookies=%u\n",
			ns->xdp[x].s.listeners[SYNQ_LISTENER_KERNEL],
			ns->xdp[x].s.listeners[SYNQ_LISTENER_COOKIES]);
		for (size_t i = 0; i < cur->n_pl; i++)
			if (plistener_of(&cur->pl[i], ns, &ns->xdp[x]))
				protect_listener_text(out, &cur->pl[i].p);
	}
	if (ns->xdp_omitted)
		fprintf(out, "  (%d more interfaces protected by synq, not shown: at most %d are)\n",
			ns->xdp_omitted, SYNQ_XDP_MAX);
}

static void text_listener(FILE *out, const struct synq_listener *l, const struct synq_lview *v)
{
	char addr[64], owner[32], p50[16], p99[16], mx[16], aq[24], syn[24], oldest[16];

	synq_lkey_str(&l->key, addr, sizeof(addr));
	synq_owner_str(l, "-", owner, sizeof(owner));
	snprintf(aq, sizeof(aq), "%u/%u", l->aq_len, l->aq_max);
	snprintf(syn, sizeof(syn), "%u/%u", l->syn_len, l->syn_max);
	synq_fmt_us(l->aq_len ? l->oldest_ms * 1000.0 : -1, oldest, sizeof(oldest));
	synq_fmt_us(v->p50_us, p50, sizeof(p50));
	synq_fmt_us(v->p99_us, p99, sizeof(p99));
	synq_fmt_us(v->wait_count ? (double)v->wait_max_us : -1, mx, sizeof(mx));
	fprintf(out, "%c %-26s %-20s %9s %7s %9s %8llu %8llu %6llu %6llu %7s %7s %7s\n",
		synq_lkey_wildcard(&l->key) ? '*' : ' ', addr, owner, aq, oldest, syn,
		(unsigned long long)v->enqueued, (unsigned long long)v->accepted,
		(unsigned long long)v->overflows, (unsigned long long)v->synack_retrans,
		p50, p99, mx);
}

void watch_print_text(FILE *out, const struct synq_snapshot *cur, const struct synq_snapshot *prev,
		      const struct synq_snapshot *base, time_t since)
{
	struct synq_lview v;
	char now[32], from[32];

	iso_time(cur->wall, now, sizeof(now));
	iso_time(since, from, sizeof(from));
	fprintf(out, "%s  counters since %s (when synq loaded its programs)\n", now, from);
	for (size_t i = 0; i < cur->n_ns; i++)
		text_netns(out, cur, &cur->ns[i], synq_snapshot_netns(base, cur->ns[i].netns));
	if (cur->ns_omitted)
		fprintf(out, "(%zu more network namespaces not looked at: at most %d are)\n",
			cur->ns_omitted, SYNQ_NETNS_MAX);
	fprintf(out, "  %-26s %-20s %9s %7s %9s %8s %8s %6s %6s %7s %7s %7s\n", "LISTENER", "OWNER",
		"ACCEPTQ", "OLDEST", "SYNQ", "ENQUEUED", "ACCEPTED", "DROPS", "SYNRTX", "WAITp50",
		"p99", "max");
	for (size_t i = 0; i < cur->n; i++) {
		synq_view(cur, prev, base, i, &v);
		text_listener(out, &cur->l[i], &v);
	}
	if (cur->qc[SYNQ_QC_TABLE_FULL])
		fprintf(out, "  listener table full (%u entries): %llu events not attributed\n",
			cur->listeners_max, (unsigned long long)cur->qc[SYNQ_QC_TABLE_FULL]);
	fputs("  (* = bound to every address)\n\n", out);
	fflush(out);
}

int watch_run(const struct watch_opts *o)
{
	struct synq_collector_opts co = {
		.all_netns = o->all_netns, .port = o->port, .no_wait = !o->accept_wait,
		.listeners_max = o->listeners,
	};
	static struct synq_snapshot base, prev, cur;	/* large: not on the stack */
	struct synq_collector *c;
	int rc = EXIT_FAIL;

	cli_catch_stop_signals();
	c = synq_collector_open(&co);
	if (!c)
		return EXIT_FAIL;
	if (synq_collector_snapshot(c, &base))
		goto out;
	for (unsigned int n = 0; !synq_stop && (!o->count || n < o->count); n++) {
		cli_sleep(o->interval);
		if (synq_stop)
			break;
		if (synq_collector_snapshot(c, &cur))
			goto out;
		synq_base_adopt(&base, &cur);
		if (o->json)
			watch_print_json(stdout, &cur, n ? &prev : &base, &base,
					 synq_collector_since(c), o->interval);
		else
			watch_print_text(stdout, &cur, n ? &prev : &base, &base,
					 synq_collector_since(c));
		if (synq_snapshot_copy(&prev, &cur))
			goto out;
	}
	rc = EXIT_OK;
out:
	synq_collector_close(c);
	synq_snapshot_free(&base);
	synq_snapshot_free(&prev);
	synq_snapshot_free(&cur);
	return rc;
}

static const struct option watch_longopts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "interval", required_argument, NULL, 'i' },
	{ "count", required_argument, NULL, 'c' },
	{ "port", required_argument, NULL, 'p' },
	{ "all-netns", no_argument, NULL, 'a' },
	{ "accept-wait", no_argument, NULL, 'W' },
	{ "listeners", required_argument, NULL, 'L' },
	{}
};

/* Parse watch's flags (top shares them); returns 0 or EXIT_USAGE. */
int watch_parse(const char *verb, int argc, char **argv, struct watch_opts *o)
{
	struct cli_seen seen = {};
	unsigned int port;
	int opt;

	*o = (struct watch_opts){ .interval = 1.0 };
	while ((opt = cli_getopt(verb, argc, argv, "ji:c:p:a", watch_longopts, &seen)) != -1) {
		switch (opt) {
		case 'j':
			o->json = true;
			break;
		case 'i':
			if (cli_parse_seconds(verb, "--interval", optarg, 0.1, 3600, &o->interval))
				return EXIT_USAGE;
			break;
		case 'c':
			if (cli_parse_uint(verb, "--count", optarg, 1, 1000000000, &o->count))
				return EXIT_USAGE;
			break;
		case 'p':
			if (cli_parse_uint(verb, "--port", optarg, 1, 65535, &port))
				return EXIT_USAGE;
			o->port = port;
			break;
		case 'a':
			o->all_netns = true;
			break;
		case 'W':
			o->accept_wait = true;
			break;
		case 'L':
			if (cli_parse_uint(verb, "--listeners", optarg, SYNQ_LISTENERS_FLAG_MIN,
					   SYNQ_LISTENERS_FLAG_MAX, &o->listeners))
				return EXIT_USAGE;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (cli_no_extra_args(verb, argc, argv))
		return EXIT_USAGE;
	if (cli_all_netns_arg(verb, o->all_netns))
		return EXIT_USAGE;
	return 0;
}

static int watch_main(int argc, char **argv)
{
	struct watch_opts o;
	int err = watch_parse("watch", argc, argv, &o);

	return err ? err : watch_run(&o);
}

const struct synq_verb verb_watch = {
	.name = "watch",
	.summary = "print listen-queue depths, flows, drops and accept wait times",
	.usage =
	"Usage: synq [-n NAME] watch [--json] [--interval S] [--count N] [--port P]\n"
	"                            [--all-netns] [--accept-wait] [--listeners N]\n"
	"\n"
	"Loads synq's queue tracepoint programs, prints one block (or with --json one\n"
	"JSON object a line) per interval for every TCP listener of the namespace, and\n"
	"detaches the programs on exit (Ctrl-C too). Counters start at zero when the\n"
	"programs load; each output says since when. Gauges (queue lengths) are the\n"
	"kernel's current values. The JSON schema is in docs/observe.md.\n"
	"\n"
	"  --json          one JSON object per line\n"
	"  --interval S    seconds between outputs (default 1, fractions allowed)\n"
	"  --count N       stop after N outputs (default: until interrupted)\n"
	"  --port P        only listeners on port P\n"
	"  --all-netns     every network namespace that has listeners\n"
	"  --accept-wait   trace accept() and accept4(): exact wait times and accepted.\n"
	"                  While a syscall tracepoint is on, every syscall of the machine\n"
	"                  takes the traced slow path: measured here, several percent of\n"
	"                  a busy server's connection rate (docs/observe.md, Cost).\n"
	"                  Without it, accepted is derived from the queue, and OLDEST\n"
	"                  (oldest_wait_ms) still says how long the oldest connection\n"
	"                  in the accept queue has waited.\n"
	"  --listeners N   listener table size (default 4096); beyond it listeners keep\n"
	"                  their gauges and their events are counted as unattributed\n"
	"  -n NAME         (global) the namespace /run/netns/NAME instead of this one\n",
	.run = watch_main,
};
