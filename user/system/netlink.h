/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rtnetlink questions synq asks about interfaces and neighbours. After
 * setns() /sys/class/net still shows the first namespace; netlink follows the
 * thread's namespace, so these answers are always about the one we are in.
 */
#ifndef SYNQ_NETLINK_H
#define SYNQ_NETLINK_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

/* What RTM_GETLINK says about one interface. */
struct nl_link {
	char name[IF_NAMESIZE];
	char kind[16];		/* IFLA_INFO_KIND: "veth", ...; "" for a physical NIC */
	int peer_ifindex;	/* IFLA_LINK: a veth's peer */
	int peer_nsid;		/* IFLA_LINK_NETNSID; -1: the same namespace */
	uint8_t xdp_attached;	/* XDP_ATTACHED_* */
};

/* The link with ifindex in the namespace with id nsid (-1: ours). 0 or -errno. */
int nl_link_get(int ifindex, int nsid, struct nl_link *l);

/*
 * The link-layer address of addr (family AF_INET or AF_INET6) in the neighbour
 * table of ifindex, as `ip neigh show` lists it. 0, -ENOENT or -errno.
 */
int nl_neigh_mac(int ifindex, int family, const void *addr, uint8_t mac[6]);

/*
 * Ask the kernel to resolve addr on ifindex (ARP or neighbour discovery, as when
 * it sends a packet there): creates the entry and starts its probes. 0 or -errno.
 */
int nl_neigh_probe(int ifindex, int family, const void *addr);

/* One address of an interface, as RTM_GETADDR lists it. */
struct nl_addr {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network order */
	int prefix;
};

/* Up to max addresses of family on ifindex into out; how many, or -errno. */
int nl_addr_list(int ifindex, int family, struct nl_addr *out, int max);

/*
 * The kernel's route to dst (family AF_INET or AF_INET6): the interface it leaves
 * through and its next hop (the gateway, or dst itself on a connected network).
 * 0, -ENETUNREACH or -errno.
 */
int nl_route_nexthop(int family, const void *dst, int *oif, uint8_t nexthop[16]);

/* The far end of a veth, and whether it runs a native XDP program. */
struct veth_peer {
	int ifindex;
	bool other_netns;
	char name[IF_NAMESIZE];
	bool native_xdp;	/* without one it drops the frames we send with XDP_TX */
};

/*
 * The veth peer of ifindex (in this namespace). 0, -ENOTSUP when ifindex is not
 * a veth, or -errno (peer->ifindex set when the peer's own query failed).
 */
int veth_peer_xdp(int ifindex, struct veth_peer *peer);

#endif
