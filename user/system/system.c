// SPDX-License-Identifier: GPL-2.0
/* Namespaces, mounts, sysctls, interfaces and the clock (see system.h). */
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
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
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

int ensure_bpffs(void)
{
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
static int iface_ioctl(const char *iface, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", iface);
	if (ioctl(fd, req, ifr))
		err = -errno;
	close(fd);
	return err;
}

int iface_mtu(const char *iface, unsigned int *mtu)
{
	struct ifreq ifr;
	int err = iface_ioctl(iface, SIOCGIFMTU, &ifr);

	if (!err)
		*mtu = ifr.ifr_mtu;
	return err;
}

int iface_mac(const char *iface, uint8_t mac[6])
{
	struct ifreq ifr;
	int err = iface_ioctl(iface, SIOCGIFHWADDR, &ifr);

	if (!err)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return err;
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
