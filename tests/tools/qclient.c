// SPDX-License-Identifier: GPL-2.0
/*
 * Clients for the queue tests:
 *   qclient hold ADDR PORT N        open N connections, keep them until killed
 *   qclient burst ADDR PORT N MS    start N connections, abort them all after MS
 *   qclient loop ADDR PORT SECONDS  one connection at a time: connect, send an
 *                                   HTTP/1.0 request, read the reply until the
 *                                   server closes, repeat; prints the count, and
 *                                   fails on any reply that is not a 200
 * Connections close with SO_LINGER {1, 0}: no TIME_WAIT pile-up.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_storage dst;
static socklen_t dst_len;

static int parse_dst(const char *addr, int port)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&dst;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&dst;

	if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		dst_len = sizeof(*a6);
		return 0;
	}
	a4->sin_family = AF_INET;
	a4->sin_port = htons(port);
	dst_len = sizeof(*a4);
	return inet_pton(AF_INET, addr, &a4->sin_addr) == 1 ? 0 : -1;
}

static int open_conn(int nonblock)
{
	struct linger lg = { 1, 0 };
	int fd = socket(dst.ss_family, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (connect(fd, (struct sockaddr *)&dst, dst_len) && !nonblock) {
		close(fd);
		return -1;
	}
	return fd;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One request on a new connection; 0 when the server answered 200 and closed. */
static int request(void)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	char buf[512];
	size_t got = 0;
	ssize_t r = 0;
	int fd = open_conn(0);

	if (fd < 0) {
		perror("qclient: connect");
		return -1;
	}
	if (write(fd, req, sizeof(req) - 1) != sizeof(req) - 1) {
		perror("qclient: write");
		close(fd);
		return -1;
	}
	/* until the server closes; only the reply's start is kept */
	while ((r = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		if (got + r < sizeof(buf) - 1)
			got += r;
	close(fd);
	buf[got] = '\0';
	if (r < 0 || strncmp(buf, "HTTP/1.1 200 ", 13)) {
		fprintf(stderr, "qclient: bad reply: %.40s\n", buf);
		return -1;
	}
	return 0;
}

static int loop(double seconds)
{
	double end = now() + seconds;
	long n = 0;

	while (now() < end) {
		if (request())
			return 1;
		n++;
	}
	printf("%ld\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	int n = argc > 4 ? atoi(argv[4]) : 0;
	int *fds;

	if (argc < 5 || parse_dst(argv[2], atoi(argv[3]))) {
		fprintf(stderr, "usage: qclient hold|burst|loop ADDR PORT N|SECONDS [MS]\n");
		return 2;
	}
	if (!strcmp(argv[1], "loop"))
		return loop(atof(argv[4]));
	fds = calloc(n, sizeof(*fds));
	for (int i = 0; i < n; i++)
		fds[i] = open_conn(!strcmp(argv[1], "burst"));
	if (!strcmp(argv[1], "burst")) {
		usleep((argc > 5 ? atoi(argv[5]) : 500) * 1000);
		return 0;	/* exit closes them all: SYN_SENT sockets vanish silently */
	}
	for (int i = 0; i < n; i++)
		if (fds[i] < 0) {
			fprintf(stderr, "qclient: connection %d failed\n", i + 1);
			return 1;
		}
	printf("held %d\n", n);
	fflush(stdout);
	pause();
	return 0;
}
