// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded burst of spoofed SYNs for the SYN-queue test:
 *   synspoof DST_IPV4 DPORT COUNT
 * Sources are 198.18.0.1, 198.18.0.2, ... (the benchmark range, which the test
 * routes back into the sender's namespace and drops there), one SYN each.
 */
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

int main(int argc, char **argv)
{
	struct { struct iphdr ip; struct tcphdr th; } pkt;
	struct sockaddr_in dst = { .sin_family = AF_INET };
	int fd, count, one = 1;

	if (argc != 4 || inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
		fprintf(stderr, "usage: synspoof DST_IPV4 DPORT COUNT\n");
		return 2;
	}
	count = atoi(argv[3]);
	if (count < 1 || count > 60000) {
		fprintf(stderr, "synspoof: COUNT must be 1..60000\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		perror("synspoof: raw socket");
		return 1;
	}
	for (int i = 0; i < count; i++) {
		memset(&pkt, 0, sizeof(pkt));
		pkt.ip.version = 4;
		pkt.ip.ihl = 5;
		pkt.ip.ttl = 64;
		pkt.ip.protocol = IPPROTO_TCP;
		pkt.ip.tot_len = htons(sizeof(pkt));
		pkt.ip.saddr = htonl(0xc6120000u + 1 + i);	/* 198.18.0.0/15 */
		pkt.ip.daddr = dst.sin_addr.s_addr;
		pkt.ip.check = csum(&pkt.ip, sizeof(pkt.ip), 0);
		pkt.th.source = htons(10000 + i % 50000);
		pkt.th.dest = htons(atoi(argv[2]));
		pkt.th.seq = htonl(0x1000u * (i + 1));
		pkt.th.doff = 5;
		pkt.th.syn = 1;
		pkt.th.window = htons(65535);
		pkt.th.check = tcp_csum(&pkt.ip, &pkt.th);
		if (sendto(fd, &pkt, sizeof(pkt), 0, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
			perror("synspoof: sendto");
			return 1;
		}
	}
	printf("sent %d\n", count);
	return 0;
}
