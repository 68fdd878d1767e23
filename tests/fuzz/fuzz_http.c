// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness for the exporter's parsers (user/http.c): what an HTTP
 * client sends, and --prometheus's [ADDR:]PORT. The first byte picks:
 * bit 1 set, the rest is the address (up to a NUL); else the rest is what
 * a client sent, and bit 0 says it sent no more (EOF). Beyond not
 * crashing, each answer must follow from the input.
 */
#include <arpa/inet.h>
#include <strings.h>
#include "fuzz.h"
#include "http.h"

/* Where the head ends: just past its blank line, or 0 if it has none. */
static size_t head_end(const uint8_t *d, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		if (d[i] != '\n')
			continue;
		if (i == start || (i == start + 1 && d[start] == '\r'))
			return i + 1;
		start = i + 1;
	}
	return 0;
}

static bool starts(const uint8_t *d, size_t n, const char *s)
{
	return n >= strlen(s) && !memcmp(d, s, strlen(s));
}

static void check_request(const uint8_t *d, size_t n, bool eof)
{
	struct http_request r, again;
	size_t end = head_end(d, n);
	int ret = http_parse_request((const char *)d, n, eof, &r);

	if (ret != 0 && ret != 1)
		abort();
	/* Waiting for more: only while more could come and the head is open. */
	if (!ret) {
		if (eof || n >= HTTP_MAX_REQUEST || end)
			abort();
		return;
	}
	if (r.status != 200 && r.status != 400 && r.status != 404 && r.status != 405)
		abort();
	/* Decided without a blank line: the client can send no more. */
	if (!end) {
		if (r.status != 400 || (!eof && n < HTTP_MAX_REQUEST))
			abort();
		return;
	}
	/* Only the head decides: what follows it changes nothing. */
	if (http_parse_request((const char *)d, end, false, &again) != 1 ||
	    again.status != r.status || again.head != r.head)
		abort();
	if (r.status == 400)
		return;
	if (r.head != starts(d, n, "HEAD /"))
		abort();
	if (r.status == 200 && !starts(d, n, "GET /metrics ") && !starts(d, n, "GET /metrics?") &&
	    !starts(d, n, "HEAD /metrics ") && !starts(d, n, "HEAD /metrics?"))
		abort();
	if (memchr(d, '\0', end))
		abort();	/* accepted: no NUL in the head */
}

static void check_listen(const uint8_t *d, size_t n)
{
	struct http_listen l, again;
	char s[256], why[256];

	snprintf(s, sizeof(s), "%.*s", (int)(n < sizeof(s) ? n : sizeof(s) - 1), (const char *)d);
	why[0] = '\0';
	if (http_parse_listen(s, &l, why, sizeof(why))) {
		if (!why[0])
			abort();	/* a refusal says why */
		return;
	}
	/* What it binds, written back, parses to the same address. */
	if (http_parse_listen(l.name, &again, why, sizeof(why)) ||
	    l.len != again.len || memcmp(&l.addr, &again.addr, l.len) ||
	    strcmp(l.name, again.name))
		abort();
	if (!strchr(s, ':') && strncmp(l.name, HTTP_DEFAULT_ADDR ":", strlen(HTTP_DEFAULT_ADDR) + 1))
		abort();	/* a port alone is the loopback address's */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 2)
		check_listen(data + 1, size - 1);
	else
		check_request(data + 1, size - 1, data[0] & 1);
	return 0;
}
