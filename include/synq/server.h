/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The synq reference server as a library: a TCP listener with an accept loop
 * done the way a production server does it (accept4 + epoll, non-blocking
 * sockets, descriptor exhaustion survived without spinning), worker threads,
 * and a per-connection handler supplied by the application.
 *
 *	struct synq_server_config cfg;
 *	struct synq_server *srv;
 *
 *	synq_server_config_init(&cfg);
 *	cfg.port = 8080;
 *	cfg.handler = my_handler;
 *	err = synq_server_start(&cfg, &srv);	// listening when it returns 0
 *	...
 *	synq_server_stop(srv);			// finishes replies in flight, frees all
 *
 * Link with libsynq.a and -lpthread. Nothing else: no libbpf, no curses.
 * Worker threads block every signal, so signals reach the application's own
 * threads. Errors are returned as -errno; the library prints nothing.
 */
#ifndef SYNQ_SERVER_H
#define SYNQ_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

struct synq_server;
struct synq_conn;

/* A handler's return value: queued output is written, then the connection closes. */
#define SYNQ_CLOSE (-1L)

/*
 * The application's handler. The server calls it on a worker thread whenever
 * bytes arrive, with every byte received on this connection and not consumed
 * yet (so a request split across reads arrives whole, and several pipelined
 * requests arrive together). It answers with synq_conn_send() and returns how
 * many bytes it consumed (0..len; the rest is offered again with what comes
 * next), or SYNQ_CLOSE. When the unconsumed bytes fill the input buffer
 * (config.max_input) and the handler still consumes none, the server closes
 * the connection.
 */
typedef long (*synq_handler_fn)(struct synq_conn *conn, const char *data, size_t len, void *arg);

struct synq_server_config {
	const char *bind;		/* numeric IPv4 or IPv6 address; default "127.0.0.1" */
	uint16_t port;			/* 0: the kernel picks one (see synq_server_info) */
	int backlog;			/* listen() backlog; the kernel clamps it to somaxconn */
	unsigned int workers;		/* threads, each with its own epoll; default 1 */
	bool reuseport;			/* each worker its own SO_REUSEPORT listener */
	unsigned int accept_delay_ms;	/* sleep before every accept(): a slow application */
	bool pause_accept;		/* listen but never accept: the accept queue fills */
	unsigned int max_conns;		/* open connections at most; 0: no limit */
	size_t max_input;		/* unconsumed input per connection; default 16 KiB */
	synq_handler_fn handler;	/* default: synq_http_handler */
	void *handler_arg;
};

/* Counters since start, summed over the workers. */
#define SYNQ_SERVER_ERRNO_MAX 134	/* accept errors are counted per errno below this */
struct synq_server_stats {
	uint64_t accepted;		/* connections accept() returned */
	uint64_t closed;		/* of those, closed again */
	uint64_t open;			/* accepted - closed */
	uint64_t shed;			/* accepted only to be closed: no descriptor was left */
	uint64_t accept_errors[SYNQ_SERVER_ERRNO_MAX];	/* by errno: EMFILE, ECONNABORTED... */
};

/* What the kernel made of the configuration. */
struct synq_server_info {
	struct sockaddr_storage addr;	/* where it listens (the port filled in) */
	socklen_t addr_len;
	int backlog;			/* as asked */
	int somaxconn;			/* net.core.somaxconn of the listener's namespace; -1 unknown */
	int effective_backlog;		/* min(backlog, somaxconn): the accept queue's limit */
};

/* Fill cfg with the defaults above. */
void synq_server_config_init(struct synq_server_config *cfg);

/*
 * Parse a numeric address ("127.0.0.1", "::1", "[::1]", "fe80::1%eth0") and a
 * port into a socket address. 0 or -EINVAL.
 */
int synq_addr_parse(const char *text, uint16_t port, struct sockaddr_storage *ss,
		    socklen_t *len);

/*
 * Create the listener(s), start the workers. On success *out is listening and
 * 0 is returned; otherwise -errno (-EADDRINUSE, -EACCES, -EADDRNOTAVAIL,
 * -EINVAL for a bad configuration, ...) and nothing is left behind.
 */
int synq_server_start(const struct synq_server_config *cfg, struct synq_server **out);

/*
 * Stop: close the listeners, let each connection finish the requests it has
 * already received and write their replies (for at most two seconds), close
 * everything, join the workers and free the server.
 */
void synq_server_stop(struct synq_server *srv);

void synq_server_stats(const struct synq_server *srv, struct synq_server_stats *st);
void synq_server_info(const struct synq_server *srv, struct synq_server_info *info);

/* Queue bytes for the peer; written when the handler returns. 0 or -ENOMEM. */
int synq_conn_send(struct synq_conn *conn, const void *buf, size_t len);
/* The connection's socket, e.g. for getpeername(); do not close it. */
int synq_conn_fd(const struct synq_conn *conn);

/*
 * Two ready-made handlers. synq_http_handler answers every HTTP/1.x request
 * with "200 OK" and a short body, keeps connections alive unless the client
 * says otherwise, and answers pipelined requests in order. synq_echo_handler
 * sends every byte back.
 */
long synq_http_handler(struct synq_conn *conn, const char *data, size_t len, void *arg);
long synq_echo_handler(struct synq_conn *conn, const char *data, size_t len, void *arg);

#endif
