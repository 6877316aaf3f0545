/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What synq asks of the running system: network namespaces, the bpffs and
 * tracefs mounts, sysctls, interfaces (rtnetlink questions: netlink.h) and the
 * clock. All of it is per network namespace where the kernel makes it so: call
 * netns_enter() first and every read below follows.
 */
#ifndef SYNQ_SYSTEM_H
#define SYNQ_SYSTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Join the named namespace (/run/netns/NAME, as `ip netns` makes them) with
 * setns() alone. Unlike `ip netns exec` it does not remount /sys, so bpffs
 * pins stay visible. Returns 0 or -errno, with a message printed.
 */
int netns_enter(const char *name);

/* The inode number of this thread's network namespace: a stable id for pin paths. */
uint64_t netns_id(void);

/*
 * The cookie of this thread's network namespace (SO_NETNS_COOKIE): unlike the
 * inode, never reused while the system runs. 0 if the kernel cannot say.
 */
uint64_t netns_cookie(void);

/*
 * Mount bpffs on /sys/fs/bpf and tracefs on /sys/kernel/tracing when missing. 0 or -errno.
 * ensure_bpffs refuses, with a message, a private mount namespace without bpffs
 * (ip netns exec), where pins would vanish with the command.
 */
int ensure_bpffs(void);
int ensure_tracefs(void);

/*
 * Whether this process holds capability cap (CAP_BPF, ... from <linux/capability.h>)
 * in its effective set. CAP_SYS_ADMIN also counts for CAP_BPF and CAP_PERFMON, as
 * the kernel has it.
 */
bool cap_held(int cap);

/*
 * What a verb needs before it starts: 0, or -EPERM after one line naming the
 * first capability in caps[n] that is missing and the whole set to grant.
 */
int caps_require(const char *verb, const int *caps, size_t n);

/*
 * Read a sysctl of this network namespace, e.g. "net/ipv4/tcp_syncookies".
 * Returns 0 or -errno. sysctl_read_ints fills up to n whitespace-separated values
 * and returns how many it read (tcp_rmem has three).
 */
int sysctl_read_int(const char *name, long *value);
int sysctl_read_ints(const char *name, long *values, int n);

/* An interface's MTU and MAC address (SIOCGIFMTU, SIOCGIFHWADDR). 0 or -errno. */
int iface_mtu(const char *iface, unsigned int *mtu);
int iface_mac(const char *iface, uint8_t mac[6]);
/* The interface carries Ethernet frames, as Ethernet and lo do (not tun, wireguard, ipip, ...). */
bool iface_is_ether(const char *iface);
/*
 * name can be an interface name: 1 to 15 bytes, not "." or "..", no '/', ':' or
 * white space (the kernel's rule).
 */
bool iface_name_valid(const char *name);
/*
 * The sum of the driver statistics (ethtool -S) of iface whose names end in
 * suffix, e.g. "xdp_tx_errors" (veth: one per queue). 0, -EOPNOTSUPP when the
 * driver has no statistics, or -errno.
 */
int iface_stat_sum(const char *iface, const char *suffix, uint64_t *sum);
/* Whether generic receive offload is on (ETHTOOL_GGRO). 0 or -errno. */
int iface_gro(const char *iface, bool *on);

/*
 * Run a command line (printf-style) with /bin/sh, shown with -v: for the test
 * topologies bench builds with ip(8). Its exit status, or -1.
 */
int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "192.0.2.1:80" or "[2001:db8::1]:80": family AF_INET or AF_INET6, port in host order. */
void addr_port_str(int family, const void *addr, unsigned int port, char *buf, size_t len);

/*
 * Counter name of /proc/net/snmp or /proc/net/netstat text: the line that
 * starts with prefix ("Tcp:", "TcpExt:") names the fields, the next one with
 * that prefix holds their values. 0 and *v set, or -ENOENT.
 */
int proc_net_value(const char *text, const char *prefix, const char *name, uint64_t *v);

/* Seconds on CLOCK_MONOTONIC: for intervals and deadlines, never for wall time. */
double mono_now(void);

#endif
