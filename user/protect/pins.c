// SPDX-License-Identifier: GPL-2.0
/*
 * What `synq attach` pins, found again by `status`, `key`, `detach`, `watch`
 * and `top` (the layout is in pins.h), and the small map accessors they share.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "system/array.h"
#include "cli/cli.h"
#include "cli/json.h"
#include "protect/pins.h"
#include "observe/counters.h"
#include "protect/protect_parse.h"
#include "system/system.h"

/* 32 hex digits and white space around them (a newline, CRLF): more is not a key. */
#define KEY_FILE_MAX 64

#define PERCPU_U64(n) BPF_MAP_TYPE_PERCPU_ARRAY, 4, sizeof(uint64_t), (n)

const struct pin_object pin_objects[] = {
	{ "synq_config", PIN_MAP, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct synq_config), 1,
	  "MSS, window scale, TTL, allowed options, current key slot" },
	{ "synq_keys", PIN_MAP, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct synq_key), 2,
	  "the current and the previous SipHash key" },
	{ "synq_ports", PIN_MAP, BPF_MAP_TYPE_ARRAY, 4, 1, SYNQ_PORTS,
	  "nonzero = protected, by host-order port" },
	{ "synq_stats", PIN_MAP, PERCPU_U64(SYNQ_COUNTER_MAX),
	  "the counters, by enum synq_counter" },
	{ "synq_handoff_errors", PIN_MAP, PERCPU_U64(SYNQ_ERRNO_MAX),
	  "handoff failures, by errno" },
	{ "synq_malformed", PIN_MAP, PERCPU_U64(SYNQ_MALFORMED_MAX),
	  "malformed packets, by reason" },
	{ "synq_closing", PIN_MAP, 0, 0, 0, 0,
	  "internal: tuples seen closing, for TIME_WAIT SYNs" },
	{ "synq_handoffs", PIN_MAP, 0, 0, 0, 0,
	  "internal: handshakes just handed off (50 ms)" },
	{ "synq_listener_slots", PIN_MAP, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct synq_listener_slot),
	  SYNQ_LISTENER_SLOTS,
	  "each listener's queues, sysctls and --mode auto state, refreshed once a jiffy; "
	  "one slot per listener, found without a hash" },
	{ "synq_listeners", PIN_MAP, BPF_MAP_TYPE_LRU_HASH, sizeof(struct synq_listener_key),
	  sizeof(struct synq_listener_view), 4096,
	  "the same, for listeners whose slot another listener holds" },
	{ "synq_time_cache", PIN_MAP, 0, 0, 0, 0,
	  "internal: the cookie clock, read once per SYN" },
	{ "synq_csum_scratch", PIN_MAP, 0, 0, 0, 0,
	  "internal: where SYN payload is checksummed" },
	{ "synq_xdp", PIN_PROG, 0, 0, 0, 0,
	  "the XDP program" },
	{ "synq_tc", PIN_PROG, 0, 0, 0, 0,
	  "the TC ingress program" },
	{ "synq_pass", PIN_PROG, 0, 0, 0, 0,
	  "instead of synq_xdp, synq_tc and the maps, after attach --pass-only" },
	{ "link_tc", PIN_LINK, 0, 0, 0, 0,
	  "the TCX ingress link that runs synq_tc (pinned before link_xdp)" },
	{ "link_xdp", PIN_LINK, 0, 0, 0, 0,
	  "the XDP link that runs synq_xdp or synq_pass; pinned last: its pin marks a "
	  "complete attach" },
};
const size_t pin_objects_n = sizeof(pin_objects) / sizeof(pin_objects[0]);

const struct pin_object *pin_object_find(const char *name)
{
	for (size_t i = 0; i < pin_objects_n; i++)
		if (!strcmp(pin_objects[i].name, name))
			return &pin_objects[i];
	return NULL;
}

/* ---- paths ---- */

static int fmt_ok(int n, size_t len)
{
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int pin_dir(char *buf, size_t len, int ifindex)
{
	if (!ifindex)
		return fmt_ok(snprintf(buf, len, SYNQ_PIN_ROOT "/" PIN_NETNS "%" PRIu64,
				       netns_cookie()), len);
	return fmt_ok(snprintf(buf, len, SYNQ_PIN_ROOT "/" PIN_NETNS "%" PRIu64 "/" PIN_IF "%d",
			       netns_cookie(), ifindex), len);
}

int pin_staging_dir(char *buf, size_t len, int ifindex)
{
	return fmt_ok(snprintf(buf, len, SYNQ_PIN_ROOT "/" PIN_NETNS "%" PRIu64 "/" PIN_IF "%d"
			       PIN_STAGING, netns_cookie(), ifindex), len);
}

int pin_path(char *buf, size_t len, int ifindex, const char *name)
{
	char dir[256];

	if (pin_dir(dir, sizeof(dir), ifindex))
		return -ENAMETOOLONG;
	return fmt_ok(snprintf(buf, len, "%s/%s", dir, name), len);
}

bool is_attached(int ifindex)
{
	char dir[256];
	struct stat st;

	return ifindex && !pin_dir(dir, sizeof(dir), ifindex) && !lstat(dir, &st);
}

/* ---- synq's directories: made by root, 0700, or not trusted ---- */

/*
 * bpffs is mode 1777: anyone may create /sys/fs/bpf/synq first. Trust a
 * directory only if it is one (not a symlink), root's, and closed to others.
 */
static int check_private_dir(const char *verb, const char *dir, bool create)
{
	struct passwd *pw;
	struct stat st;

	if (create && mkdir(dir, 0700) && errno != EEXIST) {
		int err = -errno;

		synq_err("%s: cannot create %s: %s", verb, dir, strerror(errno));
		return err;
	}
	if (lstat(dir, &st))
		return -errno;
	if (S_ISDIR(st.st_mode) && st.st_uid == 0 && !(st.st_mode & 077))
		return 0;
	pw = getpwuid(st.st_uid);
	synq_err("%s: refusing %s: a %s owned by %s (uid %u), mode %04o, that synq did not "
		 "create; synq trusts only a root-owned 0700 directory (remove it: rm -r %s)",
		 verb, dir, S_ISDIR(st.st_mode) ? "directory" : S_ISLNK(st.st_mode) ?
		 "symlink" : "file", pw ? pw->pw_name : "?", st.st_uid,
		 st.st_mode & 07777, dir);
	return -EPERM;
}

/*
 * The root and this namespace's directory are trusted (made when create).
 * -ENOENT when one is missing and not to be made.
 */
static int pin_dirs_trusted(const char *verb, bool create)
{
	char ns_dir[256];
	int err;

	if (pin_dir(ns_dir, sizeof(ns_dir), 0))
		return -ENAMETOOLONG;
	err = check_private_dir(verb, SYNQ_PIN_ROOT, create);
	if (!err)
		err = check_private_dir(verb, ns_dir, create);
	return err;
}

int pin_dir_make(const char *dir)
{
	return mkdir(dir, 0700) ? -errno : 0;
}

void remove_pin_dir(const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d;

	/* Everything in it, listed or not: an older synq may have pinned more. */
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) && rmdir(path))
			synq_err("cannot remove %s: %s", path, strerror(errno));
	}
	if (d)
		closedir(d);
	if (rmdir(dir) && errno != ENOENT)
		synq_err("cannot remove %s: %s", dir, strerror(errno));
}

/* A pinned object's fd, or -errno. */
static int obj_get(const char *dir, const char *name)
{
	char path[512];
	int fd;

	if (fmt_ok(snprintf(path, sizeof(path), "%s/%s", dir, name), sizeof(path)))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

/*
 * Detach the links pinned in dir, XDP before TC, whoever else holds them, then
 * remove dir. Unpinning alone would free them in the order of the directory's
 * entries, and a live device could run XDP without TC for a moment.
 */
static void detach_pin_dir(const char *dir)
{
	static const char *const links[] = { "link_xdp", "link_tc" };

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		int fd = obj_get(dir, links[i]);

		if (fd >= 0) {
			bpf_link_detach(fd);
			close(fd);
		}
	}
	remove_pin_dir(dir);
}

void detach_pins(int ifindex)
{
	char dir[256];

	if (pin_dir(dir, sizeof(dir), ifindex))
		return;
	detach_pin_dir(dir);
	/* These fail while other interfaces or namespaces are attached: fine. */
	if (!pin_dir(dir, sizeof(dir), 0))
		rmdir(dir);
	rmdir(SYNQ_PIN_ROOT);
}

static int pin_get(int ifindex, const char *name)
{
	char dir[256];

	if (pin_dir(dir, sizeof(dir), ifindex))
		return -ENAMETOOLONG;
	return obj_get(dir, name);
}

/*
 * What a link runs and where: XDP and TCX links report the ifindex first in
 * the same place of bpf_link_info (Debian's headers predate TCX), and 0 once
 * the device is gone or the link was detached.
 */
int link_query(int fd, struct link_state *l)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	memset(l, 0, sizeof(*l));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	l->id = info.id;
	l->prog_id = info.prog_id;
	l->ifindex = info.xdp.ifindex;
	return 0;
}

uint32_t prog_id_of(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) ? info.id : 0;
}

/* Does the device at ifindex in this namespace run XDP program prog_id, in any mode? */
static bool dev_runs_prog(int ifindex, uint32_t prog_id)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (!ifindex || !prog_id || bpf_xdp_query(ifindex, 0, &q))
		return false;
	return q.prog_id == prog_id || q.drv_prog_id == prog_id || q.skb_prog_id == prog_id ||
	       q.hw_prog_id == prog_id;
}

/* ---- clean-up of what an interrupted synq or a vanished interface left ---- */

/* Make the link in dir run the program pinned next to it, if it runs another one. */
static void link_follow_pin(const char *dir, const char *link, const char *prog)
{
	int lfd = obj_get(dir, link), pfd = obj_get(dir, prog);
	struct link_state l;

	if (lfd >= 0 && pfd >= 0 && !link_query(lfd, &l) && l.prog_id != prog_id_of(pfd) &&
	    bpf_link_update(lfd, pfd, NULL))
		synq_err("%s/%s: cannot put %s back: %s", dir, link, prog, strerror(errno));
	if (lfd >= 0)
		close(lfd);
	if (pfd >= 0)
		close(pfd);
}

/*
 * Did the device of netns-<ns_cookie>/if-<ifindex> leave that namespace? A device
 * moved to another one takes synq's links along (the kernel detaches neither),
 * so the link still reports a device, but not that one: in the pins' namespace
 * the ifindex no longer runs the link's program; in the namespace it went to,
 * the link's ifindex does. A synq in any third namespace cannot tell.
 */
static bool link_moved(uint64_t ns_cookie, int ifindex, const struct link_state *l)
{
	if (ns_cookie == netns_cookie())
		return l->ifindex != ifindex || !dev_runs_prog(ifindex, l->prog_id);
	return dev_runs_prog(l->ifindex, l->prog_id);
}

/*
 * One entry of a namespace's directory. An "if-N_new" directory is a replace that
 * did not finish: dropped, and the links run what the pins hold again. No
 * link_xdp, or one whose device is gone: the attach was interrupted, or the
 * interface (or its namespace) was deleted; removing the pins frees the links,
 * programs and maps. A device moved to another namespace: its links are
 * detached as detach does, then the pins go. Returns 1 when it removed something.
 */
static int sweep_one(const char *ns_dir, uint64_t ns_cookie, const char *name)
{
	char dir[512], *end;
	struct link_state l = {};
	long ifindex;
	int fd;

	if (fmt_ok(snprintf(dir, sizeof(dir), "%s/%s", ns_dir, name), sizeof(dir)))
		return 0;
	if (strncmp(name, PIN_IF, strlen(PIN_IF)))
		return 0;	/* not synq's layout (an older synq's): left alone */
	if (strstr(name, PIN_STAGING)) {
		remove_pin_dir(dir);
		return 1;
	}
	ifindex = strtol(name + strlen(PIN_IF), &end, 10);
	fd = obj_get(dir, "link_xdp");
	if (fd >= 0 && !link_query(fd, &l) && l.ifindex && !*end &&
	    link_moved(ns_cookie, ifindex, &l)) {
		close(fd);
		synq_err("removed %s: its device moved to another network namespace; synq does "
			 "not follow it there (synq -n NEW_NS attach ... protects it again)", dir);
		detach_pin_dir(dir);
		return 1;
	}
	if (fd >= 0 && l.ifindex) {
		close(fd);
		link_follow_pin(dir, "link_tc", "synq_tc");
		link_follow_pin(dir, "link_xdp", "synq_xdp");
		return 0;
	}
	if (fd >= 0)
		close(fd);
	synq_err("removed %s: %s", dir, fd == -ENOENT ? "left by an attach or detach that was "
		 "interrupted" : "its interface or network namespace is gone");
	remove_pin_dir(dir);
	return 1;
}

static void sweep_ns(const char *ns_dir, uint64_t ns_cookie)
{
	struct dirent *de;
	DIR *d = opendir(ns_dir);

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			sweep_one(ns_dir, ns_cookie, de->d_name);
	if (d)
		closedir(d);
	rmdir(ns_dir);	/* when it is empty now */
}

static void sweep_all(void)
{
	char ns_dir[512];
	struct dirent *de;
	DIR *d = opendir(SYNQ_PIN_ROOT);

	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, PIN_NETNS, strlen(PIN_NETNS)))
			continue;
		snprintf(ns_dir, sizeof(ns_dir), SYNQ_PIN_ROOT "/%s", de->d_name);
		sweep_ns(ns_dir, strtoull(de->d_name + strlen(PIN_NETNS), NULL, 10));
	}
	if (d)
		closedir(d);
}

static int lock_fd = -1;

void pins_end(void)
{
	char ns_dir[256];

	if (lock_fd < 0)
		return;
	/*
	 * Still under the lock: leave no empty directory behind (a refused or
	 * undone attach makes them). rmdir fails, harmlessly, on one in use.
	 */
	if (!pin_dir(ns_dir, sizeof(ns_dir), 0))
		rmdir(ns_dir);
	rmdir(SYNQ_PIN_ROOT);
	close(lock_fd);
	lock_fd = -1;
}

/*
 * Lock the root; 0, or -errno. The holder before us may have removed the root
 * (pins_end) while we waited: a lock on a removed directory guards nothing,
 * so then start again on the root that exists now.
 */
static int lock_root(const char *verb, bool create)
{
	struct stat locked, now;
	int err;

	for (;;) {
		err = check_private_dir(verb, SYNQ_PIN_ROOT, create);
		if (err)
			return err;
		lock_fd = open(SYNQ_PIN_ROOT, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (lock_fd < 0 || flock(lock_fd, LOCK_EX)) {
			err = -errno;
			synq_err("%s: cannot lock %s: %s", verb, SYNQ_PIN_ROOT, strerror(errno));
			return err;
		}
		if (!fstat(lock_fd, &locked) && !lstat(SYNQ_PIN_ROOT, &now) &&
		    locked.st_ino == now.st_ino && locked.st_dev == now.st_dev)
			return 0;
		close(lock_fd);
		lock_fd = -1;
	}
}

int pins_begin(const char *verb, bool create)
{
	static bool at_exit_set;
	int err;

	if (lock_fd >= 0)
		return 0;
	err = ensure_bpffs();
	if (err)
		return err;
	/*
	 * The root alone: the sweep covers every namespace, also when this one has
	 * no pins. Held until pins_end() at exit: one synq at a time changes pins;
	 * a kill releases it (and leaves at most empty directories, which the next
	 * synq's pins_end() removes).
	 */
	err = lock_root(verb, create);
	if (err == -ENOENT)
		return 0;	/* nothing pinned anywhere, and nothing to make */
	if (err)
		return err;
	if (!at_exit_set)
		at_exit_set = !atexit(pins_end);
	sweep_all();
	err = pin_dirs_trusted(verb, create);
	return err == -ENOENT ? 0 : err;
}

/* ---- reading what is pinned ---- */

/*
 * A pinned map's fd once it is what pin_objects[] says it is (-EPROTO if not),
 * its ID into *id when id is not NULL; or -errno.
 */
static int map_get(int ifindex, const char *name, uint32_t *id)
{
	const struct pin_object *o = pin_object_find(name);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = pin_get(ifindex, name), err = 0;

	if (fd < 0)
		return fd;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = -errno;
	else if (info.type != o->map_type || info.key_size != o->key_size ||
		 info.value_size != o->value_size || info.max_entries != o->max_entries)
		err = -EPROTO;
	if (err) {
		synq_debug("ifindex %d: pinned %s: type %u key %u value %u entries %u, expected "
			   "%u %u %u %u", ifindex, name, info.type, info.key_size,
			   info.value_size, info.max_entries, o->map_type, o->key_size,
			   o->value_size, o->max_entries);
		close(fd);
		return err;
	}
	if (id)
		*id = info.id;
	return fd;
}

static const char *xdp_mode_name(__u8 attach_mode)
{
	switch (attach_mode) {
	case XDP_ATTACHED_DRV: return "native";
	case XDP_ATTACHED_SKB: return "generic";
	case XDP_ATTACHED_HW: return "offload";
	case XDP_ATTACHED_MULTI: return "multi";
	default: return "none";
	}
}

/* What the interface runs now: its XDP program id and mode (netlink). */
static void xdp_query(struct pinned *p)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	p->xdp_attached_id = 0;
	p->xdp_mode = "none";
	if (!p->ifindex || bpf_xdp_query(p->ifindex, 0, &q))
		return;
	p->xdp_attached_id = q.prog_id;
	p->xdp_mode = xdp_mode_name(q.attach_mode);
}

static void pinned_init(struct pinned *p)
{
	memset(p, 0, sizeof(*p));
	p->config_fd = p->keys_fd = p->ports_fd = p->stats_fd = p->errors_fd = -1;
	p->malformed_fd = -1;
	p->xdp_mode = "none";
}

/* 0 when every fd is one; else -EPROTO for a wrong map, -EBADF for a missing pin. */
static int open_result(int a, int b, int c, int d, int e, int f)
{
	int fds[] = { a, b, c, d, e, f }, err = 0;

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] == -EPROTO)
			return -EPROTO;
		else if (fds[i] < 0)
			err = -EBADF;	/* a damaged pin directory: detach cleans it */
	return err;
}

/*
 * The pinned XDP link must still run on this ifindex of this namespace: the
 * device at ifindex runs the link's program. Anything else (a device moved to
 * another namespace, a detached link) is not ours to act on: -ESTALE.
 */
static int check_identity(struct pinned *p)
{
	struct link_state l;
	int fd = pin_get(p->ifindex, "link_xdp"), err;

	if (fd < 0)
		return fd == -ENOENT ? -EBADF : fd;
	err = link_query(fd, &l);
	close(fd);
	if (err)
		return err;
	p->xdp_prog_id = l.prog_id;
	xdp_query(p);
	return l.ifindex == p->ifindex && dev_runs_prog(p->ifindex, l.prog_id) ? 0 : -ESTALE;
}

int pinned_open(const char *iface, struct pinned *p)
{
	struct synq_config cfg;
	int fd, err;

	pinned_init(p);
	if (!iface_name_valid(iface))
		return -EINVAL;
	snprintf(p->iface, sizeof(p->iface), "%s", iface);
	p->ifindex = if_nametoindex(iface);
	if (!p->ifindex || !is_attached(p->ifindex))
		return -ENOENT;
	fd = pin_get(p->ifindex, "synq_pass");
	p->pass_only = fd >= 0;
	if (fd >= 0)
		close(fd);
	err = check_identity(p);
	if (err || p->pass_only)
		return err;
	p->config_fd = map_get(p->ifindex, "synq_config", NULL);
	p->keys_fd = map_get(p->ifindex, "synq_keys", NULL);
	p->ports_fd = map_get(p->ifindex, "synq_ports", NULL);
	p->stats_fd = map_get(p->ifindex, "synq_stats", &p->stats_map_id);
	p->errors_fd = map_get(p->ifindex, "synq_handoff_errors", NULL);
	p->malformed_fd = map_get(p->ifindex, "synq_malformed", NULL);
	fd = open_result(p->config_fd, p->keys_fd, p->ports_fd, p->stats_fd, p->errors_fd,
			 p->malformed_fd == -ENOENT ? 0 : p->malformed_fd);
	if (fd) {
		pinned_close(p);
		return fd;
	}
	/* The mode is fixed for the life of the pins (--replace pins anew). */
	if (!config_read(p, &cfg))
		p->mode_always = cfg.mode == SYNQ_MODE_ALWAYS;
	return 0;
}

const char *pinned_error_hint(int err)
{
	switch (err) {
	case -EBADF:
		return " (damaged pins: synq detach cleans up)";
	case -EPROTO:
		return " (pinned by another synq version: synq detach, then attach again)";
	case -ESTALE:
		return " (the interface no longer runs synq's link: moved to another namespace, "
		       "or its XDP program was replaced behind synq's back)";
	case -EPERM:
	case -EACCES:
		return " (run as root)";
	default:
		return "";
	}
}

void pinned_close(struct pinned *p)
{
	int *fds[] = { &p->config_fd, &p->keys_fd, &p->ports_fd, &p->stats_fd, &p->errors_fd,
		       &p->malformed_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The interface name of an entry of dir, or NULL (staging, moved away, not ours). */
static const char *entry_iface(const char *dir, const char *entry, char *name)
{
	char *end;
	long ifindex;

	if (strncmp(entry, PIN_IF, strlen(PIN_IF)))
		return NULL;
	ifindex = strtol(entry + strlen(PIN_IF), &end, 10);
	if (*end || ifindex <= 0 || ifindex > INT32_MAX)
		return NULL;
	if (!if_indextoname(ifindex, name)) {
		/* Gone since the sweep (pins_begin): the next synq removes these pins. */
		synq_err("%s/%s: the device of ifindex %ld left this network namespace just now",
			 dir, entry, ifindex);
		return NULL;
	}
	return name;
}

int pinned_each(int (*fn)(const char *iface, void *arg), void *arg)
{
	char dir[256], ifname[IF_NAMESIZE], **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int err;
	DIR *d;

	err = pin_dirs_trusted("synq", false);
	if (err)
		return err == -ENOENT ? 0 : err;
	if (pin_dir(dir, sizeof(dir), 0))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	/* Every interface: a list cut short would hide some from status. */
	while (!err && (de = readdir(d))) {
		if (!entry_iface(dir, de->d_name, ifname))
			continue;
		err = array_reserve(&names, n, &cap, sizeof(*names), 64);
		if (err)
			break;
		names[n] = strdup(ifname);
		if (!names[n])
			err = -ENOMEM;
		else
			n++;
	}
	closedir(d);
	if (!err)
		qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (!err)
			err = fn(names[i], arg);
		free(names[i]);
	}
	free(names);
	return err ? err : (int)n;
}

static int map_rw(int fd, uint32_t idx, void *val, bool write)
{
	int err = write ? bpf_map_update_elem(fd, &idx, val, BPF_ANY)
			: bpf_map_lookup_elem(fd, &idx, val);

	return err ? -errno : 0;
}

/* The views in synq_listener_slots: the owned slots, read in batches. */
static int each_listener_slot(const struct pinned *p, listener_fn *fn, void *arg)
{
	enum { BATCH = 256 };
	struct synq_listener_slot *slots = calloc(BATCH, sizeof(*slots));
	int fd = map_get(p->ifindex, "synq_listener_slots", NULL), err = 0;
	__u32 keys[BATCH], next = 0, n;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	void *in = NULL;

	if (fd < 0 || !slots) {
		free(slots);
		return fd < 0 ? (fd == -ENOENT ? 0 : fd) : -ENOMEM;	/* older pins have none */
	}
	do {
		n = BATCH;
		if (bpf_map_lookup_batch(fd, in, &next, keys, slots, &n, &opts) && errno != ENOENT)
			err = -errno;
		for (__u32 i = 0; i < n && !err; i++)
			if (slots[i].owner == SYNQ_SLOT_OWNED)
				err = fn(&slots[i].key, &slots[i].view, arg);
		in = &next;
	} while (!err && n == BATCH);
	free(slots);
	close(fd);
	return err;
}

int pins_each_listener(const struct pinned *p, listener_fn *fn, void *arg)
{
	struct synq_listener_key key, next;
	struct synq_listener_view view;
	int fd, err = each_listener_slot(p, fn, arg);
	void *prev = NULL;

	if (err)
		return err;
	fd = map_get(p->ifindex, "synq_listeners", NULL);
	if (fd < 0)
		return fd;
	while (!err && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, &view))
			err = fn(&key, &view, arg);
	}
	close(fd);
	return err;
}

int config_read(const struct pinned *p, struct synq_config *cfg)
{
	return map_rw(p->config_fd, 0, cfg, false);
}

int config_write(const struct pinned *p, const struct synq_config *cfg)
{
	return map_rw(p->config_fd, 0, (void *)cfg, true);
}

int key_read(const struct pinned *p, unsigned int slot, struct synq_key *key)
{
	return map_rw(p->keys_fd, slot & 1, key, false);
}

int key_write(const struct pinned *p, unsigned int slot, const struct synq_key *key)
{
	return map_rw(p->keys_fd, slot & 1, (void *)key, true);
}

int ports_read(const struct pinned *p, uint8_t *ports)
{
	static uint32_t keys[SYNQ_PORTS];
	__u32 count = SYNQ_PORTS, out = 0;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	for (uint32_t i = 0; i < SYNQ_PORTS; i++)
		keys[i] = i;
	/* One batch call for 64 Ki entries; element by element if the kernel lacks it. */
	if (!bpf_map_lookup_batch(p->ports_fd, NULL, &out, keys, ports, &count, &opts) ||
	    (errno == ENOENT && count == SYNQ_PORTS))
		return 0;
	for (uint32_t i = 0; i < SYNQ_PORTS; i++)
		if (map_rw(p->ports_fd, i, &ports[i], false))
			return -errno;
	return 0;
}

int key_random(struct synq_key *key)
{
	ssize_t n = getrandom(key, sizeof(*key), 0);

	return n == (ssize_t)sizeof(*key) ? 0 : -EIO;
}

/* A key file is a small regular file: one line naming what is wrong. */
static int key_file_check(const char *verb, const char *path, const struct stat *st)
{
	if (!S_ISREG(st->st_mode)) {
		synq_err("%s: --key-file %s: not a regular file", verb, path);
		return -EINVAL;
	}
	if (st->st_size > KEY_FILE_MAX) {
		synq_err("%s: --key-file %s: not a key (%lld bytes; it must hold 32 hex digits)",
			 verb, path, (long long)st->st_size);
		return -EINVAL;
	}
	return 0;
}

/* Like ssh: a key others could read or change is refused, not merely warned about. */
static int key_file_rights(const char *verb, const char *path, const struct stat *st)
{
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		synq_err("%s: --key-file %s: refused: owned by uid %u, who could change the key "
			 "(chown root it)", verb, path, st->st_uid);
		return -EPERM;
	}
	if (st->st_mode & 044) {
		synq_err("%s: --key-file %s: refused: readable by %s (chmod 600 it)", verb, path,
			 st->st_mode & 004 ? "everyone" : "its group");
		return -EPERM;
	}
	return 0;
}

int key_load_file(const char *verb, const char *path, struct synq_key *key)
{
	char buf[KEY_FILE_MAX + 1];
	struct stat st;
	ssize_t n = -1;
	int fd, err;

	/* O_NONBLOCK: a FIFO must not hang us before fstat() says it is not a file. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		err = -errno;
		synq_err("%s: --key-file %s: %s", verb, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return err;
	}
	err = key_file_check(verb, path, &st);
	if (!err) {
		n = read(fd, buf, sizeof(buf) - 1);
		err = n < 0 ? -errno : 0;
		if (err)
			synq_err("%s: --key-file %s: %s", verb, path, strerror(-err));
	}
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	if (key_parse_hex(buf, key)) {
		synq_err("%s: --key-file %s: not a key (it must hold 32 hex digits)", verb, path);
		return -EINVAL;
	}
	if (!key->k0 && !key->k1) {
		synq_err("%s: --key-file %s: refused: the key is all zeros", verb, path);
		return -EINVAL;
	}
	return key_file_rights(verb, path, &st);
}

/* ---- the counters ---- */

const char *const protect_counter_names[] = SYNQ_COUNTER_NAMES;
const char *const protect_malformed_names[] = SYNQ_MALFORMED_NAMES;
/* Unsized above, so that a value without a name fails the build here. */
_Static_assert(sizeof(protect_counter_names) / sizeof(protect_counter_names[0]) ==
	       SYNQ_COUNTER_MAX, "a counter lacks a name");
_Static_assert(sizeof(protect_malformed_names) / sizeof(protect_malformed_names[0]) ==
	       SYNQ_MALFORMED_MAX, "a malformed reason lacks a name");

const char *protect_errno_name(int e)
{
	const char *n = e ? strerrorname_np(e) : NULL;

	return n ? n : "other";
}

/* All n entries of a per-CPU u64 array map, each summed over the CPUs. */
static int read_percpu(int fd, unsigned int n, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;
	int err = 0;

	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (__u32 i = 0; i < n && !err; i++) {
		if (bpf_map_lookup_elem(fd, &i, vals))
			err = -errno;
		else
			out[i] = counter_percpu_sum(vals, ncpu);
	}
	free(vals);
	return err;
}

/* ---- one listener's --mode auto state ---- */

const char *const protect_listener_states[2] = {
	[SYNQ_LISTENER_KERNEL] = "kernel",
	[SYNQ_LISTENER_COOKIES] = "cookies",
};

void protect_listener_of(const struct synq_listener_key *key, const struct synq_listener_view *v,
			 double now_ns, bool always, struct protect_listener *l)
{
	double in_state = (now_ns - (double)v->state_ns) / 1e9;

	memset(l, 0, sizeof(*l));
	l->key = *key;
	l->state = v->state & 1;
	l->transitions = v->transitions;
	/* The view was made after now was read: nothing spent in it yet. */
	l->state_seconds = in_state > 0 ? in_state : 0;
	l->seconds[0] = v->time_ns[0] / 1e9;
	l->seconds[1] = v->time_ns[1] / 1e9;
	l->seconds[l->state] += l->state_seconds;
	/*
	 * --mode always runs no state machine (the view stays "kernel"), and synq
	 * answers every SYN: the listener has been on cookies all along.
	 */
	if (always) {
		l->state = SYNQ_LISTENER_COOKIES;
		l->transitions = 0;
		l->seconds[SYNQ_LISTENER_COOKIES] += l->seconds[SYNQ_LISTENER_KERNEL];
		l->seconds[SYNQ_LISTENER_KERNEL] = 0;
		l->state_seconds = l->seconds[SYNQ_LISTENER_COOKIES];
	}
	l->accept_queue = v->accept_queue;
	l->accept_limit = v->accept_max + 1;	/* what it holds when full */
	l->syn_queue = v->syn_queue;
}

void protect_listener_addr(const struct protect_listener *l, char *buf, size_t len)
{
	addr_port_str(l->key.ipv6 ? AF_INET6 : AF_INET, l->key.addr, ntohs(l->key.port), buf, len);
}

void protect_listener_json(struct json *j, const struct protect_listener *l)
{
	char addr[64];

	protect_listener_addr(l, addr, sizeof(addr));
	json_object_open(j, NULL);
	json_string(j, "listener", addr);
	json_string(j, "state", protect_listener_states[l->state]);
	json_double(j, "state_seconds", l->state_seconds, 3);
	json_u64(j, "transitions", l->transitions);
	json_double(j, "kernel_seconds", l->seconds[SYNQ_LISTENER_KERNEL], 3);
	json_double(j, "cookies_seconds", l->seconds[SYNQ_LISTENER_COOKIES], 3);
	json_u64(j, "accept_queue", l->accept_queue);
	json_u64(j, "accept_queue_max", l->accept_limit);
	json_u64(j, "syn_queue", l->syn_queue);
	json_object_close(j);
}

void protect_listener_text(FILE *out, const struct protect_listener *l)
{
	char addr[64];

	protect_listener_addr(l, addr, sizeof(addr));
	fprintf(out, "  listener %-24s %-7s %8.1f s  transitions %u  kernel %.1f s  cookies %.1f s"
		"  accept queue %u/%u  SYN queue %u\n", addr, protect_listener_states[l->state],
		l->state_seconds, l->transitions, l->seconds[SYNQ_LISTENER_KERNEL],
		l->seconds[SYNQ_LISTENER_COOKIES], l->accept_queue, l->accept_limit, l->syn_queue);
}

struct listener_count {
	struct protect_sample *s;
	bool always;		/* --mode always: every listener is on cookies */
};

static int count_listener(const struct synq_listener_key *key,
			  const struct synq_listener_view *view, void *arg)
{
	struct listener_count *c = arg;

	(void)key;
	if (view->listening)
		c->s->listeners[c->always ? SYNQ_LISTENER_COOKIES : view->state & 1]++;
	return 0;
}

int pins_read_counters(const struct pinned *p, struct protect_sample *s)
{
	struct listener_count c = { .s = s, .always = p->mode_always };

	memset(s, 0, sizeof(*s));
	if (p->pass_only)
		return 0;
	s->map_id = p->stats_map_id;
	pins_each_listener(p, count_listener, &c);	/* older pins have none: 0 */
	return read_percpu(p->stats_fd, SYNQ_COUNTER_MAX, s->ctr) ?:
	       read_percpu(p->errors_fd, SYNQ_ERRNO_MAX, s->err) ?:
	       (p->malformed_fd < 0 ? 0 : read_percpu(p->malformed_fd, SYNQ_MALFORMED_MAX, s->mal));
}

bool protect_sample_restarted(const struct protect_sample *prev, const struct protect_sample *cur)
{
	return prev->map_id != cur->map_id;
}

/* The nonzero entries of vals[n] (as grown since base when base is not NULL). */
static void json_nonzero(struct json *j, const char *key, const uint64_t *base,
			 const uint64_t *vals, int n, bool restarted, const char *(*name)(int))
{
	json_object_open(j, key);
	for (int i = 0; i < n; i++) {
		uint64_t v = base ? counter_delta(base[i], vals[i], restarted) : vals[i];

		if (v)
			json_u64(j, name(i), v);
	}
	json_object_close(j);
}

static const char *malformed_name(int m)
{
	return protect_malformed_names[m];
}

void protect_sample_json(struct json *j, const struct protect_sample *base,
			 const struct protect_sample *prev, const struct protect_sample *cur,
			 double secs)
{
	bool base_restarted = base && protect_sample_restarted(base, cur);
	bool prev_restarted = prev && protect_sample_restarted(prev, cur);

	json_u64(j, "map_id", cur->map_id);
	json_object_open(j, "counters");
	for (int i = 0; i < SYNQ_COUNTER_MAX; i++)
		json_u64(j, protect_counter_names[i],
			 base ? counter_delta(base->ctr[i], cur->ctr[i], base_restarted)
			      : cur->ctr[i]);
	json_object_close(j);
	if (prev) {
		json_object_open(j, "rates");
		for (int i = 0; i < SYNQ_COUNTER_MAX; i++)
			json_double(j, protect_counter_names[i],
				    counter_rate(prev->ctr[i], cur->ctr[i], prev_restarted, secs), 3);
		json_object_close(j);
	}
	json_nonzero(j, "handoff_errors", base ? base->err : NULL, cur->err, SYNQ_ERRNO_MAX,
		     base_restarted, protect_errno_name);
	json_nonzero(j, "malformed", base ? base->mal : NULL, cur->mal, SYNQ_MALFORMED_MAX,
		     base_restarted, malformed_name);
	json_object_open(j, "listener_states");
	json_u64(j, "kernel", cur->listeners[SYNQ_LISTENER_KERNEL]);
	json_u64(j, "cookies", cur->listeners[SYNQ_LISTENER_COOKIES]);
	json_object_close(j);
}
