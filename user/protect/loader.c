// SPDX-License-Identifier: GPL-2.0
/*
 * Attach and detach synq's protection (the pins and their layout: pins.h).
 *
 * Both programs run through bpf_links: TC through a TCX link, XDP through an
 * XDP link. A link that is not pinned dies with the process, so a kill at any
 * instant cannot leave a program behind that nothing owns. The order makes
 * every partial state harmless: attach pins the maps and programs, then
 * creates and pins the TC link (TC alone changes nothing: it only acts on
 * ACKs of synq's cookies), and the XDP link last; detach goes in reverse. XDP
 * without TC never exists. What an interrupted attach or detach leaves (at
 * most a TC link) is swept by the next synq (pins_begin()).
 *
 * `attach --replace` builds the new objects beside the old ones, then swaps
 * the programs with one BPF_LINK_UPDATE per link (TC first): the interface is
 * never unprotected, and the keys stay the same across the swap.
 *
 * Signals are held (blocked) while attach runs and looked at between steps: a
 * Ctrl-C undoes what was done.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "cli/cli.h"
#include "cli/log.h"
#include "protect/loader.h"
#include "protect/pins.h"
#include "protect/protect_parse.h"
#include "protect/timewait_seed.h"
#include "system/netlink.h"
#include "system/system.h"
#include "synq_pass.skel.h"
#include "synq_protect.skel.h"

/*
 * The kernel's attach type of a TCX link (Linux 6.6, uapi enum bpf_attach_type):
 * Debian 12's kernel headers predate it, the kernel ABI does not change.
 */
#define SYNQ_BPF_TCX_INGRESS 46

struct attach_ctx {
	const struct attach_opts *o;
	int ifindex;
	unsigned int mtu;
	struct synq_key keys[2];
	uint8_t key_slot;
	char dir[256];			/* where the objects go (the staging one for --replace) */
	struct synq_protect_bpf *skel;
	struct synq_pass_bpf *pass;
	int tc_link, xdp_link;		/* fds, -1 when none */
	bool dir_made, replacing;
	bool native;			/* the XDP mode this load is for: native, or generic */
	bool native_failed;		/* the native attach was refused: generic may do */
};

/* ---- checks ---- */

static int check_kfunc(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int id;

	if (!btf) {
		synq_err("attach: cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): %s; "
			 "synq needs a kernel built with CONFIG_DEBUG_INFO_BTF", strerror(errno));
		return -ENOTSUP;
	}
	id = btf__find_by_name_kind(btf, "bpf_sk_assign_tcp_reqsk", BTF_KIND_FUNC);
	btf__free(btf);
	if (id < 0) {
		synq_err("attach: this kernel lacks the kfunc bpf_sk_assign_tcp_reqsk(), which "
			 "hands cookie connections to the kernel: synq needs Linux 6.9 or later");
		return -ENOTSUP;
	}
	return 0;
}

static int check_syncookies(const char *iface)
{
	long v = 0;

	if (sysctl_read_int("net/ipv4/tcp_syncookies", &v) == 0 && v >= 1)
		return 0;
	synq_err("attach %s: net.ipv4.tcp_syncookies is %ld in this network namespace; the kernel "
		 "accepts synq's connections only with 1 or 2 (sysctl -w net.ipv4.tcp_syncookies=1)",
		 iface, v);
	return -EPERM;
}

static int check_xdp_free(struct attach_ctx *c)
{
	__u32 id = 0;

	if (bpf_xdp_query_id(c->ifindex, 0, &id) || !id)
		return 0;
	synq_err("attach %s: the interface already runs an XDP program (id %u) that synq did not "
		 "attach; remove it first (ip link set dev %s xdp off)", c->o->iface, id, c->o->iface);
	return -EBUSY;
}

/* Sysctls and MTU into synq_config, as the kernel would answer a SYN in this namespace. */
static int fill_config(struct attach_ctx *c, struct synq_config *cfg)
{
	long rmem[3] = {}, rmem_max = 0, v;

	memset(cfg, 0, sizeof(*cfg));
	if (mss_from_mtu(c->mtu, c->o->mss, &cfg->mss_v4, &cfg->mss_v6)) {
		synq_err("attach %s: --mss %u does not fit the interface MTU %u (at most %u)",
			 c->o->iface, c->o->mss, c->mtu, c->mtu > 40 ? c->mtu - 40 : 0);
		return -ERANGE;
	}
	if (cfg->mss_v6 < 1220)
		synq_err("attach %s: warning: IPv6 MSS %u is below 1220, which the kernel refuses "
			 "for IPv6 handoffs", c->o->iface, cfg->mss_v6);
	sysctl_read_ints("net/ipv4/tcp_rmem", rmem, 3);
	sysctl_read_int("net/core/rmem_max", &rmem_max);
	cfg->rcv_wscale = tcp_rcv_wscale(0, rmem[2], rmem_max);
	cfg->ttl = 64;
	cfg->sack_ok = !sysctl_read_int("net/ipv4/tcp_sack", &v) && v;
	cfg->wscale_ok = !sysctl_read_int("net/ipv4/tcp_window_scaling", &v) && v;
	cfg->tstamp_ok = !sysctl_read_int("net/ipv4/tcp_timestamps", &v) && v;
	/* tcp_ecn 1 and 2 both answer ECN requests; 0 never does. */
	cfg->ecn_ok = !sysctl_read_int("net/ipv4/tcp_ecn", &v) && (v == 1 || v == 2);
	cfg->key_slot = c->key_slot;
	cfg->mode = c->o->cookie_mode;
	return 0;
}

/*
 * A veth delivers our XDP_TX frames only into a peer with a native XDP program:
 * say so when it has none, and how to fix it.
 */
static void warn_veth_peer(struct attach_ctx *c)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct veth_peer peer;
	const char *ns;
	bool gro;
	int err;

	/* Generic mode sends XDP_TX through the normal path: the peer needs nothing. */
	if (bpf_xdp_query(c->ifindex, 0, &q) || q.attach_mode != XDP_ATTACHED_DRV)
		return;
	err = veth_peer_xdp(c->ifindex, &peer);
	if (err == -ENOTSUP)
		return;
	/* not about the peer, but about veth too: docs/bench.md, "Established traffic" */
	if (!iface_gro(c->o->iface, &gro) && !gro)
		synq_err("attach %s: note: on a veth with GRO off, any XDP program costs about half "
			 "of a TCP stream's throughput; ethtool -K %s gro on wins part of it back",
			 c->o->iface, c->o->iface);
	if ((!err && peer.native_xdp) || !peer.ifindex)
		return;
	ns = peer.other_netns ? "in another network namespace" : "in this namespace";
	if (err) {
		synq_err("attach %s: warning: cannot check the veth peer (ifindex %d %s) for an XDP "
			 "program; without one the SYN-ACKs (XDP_TX) are lost", c->o->iface,
			 peer.ifindex, ns);
		return;
	}
	synq_err("attach %s: warning: its veth peer %s (%s) has no native XDP program, so the "
		 "SYN-ACKs sent with XDP_TX are dropped there; fix: synq [-n PEER_NS] attach %s "
		 "--pass-only", c->o->iface, peer.name, ns, peer.name);
}

/* ---- the steps of attach ---- */

static bool interrupted(void)
{
	sigset_t pending;

	return !sigpending(&pending) && (sigismember(&pending, SIGINT) ||
					 sigismember(&pending, SIGTERM) ||
					 sigismember(&pending, SIGHUP) ||
					 sigismember(&pending, SIGQUIT));
}

static int fill_maps(struct attach_ctx *c)
{
	struct synq_protect_bpf *s = c->skel;
	struct synq_config cfg;
	__u32 zero = 0;
	int err;

	err = fill_config(c, &cfg);
	if (err)
		return err;
	if (bpf_map_update_elem(bpf_map__fd(s->maps.synq_config), &zero, &cfg, BPF_ANY))
		goto fail;
	for (__u32 i = 0; i < 2; i++)
		if (bpf_map_update_elem(bpf_map__fd(s->maps.synq_keys), &i, &c->keys[i], BPF_ANY))
			goto fail;
	for (__u32 p = 1; p < SYNQ_PORTS; p++)
		if (c->o->ports[p] &&
		    bpf_map_update_elem(bpf_map__fd(s->maps.synq_ports), &p, &c->o->ports[p], BPF_ANY))
			goto fail;
	return 0;
fail:
	err = -errno;
	synq_err("attach %s: cannot fill the maps: %s", c->o->iface, strerror(errno));
	return err;
}

/*
 * BPF_F_XDP_HAS_FRAGS lets a native program see a jumbo frame as several
 * buffers, so a driver (veth) accepts it above the MTU one page holds. Generic
 * mode needs no flag: it linearizes the skb for a program without it, at any
 * MTU. And with it, the kernel (6.18) copies a cloned skb, as a locally sent
 * one is, into a new one without its mac_len: TC ingress then sees the frame
 * from the IP header on, so synq_tc would parse it as Ethernet and miss every
 * handoff. (synq_pass, which does nothing, keeps its "xdp.frags" section.)
 */
void loader_xdp_frags(struct bpf_program *prog, bool native)
{
	__u32 flags = bpf_program__flags(prog);

	bpf_program__set_flags(prog, native ? flags | BPF_F_XDP_HAS_FRAGS
					    : flags & ~BPF_F_XDP_HAS_FRAGS);
}

static int load_protect(struct attach_ctx *c)
{
	int err;

	c->skel = synq_protect_bpf__open();
	if (!c->skel) {
		err = -errno;
		synq_err("attach %s: cannot open the BPF object: %s", c->o->iface, strerror(errno));
		return err;
	}
	loader_xdp_frags(c->skel->progs.synq_xdp, c->native);
	err = synq_protect_bpf__load(c->skel);
	if (err) {
		synq_err("attach %s: the kernel refused to load the protection programs: %s",
			 c->o->iface, strerror(-err));
		return err;
	}
	return fill_maps(c);
}

static int load_pass(struct attach_ctx *c)
{
	int err;

	c->pass = synq_pass_bpf__open_and_load();
	if (!c->pass) {
		err = -errno;
		synq_err("attach %s: cannot load the pass program: %s", c->o->iface, strerror(errno));
		return err;
	}
	return 0;
}

static int pin_fd(struct attach_ctx *c, int fd, const char *name)
{
	char path[320];
	int err = 0;

	if (snprintf(path, sizeof(path), "%s/%s", c->dir, name) >= (int)sizeof(path))
		err = -ENAMETOOLONG;
	else if (bpf_obj_pin(fd, path))
		err = -errno;
	if (err)
		synq_err("attach %s: cannot pin %s in %s: %s", c->o->iface, name, c->dir,
			 strerror(-err));
	return err;
}

/* Pin the maps and programs pins.c lists, and refuse a map it does not list: the docs quote it. */
static int pin_objects_all(struct attach_ctx *c)
{
	struct bpf_map *map;
	int err;

	if (c->pass)
		return pin_fd(c, bpf_program__fd(c->pass->progs.synq_pass), "synq_pass");
	bpf_object__for_each_map(map, c->skel->obj) {
		if (bpf_map__is_internal(map))
			continue;
		if (!pin_object_find(bpf_map__name(map))) {
			synq_err("attach %s: map %s is not in synq's list of pins", c->o->iface,
				 bpf_map__name(map));
			return -ENOTRECOVERABLE;
		}
		err = pin_fd(c, bpf_map__fd(map), bpf_map__name(map));
		if (err)
			return err;
	}
	return pin_fd(c, bpf_program__fd(c->skel->progs.synq_tc), "synq_tc") ?:
	       pin_fd(c, bpf_program__fd(c->skel->progs.synq_xdp), "synq_xdp");
}

static int xdp_prog_fd(struct attach_ctx *c)
{
	return bpf_program__fd(c->pass ? c->pass->progs.synq_pass : c->skel->progs.synq_xdp);
}

/* The TCX link, pinned at once: from here on TC runs, XDP does not yet. */
static int attach_tc(struct attach_ctx *c)
{
	int err;

	c->tc_link = bpf_link_create(bpf_program__fd(c->skel->progs.synq_tc), c->ifindex,
				     SYNQ_BPF_TCX_INGRESS, NULL);
	if (c->tc_link < 0) {
		err = -errno;
		synq_err("attach %s: cannot attach the TC ingress program (TCX link): %s%s",
			 c->o->iface, strerror(errno), err == -EINVAL ?
			 " (synq needs TCX links, Linux 6.6 or later)" : "");
		return err;
	}
	return pin_fd(c, c->tc_link, "link_tc");
}

static int try_xdp(struct attach_ctx *c, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);

	liblog_expect_failures(true);
	c->xdp_link = bpf_link_create(xdp_prog_fd(c), c->ifindex, BPF_XDP, &opts);
	liblog_expect_failures(false);
	return c->xdp_link < 0 ? -errno : 0;
}

/*
 * The XDP link, the last step: once it is pinned, the attach is complete. In
 * the mode the programs were loaded for; a refused native attach in --xdp-mode
 * auto is retried whole in generic mode by loader_attach().
 */
static int attach_xdp(struct attach_ctx *c)
{
	int err = try_xdp(c, c->native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);

	if (err && c->native && c->o->mode == XDP_REQ_AUTO) {
		synq_err("attach %s: native XDP failed (%s%s); falling back to generic mode, which "
			 "is slower", c->o->iface, strerror(-err), err == -ERANGE ?
			 ": the MTU is too large for this driver's XDP" : "");
		c->native_failed = true;
		return err;
	}
	if (err) {
		synq_err("attach %s: cannot attach the XDP program: %s", c->o->iface, strerror(-err));
		return err;
	}
	return pin_fd(c, c->xdp_link, "link_xdp");
}

/* ---- undoing ---- */

/* Detach a link (XDP before TC, always), so it stops at once whoever holds it. */
static void link_stop(int *fd)
{
	if (*fd >= 0) {
		bpf_link_detach(*fd);
		close(*fd);
	}
	*fd = -1;
}

static void unwind(struct attach_ctx *c)
{
	if (c->replacing) {	/* the old links run on; the staging pins go */
		if (c->dir_made)
			remove_pin_dir(c->dir);
		return;
	}
	link_stop(&c->xdp_link);
	link_stop(&c->tc_link);
	/* The interface's directory alone: pins_end() removes the parents left empty. */
	if (c->dir_made)
		remove_pin_dir(c->dir);
}

static void release(struct attach_ctx *c)
{
	if (c->xdp_link >= 0)
		close(c->xdp_link);
	if (c->tc_link >= 0)
		close(c->tc_link);
	synq_protect_bpf__destroy(c->skel);
	synq_pass_bpf__destroy(c->pass);
	c->xdp_link = c->tc_link = -1;
	c->skel = NULL;
	c->pass = NULL;
	c->dir_made = false;
}

/* ---- attach ---- */

static int prepare_keys(struct attach_ctx *c)
{
	struct pinned old;

	/* --replace keeps the running keys, so handshakes in flight survive it. */
	if (c->o->replace && !c->o->key && !pinned_open(c->o->iface, &old)) {
		struct synq_config cfg = {};
		int err = config_read(&old, &cfg) ?: key_read(&old, 0, &c->keys[0]) ?:
			  key_read(&old, 1, &c->keys[1]);

		c->key_slot = cfg.key_slot & 1;
		pinned_close(&old);
		if (!err)
			return 0;
	}
	c->key_slot = 0;
	if (c->o->key)
		c->keys[0] = *c->o->key;
	else if (key_random(&c->keys[0]))
		return -EIO;
	/* Until the first rotation the previous slot holds the same key: no other key is valid. */
	c->keys[1] = c->keys[0];
	return 0;
}

static int check_iface(struct attach_ctx *c)
{
	const char *iface = c->o->iface;
	int err;

	c->ifindex = if_nametoindex(iface);
	if (!c->ifindex) {
		synq_err("attach %s: no such interface in this network namespace (ip link lists "
			 "them; synq -n NAME attach ... works inside another one)", iface);
		return -ENODEV;
	}
	/* synq parses Ethernet frames: on tun, wireguard or ipip it would protect nothing. */
	if (!iface_is_ether(iface)) {
		synq_err("attach %s: not an Ethernet device (tun, wireguard, ipip, ...): synq "
			 "cannot protect it", iface);
		return -EPROTONOSUPPORT;
	}
	err = iface_mtu(iface, &c->mtu);
	if (err)
		synq_err("attach %s: cannot read the MTU: %s", iface, strerror(-err));
	return err;
}

static int check_attach(struct attach_ctx *c)
{
	const char *iface = c->o->iface;
	int err;

	if (!cap_held(CAP_BPF) || !cap_held(CAP_NET_ADMIN) || !cap_held(CAP_SYS_ADMIN)) {
		synq_err("attach %s: needs root (CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN)", iface);
		return -EPERM;
	}
	err = check_iface(c) ?: pins_begin("attach", true);
	if (err)
		return err;
	c->replacing = c->o->replace && is_attached(c->ifindex);
	if (is_attached(c->ifindex) && !c->o->replace) {
		synq_err("attach %s: synq is already attached to %s (synq detach %s removes it; "
			 "attach --replace swaps it)", iface, iface, iface);
		return -EEXIST;
	}
	if (c->o->pass_only)
		return 0;
	return check_kfunc() ?: check_syncookies(iface);
}

/* Not fatal: without it, only tuples closed before attach miss the kernel's recycling. */
static void seed_closing(struct attach_ctx *c)
{
	int n = closing_seed(bpf_map__fd(c->skel->maps.synq_closing), c->o->ports);

	if (n < 0)
		synq_err("attach %s: warning: cannot read this namespace's TIME_WAIT sockets (%s); "
			 "for 60 s a client reusing one of their ports may hang",
			 c->o->iface, strerror(-n));
	else
		synq_debug("attach %s: %d TIME_WAIT sockets marked as closing", c->o->iface, n);
}

static int make_dir(struct attach_ctx *c)
{
	int err = c->replacing ? pin_staging_dir(c->dir, sizeof(c->dir), c->ifindex)
			       : pin_dir(c->dir, sizeof(c->dir), c->ifindex);

	if (!err)
		err = pin_dir_make(c->dir);
	if (err) {
		synq_err("attach %s: cannot create %s: %s", c->o->iface, c->dir, strerror(-err));
		return err;
	}
	c->dir_made = true;
	return 0;
}

/* A fresh attach: objects, TC link, XDP link, each pinned as it is made. */
static int attach_steps(struct attach_ctx *c)
{
	int err;

	err = check_xdp_free(c) ?: make_dir(c) ?: pin_objects_all(c);
	if (err || interrupted())
		return err ?: -EINTR;
	if (!c->o->pass_only) {
		seed_closing(c);
		err = attach_tc(c);
		if (err || interrupted())
			return err ?: -EINTR;
	}
	return attach_xdp(c);
}

/* Point a pinned link of dir at prog_fd: 0 or -errno, with a message. */
static int link_swap(struct attach_ctx *c, const char *dir, const char *link, int prog_fd)
{
	char path[320];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, link);
	fd = bpf_obj_get(path);
	if (fd < 0 || bpf_link_update(fd, prog_fd, NULL))
		err = -errno;
	if (err)
		synq_err("attach %s: cannot update %s: %s", c->o->iface, path, strerror(-err));
	if (fd >= 0)
		close(fd);
	return err;
}

/* Also pin the running links in the staging directory: it then holds a whole attach. */
static int pin_links_too(struct attach_ctx *c, const char *old_dir)
{
	char path[320];
	const char *links[] = { "link_tc", "link_xdp" };
	int fd, err = 0;

	for (size_t i = 0; i < 2 && !err; i++) {
		snprintf(path, sizeof(path), "%s/%s", old_dir, links[i]);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			err = -errno;
			synq_err("attach %s: --replace: %s: %s%s", c->o->iface, path, strerror(errno),
				 errno == ENOENT ? " (a pass-only attach: synq detach it first)" : "");
			return err;
		}
		err = pin_fd(c, fd, links[i]);
		close(fd);
	}
	return err;
}

/*
 * --replace: the new objects in the staging directory, one BPF_LINK_UPDATE per
 * link (TC first, as for attach), then the staging directory takes the place of
 * the old one with one rename. A kill before that rename: the next synq drops
 * the staging directory and points the links back at the pinned programs.
 */
static int replace_steps(struct attach_ctx *c)
{
	char old[256];
	int err;

	err = pin_dir(old, sizeof(old), c->ifindex) ?: make_dir(c) ?: pin_objects_all(c) ?:
	      pin_links_too(c, old);
	if (err || interrupted())
		return err ?: -EINTR;
	seed_closing(c);
	err = link_swap(c, old, "link_tc", bpf_program__fd(c->skel->progs.synq_tc));
	if (err)
		return err;
	err = link_swap(c, old, "link_xdp", xdp_prog_fd(c));
	if (err) {
		char tc[320];
		int fd;

		snprintf(tc, sizeof(tc), "%s/synq_tc", old);
		fd = bpf_obj_get(tc);
		if (fd >= 0 && link_swap(c, old, "link_tc", fd))
			synq_err("attach %s: the TC link runs the new program; synq detach %s, "
				 "then attach again", c->o->iface, c->o->iface);
		if (fd >= 0)
			close(fd);
		return err;
	}
	if (renameat2(AT_FDCWD, c->dir, AT_FDCWD, old, RENAME_EXCHANGE)) {
		synq_err("attach %s: warning: cannot move %s to %s (%s): the next synq puts the "
			 "old programs back", c->o->iface, c->dir, old, strerror(errno));
		return 0;
	}
	remove_pin_dir(c->dir);	/* the old objects, now in the staging directory's place */
	return 0;
}

/* --replace keeps the running link's mode (BPF_LINK_UPDATE cannot change it). */
static bool native_first(const struct attach_ctx *c)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (c->replacing)
		return !bpf_xdp_query(c->ifindex, 0, &q) && q.attach_mode == XDP_ATTACHED_DRV;
	return c->o->mode != XDP_REQ_GENERIC;
}

/* Load for c->native, then the steps. */
static int load_and_attach(struct attach_ctx *c)
{
	int err = c->o->pass_only ? load_pass(c) : load_protect(c);

	if (!err && interrupted())
		err = -EINTR;
	if (!err)
		err = c->replacing ? replace_steps(c) : attach_steps(c);
	return err;
}

int loader_attach(const struct attach_opts *opts)
{
	struct attach_ctx c = { .o = opts, .tc_link = -1, .xdp_link = -1 };
	sigset_t hold, old;
	int err;

	sigemptyset(&hold);
	sigaddset(&hold, SIGINT);
	sigaddset(&hold, SIGTERM);
	sigaddset(&hold, SIGHUP);
	sigaddset(&hold, SIGQUIT);
	sigprocmask(SIG_BLOCK, &hold, &old);
	err = check_attach(&c);
	if (!err && !opts->pass_only)
		err = prepare_keys(&c);
	if (!err) {
		c.native = native_first(&c);
		err = load_and_attach(&c);
	}
	if (err && c.native_failed && !interrupted()) {
		/* Everything again, loaded for generic mode: undone, nothing was running. */
		unwind(&c);
		release(&c);
		c.native = false;
		err = load_and_attach(&c);
	}
	if (err) {
		unwind(&c);
		if (err == -EINTR)
			synq_err("attach %s: interrupted; %s", opts->iface, c.replacing ?
				 "the running protection is unchanged" :
				 "everything it had done is undone");
	} else if (!opts->pass_only) {
		warn_veth_peer(&c);
	}
	release(&c);
	/* A signal that arrived after the last step ends us here, with the work kept. */
	sigprocmask(SIG_SETMASK, &old, NULL);
	return err;
}

/* ---- detach ---- */

int loader_detach(const char *iface)
{
	struct pinned p;
	int err;

	if (!iface_name_valid(iface)) {
		synq_err("detach: '%s' is not an interface name", iface);
		return -EINVAL;
	}
	err = pins_begin("detach", false);
	if (err)
		return err;
	err = pinned_open(iface, &p);
	pinned_close(&p);
	if (err == -EPERM || err == -EACCES) {
		synq_err("detach %s: cannot open synq's pins: %s (run as root)", iface,
			 strerror(-err));
		return err;
	}
	if (err == -ENOENT) {
		synq_err("detach %s: synq is not attached to %s in this network namespace",
			 iface, iface);
		return -ENOENT;
	}
	if (err == -ESTALE) {
		synq_err("detach %s: %s runs another XDP program than synq's link: left alone%s",
			 iface, iface, pinned_error_hint(err));
		return err;
	}
	/* Damaged (-EBADF) or foreign maps (-EPROTO): the links are still ours to stop. */
	detach_pins(p.ifindex);
	return 0;
}
