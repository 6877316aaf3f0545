// SPDX-License-Identifier: GPL-2.0
/*
 * A client's lost final ACK, for the tests: a TC egress program that drops the
 * first pure ACK (no data, no SYN/FIN/RST) of each IPv4 connection to ports
 * PORT_A and PORT_B (a test's port with synq and its port without). "Each
 * connection" is each client port; a port's next connection loses its first ACK
 * too once the previous one sent a SYN, FIN, RST or data. Load with
 *   tc filter add dev IF egress bpf direct-action obj drop_first_ack.bpf.o sec tc
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "synq_defs.bpf.h"

#define PORT_A	8097
#define PORT_B	8098

__u8 dropped[65536];	/* by client port: its first pure ACK is gone */

SEC("tc")
int drop_first_ack(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *th;
	__u16 sport;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->protocol != IPPROTO_TCP || ip->ihl != 5)
		return TC_ACT_OK;
	th = (void *)(ip + 1);
	if ((void *)(th + 1) > end ||
	    (th->dest != bpf_htons(PORT_A) && th->dest != bpf_htons(PORT_B)))
		return TC_ACT_OK;
	sport = bpf_ntohs(th->source);
	if (th->syn || th->rst || th->fin ||
	    bpf_ntohs(ip->tot_len) > sizeof(*ip) + th->doff * 4) {
		dropped[sport] = 0;	/* a new connection may follow on this port */
		return TC_ACT_OK;
	}
	if (!th->ack || dropped[sport])
		return TC_ACT_OK;
	dropped[sport] = 1;
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
