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
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "protect/pins.h"
#include "observe/counters.h"
#include "protect/protect_parse.h"
#include "system/system.h"

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
	{ "synq_listeners", PIN_MAP, BPF_MAP_TYPE_LRU_HASH, sizeof(struct synq_listener_key),
	  sizeof(struct synq_listener_view), 4096,
	  "each listener's queues, sysctls and --mode auto state, refreshed once a jiffy" },
	{ "synq_time_cache", PIN_MAP, 0, 0, 0, 0,
	  "internal: the cookie clock, read once per SYN" },
	{ "synq_csum_scratch", PIN_MAP, 0, 0, 0, 0,
	  "internal: where SYN payload is checksummed" },
	{ "synq_xdp", PIN_PROG, 0, 0, 0, 0,
	  "the XDP program (attached through netlink: there is no link to pin)" },
	{ "synq_tc", PIN_PROG, 0, 0, 0, 0,
	  "the TC ingress program" },
	{ "owns_clsact", PIN_DIR, 0, 0, 0, 0,
	  "an empty directory: synq created the clsact qdisc, detach removes it" },
	{ "synq_pass", PIN_PROG, 0, 0, 0, 0,
	  "instead of all the above, after attach --pass-only: passes everything" },
};
const size_t pin_objects_n = sizeof(pin_objects) / sizeof(pin_objects[0]);

const struct pin_object *pin_object_find(const char *name)
{
	for (size_t i = 0; i < pin_objects_n; i++)
		if (!strcmp(pin_objects[i].name, name))
			return &pin_objects[i];
	return NULL;
}

int pin_dir(char *buf, size_t len, const char *iface)
{
	int n;

	if (iface)
		n = snprintf(buf, len, SYNQ_PIN_ROOT "/%" PRIu64 "/%s", netns_id(), iface);
	else
		n = snprintf(buf, len, SYNQ_PIN_ROOT "/%" PRIu64, netns_id());
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int pin_path(char *buf, size_t len, const char *iface, const char *name)
{
	char dir[256];
	int n;

	if (pin_dir(dir, sizeof(dir), iface))
		return -ENAMETOOLONG;
	n = snprintf(buf, len, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int pin_dir_make(const char *iface)
{
	char ns_dir[256], dir[256];

	if (pin_dir(ns_dir, sizeof(ns_dir), NULL) || pin_dir(dir, sizeof(dir), iface))
		return -ENAMETOOLONG;
	if ((mkdir(SYNQ_PIN_ROOT, 0700) && errno != EEXIST) ||
	    (mkdir(ns_dir, 0700) && errno != EEXIST) || mkdir(dir, 0700))
		return -errno;
	return 0;
}

bool pin_exists(const char *iface, const char *name)
{
	char path[320];
	struct stat st;

	return !pin_path(path, sizeof(path), iface, name) && !stat(path, &st);
}

bool is_attached(const char *iface)
{
	char dir[256];
	struct stat st;

	return !pin_dir(dir, sizeof(dir), iface) && !stat(dir, &st);
}

void remove_pins(const char *iface)
{
	char dir[256], path[512];
	struct dirent *de;
	DIR *d;

	if (pin_dir(dir, sizeof(dir), iface))
		return;
	/* Everything in the directory, listed or not: an older synq may have pinned more. */
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		/* Pins are files; owns_clsact is an empty directory. */
		if (unlink(path) && rmdir(path))
			synq_err("%s: cannot remove %s: %s", iface, path, strerror(errno));
	}
	if (d)
		closedir(d);
	if (rmdir(dir) && errno != ENOENT)
		synq_err("%s: cannot remove %s: %s", iface, dir, strerror(errno));
	/* These fail while other interfaces or namespaces are attached: fine. */
	if (!pin_dir(dir, sizeof(dir), NULL))
		rmdir(dir);
	rmdir(SYNQ_PIN_ROOT);
}

/* A pinned object's fd, or -errno. */
static int pin_get(const char *iface, const char *name)
{
	char path[320];
	int fd;

	if (pin_path(path, sizeof(path), iface, name))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

/*
 * A pinned map's fd once it is what pin_objects[] says it is (-EPROTO if not),
 * its ID into *id when id is not NULL; or -errno.
 */
static int map_get(const char *iface, const char *name, uint32_t *id)
{
	const struct pin_object *o = pin_object_find(name);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = pin_get(iface, name), err = 0;

	if (fd < 0)
		return fd;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = -errno;
	else if (info.type != o->map_type || info.key_size != o->key_size ||
		 info.value_size != o->value_size || info.max_entries != o->max_entries)
		err = -EPROTO;
	if (err) {
		synq_debug("%s: pinned %s: type %u key %u value %u entries %u, expected %u %u %u %u",
			   iface, name, info.type, info.key_size, info.value_size,
			   info.max_entries, o->map_type, o->key_size, o->value_size,
			   o->max_entries);
		close(fd);
		return err;
	}
	if (id)
		*id = info.id;
	return fd;
}

static uint32_t prog_id_of(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) ? info.id : 0;
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

int pinned_open(const char *iface, struct pinned *p)
{
	int fd;

	pinned_init(p);
	snprintf(p->iface, sizeof(p->iface), "%s", iface);
	p->ifindex = if_nametoindex(iface);
	fd = pin_get(iface, "synq_pass");
	p->pass_only = fd >= 0;
	if (fd < 0)
		fd = pin_get(iface, "synq_xdp");
	if (fd < 0)
		return fd;
	p->xdp_prog_id = prog_id_of(fd);
	close(fd);
	xdp_query(p);
	if (p->pass_only)
		return 0;
	p->config_fd = map_get(iface, "synq_config", NULL);
	p->keys_fd = map_get(iface, "synq_keys", NULL);
	p->ports_fd = map_get(iface, "synq_ports", NULL);
	p->stats_fd = map_get(iface, "synq_stats", &p->stats_map_id);
	p->errors_fd = map_get(iface, "synq_handoff_errors", NULL);
	p->malformed_fd = map_get(iface, "synq_malformed", NULL);
	fd = open_result(p->config_fd, p->keys_fd, p->ports_fd, p->stats_fd, p->errors_fd,
			 p->malformed_fd == -ENOENT ? 0 : p->malformed_fd);
	if (fd)
		pinned_close(p);
	return fd;
}

const char *pinned_error_hint(int err)
{
	switch (err) {
	case -EBADF:
		return " (damaged pins: synq detach cleans up)";
	case -EPROTO:
		return " (pinned by another synq version: synq detach, then attach again)";
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

int pinned_each(int (*fn)(const char *iface, void *arg), void *arg)
{
	char dir[256], **names = NULL, **more;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int err = 0;
	DIR *d;

	if (pin_dir(dir, sizeof(dir), NULL))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	/* Every interface: a list cut short would hide some from status. */
	while (!err && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			more = realloc(names, cap * sizeof(*names));
			if (!more) {
				err = -ENOMEM;
				break;
			}
			names = more;
		}
		names[n] = strdup(de->d_name);
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

int pins_each_listener(const char *iface, listener_fn *fn, void *arg)
{
	struct synq_listener_key key, next;
	struct synq_listener_view view;
	int fd = map_get(iface, "synq_listeners", NULL), err = 0;
	void *prev = NULL;

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

int key_load_file(const char *verb, const char *path, struct synq_key *key)
{
	char buf[128];
	struct stat st;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		synq_err("%s: --key-file %s: %s", verb, path, strerror(errno));
		return err;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	err = n < 0 ? -errno : 0;
	if (fstat(fd, &st))
		st.st_mode = 0;
	close(fd);
	if (err) {
		synq_err("%s: --key-file %s: %s", verb, path, strerror(-err));
		return err;
	}
	buf[n] = '\0';
	if (key_parse_hex(buf, key)) {
		synq_err("%s: --key-file %s: not a key (it must hold 32 hex digits)", verb, path);
		return -EINVAL;
	}
	if (st.st_mode & 077)
		synq_err("%s: warning: key file %s is readable by others (chmod 600 it)", verb, path);
	return 0;
}

/* ---- the counters ---- */

const char *const protect_counter_names[SYNQ_COUNTER_MAX] = SYNQ_COUNTER_NAMES;
const char *const protect_malformed_names[SYNQ_MALFORMED_MAX] = SYNQ_MALFORMED_NAMES;

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

static int count_listener(const struct synq_listener_key *key,
			  const struct synq_listener_view *view, void *arg)
{
	struct protect_sample *s = arg;

	(void)key;
	if (view->listening)
		s->listeners[view->state & 1]++;
	return 0;
}

int pins_read_counters(const struct pinned *p, struct protect_sample *s)
{
	memset(s, 0, sizeof(*s));
	if (p->pass_only)
		return 0;
	s->map_id = p->stats_map_id;
	pins_each_listener(p->iface, count_listener, s);	/* older pins have none: 0 */
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
