/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Socket helpers of the queue programs: a listener's key, and the socket
 * behind a file descriptor of the current task.
 */
#ifndef SYNQ_QUEUE_SOCK_BPF_H
#define SYNQ_QUEUE_SOCK_BPF_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <synq/queue.h>
#include "synq_defs.bpf.h"

#define SYNQ_S_IFMT	00170000
#define SYNQ_S_IFSOCK	0140000

/*
 * Every function here takes BTF-typed pointers (tp_btf arguments, iterator
 * sockets, or what fd_to_sock() returns) and reads them with direct loads,
 * which the verifier turns into fault-safe loads: much cheaper than one
 * bpf_probe_read_kernel() call per field.
 */
static __always_inline __u32 sk_netns(const struct sock *sk)
{
	return sk->__sk_common.skc_net.net->ns.inum;
}

/* A TCP socket of family AF_INET or AF_INET6 (not MPTCP, UDP or UNIX). */
static __always_inline bool sk_is_tcp(const struct sock *sk)
{
	__u16 family = sk->__sk_common.skc_family;

	return sk->sk_protocol == IPPROTO_TCP && (family == AF_INET || family == AF_INET6);
}

static __always_inline bool sk_is_tcp_listener(const struct sock *sk)
{
	return sk_is_tcp(sk) && sk->__sk_common.skc_state == TCP_LISTEN;
}

/* Fill k with the listener's namespace, family, bound address and port. */
static __always_inline void lkey_of(const struct sock *sk, struct synq_lkey *k)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->netns = sk_netns(sk);
	k->family = sk->__sk_common.skc_family;
	k->port = sk->__sk_common.skc_num;
	if (k->family == AF_INET6)
		__builtin_memcpy(k->addr, &sk->__sk_common.skc_v6_rcv_saddr, 16);
	else
		__builtin_memcpy(k->addr, &sk->__sk_common.skc_rcv_saddr, 4);
}

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/*
 * The socket behind file descriptor fd of the current task: task -> files ->
 * fdtable -> file -> socket -> sock. NULL when fd is out of range or not a
 * socket. Only the fd array slot needs a probe read (a variable index);
 * the file pointer read there is cast back to a BTF type for direct loads.
 */
static __always_inline struct sock *fd_to_sock(long fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file *slot = NULL, *file;
	struct socket *sock;

	if (fd < 0 || fd >= fdt->max_fds)
		return NULL;
	if (bpf_probe_read_kernel(&slot, sizeof(slot), &fdt->fd[fd]) || !slot)
		return NULL;
	file = bpf_rdonly_cast(slot, bpf_core_type_id_kernel(struct file));
	if ((file->f_inode->i_mode & SYNQ_S_IFMT) != SYNQ_S_IFSOCK)
		return NULL;
	sock = bpf_rdonly_cast(file->private_data, bpf_core_type_id_kernel(struct socket));
	return sock->sk;
}

#endif
