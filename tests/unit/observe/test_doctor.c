// SPDX-License-Identifier: GPL-2.0
/*
 * synq doctor's checks on made-up facts: each finding appears exactly when the
 * kernel's rule says the problem is there, with the numbers that prove it, and
 * not on a well-configured namespace.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "observe/doctor_checks.h"

/* A namespace as a fresh one is: cookies on (1), timestamps on, somaxconn as the host's. */
static void clean_ns(struct doctor_ns *ns)
{
	memset(ns, 0, sizeof(*ns));
	ns->netns = 4026532000;
	snprintf(ns->name, sizeof(ns->name), "web");
	snprintf(ns->sh, sizeof(ns->sh), "ip netns exec web ");
	snprintf(ns->synq, sizeof(ns->synq), "synq -n web");
	ns->sys = (struct doctor_sysctls){ .somaxconn = 4096, .host_somaxconn = 4096,
		.syncookies = 1, .max_syn_backlog = 512, .abort_on_overflow = 0, .timestamps = 1 };
	ns->n_addr = 2;
	ns->addr[0] = (struct doctor_addr){ "lo", AF_INET, "127.0.0.1", true };
	ns->addr[1] = (struct doctor_addr){ "eth0", AF_INET, "10.0.0.1", false };
}

/* A listener on addr:port with backlog limit aq_max, owned by 77/nginx. */
static void listener(struct synq_listener *l, struct doctor_listener *dl, const char *addr,
		     int family, uint16_t port, uint32_t aq_max)
{
	memset(l, 0, sizeof(*l));
	memset(dl, 0, sizeof(*dl));
	l->key.family = family;
	l->key.port = port;
	inet_pton(family, addr, l->key.addr);
	l->gauged = true;
	l->aq_max = aq_max;
	l->syn_max = aq_max;
	l->pid = 77;
	snprintf(l->comm, sizeof(l->comm), "nginx");
	dl->l = l;
	dl->wait_p99_us = -1;
}

static int64_t ev(const struct doctor_finding *f, const char *name)
{
	const struct doctor_evidence *e = doctor_evidence(f, name);

	assert_non_null(e);
	return e->num;
}

/* Every listener check on one listener, then the namespace's. */
static void check_all(const struct doctor_ns *ns, const struct doctor_listener *dl,
		      struct doctor_report *r)
{
	assert_int_equal(doctor_check_sysctls(ns, r), 0);
	assert_int_equal(doctor_check_backlog(ns, dl, r), 0);
	assert_int_equal(doctor_check_accept_queue(ns, dl, r), 0);
	assert_int_equal(doctor_check_syn_queue(ns, dl, r), 0);
	assert_int_equal(doctor_check_wildcard(ns, dl, r), 0);
	assert_int_equal(doctor_check_synq_state(ns, dl, 1, 0, r), 0);
}

static void test_clean_namespace_no_findings(void **state)
{
	struct doctor_report r = {};
	struct synq_listener l;
	struct doctor_listener dl;
	struct doctor_ns ns;

	(void)state;
	clean_ns(&ns);
	listener(&l, &dl, "10.0.0.1", AF_INET, 80, 511);
	l.backlog_known = true;
	l.backlog_req = 511;
	dl.aq_peak = 3;
	check_all(&ns, &dl, &r);
	assert_int_equal(r.n, 0);
	assert_int_equal(doctor_exit_status(&r), 0);
	doctor_report_free(&r);
}

static void test_backlog_clamped_known(void **state)
{
	struct doctor_report r = {};
	const struct doctor_finding *f;
	struct synq_listener l;
	struct doctor_listener dl;
	struct doctor_ns ns;

	(void)state;
	clean_ns(&ns);
	ns.sys.somaxconn = 64;
	listener(&l, &dl, "10.0.0.1", AF_INET, 80, 64);
	l.backlog_known = true;
	l.backlog_req = 512;
	assert_int_equal(doctor_check_backlog(&ns, &dl, &r), 0);
	f = doctor_find(&r, "SQ101");
	assert_non_null(f);
	assert_int_equal(f->severity, DOCTOR_WARN);
	assert_int_equal(ev(f, "requested"), 512);
	assert_int_equal(ev(f, "somaxconn"), 64);
	assert_non_null(strstr(f->fix, "ip netns exec web sysctl -w net.core.somaxconn=512"));
	assert_int_equal(doctor_exit_status(&r), 1);
	doctor_report_free(&r);

	/* Asking for exactly somaxconn is not clamping; -1 asks for the maximum on purpose. */
	l.backlog_req = 64;
	assert_int_equal(doctor_check_backlog(&ns, &dl, &r), 0);
	l.backlog_req = -1;
	assert_int_equal(doctor_check_backlog(&ns, &dl, &r), 0);
	assert_int_equal(r.n, 0);
	doctor_report_free(&r);
}

static void test_backlog_probably_clamped(void **state)
{
	struct doctor_report r = {};
	const struct doctor_finding *f;
	struct synq_listener l;
	struct doctor_listener dl;
	struct doctor_ns ns;

	(void)state;
	clean_ns(&ns);
	ns.sys.somaxconn = 64;
	listener(&l, &dl, "10.0.0.1", AF_INET, 80, 64);
	assert_int_equal(doctor_check_backlog(&ns, &dl, &r), 0);
	f = doctor_find(&r, "SQ102");
	assert_non_null(f);
	assert_int_equal(f->severity, DOCTOR_INFO);
	assert_int_equal(ev(f, "limit"), 64);
	assert_int_equal(doctor_exit_status(&r), 0);	/* a guess does not fail the run */
	doctor_report_free(&r);

	l.aq_max = 63;
	assert_int_equal(doctor_check_backlog(&ns, &dl, &r), 0);
	assert_int_equal(r.n, 0);
}

static void test_accept_queue(void **state)
{
	struct doctor_report r = {};
	const struct doctor_finding *f;
	struct synq_listener l;
	struct doctor_listener dl;
	struct doctor_ns ns;

	(void)state;
	clean_ns(&ns);
	ns.observed_s = 3;
	listener(&l, &dl, "10.0.0.1", AF_INET, 8080, 8);
	/* The backlog experiment: limit 8 holds 9, the rest overflow. */
	dl.aq_peak = 9;
	dl.overflows = 22;
	dl.enqueued = 9;
	assert_int_equal(doctor_check_accept_queue(&ns, &dl, &r), 0);
	f = doctor_find(&r, "SQ103");
	assert_non_null(f);
	assert_int_equal(f->severity, DOCTOR_ERROR);
	assert_int_equal(ev(f, "peak"), 9);
	assert_int_equal(ev(f, "limit"), 8);
	assert_int_equal(ev(f, "overflows"), 22);
	assert_int_equal(ev(f, "accepted"), 0);
	assert_int_equal(ev(f, "pid"), 77);
	assert_non_null(strstr(f->message, "77/nginx"));
	/* somaxconn 4096 already allows a larger backlog: the fix never lowers it. */
	assert_null(strstr(f->fix, "somaxconn"));
	doctor_report_free(&r);
	ns.sys.somaxconn = 128;
	assert_int_equal(doctor_check_accept_queue(&ns, &dl, &r), 0);
	assert_non_null(strstr(r.f[0].fix, "sysctl -w net.core.somaxconn=512"));
	doctor_report_free(&r);
	ns.sys.somaxconn = 4096;

	/* Full (limit + 1) without a refusal yet: warn. */
	dl.overflows = 0;
	assert_int_equal(doctor_check_accept_queue(&ns, &dl, &r), 0);
	assert_int_equal(r.f[0].severity, DOCTOR_WARN);
	doctor_report_free(&r);

	/* 6 of 8 is three quarters: near. 5 of 8 is not. */
	dl.aq_peak = 6;
	assert_int_equal(doctor_check_accept_queue(&ns, &dl, &r), 0);
	assert_int_equal(r.n, 1);
	doctor_report_free(&r);
	dl.aq_peak = 5;
	assert_int_equal(doctor_check_accept_queue(&ns, &dl, &r), 0);
	assert_int_equal(r.n, 0);
}

static void test_syn_queue_unprotected_only(void **state)
{
	struct doctor_report r = {};
	const struct doctor_finding *f;
	struct synq_listener l;
	struct doctor_listener dl;
	struct doctor_ns ns;

	(void)state;
	clean_ns(&ns);
	listener(&l, &dl, "10.0.0.1", AF_INET, 80, 16);
	dl.syn_peak = 8;
	dl.synack_retrans = 40;
	assert_int_equal(doctor_check_syn_queue(&ns, &dl, &r), 0);
	f = doctor_find(&r, "SQ104");
	assert_non_null(f);
	assert_int_equal(f->severity, DOCTOR_WARN);
	assert_int_equal(ev(f, "synack_retrans"), 40);
	/* The fix protects the port on the interface that holds the address. */
	assert_string_equal(f->fix, "synq -n web attach eth0 --ports 80");
	doctor_report_free(&r);

	/* Retransmits alone: info. */
	dl.syn_peak = 7;
	assert_int_equal(doctor_check_syn_queue(&ns, &dl, &r), 0);
	assert_int_equal(r.f[0].severity, DOCTOR_INFO);
	doctor_report_free(&r);

	/* On a port synq protects, no suggestion. */
	ns.n_iface = 1;
	snprintf(ns.iface[0].name, sizeof(ns.iface[0].name), "eth0");
	ns.iface[0].n_ports = 1;
	ns.iface[0].ports[0] = 80;
	dl.protected = doctor_port_protected(&ns, 80);
	assert_true(dl.protected);
	assert_int_equal(doctor_check_syn_queue(&ns, &dl, &r), 0);
	assert_int_equal(r.n, 0);
}

static void test_wildcard_exposure(void **state)
{
	struct doctor_report r = {};
	const struct doctor_finding *f;
	struct synq_listener l;
	struct doctor_listener dl;
	struct doctor_ns ns;

	(void)state;
	clean_ns(&ns);
	ns.addr[ns.n_addr++] = (struct doctor_addr){ "eth1", AF_INET, "10.9.0.1", false };
	ns.addr[ns.n_addr++] = (struct doctor_addr){ "eth0", AF_INET6, "2001:db8::1", false };
	listener(&l, &dl, "0.0.0.0", AF_INET, 80, 128);
	assert_int_equal(doctor_check_wildcard(&ns, &dl, &r), 0);
	f = doctor_find(&r, "SQ105");
	assert_non_null(f);
	assert_string_equal(doctor_evidence(f, "reachable_on")->text,
			    "127.0.0.1 (lo), 10.0.0.1 (eth0), 10.9.0.1 (eth1)");
	assert_int_equal(ev(f, "addresses"), 3);
	doctor_report_free(&r);

	/* [::] without IPV6_V6ONLY takes IPv4 too; with it, IPv6 only. */
	listener(&l, &dl, "::", AF_INET6, 80, 128);
	assert_int_equal(doctor_check_wildcard(&ns, &dl, &r), 0);
	assert_int_equal(ev(&r.f[0], "addresses"), 4);
	assert_int_equal(ev(&r.f[0], "dual_stack"), 1);
	doctor_report_free(&r);
	l.v6only = true;
	assert_int_equal(doctor_check_wildcard(&ns, &dl, &r), 0);
	assert_string_equal(doctor_evidence(&r.f[0], "reachable_on")->text, "2001:db8::1 (eth0)");
	doctor_report_free(&r);

	/* Only loopback to reach it: not exposed. */
	ns.n_addr = 1;
	listener(&l, &dl, "0.0.0.0", AF_INET, 80, 128);
	assert_int_equal(doctor_check_wildcard(&ns, &dl, &r), 0);
	assert_int_equal(r.n, 0);
}

static void test_sysctls(void **state)
{
	struct doctor_report r = {};
	const struct doctor_finding *f;
	struct doctor_ns ns;

	(void)state;
	clean_ns(&ns);
	ns.sys.syncookies = 0;
	assert_int_equal(doctor_check_sysctls(&ns, &r), 0);
	f = doctor_find(&r, "SQ201");
	assert_non_null(f);
	assert_int_equal(ev(f, "tcp_max_syn_backlog"), 512);
	/* The kernel drops unproven SYNs once fewer than max/4 slots are left: past 384 of 512. */
	assert_non_null(strstr(f->message, "384 of 512"));
	/* Without cookies, timestamps do not matter to cookies. */
	ns.sys.timestamps = 0;
	doctor_report_free(&r);
	assert_int_equal(doctor_check_sysctls(&ns, &r), 0);
	assert_null(doctor_find(&r, "SQ205"));
	doctor_report_free(&r);

	ns.sys.syncookies = 2;
	assert_int_equal(doctor_check_sysctls(&ns, &r), 0);
	assert_non_null(doctor_find(&r, "SQ202"));
	assert_non_null(strstr(doctor_find(&r, "SQ205")->message, "every connection (tcp_syncookies=2)"));
	doctor_report_free(&r);

	clean_ns(&ns);
	ns.sys.abort_on_overflow = 1;
	ns.sys.somaxconn = 64;
	assert_int_equal(doctor_check_sysctls(&ns, &r), 0);
	assert_int_equal(doctor_find(&r, "SQ203")->severity, DOCTOR_WARN);
	f = doctor_find(&r, "SQ204");
	assert_non_null(f);
	assert_int_equal(ev(f, "somaxconn"), 64);
	assert_int_equal(ev(f, "host_somaxconn"), 4096);
	doctor_report_free(&r);

	/* The host's own namespace is not compared with itself. */
	ns.sys.abort_on_overflow = 0;
	ns.sys.host_somaxconn = -1;
	assert_int_equal(doctor_check_sysctls(&ns, &r), 0);
	assert_int_equal(r.n, 0);
}

static void test_synq_state(void **state)
{
	struct doctor_report r = {};
	const struct doctor_finding *f;
	struct synq_listener l;
	struct doctor_listener dl;
	struct doctor_ns ns;
	struct doctor_iface *x;

	(void)state;
	clean_ns(&ns);
	ns.n_iface = 1;
	x = &ns.iface[0];
	snprintf(x->name, sizeof(x->name), "veth0");
	x->n_ports = 2;
	x->ports[0] = 80;
	x->ports[1] = 443;
	x->native = x->veth = x->peer_known = true;
	x->peer_other_netns = true;
	snprintf(x->peer, sizeof(x->peer), "veth1");
	listener(&l, &dl, "10.0.0.1", AF_INET, 80, 128);
	dl.protected = true;
	assert_int_equal(doctor_check_synq_state(&ns, &dl, 1, 0, &r), 0);
	f = doctor_find(&r, "SQ302");
	assert_non_null(f);
	assert_int_equal(f->severity, DOCTOR_ERROR);
	assert_string_equal(f->fix, "synq -n PEER_NS attach veth1 --pass-only");
	f = doctor_find(&r, "SQ301");
	assert_non_null(f);
	assert_int_equal(ev(f, "port"), 443);
	assert_int_equal(r.n, 2);
	doctor_report_free(&r);

	/* --port 80: port 443 is outside the question. A peer with XDP is fine. */
	x->peer_xdp = true;
	assert_int_equal(doctor_check_synq_state(&ns, &dl, 1, 80, &r), 0);
	assert_int_equal(r.n, 0);

	x->handoff_failed = 5;
	x->handoff_failed_delta = 2;
	ns.observed_s = 3;
	ns.netstat_ok = true;
	ns.netstat_delta[SYNQ_NETSTAT_SYNCOOKIES_SENT] = 10;
	assert_int_equal(doctor_check_synq_state(&ns, &dl, 1, 80, &r), 0);
	assert_int_equal(ev(doctor_find(&r, "SQ303"), "handoff_failed"), 5);
	assert_int_equal(doctor_find(&r, "SQ303")->severity, DOCTOR_WARN);
	assert_int_equal(ev(doctor_find(&r, "SQ304"), "SyncookiesSent"), 10);
	doctor_report_free(&r);

	/* Failures from before the observation only: info. */
	x->handoff_failed_delta = 0;
	assert_int_equal(doctor_check_synq_state(&ns, &dl, 1, 80, &r), 0);
	assert_int_equal(doctor_find(&r, "SQ303")->severity, DOCTOR_INFO);
	doctor_report_free(&r);

	/* Kernel cookies in a namespace where synq protects no listener: not synq's business. */
	x->handoff_failed = 0;
	dl.protected = false;
	assert_int_equal(doctor_check_synq_state(&ns, &dl, 1, 80, &r), 0);
	assert_int_equal(r.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_namespace_no_findings),
		cmocka_unit_test(test_backlog_clamped_known),
		cmocka_unit_test(test_backlog_probably_clamped),
		cmocka_unit_test(test_accept_queue),
		cmocka_unit_test(test_syn_queue_unprotected_only),
		cmocka_unit_test(test_wildcard_exposure),
		cmocka_unit_test(test_sysctls),
		cmocka_unit_test(test_synq_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
