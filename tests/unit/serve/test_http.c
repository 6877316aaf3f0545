// SPDX-License-Identifier: GPL-2.0
/*
 * HTTP framing of the reference server: requests split at every byte,
 * pipelined requests, keep-alive against close, bodies, oversized heads and
 * malformed input. Replies are checked by their structure (status line,
 * headers, body), not against the server's own constants.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "serve/http.h"
#include "synq/server.h"

/* What a connection would have sent: every emitted byte, in order. */
struct sink {
	char buf[65536];
	size_t len;
};

static int sink_emit(void *ctx, const void *buf, size_t len)
{
	struct sink *s = ctx;

	assert_true(s->len + len <= sizeof(s->buf));
	memcpy(s->buf + s->len, buf, len);
	s->len += len;
	return 0;
}

static int count_of(const char *hay, size_t len, const char *needle)
{
	size_t nl = strlen(needle);
	int n = 0;

	for (size_t i = 0; i + nl <= len; i++)
		if (!memcmp(hay + i, needle, nl))
			n++;
	return n;
}

/*
 * Feed stream to http_respond in chunks of `step` bytes, as a connection
 * would: unconsumed bytes stay and the next chunk is appended. Returns the
 * last return value of http_respond; *fed says how much was delivered.
 */
static long feed(const char *stream, size_t len, size_t step, struct sink *out, size_t *fed)
{
	static char in[HTTP_MAX_HEAD * 4];
	size_t in_len = 0, pos = 0;
	long r = 0;

	out->len = 0;
	while (pos < len) {
		size_t n = len - pos < step ? len - pos : step;

		memcpy(in + in_len, stream + pos, n);
		in_len += n;
		pos += n;
		r = http_respond(in, in_len, sink_emit, out);
		if (r == SYNQ_CLOSE)
			break;
		assert_true(r >= 0 && (size_t)r <= in_len);
		memmove(in, in + r, in_len - r);
		in_len -= r;
	}
	if (fed)
		*fed = pos;
	return r;
}

static void test_parse_simple_get(void **state)
{
	static const char req[] = "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n";
	struct http_request r;

	(void)state;
	assert_int_equal(http_parse(req, sizeof(req) - 1, &r), sizeof(req) - 1);
	assert_int_equal(r.minor, 1);
	assert_true(r.keep_alive);
	assert_false(r.head);
	assert_int_equal(r.head_len, sizeof(req) - 1);
	assert_int_equal(r.body_len, 0);
}

/* Every proper prefix of a request is incomplete, never an error. */
static void test_parse_every_prefix(void **state)
{
	static const char req[] = "POST /form HTTP/1.1\r\nHost: example\r\n"
				  "Content-Length: 11\r\n\r\nhello world";
	struct http_request r;

	(void)state;
	for (size_t n = 0; n < sizeof(req) - 1; n++)
		if (http_parse(req, n, &r) != HTTP_INCOMPLETE)
			fail_msg("prefix of %zu bytes was not incomplete", n);
	assert_int_equal(http_parse(req, sizeof(req) - 1, &r), sizeof(req) - 1);
	assert_int_equal(r.body_len, 11);
	assert_int_equal(r.head_len, sizeof(req) - 1 - 11);
}

static void test_parse_keep_alive_rules(void **state)
{
	static const struct {
		const char *req;
		int keep;
	} cases[] = {
		{ "GET / HTTP/1.1\r\n\r\n", 1 },
		{ "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nconnection:CLOSE\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nConnection: Upgrade, close\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nConnection: closed\r\n\r\n", 1 },
		{ "GET / HTTP/1.0\r\n\r\n", 0 },
		{ "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 1 },
		{ "GET / HTTP/1.1\nHost: bare-lf\n\n", 1 },
		{ "\r\n\r\nGET / HTTP/1.1\r\n\r\n", 1 },
	};
	struct http_request r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long n = http_parse(cases[i].req, strlen(cases[i].req), &r);

		if (n != (long)strlen(cases[i].req) || r.keep_alive != cases[i].keep)
			fail_msg("case %zu: parsed %ld, keep_alive %d", i, n, r.keep_alive);
	}
}

static void test_parse_rejects(void **state)
{
	static const struct {
		const char *req;
		long status;
	} cases[] = {
		{ "GET /\r\n\r\n", HTTP_BAD },
		{ "GET / HTTP/2.0\r\n\r\n", HTTP_BAD },
		{ "GET / HTTP/1.12\r\n\r\n", HTTP_BAD },
		{ " / HTTP/1.1\r\n\r\n", HTTP_BAD },
		{ "GET  HTTP/1.1\r\n\r\n", HTTP_BAD },
		{ "G(T / HTTP/1.1\r\n\r\n", HTTP_BAD },
		{ "GET / HTTP/1.1\r\nNoColon\r\n\r\n", HTTP_BAD },
		{ "GET / HTTP/1.1\r\nHost : x\r\n\r\n", HTTP_BAD },
		{ "GET / HTTP/1.1\r\n: x\r\n\r\n", HTTP_BAD },
		{ "GET / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", HTTP_BAD },
		{ "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", HTTP_BAD },
		{ "GET / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		  HTTP_BODY_TOO_LARGE },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", HTTP_UNSUPPORTED },
	};
	struct http_request r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long n = http_parse(cases[i].req, strlen(cases[i].req), &r);

		if (n != cases[i].status)
			fail_msg("case %zu (%s): %ld, expected %ld", i, cases[i].req, n,
				 cases[i].status);
	}
}

/* A head of HTTP_MAX_HEAD bytes or more without its end is too large; less is incomplete. */
static void test_parse_oversized_head(void **state)
{
	static char buf[HTTP_MAX_HEAD + 100];
	const char *line = "GET / HTTP/1.1\r\n";
	struct http_request r;
	size_t n;

	(void)state;
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, line, strlen(line));
	memcpy(buf + strlen(line), "X-Big: ", 7);
	assert_int_equal(http_parse(buf, HTTP_MAX_HEAD - 1, &r), HTTP_INCOMPLETE);
	assert_int_equal(http_parse(buf, HTTP_MAX_HEAD, &r), HTTP_TOO_LARGE);
	assert_int_equal(http_parse(buf, sizeof(buf), &r), HTTP_TOO_LARGE);
	/* A large head that does end in time is fine. */
	n = HTTP_MAX_HEAD - 100;
	memcpy(buf + n - 4, "\r\n\r\n", 4);
	assert_int_equal(http_parse(buf, sizeof(buf), &r), (long)n);
}

static void assert_ok_reply(const char *reply, size_t len, bool body)
{
	assert_true(len > 17);
	assert_memory_equal(reply, "HTTP/1.1 200 OK\r\n", 17);
	assert_true(count_of(reply, len, "\r\nContent-Length: 3\r\n") == 1);
	if (body)
		assert_memory_equal(reply + len - 7, "\r\n\r\nok\n", 7);
	else
		assert_memory_equal(reply + len - 4, "\r\n\r\n", 4);
}

/* The same three pipelined requests, delivered 1, 2, 3, ... bytes at a time. */
static void test_respond_pipelined_any_split(void **state)
{
	static const char stream[] =
		"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
		"POST /b HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody"
		"HEAD /c HTTP/1.1\r\n\r\n";
	static struct sink out;
	size_t fed;

	(void)state;
	for (size_t step = 1; step <= sizeof(stream); step++) {
		long r = feed(stream, sizeof(stream) - 1, step, &out, &fed);

		assert_int_not_equal(r, SYNQ_CLOSE);
		if (count_of(out.buf, out.len, "HTTP/1.1 200 OK\r\n") != 3)
			fail_msg("step %zu: %d replies", step,
				 count_of(out.buf, out.len, "HTTP/1.1 200 OK\r\n"));
		/* Two bodies (GET, POST), none for HEAD, and no Connection: close. */
		assert_int_equal(count_of(out.buf, out.len, "\r\n\r\nok\n"), 2);
		assert_int_equal(count_of(out.buf, out.len, "Connection: close"), 0);
		assert_memory_equal(out.buf + out.len - 4, "\r\n\r\n", 4);
	}
}

static void test_respond_partial_waits(void **state)
{
	static const char part[] = "GET / HTTP/1.1\r\nHost: x\r\n";
	struct sink out = { .len = 0 };

	(void)state;
	assert_int_equal(http_respond(part, sizeof(part) - 1, sink_emit, &out), 0);
	assert_int_equal(out.len, 0);
}

/* Connection: close ends the exchange: one reply saying so, the rest ignored. */
static void test_respond_close(void **state)
{
	static const char stream[] =
		"GET /1 HTTP/1.1\r\n\r\n"
		"GET /2 HTTP/1.1\r\nConnection: close\r\n\r\n"
		"GET /3 HTTP/1.1\r\n\r\n";
	static struct sink out;
	const char *second;

	(void)state;
	assert_int_equal(feed(stream, sizeof(stream) - 1, sizeof(stream), &out, NULL), SYNQ_CLOSE);
	assert_int_equal(count_of(out.buf, out.len, "HTTP/1.1 200 OK\r\n"), 2);
	second = memmem(out.buf + 1, out.len - 1, "HTTP/1.1 200 OK", 15);
	assert_non_null(second);
	assert_ok_reply(out.buf, second - out.buf, true);
	assert_ok_reply(second, out.buf + out.len - second, true);
	assert_int_equal(count_of(out.buf, second - out.buf, "Connection: close"), 0);
	assert_int_equal(count_of(second, out.buf + out.len - second, "Connection: close\r\n"), 1);
}

/* HTTP/1.0 closes unless asked; when asked, the reply says keep-alive. */
static void test_respond_http10(void **state)
{
	static struct sink out;
	const char *plain = "GET / HTTP/1.0\r\n\r\n";
	const char *keep = "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";

	(void)state;
	assert_int_equal(feed(plain, strlen(plain), 100, &out, NULL), SYNQ_CLOSE);
	assert_int_equal(count_of(out.buf, out.len, "Connection: close\r\n"), 1);
	assert_int_equal(feed(keep, strlen(keep), 100, &out, NULL), (long)strlen(keep));
	assert_int_equal(count_of(out.buf, out.len, "Connection: keep-alive\r\n"), 1);
	assert_ok_reply(out.buf, out.len, true);
}

static void assert_error_reply(const char *stream, size_t len, const char *status)
{
	static struct sink out;
	char line[64];

	snprintf(line, sizeof(line), "HTTP/1.1 %s ", status);
	assert_int_equal(feed(stream, len, 512, &out, NULL), SYNQ_CLOSE);
	assert_true(out.len > strlen(line));
	assert_memory_equal(out.buf, line, strlen(line));
	assert_int_equal(count_of(out.buf, out.len, "Connection: close\r\n"), 1);
	assert_int_equal(count_of(out.buf, out.len, "HTTP/1.1 "), 1);
}

/* Oversized heads get 431 after HTTP_MAX_HEAD bytes, whatever the read sizes. */
static void test_respond_errors(void **state)
{
	static char big[HTTP_MAX_HEAD * 2];
	const char *garbage = "SSH-2.0-OpenSSH_9.2\r\n";	/* a client at the wrong port */
	const char *chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
	const char *huge = "POST / HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n";

	(void)state;
	snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nCookie: ");
	memset(big + strlen(big), 'c', sizeof(big) - strlen(big));
	assert_error_reply(big, sizeof(big), "431");
	assert_error_reply(garbage, strlen(garbage), "400");
	assert_error_reply(chunked, strlen(chunked), "501");
	assert_error_reply(huge, strlen(huge), "413");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_simple_get),
		cmocka_unit_test(test_parse_every_prefix),
		cmocka_unit_test(test_parse_keep_alive_rules),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_oversized_head),
		cmocka_unit_test(test_respond_pipelined_any_split),
		cmocka_unit_test(test_respond_partial_waits),
		cmocka_unit_test(test_respond_close),
		cmocka_unit_test(test_respond_http10),
		cmocka_unit_test(test_respond_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
