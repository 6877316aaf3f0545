// SPDX-License-Identifier: GPL-2.0
/*
 * synq doctor: the lessons of the listen path, checked on a live host. It
 * looks (and with --observe watches for a while) at every listener with the
 * queue programs, reads the sysctls, addresses and synq's pins of each
 * namespace, and hands those facts to the checks in doctor_checks.c.
 * Read-only: it changes nothing and prints the commands for the user to run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include "system/array.h"
#include "cli/cli.h"
#include "cli/verb.h"
#include "observe/counters.h"
#include "observe/doctor.h"
#include "observe/watch.h"
#include "system/netlink.h"
#include "protect/pins.h"
#include "system/system.h"

#define SAMPLE_INTERVAL_S 0.5	/* gauges are sampled this often while observing */

struct doctor_opts {
	bool all_netns, json;
	uint16_t port;
	double observe;		/* seconds; 0: one look */
};

/* The highest queue lengths seen in the samples, per listener. */
struct gauge_peak {
	struct synq_lkey key;
	uint32_t aq, syn;
};

struct gauge_peaks {
	size_t n, cap;
	struct gauge_peak *p;
};

/* The peaks slot of key, added when new; NULL when out of memory. */
static struct gauge_peak *peak_slot(struct gauge_peaks *pk, const struct synq_lkey *key)
{
	for (size_t k = 0; k < pk->n; k++)
		if (!synq_lkey_cmp(&pk->p[k].key, key))
			return &pk->p[k];
	if (array_reserve(&pk->p, pk->n, &pk->cap, sizeof(*pk->p), 64))
		return NULL;
	memset(&pk->p[pk->n], 0, sizeof(*pk->p));
	pk->p[pk->n].key = *key;
	return &pk->p[pk->n++];
}

static void peaks_note(struct gauge_peaks *pk, const struct synq_snapshot *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct synq_listener *l = &s->l[i];
		struct gauge_peak *p = peak_slot(pk, &l->key);

		if (!p)
			return;	/* the peaks are then the programs' own: no worse than watch */
		if (l->aq_len > p->aq)
			p->aq = l->aq_len;
		if (l->syn_len > p->syn)
			p->syn = l->syn_len;
	}
}

static uint32_t max_u32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

/* Take base, sample every SAMPLE_INTERVAL_S for o->observe seconds, then cur. */
static int observe(struct synq_collector *c, const struct doctor_opts *o,
		   struct synq_snapshot *base, struct synq_snapshot *cur, struct gauge_peaks *pk)
{
	double left = o->observe;
	int err = synq_collector_snapshot(c, base);

	if (err)
		return err;
	peaks_note(pk, base);
	if (o->observe > 0)
		fprintf(stderr, "synq doctor: observing for %g s\n", o->observe);
	while (left > 0 && !synq_stop) {
		cli_sleep(left < SAMPLE_INTERVAL_S ? left : SAMPLE_INTERVAL_S);
		left -= SAMPLE_INTERVAL_S;
		err = synq_collector_snapshot(c, cur);
		if (err)
			return err;
		synq_base_adopt(base, cur);
		peaks_note(pk, cur);
	}
	/* One look, or stopped (Ctrl-C) before the first sample: the base is all there is. */
	return cur->n_ns ? 0 : synq_snapshot_copy(cur, base);
}

/* ---- entering the namespace a snapshot names ---- */

static uint64_t ino_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_ino;
}

/* A process living in namespace ino, for /proc/PID/ns/net; 0 when none. */
static int pid_in_netns(uint64_t ino)
{
	char path[300];
	struct dirent *d;
	DIR *dir = opendir("/proc");
	int pid = 0;

	while (dir && !pid && (d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", d->d_name);
		if (ino_of(path) == ino)
			pid = atoi(d->d_name);
	}
	if (dir)
		closedir(dir);
	return pid;
}

/*
 * Open namespace ns->netns, and fill how the fixes reach it (ns->sh, ns->synq).
 * Returns the fd, -1 for this thread's own namespace, or -errno.
 */
static int ns_open(struct doctor_ns *ns, uint64_t self)
{
	const char *name = ns->netns == self && synq_netns_name ? synq_netns_name : ns->name;
	char path[300];
	int pid;

	if (name[0]) {
		snprintf(ns->sh, sizeof(ns->sh), "ip netns exec %s ", name);
		snprintf(ns->synq, sizeof(ns->synq), "synq -n %s", name);
		if (name != ns->name)
			snprintf(ns->name, sizeof(ns->name), "%s", name);
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	} else if (ns->netns == self) {
		snprintf(ns->synq, sizeof(ns->synq), "synq");
		return -1;
	} else {
		pid = pid_in_netns(ns->netns);
		if (!pid)
			return -ENOENT;
		snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
		snprintf(ns->sh, sizeof(ns->sh), "nsenter --net=/proc/%d/ns/net ", pid);
		snprintf(ns->synq, sizeof(ns->synq), "nsenter --net=/proc/%d/ns/net synq", pid);
	}
	if (ns->netns == self)
		return -1;
	if (ino_of(path) != ns->netns)
		return -ENOENT;
	pid = open(path, O_RDONLY | O_CLOEXEC);
	return pid < 0 ? -errno : pid;
}

/* ---- the facts of one namespace, read from inside it ---- */

static long sysctl_or(const char *name)
{
	long v;

	return sysctl_read_int(name, &v) ? -1 : v;
}

static void read_sysctls(struct doctor_sysctls *s)
{
	s->somaxconn = sysctl_or("net/core/somaxconn");
	s->syncookies = sysctl_or("net/ipv4/tcp_syncookies");
	s->max_syn_backlog = sysctl_or("net/ipv4/tcp_max_syn_backlog");
	s->abort_on_overflow = sysctl_or("net/ipv4/tcp_abort_on_overflow");
	s->timestamps = sysctl_or("net/ipv4/tcp_timestamps");
}

/* Every address of the namespace and its interface (getifaddrs asks netlink, not /sys). */
static void read_addrs(struct doctor_ns *ns)
{
	struct ifaddrs *ifa, *a;

	if (getifaddrs(&ifa))
		return;
	for (a = ifa; a && ns->n_addr < DOCTOR_ADDRS_MAX; a = a->ifa_next) {
		struct doctor_addr *d = &ns->addr[ns->n_addr];
		const void *bytes;

		if (!a->ifa_addr || (a->ifa_addr->sa_family != AF_INET &&
				     a->ifa_addr->sa_family != AF_INET6))
			continue;
		d->family = a->ifa_addr->sa_family;
		bytes = d->family == AF_INET ? (const void *)&((struct sockaddr_in *)a->ifa_addr)->sin_addr :
			(const void *)&((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr;
		inet_ntop(d->family, bytes, d->addr, sizeof(d->addr));
		snprintf(d->ifname, sizeof(d->ifname), "%s", a->ifa_name);
		d->loopback = a->ifa_flags & IFF_LOOPBACK;
		ns->n_addr++;
	}
	freeifaddrs(ifa);
}

struct pins_walk {
	struct doctor_ns *ns;
	const struct synq_netns *cur, *base;	/* the snapshot's XDP counters of this namespace */
	uint8_t *ports;				/* SYNQ_PORTS entries */
};

static void iface_ports(struct doctor_iface *x, const uint8_t *ports)
{
	for (int p = 1; p < SYNQ_PORTS; p++) {
		if (!ports[p])
			continue;
		if (x->n_ports < DOCTOR_PORTS_MAX)
			x->ports[x->n_ports] = p;
		x->n_ports++;
	}
}

static void iface_handoffs(struct doctor_iface *x, const struct pins_walk *w)
{
	const struct synq_xdp_iface *c = w->cur ? synq_xdp_find(w->cur, x->name) : NULL;
	const struct synq_xdp_iface *b = w->base ? synq_xdp_find(w->base, x->name) : NULL;

	if (!c)
		return;
	x->handoff_failed = c->s.ctr[SYNQ_HANDOFF_FAILED];
	x->handoff_failed_delta = b ? counter_delta(b->s.ctr[SYNQ_HANDOFF_FAILED], x->handoff_failed,
						    b->s.map_id != c->s.map_id) : 0;
}

static int read_one_iface(const char *iface, void *arg)
{
	struct pins_walk *w = arg;
	struct doctor_iface *x;
	struct veth_peer peer = {};
	struct pinned p;
	int err;

	if (w->ns->n_iface >= DOCTOR_IFACES_MAX || pinned_open(iface, &p))
		return 0;
	if (p.pass_only || ports_read(&p, w->ports)) {
		pinned_close(&p);
		return 0;
	}
	x = &w->ns->iface[w->ns->n_iface++];
	snprintf(x->name, sizeof(x->name), "%s", iface);
	iface_ports(x, w->ports);
	x->native = !strcmp(p.xdp_mode, "native");
	err = p.ifindex ? veth_peer_xdp(p.ifindex, &peer) : -ENODEV;
	x->veth = err != -ENOTSUP;
	x->peer_known = !err;
	x->peer_xdp = peer.native_xdp;
	x->peer_other_netns = peer.other_netns;
	snprintf(x->peer, sizeof(x->peer), "%s", peer.name);
	iface_handoffs(x, w);
	pinned_close(&p);
	return 0;
}

static void read_pins(struct doctor_ns *ns, const struct synq_snapshot *cur,
		      const struct synq_snapshot *base)
{
	struct pins_walk w = {
		.ns = ns,
		.cur = synq_snapshot_netns(cur, ns->netns),
		.base = synq_snapshot_netns(base, ns->netns),
		.ports = malloc(SYNQ_PORTS),
	};

	if (w.ports)
		pinned_each(read_one_iface, &w);
	free(w.ports);
}

static void netstat_deltas(struct doctor_ns *ns, const struct synq_netns *c,
			   const struct synq_netns *b)
{
	ns->netstat_ok = c && c->netstat_ok && b && b->netstat_ok;
	for (int i = 0; ns->netstat_ok && i < SYNQ_NETSTAT_MAX; i++)
		ns->netstat_delta[i] = counter_delta(b->netstat[i], c->netstat[i], false);
}

/*
 * The host's namespace: PID 1's, or where that is hidden from us, kthreadd's
 * (kernel threads live in the initial namespace).
 */
static const char *host_netns_path(void)
{
	return access("/proc/1/ns/net", R_OK) ? "/proc/2/ns/net" : "/proc/1/ns/net";
}

/* somaxconn of the host's namespace, to compare each namespace with. */
static long host_somaxconn(int self_fd)
{
	int fd = open(host_netns_path(), O_RDONLY | O_CLOEXEC);
	long v = -1;

	if (fd < 0)
		return -1;
	if (!setns(fd, CLONE_NEWNET)) {
		v = sysctl_or("net/core/somaxconn");
		if (setns(self_fd, CLONE_NEWNET))
			v = -1;
	}
	close(fd);
	return v;
}

struct gather {
	int self_fd;
	uint64_t self, host;
	long host_somaxconn;
	const struct synq_snapshot *cur, *base;
	double observed;
};

/* The facts of snapshot namespace i, read from inside it. 0 or -errno. */
static int gather_ns(const struct gather *g, size_t i, struct doctor_ns *ns)
{
	const struct synq_netns *sn = &g->cur->ns[i];
	int fd;

	memset(ns, 0, sizeof(*ns));
	ns->netns = sn->netns;
	ns->observed_s = g->observed;
	snprintf(ns->name, sizeof(ns->name), "%s", sn->name);
	fd = ns_open(ns, g->self);
	if (fd == -ENOENT) {
		synq_debug("doctor: netns %llu is gone", (unsigned long long)ns->netns);
		return fd;
	}
	if (fd < -1 || (fd >= 0 && setns(fd, CLONE_NEWNET))) {
		synq_err("doctor: cannot enter netns %llu: %s", (unsigned long long)ns->netns,
			 strerror(fd < -1 ? -fd : errno));
		if (fd >= 0)
			close(fd);
		return fd < -1 ? fd : -errno;
	}
	read_sysctls(&ns->sys);
	ns->sys.host_somaxconn = ns->netns == g->host ? -1 : g->host_somaxconn;
	read_addrs(ns);
	read_pins(ns, g->cur, g->base);
	netstat_deltas(ns, sn, synq_snapshot_netns(g->base, ns->netns));
	if (fd >= 0) {
		close(fd);
		if (setns(g->self_fd, CLONE_NEWNET))
			return -errno;
	}
	return 0;
}

/* ---- listeners and checks ---- */

static void listener_facts(const struct synq_snapshot *cur, const struct synq_snapshot *base,
			   const struct gauge_peaks *pk, const struct doctor_ns *ns, size_t i,
			   struct doctor_listener *dl)
{
	const struct synq_listener *l = &cur->l[i];
	struct synq_lview v;

	synq_view(cur, NULL, base, i, &v);
	memset(dl, 0, sizeof(*dl));
	dl->l = l;
	dl->aq_peak = max_u32(v.aq_peak, l->aq_len);
	dl->syn_peak = max_u32(l->st.syn_peak, l->syn_len);
	for (size_t k = 0; k < pk->n; k++)
		if (!synq_lkey_cmp(&pk->p[k].key, &l->key)) {
			dl->aq_peak = max_u32(dl->aq_peak, pk->p[k].aq);
			dl->syn_peak = max_u32(dl->syn_peak, pk->p[k].syn);
		}
	dl->enqueued = v.enqueued;
	dl->accepted = v.accepted;
	dl->overflows = v.overflows;
	dl->synack_retrans = v.synack_retrans;
	dl->wait_p99_us = v.p99_us;
	dl->protected = doctor_port_protected(ns, l->key.port);
}

/* Every check on namespace ns and its listeners dl[0..n). */
static int check_ns(const struct doctor_ns *ns, const struct doctor_listener *dl, size_t n,
		    uint16_t port, struct doctor_report *r)
{
	int err = doctor_check_sysctls(ns, r);

	for (size_t i = 0; i < n && !err; i++)
		err = doctor_check_backlog(ns, &dl[i], r) ?:
		      doctor_check_accept_queue(ns, &dl[i], r) ?:
		      doctor_check_syn_queue(ns, &dl[i], r) ?:
		      doctor_check_wildcard(ns, &dl[i], r);
	return err ?: doctor_check_synq_state(ns, dl, n, port, r);
}

/*
 * Gather every namespace's facts and run the checks. Returns how many
 * namespaces were examined (nss[], counts[]), or -errno. A namespace that
 * went away since the snapshot (--all-netns) is skipped.
 */
static int examine(struct gather *g, const struct gauge_peaks *pk, uint16_t port,
		   struct doctor_ns *nss, size_t *counts, struct doctor_report *r)
{
	const struct synq_snapshot *cur = g->cur;
	struct doctor_listener *dl = calloc(cur->n ? cur->n : 1, sizeof(*dl));
	int err = dl ? 0 : -ENOMEM, done = 0;

	for (size_t i = 0; i < cur->n_ns && !err; i++) {
		struct doctor_ns *ns = &nss[done];
		size_t n = 0;

		err = gather_ns(g, i, ns);
		if (err == -ENOENT) {
			err = 0;
			continue;
		}
		for (size_t k = 0; !err && k < cur->n; k++)
			if (cur->l[k].key.netns == ns->netns && cur->l[k].gauged)
				listener_facts(cur, g->base, pk, ns, k, &dl[n++]);
		counts[done++] = n;
		if (!err)
			err = check_ns(ns, dl, n, port, r);
	}
	free(dl);
	return err ? err : done;
}

/* Colour on a terminal, unless NO_COLOR is set to something (no-color.org). */
static bool use_colour(void)
{
	const char *no = getenv("NO_COLOR");

	return isatty(STDOUT_FILENO) && !(no && *no);
}

static int doctor_run(const struct doctor_opts *o)
{
	struct synq_collector_opts co = { .all_netns = o->all_netns, .port = o->port };
	struct synq_snapshot base = {}, cur = {};
	struct gauge_peaks pk = {};
	struct doctor_report r = {};
	struct doctor_ns *nss = NULL;
	size_t *counts = NULL;
	struct synq_collector *c;
	struct gather g = { .self_fd = -1 };
	struct doctor_scope sc;
	int rc = EXIT_FAIL, n_ns;

	cli_catch_stop_signals();
	c = synq_collector_open(&co);
	if (!c)
		return EXIT_FAIL;
	if (observe(c, o, &base, &cur, &pk))
		goto out;
	g.cur = &cur;
	g.base = &base;
	g.observed = cur.t - base.t;	/* shorter than asked when interrupted */
	g.self = netns_id();
	g.host = ino_of(host_netns_path());
	g.self_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	g.host_somaxconn = g.self_fd >= 0 ? host_somaxconn(g.self_fd) : -1;
	nss = calloc(SYNQ_NETNS_MAX, sizeof(*nss));
	counts = calloc(SYNQ_NETNS_MAX, sizeof(*counts));
	if (g.self_fd < 0 || !nss || !counts) {
		synq_err("doctor: %s", g.self_fd < 0 ? strerror(errno) : "out of memory");
		goto out;
	}
	n_ns = examine(&g, &pk, o->port, nss, counts, &r);
	if (n_ns < 0)
		goto out;
	sc = (struct doctor_scope){ .when = cur.wall, .observed_s = g.observed,
				    .n_ns = n_ns, .ns = nss, .listeners = counts };
	if (o->json)
		doctor_print_json(stdout, &sc, &r);
	else
		doctor_print_text(stdout, &sc, &r, use_colour());
	rc = doctor_exit_status(&r);
out:
	synq_collector_close(c);
	if (g.self_fd >= 0)
		close(g.self_fd);
	synq_snapshot_free(&base);
	synq_snapshot_free(&cur);
	doctor_report_free(&r);
	free(pk.p);
	free(nss);
	free(counts);
	return rc;
}

static const struct option doctor_longopts[] = {
	{ "all-netns", no_argument, NULL, 'a' },
	{ "port", required_argument, NULL, 'p' },
	{ "observe", required_argument, NULL, 'o' },
	{ "json", no_argument, NULL, 'j' },
	{}
};

static int doctor_parse(int argc, char **argv, struct doctor_opts *o)
{
	struct cli_seen seen = {};
	unsigned int port;
	int opt;

	*o = (struct doctor_opts){};
	while ((opt = cli_getopt("doctor", argc, argv, "", doctor_longopts, &seen)) != -1) {
		switch (opt) {
		case 'a':
			o->all_netns = true;
			break;
		case 'p':
			if (cli_parse_uint("doctor", "--port", optarg, 1, 65535, &port))
				return EXIT_USAGE;
			o->port = port;
			break;
		case 'o':
			if (cli_parse_seconds("doctor", "--observe", optarg, 0, 3600, &o->observe))
				return EXIT_USAGE;
			break;
		case 'j':
			o->json = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (cli_no_extra_args("doctor", argc, argv))
		return EXIT_USAGE;
	if (cli_all_netns_arg("doctor", o->all_netns))
		return EXIT_USAGE;
	return 0;
}

static int doctor_main(int argc, char **argv)
{
	struct doctor_opts o;
	int err = doctor_parse(argc, argv, &o);

	return err ? err : doctor_run(&o);
}

const struct synq_verb verb_doctor = {
	.name = "doctor",
	.summary = "check listeners, sysctls and synq's own state for known listen-path traps",
	.usage =
	"Usage: synq [-n NAME] doctor [--all-netns] [--port P] [--observe SECONDS] [--json]\n"
	"\n"
	"Looks at every TCP listener of the namespace, its sysctls and synq's protection,\n"
	"and prints one finding per problem: a stable ID (SQ101 ...), a severity (info,\n"
	"warn, error), what it concerns, the numbers that prove it, and the fix as a\n"
	"command or a line of configuration. docs/doctor.md explains every ID. Read-only:\n"
	"it changes nothing. It loads synq's queue programs while it runs (root).\n"
	"\n"
	"  --observe S     also watch for S seconds: accept-queue peaks and overflows,\n"
	"                  SYN-ACK retransmits, and the backlog of any listen() meanwhile\n"
	"  --port P        only listeners (and protected ports) on port P\n"
	"  --all-netns     every network namespace that has listeners\n"
	"  --json          one JSON document instead of text\n"
	"  -n NAME         (global) the namespace /run/netns/NAME instead of this one\n"
	"\n"
	"Exit status: 0 no finding is warn or worse, 1 at least one is (or doctor could\n"
	"not look), 2 bad usage. Text is coloured on a terminal unless NO_COLOR is set.\n",
	.run = doctor_main,
};
