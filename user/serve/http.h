/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reference server's HTTP/1.x: just enough to frame requests on a byte
 * stream (request line, headers, a Content-Length body) and answer each one.
 * It never copies or allocates: it reads the connection's input buffer in
 * place and emits constant replies.
 */
#ifndef SYNQ_HTTP_H
#define SYNQ_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_MAX_HEAD 8192	/* request line + headers; more gets 431 */
#define HTTP_MAX_BODY 4096	/* a Content-Length body; more gets 413 */

enum http_status {
	HTTP_INCOMPLETE = 0,	/* need more bytes */
	HTTP_BAD = -1,		/* 400: not HTTP/1.x */
	HTTP_TOO_LARGE = -2,	/* 431: the head exceeds HTTP_MAX_HEAD */
	HTTP_BODY_TOO_LARGE = -3,	/* 413 */
	HTTP_UNSUPPORTED = -4,	/* 501: Transfer-Encoding (chunked bodies) */
};

struct http_request {
	const char *target;	/* the request target, in the parsed buffer (not NUL-ended) */
	size_t target_len;
	int minor;		/* HTTP/1.<minor> */
	bool get;		/* GET */
	bool head;		/* HEAD: the reply carries no body */
	bool keep_alive;	/* HTTP/1.1 unless "Connection: close"; 1.0 only with keep-alive */
	size_t head_len;	/* request line + headers + the empty line */
	size_t body_len;	/* Content-Length */
};

/*
 * Frame the first request in buf. Returns its whole length (head + body) when
 * it is complete, HTTP_INCOMPLETE, or a negative enum http_status.
 */
long http_parse(const char *buf, size_t len, struct http_request *req);

/* Where http_respond puts its replies: 0, or negative to stop. */
typedef int (*http_emit_fn)(void *ctx, const void *buf, size_t len);

/*
 * Answer every complete request at the start of data, in order. Returns the
 * bytes consumed (a partial request stays for later), or SYNQ_CLOSE after a
 * request that ends the connection (Connection: close, HTTP/1.0, an error).
 */
long http_respond(const char *data, size_t len, http_emit_fn emit, void *ctx);

#endif
