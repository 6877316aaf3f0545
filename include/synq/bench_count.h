/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The counter of bpf/synq_bench.bpf.c (program synq_count): one per-CPU value of
 * the array map `synq_counts`. `synq bench` reads it on the attacker side to count
 * SYN-ACKs; the flood tests read it on the receiving side to count SYNs.
 */
#ifndef SYNQ_BENCH_COUNT_H
#define SYNQ_BENCH_COUNT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

struct bench_count {
	__u64 syn;		/* SYN without ACK */
	__u64 synack;		/* SYN with ACK */
	__u64 rst;
	__u64 other;		/* any other TCP frame */
	__u64 first_ns;		/* CLOCK_MONOTONIC of the first counted frame on this CPU */
	__u64 last_ns;		/* and of the last one */
};

#endif
