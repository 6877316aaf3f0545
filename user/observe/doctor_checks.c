// SPDX-License-Identifier: GPL-2.0
/*
 * The checks of `synq doctor` (see doctor_checks.h). Each finding says what
 * the kernel does with the numbers it shows, and how to fix it; the lessons
 * behind them are in docs/doctor.md.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "system/array.h"
#include "observe/doctor_checks.h"

const char *doctor_severity_name(enum doctor_severity s)
{
	return s == DOCTOR_ERROR ? "error" : s == DOCTOR_WARN ? "warn" : "info";
}

void doctor_report_free(struct doctor_report *r)
{
	free(r->f);
	memset(r, 0, sizeof(*r));
}

/* A new finding about ns, its subject set by the caller; NULL when out of memory. */
static struct doctor_finding *finding_new(struct doctor_report *r, const char *id,
					  enum doctor_severity sev, const char *title,
					  const struct doctor_ns *ns)
{
	struct doctor_finding *f;

	if (array_reserve(&r->f, r->n, &r->cap, sizeof(*r->f), 16))
		return NULL;
	f = &r->f[r->n++];
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->severity = sev;
	f->title = title;
	f->netns = ns->netns;
	snprintf(f->netns_name, sizeof(f->netns_name), "%s", ns->name);
	snprintf(f->subject, sizeof(f->subject), "netns");
	return f;
}

static void ev_num(struct doctor_finding *f, const char *name, int64_t v)
{
	if (f->n_ev < DOCTOR_EVIDENCE_MAX)
		f->ev[f->n_ev++] = (struct doctor_evidence){ .name = name, .num = v };
}

static struct doctor_evidence *ev_text(struct doctor_finding *f, const char *name)
{
	struct doctor_evidence *e;

	if (f->n_ev >= DOCTOR_EVIDENCE_MAX)
		return NULL;
	e = &f->ev[f->n_ev++];
	memset(e, 0, sizeof(*e));
	e->name = name;
	e->is_text = true;
	return e;
}

/* "1234/nginx", or "its owner" when unknown. */
static void owner_str(const struct synq_listener *l, char *buf, size_t len)
{
	synq_owner_str(l, "its owner", buf, len);
}

static void listener_subject(struct doctor_finding *f, const struct synq_listener *l)
{
	char addr[64], owner[32];

	synq_lkey_str(&l->key, addr, sizeof(addr));
	owner_str(l, owner, sizeof(owner));
	if (l->pid)
		snprintf(f->subject, sizeof(f->subject), "listener %s (%s)", addr, owner);
	else
		snprintf(f->subject, sizeof(f->subject), "listener %s", addr);
}

static struct doctor_finding *listener_finding(struct doctor_report *r, const char *id,
					       enum doctor_severity sev, const char *title,
					       const struct doctor_ns *ns,
					       const struct synq_listener *l)
{
	struct doctor_finding *f = finding_new(r, id, sev, title, ns);

	if (f)
		listener_subject(f, l);
	return f;
}

int doctor_check_backlog(const struct doctor_ns *ns, const struct doctor_listener *dl,
			 struct doctor_report *r)
{
	const struct synq_listener *l = dl->l;
	long max = ns->sys.somaxconn;
	struct doctor_finding *f;
	char owner[32];

	if (max < 0 || !l->gauged)
		return 0;
	owner_str(l, owner, sizeof(owner));
	if (l->backlog_known) {
		/* The kernel: if ((unsigned int)backlog > somaxconn) backlog = somaxconn. */
		if (l->backlog_req < 0 || l->backlog_req <= max)
			return 0;
		f = listener_finding(r, "SQ101", DOCTOR_WARN, "backlog clamped by somaxconn", ns, l);
		if (!f)
			return -ENOMEM;
		snprintf(f->message, sizeof(f->message),
			 "listen() asked for a backlog of %d; the kernel silently clamped it to "
			 "net.core.somaxconn %ld, so the accept queue holds %ld + 1 connections, "
			 "not %d + 1, and overflows sooner than the application expects",
			 l->backlog_req, max, max, l->backlog_req);
		ev_num(f, "requested", l->backlog_req);
		ev_num(f, "somaxconn", max);
		ev_num(f, "limit", l->aq_max);
		snprintf(f->fix, sizeof(f->fix),
			 "%ssysctl -w net.core.somaxconn=%d, then restart %s (listen() sets the limit)",
			 ns->sh, l->backlog_req, owner);
		return 0;
	}
	if (l->aq_max != max)
		return 0;
	f = listener_finding(r, "SQ102", DOCTOR_INFO, "backlog probably clamped by somaxconn",
			     ns, l);
	if (!f)
		return -ENOMEM;
	snprintf(f->message, sizeof(f->message),
		 "the accept-queue limit %u equals net.core.somaxconn %ld. listen() ran before synq "
		 "observed, so the backlog it asked for is unknown; a program that asked for more "
		 "(or -1) gets exactly this limit without an error",
		 l->aq_max, max);
	ev_num(f, "limit", l->aq_max);
	ev_num(f, "somaxconn", max);
	snprintf(f->fix, sizeof(f->fix),
		 "%s doctor --port %u --observe 60, and restart %s meanwhile: listen()'s backlog "
		 "is then known", ns->synq, l->key.port, owner);
	return 0;
}

/* Severity and title of an accept queue's state, or -1 when it is fine. */
static int accept_queue_state(const struct synq_listener *l, const struct doctor_listener *dl,
			      const char **title)
{
	if (dl->overflows) {
		*title = "accept queue overflowed";
		return DOCTOR_ERROR;
	}
	/* The kernel refuses only once the queue holds limit + 1 (sk_acceptq_is_full). */
	if (dl->aq_peak > l->aq_max) {
		*title = "accept queue full";
		return DOCTOR_WARN;
	}
	if (dl->aq_peak && (uint64_t)dl->aq_peak * 4 >= (uint64_t)l->aq_max * 3) {
		*title = "accept queue near its limit";
		return DOCTOR_WARN;
	}
	return -1;
}

static void accept_queue_message(const struct doctor_ns *ns, const struct doctor_listener *dl,
				 struct doctor_finding *f)
{
	const struct synq_listener *l = dl->l;
	char owner[32], p99[16];
	int n;

	owner_str(l, owner, sizeof(owner));
	if (ns->observed_s <= 0) {
		snprintf(f->message, sizeof(f->message),
			 "the accept queue holds %u connections, its limit is %u (it holds limit + 1 "
			 "before refusing): %s is not calling accept() fast enough. --observe SECONDS "
			 "counts the overflows",
			 l->aq_len, l->aq_max, owner);
		return;
	}
	synq_fmt_us(dl->wait_p99_us, p99, sizeof(p99));
	n = snprintf(f->message, sizeof(f->message),
		     "in %.1f s the accept queue peaked at %u with a limit of %u (it holds limit + 1 "
		     "before refusing), and %llu connection attempts were refused without an error "
		     "in the application. %s accepted %llu of the %llu connections queued",
		     ns->observed_s, dl->aq_peak, l->aq_max, (unsigned long long)dl->overflows,
		     owner, (unsigned long long)dl->accepted, (unsigned long long)dl->enqueued);
	if (n > 0 && (size_t)n < sizeof(f->message))
		snprintf(f->message + n, sizeof(f->message) - n,
			 dl->wait_p99_us >= 0 ? " (wait p99 %s): it is slow to accept()" :
						": it is slow to accept()", p99);
}

int doctor_check_accept_queue(const struct doctor_ns *ns, const struct doctor_listener *dl,
			      struct doctor_report *r)
{
	const struct synq_listener *l = dl->l;
	unsigned int bigger = l->aq_max < 128 ? 512 : l->aq_max * 4;
	struct doctor_finding *f;
	const char *title;
	char owner[32];
	int sev = accept_queue_state(l, dl, &title);

	if (sev < 0 || !l->gauged)
		return 0;
	f = listener_finding(r, "SQ103", sev, title, ns, l);
	if (!f)
		return -ENOMEM;
	accept_queue_message(ns, dl, f);
	ev_num(f, "peak", dl->aq_peak);
	ev_num(f, "limit", l->aq_max);
	ev_num(f, "len", l->aq_len);
	if (ns->observed_s > 0) {
		ev_num(f, "overflows", dl->overflows);
		ev_num(f, "enqueued", dl->enqueued);
		ev_num(f, "accepted", dl->accepted);
	}
	if (l->pid)
		ev_num(f, "pid", l->pid);
	owner_str(l, owner, sizeof(owner));
	if (bigger > 65535)
		bigger = 65535;
	if (ns->sys.somaxconn >= bigger)	/* never suggest lowering somaxconn */
		snprintf(f->fix, sizeof(f->fix),
			 "accept() sooner in %s (more workers), or give bursts room: listen(fd, %u)",
			 owner, bigger);
	else
		snprintf(f->fix, sizeof(f->fix),
			 "accept() sooner in %s (more workers), or give bursts room: listen(fd, %u) "
			 "with %ssysctl -w net.core.somaxconn=%u", owner, bigger, ns->sh, bigger);
	return 0;
}

/* The interface to protect for listener l: the one holding its address, else any not lo. */
static const char *iface_for(const struct doctor_ns *ns, const struct synq_listener *l)
{
	bool wild = synq_lkey_wildcard(&l->key);

	for (int i = 0; i < ns->n_addr; i++) {
		const struct doctor_addr *a = &ns->addr[i];
		char key_addr[INET6_ADDRSTRLEN];

		if (a->loopback || a->family != l->key.family)
			continue;
		if (wild)
			return a->ifname;
		if (inet_ntop(l->key.family, l->key.addr, key_addr, sizeof(key_addr)) &&
		    !strcmp(key_addr, a->addr))
			return a->ifname;
	}
	return "IFACE";
}

int doctor_check_syn_queue(const struct doctor_ns *ns, const struct doctor_listener *dl,
			   struct doctor_report *r)
{
	const struct synq_listener *l = dl->l;
	bool half_full = l->syn_max && (uint64_t)dl->syn_peak * 2 >= l->syn_max;
	struct doctor_finding *f;

	if (dl->protected || !l->gauged || (!half_full && !dl->synack_retrans))
		return 0;
	f = listener_finding(r, "SQ104", half_full ? DOCTOR_WARN : DOCTOR_INFO,
			     "SYN queue pressure on an unprotected port", ns, l);
	if (!f)
		return -ENOMEM;
	snprintf(f->message, sizeof(f->message),
		 "the SYN queue reached %u with a backlog of %u (past %u the kernel sends SYN cookies, "
		 "or drops SYNs with tcp_syncookies=0) and %llu SYN-ACKs were retransmitted: handshakes left "
		 "half-open by lost clients or by the spoofed SYNs of a flood. synq can answer "
		 "these SYNs in XDP with its own cookies, before they take a request socket",
		 dl->syn_peak, l->syn_max, l->syn_max, (unsigned long long)dl->synack_retrans);
	ev_num(f, "syn_peak", dl->syn_peak);
	ev_num(f, "syn_max", l->syn_max);
	ev_num(f, "synack_retrans", dl->synack_retrans);
	if (ns->observed_s > 0 && ns->netstat_ok) {
		ev_num(f, "TCPReqQFullDoCookies", ns->netstat_delta[SYNQ_NETSTAT_REQQ_FULL_DO_COOKIES]);
		ev_num(f, "TCPReqQFullDrop", ns->netstat_delta[SYNQ_NETSTAT_REQQ_FULL_DROP]);
	}
	snprintf(f->fix, sizeof(f->fix), "%s attach %s --ports %u", ns->synq, iface_for(ns, l),
		 l->key.port);
	return 0;
}

/* Does a wildcard listener l take connections to address a? */
static bool wildcard_takes(const struct synq_listener *l, const struct doctor_addr *a)
{
	if (a->family == l->key.family)
		return true;
	/* An IPv6 wildcard without IPV6_V6ONLY is dual-stack: IPv4 comes in mapped. */
	return l->key.family == AF_INET6 && a->family == AF_INET && !l->v6only;
}

/* "ADDR (IFACE), ..." of every address l takes; returns how many, *first_out the first not lo. */
static int reachable_list(const struct doctor_ns *ns, const struct synq_listener *l,
			  char *buf, size_t len, const struct doctor_addr **first_out)
{
	size_t used = 0;
	int n = 0;

	buf[0] = 0;
	*first_out = NULL;
	for (int i = 0; i < ns->n_addr; i++) {
		const struct doctor_addr *a = &ns->addr[i];
		int w;

		if (!wildcard_takes(l, a))
			continue;
		if (!a->loopback && !*first_out)
			*first_out = a;
		w = snprintf(buf + used, len - used, "%s%s (%s)", n ? ", " : "", a->addr, a->ifname);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += w;
		n++;
	}
	return n;
}

int doctor_check_wildcard(const struct doctor_ns *ns, const struct doctor_listener *dl,
			  struct doctor_report *r)
{
	const struct synq_listener *l = dl->l;
	const struct doctor_addr *first;
	struct doctor_finding *f;
	struct doctor_evidence *e;
	char list[512], addr[64];
	bool dual = l->key.family == AF_INET6 && !l->v6only;
	int n;

	if (!synq_lkey_wildcard(&l->key) || !l->gauged)
		return 0;
	n = reachable_list(ns, l, list, sizeof(list), &first);
	if (!first)	/* loopback only: nothing outside the host reaches it */
		return 0;
	f = listener_finding(r, "SQ105", DOCTOR_WARN, "listening on every address", ns, l);
	if (!f)
		return -ENOMEM;
	synq_lkey_str(&l->key, addr, sizeof(addr));
	snprintf(f->message, sizeof(f->message),
		 "%s is bound to the wildcard address%s, so it answers on every address of its "
		 "namespace, and on any address added later: %s",
		 addr, dual ? " without IPV6_V6ONLY (dual stack: IPv4 too)" : "", list);
	e = ev_text(f, "reachable_on");
	if (e)
		snprintf(e->text, sizeof(e->text), "%s", list);
	ev_num(f, "addresses", n);
	ev_num(f, "dual_stack", dual);
	snprintf(f->fix, sizeof(f->fix),
		 "bind only the address that should serve, e.g. %s%s%s:%u instead of %s",
		 first->family == AF_INET6 ? "[" : "", first->addr,
		 first->family == AF_INET6 ? "]" : "", l->key.port, addr);
	return 0;
}

/* A finding about one sysctl of the namespace (net.ipv4.NAME or net.core.somaxconn). */
static struct doctor_finding *sysctl_finding(struct doctor_report *r, const char *id,
					     enum doctor_severity sev, const char *title,
					     const struct doctor_ns *ns, const char *name, long v)
{
	struct doctor_finding *f = finding_new(r, id, sev, title, ns);

	if (!f)
		return NULL;
	ev_num(f, name, v);
	snprintf(f->subject, sizeof(f->subject), "sysctl %s.%s",
		 strcmp(name, "somaxconn") ? "net.ipv4" : "net.core", name);
	return f;
}

static int check_syncookies(const struct doctor_ns *ns, struct doctor_report *r)
{
	const struct doctor_sysctls *s = &ns->sys;
	struct doctor_finding *f;

	if (s->syncookies == 0) {
		f = sysctl_finding(r, "SQ201", DOCTOR_WARN, "SYN cookies off", ns,
				   "tcp_syncookies", 0);
		if (!f)
			return -ENOMEM;
		snprintf(f->message, sizeof(f->message),
			 "tcp_syncookies=0: once a listener's SYN queue reaches its backlog the kernel "
			 "drops new SYNs, and SYNs from clients it has not seen before are dropped "
			 "once the queue passes 3/4 of tcp_max_syn_backlog (%ld of %ld). A SYN flood "
			 "then keeps real clients out. tcp_max_syn_backlog matters only now, with "
			 "cookies off", s->max_syn_backlog - s->max_syn_backlog / 4, s->max_syn_backlog);
		ev_num(f, "tcp_max_syn_backlog", s->max_syn_backlog);
		snprintf(f->fix, sizeof(f->fix), "%ssysctl -w net.ipv4.tcp_syncookies=1", ns->sh);
	} else if (s->syncookies == 2) {
		f = sysctl_finding(r, "SQ202", DOCTOR_INFO, "SYN cookies for every SYN", ns,
				   "tcp_syncookies", 2);
		if (!f)
			return -ENOMEM;
		snprintf(f->message, sizeof(f->message),
			 "tcp_syncookies=2 answers every SYN with a cookie, even with an empty SYN "
			 "queue: no request socket is kept, SYN-ACKs are never retransmitted, and each "
			 "connection gets only the options a cookie can carry");
		snprintf(f->fix, sizeof(f->fix),
			 "%ssysctl -w net.ipv4.tcp_syncookies=1 (cookies only when a SYN queue is full)",
			 ns->sh);
	}
	if (s->syncookies <= 0 || s->timestamps != 0)
		return 0;
	f = sysctl_finding(r, "SQ205", DOCTOR_WARN, "SYN cookies without timestamps", ns,
			   "tcp_timestamps", 0);
	if (!f)
		return -ENOMEM;
	ev_num(f, "tcp_syncookies", s->syncookies);
	snprintf(f->message, sizeof(f->message),
		 "with tcp_timestamps=0 a kernel SYN cookie keeps only the MSS: window scale, SACK "
		 "and ECN are stored in the timestamp option, so %s loses them (a window of at most "
		 "64 KiB, no selective recovery from loss)",
		 s->syncookies == 2 ? "every connection (tcp_syncookies=2)" :
				      "every connection made while a SYN queue is full");
	snprintf(f->fix, sizeof(f->fix),
		 "%ssysctl -w net.ipv4.tcp_timestamps=1 (or protect the port with synq attach: its "
		 "cookie carries these options without timestamps)", ns->sh);
	return 0;
}

int doctor_check_sysctls(const struct doctor_ns *ns, struct doctor_report *r)
{
	const struct doctor_sysctls *s = &ns->sys;
	struct doctor_finding *f;

	if (check_syncookies(ns, r))
		return -ENOMEM;
	if (s->abort_on_overflow == 1) {
		f = sysctl_finding(r, "SQ203", DOCTOR_WARN, "resets when the accept queue is full",
				   ns, "tcp_abort_on_overflow", 1);
		if (!f)
			return -ENOMEM;
		snprintf(f->message, sizeof(f->message),
			 "tcp_abort_on_overflow=1: when a listener's accept queue is full the kernel "
			 "answers the client's final ACK with a reset, so a short burst the application "
			 "would have absorbed a moment later becomes 'connection reset' errors. With 0 "
			 "the ACK is dropped and the client's retransmission gets in once there is room");
		snprintf(f->fix, sizeof(f->fix), "%ssysctl -w net.ipv4.tcp_abort_on_overflow=0",
			 ns->sh);
	}
	if (s->host_somaxconn >= 0 && s->somaxconn >= 0 && s->somaxconn != s->host_somaxconn) {
		f = sysctl_finding(r, "SQ204", DOCTOR_INFO, "somaxconn differs from the host's", ns,
				   "somaxconn", s->somaxconn);
		if (!f)
			return -ENOMEM;
		ev_num(f, "host_somaxconn", s->host_somaxconn);
		snprintf(f->message, sizeof(f->message),
			 "net.core.somaxconn is kept per network namespace: here %ld, on the host %ld. "
			 "Every listen() here is clamped to %ld whatever the host allows; a new "
			 "namespace starts at the kernel's default, not at the host's value",
			 s->somaxconn, s->host_somaxconn, s->somaxconn);
		snprintf(f->fix, sizeof(f->fix), "%ssysctl -w net.core.somaxconn=%ld", ns->sh,
			 s->host_somaxconn);
	}
	return 0;
}

bool doctor_port_protected(const struct doctor_ns *ns, uint16_t port)
{
	for (int i = 0; i < ns->n_iface; i++)
		for (int p = 0; p < ns->iface[i].n_ports && p < DOCTOR_PORTS_MAX; p++)
			if (ns->iface[i].ports[p] == port)
				return true;
	return false;
}

static bool port_listened(const struct doctor_listener *dl, size_t n, uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if (dl[i].l->key.port == port && dl[i].l->gauged)
			return true;
	return false;
}

static struct doctor_finding *iface_finding(struct doctor_report *r, const char *id,
					    enum doctor_severity sev, const char *title,
					    const struct doctor_ns *ns, const struct doctor_iface *x)
{
	struct doctor_finding *f = finding_new(r, id, sev, title, ns);

	if (f)
		snprintf(f->subject, sizeof(f->subject), "interface %s", x->name);
	return f;
}

static int check_veth_peer(const struct doctor_ns *ns, const struct doctor_iface *x,
			   struct doctor_report *r)
{
	struct doctor_finding *f;

	if (!x->native || !x->veth || !x->peer_known || x->peer_xdp)
		return 0;
	f = iface_finding(r, "SQ302", DOCTOR_ERROR, "veth peer without an XDP program", ns, x);
	if (!f)
		return -ENOMEM;
	snprintf(f->message, sizeof(f->message),
		 "synq answers SYNs on %s with XDP_TX, but its veth peer %s (%s) runs no native XDP "
		 "program, and a veth drops XDP_TX frames then: every SYN-ACK for the %d protected "
		 "port(s) is lost and no client can connect",
		 x->name, x->peer, x->peer_other_netns ? "in another namespace" : "in this namespace",
		 x->n_ports);
	ev_num(f, "protected_ports", x->n_ports);
	if (x->peer_other_netns)
		snprintf(f->fix, sizeof(f->fix), "synq -n PEER_NS attach %s --pass-only", x->peer);
	else
		snprintf(f->fix, sizeof(f->fix), "%s attach %s --pass-only", ns->synq, x->peer);
	return 0;
}

static int check_handoffs(const struct doctor_ns *ns, const struct doctor_iface *x,
			  struct doctor_report *r)
{
	struct doctor_finding *f;

	if (!x->handoff_failed)
		return 0;
	/* Failures while observed are news; older ones, since attach, are worth knowing. */
	f = iface_finding(r, "SQ303", x->handoff_failed_delta ? DOCTOR_WARN : DOCTOR_INFO,
			  "handoffs to the kernel failed", ns, x);
	if (!f)
		return -ENOMEM;
	snprintf(f->message, sizeof(f->message),
		 "%llu handshakes that synq validated on %s could not be handed to the kernel "
		 "(%llu while observed); those connections were not made",
		 (unsigned long long)x->handoff_failed, x->name,
		 (unsigned long long)x->handoff_failed_delta);
	ev_num(f, "handoff_failed", x->handoff_failed);
	ev_num(f, "handoff_failed_observed", x->handoff_failed_delta);
	snprintf(f->fix, sizeof(f->fix), "%s status %s (lists the failures by errno)", ns->synq,
		 x->name);
	return 0;
}

static int check_unlistened_ports(const struct doctor_ns *ns, const struct doctor_iface *x,
				  const struct doctor_listener *dl, size_t n, uint16_t port,
				  struct doctor_report *r)
{
	struct doctor_finding *f;

	for (int p = 0; p < x->n_ports && p < DOCTOR_PORTS_MAX; p++) {
		uint16_t pp = x->ports[p];

		if ((port && pp != port) || port_listened(dl, n, pp))
			continue;
		f = iface_finding(r, "SQ301", DOCTOR_WARN, "protected port with no listener", ns, x);
		if (!f)
			return -ENOMEM;
		snprintf(f->subject, sizeof(f->subject), "port %u on %s", pp, x->name);
		snprintf(f->message, sizeof(f->message),
			 "synq answers SYNs to port %u on %s with cookies, but nothing listens there: "
			 "clients complete a handshake and are then reset, where the kernel alone "
			 "would refuse them at once", pp, x->name);
		ev_num(f, "port", pp);
		snprintf(f->fix, sizeof(f->fix),
			 "start the service on port %u, or %s detach %s and attach it again without "
			 "port %u", pp, ns->synq, x->name, pp);
	}
	return 0;
}

/* The kernel sent SYN cookies while synq protects listeners of this namespace. */
static int check_kernel_cookies(const struct doctor_ns *ns, const struct doctor_listener *dl,
				size_t n, struct doctor_report *r)
{
	uint64_t sent = ns->netstat_delta[SYNQ_NETSTAT_SYNCOOKIES_SENT];
	const struct doctor_listener *p = NULL;
	struct doctor_finding *f;

	for (size_t i = 0; i < n && !p; i++)
		if (dl[i].protected)
			p = &dl[i];
	if (ns->observed_s <= 0 || !ns->netstat_ok || !sent || !p)
		return 0;
	f = finding_new(r, "SQ304", DOCTOR_WARN, "kernel SYN cookies on a protected namespace", ns);
	if (!f)
		return -ENOMEM;
	snprintf(f->subject, sizeof(f->subject), "kernel SYN cookies");
	snprintf(f->message, sizeof(f->message),
		 "the kernel sent %llu SYN cookies in %.1f s although synq protects port %u here: "
		 "SYNs reach a full kernel SYN queue past synq, through an interface synq is not "
		 "attached to or a port it does not protect (the counter is per namespace)",
		 (unsigned long long)sent, ns->observed_s, p->l->key.port);
	ev_num(f, "SyncookiesSent", sent);
	ev_num(f, "TCPReqQFullDoCookies", ns->netstat_delta[SYNQ_NETSTAT_REQQ_FULL_DO_COOKIES]);
	snprintf(f->fix, sizeof(f->fix),
		 "%s status (passed_unprotected counts the SYNs synq let by), then %s attach IFACE "
		 "--ports %u on the interface they arrive on", ns->synq, ns->synq, p->l->key.port);
	return 0;
}

int doctor_check_synq_state(const struct doctor_ns *ns, const struct doctor_listener *dl,
			    size_t n, uint16_t port, struct doctor_report *r)
{
	for (int i = 0; i < ns->n_iface; i++) {
		const struct doctor_iface *x = &ns->iface[i];

		if (check_veth_peer(ns, x, r) || check_handoffs(ns, x, r) ||
		    check_unlistened_ports(ns, x, dl, n, port, r))
			return -ENOMEM;
	}
	return check_kernel_cookies(ns, dl, n, r);
}

int doctor_exit_status(const struct doctor_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->f[i].severity >= DOCTOR_WARN)
			return 1;
	return 0;
}

const struct doctor_finding *doctor_find(const struct doctor_report *r, const char *id)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->f[i].id, id))
			return &r->f[i];
	return NULL;
}

const struct doctor_evidence *doctor_evidence(const struct doctor_finding *f, const char *name)
{
	for (int i = 0; i < f->n_ev; i++)
		if (!strcmp(f->ev[i].name, name))
			return &f->ev[i];
	return NULL;
}
