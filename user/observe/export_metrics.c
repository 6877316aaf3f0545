// SPDX-License-Identifier: GPL-2.0
/*
 * What `synq export` serves: one snapshot of the collector as Prometheus
 * metrics. The names and their meaning are listed in docs/export.md. Pure
 * formatting: the unit tests drive it with a made-up snapshot.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "observe/export.h"
#include "observe/prometheus.h"


/* The labels of one listener: netns (inode), addr (canonical), port. */
struct listener_labels {
	char netns[24], addr[INET6_ADDRSTRLEN], port[8];
	struct prom_label l[3];
};

static void listener_labels(const struct synq_lkey *k, struct listener_labels *ll)
{
	snprintf(ll->netns, sizeof(ll->netns), "%u", k->netns);
	if (!inet_ntop(k->family, k->addr, ll->addr, sizeof(ll->addr)))
		snprintf(ll->addr, sizeof(ll->addr), "?");
	snprintf(ll->port, sizeof(ll->port), "%u", k->port);
	ll->l[0] = (struct prom_label){ "netns", ll->netns };
	ll->l[1] = (struct prom_label){ "addr", ll->addr };
	ll->l[2] = (struct prom_label){ "port", ll->port };
}

/* ---- per listener: one gauge or counter each, from the snapshot and its view ---- */

enum lmetric {
	LM_AQ_LEN, LM_AQ_LIMIT, LM_SYN_LEN, LM_SYN_LIMIT, LM_OLDEST,
	LM_ENQUEUED, LM_ACCEPTED, LM_OVERFLOWS, LM_OVERFLOW_ACKS, LM_SYNACK_RETRANS,
	LM_MAX
};

static const struct {
	const char *name, *type, *help;
} lmetrics[LM_MAX] = {
	[LM_AQ_LEN] = { "synq_listener_accept_queue_length", "gauge",
		"Connections in the accept queue, waiting for accept() (sk_ack_backlog)." },
	[LM_AQ_LIMIT] = { "synq_listener_accept_queue_limit", "gauge",
		"The accept queue's limit, min(backlog, somaxconn); it is full above this." },
	[LM_SYN_LEN] = { "synq_listener_syn_queue_length", "gauge",
		"Request sockets: handshakes begun and not completed." },
	[LM_SYN_LIMIT] = { "synq_listener_syn_queue_limit", "gauge",
		"SYN-queue length from which the kernel sends SYN cookies (or drops SYNs without them)." },
	[LM_OLDEST] = { "synq_listener_accept_queue_oldest_wait_seconds", "gauge",
		"How long the oldest connection in the accept queue has waited (tick resolution); 0 when empty." },
	[LM_ENQUEUED] = { "synq_listener_enqueued_total", "counter",
		"Connections put in the accept queue (with --enqueue-events or --accept-wait)." },
	[LM_ACCEPTED] = { "synq_listener_accepted_total", "counter",
		"Connections taken by accept()/accept4() (with --accept-wait only)." },
	[LM_OVERFLOWS] = { "synq_listener_overflows_total", "counter",
		"Connection attempts refused because the accept queue was full (from sk_drops)." },
	[LM_OVERFLOW_ACKS] = { "synq_listener_overflow_final_acks_total", "counter",
		"Final handshake ACKs dropped because the accept queue was full." },
	[LM_SYNACK_RETRANS] = { "synq_listener_synack_retransmits_total", "counter",
		"SYN-ACKs the kernel sent again." },
};

static double lmetric_value(enum lmetric m, const struct synq_listener *l,
			    const struct synq_lview *v)
{
	switch (m) {
	case LM_AQ_LEN: return l->aq_len;
	case LM_AQ_LIMIT: return l->aq_max;
	case LM_SYN_LEN: return l->syn_len;
	case LM_SYN_LIMIT: return l->syn_max;
	case LM_OLDEST: return l->oldest_ms / 1000.0;
	case LM_ENQUEUED: return v->enqueued;
	case LM_ACCEPTED: return v->accepted;
	case LM_OVERFLOWS: return v->overflows;
	case LM_OVERFLOW_ACKS: return v->overflow_acks;
	case LM_SYNACK_RETRANS: return v->synack_retrans;
	default: return 0;
	}
}

/* The listeners a scrape shows: those the iterator saw now. A closed one is gone. */
static bool shown(const struct synq_listener *l)
{
	return l->gauged;
}

static void listener_family(FILE *out, const struct synq_snapshot *s, enum lmetric m,
			    const struct synq_lview *views)
{
	struct listener_labels ll;

	prom_family(out, lmetrics[m].name, lmetrics[m].type, lmetrics[m].help);
	for (size_t i = 0; i < s->n; i++) {
		if (!shown(&s->l[i]))
			continue;
		listener_labels(&s->l[i].key, &ll);
		prom_sample(out, lmetrics[m].name, ll.l, 3, lmetric_value(m, &s->l[i], &views[i]));
	}
}

static void owner_family(FILE *out, const struct synq_snapshot *s)
{
	struct listener_labels ll;
	struct prom_label l[5];
	char pid[16];

	prom_family(out, "synq_listener_owner_info", "gauge",
		    "The process that owns the listener (pid, comm), always 1.");
	for (size_t i = 0; i < s->n; i++) {
		if (!shown(&s->l[i]) || !s->l[i].pid)
			continue;
		listener_labels(&s->l[i].key, &ll);
		memcpy(l, ll.l, sizeof(ll.l));
		snprintf(pid, sizeof(pid), "%u", s->l[i].pid);
		l[3] = (struct prom_label){ "pid", pid };
		l[4] = (struct prom_label){ "comm", s->l[i].comm };
		prom_sample(out, "synq_listener_owner_info", l, 5, 1);
	}
}

/* ---- per listener: the two histograms ---- */

/*
 * Wait times: the collector's fine buckets ([lo, hi) microseconds, see
 * include/synq/queue.h) folded into every other power of two. Powers of two
 * from 4 us up are edges of the fine buckets, so each fine bucket lands whole
 * in one exported bucket and no wait is counted below its value.
 */
static uint64_t wait_bound_us(int j)
{
	return UINT64_C(16) << (2 * j);	/* 16 us, 64 us, ... 16.8 s */
}

static void wait_histogram(FILE *out, const struct synq_listener *l, const struct prom_label *lb)
{
	uint64_t counts[EXPORT_WAIT_BOUNDS + 1] = {};
	double bounds[EXPORT_WAIT_BOUNDS];
	int j;

	for (j = 0; j < EXPORT_WAIT_BOUNDS; j++)
		bounds[j] = wait_bound_us(j) / 1e6;
	for (int i = 0; i < SYNQ_WAIT_BUCKETS; i++) {
		/* Fine bucket i holds values below synq_wait_lo(i + 1); the last one is open. */
		for (j = 0; i < SYNQ_WAIT_BUCKETS - 1 && j < EXPORT_WAIT_BOUNDS; j++)
			if (synq_wait_lo(i + 1) <= wait_bound_us(j))
				break;
		if (i == SYNQ_WAIT_BUCKETS - 1)
			j = EXPORT_WAIT_BOUNDS;
		counts[j] += l->st.wait_hist[i];
	}
	prom_histogram(out, "synq_listener_accept_wait_seconds", lb, 3, bounds, counts,
		       EXPORT_WAIT_BOUNDS, l->st.wait_sum_us / 1e6);
}

/* Depths: bucket k of the BPF histogram ends at 2^k - 1, the last one is open. */
static void depth_histogram(FILE *out, const struct synq_listener *l, const struct prom_label *lb)
{
	double bounds[SYNQ_DEPTH_BUCKETS - 1];
	uint64_t counts[SYNQ_DEPTH_BUCKETS];

	for (int k = 0; k < SYNQ_DEPTH_BUCKETS; k++)
		counts[k] = l->st.depth_hist[k];
	for (int k = 0; k < SYNQ_DEPTH_BUCKETS - 1; k++)
		bounds[k] = (double)((UINT64_C(1) << k) - 1);
	prom_histogram(out, "synq_listener_accept_queue_depth_at_enqueue", lb, 3, bounds,
		       counts, SYNQ_DEPTH_BUCKETS - 1, (double)l->st.depth_sum);
}

static void histograms(FILE *out, const struct synq_snapshot *s)
{
	struct listener_labels ll;

	if (s->accept_traced) {
		prom_family(out, "synq_listener_accept_wait_seconds", "histogram",
			    "Time from handshake completion to accept() (with --accept-wait only).");
		for (size_t i = 0; i < s->n; i++) {
			if (!shown(&s->l[i]))
				continue;
			listener_labels(&s->l[i].key, &ll);
			wait_histogram(out, &s->l[i], ll.l);
		}
	}
	if (!s->enqueue_traced)
		return;
	prom_family(out, "synq_listener_accept_queue_depth_at_enqueue", "histogram",
		    "Accept-queue length seen each time a connection joined it (itself included).");
	for (size_t i = 0; i < s->n; i++) {
		if (!shown(&s->l[i]))
			continue;
		listener_labels(&s->l[i].key, &ll);
		depth_histogram(out, &s->l[i], ll.l);
	}
}

/* ---- per namespace: netstat, somaxconn; per protected interface ---- */

/* "TCPReqQFullDoCookies" -> "tcp_req_q_full_do_cookies" */
static void snake_case(const char *camel, char *buf, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; camel[i] && o + 2 < len; i++) {
		bool up = isupper((unsigned char)camel[i]);
		bool prev_low = i && !isupper((unsigned char)camel[i - 1]);
		bool next_low = camel[i + 1] && islower((unsigned char)camel[i + 1]);

		if (i && up && (prev_low || next_low))
			buf[o++] = '_';
		buf[o++] = tolower((unsigned char)camel[i]);
	}
	buf[o] = '\0';
}

static void netstat_families(FILE *out, const struct synq_snapshot *s)
{
	char snake[64], name[96], help[160], ino[24];
	struct prom_label l = { "netns", ino };

	for (size_t c = 0; c < SYNQ_NETSTAT_MAX; c++) {
		snake_case(synq_netstat_names[c], snake, sizeof(snake));
		snprintf(name, sizeof(name), "synq_netstat_%s_total", snake);
		snprintf(help, sizeof(help), "TcpExt %s of the namespace (/proc/net/netstat).",
			 synq_netstat_names[c]);
		prom_family(out, name, "counter", help);
		for (size_t i = 0; i < s->n_ns; i++) {
			if (!s->ns[i].netstat_ok)
				continue;
			snprintf(ino, sizeof(ino), "%llu", (unsigned long long)s->ns[i].netns);
			prom_sample_u64(out, name, &l, 1, s->ns[i].netstat[c]);
		}
	}
}

static void netns_families(FILE *out, const struct synq_snapshot *s)
{
	char ino[24];
	struct prom_label l[2] = { { "netns", ino }, { "name", "" } };

	prom_family(out, "synq_netns_info", "gauge",
		    "A watched network namespace: inode and /run/netns name, always 1.");
	for (size_t i = 0; i < s->n_ns; i++) {
		snprintf(ino, sizeof(ino), "%llu", (unsigned long long)s->ns[i].netns);
		l[1].value = s->ns[i].name;
		prom_sample(out, "synq_netns_info", l, 2, 1);
	}
	prom_family(out, "synq_netns_somaxconn", "gauge",
		    "net.core.somaxconn: the most any listener's accept queue may hold.");
	for (size_t i = 0; i < s->n_ns; i++) {
		if (s->ns[i].somaxconn < 0)
			continue;
		snprintf(ino, sizeof(ino), "%llu", (unsigned long long)s->ns[i].netns);
		prom_sample(out, "synq_netns_somaxconn", l, 1, s->ns[i].somaxconn);
	}
	netstat_families(out, s);
}

/*
 * Call fn for every protected interface of s with labels l[0] and l[1] set to
 * its netns and device; fn may use l[2].
 */
typedef void iface_fn(FILE *out, struct prom_label *l, const struct protect_sample *ps,
		      const void *arg);

static void each_iface(FILE *out, const struct synq_snapshot *s, iface_fn *fn, const void *arg)
{
	struct prom_label l[3];
	char ino[24];

	l[0] = (struct prom_label){ "netns", ino };
	for (size_t i = 0; i < s->n_ns; i++) {
		snprintf(ino, sizeof(ino), "%llu", (unsigned long long)s->ns[i].netns);
		for (int x = 0; x < s->ns[i].n_xdp; x++) {
			l[1] = (struct prom_label){ "device", s->ns[i].xdp[x].name };
			fn(out, l, &s->ns[i].xdp[x].s, arg);
		}
	}
}

struct counter_arg {
	const char *name;
	int c;
};

static void counter_sample(FILE *out, struct prom_label *l, const struct protect_sample *ps,
			   const void *arg)
{
	const struct counter_arg *a = arg;

	prom_sample_u64(out, a->name, l, 2, ps->ctr[a->c]);
}

/* One protection counter of every protected interface: labels netns, device. */
static void protect_counter(FILE *out, const struct synq_snapshot *s, int c)
{
	char name[96], help[128];
	struct counter_arg a = { name, c };

	snprintf(name, sizeof(name), "synq_protect_%s_total", protect_counter_names[c]);
	snprintf(help, sizeof(help), "synq XDP/TC counter %s (see synq status).",
		 protect_counter_names[c]);
	prom_family(out, name, "counter", help);
	each_iface(out, s, counter_sample, &a);
}

#define MALFORMED_METRIC "synq_protect_malformed_total"

static void malformed_samples(FILE *out, struct prom_label *l, const struct protect_sample *ps,
			      const void *arg)
{
	(void)arg;
	for (int r = 0; r < SYNQ_MALFORMED_MAX; r++) {
		l[2] = (struct prom_label){ "reason", protect_malformed_names[r] };
		prom_sample_u64(out, MALFORMED_METRIC, l, 3, ps->mal[r]);
	}
}

/*
 * Handoff failures by errno: the errnos a handoff fails with (docs/dataplane.md),
 * each always written, and "other" for every other errno, so the label has a
 * fixed set of values.
 */
static const int handoff_errnos[] = { EINVAL, ENOENT, ENOMEM, ESOCKTNOSUPPORT };
#define N_HANDOFF_ERRNOS (sizeof(handoff_errnos) / sizeof(handoff_errnos[0]))
#define HANDOFF_ERRORS_METRIC "synq_protect_handoff_errors_total"

static void handoff_error_samples(FILE *out, struct prom_label *l,
				  const struct protect_sample *ps, const void *arg)
{
	uint64_t other = 0;

	(void)arg;
	for (int e = 0; e < SYNQ_ERRNO_MAX; e++)
		other += ps->err[e];
	for (size_t k = 0; k < N_HANDOFF_ERRNOS; k++) {
		l[2] = (struct prom_label){ "errno", protect_errno_name(handoff_errnos[k]) };
		prom_sample_u64(out, HANDOFF_ERRORS_METRIC, l, 3, ps->err[handoff_errnos[k]]);
		other -= ps->err[handoff_errnos[k]];
	}
	l[2] = (struct prom_label){ "errno", "other" };
	prom_sample_u64(out, HANDOFF_ERRORS_METRIC, l, 3, other);
}

/* The interfaces' counters by label: malformed packets by reason, handoff failures by errno. */
static void protect_labelled(FILE *out, const struct synq_snapshot *s)
{
	prom_family(out, MALFORMED_METRIC, "counter",
		    "Malformed packets seen by synq's XDP program, by reason (SYNs dropped, others passed).");
	each_iface(out, s, malformed_samples, NULL);
	prom_family(out, HANDOFF_ERRORS_METRIC, "counter",
		    "Handoffs to the kernel that failed, by errno (\"other\": any errno not listed).");
	each_iface(out, s, handoff_error_samples, NULL);
}

/* ---- per protected listener: --mode auto's state ---- */

/* The labels of one protected listener: the listener's, the device, the address SYNs go to. */
struct plistener_labels {
	struct listener_labels ll;
	char dst[INET6_ADDRSTRLEN];
	struct prom_label l[6];		/* and a free one for state */
};

static void plistener_labels(const struct synq_plistener *pl, struct plistener_labels *pll)
{
	const struct synq_listener_key *k = &pl->p.key;

	listener_labels(&pl->listener, &pll->ll);
	if (!inet_ntop(k->ipv6 ? AF_INET6 : AF_INET, k->addr, pll->dst, sizeof(pll->dst)))
		snprintf(pll->dst, sizeof(pll->dst), "?");
	memcpy(pll->l, pll->ll.l, sizeof(pll->ll.l));
	pll->l[3] = (struct prom_label){ "device", pl->device };
	pll->l[4] = (struct prom_label){ "dst_addr", pll->dst };
}

enum pmetric { PM_STATE, PM_SECONDS, PM_TRANSITIONS, PM_MAX };

static const struct {
	const char *name, *type, *help;
	bool by_state;
} pmetrics[PM_MAX] = {
	[PM_STATE] = { "synq_protect_listener_state", "gauge",
		"--mode auto: 1 for the state the listener is in (kernel: the kernel answers its SYNs; cookies: synq does), else 0.",
		true },
	[PM_SECONDS] = { "synq_protect_listener_state_seconds_total", "counter",
		"--mode auto: seconds the listener spent in each state since synq first saw a SYN for it.",
		true },
	[PM_TRANSITIONS] = { "synq_protect_listener_transitions_total", "counter",
		"--mode auto: changes of the listener's state.", false },
};

static double pmetric_value(enum pmetric m, const struct protect_listener *p, int state)
{
	switch (m) {
	case PM_STATE: return p->state == state;
	case PM_SECONDS: return p->seconds[state];
	default: return p->transitions;
	}
}

/*
 * Views whose listener is not listening now are left out, as closed listeners
 * are. Those of --mode always are on cookies all along: synq answers every SYN.
 */
static void protect_listener_family(FILE *out, const struct synq_snapshot *s, enum pmetric m)
{
	struct plistener_labels pll;

	prom_family(out, pmetrics[m].name, pmetrics[m].type, pmetrics[m].help);
	for (size_t i = 0; i < s->n_pl; i++) {
		if (!s->pl[i].joined)
			continue;
		plistener_labels(&s->pl[i], &pll);
		for (int st = 0; st < 2; st++) {
			pll.l[5] = (struct prom_label){ "state", protect_listener_states[st] };
			prom_sample(out, pmetrics[m].name, pll.l, pmetrics[m].by_state ? 6 : 5,
				    pmetric_value(m, &s->pl[i].p, st));
			if (!pmetrics[m].by_state)
				break;
		}
	}
}

/* ---- the observer itself ---- */

size_t export_unattributed(const struct synq_snapshot *s)
{
	size_t n = 0;

	if (s->rows < s->listeners_max)
		return 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->l[i].gauged && !s->l[i].counted)
			n++;
	return n;
}

static void observer_families(FILE *out, const struct synq_snapshot *s, time_t since,
			      const char *version)
{
	struct prom_label v = { "version", version };

	prom_family(out, "synq_build_info", "gauge", "synq's version, always 1.");
	prom_sample(out, "synq_build_info", &v, 1, 1);
	prom_family(out, "synq_observer_start_time_seconds", "gauge",
		    "When the queue programs were loaded (Unix time): synq's own counters start here.");
	prom_sample(out, "synq_observer_start_time_seconds", NULL, 0, (double)since);
	prom_family(out, "synq_observer_accept_wait_traced", "gauge",
		    "1 when accept() is traced for exact wait times (--accept-wait), else 0.");
	prom_sample(out, "synq_observer_accept_wait_traced", NULL, 0, s->accept_traced);
	prom_family(out, "synq_observer_enqueue_traced", "gauge",
		    "1 when each enqueue is counted (--enqueue-events or --accept-wait), else 0.");
	prom_sample(out, "synq_observer_enqueue_traced", NULL, 0, s->enqueue_traced);
	prom_family(out, "synq_listener_table_capacity", "gauge",
		    "Listeners synq can keep counters for (--listeners).");
	prom_sample(out, "synq_listener_table_capacity", NULL, 0, s->listeners_max);
	prom_family(out, "synq_listener_table_rows", "gauge",
		    "Listeners with counters now, every namespace.");
	prom_sample(out, "synq_listener_table_rows", NULL, 0, s->rows);
	prom_family(out, "synq_listener_table_full_events_total", "counter",
		    "Events not attributed to a listener because the listener table was full.");
	prom_sample_u64(out, "synq_listener_table_full_events_total", NULL, 0,
			s->qc[SYNQ_QC_TABLE_FULL]);
	prom_family(out, "synq_listeners_unattributed", "gauge",
		    "Listeners seen now that have no counters because the listener table is full.");
	prom_sample(out, "synq_listeners_unattributed", NULL, 0, export_unattributed(s));
	prom_family(out, "synq_accept_wait_unknown_total", "counter",
		    "Accepts whose handshake time was not known (completed before synq started).");
	prom_sample_u64(out, "synq_accept_wait_unknown_total", NULL, 0,
			s->qc[SYNQ_QC_WAIT_UNKNOWN]);
}

void export_write(FILE *out, const struct synq_snapshot *s, time_t since, const char *version)
{
	struct synq_lview *views = calloc(s->n ? s->n : 1, sizeof(*views));

	if (!views)
		return;
	for (size_t i = 0; i < s->n; i++)
		synq_view(s, NULL, NULL, i, &views[i]);
	observer_families(out, s, since, version);
	for (int m = 0; m < LM_MAX; m++)
		if ((m != LM_ACCEPTED || s->accept_traced) && (m != LM_ENQUEUED || s->enqueue_traced))
			listener_family(out, s, m, views);
	owner_family(out, s);
	histograms(out, s);
	netns_families(out, s);
	for (int c = 0; c < SYNQ_COUNTER_MAX; c++)
		protect_counter(out, s, c);
	protect_labelled(out, s);
	for (int m = 0; m < PM_MAX; m++)
		protect_listener_family(out, s, m);
	free(views);
}
