// SPDX-License-Identifier: GPL-2.0
/*
 * A TCP client and server that exchange a fixed amount of data both ways and
 * print what TCP_INFO says the handshake negotiated, one line per connection:
 *
 *	opts=ts,sack,wscale,ecn snd_wscale=7 rcv_wscale=7 snd_mss=1448 rcv_mss=1448
 *
 *   tcpinfo server PORT COUNT [BYTES]        accept COUNT connections on [::]:PORT
 *   tcpinfo client ADDR PORT COUNT [BYTES]   COUNT connections one after another
 *
 * Each side sends BYTES (default 65536) of a known pattern and checks the
 * BYTES it receives, so data is known to flow both ways. Exit status 0 only if
 * every connection completed; every wait is bounded (5 s).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static size_t nbytes = 65536;

static int set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = 5 };

	return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	       setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int send_pattern(int fd)
{
	char buf[4096];

	for (size_t off = 0; off < nbytes;) {
		size_t n = nbytes - off < sizeof(buf) ? nbytes - off : sizeof(buf);
		ssize_t w;

		for (size_t i = 0; i < n; i++)
			buf[i] = (char)((off + i) * 7);
		w = send(fd, buf, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		off += w;
	}
	return 0;
}

static int recv_pattern(int fd)
{
	char buf[4096];

	for (size_t off = 0; off < nbytes;) {
		size_t want = nbytes - off < sizeof(buf) ? nbytes - off : sizeof(buf);
		ssize_t r = recv(fd, buf, want, 0);

		if (r <= 0)
			return -1;
		for (ssize_t i = 0; i < r; i++)
			if (buf[i] != (char)((off + i) * 7))
				return -1;
		off += r;
	}
	return 0;
}

static void print_info(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len)) {
		printf("tcp_info: %s\n", strerror(errno));
		return;
	}
	printf("opts=%s%s%s%s snd_wscale=%u rcv_wscale=%u snd_mss=%u rcv_mss=%u\n",
	       ti.tcpi_options & TCPI_OPT_TIMESTAMPS ? "ts," : "",
	       ti.tcpi_options & TCPI_OPT_SACK ? "sack," : "",
	       ti.tcpi_options & TCPI_OPT_WSCALE ? "wscale," : "",
	       ti.tcpi_options & TCPI_OPT_ECN ? "ecn" : "",
	       ti.tcpi_options & TCPI_OPT_WSCALE ? ti.tcpi_snd_wscale : 0,
	       ti.tcpi_options & TCPI_OPT_WSCALE ? ti.tcpi_rcv_wscale : 0,
	       ti.tcpi_snd_mss, ti.tcpi_rcv_mss);
	fflush(stdout);
}

static int serve(int port, int count)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				  .sin6_addr = IN6ADDR_ANY_INIT };
	int one = 1, zero = 0, lfd, failed = 0;

	lfd = socket(AF_INET6, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 128)) {
		perror("tcpinfo server: listen");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (int i = 0; i < count; i++) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0 || set_timeouts(fd) || recv_pattern(fd) || send_pattern(fd)) {
			printf("connection %d failed: %s\n", i, strerror(errno));
			failed = 1;
		} else {
			print_info(fd);
		}
		if (fd >= 0)
			close(fd);
	}
	close(lfd);
	return failed;
}

static int connect_once(const struct addrinfo *ai)
{
	struct linger lg = { 1, 0 };	/* RST on close: no TIME_WAIT piles up */
	int fd, err = -1;

	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (!set_timeouts(fd) && !connect(fd, ai->ai_addr, ai->ai_addrlen) &&
	    !send_pattern(fd) && !recv_pattern(fd)) {
		print_info(fd);
		err = 0;
	}
	if (err)
		printf("connection failed: %s\n", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
	return err;
}

static int client(const char *addr, const char *port, int count)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST };
	struct addrinfo *ai;
	int failed = 0;

	if (getaddrinfo(addr, port, &hints, &ai)) {
		fprintf(stderr, "tcpinfo client: bad address %s port %s\n", addr, port);
		return 2;
	}
	for (int i = 0; i < count; i++)
		failed += connect_once(ai) != 0;
	freeaddrinfo(ai);
	if (failed)
		printf("%d of %d connections failed\n", failed, count);
	return failed != 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "server")) {
		if (argc > 4)
			nbytes = strtoul(argv[4], NULL, 10);
		return serve(atoi(argv[2]), atoi(argv[3]));
	}
	if (argc >= 5 && !strcmp(argv[1], "client")) {
		if (argc > 5)
			nbytes = strtoul(argv[5], NULL, 10);
		return client(argv[2], argv[3], atoi(argv[4]));
	}
	fprintf(stderr, "usage: tcpinfo server PORT COUNT [BYTES] | "
		"tcpinfo client ADDR PORT COUNT [BYTES]\n");
	return 2;
}
