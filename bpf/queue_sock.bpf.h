/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Socket helpers of the queue programs: a listener's key, and the socket
 * behind a file descriptor of the current task. Every read goes through
 * BPF_CORE_READ so the same code serves tp_btf, classic tracepoints and
 * iterators alike.
 */
#ifndef SYNQ_QUEUE_SOCK_BPF_H
#define SYNQ_QUEUE_SOCK_BPF_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <synq/queue.h>

#ifndef AF_INET
#define AF_INET		2
#endif
#ifndef AF_INET6
#define AF_INET6	10
#endif
#ifndef EEXIST
#define EEXIST		17
#endif
#define SYNQ_S_IFMT	00170000
#define SYNQ_S_IFSOCK	0140000

static __always_inline __u32 sk_netns(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

/* A TCP socket of family AF_INET or AF_INET6 (not MPTCP, UDP or UNIX). */
static __always_inline bool sk_is_tcp(const struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	return BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP &&
	       (family == AF_INET || family == AF_INET6);
}

static __always_inline bool sk_is_tcp_listener(const struct sock *sk)
{
	return sk_is_tcp(sk) && BPF_CORE_READ(sk, __sk_common.skc_state) == TCP_LISTEN;
}

/* Fill k with the listener's namespace, family, bound address and port. */
static __always_inline void lkey_of(const struct sock *sk, struct synq_lkey *k)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->netns = sk_netns(sk);
	k->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	k->port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (k->family == AF_INET6)
		BPF_CORE_READ_INTO(&k->addr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
	else
		BPF_CORE_READ_INTO((__u32 *)k->addr, sk, __sk_common.skc_rcv_saddr);
}

/*
 * The socket behind file descriptor fd of the current task: task -> files ->
 * fdtable -> file -> socket -> sock. NULL when fd is out of range or not a socket.
 */
static __always_inline struct sock *fd_to_sock(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *file = NULL;
	struct socket *sock;
	unsigned int max_fds;
	umode_t mode;

	if (!fdt || fd < 0)
		return NULL;
	max_fds = BPF_CORE_READ(fdt, max_fds);
	if (fd >= max_fds)
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return NULL;
	mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & SYNQ_S_IFMT) != SYNQ_S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

#endif
