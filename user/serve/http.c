// SPDX-License-Identifier: GPL-2.0
/*
 * HTTP/1.x framing and the constant replies of the reference server (see
 * http.h). Bare LF line ends are accepted as well as CRLF, and empty lines
 * before a request line are skipped, as RFC 9112 asks of a robust server.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "serve/http.h"
#include "synq/server.h"

#define BODY "ok\n"
#define HEADERS "Server: synq\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"

enum reply { R_KEEP11, R_KEEP10, R_CLOSE, R_400, R_413, R_431, R_501, R_COUNT };

static const struct {
	const char *text;
	size_t len;
} replies[R_COUNT] = {
#define R(s) { s, sizeof(s) - 1 }
#define ERR(code) R("HTTP/1.1 " code "\r\nServer: synq\r\nContent-Length: 0\r\n" \
		    "Connection: close\r\n\r\n")
	[R_KEEP11] = R("HTTP/1.1 200 OK\r\n" HEADERS "\r\n" BODY),
	[R_KEEP10] = R("HTTP/1.1 200 OK\r\n" HEADERS "Connection: keep-alive\r\n\r\n" BODY),
	[R_CLOSE] = R("HTTP/1.1 200 OK\r\n" HEADERS "Connection: close\r\n\r\n" BODY),
	[R_400] = ERR("400 Bad Request"),
	[R_413] = ERR("413 Content Too Large"),
	[R_431] = ERR("431 Request Header Fields Too Large"),
	[R_501] = ERR("501 Not Implemented"),
#undef ERR
#undef R
};

struct line {
	const char *p;
	size_t len;
};

/* The next line from *pos, without its CR LF; false when no full line is there yet. */
static bool next_line(const char *buf, size_t len, size_t *pos, struct line *l)
{
	const char *nl = memchr(buf + *pos, '\n', len - *pos);

	if (!nl)
		return false;
	l->p = buf + *pos;
	l->len = nl - l->p;
	if (l->len && l->p[l->len - 1] == '\r')
		l->len--;
	*pos = nl - buf + 1;
	return true;
}

static bool is_tchar(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* "METHOD SP target SP HTTP/1.x" */
static int parse_request_line(const struct line *l, struct http_request *req)
{
	const char *sp1 = memchr(l->p, ' ', l->len), *sp2;
	const char *end = l->p + l->len;

	if (!sp1 || sp1 == l->p)
		return HTTP_BAD;
	for (const char *c = l->p; c < sp1; c++)
		if (!is_tchar(*c))
			return HTTP_BAD;
	sp2 = memchr(sp1 + 1, ' ', end - sp1 - 1);
	if (!sp2 || sp2 == sp1 + 1 || end - sp2 != 9 || memcmp(sp2 + 1, "HTTP/1.", 7))
		return HTTP_BAD;
	if (sp2[8] != '0' && sp2[8] != '1')
		return HTTP_BAD;
	req->minor = sp2[8] - '0';
	req->target = sp1 + 1;
	req->target_len = sp2 - sp1 - 1;
	req->get = sp1 - l->p == 3 && !memcmp(l->p, "GET", 3);
	req->head = sp1 - l->p == 4 && !memcmp(l->p, "HEAD", 4);
	req->keep_alive = req->minor == 1;
	return 0;
}

/* Whether the comma-separated token list v contains tok (case-insensitive). */
static bool has_token(const char *v, size_t len, const char *tok)
{
	size_t tl = strlen(tok), i = 0;

	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t start = i;

		while (i < len && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
			i++;
		if (i - start == tl && !strncasecmp(v + start, tok, tl))
			return true;
	}
	return false;
}

static int parse_length(const char *v, size_t len, size_t *out)
{
	size_t n = 0;

	if (!len)
		return HTTP_BAD;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)v[i]))
			return HTTP_BAD;
		n = n * 10 + (v[i] - '0');
		if (n > HTTP_MAX_BODY)
			return HTTP_BODY_TOO_LARGE;
	}
	*out = n;
	return 0;
}

#define NAME_IS(l, n, lit) ((n) == sizeof(lit) - 1 && !strncasecmp((l)->p, lit, (n)))

/* "Name: value"; only the headers that change the framing are looked at. */
static int parse_header(const struct line *l, struct http_request *req, bool *has_length)
{
	const char *colon = memchr(l->p, ':', l->len);
	size_t n, vlen;
	const char *v;

	if (!colon || colon == l->p)
		return HTTP_BAD;
	n = colon - l->p;
	for (size_t i = 0; i < n; i++)
		if (!is_tchar(l->p[i]))
			return HTTP_BAD;	/* also "Name :", which RFC 9112 forbids */
	v = colon + 1;
	vlen = l->p + l->len - v;
	while (vlen && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (NAME_IS(l, n, "connection")) {
		if (has_token(v, vlen, "close"))
			req->keep_alive = false;
		else if (has_token(v, vlen, "keep-alive"))
			req->keep_alive = true;
	} else if (NAME_IS(l, n, "content-length")) {
		size_t len;
		int err = parse_length(v, vlen, &len);

		if (err)
			return err;
		/* Two different lengths: request smuggling territory. */
		if (*has_length && len != req->body_len)
			return HTTP_BAD;
		*has_length = true;
		req->body_len = len;
	} else if (NAME_IS(l, n, "transfer-encoding")) {
		return HTTP_UNSUPPORTED;
	}
	return 0;
}

long http_parse(const char *buf, size_t len, struct http_request *req)
{
	size_t pos = 0, scan = len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD;
	bool has_length = false, first = true;
	struct line l;
	int err;

	memset(req, 0, sizeof(*req));
	/* Only the first HTTP_MAX_HEAD bytes may hold the head. */
	while (next_line(buf, scan, &pos, &l)) {
		if (first) {
			if (!l.len)
				continue;
			err = parse_request_line(&l, req);
			first = false;
		} else if (!l.len) {
			req->head_len = pos;
			if (req->body_len > len - pos)
				return HTTP_INCOMPLETE;
			return pos + req->body_len;
		} else {
			err = parse_header(&l, req, &has_length);
		}
		if (err)
			return err;
	}
	return len >= HTTP_MAX_HEAD ? HTTP_TOO_LARGE : HTTP_INCOMPLETE;
}

static enum reply error_reply(long status)
{
	switch (status) {
	case HTTP_TOO_LARGE:
		return R_431;
	case HTTP_BODY_TOO_LARGE:
		return R_413;
	case HTTP_UNSUPPORTED:
		return R_501;
	default:
		return R_400;
	}
}

static enum reply ok_reply(const struct http_request *req)
{
	if (!req->keep_alive)
		return R_CLOSE;
	return req->minor == 1 ? R_KEEP11 : R_KEEP10;
}

long http_respond(const char *data, size_t len, http_emit_fn emit, void *ctx)
{
	struct http_request req;
	size_t done = 0;
	enum reply r;
	long n;

	while (done < len) {
		n = http_parse(data + done, len - done, &req);
		if (n == HTTP_INCOMPLETE)
			break;
		r = n < 0 ? error_reply(n) : ok_reply(&req);
		/* A HEAD reply is the GET reply without its body. */
		if (emit(ctx, replies[r].text,
			 replies[r].len - (n > 0 && req.head ? sizeof(BODY) - 1 : 0)))
			return SYNQ_CLOSE;
		if (r != R_KEEP11 && r != R_KEEP10)
			return SYNQ_CLOSE;
		done += n;
	}
	return done;
}

static int emit_conn(void *ctx, const void *buf, size_t len)
{
	return synq_conn_send(ctx, buf, len);
}

long synq_http_handler(struct synq_conn *conn, const char *data, size_t len, void *arg)
{
	(void)arg;
	return http_respond(data, len, emit_conn, conn);
}
