/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The checks of `synq doctor`, as pure functions: they take the facts the
 * doctor gathered about a namespace and its listeners (sysctls, addresses,
 * queue gauges and counters, synq's pinned state) and add findings to a
 * report. Nothing here reads the system, so the unit tests drive every check
 * with made-up facts. docs/doctor.md explains each finding's ID.
 */
#ifndef SYNQ_DOCTOR_CHECKS_H
#define SYNQ_DOCTOR_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>

#include "observe/collector.h"

enum doctor_severity { DOCTOR_INFO, DOCTOR_WARN, DOCTOR_ERROR };

#define DOCTOR_EVIDENCE_MAX 8

/* One number (or, for lists, one text) that proves a finding. */
struct doctor_evidence {
	const char *name;
	bool is_text;
	int64_t num;
	char text[512];
};

struct doctor_finding {
	const char *id;			/* "SQ101": stable, explained in docs/doctor.md */
	enum doctor_severity severity;
	const char *title;		/* the problem in a few words */
	uint64_t netns;
	char netns_name[64];
	char subject[128];		/* "listener 0.0.0.0:80 (812/nginx)", "interface veth0" */
	char message[640];		/* what the numbers mean, as the kernel applies them */
	int n_ev;
	struct doctor_evidence ev[DOCTOR_EVIDENCE_MAX];
	char fix[384];			/* a command or a line of configuration */
};

struct doctor_report {
	size_t n, cap;
	struct doctor_finding *f;
};

/* The sysctls of one namespace that change the listen path; -1 when unreadable. */
struct doctor_sysctls {
	long somaxconn;
	long host_somaxconn;		/* the initial namespace's; -1 when this is it */
	long syncookies;
	long max_syn_backlog;
	long abort_on_overflow;
	long timestamps;
};

struct doctor_addr {
	char ifname[IF_NAMESIZE];
	int family;			/* AF_INET or AF_INET6 */
	char addr[INET6_ADDRSTRLEN];
	bool loopback;
};

#define DOCTOR_ADDRS_MAX 64
#define DOCTOR_IFACES_MAX 16
#define DOCTOR_PORTS_MAX 64

/* An interface synq protects (its pins), as the doctor found it. */
struct doctor_iface {
	char name[IF_NAMESIZE];
	int n_ports;			/* protected ports; the first DOCTOR_PORTS_MAX are listed */
	uint16_t ports[DOCTOR_PORTS_MAX];
	bool native;			/* XDP runs in native mode */
	bool veth;			/* and the interface is a veth ... */
	bool peer_known;		/* ... whose peer could be asked about */
	bool peer_xdp;			/* the peer runs a native XDP program */
	bool peer_other_netns;
	char peer[IF_NAMESIZE];
	uint64_t handoff_failed;	/* since attach */
	uint64_t handoff_failed_delta;	/* while the doctor observed */
};

struct doctor_ns {
	uint64_t netns;
	char name[64];			/* /run/netns name, or "" */
	char sh[96];			/* how to run a command there: "ip netns exec web " or "" */
	char synq[96];			/* how to run synq there: "synq -n web" or "synq" */
	struct doctor_sysctls sys;
	double observed_s;		/* 0: one look, no counters over time */
	bool netstat_ok;
	uint64_t netstat_delta[SYNQ_NETSTAT_MAX];	/* while observing */
	int n_addr;
	struct doctor_addr addr[DOCTOR_ADDRS_MAX];
	int n_iface;
	struct doctor_iface iface[DOCTOR_IFACES_MAX];
};

/* One listener: the collector's gauges and owner, its counters over the observation. */
struct doctor_listener {
	const struct synq_listener *l;
	uint32_t aq_peak;		/* highest accept-queue length seen */
	uint32_t syn_peak;		/* highest SYN-queue length seen */
	uint64_t enqueued, accepted, overflows, synack_retrans;
	double wait_p99_us;		/* -1 without samples */
	bool protected;			/* its port is protected on an interface of its namespace */
};

/* The checks. Each adds zero or more findings to r; -ENOMEM when it cannot. */
int doctor_check_backlog(const struct doctor_ns *ns, const struct doctor_listener *dl,
			 struct doctor_report *r);
int doctor_check_accept_queue(const struct doctor_ns *ns, const struct doctor_listener *dl,
			      struct doctor_report *r);
int doctor_check_syn_queue(const struct doctor_ns *ns, const struct doctor_listener *dl,
			   struct doctor_report *r);
int doctor_check_wildcard(const struct doctor_ns *ns, const struct doctor_listener *dl,
			  struct doctor_report *r);
int doctor_check_sysctls(const struct doctor_ns *ns, struct doctor_report *r);
/* port: the --port filter (0: every port), so unlisted listeners are not missed listeners. */
int doctor_check_synq_state(const struct doctor_ns *ns, const struct doctor_listener *dl,
			    size_t n, uint16_t port, struct doctor_report *r);

/* Is port protected on any interface of ns? */
bool doctor_port_protected(const struct doctor_ns *ns, uint16_t port);
/* 1 when a finding is warn or worse, else 0: the doctor's exit status. */
int doctor_exit_status(const struct doctor_report *r);
const char *doctor_severity_name(enum doctor_severity s);
const struct doctor_finding *doctor_find(const struct doctor_report *r, const char *id);
const struct doctor_evidence *doctor_evidence(const struct doctor_finding *f, const char *name);
void doctor_report_free(struct doctor_report *r);

#endif
