// SPDX-License-Identifier: GPL-2.0
/*
 * The far end of a veth needs an XDP program of its own, or the frames that
 * synq_xdp sends back with XDP_TX (the SYN-ACKs) are dropped on arrival: veth
 * only receives XDP frames into a peer whose XDP receive path is set up.
 * `synq attach PEER --pass-only` attaches this one; it passes everything.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp.frags")
int synq_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
