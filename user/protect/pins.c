// SPDX-License-Identifier: GPL-2.0
/*
 * What `synq attach` left pinned, found again by `status`, `key` and `detach`
 * (the layout is in loader.h), and the small map accessors they share.
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
#include "protect/pins.h"
#include "protect/protect_parse.h"
#include "system/system.h"

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
	p->config_fd = pin_get(iface, "synq_config");
	p->keys_fd = pin_get(iface, "synq_keys");
	p->ports_fd = pin_get(iface, "synq_ports");
	p->stats_fd = pin_get(iface, "synq_stats");
	p->errors_fd = pin_get(iface, "synq_handoff_errors");
	p->malformed_fd = pin_get(iface, "synq_malformed");
	if (p->config_fd < 0 || p->keys_fd < 0 || p->ports_fd < 0 || p->stats_fd < 0 ||
	    p->errors_fd < 0) {
		pinned_close(p);
		return -EBADF;	/* a damaged pin directory: detach cleans it */
	}
	return 0;
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
	char dir[256], *names[256];
	struct dirent *de;
	int n = 0, err = 0;
	DIR *d;

	if (pin_dir(dir, sizeof(dir), NULL))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) && n < 256)
		if (de->d_name[0] != '.' && (names[n] = strdup(de->d_name)))
			n++;
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (int i = 0; i < n; i++) {
		if (!err)
			err = fn(names[i], arg);
		free(names[i]);
	}
	return err ? err : n;
}

static int map_rw(int fd, uint32_t idx, void *val, bool write)
{
	int err = write ? bpf_map_update_elem(fd, &idx, val, BPF_ANY)
			: bpf_map_lookup_elem(fd, &idx, val);

	return err ? -errno : 0;
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
