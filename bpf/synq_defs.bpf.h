/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The constants synq's BPF programs need that vmlinux.h cannot provide, because
 * the kernel defines them as macros: one place, one spelling each, with the
 * values of the Linux UAPI headers named beside them.
 */
#ifndef SYNQ_DEFS_BPF_H
#define SYNQ_DEFS_BPF_H

/* linux/socket.h */
#define AF_INET		2
#define AF_INET6	10

/* linux/if_ether.h */
#define ETH_ALEN	6
#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88A8

/* net/ip.h: the flag and offset bits of the IPv4 frag_off field (host order) */
#define IP_MF		0x2000
#define IP_DF		0x4000
#define IP_OFFSET	0x1fff

/* The TCP flag bits of the 14th header byte (the kernel's TCPHDR_*, net/tcp.h). */
#define TCPF_FIN	0x01
#define TCPF_SYN	0x02
#define TCPF_RST	0x04
#define TCPF_PSH	0x08
#define TCPF_ACK	0x10
#define TCPF_URG	0x20
#define TCPF_ECE	0x40
#define TCPF_CWR	0x80

/* linux/pkt_cls.h */
#define TC_ACT_OK	0
#define TC_ACT_SHOT	2

/* asm-generic/errno-base.h, errno.h */
#define ENOENT		2
#define EEXIST		17
#define EINVAL		22
#define ESOCKTNOSUPPORT	94

#endif
