// SPDX-License-Identifier: GPL-2.0
/*
 * synq flood: where a flood may go, and the MAC address of its next hop.
 *
 * A generator of millions of frames a second is a weapon pointed at whatever
 * address it is given. So it refuses targets that can only be mistakes
 * (broadcast, multicast, unspecified, its own interface, source = destination),
 * and asks for --i-own-these-addresses before it sends to an address that is
 * neither on the interface's own networks nor in a private, documentation or
 * benchmarking range, or spoofs sources outside those ranges (their owners would
 * get the SYN-ACKs).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "flood/flood.h"
#include "system/netlink.h"
#include "system/system.h"

/* How long the kernel gets to resolve the next hop: ARP gives up after 3 probes a second apart. */
#define RESOLVE_SECONDS	3.0

/* Ranges nobody owns on the Internet: private, shared, link-local, documentation, benchmarking. */
static const char *const private_ranges[] = {
	"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",	/* RFC 1918 */
	"100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8",	/* RFC 6598, 3927, loopback */
	"192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",	/* RFC 5737 documentation */
	"198.18.0.0/15",					/* RFC 2544 benchmarking */
	"fc00::/7", "fe80::/10", "::1/128",			/* RFC 4193, link-local, loopback */
	"2001:db8::/32", "3fff::/20",				/* RFC 3849, 9637 documentation */
	"2001:2::/48",						/* RFC 5180 benchmarking */
};

static bool bit_at(const uint8_t *a, int i)
{
	return a[i / 8] & (0x80 >> (i % 8));
}

/* Whether the first bits of a and b are the same. */
static bool same_prefix(const uint8_t *a, const uint8_t *b, int bits)
{
	for (int i = 0; i < bits; i++)
		if (bit_at(a, i) != bit_at(b, i))
			return false;
	return true;
}

bool flood_cidr_contains(const struct flood_cidr *c, int family, const uint8_t *addr)
{
	return c->family == family && same_prefix(c->addr, addr, c->prefix);
}

/* Whether all of inner lies inside outer. */
static bool cidr_within(const struct flood_cidr *outer, const struct flood_cidr *inner)
{
	return inner->prefix >= outer->prefix &&
	       flood_cidr_contains(outer, inner->family, inner->addr);
}

bool flood_cidr_private(const struct flood_cidr *c)
{
	struct flood_cidr r;

	for (size_t i = 0; i < sizeof(private_ranges) / sizeof(private_ranges[0]); i++)
		if (!flood_parse_cidr(private_ranges[i], &r) && cidr_within(&r, c))
			return true;
	return false;
}

const char *flood_addr_refused(const struct flood_addr *a)
{
	static const uint8_t zero[16];

	if (a->family == 4) {
		if (a->addr[0] == 0)
			return "an unspecified address (0.0.0.0/8)";
		if (a->addr[0] >= 224 && a->addr[0] <= 239)
			return "a multicast address";
		if (!memcmp(a->addr, "\xff\xff\xff\xff", 4))
			return "the broadcast address";
		return NULL;
	}
	if (!memcmp(a->addr, zero, 16))
		return "the unspecified address";
	if (a->addr[0] == 0xff)
		return "a multicast address";
	return NULL;
}

static const char *addr_str(int family, const uint8_t *a, char *buf, size_t len)
{
	return inet_ntop(family == 4 ? AF_INET : AF_INET6, a, buf, len);
}

/* The last address of an IPv4 network, its directed broadcast. */
static bool is_directed_broadcast(const struct nl_addr *n, const uint8_t *a)
{
	if (n->prefix >= 31 || !same_prefix(n->addr, a, n->prefix))
		return false;
	for (int i = n->prefix; i < 32; i++)
		if (!bit_at(a, i))
			return false;
	return true;
}

/*
 * What the interface's own addresses say about dst: refused (its own address,
 * a directed broadcast) with one line and EXIT_USAGE, else 0 with *on_link set
 * when dst is on one of its networks.
 */
static int check_on_link(const struct flood_opts *o, int ifindex, bool *on_link)
{
	struct nl_addr addrs[64];
	int fam = o->dst.family == 4 ? AF_INET : AF_INET6, alen = o->dst.family == 4 ? 4 : 16;
	int n = nl_addr_list(ifindex, fam, addrs, 64);
	char a[INET6_ADDRSTRLEN];

	*on_link = false;
	addr_str(o->dst.family, o->dst.addr, a, sizeof(a));
	for (int i = 0; i < n; i++) {
		if (!memcmp(addrs[i].addr, o->dst.addr, alen)) {
			synq_err("flood %s: --dst %s is an address of %s itself: refused", o->iface,
				 a, o->iface);
			return EXIT_USAGE;
		}
		if (fam == AF_INET && is_directed_broadcast(&addrs[i], o->dst.addr)) {
			synq_err("flood %s: --dst %s is the broadcast address of a network on %s: "
				 "refused", o->iface, a, o->iface);
			return EXIT_USAGE;
		}
		if (same_prefix(addrs[i].addr, o->dst.addr, addrs[i].prefix))
			*on_link = true;
	}
	return 0;
}

int flood_check_target(const struct flood_opts *o, int ifindex)
{
	struct flood_cidr d = { .family = o->dst.family, .prefix = o->dst.family == 4 ? 32 : 128 };
	char a[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN];
	bool on_link;
	int err = check_on_link(o, ifindex, &on_link);

	if (err || o->own_addresses)
		return err;
	memcpy(d.addr, o->dst.addr, 16);
	if (!on_link && !flood_cidr_private(&d)) {
		synq_err("flood %s: --dst %s is neither on a network of %s nor in a private, "
			 "documentation or benchmarking range: pass --i-own-these-addresses if it "
			 "is yours", o->iface, addr_str(d.family, d.addr, a, sizeof(a)), o->iface);
		return EXIT_USAGE;
	}
	if (!flood_cidr_private(&o->src)) {
		synq_err("flood %s: --src %s/%d is public address space whose owners would get the "
			 "SYN-ACKs: use a benchmarking range or pass --i-own-these-addresses if it "
			 "is yours", o->iface, addr_str(o->src.family, o->src.addr, s, sizeof(s)),
			 o->src.prefix);
		return EXIT_USAGE;
	}
	return 0;
}

/* Polls the neighbour table until addr has a usable entry or the time is up. */
static int wait_neigh(int ifindex, int family, const uint8_t *addr, uint8_t mac[6])
{
	double deadline = mono_now() + RESOLVE_SECONDS;
	int err;

	while ((err = nl_neigh_mac(ifindex, family, addr, mac)) == -ENOENT &&
	       mono_now() < deadline && !synq_stop)
		usleep(10000);
	return err;
}

int flood_next_hop_mac(const struct flood_opts *o, int ifindex, uint8_t mac[6])
{
	int fam = o->dst.family == 4 ? AF_INET : AF_INET6, oif = 0, err;
	char a[INET6_ADDRSTRLEN], h[INET6_ADDRSTRLEN];
	uint8_t hop[16] = { 0 };

	addr_str(o->dst.family, o->dst.addr, a, sizeof(a));
	err = nl_route_nexthop(fam, o->dst.addr, &oif, hop);
	if (err) {
		synq_err("flood %s: no route to %s: add one, or pass --dst-mac", o->iface, a);
		return EXIT_FAIL;
	}
	if (oif != ifindex) {
		synq_err("flood %s: the route to %s leaves through another interface: pass --dst-mac "
			 "to send out of %s anyway", o->iface, a, o->iface);
		return EXIT_FAIL;
	}
	addr_str(o->dst.family, hop, h, sizeof(h));
	/* ask the kernel to resolve it only when there is no entry yet */
	if (nl_neigh_mac(ifindex, fam, hop, mac) == 0)
		return 0;
	err = nl_neigh_probe(ifindex, fam, hop);
	if (!err)
		err = wait_neigh(ifindex, fam, hop, mac);
	if (err == -ENOENT)
		synq_err("flood %s: no neighbour entry for %s: it did not answer %s within %.0f s; "
			 "check that it is up, or pass --dst-mac", o->iface, h,
			 fam == AF_INET ? "ARP" : "neighbour solicitation", RESOLVE_SECONDS);
	else if (err)
		synq_err("flood %s: resolving %s: %s", o->iface, h, strerror(-err));
	return err ? EXIT_FAIL : 0;
}
