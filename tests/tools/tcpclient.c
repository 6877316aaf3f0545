// SPDX-License-Identifier: GPL-2.0
/*
 * A TCP client for the end-to-end tests.
 *
 *   tcpclient hold ADDR PORT N [SECONDS]
 *	Open N connections one after the other, without sending anything, each
 *	with SO_LINGER {1,0} so closing them resets at once (no TIME_WAIT). Each
 *	connect() is given up to two seconds to complete; once one does not,
 *	the listener is full and the rest are started without waiting (they stay
 *	in SYN-SENT). Prints "connected K of N", then holds them until SIGTERM or
 *	SIGINT, or SECONDS (default 60) have passed.
 *
 *   tcpclient echo ADDR PORT BYTES
 *	Send BYTES of a pattern in uneven pieces while reading, and check that
 *	exactly the same bytes come back. Prints "echoed BYTES bytes".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int resolve(const char *addr, const char *port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	int err = getaddrinfo(addr, port, &hints, &ai);

	if (err) {
		fprintf(stderr, "tcpclient: %s port %s: %s\n", addr, port, gai_strerror(err));
		return -1;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/* Start a non-blocking connect; the socket, or -1. */
static int start_connect(const struct sockaddr_storage *ss, socklen_t len)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (connect(fd, (const struct sockaddr *)ss, len) && errno != EINPROGRESS) {
		perror("tcpclient: connect");
		close(fd);
		return -1;
	}
	return fd;
}

static int connected_within(int fd, int ms)
{
	struct pollfd p = { fd, POLLOUT, 0 };
	int err = 0;
	socklen_t l = sizeof(err);

	if (poll(&p, 1, ms) != 1)
		return 0;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
	return err == 0;
}

static int hold(const struct sockaddr_storage *ss, socklen_t len, int n, int seconds)
{
	int *fds = calloc(n, sizeof(int)), connected = 0, waiting = 1;

	if (!fds)
		return 1;
	for (int i = 0; i < n; i++) {
		fds[i] = start_connect(ss, len);
		if (fds[i] < 0)
			return 1;
		if (waiting && connected_within(fds[i], 2000))
			connected++;
		else
			waiting = 0;
	}
	printf("connected %d of %d\n", connected, n);
	fflush(stdout);
	for (int t = 0; t < seconds * 10 && !stop; t++)
		usleep(100000);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	return 0;
}

static int echo(const struct sockaddr_storage *ss, socklen_t len, size_t bytes)
{
	char *out = malloc(bytes), *in = malloc(bytes);
	size_t sent = 0, got = 0, piece = 1;
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (!out || !in || fd < 0 || connect(fd, (const struct sockaddr *)ss, len)) {
		perror("tcpclient: echo");
		return 1;
	}
	for (size_t i = 0; i < bytes; i++)
		out[i] = (char)(i ^ (i >> 8) ^ (i >> 16));
	while (got < bytes) {
		struct pollfd p = { fd, POLLIN | (sent < bytes ? POLLOUT : 0), 0 };

		if (poll(&p, 1, 5000) != 1) {
			fprintf(stderr, "tcpclient: echo: nothing for 5 s after %zu of %zu bytes\n",
				got, bytes);
			return 1;
		}
		if (p.revents & POLLOUT) {
			/* Pieces of 1, 3, 9, ... bytes: requests split anywhere. */
			size_t n = bytes - sent < piece ? bytes - sent : piece;
			ssize_t w = send(fd, out + sent, n, MSG_DONTWAIT | MSG_NOSIGNAL);

			sent += w > 0 ? w : 0;
			piece = piece > 20000 ? 1 : piece * 3;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = recv(fd, in + got, bytes - got, MSG_DONTWAIT);

			if (r <= 0) {
				fprintf(stderr, "tcpclient: echo: connection ended after %zu of %zu bytes\n",
					got, bytes);
				return 1;
			}
			got += r;
		}
	}
	if (memcmp(in, out, bytes)) {
		fprintf(stderr, "tcpclient: echo: the bytes that came back differ\n");
		return 1;
	}
	printf("echoed %zu bytes\n", bytes);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (argc < 5 || resolve(argv[2], argv[3], &ss, &len)) {
		fprintf(stderr, "usage: tcpclient hold ADDR PORT N [SECONDS] | echo ADDR PORT BYTES\n");
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (!strcmp(argv[1], "hold"))
		return hold(&ss, len, atoi(argv[4]), argc > 5 ? atoi(argv[5]) : 60);
	if (!strcmp(argv[1], "echo"))
		return echo(&ss, len, strtoul(argv[4], NULL, 10));
	fprintf(stderr, "tcpclient: unknown mode '%s'\n", argv[1]);
	return 2;
}
