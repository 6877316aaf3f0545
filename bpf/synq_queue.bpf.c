// SPDX-License-Identifier: GPL-2.0
/*
 * Listen-queue observability from tracepoints (this kernel has no kprobes and
 * no fentry): per listener, children queued and accepted, accept wait time,
 * accept-queue overflows and SYN-ACK retransmits; plus an iter/tcp program for
 * the gauges of every listener. Keys: struct synq_lkey (include/synq/queue.h).
 */
#include "synq_queue_sock.bpf.h"
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* Set by user space before load. */
const volatile __u32 targ_netns;	/* 0: every namespace */
const volatile __u32 overflow_reason;	/* SKB_DROP_REASON_TCP_LISTEN_OVERFLOW, from BTF */
const volatile bool trace_wait;		/* exact accept wait times: the accept programs load */

/* The kernel's tick rate, for the age of the oldest queued child (0 when unknown). */
extern const unsigned int CONFIG_HZ __kconfig __weak;

/*
 * Shared by all CPUs: the table's memory does not grow with the CPU count.
 * Sizes here are defaults; the collector sets them before load.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SYNQ_LISTENERS_MAX);
	__type(key, struct synq_lkey);
	__type(value, struct synq_lstats);
} synq_listeners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SYNQ_LISTENERS_MAX);
	__type(key, struct synq_lkey);
	__type(value, struct synq_owner);
} synq_owners SEC(".maps");

/* Child socket -> handshake completion time (ns), until accept() takes it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SYNQ_PENDING_MAX);
	__type(key, __u64);
	__type(value, __u64);
} synq_pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SYNQ_QC_MAX);
	__type(key, __u32);
	__type(value, __u64);
} synq_queue_stats SEC(".maps");

/* All zero: the initial value of a new listener entry (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct synq_lstats);
} synq_zero SEC(".maps");

static __always_inline void count(__u32 counter)
{
	__u64 *v = bpf_map_lookup_elem(&synq_queue_stats, &counter);

	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline bool netns_wanted(__u32 netns)
{
	return !targ_netns || netns == targ_netns;
}

/* The listener's counters on this CPU, created on first use; NULL when the table is full. */
static struct synq_lstats *lstats_get(const struct synq_lkey *k)
{
	struct synq_lstats *s = bpf_map_lookup_elem(&synq_listeners, k);
	__u32 zero_key = 0;
	void *zero;
	long err;

	if (s)
		return s;
	zero = bpf_map_lookup_elem(&synq_zero, &zero_key);
	if (!zero)
		return NULL;
	err = bpf_map_update_elem(&synq_listeners, k, zero, BPF_NOEXIST);
	if (err && err != -EEXIST) {
		count(SYNQ_QC_TABLE_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&synq_listeners, k);
}

/* The stats of a TCP listener in a namespace we watch, or NULL. */
static struct synq_lstats *listener_stats(const struct sock *sk, struct synq_lkey *k)
{
	if (!sk || !sk_is_tcp_listener(sk))
		return NULL;
	lkey_of(sk, k);
	if (!netns_wanted(k->netns))
		return NULL;
	return lstats_get(k);
}

/* A child joined the accept queue: the listener's sk_data_ready runs. */
SEC("tp_btf/sk_data_ready")
int BPF_PROG(synq_data_ready, const struct sock *sk)
{
	struct inet_connection_sock *icsk;
	struct synq_lstats *s;
	struct synq_lkey k;
	__u32 aq, syn, b;

	/* Fires for every readable socket: the listener test comes first (a direct load). */
	if (sk->__sk_common.skc_state != TCP_LISTEN)
		return 0;
	s = listener_stats(sk, &k);
	if (!s)
		return 0;
	__sync_fetch_and_add(&s->enqueued, 1);
	aq = sk->sk_ack_backlog;
	icsk = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct inet_connection_sock));
	syn = icsk->icsk_accept_queue.qlen.counter;
	b = synq_depth_bucket(aq);
	/* Keep the bound check: clang would drop it, knowing the function clamps. */
	asm volatile("" : "+r"(b));
	if (b < SYNQ_DEPTH_BUCKETS)
		__sync_fetch_and_add(&s->depth_hist[b], 1);
	__sync_fetch_and_add(&s->depth_sum, aq);
	if (aq > s->aq_peak)
		s->aq_peak = aq;
	if (syn > s->syn_peak)
		s->syn_peak = syn;
	return 0;
}

/*
 * The backlog the caller of listen() asked for, before the kernel clamped it to
 * somaxconn: listen()'s second argument, still in the task's saved registers.
 * Returns 0 when this task is not in listen() (io_uring, a kernel socket).
 */
static __always_inline __u32 listen_backlog_arg(__s32 *backlog)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	long nr;

#if defined(__TARGET_ARCH_x86)
	nr = BPF_CORE_READ(regs, orig_ax);
	if (nr != 50)	/* __NR_listen on x86_64 */
		return 0;
#else
	return 0;	/* the committed vmlinux.h describes x86 only */
#endif
	*backlog = (__s32)PT_REGS_PARM2_CORE_SYSCALL(regs);
	return 1;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(synq_set_state, const struct sock *sk, int oldstate, int newstate)
{
	struct synq_owner owner = {};
	struct synq_lkey k;
	__u64 now, child;

	/*
	 * Every TCP state change of the machine comes here: the states (plain
	 * arguments) are tested before anything is read from the socket.
	 */
	if (oldstate == TCP_SYN_RECV && newstate == TCP_ESTABLISHED) {
		/* Passive open complete: the child is in the accept queue. */
		if (!trace_wait || sk->sk_protocol != IPPROTO_TCP || !netns_wanted(sk_netns(sk)))
			return 0;
		child = (__u64)sk;
		now = bpf_ktime_get_ns();
		bpf_map_update_elem(&synq_pending, &child, &now, BPF_ANY);
		return 0;
	}
	if (!(oldstate == TCP_CLOSE && newstate == TCP_LISTEN) &&
	    !(oldstate == TCP_LISTEN && newstate == TCP_CLOSE))
		return 0;
	if (!sk_is_tcp(sk))
		return 0;
	lkey_of(sk, &k);
	if (newstate == TCP_CLOSE) {
		bpf_map_delete_elem(&synq_listeners, &k);
		bpf_map_delete_elem(&synq_owners, &k);
		return 0;
	}
	/* listen() runs in the owner's process context. */
	if (!netns_wanted(k.netns))
		return 0;
	owner.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(owner.comm, sizeof(owner.comm));
	owner.backlog_known = listen_backlog_arg(&owner.backlog);
	if (bpf_map_update_elem(&synq_owners, &k, &owner, BPF_ANY))
		count(SYNQ_QC_OWNERS_FULL);
	return 0;
}

static __always_inline void record_wait(struct synq_lstats *s, __u64 child)
{
	__u64 *ts = bpf_map_lookup_elem(&synq_pending, &child);
	__u64 us;
	__u32 b;

	if (!ts) {
		count(SYNQ_QC_WAIT_UNKNOWN);
		return;
	}
	us = (bpf_ktime_get_ns() - *ts) / 1000;
	bpf_map_delete_elem(&synq_pending, &child);
	b = synq_wait_bucket(us);
	/* Keep the bound check: clang would drop it, knowing the function clamps. */
	asm volatile("" : "+r"(b));
	if (b >= SYNQ_WAIT_BUCKETS)
		return;
	__sync_fetch_and_add(&s->wait_hist[b], 1);
	__sync_fetch_and_add(&s->wait_count, 1);
	__sync_fetch_and_add(&s->wait_sum_us, us);
	if (us > s->wait_max_us)
		s->wait_max_us = us;
}

/*
 * accept() returned fd ret. The listener is the descriptor passed in: the
 * first argument, still in the task's saved user registers at syscall exit,
 * so no entry program and no map join entry and exit. The child is found
 * through the task's fd table, so the wait time needs no guess about which
 * queued child was taken.
 */
static __always_inline int accept_exit(long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	const struct sock *listener;
	struct synq_lstats *s;
	struct synq_lkey k;
	struct sock *child;

	if (ret < 0)
		return 0;
	listener = fd_to_sock(PT_REGS_PARM1_CORE_SYSCALL(regs));
	s = listener_stats(listener, &k);
	if (!s)
		return 0;
	__sync_fetch_and_add(&s->accepted, 1);
	s->aq_after = listener->sk_ack_backlog;
	s->aq_after_ns = bpf_ktime_get_ns();
	child = fd_to_sock(ret);
	if (child)
		record_wait(s, (__u64)child);
	return 0;
}

SEC("tp/syscalls/sys_exit_accept4")
int synq_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return accept_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_accept")
int synq_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return accept_exit(ctx->ret);
}

/* A final ACK found the accept queue full (reason resolved from BTF at load). */
SEC("tp_btf/kfree_skb")
int BPF_PROG(synq_kfree_skb, struct sk_buff *skb, void *location,
	     enum skb_drop_reason reason, struct sock *rx_sk)
{
	struct synq_lstats *s;
	struct synq_lkey k;

	if (!overflow_reason || reason != overflow_reason)
		return 0;
	s = listener_stats(rx_sk, &k);
	if (s)
		__sync_fetch_and_add(&s->overflow_acks, 1);
	return 0;
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(synq_retransmit_synack, const struct sock *sk, const struct request_sock *req)
{
	struct synq_lstats *s;
	struct synq_lkey k;

	s = listener_stats(sk, &k);
	if (s)
		__sync_fetch_and_add(&s->synack_retrans, 1);
	return 0;
}

/*
 * How long the oldest child in the accept queue has waited, in ms. A child's
 * lsndtime is set (in jiffies) when the handshake makes it, and moves only
 * when it sends data, which it cannot do before accept(). So the head of the
 * queue gives the oldest wait with no per-connection hook at all.
 */
static __always_inline __u32 oldest_wait_ms(struct sock *sk)
{
	struct request_sock *head;
	struct tcp_sock *child;
	__u32 age;

	head = BPF_CORE_READ((struct inet_connection_sock *)sk, icsk_accept_queue.rskq_accept_head);
	if (!head || !CONFIG_HZ)
		return 0;
	child = (struct tcp_sock *)BPF_CORE_READ(head, sk);
	if (!child)
		return 0;
	age = (__u32)bpf_jiffies64() - BPF_CORE_READ(child, lsndtime);
	return (__u64)age * 1000 / CONFIG_HZ;
}

/* Gauges of every TCP listener of the caller's namespace, one record each. */
SEC("iter/tcp")
int synq_iter_listeners(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct synq_iter_rec rec;
	struct tcp_sock *tp;
	struct sock *sk;

	if (!skc || skc->skc_state != TCP_LISTEN)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0;
	sk = (struct sock *)tp;
	lkey_of(sk, &rec.key);
	rec.aq_len = BPF_CORE_READ(sk, sk_ack_backlog);
	rec.aq_max = BPF_CORE_READ(sk, sk_max_ack_backlog);
	rec.syn_len = BPF_CORE_READ((struct inet_connection_sock *)sk,
				    icsk_accept_queue.qlen.counter);
	/* Kernels that moved the counter elsewhere load fine and report 0. */
	rec.drops = bpf_core_field_exists(sk->sk_drops) ? BPF_CORE_READ(sk, sk_drops.counter) : 0;
	rec.ino = BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino);
	rec.uid = ctx->uid;
	rec.v6only = BPF_CORE_READ_BITFIELD_PROBED(&sk->__sk_common, skc_ipv6only);
	rec.oldest_ms = oldest_wait_ms(sk);
	rec.pad = 0;
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}
