// SPDX-License-Identifier: GPL-2.0
/*
 * The collector (see collector.h). The first half is pure arithmetic that the
 * unit tests drive with fake data; the second half reads the queue programs'
 * maps, runs the iter/tcp program in each namespace, and reads netstat and the
 * protection programs' pinned counters.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>
#include <linux/magic.h>

#include "system/array.h"
#include "cli/cli.h"
#include "observe/collector.h"
#include "observe/counters.h"
#include "observe/map_memory.h"
#include "system/system.h"
#include "synq_queue.skel.h"

/* Unsized, so that the asserts catch a value added to an enum without a name. */
const char *const synq_netstat_names[] = {
	[SYNQ_NETSTAT_LISTEN_OVERFLOWS] = "ListenOverflows",
	[SYNQ_NETSTAT_LISTEN_DROPS] = "ListenDrops",
	[SYNQ_NETSTAT_REQQ_FULL_DO_COOKIES] = "TCPReqQFullDoCookies",
	[SYNQ_NETSTAT_REQQ_FULL_DROP] = "TCPReqQFullDrop",
	[SYNQ_NETSTAT_SYNCOOKIES_SENT] = "SyncookiesSent",
	[SYNQ_NETSTAT_SYNCOOKIES_RECV] = "SyncookiesRecv",
	[SYNQ_NETSTAT_SYNCOOKIES_FAILED] = "SyncookiesFailed",
};
const char *const synq_qc_names[] = {
	[SYNQ_QC_TABLE_FULL] = "table_full",
	[SYNQ_QC_OWNERS_FULL] = "owners_full",
	[SYNQ_QC_WAIT_UNKNOWN] = "wait_unknown",
};
#define NAMES(a) (sizeof(a) / sizeof((a)[0]))
_Static_assert(NAMES(synq_netstat_names) == SYNQ_NETSTAT_MAX, "a netstat counter lacks a name");
_Static_assert(NAMES(synq_qc_names) == SYNQ_QC_MAX, "a queue counter lacks a name");

/* ---------------------------------------------------------------- pure part */

double synq_hist_quantile(const uint64_t *hist, int n, double q, uint64_t max_us)
{
	uint64_t total = 0, cum = 0;
	double rank, lo, hi, v;
	int i;

	for (i = 0; i < n; i++)
		total += hist[i];
	if (!total)
		return -1;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	rank = q * (double)total;
	for (i = 0; i < n; i++) {
		if (hist[i] && (double)(cum + hist[i]) >= rank)
			break;
		cum += hist[i];
	}
	if (i == n)	/* unreachable: rank <= total */
		i = n - 1;
	lo = synq_wait_lo(i);
	if (i == n - 1 || i == SYNQ_WAIT_BUCKETS - 1) {
		v = lo;	/* open-ended last bucket */
	} else {
		hi = synq_wait_lo(i + 1);
		v = lo + (hi - lo) * ((rank - (double)cum) / (double)hist[i]);
	}
	if (max_us && v > (double)max_us)
		v = (double)max_us;
	return v;
}

int synq_netstat_parse(const char *text, uint64_t out[SYNQ_NETSTAT_MAX])
{
	int found = 0;

	memset(out, 0, sizeof(uint64_t) * SYNQ_NETSTAT_MAX);
	for (int i = 0; i < SYNQ_NETSTAT_MAX; i++)
		found += !proc_net_value(text, "TcpExt:", synq_netstat_names[i], &out[i]);
	return found;
}

int synq_lkey_cmp(const struct synq_lkey *a, const struct synq_lkey *b)
{
	return memcmp(a, b, sizeof(*a));
}

bool synq_lkey_wildcard(const struct synq_lkey *k)
{
	static const uint8_t zero[16];

	return !memcmp(k->addr, zero, k->family == AF_INET6 ? 16 : 4);
}

void synq_lkey_str(const struct synq_lkey *k, char *buf, size_t len)
{
	addr_port_str(k->family == AF_INET6 ? AF_INET6 : AF_INET, k->addr, k->port, buf, len);
}

void synq_owner_str(const struct synq_listener *l, const char *unknown, char *buf, size_t len)
{
	char comm[sizeof(l->comm)];
	size_t i;

	if (!l->pid) {
		snprintf(buf, len, "%s", unknown);
		return;
	}
	/* A process names itself (PR_SET_NAME), escape sequences included. */
	for (i = 0; i < sizeof(comm) - 1 && l->comm[i]; i++)
		comm[i] = l->comm[i] >= 0x20 && l->comm[i] < 0x7f ? l->comm[i] : '?';
	comm[i] = 0;
	snprintf(buf, len, "%u/%s", l->pid, comm);
}

void synq_fmt_us(double us, char *buf, size_t len)
{
	if (us < 0)
		snprintf(buf, len, "-");
	else if (us >= 1e6)
		snprintf(buf, len, "%.2fs", us / 1e6);
	else if (us >= 1e3)
		snprintf(buf, len, "%.1fms", us / 1e3);
	else
		snprintf(buf, len, "%.0fus", us);
}

struct synq_listener *synq_snapshot_find(const struct synq_snapshot *s, const struct synq_lkey *k)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (!synq_lkey_cmp(&s->l[i].key, k))
			return &s->l[i];
	return NULL;
}

const struct synq_netns *synq_snapshot_netns(const struct synq_snapshot *s, uint64_t netns)
{
	for (size_t i = 0; s && i < s->n_ns; i++)
		if (s->ns[i].netns == netns)
			return &s->ns[i];
	return NULL;
}

static void hist_delta(uint64_t *out, const struct synq_lstats *cur, const struct synq_lstats *old)
{
	for (int b = 0; b < SYNQ_WAIT_BUCKETS; b++)
		out[b] = counter_delta(old ? old->wait_hist[b] : 0, cur->wait_hist[b], false);
}

/*
 * Connection attempts the listener refused, from its sk_drops: a SYN refused
 * with a full queue counts once (as in ListenDrops), but an ACK refused with
 * a full accept queue is counted twice by the kernel (tcp_listendrop() and
 * again when the segment is discarded), so those, known exactly from the
 * kfree_skb reason, are taken out once.
 */
static uint64_t refused(const struct synq_listener *l)
{
	return l->drops > l->st.overflow_acks ? l->drops - l->st.overflow_acks : 0;
}

/* Children that left the accept queue, from enqueues and the queue's growth since old. */
static uint64_t dequeued(const struct synq_listener *l, const struct synq_listener *old)
{
	uint64_t in = counter_delta(old ? old->st.enqueued : 0, l->st.enqueued, false);
	int64_t grew = (int64_t)l->aq_len - (old ? (int64_t)old->aq_len : 0);

	int64_t out = (int64_t)in - grew;

	return out > 0 ? (uint64_t)out : 0;
}

void synq_view(const struct synq_snapshot *cur, const struct synq_snapshot *prev,
	       const struct synq_snapshot *base, size_t i, struct synq_lview *v)
{
	const struct synq_listener *l = &cur->l[i];
	const struct synq_listener *b = synq_snapshot_find(base, &l->key);
	const struct synq_listener *p = synq_snapshot_find(prev, &l->key);
	const struct synq_lstats *bs = b ? &b->st : NULL;
	uint64_t hist[SYNQ_WAIT_BUCKETS];
	double dt = prev ? cur->t - prev->t : 0;

	memset(v, 0, sizeof(*v));
	v->enqueued = counter_delta(bs ? bs->enqueued : 0, l->st.enqueued, false);
	v->accepted = counter_delta(bs ? bs->accepted : 0, l->st.accepted, false);
	v->overflow_acks = counter_delta(bs ? bs->overflow_acks : 0, l->st.overflow_acks, false);
	v->synack_retrans = counter_delta(bs ? bs->synack_retrans : 0, l->st.synack_retrans, false);
	v->overflows = counter_delta(b ? refused(b) : 0, refused(l), false);
	v->wait_count = counter_delta(bs ? bs->wait_count : 0, l->st.wait_count, false);
	v->wait_max_us = l->st.wait_max_us;
	v->aq_peak = l->st.aq_peak > l->aq_len ? l->st.aq_peak : l->aq_len;
	hist_delta(hist, &l->st, bs);
	v->p50_us = synq_hist_quantile(hist, SYNQ_WAIT_BUCKETS, 0.5, v->wait_max_us);
	v->p99_us = synq_hist_quantile(hist, SYNQ_WAIT_BUCKETS, 0.99, v->wait_max_us);
	v->ip50_us = v->ip99_us = -1;
	if (!cur->accept_traced)
		v->accepted = cur->enqueue_traced ? dequeued(l, b) : 0;
	if (!p || dt <= 0)
		return;
	v->enq_rate = counter_rate(p->st.enqueued, l->st.enqueued, false, dt);
	if (cur->accept_traced)
		v->acc_rate = counter_rate(p->st.accepted, l->st.accepted, false, dt);
	else if (cur->enqueue_traced)
		v->acc_rate = dequeued(l, p) / dt;
	v->drop_rate = counter_rate(refused(p), refused(l), false, dt);
	hist_delta(hist, &l->st, &p->st);
	v->ip50_us = synq_hist_quantile(hist, SYNQ_WAIT_BUCKETS, 0.5, v->wait_max_us);
	v->ip99_us = synq_hist_quantile(hist, SYNQ_WAIT_BUCKETS, 0.99, v->wait_max_us);
}

const struct synq_xdp_iface *synq_xdp_find(const struct synq_netns *ns, const char *name)
{
	for (int i = 0; i < ns->n_xdp; i++)
		if (!strcmp(ns->xdp[i].name, name))
			return &ns->xdp[i];
	return NULL;
}

void synq_base_adopt(struct synq_snapshot *base, const struct synq_snapshot *cur)
{
	for (size_t i = 0; i < cur->n_ns; i++) {
		const struct synq_netns *c = &cur->ns[i];
		struct synq_netns *b = (struct synq_netns *)synq_snapshot_netns(base, c->netns);

		if (!b) {
			if (base->n_ns < SYNQ_NETNS_MAX)
				base->ns[base->n_ns++] = *c;
			continue;
		}
		if (!b->netstat_ok && c->netstat_ok) {
			memcpy(b->netstat, c->netstat, sizeof(b->netstat));
			b->netstat_ok = true;
		}
		for (int x = 0; x < c->n_xdp && b->n_xdp < SYNQ_XDP_MAX; x++)
			if (!synq_xdp_find(b, c->xdp[x].name))
				b->xdp[b->n_xdp++] = c->xdp[x];
	}
}

void synq_snapshot_free(struct synq_snapshot *s)
{
	free(s->l);
	free(s->pl);
	memset(s, 0, sizeof(*s));
}

/* A copy of n elements of size each; *out NULL when n is 0. 0 or -ENOMEM. */
static int array_dup(void **out, const void *src, size_t n, size_t size)
{
	*out = NULL;
	if (!n)
		return 0;
	*out = malloc(n * size);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, src, n * size);
	return 0;
}

int synq_snapshot_copy(struct synq_snapshot *dst, const struct synq_snapshot *src)
{
	void *l, *pl;

	if (array_dup(&l, src->l, src->n, sizeof(*src->l)))
		return -ENOMEM;
	if (array_dup(&pl, src->pl, src->n_pl, sizeof(*src->pl))) {
		free(l);
		return -ENOMEM;
	}
	free(dst->l);
	free(dst->pl);
	*dst = *src;
	dst->l = l;
	dst->cap = src->n;
	dst->pl = pl;
	dst->cap_pl = src->n_pl;
	return 0;
}

/* Append a listener (zeroed but for the key); NULL when out of memory. */
static struct synq_listener *snapshot_add(struct synq_snapshot *s, const struct synq_lkey *k)
{
	struct synq_listener *l;

	if (array_reserve(&s->l, s->n, &s->cap, sizeof(*s->l), 64))
		return NULL;
	l = &s->l[s->n++];
	memset(l, 0, sizeof(*l));
	l->key = *k;
	return l;
}

static int listener_order(const void *a, const void *b)
{
	const struct synq_listener *x = a, *y = b;

	if (x->key.netns != y->key.netns)
		return x->key.netns < y->key.netns ? -1 : 1;
	if (x->key.port != y->key.port)
		return x->key.port < y->key.port ? -1 : 1;
	return synq_lkey_cmp(&x->key, &y->key);
}

/*
 * The listener of s (sorted by listener_order) bound to family, addr (NULL:
 * the wildcard) and port in netns, that the iterator sees now; NULL if none.
 */
static const struct synq_listener *listener_bound(const struct synq_snapshot *s, uint64_t netns,
						  uint16_t family, uint16_t port,
						  const uint8_t *addr)
{
	struct synq_listener want = { .key = { .netns = netns, .family = family, .port = port } };
	const struct synq_listener *l;

	if (addr)
		memcpy(want.key.addr, addr, family == AF_INET6 ? 16 : 4);
	l = bsearch(&want, s->l, s->n, sizeof(*s->l), listener_order);
	return l && l->gauged ? l : NULL;
}

void synq_plistener_join(struct synq_snapshot *s)
{
	for (size_t i = 0; i < s->n_pl; i++) {
		struct synq_plistener *pl = &s->pl[i];
		const struct synq_listener_key *k = &pl->p.key;
		uint16_t family = k->ipv6 ? AF_INET6 : AF_INET, port = ntohs(k->port);
		const struct synq_listener *l;

		l = listener_bound(s, pl->netns, family, port, (const uint8_t *)k->addr);
		if (!l)
			l = listener_bound(s, pl->netns, family, port, NULL);
		if (!l && !k->ipv6) {
			l = listener_bound(s, pl->netns, AF_INET6, port, NULL);
			if (l && l->v6only)
				l = NULL;
		}
		pl->joined = l != NULL;
		if (l)
			pl->listener = l->key;
	}
}

/* ---------------------------------------------------------------- live part */

struct ns_ref {
	uint64_t ino;
	int fd;			/* -1: this thread's own namespace */
	char name[64];
};

struct owner_cache {
	uint64_t ino;
	uint32_t pid;		/* 0: searched, not found */
	char comm[16];
};

struct synq_collector {
	struct synq_queue_bpf *skel;
	struct synq_collector_opts o;
	int ncpu;
	uint32_t listeners_max;	/* the listener table's size */
	int self_fd;		/* our own namespace, to come back to */
	uint64_t self_ino;
	time_t since;
	size_t n_ns, ns_omitted;
	struct ns_ref ns[SYNQ_NETNS_MAX];
	size_t n_own, cap_own;
	struct owner_cache *own;
	size_t n_closed, cap_closed;
	struct synq_lkey *closed;	/* rows of closed listeners, freed after a walk */
	uint64_t *buf;		/* per-CPU values of one counter */
};

/* The value of SKB_DROP_REASON_TCP_LISTEN_OVERFLOW on this kernel, or 0. */
static unsigned int overflow_reason_from_btf(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	unsigned int val = 0;
	const struct btf_enum *e;
	const struct btf_type *t;
	int id;

	if (!btf)
		return 0;
	id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);
	if (id > 0) {
		t = btf__type_by_id(btf, id);
		e = btf_enum(t);
		for (int i = 0; i < btf_vlen(t); i++, e++)
			if (!strcmp(btf__name_by_offset(btf, e->name_off),
				    "SKB_DROP_REASON_TCP_LISTEN_OVERFLOW"))
				val = e->val;
	}
	btf__free(btf);
	return val;
}

static void explain_load_error(int err)
{
	if (err == -EPERM && geteuid())
		synq_err("load the queue programs: %s (run as root: CAP_BPF, CAP_PERFMON and "
			 "CAP_SYS_ADMIN are needed)", strerror(-err));
	else
		synq_err("load the queue programs: %s (synq -v shows the verifier's log)",
			 strerror(-err));
}

/* The accept programs count enqueues too: only without them may sk_data_ready stay out. */
static bool enqueue_traced(const struct synq_collector *c)
{
	return !(c->o.no_enqueue && c->o.no_wait);
}

static int collector_load(struct synq_collector *c)
{
	unsigned int reason = overflow_reason_from_btf();
	int err;

	c->skel = synq_queue_bpf__open();
	if (!c->skel) {
		err = -errno;
		synq_err("open the queue programs: %s", strerror(-err));
		return err;
	}
	c->skel->rodata->targ_netns = c->o.all_netns ? 0 : c->self_ino;
	c->skel->rodata->overflow_reason = reason;
	c->skel->rodata->trace_wait = !c->o.no_wait;
	bpf_map__set_max_entries(c->skel->maps.synq_listeners, c->listeners_max);
	bpf_map__set_max_entries(c->skel->maps.synq_owners, c->listeners_max);
	if (c->o.no_wait) {
		/* The syscall tracepoints are the costly part: every syscall takes the slow path. */
		bpf_program__set_autoload(c->skel->progs.synq_exit_accept4, false);
		bpf_program__set_autoload(c->skel->progs.synq_exit_accept, false);
		/*
		 * The state-change hook runs about ten times per connection (both
		 * ends). Without wait times it only finds owners and frees rows of
		 * closed listeners: /proc gives the owners, and each snapshot frees
		 * the rows of listeners the iterator no longer sees.
		 */
		bpf_program__set_autoload(c->skel->progs.synq_set_state, false);
		/* Handshake times are kept for the accept programs only. */
		bpf_map__set_max_entries(c->skel->maps.synq_pending, 1);
	}
	/*
	 * sk_data_ready runs for every socket that becomes readable, 3 to 4 times
	 * per connection: most of what observing costs. export leaves it out
	 * unless asked; the accept programs need it for their enqueue counts.
	 */
	if (!enqueue_traced(c))
		bpf_program__set_autoload(c->skel->progs.synq_data_ready, false);
	if (!reason) {
		synq_err("this kernel has no SKB_DROP_REASON_TCP_LISTEN_OVERFLOW: "
			 "overflow_acks stays 0 (overflows still come from sk_drops)");
		bpf_program__set_autoload(c->skel->progs.synq_kfree_skb, false);
	}
	err = synq_queue_bpf__load(c->skel);
	if (err) {
		explain_load_error(err);
		return err;
	}
	err = synq_queue_bpf__attach(c->skel);
	if (err) {
		synq_err("attach the queue programs: %s (is tracefs mounted on "
			 "/sys/kernel/tracing?)", strerror(-err));
		return err;
	}
	return 0;
}

struct synq_collector *synq_collector_open(const struct synq_collector_opts *o)
{
	/* Tracefs event ids and synq's pins belong to root: DAC_OVERRIDE reads them. */
	static const int caps[] = { CAP_BPF, CAP_PERFMON, CAP_DAC_OVERRIDE };
	struct synq_collector *c;

	if (caps_require("load the queue programs", caps, sizeof(caps) / sizeof(caps[0])))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		synq_err("collector: out of memory");
		return NULL;
	}
	c->o = *o;
	c->listeners_max = o->listeners_max ? o->listeners_max : SYNQ_LISTENERS_MAX;
	c->self_fd = -1;
	c->ncpu = libbpf_num_possible_cpus();
	c->buf = calloc(c->ncpu > 0 ? c->ncpu : 1, sizeof(*c->buf));
	if (c->ncpu <= 0 || !c->buf) {
		synq_err("collector: cannot size per-CPU buffers");
		goto fail;
	}
	c->self_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	c->self_ino = netns_id();
	if (c->self_fd < 0 || !c->self_ino) {
		synq_err("open /proc/thread-self/ns/net: %s", strerror(errno));
		goto fail;
	}
	if (ensure_tracefs() || collector_load(c))
		goto fail;
	c->since = time(NULL);
	return c;
fail:
	synq_collector_close(c);
	return NULL;
}

time_t synq_collector_since(const struct synq_collector *c)
{
	return c->since;
}

static void ns_list_clear(struct synq_collector *c)
{
	for (size_t i = 0; i < c->n_ns; i++)
		if (c->ns[i].fd >= 0)
			close(c->ns[i].fd);
	c->n_ns = 0;
	c->ns_omitted = 0;
}

static void ns_list_add(struct synq_collector *c, const char *path, const char *name)
{
	struct statfs fs;
	struct stat st;
	int fd;

	/*
	 * `ip netns add` creates the file under /run/netns before it mounts the
	 * namespace on it: a name whose file is not a namespace yet is skipped.
	 */
	if (stat(path, &st) || statfs(path, &fs) || fs.f_type != NSFS_MAGIC)
		return;
	for (size_t i = 0; i < c->n_ns; i++)
		if (c->ns[i].ino == st.st_ino) {
			if (name && !c->ns[i].name[0])
				snprintf(c->ns[i].name, sizeof(c->ns[i].name), "%s", name);
			return;
		}
	if (c->n_ns >= SYNQ_NETNS_MAX) {
		c->ns_omitted++;	/* counted, so watch can say how many it left out */
		return;
	}
	fd = st.st_ino == c->self_ino ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	if (st.st_ino != c->self_ino && fd < 0)
		return;
	c->ns[c->n_ns].ino = st.st_ino;
	c->ns[c->n_ns].fd = fd;
	snprintf(c->ns[c->n_ns].name, sizeof(c->ns[0].name), "%s", name ? name : "");
	c->n_ns++;
}

/* Every namespace that /run/netns names or that a process lives in. */
static void ns_list_all(struct synq_collector *c)
{
	char path[300];
	struct dirent *d;
	DIR *dir;

	ns_list_add(c, "/proc/thread-self/ns/net", NULL);
	dir = opendir("/run/netns");
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", d->d_name);
		ns_list_add(c, path, d->d_name);
	}
	if (dir)
		closedir(dir);
	dir = opendir("/proc");
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", d->d_name);
		ns_list_add(c, path, NULL);
	}
	if (dir)
		closedir(dir);
}

static void ns_list_build(struct synq_collector *c)
{
	ns_list_clear(c);
	if (c->o.all_netns) {
		ns_list_all(c);
		return;
	}
	c->ns[0].ino = c->self_ino;
	c->ns[0].fd = -1;
	snprintf(c->ns[0].name, sizeof(c->ns[0].name), "%s",
		 synq_netns_name ? synq_netns_name : "");
	c->n_ns = 1;
}

static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

static void read_netstat(struct synq_netns *ns)
{
	static char text[16384];

	ns->netstat_ok = !read_file("/proc/thread-self/net/netstat", text, sizeof(text)) &&
			 synq_netstat_parse(text, ns->netstat) == SYNQ_NETSTAT_MAX;
	ns->somaxconn = -1;
	if (!read_file("/proc/sys/net/core/somaxconn", text, sizeof(text)))
		ns->somaxconn = atoi(text);
}

/* Run iter/tcp in the current namespace and add every listener it reports. */
static int read_iter(struct synq_collector *c, struct synq_snapshot *s)
{
	struct synq_iter_rec rec;
	struct synq_listener *l;
	ssize_t n;
	int fd, err = 0;

	fd = bpf_iter_create(bpf_link__fd(c->skel->links.synq_iter_listeners));
	if (fd < 0)
		return -errno;
	while ((n = read(fd, &rec, sizeof(rec))) == sizeof(rec)) {
		if (c->o.port && rec.key.port != c->o.port)
			continue;
		l = synq_snapshot_find(s, &rec.key);	/* SO_REUSEPORT: one row per key */
		if (!l && !(l = snapshot_add(s, &rec.key))) {
			err = -ENOMEM;
			break;
		}
		l->gauged = true;
		l->aq_len += rec.aq_len;
		l->aq_max += rec.aq_max;
		l->syn_len += rec.syn_len;
		l->syn_max += rec.aq_max;
		l->drops += rec.drops;
		if (rec.oldest_ms > l->oldest_ms)
			l->oldest_ms = rec.oldest_ms;
		l->ino = rec.ino;
		l->uid = rec.uid;
		l->v6only = rec.v6only;
	}
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

struct xdp_read {
	struct synq_netns *ns;
	struct synq_snapshot *s;	/* NULL: counters only */
	uint16_t port;			/* views of this port only; 0: all */
	const char *device;
	bool adaptive;			/* the device runs --mode auto */
	double now_ns;
};

static int plistener_add(const struct synq_listener_key *key, const struct synq_listener_view *v,
			 void *arg)
{
	struct xdp_read *r = arg;
	struct synq_plistener *pl;

	if (!v->listening || (r->port && ntohs(key->port) != r->port))
		return 0;
	if (array_reserve(&r->s->pl, r->s->n_pl, &r->s->cap_pl, sizeof(*pl), 16))
		return -ENOMEM;
	pl = &r->s->pl[r->s->n_pl++];
	memset(pl, 0, sizeof(*pl));
	pl->netns = r->ns->netns;
	snprintf(pl->device, sizeof(pl->device), "%s", r->device);
	pl->adaptive = r->adaptive;
	protect_listener_of(key, v, r->now_ns, !r->adaptive, &pl->p);
	return 0;
}

static int xdp_read_one(const char *iface, void *arg)
{
	struct xdp_read *r = arg;
	struct synq_netns *ns = r->ns;
	struct synq_xdp_iface *x = &ns->xdp[ns->n_xdp];
	struct pinned p;

	if (pinned_open(iface, &p))
		return 0;	/* damaged or foreign pins: status says why */
	if (!p.pass_only && ns->n_xdp >= SYNQ_XDP_MAX) {
		ns->xdp_omitted++;
	} else if (!p.pass_only && !pins_read_counters(&p, &x->s)) {
		snprintf(x->name, sizeof(x->name), "%.*s", IF_NAMESIZE - 1, iface);
		ns->n_xdp++;
		r->device = x->name;
		r->adaptive = !p.mode_always;
		if (r->s)
			pins_each_listener(&p, plistener_add, r);	/* older pins have none */
	}
	pinned_close(&p);
	return 0;
}

int synq_xdp_read(struct synq_netns *ns, struct synq_snapshot *s, uint16_t port)
{
	struct xdp_read r = { .ns = ns, .s = s, .port = port, .now_ns = mono_now() * 1e9 };

	pinned_each(xdp_read_one, &r);
	return ns->n_xdp;
}

/* Gauges and netstat of one namespace, entered with setns() when it is not ours. */
static int read_netns(struct synq_collector *c, const struct ns_ref *r, struct synq_snapshot *s)
{
	struct synq_netns *ns = &s->ns[s->n_ns];
	size_t before = s->n;
	int err;

	if (r->fd >= 0 && setns(r->fd, CLONE_NEWNET))
		return -errno;
	memset(ns, 0, sizeof(*ns));
	ns->netns = r->ino;
	snprintf(ns->name, sizeof(ns->name), "%s", r->name);
	err = read_iter(c, s);
	read_netstat(ns);
	synq_xdp_read(ns, s, c->o.port);	/* inside the namespace: pins are found by its inode */
	if (r->fd >= 0 && setns(c->self_fd, CLONE_NEWNET))
		err = -errno;
	/* --all-netns lists namespaces that have listeners (or synq's XDP) only. */
	if (!c->o.all_netns || s->n > before || ns->n_xdp)
		s->n_ns++;
	return err;
}

static bool key_in_view(const struct synq_collector *c, const struct synq_snapshot *s,
			const struct synq_lkey *k)
{
	if (c->o.port && k->port != c->o.port)
		return false;
	return synq_snapshot_netns(s, k->netns) != NULL;
}

static void closed_add(struct synq_collector *c, const struct synq_lkey *k)
{
	if (array_reserve(&c->closed, c->n_closed, &c->cap_closed, sizeof(*c->closed), 16))
		return;	/* freed at a later snapshot */
	c->closed[c->n_closed++] = *k;
}

/* Add the counters of every listener the programs have seen. */
static int read_counters(struct synq_collector *c, struct synq_snapshot *s)
{
	int fd = bpf_map__fd(c->skel->maps.synq_listeners);
	struct synq_lkey key, next, *prev = NULL;
	struct synq_listener *l;
	struct synq_lstats st;
	struct synq_owner own;

	s->rows = 0;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		s->rows++;
		l = synq_snapshot_find(s, &key);
		if (!l && c->o.no_wait && (!c->o.port || key.port == c->o.port)) {
			/*
			 * No state-change hook: a row the iterator did not see is a
			 * closed listener (or one of a namespace with none left).
			 */
			closed_add(c, &key);
			continue;
		}
		if ((!l && !key_in_view(c, s, &key)) || bpf_map_lookup_elem(fd, &key, &st))
			continue;
		if (!l && !(l = snapshot_add(s, &key)))
			return -ENOMEM;
		l->st = st;
		l->counted = true;
	}
	/* Deleted after the walk: a hash map's walk restarts when its current key goes. */
	for (size_t i = 0; i < c->n_closed; i++)
		if (!bpf_map_delete_elem(fd, &c->closed[i]))
			s->rows--;
	c->n_closed = 0;
	fd = bpf_map__fd(c->skel->maps.synq_owners);
	for (size_t i = 0; i < s->n; i++)
		if (!bpf_map_lookup_elem(fd, &s->l[i].key, &own)) {
			s->l[i].pid = own.pid;
			memcpy(s->l[i].comm, own.comm, sizeof(own.comm));
			s->l[i].backlog_known = own.backlog_known;
			s->l[i].backlog_req = own.backlog;
		}
	return 0;
}

static struct owner_cache *owner_cached(struct synq_collector *c, uint64_t ino)
{
	for (size_t i = 0; i < c->n_own; i++)
		if (c->own[i].ino == ino)
			return &c->own[i];
	return NULL;
}

static struct owner_cache *owner_cache_add(struct synq_collector *c, uint64_t ino)
{
	if (array_reserve(&c->own, c->n_own, &c->cap_own, sizeof(*c->own), 64))
		return NULL;
	memset(&c->own[c->n_own], 0, sizeof(c->own[0]));
	c->own[c->n_own].ino = ino;
	return &c->own[c->n_own++];
}

/* If /proc/PID/fd/FD is "socket:[INO]" of a socket we look for, note PID as its owner. */
static void proc_fd_match(struct synq_collector *c, const char *pid, int fd_dir, const char *fd)
{
	unsigned long long ino;
	struct owner_cache *o;
	char link[64], path[300];
	ssize_t n;

	n = readlinkat(fd_dir, fd, link, sizeof(link) - 1);
	if (n <= 0)
		return;
	link[n] = 0;
	if (sscanf(link, "socket:[%llu]", &ino) != 1)
		return;
	o = owner_cached(c, ino);
	if (!o || o->pid)
		return;
	o->pid = strtoul(pid, NULL, 10);
	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	if (!read_file(path, o->comm, sizeof(o->comm)))
		o->comm[strcspn(o->comm, "\n")] = 0;
}

/* Owners of listeners made before synq started, found like ss -p does: /proc/PID/fd. */
static void owners_from_proc(struct synq_collector *c)
{
	char path[300];
	struct dirent *d, *f;
	DIR *proc = opendir("/proc"), *fds;

	while (proc && (d = readdir(proc))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", d->d_name);
		fds = opendir(path);
		while (fds && (f = readdir(fds)))
			if (f->d_name[0] != '.')
				proc_fd_match(c, d->d_name, dirfd(fds), f->d_name);
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
}

static void fill_owners(struct synq_collector *c, struct synq_snapshot *s)
{
	bool search = false;
	struct owner_cache *o;

	for (size_t i = 0; i < s->n; i++)
		if (!s->l[i].pid && s->l[i].ino && !owner_cached(c, s->l[i].ino))
			search |= owner_cache_add(c, s->l[i].ino) != NULL;
	if (search)
		owners_from_proc(c);
	for (size_t i = 0; i < s->n; i++) {
		if (s->l[i].pid || !(o = owner_cached(c, s->l[i].ino)) || !o->pid)
			continue;
		s->l[i].pid = o->pid;
		memcpy(s->l[i].comm, o->comm, sizeof(o->comm));
	}
}

static void read_queue_stats(struct synq_collector *c, struct synq_snapshot *s)
{
	int fd = bpf_map__fd(c->skel->maps.synq_queue_stats);

	for (uint32_t k = 0; k < SYNQ_QC_MAX; k++)
		if (!bpf_map_lookup_elem(fd, &k, c->buf))
			s->qc[k] = counter_percpu_sum(c->buf, c->ncpu);
}

int synq_collector_snapshot(struct synq_collector *c, struct synq_snapshot *s)
{
	int err = 0;

	s->n = 0;
	s->n_ns = 0;
	s->n_pl = 0;
	s->t = mono_now();
	s->wall = time(NULL);
	ns_list_build(c);
	for (size_t i = 0; i < c->n_ns && !err; i++)
		err = read_netns(c, &c->ns[i], s);
	s->ns_omitted = c->ns_omitted;
	ns_list_clear(c);
	if (err) {
		synq_err("read the listeners: %s", strerror(-err));
		return err;
	}
	err = read_counters(c, s);
	if (err)
		return err;
	fill_owners(c, s);
	read_queue_stats(c, s);
	s->accept_traced = !c->o.no_wait;
	s->enqueue_traced = enqueue_traced(c);
	s->listeners_max = c->listeners_max;
	qsort(s->l, s->n, sizeof(s->l[0]), listener_order);
	synq_plistener_join(s);
	return 0;
}

int synq_collector_attach(struct synq_collector *c, bool on)
{
	if (!on) {
		synq_queue_bpf__detach(c->skel);
		return 0;
	}
	return synq_queue_bpf__attach(c->skel);
}

uint64_t synq_collector_run_ns(const struct synq_collector *c)
{
	struct bpf_program *p;
	uint64_t sum = 0;

	bpf_object__for_each_program(p, c->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(p);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			sum += info.run_time_ns;
	}
	return sum;
}

uint64_t synq_collector_memlock(const struct synq_collector *c)
{
	return map_memory_charged(c->skel->obj);
}

uint64_t synq_collector_memory(const struct synq_collector *c, uint32_t listeners, int cpus)
{
	static const char *const per_listener[] = { "synq_listeners", "synq_owners", NULL };

	return map_memory_formula(c->skel->obj, per_listener, listeners, cpus);
}

void synq_collector_close(struct synq_collector *c)
{
	if (!c)
		return;
	synq_queue_bpf__destroy(c->skel);
	ns_list_clear(c);
	if (c->self_fd >= 0)
		close(c->self_fd);
	free(c->own);
	free(c->closed);
	free(c->buf);
	free(c);
}
