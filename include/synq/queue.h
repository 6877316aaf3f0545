/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between the queue tracepoint programs (bpf/synq_queue.bpf.c)
 * and the collector (user/observe/collector.c): map keys, per-CPU values, the records
 * the iter/tcp program writes, and the wait-time histogram's bucket layout.
 * Compiled into BPF (vmlinux.h types) and user space (linux/types.h) alike.
 */
#ifndef SYNQ_QUEUE_H
#define SYNQ_QUEUE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * Listener table size by default (user space may set another before load).
 * When it is full, events of listeners that have no entry yet are not
 * attributed: they are counted in SYNQ_QC_TABLE_FULL and the output says so.
 * The iterator still reports gauges for every listener.
 */
#define SYNQ_LISTENERS_MAX	4096
/* Connections between handshake completion and accept(), system-wide (LRU). */
#define SYNQ_PENDING_MAX	65536

/* A listener: network namespace inode, family, local address, port (host order). */
struct synq_lkey {
	__u32 netns;
	__u16 family;		/* AF_INET or AF_INET6 */
	__u16 port;
	__u8 addr[16];		/* IPv4 in the first 4 bytes, the rest 0 */
};

/*
 * Wait-time histogram: microseconds in log2 buckets, each power of two split in
 * SYNQ_WAIT_SUB linear sub-buckets (at most 25 % wide). Bucket i holds
 * [synq_wait_lo(i), synq_wait_lo(i + 1)); the last bucket is open-ended.
 */
#define SYNQ_WAIT_SUB_BITS	2
#define SYNQ_WAIT_SUB		(1 << SYNQ_WAIT_SUB_BITS)
#define SYNQ_WAIT_BUCKETS	100

static inline __u32 synq_wait_bucket(__u64 us)
{
	__u32 msb = 0, idx;
	__u64 v = us;

	if (us < SYNQ_WAIT_SUB)
		return (__u32)us;
	/* floor(log2(us)) without a loop, so the BPF verifier sees straight code */
	if (v >> 32) { msb += 32; v >>= 32; }
	if (v >> 16) { msb += 16; v >>= 16; }
	if (v >> 8) { msb += 8; v >>= 8; }
	if (v >> 4) { msb += 4; v >>= 4; }
	if (v >> 2) { msb += 2; v >>= 2; }
	if (v >> 1) { msb += 1; }
	idx = (msb - SYNQ_WAIT_SUB_BITS + 1) * SYNQ_WAIT_SUB +
	      (__u32)((us >> (msb - SYNQ_WAIT_SUB_BITS)) & (SYNQ_WAIT_SUB - 1));
	return idx < SYNQ_WAIT_BUCKETS ? idx : SYNQ_WAIT_BUCKETS - 1;
}

/* Lower bound (inclusive, microseconds) of bucket i: the upper bound (exclusive) of i - 1. */
static inline __u64 synq_wait_lo(__u32 i)
{
	__u32 shift;

	if (i < SYNQ_WAIT_SUB)
		return i;
	shift = i / SYNQ_WAIT_SUB - 1;
	return (__u64)(SYNQ_WAIT_SUB + i % SYNQ_WAIT_SUB) << shift;
}

/*
 * Accept-queue depth seen at each enqueue, in log2 buckets: bucket 0 holds
 * depth 0, bucket k (1..SYNQ_DEPTH_BUCKETS - 2) holds [2^(k-1), 2^k - 1], the
 * last bucket every depth from 2^(SYNQ_DEPTH_BUCKETS - 2) up.
 */
#define SYNQ_DEPTH_BUCKETS	18

static inline __u32 synq_depth_bucket(__u32 depth)
{
	__u32 k = 0;

	/* fls() without a loop, for the verifier */
	if (depth >> 16) { k += 16; depth >>= 16; }
	if (depth >> 8) { k += 8; depth >>= 8; }
	if (depth >> 4) { k += 4; depth >>= 4; }
	if (depth >> 2) { k += 2; depth >>= 2; }
	if (depth >> 1) { k += 1; depth >>= 1; }
	k += depth;
	return k < SYNQ_DEPTH_BUCKETS ? k : SYNQ_DEPTH_BUCKETS - 1;
}

/*
 * Counters of one listener: the value of the HASH `synq_listeners`, shared by
 * every CPU (atomic adds), so the table's memory does not grow with the CPU
 * count. Peaks and maxima are updated without a lock: a rare lost update
 * leaves them a little low, never wrong in kind.
 */
struct synq_lstats {
	__u64 enqueued;		/* children queued (sk_data_ready on the listener) */
	__u64 accepted;		/* accept()/accept4() returned a child */
	__u64 overflow_acks;	/* final ACKs dropped, accept queue full (kfree_skb reason) */
	__u64 synack_retrans;	/* tcp_retransmit_synack */
	__u64 wait_count;	/* accepts whose handshake time was known */
	__u64 wait_sum_us;
	__u64 wait_max_us;
	__u32 aq_peak;		/* accept-queue high-water mark seen at enqueue */
	__u32 syn_peak;		/* SYN-queue high-water mark seen at enqueue */
	__u64 aq_after_ns;	/* when accept() last returned a child (ktime ns) */
	__u32 aq_after;		/* the accept-queue length right after that dequeue */
	__u32 pad;
	__u64 wait_hist[SYNQ_WAIT_BUCKETS];
	__u64 depth_hist[SYNQ_DEPTH_BUCKETS];	/* accept-queue depth at each enqueue */
	__u64 depth_sum;
};

/*
 * Owner of a listener, taken at listen() (CLOSE->LISTEN runs in process
 * context), with the backlog listen() asked for before somaxconn clamped it.
 */
struct synq_owner {
	__u32 pid;
	__s32 backlog;		/* listen()'s argument, as the caller passed it */
	char comm[16];
	__u32 backlog_known;	/* 0: the state change did not come from listen() */
	__u32 pad;
};

/* Global per-CPU counters of the queue programs: the PERCPU_ARRAY `synq_queue_stats`. */
enum synq_queue_counter {
	SYNQ_QC_TABLE_FULL,	/* events not attributed: listener table full */
	SYNQ_QC_OWNERS_FULL,	/* owners not recorded: owner table full */
	SYNQ_QC_WAIT_UNKNOWN,	/* accepts without a recorded handshake time */
	SYNQ_QC_MAX
};

/* One listener as the iter/tcp program writes it (bpf_seq_write, fixed size). */
struct synq_iter_rec {
	struct synq_lkey key;
	__u32 aq_len;		/* sk_ack_backlog */
	__u32 aq_max;		/* sk_max_ack_backlog */
	__u32 syn_len;		/* icsk_accept_queue.qlen: request sockets */
	__u32 drops;		/* sk_drops */
	__u64 ino;		/* socket inode, to find the owner in /proc like ss -p */
	__u32 uid;
	__u32 v6only;		/* IPV6_V6ONLY: an IPv6 wildcard that takes no IPv4 */
	__u32 oldest_ms;	/* how long the oldest child in the accept queue has waited */
	__u32 pad;
};

#endif
