// SPDX-License-Identifier: GPL-2.0
/*
 * The embeddable reference server (include/synq/server.h).
 *
 * Each worker thread runs one level-triggered epoll loop over a listener (its
 * own with reuseport, else the shared one, watched with EPOLLEXCLUSIVE so one
 * connection wakes one worker) and its connections. A connection reads into a
 * fixed input buffer, hands the unconsumed bytes to the handler, and writes
 * whatever the handler queued in one send(). A freshly accepted socket is read
 * at once while requests tend to be there already (the whole exchange then
 * needs no epoll_ctl() at all), else it goes straight to epoll.
 *
 * Out of descriptors (EMFILE/ENFILE), a worker gives up a reserve descriptor
 * to accept the next connection and close it at once (the client learns right
 * away instead of waiting in a queue that never moves, and the listener never
 * stays readable, which would spin). If even that fails, it stops watching the
 * listener for a moment and tries again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "synq/server.h"

#define ACCEPT_BATCH	64	/* accepts per wakeup before serving connections again */
#define BACKOFF_MS	100	/* listener rest after an error the reserve cannot cure */
#define DRAIN_MS	2000	/* how long stop waits for replies in flight */
#define FREE_CONNS	256	/* closed connections kept for reuse, per worker */
#define MIN_INPUT	256

struct worker;

struct synq_conn {
	struct synq_conn *prev, *next;	/* the worker's open connections */
	struct worker *w;
	int fd;
	uint32_t events;		/* registered with epoll; 0: not registered */
	bool closing;			/* close once the output is written */
	bool drained;			/* the last read left nothing behind */
	bool fresh;			/* not read yet */
	char *out;
	size_t out_len, out_off, out_cap;
	size_t in_len;
	char in[];			/* srv->cfg.max_input bytes */
};

struct counters {
	uint64_t accepted, closed, shed;
	uint64_t errors[SYNQ_SERVER_ERRNO_MAX];
};

struct worker {
	struct synq_server *srv;
	pthread_t thread;
	int epfd;
	int lfd;
	bool armed;			/* lfd is in epfd */
	bool draining;
	uint64_t rest_until;		/* back-off deadline (ms, CLOCK_MONOTONIC) */
	int reserve_fd;
	struct synq_conn head;		/* list of open connections */
	struct synq_conn *free;
	unsigned int nfree;
	int early_score;		/* > 0: requests tend to beat accept() */
	unsigned int probe;
	struct counters cnt;		/* written by this worker only */
};

struct synq_server {
	struct synq_server_config cfg;
	struct synq_server_info info;
	int stop_fd;			/* eventfd, readable once stop begins */
	uint64_t open;			/* open connections, all workers */
	int *lfds;
	unsigned int nlfds;
	unsigned int nthreads;		/* started workers */
	struct worker w[];
};

/* Tags in epoll_event.data.ptr that are not connections. */
static char listener_tag, stop_tag;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static void count(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

void synq_server_config_init(struct synq_server_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->bind = "127.0.0.1";
	cfg->port = 8080;
	cfg->backlog = 128;
	cfg->workers = 1;
	cfg->max_input = 16384;
	cfg->handler = synq_http_handler;
}

int synq_addr_parse(const char *text, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	size_t n;

	if (!text || !*text)
		return -EINVAL;
	n = strlen(text);
	/* "[::1]" as in URLs */
	if (text[0] == '[' && text[n - 1] == ']' && n - 2 < sizeof(buf)) {
		memcpy(buf, text + 1, n - 2);
		buf[n - 2] = '\0';
		text = buf;
	}
	if (getaddrinfo(text, NULL, &hints, &ai))
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	return 0;
}

/* ---- connections ---- */

static int conn_watch(struct synq_conn *c, uint32_t want)
{
	struct epoll_event ev = { .events = want, .data.ptr = c };
	int op = c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

	if (c->events == want)
		return 0;
	if (epoll_ctl(c->w->epfd, op, c->fd, &ev))
		return -errno;
	c->events = want;
	return 0;
}

static void conn_free(struct worker *w, struct synq_conn *c)
{
	if (w->nfree >= FREE_CONNS) {
		free(c->out);
		free(c);
		return;
	}
	c->next = w->free;
	w->free = c;
	w->nfree++;
}

static void conn_close(struct synq_conn *c)
{
	struct worker *w = c->w;

	close(c->fd);	/* also leaves the epoll set */
	c->prev->next = c->next;
	c->next->prev = c->prev;
	__atomic_fetch_sub(&w->srv->open, 1, __ATOMIC_RELAXED);
	count(&w->cnt.closed, 1);
	conn_free(w, c);
}

static struct synq_conn *conn_new(struct worker *w, int fd)
{
	struct synq_conn *c = w->free;

	if (c) {
		w->free = c->next;
		w->nfree--;
	} else {
		c = malloc(sizeof(*c) + w->srv->cfg.max_input);
		if (!c)
			return NULL;
		c->out = NULL;
		c->out_cap = 0;
	}
	c->w = w;
	c->fd = fd;
	c->events = 0;
	c->closing = c->drained = false;
	c->fresh = true;
	c->in_len = c->out_len = c->out_off = 0;
	c->next = w->head.next;
	c->prev = &w->head;
	c->next->prev = c;
	w->head.next = c;
	return c;
}

int synq_conn_send(struct synq_conn *c, const void *buf, size_t len)
{
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *p;

		while (cap < c->out_len + len)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p)
			return -ENOMEM;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	return 0;
}

int synq_conn_fd(const struct synq_conn *c)
{
	return c->fd;
}

long synq_echo_handler(struct synq_conn *c, const char *data, size_t len, void *arg)
{
	(void)arg;
	return synq_conn_send(c, data, len) ? SYNQ_CLOSE : (long)len;
}

/*
 * Write the queued output. Returns false when the connection was closed.
 * While output is pending the connection is not read: that is the
 * back-pressure a slow reader puts on a fast writer.
 */
static bool conn_flush(struct synq_conn *c)
{
	/*
	 * The last reply before a close is corked (MSG_MORE): close() then
	 * sends the FIN on the same segment as the data, one packet fewer for
	 * each side to process on every "Connection: close" request. Not when
	 * input may be left unread: close() then resets, and corked data would
	 * be lost with it.
	 */
	bool cork = c->closing && c->drained;
	int flags = MSG_NOSIGNAL | MSG_DONTWAIT | (cork ? MSG_MORE : 0);

	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, flags);

		if (n > 0) {
			c->out_off += n;
		} else if (errno == EAGAIN) {
			if (conn_watch(c, EPOLLOUT))
				break;
			return true;
		} else if (errno != EINTR) {
			break;
		}
	}
	if (c->out_off < c->out_len || c->closing) {
		conn_close(c);
		return false;
	}
	c->out_off = c->out_len = 0;
	if (conn_watch(c, EPOLLIN)) {
		conn_close(c);
		return false;
	}
	return true;
}

/* Offer the input to the handler and keep what it did not consume. */
static void conn_handle(struct synq_conn *c)
{
	const struct synq_server_config *cfg = &c->w->srv->cfg;
	long n = cfg->handler(c, c->in, c->in_len, cfg->handler_arg);

	if (n < 0 || (size_t)n > c->in_len) {
		c->closing = true;
		c->in_len = 0;
		return;
	}
	if (n == 0 && c->in_len == cfg->max_input) {
		c->closing = true;	/* full, and the handler cannot make progress */
		return;
	}
	c->in_len -= n;
	if (n && c->in_len)
		memmove(c->in, c->in + n, c->in_len);
}

/*
 * A new connection ACKs its first data at once, although the reply follows
 * a moment later and could carry that ACK. Delayed-ACK mode lets it: one
 * segment fewer per request (4.0 -> 3.1 segments sent per "Connection:
 * close" request under wrk). Only worth a system call while the request has
 * not arrived (and been ACKed) yet; not inherited from the listener.
 */
static void delay_first_ack(struct synq_conn *c)
{
	setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &(int){ 0 }, sizeof(int));
	c->fresh = false;
}

/*
 * Keep score of whether requests are already there when accept() returns.
 * Reading at once saves epoll_ctl() and a wake-up when they are, and costs a
 * recv() in vain when they are not; which one wins depends on the clients
 * and the load, so the worker follows what it sees.
 */
#define EARLY_SCORE_MAX 8
static void first_read(struct synq_conn *c, bool had_data)
{
	struct worker *w = c->w;

	if (had_data) {
		c->fresh = false;
		if (w->early_score < EARLY_SCORE_MAX)
			w->early_score++;
		return;
	}
	if (w->early_score > -EARLY_SCORE_MAX)
		w->early_score--;
	delay_first_ack(c);
}

/* Read at once while that pays; now and then probe whether it pays again. */
static bool read_at_once(struct worker *w)
{
	return w->early_score >= 0 || (++w->probe & 15) == 0;
}

static void conn_readable(struct synq_conn *c)
{
	size_t room = c->w->srv->cfg.max_input - c->in_len;
	ssize_t n;

	do {
		n = recv(c->fd, c->in + c->in_len, room, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	c->drained = n < (ssize_t)room;
	if (n > 0) {
		c->in_len += n;
		conn_handle(c);
	} else if (n == 0 || errno != EAGAIN) {
		c->closing = true;	/* the peer is done: write what is queued, then close */
	}
	if (c->fresh && !c->closing)
		first_read(c, n > 0);
	if (c->w->draining)
		c->closing = true;
	/*
	 * With nothing more to read this round, the level-triggered epoll calls
	 * again when more arrives; no need to read until EAGAIN.
	 */
	conn_flush(c);
}

/* ---- the listener ---- */

static void listener_arm(struct worker *w, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &listener_tag };

	if (w->armed == on)
		return;
	if (w->srv->nlfds > 1 || w->srv->cfg.workers == 1)
		ev.events = EPOLLIN;
	else
		ev.events = EPOLLIN | EPOLLEXCLUSIVE;	/* shared: wake one worker, not all */
	if (epoll_ctl(w->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, w->lfd, &ev) == 0)
		w->armed = on;
}

static void listener_rest(struct worker *w)
{
	listener_arm(w, false);
	w->rest_until = now_ms() + BACKOFF_MS;
}

/* Out of descriptors: take the next connection with the reserve one and close it. */
static void shed_one(struct worker *w)
{
	int fd;

	if (w->reserve_fd < 0) {
		listener_rest(w);
		return;
	}
	close(w->reserve_fd);
	fd = accept4(w->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		count(&w->cnt.shed, 1);
	}
	w->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || w->reserve_fd < 0)
		listener_rest(w);
}

/* Returns true when the accept loop should stop for this wakeup. */
static bool accept_failed(struct worker *w, int err)
{
	if (err == EAGAIN)
		return true;
	if (err == EINTR)
		return false;
	if (err < SYNQ_SERVER_ERRNO_MAX)
		count(&w->cnt.errors[err], 1);
	switch (err) {
	case ECONNABORTED:	/* reset while queued: the next one may be fine */
	case EPROTO:
		return false;
	case EMFILE:
	case ENFILE:
		shed_one(w);
		return !w->armed;
	default:		/* ENOBUFS, ENOMEM, ...: give the system a moment */
		listener_rest(w);
		return true;
	}
}

static bool at_max_conns(struct worker *w)
{
	unsigned int max = w->srv->cfg.max_conns;

	return max && __atomic_load_n(&w->srv->open, __ATOMIC_RELAXED) >= max;
}

static void accepted(struct worker *w, int fd)
{
	struct synq_conn *c;

	count(&w->cnt.accepted, 1);
	__atomic_fetch_add(&w->srv->open, 1, __ATOMIC_RELAXED);
	c = conn_new(w, fd);
	if (!c) {
		close(fd);
		__atomic_fetch_sub(&w->srv->open, 1, __ATOMIC_RELAXED);
		count(&w->cnt.closed, 1);
		return;
	}
	if (read_at_once(w)) {
		conn_readable(c);
		return;
	}
	delay_first_ack(c);
	if (conn_watch(c, EPOLLIN))
		conn_close(c);
}

/* --accept-delay: sleep, but wake for a stop. True when stopping. */
static bool slow_down(struct worker *w, unsigned int ms)
{
	struct pollfd p = { .fd = w->srv->stop_fd, .events = POLLIN };

	if (poll(&p, 1, ms) == 1)
		w->draining = true;
	return w->draining;
}

static void listener_readable(struct worker *w)
{
	unsigned int delay = w->srv->cfg.accept_delay_ms;

	for (int i = 0; i < ACCEPT_BATCH; i++) {
		int fd;

		if (at_max_conns(w)) {
			listener_arm(w, false);	/* the rest waits in the accept queue */
			return;
		}
		if (delay && slow_down(w, delay))
			return;
		fd = accept4(w->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (accept_failed(w, errno))
				return;
			continue;
		}
		accepted(w, fd);
		if (delay)
			return;	/* a slow application takes one at a time */
	}
}

/* Watch the listener again after a rest or once below --max-conns. */
static void listener_maybe_rearm(struct worker *w)
{
	if (w->armed || w->draining || w->srv->cfg.pause_accept)
		return;
	if (w->rest_until && now_ms() < w->rest_until)
		return;
	w->rest_until = 0;
	if (!at_max_conns(w))
		listener_arm(w, true);
}

/* ---- the worker loop ---- */

static void dispatch(struct worker *w, struct epoll_event *ev)
{
	struct synq_conn *c = ev->data.ptr;

	if (ev->data.ptr == &listener_tag) {
		listener_readable(w);
	} else if (ev->data.ptr == &stop_tag) {
		w->draining = true;
	} else if (c->events & EPOLLOUT) {
		conn_flush(c);
	} else {
		conn_readable(c);
	}
}

/*
 * Stop: no more accepts; every connection reads what already arrived,
 * answers it, and closes once its replies are written.
 */
static void drain(struct worker *w)
{
	struct epoll_event evs[64];
	uint64_t deadline = now_ms() + DRAIN_MS;
	struct synq_conn *c, *next;

	listener_arm(w, false);
	/* It stays readable: watched on, it would turn the wait below into a spin. */
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->srv->stop_fd, NULL);
	for (c = w->head.next; c != &w->head; c = next) {
		next = c->next;
		if (c->events & EPOLLOUT)
			c->closing = true;
		else
			conn_readable(c);
	}
	while (w->head.next != &w->head && now_ms() < deadline) {
		int n = epoll_wait(w->epfd, evs, 64, 100);

		for (int i = 0; i < n; i++)
			conn_flush(evs[i].data.ptr);
	}
	while (w->head.next != &w->head)
		conn_close(w->head.next);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[64];

	listener_maybe_rearm(w);
	while (!w->draining) {
		int timeout = w->armed || w->srv->cfg.pause_accept ? -1 : 50;
		int n = epoll_wait(w->epfd, evs, 64, timeout);

		for (int i = 0; i < n; i++)
			dispatch(w, &evs[i]);
		listener_maybe_rearm(w);
	}
	drain(w);
	return NULL;
}

/* ---- start, stop, stats ---- */

/* net.core.somaxconn as this thread's network namespace has it; -1 when unreadable. */
static int read_somaxconn(void)
{
	FILE *f = fopen("/proc/sys/net/core/somaxconn", "re");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int listener_open(struct synq_server *srv, bool reuseport)
{
	struct synq_server_info *info = &srv->info;
	int fd, one = 1, err;

	fd = socket(info->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/*
	 * Replies go out in one send() each; Nagle would hold back the second
	 * of two pipelined ones. Accepted sockets inherit TCP_NODELAY from the
	 * listener, which saves a setsockopt() per connection.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one))) ||
	    bind(fd, (struct sockaddr *)&info->addr, info->addr_len) ||
	    listen(fd, info->backlog)) {
		err = -errno;
		close(fd);
		return err;
	}
	/* With port 0 the next reuseport listener must take the port this one got. */
	info->addr_len = sizeof(info->addr);
	getsockname(fd, (struct sockaddr *)&info->addr, &info->addr_len);
	return fd;
}

static int listeners_open(struct synq_server *srv)
{
	const struct synq_server_config *cfg = &srv->cfg;
	unsigned int n = cfg->reuseport ? cfg->workers : 1;

	srv->lfds = malloc(n * sizeof(int));
	if (!srv->lfds)
		return -ENOMEM;
	srv->info.somaxconn = read_somaxconn();
	srv->info.effective_backlog = srv->info.backlog;
	if (srv->info.somaxconn >= 0 && srv->info.backlog > srv->info.somaxconn)
		srv->info.effective_backlog = srv->info.somaxconn;
	for (srv->nlfds = 0; srv->nlfds < n; srv->nlfds++) {
		int fd = listener_open(srv, cfg->reuseport);

		if (fd < 0)
			return fd;
		srv->lfds[srv->nlfds] = fd;
	}
	return 0;
}

static int worker_init(struct synq_server *srv, unsigned int i)
{
	struct worker *w = &srv->w[i];
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &stop_tag };

	w->srv = srv;
	w->lfd = srv->lfds[i % srv->nlfds];
	w->head.next = w->head.prev = &w->head;
	w->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0 || w->reserve_fd < 0)
		return -errno;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, srv->stop_fd, &ev))
		return -errno;
	return 0;
}

static void server_free(struct synq_server *srv)
{
	for (unsigned int i = 0; i < srv->cfg.workers; i++) {
		struct worker *w = &srv->w[i];

		if (w->epfd >= 0)
			close(w->epfd);
		if (w->reserve_fd >= 0)
			close(w->reserve_fd);
		while (w->free) {
			struct synq_conn *c = w->free;

			w->free = c->next;
			free(c->out);
			free(c);
		}
	}
	for (unsigned int i = 0; i < srv->nlfds; i++)
		close(srv->lfds[i]);
	if (srv->stop_fd >= 0)
		close(srv->stop_fd);
	free(srv->lfds);
	free(srv);
}

static int server_new(const struct synq_server_config *cfg, struct synq_server **out)
{
	unsigned int workers = cfg->workers ? cfg->workers : 1;
	struct synq_server *srv;

	if (cfg->max_input && cfg->max_input < MIN_INPUT)
		return -EINVAL;
	srv = calloc(1, sizeof(*srv) + workers * sizeof(struct worker));
	if (!srv)
		return -ENOMEM;
	srv->cfg = *cfg;
	srv->cfg.workers = workers;
	if (!srv->cfg.max_input)
		srv->cfg.max_input = 16384;
	if (!srv->cfg.handler)
		srv->cfg.handler = synq_http_handler;
	srv->cfg.bind = NULL;	/* the caller's string; the parsed address is kept instead */
	srv->info.backlog = cfg->backlog;
	for (unsigned int i = 0; i < workers; i++)
		srv->w[i].epfd = srv->w[i].reserve_fd = -1;
	srv->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	*out = srv;
	if (srv->stop_fd < 0)
		return -errno;
	return synq_addr_parse(cfg->bind ? cfg->bind : "127.0.0.1", cfg->port,
			       &srv->info.addr, &srv->info.addr_len);
}

/* Workers block every signal: signals are for the application's own threads. */
static int workers_start(struct synq_server *srv)
{
	sigset_t all, old;
	int err = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (; srv->nthreads < srv->cfg.workers; srv->nthreads++) {
		struct worker *w = &srv->w[srv->nthreads];

		err = -pthread_create(&w->thread, NULL, worker_main, w);
		if (err)
			break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

int synq_server_start(const struct synq_server_config *cfg, struct synq_server **out)
{
	struct synq_server *srv = NULL;
	int err;

	*out = NULL;
	err = server_new(cfg, &srv);
	if (!err)
		err = listeners_open(srv);
	for (unsigned int i = 0; !err && i < srv->cfg.workers; i++)
		err = worker_init(srv, i);
	if (!err)
		err = workers_start(srv);
	if (err) {
		if (srv)
			synq_server_stop(srv);
		return err;
	}
	*out = srv;
	return 0;
}

void synq_server_stop(struct synq_server *srv)
{
	uint64_t one = 1;

	if (!srv)
		return;
	/* Wakes every worker: the eventfd stays readable, nobody reads it. */
	if (srv->stop_fd >= 0) {
		ssize_t n = write(srv->stop_fd, &one, sizeof(one));

		(void)n;	/* cannot fail: the counter is far from overflowing */
	}
	for (unsigned int i = 0; i < srv->nthreads; i++)
		pthread_join(srv->w[i].thread, NULL);
	server_free(srv);
}

void synq_server_stats(const struct synq_server *srv, struct synq_server_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned int i = 0; i < srv->cfg.workers; i++) {
		const struct counters *c = &srv->w[i].cnt;

		st->accepted += __atomic_load_n(&c->accepted, __ATOMIC_RELAXED);
		st->closed += __atomic_load_n(&c->closed, __ATOMIC_RELAXED);
		st->shed += __atomic_load_n(&c->shed, __ATOMIC_RELAXED);
		for (int e = 0; e < SYNQ_SERVER_ERRNO_MAX; e++)
			st->accept_errors[e] += __atomic_load_n(&c->errors[e], __ATOMIC_RELAXED);
	}
	st->open = st->accepted - st->closed;
}

void synq_server_info(const struct synq_server *srv, struct synq_server_info *info)
{
	*info = srv->info;
}
