// SPDX-License-Identifier: GPL-2.0
/*
 * synq serve: the reference listener, a thin command line over the embeddable
 * server (include/synq/server.h). The main thread only waits for signals and
 * prints the per-second counters; the workers do the serving.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "serve/serve.h"
#include "cli/verb.h"

static const char usage[] =
	"Usage: synq serve [--bind ADDR] [--port N] [--backlog N] [--workers N] [--reuseport]\n"
	"                  [--reply http|echo] [--accept-delay MS] [--pause-accept]\n"
	"                  [--max-conns N] [--stats]\n"
	"\n"
	"The reference listener: listen(), then accept4() from an epoll loop, and answer\n"
	"every connection. Stops cleanly on SIGINT or SIGTERM (replies in flight are\n"
	"finished). Prints \"listening on ADDR:PORT\" once it accepts connections.\n"
	"\n"
	"  --bind ADDR         IPv4 or IPv6 address to listen on (default 127.0.0.1)\n"
	"  --port N            TCP port, 0 lets the kernel pick (default 8080)\n"
	"  --backlog N         listen() backlog; the kernel clamps it to\n"
	"                      net.core.somaxconn (default 128)\n"
	"  --workers N         worker threads (default 1)\n"
	"  --reuseport         each worker its own SO_REUSEPORT listener\n"
	"                      (default: the workers share one)\n"
	"  --reply http|echo   http: HTTP/1.1 200 with keep-alive and pipelining\n"
	"                      (default); echo: send every byte back\n"
	"  --accept-delay MS   sleep MS before every accept(): a slow application\n"
	"  --pause-accept      listen but never accept: the accept queue fills up\n"
	"  --max-conns N       keep at most N connections open; more wait in the\n"
	"                      accept queue (default: no limit)\n"
	"  --stats             one line a second: accepted/s, open connections,\n"
	"                      accept errors by errno\n";

enum {
	OPT_BIND = 256, OPT_PORT, OPT_BACKLOG, OPT_WORKERS, OPT_REUSEPORT, OPT_REPLY,
	OPT_DELAY, OPT_PAUSE, OPT_MAX_CONNS, OPT_STATS,
};

static const struct option options[] = {
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "backlog", required_argument, NULL, OPT_BACKLOG },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "reuseport", no_argument, NULL, OPT_REUSEPORT },
	{ "reply", required_argument, NULL, OPT_REPLY },
	{ "accept-delay", required_argument, NULL, OPT_DELAY },
	{ "pause-accept", no_argument, NULL, OPT_PAUSE },
	{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ 0 },
};

static int parse_bind(const char *value, struct synq_server_config *cfg)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (synq_addr_parse(value, 0, &ss, &len)) {
		fprintf(stderr, "synq serve: --bind: '%s' is not an IPv4 or IPv6 address\n", value);
		return -1;
	}
	cfg->bind = value;
	return 0;
}

static int parse_reply(const char *value, struct serve_opts *o)
{
	if (strcmp(value, "http") == 0) {
		o->cfg.handler = synq_http_handler;
	} else if (strcmp(value, "echo") == 0) {
		o->cfg.handler = synq_echo_handler;
	} else {
		fprintf(stderr, "synq serve: --reply: '%s' is not http or echo\n", value);
		return -1;
	}
	o->reply = value;
	return 0;
}

static int parse_one(int opt, const char *arg, struct serve_opts *o)
{
	struct synq_server_config *cfg = &o->cfg;
	unsigned int v = 0;
	int err = 0;

	switch (opt) {
	case OPT_BIND:
		return parse_bind(arg, cfg);
	case OPT_PORT:
		err = cli_parse_uint("serve", "--port", arg, 0, 65535, &v);
		cfg->port = v;
		break;
	case OPT_BACKLOG:
		err = cli_parse_uint("serve", "--backlog", arg, 0, INT_MAX, &v);
		cfg->backlog = v;
		break;
	case OPT_WORKERS:
		return cli_parse_uint("serve", "--workers", arg, 1, 256, &cfg->workers);
	case OPT_REUSEPORT:
		cfg->reuseport = true;
		break;
	case OPT_REPLY:
		return parse_reply(arg, o);
	case OPT_DELAY:
		return cli_parse_uint("serve", "--accept-delay", arg, 0, 60000,
				      &cfg->accept_delay_ms);
	case OPT_PAUSE:
		cfg->pause_accept = true;
		break;
	case OPT_MAX_CONNS:
		return cli_parse_uint("serve", "--max-conns", arg, 1, 100000000, &cfg->max_conns);
	case OPT_STATS:
		o->stats = true;
		break;
	default:
		return -1;	/* cli_getopt said which */
	}
	return err;
}

int serve_parse(int argc, char **argv, struct serve_opts *o)
{
	struct cli_seen seen = {};
	int opt;

	memset(o, 0, sizeof(*o));
	synq_server_config_init(&o->cfg);
	o->reply = "http";
	optind = 1;
	while ((opt = cli_getopt("serve", argc, argv, "", options, &seen)) != -1)
		if (parse_one(opt, optarg, o))
			return EXIT_USAGE;
	if (cli_no_extra_args("serve", argc, argv))
		return EXIT_USAGE;
	return 0;
}

const char *serve_addr_str(const struct synq_server_info *info, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];
	const struct sockaddr_in *a4 = (const void *)&info->addr;
	const struct sockaddr_in6 *a6 = (const void *)&info->addr;

	if (info->addr.ss_family == AF_INET) {
		inet_ntop(AF_INET, &a4->sin_addr, host, sizeof(host));
		snprintf(buf, size, "%s:%u", host, ntohs(a4->sin_port));
	} else {
		inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof(host));
		snprintf(buf, size, "[%s]:%u", host, ntohs(a6->sin6_port));
	}
	return buf;
}

bool serve_is_wildcard(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static const char *start_hint(int err)
{
	switch (err) {
	case -EADDRINUSE:
		return " (another socket has this port: pick one with --port)";
	case -EACCES:
		return " (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
	case -EADDRNOTAVAIL:
		return " (no interface of this network namespace has that address)";
	case -EAFNOSUPPORT:
		return " (IPv6 is disabled here)";
	default:
		return "";
	}
}

/* The two lessons of a listener: the backlog the kernel really uses, and who can reach it. */
static void print_ready(const struct serve_opts *o, const struct synq_server_info *info)
{
	char where[INET6_ADDRSTRLEN + 16];

	serve_addr_str(info, where, sizeof(where));
	if (info->somaxconn < 0)
		printf("synq serve: backlog %d (net.core.somaxconn unreadable: the kernel may clamp it)\n",
		       info->backlog);
	else if (info->backlog > info->somaxconn)
		printf("synq serve: backlog %d is more than net.core.somaxconn (%d): the kernel clamps it to %d\n",
		       info->backlog, info->somaxconn, info->effective_backlog);
	else
		printf("synq serve: backlog %d (net.core.somaxconn %d): the accept queue holds %d connections\n",
		       info->backlog, info->somaxconn, info->effective_backlog + 1);
	if (serve_is_wildcard(&info->addr))
		fprintf(stderr, "synq serve: warning: bound to %s, the wildcard address: reachable on "
			"every interface of this network namespace (use --bind ADDR to limit it)\n",
			where);
	if (o->cfg.pause_accept)
		printf("synq serve: --pause-accept: never calling accept(), connections stay queued\n");
	printf("synq serve: listening on %s (reply %s, %u worker%s%s)\n", where, o->reply,
	       o->cfg.workers, o->cfg.workers == 1 ? "" : "s",
	       o->cfg.reuseport ? ", reuseport" : "");
	fflush(stdout);
}

static void print_stats(const struct synq_server_stats *now, const struct synq_server_stats *prev)
{
	char errs[512] = "none";
	size_t off = 0;

	for (int e = 0; e < SYNQ_SERVER_ERRNO_MAX; e++) {
		const char *name;

		if (!now->accept_errors[e] || off >= sizeof(errs) - 1)
			continue;
		name = strerrorname_np(e);
		off += snprintf(errs + off, sizeof(errs) - off, "%s%s %llu", off ? ", " : "",
				name ? name : "?", (unsigned long long)now->accept_errors[e]);
	}
	printf("synq serve: %llu accepted/s, %llu open, %llu shed, accept errors since start: %s\n",
	       (unsigned long long)(now->accepted - prev->accepted),
	       (unsigned long long)now->open, (unsigned long long)now->shed, errs);
	fflush(stdout);
}

/* Wait for SIGINT/SIGTERM, printing the counters once a second when asked to. */
static void wait_for_signal(struct synq_server *srv, const sigset_t *set, bool stats)
{
	struct synq_server_stats prev, now;
	struct timespec second = { 1, 0 };
	int sig;

	synq_server_stats(srv, &prev);
	for (;;) {
		sig = sigtimedwait(set, NULL, &second);
		if (sig == SIGINT || sig == SIGTERM)
			return;
		if (sig < 0 && errno == EAGAIN && stats) {
			synq_server_stats(srv, &now);
			print_stats(&now, &prev);
			prev = now;
		}
	}
}

static int serve_run(int argc, char **argv)
{
	struct synq_server_stats st;
	struct synq_server_info info;
	struct synq_server *srv;
	struct serve_opts o;
	sigset_t set;
	int err;

	err = serve_parse(argc, argv, &o);
	if (err)
		return err;
	/* Blocked before the workers start, so only sigtimedwait() below sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	err = synq_server_start(&o.cfg, &srv);
	if (err) {
		synq_err("serve: cannot listen on %s port %u: %s%s", o.cfg.bind, o.cfg.port,
			 strerror(-err), start_hint(err));
		return EXIT_FAIL;
	}
	synq_server_info(srv, &info);
	print_ready(&o, &info);
	wait_for_signal(srv, &set, o.stats);
	synq_server_stats(srv, &st);
	synq_server_stop(srv);
	printf("synq serve: stopped; %llu connections accepted, %llu shed\n",
	       (unsigned long long)st.accepted, (unsigned long long)st.shed);
	return EXIT_OK;
}

const struct synq_verb verb_serve = {
	.name = "serve",
	.summary = "the reference listener: accept loop, HTTP or echo replies",
	.usage = usage,
	.run = serve_run,
};
