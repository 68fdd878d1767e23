/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The exporter's HTTP server (--prometheus): GET and HEAD of /metrics,
 * nothing else, served from the run loop without ever blocking it.
 */
#ifndef UDSTRACE_HTTP_H
#define UDSTRACE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>

/* A request's head (request line and headers) is refused past this. */
#define HTTP_MAX_REQUEST 4096
/* Connections served at once; more wait in the listen backlog. */
#define HTTP_MAX_CONNS 32
/* From accept to the last byte of the reply; a client slower is dropped. */
#define HTTP_DEADLINE_MS 5000
/* "[ffff:...:ffff]:65535" and its NUL */
#define HTTP_ADDR_LEN 56
#define HTTP_DEFAULT_ADDR "127.0.0.1"

struct http_listen {
	struct sockaddr_storage addr;
	socklen_t len;
	char name[HTTP_ADDR_LEN];	/* as written back: 127.0.0.1:9100, [::1]:9100 */
};

/*
 * Parses --prometheus's "[ADDR:]PORT": PORT 1 to 65535 alone (ADDR is
 * then 127.0.0.1), or a numeric IPv4 address or an IPv6 one in brackets
 * before it. Names are not looked up. 0, or -1 with the reason in @why.
 */
int http_parse_listen(const char *s, struct http_listen *out, char *why,
		      size_t why_len);

/* What a request asks for. */
struct http_request {
	int status;	/* 200, 400, 404 or 405 */
	bool head;	/* HEAD: the headers only */
};

/*
 * Looks at the first @len bytes a client sent. 0 while the head is not
 * complete and may still be (fewer than HTTP_MAX_REQUEST bytes, no blank
 * line yet), else 1 with the answer in @req: 200 for GET or HEAD of
 * /metrics over HTTP/1.0 or 1.1, 405 for another method, 404 for another
 * path, 400 for anything malformed or too long. With @eof (the client
 * sent no more), an incomplete head is malformed.
 */
int http_parse_request(const char *buf, size_t len, bool eof,
		       struct http_request *req);

/*
 * Writes the body of a 200 to @f; 0, or -errno for a 500. Called once per
 * request that gets a 200, so every scrape sees the counters as they are.
 */
typedef int (*http_render_fn)(void *ctx, FILE *f);

struct http_server;

/* Binds and listens, non-blocking. NULL with the reason in @why. */
struct http_server *http_start(const struct http_listen *l, http_render_fn render,
			       void *ctx, char *why, size_t why_len);
/*
 * Serves clients for up to @wait_ns, and returns early once @wake_fd is
 * readable (the run loop's signals) or @wait_ns is over.
 */
void http_serve(struct http_server *s, unsigned long long wait_ns, int wake_fd);
void http_stop(struct http_server *s);

#endif /* UDSTRACE_HTTP_H */
