// SPDX-License-Identifier: GPL-2.0
/*
 * A small listener for the queue tests (until the reference server is there):
 *   qlisten ADDR PORT BACKLOG [pause | delay MS | http]
 * pause: never accept; delay MS: sleep MS before each accept, then close the
 * child; http: answer each request with a tiny HTTP response and close.
 * Prints "ready" once listening; runs until killed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char reply[] =
	"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";

static int listen_on(const char *addr, int port, int backlog)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, v6 = strchr(addr, ':') != NULL;
	struct sockaddr *sa = v6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a4;
	int ok = v6 ? inet_pton(AF_INET6, addr, &a6.sin6_addr) : inet_pton(AF_INET, addr, &a4.sin_addr);
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || ok != 1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, sa, v6 ? sizeof(a6) : sizeof(a4)) || listen(fd, backlog))
		return -1;
	return fd;
}

static void serve_http(int c)
{
	char buf[4096];

	if (read(c, buf, sizeof(buf)) > 0 && write(c, reply, sizeof(reply) - 1) < 0)
		perror("write");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 4 ? argv[4] : "accept";
	long delay_ms = argc > 5 ? atol(argv[5]) : 0;
	int fd, c;

	if (argc < 4) {
		fprintf(stderr, "usage: qlisten ADDR PORT BACKLOG [pause | delay MS | http]\n");
		return 2;
	}
	fd = listen_on(argv[1], atoi(argv[2]), atoi(argv[3]));
	if (fd < 0) {
		perror("qlisten: listen");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	if (!strcmp(mode, "pause"))
		for (;;)
			pause();
	for (;;) {
		if (delay_ms) {
			struct timespec ts = { delay_ms / 1000, (delay_ms % 1000) * 1000000L };

			nanosleep(&ts, NULL);
		}
		c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		if (!strcmp(mode, "http"))
			serve_http(c);
		close(c);
	}
}
