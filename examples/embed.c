// SPDX-License-Identifier: GPL-2.0
/*
 * Embedding the synq reference server in an application of your own.
 *
 *   cc embed.c libsynq.a -lpthread -o embed
 *   ./embed [ADDR] [PORT]            (default 127.0.0.1 8080)
 *
 * The application brings its handler; the library brings the listener, the
 * accept loop, the workers and a clean stop. This handler answers every HTTP
 * request with a counter and closes the connection. Stop it with Ctrl-C.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <synq/server.h>

struct app {
	unsigned long requests;	/* shared by the workers: updated atomically */
};

/* Wait for the end of the request head, answer, close. */
static long handler(struct synq_conn *conn, const char *data, size_t len, void *arg)
{
	struct app *app = arg;
	char body[64], reply[256];
	unsigned long n;
	int blen, rlen;

	if (!memmem(data, len, "\r\n\r\n", 4))
		return 0;	/* not all there yet: offered again with more */
	n = __atomic_add_fetch(&app->requests, 1, __ATOMIC_RELAXED);
	blen = snprintf(body, sizeof(body), "hello from an embedded synq server, request %lu\n", n);
	rlen = snprintf(reply, sizeof(reply),
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
			"Connection: close\r\n\r\n%s", blen, body);
	synq_conn_send(conn, reply, rlen);
	return SYNQ_CLOSE;
}

int main(int argc, char **argv)
{
	struct synq_server_config cfg;
	struct synq_server_stats st;
	struct synq_server *srv;
	struct app app = { 0 };
	sigset_t stop;
	int err, sig;

	synq_server_config_init(&cfg);
	if (argc > 1)
		cfg.bind = argv[1];
	if (argc > 2)
		cfg.port = atoi(argv[2]);
	cfg.handler = handler;
	cfg.handler_arg = &app;

	/* Block the stop signals first: the workers inherit the mask, we sigwait(). */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	err = synq_server_start(&cfg, &srv);
	if (err) {
		fprintf(stderr, "embed: cannot listen on %s port %u: %s\n", cfg.bind, cfg.port,
			strerror(-err));
		return 1;
	}
	printf("embed: listening on %s port %u\n", cfg.bind, cfg.port);
	fflush(stdout);

	sigwait(&stop, &sig);
	synq_server_stats(srv, &st);
	synq_server_stop(srv);
	printf("embed: stopped; %llu connections, %lu requests answered\n",
	       (unsigned long long)st.accepted, app.requests);
	return 0;
}
