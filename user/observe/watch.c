// SPDX-License-Identifier: GPL-2.0
/*
 * synq watch: per-listener SYN-queue and accept-queue depths, flows, drops and
 * accept wait times, as a text block or one JSON object per interval.
 * The queue programs are loaded at start and detached at exit (Ctrl-C too):
 * counters run from zero since then, and every output says since when.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "cli/cli.h"
#include "cli/verb.h"
#include "observe/watch.h"

void watch_sleep(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - (time_t)s) * 1e9) };

	while (!synq_stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void iso_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void json_us(FILE *out, const char *name, double us)
{
	if (us < 0)
		fprintf(out, "\"%s\":null", name);
	else
		fprintf(out, "\"%s\":%.0f", name, us);
}

static void json_listener(FILE *out, const struct synq_snapshot *cur, size_t i,
			  const struct synq_lview *v)
{
	const struct synq_listener *l = &cur->l[i];
	const struct synq_netns *ns = synq_snapshot_netns(cur, l->key.netns);
	char addr[INET6_ADDRSTRLEN] = "";

	inet_ntop(l->key.family, l->key.addr, addr, sizeof(addr));
	fprintf(out, "{\"netns\":%u,\"netns_name\":", l->key.netns);
	json_str(out, ns ? ns->name : "");
	fprintf(out, ",\"family\":\"%s\",\"addr\":\"%s\",\"port\":%u,\"wildcard\":%s,",
		l->key.family == AF_INET6 ? "ipv6" : "ipv4", addr, l->key.port,
		synq_lkey_wildcard(&l->key) ? "true" : "false");
	if (l->pid) {
		fprintf(out, "\"pid\":%u,\"comm\":", l->pid);
		json_str(out, l->comm);
	} else {
		fputs("\"pid\":null,\"comm\":null", out);
	}
	fprintf(out, ",\"listening\":%s,", l->gauged ? "true" : "false");
	fprintf(out, "\"accept_queue\":{\"len\":%u,\"max\":%u,\"peak\":%u,\"oldest_wait_ms\":%u,"
		"\"after_accept\":", l->aq_len, l->aq_max, v->aq_peak, l->oldest_ms);
	if (l->st.aq_after_ns)
		fprintf(out, "%u},", l->st.aq_after);
	else
		fputs("null},", out);
	fprintf(out, "\"syn_queue\":{\"len\":%u,\"max\":%u,\"peak\":%u},",
		l->syn_len, l->syn_max, l->st.syn_peak);
	fprintf(out, "\"enqueued\":%llu,\"accepted\":%llu,\"overflows\":%llu,"
		"\"overflow_acks\":%llu,\"synack_retrans\":%llu,",
		(unsigned long long)v->enqueued, (unsigned long long)v->accepted,
		(unsigned long long)v->overflows, (unsigned long long)v->overflow_acks,
		(unsigned long long)v->synack_retrans);
	fprintf(out, "\"rates\":{\"enqueued\":%.2f,\"accepted\":%.2f,\"overflows\":%.2f},",
		v->enq_rate, v->acc_rate, v->drop_rate);
	fputs("\"wait_us\":{", out);
	json_us(out, "p50", v->p50_us);
	fputc(',', out);
	json_us(out, "p99", v->p99_us);
	fprintf(out, ",\"max\":%llu,\"count\":%llu}}", (unsigned long long)v->wait_max_us,
		(unsigned long long)v->wait_count);
}

static uint64_t netstat_delta(const struct synq_netns *ns, const struct synq_netns *b, int i)
{
	return synq_delta(ns->netstat[i], b && b->netstat_ok ? b->netstat[i] : ns->netstat[i]);
}

static uint64_t xdp_delta(const struct synq_xdp_iface *x, const struct synq_xdp_iface *b, int i)
{
	return synq_delta(x->c[i], b ? b->c[i] : x->c[i]);
}

static void json_netns(FILE *out, const struct synq_netns *ns, const struct synq_netns *b)
{
	fprintf(out, "{\"netns\":%llu,\"name\":", (unsigned long long)ns->netns);
	json_str(out, ns->name);
	fputs(",\"netstat\":", out);
	if (!ns->netstat_ok) {
		fputs("null", out);
	} else {
		for (int i = 0; i < SYNQ_NS_MAX; i++)
			fprintf(out, "%s\"%s\":%llu", i ? "," : "{", synq_netstat_names[i],
				(unsigned long long)netstat_delta(ns, b, i));
		fputc('}', out);
	}
	fputs(",\"xdp\":{", out);
	for (int x = 0; x < ns->n_xdp; x++) {
		const struct synq_xdp_iface *bx = b ? synq_xdp_find(b, ns->xdp[x].name) : NULL;

		fprintf(out, "%s", x ? "," : "");
		json_str(out, ns->xdp[x].name);
		for (int i = 0; i < SYNQ_COUNTER_MAX; i++)
			fprintf(out, "%s\"%s\":%llu", i ? "," : ":{", synq_counter_names[i],
				(unsigned long long)xdp_delta(&ns->xdp[x], bx, i));
		fputc('}', out);
	}
	fputs("}}", out);
}

void watch_print_json(FILE *out, const struct synq_snapshot *cur, const struct synq_snapshot *prev,
		      const struct synq_snapshot *base, time_t since, double interval)
{
	struct synq_lview v;
	char now[32], from[32];

	iso_time(cur->wall, now, sizeof(now));
	iso_time(since, from, sizeof(from));
	fprintf(out, "{\"time\":\"%s\",\"since\":\"%s\",\"interval_s\":%g,\"listeners\":[",
		now, from, interval);
	for (size_t i = 0; i < cur->n; i++) {
		synq_view(cur, prev, base, i, &v);
		if (i)
			fputc(',', out);
		json_listener(out, cur, i, &v);
	}
	fputs("],\"netns\":[", out);
	for (size_t i = 0; i < cur->n_ns; i++) {
		if (i)
			fputc(',', out);
		json_netns(out, &cur->ns[i], synq_snapshot_netns(base, cur->ns[i].netns));
	}
	fprintf(out, "],\"accept_traced\":%s,\"listener_table_max\":%u,\"unattributed\":{",
		cur->accept_traced ? "true" : "false", cur->listeners_max);
	for (int i = 0; i < SYNQ_QC_MAX; i++)
		fprintf(out, "%s\"%s\":%llu", i ? "," : "", synq_qc_names[i],
			(unsigned long long)cur->qc[i]);
	fputs("}}\n", out);
	fflush(out);
}

static void text_netns(FILE *out, const struct synq_netns *ns, const struct synq_netns *b)
{
	fprintf(out, "netns %llu%s%s%s\n", (unsigned long long)ns->netns, ns->name[0] ? " (" : "",
		ns->name, ns->name[0] ? ")" : "");
	if (ns->netstat_ok) {
		fputs("  kernel:", out);
		for (int i = 0; i < SYNQ_NS_MAX; i++)
			fprintf(out, " %s +%llu", synq_netstat_names[i],
				(unsigned long long)netstat_delta(ns, b, i));
		fputc('\n', out);
	}
	for (int x = 0; x < ns->n_xdp; x++) {
		const struct synq_xdp_iface *bx = b ? synq_xdp_find(b, ns->xdp[x].name) : NULL;

		fprintf(out, "  xdp %s:", ns->xdp[x].name);
		for (int i = 0; i < SYNQ_COUNTER_MAX; i++)
			fprintf(out, " %s +%llu", synq_counter_names[i],
				(unsigned long long)xdp_delta(&ns->xdp[x], bx, i));
		fputc('\n', out);
	}
}

static void text_listener(FILE *out, const struct synq_listener *l, const struct synq_lview *v)
{
	char addr[64], owner[32], p50[16], p99[16], mx[16], aq[24], syn[24], oldest[16];

	synq_lkey_str(&l->key, addr, sizeof(addr));
	if (l->pid)
		snprintf(owner, sizeof(owner), "%u/%s", l->pid, l->comm);
	else
		snprintf(owner, sizeof(owner), "-");
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
		text_netns(out, &cur->ns[i], synq_snapshot_netns(base, cur->ns[i].netns));
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
	struct synq_snapshot base = {}, prev = {}, cur = {};
	struct synq_collector *c;
	int rc = EXIT_FAIL;

	cli_catch_stop_signals();
	c = synq_collector_open(&co);
	if (!c)
		return EXIT_FAIL;
	if (synq_collector_snapshot(c, &base))
		goto out;
	for (unsigned int n = 0; !synq_stop && (!o->count || n < o->count); n++) {
		watch_sleep(o->interval);
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
	unsigned int port;
	int opt;

	*o = (struct watch_opts){ .interval = 1.0 };
	while ((opt = cli_getopt(verb, argc, argv, "ji:c:p:a", watch_longopts)) != -1) {
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
			if (cli_parse_uint(verb, "--listeners", optarg, 16, 1u << 24, &o->listeners))
				return EXIT_USAGE;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (cli_no_extra_args(verb, argc, argv))
		return EXIT_USAGE;
	if (o->all_netns && synq_netns_name) {
		fprintf(stderr, "synq %s: --all-netns and -n %s exclude each other\n", verb,
			synq_netns_name);
		return EXIT_USAGE;
	}
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
