// SPDX-License-Identifier: GPL-2.0
/*
 * The embeddable server through its public API, over loopback with real
 * sockets (no privileges needed): framing across reads, pipelining, close,
 * oversized heads, echo with back-pressure, stats, --max-conns, and a stop
 * that still answers the requests already received.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "synq/server.h"

static struct synq_server *start(synq_handler_fn handler, void *arg, unsigned int max_conns)
{
	struct synq_server_config cfg;
	struct synq_server *srv;

	synq_server_config_init(&cfg);
	cfg.port = 0;
	cfg.handler = handler;
	cfg.handler_arg = arg;
	cfg.max_conns = max_conns;
	assert_int_equal(synq_server_start(&cfg, &srv), 0);
	return srv;
}

static int client(struct synq_server *srv)
{
	struct timeval tv = { .tv_sec = 5 };
	struct synq_server_info info;
	int fd;

	synq_server_info(srv, &info);
	fd = socket(info.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	/* Never hang the suite: a missing reply fails after 5 s. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&info.addr, info.addr_len), 0);
	return fd;
}

static void send_all(int fd, const void *buf, size_t len)
{
	assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Read until `want` bytes arrived, EOF, or the timeout. */
static size_t recv_upto(int fd, char *buf, size_t want)
{
	size_t got = 0;
	ssize_t n;

	while (got < want && (n = recv(fd, buf + got, want - got, 0)) > 0)
		got += n;
	return got;
}

static bool at_eof(int fd)
{
	char c;

	return recv(fd, &c, 1, 0) == 0;
}

static int count_of(const char *hay, size_t len, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = memmem(p, hay + len - p, needle, strlen(needle))); p++)
		n++;
	return n;
}

/* Read one whole 200 reply (head + 3-byte body) */
static void expect_ok(int fd)
{
	char buf[512] = "";
	size_t got = 0;
	char *end = NULL;

	while (!end && got < sizeof(buf) - 1) {
		ssize_t n = recv(fd, buf + got, 1, 0);

		assert_int_equal(n, 1);
		got++;
		end = strstr(buf, "\r\n\r\n");
	}
	assert_non_null(end);
	assert_memory_equal(buf, "HTTP/1.1 200 OK\r\n", 17);
	assert_non_null(strstr(buf, "Content-Length: 3\r\n"));
	assert_int_equal(recv_upto(fd, buf, 3), 3);
	assert_memory_equal(buf, "ok\n", 3);
}

static void test_info(void **state)
{
	struct synq_server *srv = start(NULL, NULL, 0);
	struct synq_server_info info;
	struct sockaddr_in *a = (void *)&info.addr;

	(void)state;
	synq_server_info(srv, &info);
	assert_int_equal(info.addr.ss_family, AF_INET);
	assert_int_not_equal(a->sin_port, 0);	/* the kernel picked one */
	assert_int_equal(info.backlog, 128);
	if (info.somaxconn >= 0)
		assert_int_equal(info.effective_backlog,
				 info.somaxconn < 128 ? info.somaxconn : 128);
	synq_server_stop(srv);
}

static void test_request_byte_by_byte_then_keep_alive(void **state)
{
	static const char req[] = "GET /slow HTTP/1.1\r\nHost: test\r\n\r\n";
	struct synq_server *srv = start(NULL, NULL, 0);
	int fd = client(srv);

	(void)state;
	for (size_t i = 0; i < sizeof(req) - 1; i++) {
		send_all(fd, req + i, 1);
		usleep(1000);
	}
	expect_ok(fd);
	send_all(fd, req, sizeof(req) - 1);	/* the same connection serves again */
	expect_ok(fd);
	close(fd);
	synq_server_stop(srv);
}

static void test_pipelined(void **state)
{
	static const char reqs[] = "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"
				   "GET /3 HTTP/1.1\r\nConnection: close\r\n\r\n";
	struct synq_server *srv = start(NULL, NULL, 0);
	int fd = client(srv);
	char buf[4096];
	size_t got;

	(void)state;
	send_all(fd, reqs, sizeof(reqs) - 1);
	got = recv_upto(fd, buf, sizeof(buf));	/* to EOF: the last one closes */
	assert_int_equal(count_of(buf, got, "HTTP/1.1 200 OK\r\n"), 3);
	assert_int_equal(count_of(buf, got, "Connection: close\r\n"), 1);
	assert_memory_equal(buf + got - 3, "ok\n", 3);
	close(fd);
	synq_server_stop(srv);
}

static void test_oversized_head_gets_431_and_close(void **state)
{
	struct synq_server *srv = start(NULL, NULL, 0);
	int fd = client(srv);
	static char big[20000];
	char buf[512];
	size_t got;

	(void)state;
	strcpy(big, "GET / HTTP/1.1\r\nX-Filler: ");
	memset(big + strlen(big), 'x', sizeof(big) - strlen(big));
	/* The server stops reading at the limit; what it did not read may be refused. */
	send(fd, big, sizeof(big), MSG_NOSIGNAL);
	got = recv_upto(fd, buf, sizeof(buf));
	assert_true(got > 13);
	assert_memory_equal(buf, "HTTP/1.1 431 ", 13);
	close(fd);
	synq_server_stop(srv);
}

/* More than the socket buffers hold, sent while reading: echo must push back, not lose. */
static void test_echo_large(void **state)
{
	struct synq_server *srv = start(synq_echo_handler, NULL, 0);
	int fd = client(srv);
	size_t len = 4 << 20, sent = 0, got = 0;
	char *out = malloc(len), *in = malloc(len);

	(void)state;
	for (size_t i = 0; i < len; i++)
		out[i] = (char)(i * 7 + i / 251);
	while (got < len) {
		struct pollfd p = { fd, POLLIN | (sent < len ? POLLOUT : 0), 0 };

		assert_true(poll(&p, 1, 5000) > 0);
		if (p.revents & POLLOUT) {
			ssize_t n = send(fd, out + sent, len - sent, MSG_DONTWAIT | MSG_NOSIGNAL);

			assert_true(n > 0 || errno == EAGAIN);
			sent += n > 0 ? n : 0;
		}
		if (p.revents & POLLIN) {
			ssize_t n = recv(fd, in + got, len - got, MSG_DONTWAIT);

			assert_true(n > 0);
			got += n;
		}
	}
	assert_memory_equal(in, out, len);
	free(in);
	free(out);
	close(fd);
	synq_server_stop(srv);
}

static int nodelay_seen = -1;

/* An application handler: "<name>\n" lines answered with "hello <name>\n". */
static long greet(struct synq_conn *c, const char *data, size_t len, void *arg)
{
	const char *nl = memchr(data, '\n', len);
	socklen_t sl = sizeof(nodelay_seen);
	char reply[128];
	int n;

	getsockopt(synq_conn_fd(c), IPPROTO_TCP, TCP_NODELAY, &nodelay_seen, &sl);
	if (!nl)
		return 0;
	n = snprintf(reply, sizeof(reply), "%s %.*s\n", (const char *)arg, (int)(nl - data), data);
	synq_conn_send(c, reply, n);
	return nl - data + 1;
}

static void test_custom_handler_and_stats(void **state)
{
	struct synq_server *srv = start(greet, "hello", 0);
	struct synq_server_stats st;
	char buf[64] = "";
	int fd[3];

	(void)state;
	for (int i = 0; i < 3; i++) {
		fd[i] = client(srv);
		send_all(fd[i], "wor", 3);
		usleep(2000);
		send_all(fd[i], "ld\n", 3);
		assert_int_equal(recv_upto(fd[i], buf, 12), 12);
		assert_memory_equal(buf, "hello world\n", 12);
	}
	/* Inherited from the listener: pipelined replies are not held back by Nagle. */
	assert_int_equal(nodelay_seen, 1);
	synq_server_stats(srv, &st);
	assert_int_equal(st.accepted, 3);
	assert_int_equal(st.open, 3);
	close(fd[0]);
	for (int i = 0; i < 500 && st.open != 2; i++) {
		usleep(2000);
		synq_server_stats(srv, &st);
	}
	assert_int_equal(st.open, 2);
	assert_int_equal(st.closed, 1);
	close(fd[1]);
	close(fd[2]);
	synq_server_stop(srv);
}

/* With max_conns 2 a third client waits in the accept queue until one leaves. */
static void test_max_conns(void **state)
{
	struct synq_server *srv = start(NULL, NULL, 2);
	static const char req[] = "GET / HTTP/1.1\r\n\r\n";
	struct synq_server_stats st;
	int a = client(srv), b = client(srv), c;

	(void)state;
	send_all(a, req, sizeof(req) - 1);
	expect_ok(a);
	send_all(b, req, sizeof(req) - 1);
	expect_ok(b);
	c = client(srv);	/* the kernel completes the handshake; nobody accepts */
	send_all(c, req, sizeof(req) - 1);
	usleep(200000);
	synq_server_stats(srv, &st);
	assert_int_equal(st.accepted, 2);
	struct pollfd p = { c, POLLIN, 0 };

	assert_int_equal(poll(&p, 1, 0), 0);	/* no reply yet */
	close(a);
	expect_ok(c);
	synq_server_stats(srv, &st);
	assert_int_equal(st.accepted, 3);
	close(b);
	close(c);
	synq_server_stop(srv);
}

/* Stop answers a request already received, and closes idle connections. */
static void test_stop_finishes_in_flight(void **state)
{
	static const char req[] = "GET / HTTP/1.1\r\n\r\n";
	struct synq_server *srv = start(NULL, NULL, 0);
	int idle = client(srv), busy = client(srv);
	struct synq_server_stats st;

	(void)state;
	send_all(idle, req, sizeof(req) - 1);
	expect_ok(idle);
	/* Accepted first: a connection still in the accept queue at stop is reset. */
	for (int i = 0; i < 2500 && (synq_server_stats(srv, &st), st.accepted < 2); i++)
		usleep(2000);
	assert_int_equal(st.accepted, 2);
	send_all(busy, req, sizeof(req) - 1);
	synq_server_stop(srv);	/* right away: the request may not be read yet */
	expect_ok(busy);
	assert_true(at_eof(busy));
	assert_true(at_eof(idle));
	close(idle);
	close(busy);
}

/* Four workers sharing one listener, then four with a listener each: all answer. */
static void test_workers(void **state)
{
	static const char req[] = "GET / HTTP/1.1\r\nConnection: close\r\n\r\n";
	struct synq_server_config cfg;
	struct synq_server_stats st;
	struct synq_server *srv;

	(void)state;
	for (int reuseport = 0; reuseport < 2; reuseport++) {
		synq_server_config_init(&cfg);
		cfg.port = 0;
		cfg.workers = 4;
		cfg.reuseport = reuseport;
		assert_int_equal(synq_server_start(&cfg, &srv), 0);
		for (int i = 0; i < 40; i++) {
			int fd = client(srv);

			send_all(fd, req, sizeof(req) - 1);
			expect_ok(fd);
			assert_true(at_eof(fd));
			close(fd);
		}
		synq_server_stats(srv, &st);
		assert_int_equal(st.accepted, 40);
		synq_server_stop(srv);
	}
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/*
 * A client that sends but never reads: stop gives its replies a bounded time,
 * then closes, and waits without spinning.
 */
static void test_stop_with_a_client_that_does_not_read(void **state)
{
	struct synq_server *srv = start(synq_echo_handler, NULL, 0);
	static char junk[65536];
	int fd = client(srv);
	double cpu;

	(void)state;
	/* Fill both directions until the server stops reading (its replies cannot go out). */
	for (int idle = 0; idle < 50;) {
		if (send(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
			idle = 0;
		else
			idle++, usleep(2000);
	}
	cpu = cpu_seconds();
	synq_server_stop(srv);
	/* The drain lasts up to two seconds; spinning through them would use as much CPU. */
	assert_true(cpu_seconds() - cpu < 0.5);
	close(fd);
}

static void test_bad_config(void **state)
{
	struct synq_server_config cfg;
	struct synq_server *srv = (void *)1;

	(void)state;
	synq_server_config_init(&cfg);
	cfg.bind = "not-an-address";
	assert_int_equal(synq_server_start(&cfg, &srv), -EINVAL);
	assert_null(srv);
	cfg.bind = "127.0.0.1";
	cfg.max_input = 10;
	assert_int_equal(synq_server_start(&cfg, &srv), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_request_byte_by_byte_then_keep_alive),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_oversized_head_gets_431_and_close),
		cmocka_unit_test(test_echo_large),
		cmocka_unit_test(test_custom_handler_and_stats),
		cmocka_unit_test(test_max_conns),
		cmocka_unit_test(test_stop_finishes_in_flight),
		cmocka_unit_test(test_workers),
		cmocka_unit_test(test_stop_with_a_client_that_does_not_read),
		cmocka_unit_test(test_bad_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
