// SPDX-License-Identifier: GPL-2.0
/*
 * synq's protection programs, one object so they share their maps:
 *   synq_xdp  answers SYNs to protected ports with cookie SYN-ACKs and filters final ACKs;
 *   synq_tc   hands ACKs carrying a valid cookie to the kernel (bpf_sk_assign_tcp_reqsk()).
 * This first version only declares the maps and passes every packet.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <synq/protect.h>

#define TC_ACT_OK 0

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct synq_config);
} synq_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct synq_key);
} synq_keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SYNQ_PORTS);
	__type(key, __u32);
	__type(value, __u8);
} synq_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SYNQ_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} synq_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SYNQ_ERRNO_MAX);
	__type(key, __u32);
	__type(value, __u64);
} synq_handoff_errors SEC(".maps");

SEC("xdp")
int synq_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int synq_tc(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
