// SPDX-License-Identifier: GPL-2.0
/*
 * Hand-made TCP segments over raw sockets (IPv4 or IPv6 by the address form),
 * for what a normal socket cannot do:
 *
 *   rawtcp acks SRC DST DPORT COUNT     COUNT bare ACKs with random ports, seq and ack
 *   rawtcp syns SRC DST DPORT COUNT     COUNT SYNs (SRC may be a foreign, spoofed address)
 *   rawtcp handshake SRC DST DPORT CMD [DEV]
 *                                       SYN, wait for the SYN-ACK, run CMD (sh -c), then
 *                                       send the final ACK for that SYN-ACK, out of
 *                                       interface DEV if given (another host behind
 *                                       the same address)
 *   rawtcp replay SRC DST DPORT HEX     send the TCP segment HEX (header, options and
 *                                       payload, as captured) once, unchanged: a replay
 *
 * The socket is transparent, so SRC may be a foreign address. Checksums are full: computed
 * here for IPv4, by the kernel (IPV6_CHECKSUM) for IPv6. Every wait is bounded.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct peer {
	int family, fd;
	uint16_t dport;		/* network order; the sockaddrs carry port 0 (IPv6 raw
				   sockets read sin6_port as a protocol number) */
	struct sockaddr_storage src, dst;
	socklen_t len;
};

static uint32_t rnd32(void)
{
	uint32_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)rand();
	return v;
}

/*
 * A source port below Linux's default ephemeral range (32768-60999), so a forged
 * segment never hits a real connection (or its TIME_WAIT) of the same client.
 */
static uint16_t own_port(void)
{
	return 1024 + rnd32() % (32768 - 1024);
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static int open_raw(struct peer *p, const char *src, const char *dst, int dport)
{
	struct sockaddr_in *s4 = (void *)&p->src, *d4 = (void *)&p->dst;
	struct sockaddr_in6 *s6 = (void *)&p->src, *d6 = (void *)&p->dst;
	int one = 1, off = 16;

	memset(p, 0, sizeof(*p));
	p->dport = htons(dport);
	p->family = strchr(dst, ':') ? AF_INET6 : AF_INET;
	if (p->family == AF_INET) {
		s4->sin_family = d4->sin_family = AF_INET;
		if (inet_pton(AF_INET, src, &s4->sin_addr) != 1 ||
		    inet_pton(AF_INET, dst, &d4->sin_addr) != 1)
			return -1;
		p->len = sizeof(*s4);
	} else {
		s6->sin6_family = d6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, src, &s6->sin6_addr) != 1 ||
		    inet_pton(AF_INET6, dst, &d6->sin6_addr) != 1)
			return -1;
		p->len = sizeof(*s6);
	}
	p->fd = socket(p->family, SOCK_RAW, IPPROTO_TCP);
	if (p->fd < 0)
		return -1;
	/* Transparent, not just freebind: the route lookup must accept a foreign source. */
	if (p->family == AF_INET)
		setsockopt(p->fd, IPPROTO_IP, IP_TRANSPARENT, &one, sizeof(one));
	else if (setsockopt(p->fd, IPPROTO_IPV6, IPV6_TRANSPARENT, &one, sizeof(one)) ||
		 setsockopt(p->fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof(off)))
		return -1;
	return bind(p->fd, (struct sockaddr *)&p->src, p->len);
}

/* Send one segment with flags, seq, ack, from sport; SYNs carry an MSS option. */
static int send_seg(struct peer *p, uint16_t sport, uint8_t flags, uint32_t seq, uint32_t ack)
{
	uint8_t seg[24] = {};
	struct tcphdr *th = (struct tcphdr *)seg;
	size_t len = flags & TH_SYN ? 24 : 20;

	th->th_sport = htons(sport);
	th->th_dport = p->dport;
	th->th_seq = htonl(seq);
	th->th_ack = htonl(ack);
	th->th_off = len / 4;
	th->th_flags = flags;
	th->th_win = htons(64240);
	if (flags & TH_SYN) {
		seg[20] = 2, seg[21] = 4, seg[22] = 1460 >> 8, seg[23] = 1460 & 0xff;
	}
	if (p->family == AF_INET) {
		uint32_t sum = 0;
		uint8_t proto[2] = { 0, IPPROTO_TCP }, l[2] = { 0, (uint8_t)len };

		sum = csum_add(sum, &((struct sockaddr_in *)&p->src)->sin_addr, 4);
		sum = csum_add(sum, &((struct sockaddr_in *)&p->dst)->sin_addr, 4);
		sum = csum_add(csum_add(sum, proto, 2), l, 2);
		th->th_sum = htons(csum_fold(csum_add(sum, seg, len)));
	}
	return sendto(p->fd, seg, len, 0, (struct sockaddr *)&p->dst, p->len) == (ssize_t)len
		? 0 : -1;
}

/* Wait up to 2 s for the SYN-ACK to sport; its seq into *seq. */
static int wait_synack(struct peer *p, uint16_t sport, uint32_t *seq)
{
	struct timespec t0, t;
	uint8_t buf[2048];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		ssize_t n;
		size_t hl;

		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= 2 || poll(&pfd, 1, 200) < 0)
			return -1;
		if (!(pfd.revents & POLLIN))
			continue;
		n = recv(p->fd, buf, sizeof(buf), 0);
		/* IPv4 raw sockets deliver the IP header, IPv6 ones do not. */
		hl = p->family == AF_INET && n > 0 ? (size_t)(buf[0] & 0xf) * 4 : 0;
		if (n < (ssize_t)(hl + 20))
			continue;
		struct tcphdr *th = (struct tcphdr *)(buf + hl);

		if (ntohs(th->th_dport) == sport && (th->th_flags & (TH_SYN | TH_ACK)) ==
		    (TH_SYN | TH_ACK)) {
			*seq = ntohl(th->th_seq);
			return 0;
		}
	}
}

static int handshake(struct peer *p, const char *cmd, const char *ack_dev)
{
	uint16_t sport = own_port();
	uint32_t isn = rnd32(), cookie;

	if (send_seg(p, sport, TH_SYN, isn, 0) || wait_synack(p, sport, &cookie)) {
		fprintf(stderr, "rawtcp: no SYN-ACK for the SYN from port %u\n", sport);
		return 1;
	}
	printf("synack seq=%u\n", cookie);
	fflush(stdout);
	if (system(cmd) != 0)
		fprintf(stderr, "rawtcp: '%s' failed\n", cmd);
	if (ack_dev && setsockopt(p->fd, SOL_SOCKET, SO_BINDTODEVICE, ack_dev, strlen(ack_dev))) {
		perror("rawtcp: SO_BINDTODEVICE");
		return 1;
	}
	return send_seg(p, sport, TH_ACK, isn + 1, cookie + 1) ? 1 : 0;
}

/* Sends the segment written in hex as it is; its destination port must be DPORT. */
static int replay(struct peer *p, const char *hex)
{
	uint8_t seg[1500];
	size_t len = strlen(hex) / 2;
	struct tcphdr *th = (struct tcphdr *)seg;

	if (strlen(hex) % 2 || len < sizeof(*th) || len > sizeof(seg)) {
		fprintf(stderr, "rawtcp: replay: '%s' is not a TCP segment in hex\n", hex);
		return 2;
	}
	for (size_t i = 0; i < len; i++)
		if (sscanf(hex + 2 * i, "%2hhx", &seg[i]) != 1) {
			fprintf(stderr, "rawtcp: replay: '%.2s' is not a hex byte\n", hex + 2 * i);
			return 2;
		}
	if (th->th_dport != p->dport) {
		fprintf(stderr, "rawtcp: replay: the segment is for port %u\n", ntohs(th->th_dport));
		return 2;
	}
	if (sendto(p->fd, seg, len, 0, (struct sockaddr *)&p->dst, p->len) != (ssize_t)len) {
		perror("rawtcp: sendto");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct peer p;
	int count, err = 0;

	if (argc != 6 && !(argc == 7 && !strcmp(argv[1], "handshake"))) {
		fprintf(stderr, "usage: rawtcp acks|syns|handshake|replay SRC DST DPORT COUNT|CMD [DEV]|HEX\n");
		return 2;
	}
	if (open_raw(&p, argv[2], argv[3], atoi(argv[4]))) {
		perror("rawtcp: raw socket");
		return 1;
	}
	if (!strcmp(argv[1], "handshake"))
		return handshake(&p, argv[5], argc == 7 ? argv[6] : NULL);
	if (!strcmp(argv[1], "replay"))
		return replay(&p, argv[5]);
	count = atoi(argv[5]);
	for (int i = 0; i < count && !err; i++) {
		uint16_t sport = own_port();

		if (!strcmp(argv[1], "acks"))
			err = send_seg(&p, sport, TH_ACK, rnd32(), rnd32());
		else
			err = send_seg(&p, sport, TH_SYN, rnd32(), 0);
	}
	if (err)
		perror("rawtcp: sendto");
	return err ? 1 : 0;
}
