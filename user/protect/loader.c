// SPDX-License-Identifier: GPL-2.0
/*
 * Attach and detach synq's protection (the pins and their layout: pins.h).
 *
 * attach runs as a list of steps, each recorded in struct attach_ctx; any
 * failure, or a Ctrl-C between two steps, undoes the recorded ones in reverse,
 * so an interface is either fully protected or left as it was. Signals are
 * held (blocked) while it runs and looked at between steps.
 */
#include <errno.h>
#include <linux/capability.h>
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
#include <xdp/libxdp.h>

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

struct attach_ctx {
	const struct attach_opts *o;
	int ifindex;
	unsigned int mtu;
	struct synq_key keys[2];
	uint8_t key_slot;
	char dir[256];
	struct synq_protect_bpf *skel;
	struct synq_pass_bpf *pass;
	struct xdp_program *xdp;
	enum xdp_attach_mode mode;	/* what the XDP program got */
	bool xdp_attached, clsact_created, tc_attached, dir_made;
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
	return 0;
}

/*
 * A veth delivers our XDP_TX frames only into a peer with a native XDP program:
 * say so when it has none, and how to fix it.
 */
static void warn_veth_peer(struct attach_ctx *c)
{
	struct veth_peer peer;
	const char *ns;
	bool gro;
	int err;

	if (c->mode != XDP_MODE_NATIVE)
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
					 sigismember(&pending, SIGHUP));
}

static int make_pin_dir(struct attach_ctx *c)
{
	int err;

	err = ensure_bpffs();
	if (err)
		return err;
	if (pin_dir(c->dir, sizeof(c->dir), c->o->iface))
		return -ENAMETOOLONG;
	err = pin_dir_make(c->o->iface);
	if (err) {
		synq_err("attach %s: cannot create %s: %s", c->o->iface, c->dir, strerror(-err));
		return err;
	}
	c->dir_made = true;
	return 0;
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

static int load_protect(struct attach_ctx *c)
{
	int err;

	c->skel = synq_protect_bpf__open();
	if (!c->skel) {
		err = -errno;
		synq_err("attach %s: cannot open the BPF object: %s", c->o->iface, strerror(errno));
		return err;
	}
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

static int try_xdp(struct attach_ctx *c, struct bpf_object *obj, const char *prog,
		   enum xdp_attach_mode mode)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, xo, .obj = obj, .prog_name = prog);
	int err;

	if (!c->xdp) {
		c->xdp = xdp_program__create(&xo);
		err = libxdp_get_error(c->xdp);
		if (err) {
			c->xdp = NULL;
			return err;
		}
	}
	liblog_expect_failures(true);
	err = xdp_program__attach(c->xdp, c->ifindex, mode, 0);
	liblog_expect_failures(false);
	if (!err) {
		c->xdp_attached = true;
		c->mode = mode;
	}
	return err;
}

static int attach_xdp(struct attach_ctx *c)
{
	struct bpf_object *obj = c->pass ? c->pass->obj : c->skel->obj;
	const char *prog = c->pass ? "synq_pass" : "synq_xdp";
	enum xdp_mode_req req = c->o->mode;
	int err = -EINVAL;

	if (req != XDP_REQ_GENERIC)
		err = try_xdp(c, obj, prog, XDP_MODE_NATIVE);
	if (err && req == XDP_REQ_AUTO) {
		synq_err("attach %s: native XDP failed (%s); falling back to generic mode, which is "
			 "slower", c->o->iface, strerror(-err));
	}
	if (err && req != XDP_REQ_NATIVE)
		err = try_xdp(c, obj, prog, XDP_MODE_SKB);
	if (err)
		synq_err("attach %s: cannot attach the XDP program: %s", c->o->iface, strerror(-err));
	return err;
}

static int attach_tc(struct attach_ctx *c)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = c->ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = SYNQ_TC_HANDLE, .priority = SYNQ_TC_PRIO,
		    .prog_fd = bpf_program__fd(c->skel->progs.synq_tc));
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		synq_err("attach %s: cannot create the clsact qdisc: %s", c->o->iface, strerror(-err));
		return err;
	}
	c->clsact_created = !err;
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		synq_err("attach %s: cannot attach the TC ingress program: %s%s", c->o->iface,
			 strerror(-err), err == -EEXIST ? " (a filter with synq's handle and "
			 "priority is in the way: tc filter show dev IFACE ingress)" : "");
		return err;
	}
	c->tc_attached = true;
	return 0;
}

static int pin_one(struct attach_ctx *c, int err, const char *name)
{
	if (err)
		synq_err("attach %s: cannot pin %s in %s: %s", c->o->iface, name, c->dir,
			 strerror(-err));
	return err;
}

static int pin_prog(struct attach_ctx *c, struct bpf_program *prog, const char *name)
{
	char path[320];

	if (pin_path(path, sizeof(path), c->o->iface, name))
		return pin_one(c, -ENAMETOOLONG, name);
	return pin_one(c, bpf_program__pin(prog, path), name);
}

/* Pin what pins.c lists, and refuse a map it does not list: the list is what the docs quote. */
static int pin_all(struct attach_ctx *c)
{
	char path[320];
	struct bpf_map *map;
	const char *name;
	int err;

	if (c->pass)
		return pin_prog(c, c->pass->progs.synq_pass, "synq_pass");
	bpf_object__for_each_map(map, c->skel->obj) {
		if (bpf_map__is_internal(map))
			continue;
		name = bpf_map__name(map);
		if (!pin_object_find(name))
			err = -ENOTRECOVERABLE;	/* a map added to the program, not to the list */
		else if (pin_path(path, sizeof(path), c->o->iface, name))
			err = -ENAMETOOLONG;
		else
			err = bpf_map__pin(map, path);
		if (pin_one(c, err, name))
			return err;
	}
	err = pin_prog(c, c->skel->progs.synq_xdp, "synq_xdp");
	if (!err)
		err = pin_prog(c, c->skel->progs.synq_tc, "synq_tc");
	if (!err && c->clsact_created) {
		if (pin_path(path, sizeof(path), c->o->iface, "owns_clsact") || mkdir(path, 0700))
			err = pin_one(c, -errno, "owns_clsact");
	}
	return err;
}

/* ---- undoing ---- */

static void tc_remove(int ifindex, bool destroy_clsact)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = SYNQ_TC_HANDLE, .priority = SYNQ_TC_PRIO);

	bpf_tc_detach(&hook, &opts);
	if (destroy_clsact) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
}

static void unwind(struct attach_ctx *c)
{
	if (c->dir_made)
		remove_pins(c->o->iface);
	if (c->tc_attached || c->clsact_created)
		tc_remove(c->ifindex, c->clsact_created);
	if (c->xdp_attached)
		xdp_program__detach(c->xdp, c->ifindex, c->mode, 0);
}

static void release(struct attach_ctx *c)
{
	xdp_program__close(c->xdp);
	synq_protect_bpf__destroy(c->skel);
	synq_pass_bpf__destroy(c->pass);
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

static int check_attach(struct attach_ctx *c)
{
	const char *iface = c->o->iface;
	int err;

	if (!cap_held(CAP_BPF) || !cap_held(CAP_NET_ADMIN) || !cap_held(CAP_SYS_ADMIN)) {
		synq_err("attach %s: needs root (CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN)", iface);
		return -EPERM;
	}
	c->ifindex = if_nametoindex(iface);
	if (!c->ifindex) {
		synq_err("attach %s: no such interface in this network namespace (ip link lists "
			 "them; synq -n NAME attach ... works inside another one)", iface);
		return -ENODEV;
	}
	if (is_attached(iface) && !c->o->replace) {
		synq_err("attach %s: synq is already attached to %s (synq detach %s removes it; "
			 "attach --replace swaps it)", iface, iface, iface);
		return -EEXIST;
	}
	err = iface_mtu(iface, &c->mtu);
	if (err) {
		synq_err("attach %s: cannot read the MTU: %s", iface, strerror(-err));
		return err;
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

static int run_steps(struct attach_ctx *c)
{
	int err;

	err = c->o->pass_only ? load_pass(c) : load_protect(c);
	if (err || interrupted())
		return err ?: -EINTR;
	if (c->o->replace && is_attached(c->o->iface)) {
		err = loader_detach(c->o->iface);
		if (err)
			return err;
	}
	err = check_xdp_free(c) ?: make_pin_dir(c);
	if (err || interrupted())
		return err ?: -EINTR;
	err = attach_xdp(c);
	if (err || interrupted())
		return err ?: -EINTR;
	if (!c->o->pass_only) {
		err = attach_tc(c);
		if (err || interrupted())
			return err ?: -EINTR;
		seed_closing(c);
	}
	err = pin_all(c);
	if (err || interrupted())
		return err ?: -EINTR;
	return 0;
}

int loader_attach(const struct attach_opts *opts)
{
	struct attach_ctx c = { .o = opts };
	sigset_t hold, old;
	int err;

	sigemptyset(&hold);
	sigaddset(&hold, SIGINT);
	sigaddset(&hold, SIGTERM);
	sigaddset(&hold, SIGHUP);
	sigprocmask(SIG_BLOCK, &hold, &old);
	err = check_attach(&c);
	if (!err && !opts->pass_only)
		err = prepare_keys(&c);
	if (!err)
		err = run_steps(&c);
	if (err) {
		unwind(&c);
		if (err == -EINTR)
			synq_err("attach %s: interrupted; everything it had done is undone",
				 opts->iface);
	} else if (!opts->pass_only) {
		warn_veth_peer(&c);
	}
	release(&c);
	/* A signal that arrived after the last step ends us here, with the work kept. */
	sigprocmask(SIG_SETMASK, &old, NULL);
	return err;
}

/* ---- detach ---- */

static int xdp_remove(const struct pinned *p)
{
	struct xdp_program *prog;
	enum xdp_attach_mode mode;
	int err;

	if (!p->ifindex || !p->xdp_attached_id || p->xdp_attached_id != p->xdp_prog_id)
		return 0;	/* gone, or someone else's program by now: leave it */
	prog = xdp_program__from_id(p->xdp_prog_id);
	err = libxdp_get_error(prog);
	if (err)
		return err;
	mode = !strcmp(p->xdp_mode, "generic") ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	err = xdp_program__detach(prog, p->ifindex, mode, 0);
	xdp_program__close(prog);
	return err;
}

int loader_detach(const char *iface)
{
	struct pinned p;
	int err;

	err = pinned_open(iface, &p);
	if (err == -EPERM || err == -EACCES) {
		synq_err("detach %s: cannot open synq's pins: %s (run as root)", iface,
			 strerror(-err));
		return err;
	}
	if (err == -ENOENT && !is_attached(iface)) {
		synq_err("detach %s: synq is not attached to %s in this network namespace",
			 iface, iface);
		return -ENOENT;
	}
	/* A damaged pin directory (-EBADF) is still cleaned up below. */
	err = xdp_remove(&p);
	if (err)
		synq_err("detach %s: cannot remove the XDP program: %s", iface, strerror(-err));
	if (p.ifindex && !p.pass_only)
		tc_remove(p.ifindex, pin_exists(iface, "owns_clsact"));
	pinned_close(&p);
	remove_pins(iface);
	return err;
}
