// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded burst of spoofed SYNs for the queue tests:
 *   synspoof DST_IPV4 DPORT COUNT [IFACE MS]
 * Sources are 198.18.0.1, 198.18.0.2, ... (the benchmark range, which the test
 * routes back into the sender's namespace and drops there), one SYN each.
 * With IFACE, the SYN-ACKs are read there (a packet socket sees them before
 * the namespace drops them) for MS milliseconds, and each handshake's first
 * SYN-ACK is answered with its final ACK: connections complete on the
 * listener's side only, when the test wants them to.
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static unsigned short csum(const void *data, size_t len, unsigned int sum)
{
	const unsigned short *p = data;

	for (; len > 1; len -= 2)
		sum += *p++;
	if (len)
		sum += *(const unsigned char *)p;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static unsigned short tcp_csum(const struct iphdr *ip, const struct tcphdr *th)
{
	unsigned int sum = 0;
	const unsigned short *a = (const unsigned short *)&ip->saddr;

	for (int i = 0; i < 4; i++)	/* saddr and daddr */
		sum += a[i];
	sum += htons(IPPROTO_TCP) + htons(sizeof(*th));
	return csum(th, sizeof(*th), sum);
}

#define SRC_BASE	0xc6120000u	/* 198.18.0.0 */
#define SPORT_BASE	10000

struct pkt {
	struct iphdr ip;
	struct tcphdr th;
};

/* Segment i of the burst: SYN, or with ack_seq the final ACK. */
static int send_seg(int fd, const struct sockaddr_in *dst, int port, int i, unsigned int ack_seq)
{
	struct pkt p;

	memset(&p, 0, sizeof(p));
	p.ip.version = 4;
	p.ip.ihl = 5;
	p.ip.ttl = 64;
	p.ip.protocol = IPPROTO_TCP;
	p.ip.tot_len = htons(sizeof(p));
	p.ip.saddr = htonl(SRC_BASE + 1 + i);
	p.ip.daddr = dst->sin_addr.s_addr;
	p.ip.check = csum(&p.ip, sizeof(p.ip), 0);
	p.th.source = htons(SPORT_BASE + i);
	p.th.dest = htons(port);
	p.th.seq = htonl(0x1000u * (i + 1) + (ack_seq ? 1 : 0));
	p.th.ack_seq = htonl(ack_seq);
	p.th.doff = 5;
	p.th.syn = !ack_seq;
	p.th.ack = !!ack_seq;
	p.th.window = htons(65535);
	p.th.check = tcp_csum(&p.ip, &p.th);
	if (sendto(fd, &p, sizeof(p), 0, (const struct sockaddr *)dst, sizeof(*dst)) < 0)
		return -1;
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A packet socket on iface, opened before the SYNs leave so no SYN-ACK is missed. */
static int open_capture(const char *iface)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP) };
	struct timeval tv = { 0, 100000 };
	int fd;

	ll.sll_ifindex = if_nametoindex(iface);
	fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	if (fd < 0 || !ll.sll_ifindex || bind(fd, (struct sockaddr *)&ll, sizeof(ll)))
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Answer the first SYN-ACK of each of the count handshakes; returns how many were answered. */
static int answer_synacks(int fd, int raw, const struct sockaddr_in *dst, int port, int count,
			  int ms)
{
	double end = now_ms() + ms;
	unsigned char *done = calloc(count, 1);
	int answered = 0;
	struct pkt p;

	if (!done)
		return -1;
	while (now_ms() < end) {
		long i;

		if (recv(fd, &p, sizeof(p), 0) < (ssize_t)sizeof(p) ||
		    p.ip.protocol != IPPROTO_TCP || p.ip.ihl != 5 ||
		    p.ip.saddr != dst->sin_addr.s_addr || !p.th.syn || !p.th.ack)
			continue;
		i = (long)ntohl(p.ip.daddr) - SRC_BASE - 1;
		if (i < 0 || i >= count || ntohs(p.th.dest) != SPORT_BASE + i || done[i])
			continue;
		if (send_seg(raw, dst, port, i, ntohl(p.th.seq) + 1))
			return -1;
		done[i] = 1;
		answered++;
	}
	free(done);
	return answered;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	int fd, cap = -1, count, port, one = 1, answered;

	if ((argc != 4 && argc != 6) || inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
		fprintf(stderr, "usage: synspoof DST_IPV4 DPORT COUNT [IFACE MS]\n");
		return 2;
	}
	port = atoi(argv[2]);
	count = atoi(argv[3]);
	if (count < 1 || count > 50000) {
		fprintf(stderr, "synspoof: COUNT must be 1..50000\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		perror("synspoof: raw socket");
		return 1;
	}
	if (argc == 6 && (cap = open_capture(argv[4])) < 0) {
		perror("synspoof: packet socket");
		return 1;
	}
	for (int i = 0; i < count; i++)
		if (send_seg(fd, &dst, port, i, 0)) {
			perror("synspoof: sendto");
			return 1;
		}
	printf("sent %d\n", count);
	if (argc == 6) {
		fflush(stdout);
		answered = answer_synacks(cap, fd, &dst, port, count, atoi(argv[5]));
		if (answered < 0) {
			perror("synspoof: answer SYN-ACKs");
			return 1;
		}
		printf("acked %d\n", answered);
	}
	return 0;
}
