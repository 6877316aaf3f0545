/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The loader of synq's SYN-cookie protection: it loads bpf/synq_protect.bpf.c,
 * fills its maps, attaches XDP (libxdp) and TC ingress (libbpf) to one
 * interface and pins everything under
 *
 *	/sys/fs/bpf/synq/<netns inode>/<IFACE>/
 *		synq_config synq_keys synq_ports synq_stats synq_handoff_errors
 *		synq_xdp	the XDP program (attached through netlink: no link)
 *		synq_tc		the TC ingress program (filter SYNQ_TC_PRIO/SYNQ_TC_HANDLE)
 *		owns_clsact/	an empty directory: synq created the clsact qdisc
 *	or, for `attach --pass-only` on the far end of a veth:
 *		synq_pass	an XDP program that passes everything
 *
 * so the protection outlives the loader and `status`, `key` and `detach` find
 * it again (pins.h owns the layout).
 */
#ifndef SYNQ_LOADER_H
#define SYNQ_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include <synq/cookie.h>
#include <synq/protect.h>

#define SYNQ_TC_PRIO 1
#define SYNQ_TC_HANDLE 0x5351	/* "SQ" */

enum xdp_mode_req {
	XDP_REQ_AUTO,		/* native, falling back to generic */
	XDP_REQ_NATIVE,
	XDP_REQ_GENERIC,
};

struct attach_opts {
	const char *iface;
	const uint8_t *ports;		/* SYNQ_PORTS entries */
	enum xdp_mode_req mode;
	const struct synq_key *key;	/* NULL: random */
	unsigned int mss;		/* 0: from the MTU */
	bool replace;
	bool pass_only;			/* only an XDP_PASS program (the veth peer fix) */
};

/* Everything `synq attach` does. 0, or -errno with a message printed; nothing half-done stays. */
int loader_attach(const struct attach_opts *opts);
/* Everything `synq detach` does. -ENOENT (with a message) when nothing is attached. */
int loader_detach(const char *iface);

/* The far end of a veth, and whether it runs a native XDP program. */
struct veth_peer {
	int ifindex;
	bool other_netns;
	char name[16];
	bool native_xdp;	/* without one it drops the frames we send with XDP_TX */
};

/*
 * Ask netlink about the veth peer of ifindex (in this namespace). 0, -ENOTSUP
 * when ifindex is not a veth, or -errno (peer->ifindex set when the peer's own
 * query failed).
 */
int veth_peer_xdp(int ifindex, struct veth_peer *peer);

#endif
