// SPDX-License-Identifier: GPL-2.0
/* rtnetlink requests: one exchange routine, the questions on top (see netlink.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "system/netlink.h"

/* Called for every reply message but errors and the end; returns true once it found its answer. */
typedef bool (*nl_reply_fn)(const struct nlmsghdr *nh, void *arg);

/*
 * Send req and read replies until the dump ends (or the one reply of a plain
 * request). 0 once each() found its answer, -ENOENT when it did not, the
 * kernel's error, or -errno.
 */
static int nl_exchange(const struct nlmsghdr *req, nl_reply_fn each, void *arg)
{
	char buf[32768];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), err = -ENOENT;
	bool done = false;

	if (fd < 0)
		return -errno;
	if (send(fd, req, req->nlmsg_len, 0) < 0)
		done = true, err = -errno;
	while (!done) {
		int len = recv(fd, buf, sizeof(buf), 0);

		if (len <= 0) {
			err = len < 0 ? -errno : err;
			break;
		}
		done = !(req->nlmsg_flags & NLM_F_DUMP);
		for (struct nlmsghdr *nh = (void *)buf; NLMSG_OK(nh, (unsigned int)len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == NLMSG_ERROR) {
				int e = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;

				err = e ? e : err;
				done = true;
			} else if (nh->nlmsg_type == NLMSG_DONE) {
				done = true;
			} else if (err && each(nh, arg)) {
				err = 0;
			}
		}
	}
	close(fd);
	return err;
}

/* ---- links ---- */

static struct rtattr *nested(struct rtattr *nest, int type)
{
	int len = RTA_PAYLOAD(nest);

	for (struct rtattr *a = RTA_DATA(nest); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == type)
			return a;
	return NULL;
}

static bool parse_link(const struct nlmsghdr *nh, void *arg)
{
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int len = IFLA_PAYLOAD(nh);
	struct nl_link *l = arg;
	struct rtattr *n;

	if (nh->nlmsg_type != RTM_NEWLINK)
		return false;
	for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		switch (a->rta_type) {
		case IFLA_IFNAME:
			snprintf(l->name, sizeof(l->name), "%s", (char *)RTA_DATA(a));
			break;
		case IFLA_LINK:
			l->peer_ifindex = *(__u32 *)RTA_DATA(a);
			break;
		case IFLA_LINK_NETNSID:
			l->peer_nsid = *(__s32 *)RTA_DATA(a);
			break;
		case IFLA_LINKINFO:
			n = nested(a, IFLA_INFO_KIND);
			if (n)
				snprintf(l->kind, sizeof(l->kind), "%.*s", (int)RTA_PAYLOAD(n),
					 (char *)RTA_DATA(n));
			break;
		case IFLA_XDP:
			n = nested(a, IFLA_XDP_ATTACHED);
			if (n)
				l->xdp_attached = *(__u8 *)RTA_DATA(n);
			break;
		}
	}
	return true;
}

int nl_link_get(int ifindex, int nsid, struct nl_link *l)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		char attrs[16];
	} req = {
		.nh = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
			.nlmsg_type = RTM_GETLINK, .nlmsg_flags = NLM_F_REQUEST },
		.ifi = { .ifi_index = ifindex },
	};

	memset(l, 0, sizeof(*l));
	l->peer_nsid = -1;
	if (nsid >= 0) {
		struct rtattr *a = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));

		a->rta_type = IFLA_TARGET_NETNSID;
		a->rta_len = RTA_LENGTH(sizeof(__s32));
		*(__s32 *)RTA_DATA(a) = nsid;
		req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + a->rta_len;
	}
	return nl_exchange(&req.nh, parse_link, l);
}

/* ---- neighbours ---- */

struct neigh_query {
	int ifindex;
	int alen;		/* 4 or 16 */
	const void *addr;
	uint8_t *mac;
};

/* One RTM_NEWNEIGH: the usable link-layer address of the address asked for? */
static bool neigh_match(const struct nlmsghdr *nh, void *arg)
{
	const struct neigh_query *q = arg;
	struct ndmsg *nd = NLMSG_DATA(nh);
	int len = nh->nlmsg_len - NLMSG_LENGTH(sizeof(*nd));
	bool addr_ok = false, mac_ok = false;

	if (nh->nlmsg_type != RTM_NEWNEIGH || nd->ndm_ifindex != q->ifindex ||
	    (nd->ndm_state & (NUD_INCOMPLETE | NUD_FAILED)) || nd->ndm_state == NUD_NONE)
		return false;
	for (struct rtattr *a = (struct rtattr *)((char *)nd + NLMSG_ALIGN(sizeof(*nd)));
	     RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == NDA_DST && RTA_PAYLOAD(a) == (unsigned int)q->alen)
			addr_ok = !memcmp(RTA_DATA(a), q->addr, q->alen);
		if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6) {
			memcpy(q->mac, RTA_DATA(a), 6);
			mac_ok = true;
		}
	}
	return addr_ok && mac_ok;
}

int nl_neigh_mac(int ifindex, int family, const void *addr, uint8_t mac[6])
{
	struct {
		struct nlmsghdr nh;
		struct ndmsg nd;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETNEIGH,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.nd = { .ndm_family = family },
	};
	struct neigh_query q = { ifindex, family == AF_INET ? 4 : 16, addr, mac };

	return nl_exchange(&req.nh, neigh_match, &q);
}

int veth_peer_xdp(int ifindex, struct veth_peer *peer)
{
	struct nl_link me, far;
	int err;

	memset(peer, 0, sizeof(*peer));
	err = nl_link_get(ifindex, -1, &me);
	if (err)
		return err;
	if (strcmp(me.kind, "veth") || !me.peer_ifindex)
		return -ENOTSUP;
	peer->ifindex = me.peer_ifindex;
	peer->other_netns = me.peer_nsid >= 0;
	err = nl_link_get(me.peer_ifindex, me.peer_nsid, &far);
	if (err)
		return err;
	snprintf(peer->name, sizeof(peer->name), "%s", far.name);
	peer->native_xdp = far.xdp_attached == XDP_ATTACHED_DRV ||
			   far.xdp_attached == XDP_ATTACHED_MULTI;
	return 0;
}
