// SPDX-License-Identifier: GPL-2.0
/*
 * synq export: the collector's snapshot as Prometheus metrics, served on
 * GET /metrics by synq's own embeddable server (include/synq/server.h) with
 * one worker thread, so scrapes run one at a time and share the collector
 * without a lock. Each scrape takes a fresh snapshot. The main thread only
 * waits for SIGINT/SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/verb.h"
#include "observe/export.h"
#include "observe/prometheus.h"
#include "serve/http.h"
#include "serve/serve.h"

#ifndef SYNQ_VERSION
#define SYNQ_VERSION "0.1"
#endif

#define VERB "export"
#define DEFAULT_LISTEN "127.0.0.1:9737"

struct export_opts {
	const char *listen;	/* ADDR:PORT as given */
	char host[64];
	uint16_t port;
	bool all_netns;
	bool accept_wait;
	bool enqueue_events;
	unsigned int listeners;
};

struct exporter {
	struct synq_collector *c;
	struct synq_snapshot snap;	/* reused by every scrape */
};

/* ---- HTTP ---- */

struct reply {
	const char *status, *type, *body;
	size_t len;
	const char *headers;	/* more header lines, each ending in CRLF; may be NULL */
};

static int reply(struct synq_conn *conn, const struct http_request *req, const struct reply *r)
{
	char head[256];
	int n;

	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %s\r\nServer: synq\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		     "%s%s\r\n", r->status, r->type, r->len, r->headers ? r->headers : "",
		     req && req->keep_alive ? "" : "Connection: close\r\n");
	if (synq_conn_send(conn, head, n))
		return -ENOMEM;
	if (req && req->head)
		return 0;
	return synq_conn_send(conn, r->body, r->len);
}

/* A short text/plain reply. */
static int reply_text(struct synq_conn *conn, const struct http_request *req, const char *status,
		      const char *text, const char *headers)
{
	const struct reply r = {
		.status = status, .type = "text/plain", .body = text, .len = strlen(text),
		.headers = headers,
	};

	return reply(conn, req, &r);
}

static bool target_is(const struct http_request *req, const char *path)
{
	size_t n = strlen(path);

	/* A query string ("/metrics?x=y") is allowed and ignored. */
	return req->target_len >= n && !memcmp(req->target, path, n) &&
	       (req->target_len == n || req->target[n] == '?');
}

/* A fresh snapshot as the text format. */
static int scrape(struct exporter *e, char **body, size_t *len)
{
	FILE *out = open_memstream(body, len);
	int err;

	if (!out)
		return -errno;
	err = synq_collector_snapshot(e->c, &e->snap);
	if (!err)
		export_write(out, &e->snap, synq_collector_since(e->c), SYNQ_VERSION);
	if (fclose(out))
		err = err ? err : -ENOMEM;
	return err;
}

static int serve_metrics(struct exporter *e, struct synq_conn *conn, const struct http_request *req)
{
	struct reply r = { .status = "200 OK", .type = PROM_CONTENT_TYPE };
	char *body = NULL;
	int err = scrape(e, &body, &r.len);

	if (err) {
		err = reply_text(conn, req, "500 Internal Server Error",
				 "synq export: the collector failed to take a snapshot\n", NULL);
	} else {
		r.body = body;
		err = reply(conn, req, &r);
	}
	free(body);
	return err;
}

static int respond(struct exporter *e, struct synq_conn *conn, const struct http_request *req)
{
	if (!req->get && !req->head)
		return reply_text(conn, req, "405 Method Not Allowed", "only GET and HEAD\n",
				  "Allow: GET, HEAD\r\n");
	if (target_is(req, "/metrics"))
		return serve_metrics(e, conn, req);
	if (target_is(req, "/"))
		return reply_text(conn, req, "200 OK", "synq export: metrics are at /metrics\n", NULL);
	return reply_text(conn, req, "404 Not Found", "not found: metrics are at /metrics\n", NULL);
}

/* The server's handler: every complete request in order, keep-alive as the client asks. */
static long export_handler(struct synq_conn *conn, const char *data, size_t len, void *arg)
{
	struct http_request req;
	size_t done = 0;
	long n;

	while (done < len) {
		n = http_parse(data + done, len - done, &req);
		if (n == HTTP_INCOMPLETE)
			break;
		if (n < 0) {
			reply_text(conn, NULL, "400 Bad Request", "bad request\n", NULL);
			return SYNQ_CLOSE;
		}
		if (respond(arg, conn, &req) || !req.keep_alive)
			return SYNQ_CLOSE;
		done += n;
	}
	return done;
}

/* ---- the verb ---- */

static const char usage[] =
	"Usage: synq [-n NAME] export [--listen ADDR:PORT] [--all-netns]\n"
	"                             [--enqueue-events] [--accept-wait] [--listeners N]\n"
	"\n"
	"Serves the listen-queue observation of `synq watch` as Prometheus metrics\n"
	"(text format 0.0.4) on GET /metrics, a fresh snapshot on every scrape, until\n"
	"Ctrl-C. Loads synq's queue programs at start and detaches them at exit; synq's\n"
	"own counters start then, the kernel's are totals. The metrics are listed in\n"
	"docs/export.md, alert rules are in examples/prometheus/.\n"
	"\n"
	"  --listen ADDR:PORT  where to serve (default " DEFAULT_LISTEN "; IPv6 as\n"
	"                      [::1]:9737). A wildcard address exposes the metrics on\n"
	"                      every interface: synq warns.\n"
	"  --all-netns         every network namespace that has listeners\n"
	"  --enqueue-events    count each connection the accept queue takes\n"
	"                      (enqueued_total and the depth-at-enqueue histogram):\n"
	"                      a hook on every socket that turns readable, about 1 %\n"
	"                      of a busy server's connection rate (docs/export.md,\n"
	"                      Cost). Without it the queues, their limits, overflows\n"
	"                      and the oldest queued connection's wait are shown.\n"
	"  --accept-wait       trace accept() for exact wait times (the wait histogram\n"
	"                      and accepted_total); counts enqueue events too. Costs\n"
	"                      every syscall of the machine the traced slow path:\n"
	"                      about 5 % of a busy server's connection rate.\n"
	"  --listeners N       listener table size (default 4096); beyond it listeners\n"
	"                      keep their gauges and are counted as unattributed\n"
	"  -n NAME             (global) the namespace /run/netns/NAME instead of this one\n";

enum { OPT_LISTEN = 256, OPT_ALL_NETNS, OPT_ACCEPT_WAIT, OPT_LISTENERS, OPT_ENQUEUE_EVENTS };

static const struct option options[] = {
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "all-netns", no_argument, NULL, OPT_ALL_NETNS },
	{ "accept-wait", no_argument, NULL, OPT_ACCEPT_WAIT },
	{ "enqueue-events", no_argument, NULL, OPT_ENQUEUE_EVENTS },
	{ "listeners", required_argument, NULL, OPT_LISTENERS },
	{ 0 },
};

/* "127.0.0.1:9737", "[::1]:9737", "0.0.0.0:9737" into host and port. */
static int parse_listen(const char *value, struct export_opts *o)
{
	const char *colon = strrchr(value, ':');
	struct sockaddr_storage ss;
	unsigned int port;
	socklen_t len;
	size_t n = colon ? (size_t)(colon - value) : 0;

	if (!colon || n >= sizeof(o->host) || (strchr(value, ':') != colon && value[0] != '[')) {
		fprintf(stderr, "synq " VERB ": --listen: '%s' is not ADDR:PORT "
			"(IPv6 in brackets: [::1]:9737)\n", value);
		return -1;
	}
	memcpy(o->host, value, n);
	o->host[n] = '\0';
	if (cli_parse_uint(VERB, "--listen port", colon + 1, 1, 65535, &port))
		return -1;
	if (synq_addr_parse(o->host, port, &ss, &len)) {
		fprintf(stderr, "synq " VERB ": --listen: '%s' is not an IPv4 or IPv6 address\n",
			o->host);
		return -1;
	}
	o->port = port;
	o->listen = value;
	return 0;
}

static int export_parse(int argc, char **argv, struct export_opts *o)
{
	struct cli_seen seen = {};
	int opt;

	memset(o, 0, sizeof(*o));
	if (parse_listen(DEFAULT_LISTEN, o))
		return EXIT_USAGE;
	while ((opt = cli_getopt(VERB, argc, argv, "", options, &seen)) != -1) {
		switch (opt) {
		case OPT_LISTEN:
			if (parse_listen(optarg, o))
				return EXIT_USAGE;
			break;
		case OPT_ALL_NETNS:
			o->all_netns = true;
			break;
		case OPT_ACCEPT_WAIT:
			o->accept_wait = true;
			break;
		case OPT_ENQUEUE_EVENTS:
			o->enqueue_events = true;
			break;
		case OPT_LISTENERS:
			if (cli_parse_uint(VERB, "--listeners", optarg, SYNQ_LISTENERS_FLAG_MIN,
					   SYNQ_LISTENERS_FLAG_MAX, &o->listeners))
				return EXIT_USAGE;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (cli_no_extra_args(VERB, argc, argv))
		return EXIT_USAGE;
	if (cli_all_netns_arg(VERB, o->all_netns))
		return EXIT_USAGE;
	return 0;
}

static int start_server(const struct export_opts *o, struct exporter *e, struct synq_server **srv)
{
	struct synq_server_config cfg;
	struct synq_server_info info;
	char where[INET6_ADDRSTRLEN + 16];
	int err;

	synq_server_config_init(&cfg);
	cfg.bind = o->host;
	cfg.port = o->port;
	cfg.workers = 1;	/* scrapes one at a time: the collector is not shared */
	cfg.handler = export_handler;
	cfg.handler_arg = e;
	err = synq_server_start(&cfg, srv);
	if (err) {
		synq_err(VERB ": cannot listen on %s: %s%s", o->listen, strerror(-err),
			 err == -EADDRINUSE ? " (another socket has this port: pick one with "
					      "--listen)" : "");
		return err;
	}
	synq_server_info(*srv, &info);
	serve_addr_str(&info, where, sizeof(where));
	if (serve_is_wildcard(&info.addr))
		fprintf(stderr, "synq " VERB ": warning: bound to %s, the wildcard address: the "
			"metrics are reachable on every interface of this network namespace "
			"(use --listen ADDR:PORT to limit it)\n", where);
	printf("synq " VERB ": serving http://%s/metrics\n", where);
	fflush(stdout);
	return 0;
}

static int export_run(int argc, char **argv)
{
	struct export_opts o;
	struct exporter e = {};
	struct synq_collector_opts co;
	struct synq_server *srv;
	bool served;
	sigset_t set;
	int err, sig;

	err = export_parse(argc, argv, &o);
	if (err)
		return err;
	co = (struct synq_collector_opts){
		.all_netns = o.all_netns, .no_wait = !o.accept_wait,
		.no_enqueue = !o.enqueue_events, .listeners_max = o.listeners,
	};
	/* Blocked before anything starts, so only sigwait() below sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	e.c = synq_collector_open(&co);
	if (!e.c)
		return EXIT_FAIL;
	served = !start_server(&o, &e, &srv);
	if (served) {
		sigwait(&set, &sig);
		synq_server_stop(srv);
		printf("synq " VERB ": stopped\n");
	}
	synq_collector_close(e.c);
	synq_snapshot_free(&e.snap);
	return served ? EXIT_OK : EXIT_FAIL;
}

const struct synq_verb verb_export = {
	.name = VERB,
	.summary = "serve listen-queue metrics to Prometheus on /metrics",
	.usage = usage,
	.run = export_run,
};
