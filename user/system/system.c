// SPDX-License-Identifier: GPL-2.0
/* Namespaces, capabilities, mounts, sysctls, interfaces and the clock (see system.h). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/capability.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <linux/magic.h>

#include "cli/cli.h"
#include "system/system.h"

int netns_enter(const char *name)
{
	char path[256];
	int fd, err = 0;

	if (!name || !*name || strchr(name, '/')) {
		synq_err("-n '%s': not a network namespace name", name ? name : "");
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT)
			synq_err("-n %s: no such network namespace ('ip netns list' shows them)", name);
		else
			synq_err("-n %s: cannot open %s: %s", name, path, strerror(errno));
		return err;
	}
	if (setns(fd, CLONE_NEWNET)) {
		err = -errno;
		synq_err("-n %s: cannot enter the namespace: %s%s", name, strerror(errno),
			 errno == EPERM ? " (run as root or with CAP_SYS_ADMIN)" : "");
	}
	close(fd);
	return err;
}

uint64_t netns_id(void)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st))
		return 0;
	return st.st_ino;
}

static bool cap_effective(int cap)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	return data[cap / 32].effective & (1U << (cap % 32));
}

bool cap_held(int cap)
{
	if (cap_effective(cap))
		return true;
	return (cap == CAP_BPF || cap == CAP_PERFMON) && cap_effective(CAP_SYS_ADMIN);
}

static const char *cap_name(int cap)
{
	switch (cap) {
	case CAP_BPF: return "CAP_BPF";
	case CAP_PERFMON: return "CAP_PERFMON";
	case CAP_NET_ADMIN: return "CAP_NET_ADMIN";
	case CAP_SYS_ADMIN: return "CAP_SYS_ADMIN";
	case CAP_DAC_OVERRIDE: return "CAP_DAC_OVERRIDE";
	default: return "a capability";
	}
}

int caps_require(const char *verb, const int *caps, size_t n)
{
	char all[160] = "";
	size_t used = 0;
	int missing = -1;

	for (size_t i = 0; i < n; i++) {
		if (missing < 0 && !cap_held(caps[i]))
			missing = caps[i];
		used += snprintf(all + used, used < sizeof(all) ? sizeof(all) - used : 0, "%s%s",
				 i ? ", " : "", cap_name(caps[i]));
	}
	if (missing < 0)
		return 0;
	synq_err("%s: missing capability %s (run as root, or grant %s)",
		 verb, cap_name(missing), all);
	return -EPERM;
}

static int ensure_mount(const char *dir, const char *fstype, long magic)
{
	struct statfs fs;

	if (statfs(dir, &fs) == 0 && (long)fs.f_type == magic)
		return 0;
	if (mkdir(dir, 0755) && errno != EEXIST) {
		synq_err("cannot create %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (mount(fstype, dir, fstype, 0, NULL)) {
		int err = -errno;

		synq_err("cannot mount %s on %s: %s%s", fstype, dir, strerror(errno),
			 errno == EPERM ? " (run as root)" : "");
		return err;
	}
	synq_debug("mounted %s on %s", fstype, dir);
	return 0;
}

uint64_t netns_cookie(void)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len))
		cookie = 0;
	close(fd);
	return cookie;
}

/*
 * This process has a mount namespace of its own, unlike the one that started it
 * (or, when that cannot be read, init): what `ip netns exec` and `unshare -m` give.
 */
static bool mount_ns_private(void)
{
	struct stat self, other;
	char parent[64];

	snprintf(parent, sizeof(parent), "/proc/%d/ns/mnt", (int)getppid());
	if (stat("/proc/self/ns/mnt", &self))
		return false;
	if (!stat(parent, &other) || !stat("/proc/1/ns/mnt", &other))
		return self.st_ino != other.st_ino;
	return false;
}

int ensure_bpffs(void)
{
	struct statfs fs;

	/*
	 * `ip netns exec` gives a mount namespace whose /sys has no bpffs: a bpffs
	 * mounted there vanishes with the command, and pins with it, so the
	 * protection would stay attached with nothing left to manage it.
	 */
	if ((statfs("/sys/fs/bpf", &fs) || (long)fs.f_type != BPF_FS_MAGIC) &&
	    mount_ns_private()) {
		synq_err("/sys/fs/bpf is not mounted in this mount namespace (as under ip netns "
			 "exec): pins made here would vanish; run synq -n NAME ... instead");
		return -ENOENT;
	}
	return ensure_mount("/sys/fs/bpf", "bpf", BPF_FS_MAGIC);
}

int ensure_tracefs(void)
{
	return ensure_mount("/sys/kernel/tracing", "tracefs", TRACEFS_MAGIC);
}

int sysctl_read_ints(const char *name, long *values, int n)
{
	char path[256];
	FILE *f;
	int got = 0;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (got < n && fscanf(f, "%ld", &values[got]) == 1)
		got++;
	fclose(f);
	return got ? got : -EINVAL;
}

int sysctl_read_int(const char *name, long *value)
{
	int n = sysctl_read_ints(name, value, 1);

	return n < 0 ? n : 0;
}

/* One SIOCGIF* ioctl on iface into ifr. 0 or -errno. */
/* ioctl req on iface; data, when given, is what ifr_data points to (SIOCETHTOOL). */
static int iface_ioctl(const char *iface, unsigned long req, struct ifreq *ifr, void *data)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", iface);
	ifr->ifr_data = data;
	if (ioctl(fd, req, ifr))
		err = -errno;
	close(fd);
	return err;
}

int iface_mtu(const char *iface, unsigned int *mtu)
{
	struct ifreq ifr;
	int err = iface_ioctl(iface, SIOCGIFMTU, &ifr, NULL);

	if (!err)
		*mtu = ifr.ifr_mtu;
	return err;
}

int iface_mac(const char *iface, uint8_t mac[6])
{
	struct ifreq ifr;
	int err = iface_ioctl(iface, SIOCGIFHWADDR, &ifr, NULL);

	if (!err)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return err;
}

bool iface_is_ether(const char *iface)
{
	struct ifreq ifr;

	/* Loopback frames carry an Ethernet header too (all zero addresses). */
	return !iface_ioctl(iface, SIOCGIFHWADDR, &ifr, NULL) &&
	       (ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER ||
		ifr.ifr_hwaddr.sa_family == ARPHRD_LOOPBACK);
}

bool iface_name_valid(const char *name)
{
	size_t len = strnlen(name, IFNAMSIZ);

	/* The kernel's own rule (dev_valid_name): it also keeps pin paths inside synq's directory. */
	if (!len || len >= IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (; *name; name++)
		if (*name == '/' || *name == ':' || isspace((unsigned char)*name))
			return false;
	return true;
}

int iface_stat_sum(const char *iface, const char *suffix, uint64_t *sum)
{
	struct { struct ethtool_sset_info hdr; __u32 len; } info = {
		.hdr = { .cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ULL << ETH_SS_STATS },
	};
	struct ethtool_gstrings *names = NULL;
	struct ethtool_stats *vals = NULL;
	size_t n, slen = strlen(suffix), len;
	struct ifreq ifr;
	int err = iface_ioctl(iface, SIOCETHTOOL, &ifr, &info);

	*sum = 0;
	if (err)
		return err;
	n = info.hdr.sset_mask ? info.len : 0;
	names = calloc(1, sizeof(*names) + n * ETH_GSTRING_LEN);
	vals = calloc(1, sizeof(*vals) + n * sizeof(__u64));
	if (!names || !vals) {
		err = -ENOMEM;
		goto out;
	}
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_STATS;
	names->len = n;
	vals->cmd = ETHTOOL_GSTATS;
	vals->n_stats = n;
	err = iface_ioctl(iface, SIOCETHTOOL, &ifr, names) ?:
	      iface_ioctl(iface, SIOCETHTOOL, &ifr, vals);
	for (size_t i = 0; !err && i < n; i++) {
		const char *name = (const char *)names->data + i * ETH_GSTRING_LEN;

		len = strnlen(name, ETH_GSTRING_LEN);
		if (len >= slen && !memcmp(name + len - slen, suffix, slen))
			*sum += vals->data[i];
	}
	if (!err && !n)
		err = -EOPNOTSUPP;
out:
	free(names);
	free(vals);
	return err;
}

int iface_gro(const char *iface, bool *on)
{
	struct ethtool_value v = { .cmd = ETHTOOL_GGRO };
	struct ifreq ifr;
	int err = iface_ioctl(iface, SIOCETHTOOL, &ifr, &v);

	if (!err)
		*on = v.data;
	return err;
}

void addr_port_str(int family, const void *addr, unsigned int port, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(family, addr, a, sizeof(a));
	snprintf(buf, len, family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
}

int proc_net_value(const char *text, const char *prefix, const char *name, uint64_t *v)
{
	size_t plen = strlen(prefix);
	const char *h = strstr(text, prefix), *d = h ? strstr(h + plen, prefix) : NULL;
	unsigned long long val;
	char field[64];
	int hn, dn;

	if (!d)
		return -ENOENT;
	/* Field and value side by side, until the names run into the value line. */
	for (h += plen, d += plen; sscanf(h, "%63s%n", field, &hn) == 1 && strcmp(field, prefix) &&
				   sscanf(d, "%llu%n", &val, &dn) == 1; h += hn, d += dn)
		if (!strcmp(field, name)) {
			*v = val;
			return 0;
		}
	return -ENOENT;
}

double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	synq_debug("%s", cmd);
	rc = system(cmd);
	return rc == -1 ? -1 : WEXITSTATUS(rc);
}
