// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A minimal HTTP/1.0 and 1.1 server for --prometheus, written by hand.
 *
 * Why not a library: Debian's libmicrohttpd is the small well-kept one,
 * but its static archive is built with HTTPS and needs GnuTLS, and
 * GnuTLS's chain ends in p11-kit, which Debian ships only as a shared
 * library. udstrace is one static binary (LDLIBS in the Makefile), so
 * libmicrohttpd cannot be linked into it; it would also bring a TLS stack
 * for one plain-text page. What is needed here is small: answer GET and
 * HEAD of /metrics, refuse the rest, and never hold up the run loop.
 *
 * How it keeps the loop free: every socket is non-blocking and served
 * from one poll() that also waits for the loop's signals (wake_fd), with
 * the loop's own timeout. A client gets at most HTTP_MAX_REQUEST bytes
 * read and HTTP_DEADLINE_MS from accept to the end of its reply, then it
 * is dropped; at most HTTP_MAX_CONNS are served at once. Each reply
 * closes its connection (Connection: close), so nothing of a client is
 * kept once it is answered.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "http.h"

#define NSEC_PER_MSEC 1000000ULL
/* After a reply, bytes of a request's unread rest we read away before close. */
#define HTTP_DRAIN 65536
/* How long the listener rests after accept4() ran out of fds or memory. */
#define HTTP_ACCEPT_PAUSE_MS 100

static bool is_tchar(unsigned char c)
{
	/* RFC 9110's token characters. */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static size_t token_len(const char *p, const char *end)
{
	const char *s = p;

	while (p < end && is_tchar(*p))
		p++;
	return p - s;
}

/* A field value's bytes: tabs, spaces, visible ASCII and obs-text. */
static bool is_value_char(unsigned char c)
{
	return c == '\t' || (c >= ' ' && c != 0x7f);
}

/* The end of the line at @p (its '\n'), and its length without a final CR. */
static const char *line_end(const char *p, const char *end, size_t *len)
{
	const char *nl = memchr(p, '\n', end - p);

	if (!nl)
		return NULL;
	*len = nl - p;
	if (*len && p[*len - 1] == '\r')
		(*len)--;
	return nl;
}

/* The request line: METHOD SP TARGET SP HTTP/1.x. 0, or 400. */
static int parse_request_line(const char *p, size_t len, struct http_request *req,
			      bool *http11)
{
	const char *end = p + len, *target, *sp, *q;
	size_t m = token_len(p, end), t;
	bool get, head;

	if (!m || m == len || p[m] != ' ')
		return 400;
	get = m == 3 && !memcmp(p, "GET", 3);
	head = m == 4 && !memcmp(p, "HEAD", 4);
	target = p + m + 1;
	sp = memchr(target, ' ', end - target);
	if (!sp || sp == target)
		return 400;
	for (q = target; q < sp; q++)
		if ((unsigned char)*q <= ' ' || *q == 0x7f)
			return 400;
	/* Origin form only ("/metrics"): no proxy sends us absolute URIs. */
	if (*target != '/')
		return 400;
	if (end - (sp + 1) != 8 || memcmp(sp + 1, "HTTP/1.", 7) ||
	    (sp[8] != '0' && sp[8] != '1'))
		return 400;
	*http11 = sp[8] == '1';
	/* The query, if any, is ignored; the path is all that counts. */
	q = memchr(target, '?', sp - target);
	t = (q ? q : sp) - target;
	if (!get && !head)
		req->status = 405;
	else if (t != 8 || memcmp(target, "/metrics", 8))
		req->status = 404;
	else
		req->status = 200;
	req->head = head;
	return 0;
}

/* One header line: NAME ":" VALUE. 0, or 400. Counts the Host fields. */
static int parse_header(const char *p, size_t len, int *hosts)
{
	size_t n = token_len(p, p + len);

	/* No name, or whitespace before the colon (or obs-fold): malformed. */
	if (!n || n == len || p[n] != ':')
		return 400;
	for (size_t i = n + 1; i < len; i++)
		if (!is_value_char(p[i]))
			return 400;
	if (n == 4 && !strncasecmp(p, "host", 4))
		(*hosts)++;
	return 0;
}

int http_parse_request(const char *buf, size_t len, bool eof,
		       struct http_request *req)
{
	const char *p = buf, *end = buf + len, *nl;
	bool http11 = false, first = true;
	int hosts = 0, bad = 0;
	size_t n;

	req->status = 400;
	req->head = false;
	while ((nl = line_end(p, end, &n))) {
		if (!n)
			break;	/* the blank line: the head is complete */
		if (!bad)
			bad = first ? parse_request_line(p, n, req, &http11) :
				      parse_header(p, n, &hosts);
		first = false;
		p = nl + 1;
	}
	if (!nl) {
		/* Not complete: wait for more, unless there can be no more. */
		if (!eof && len < HTTP_MAX_REQUEST)
			return 0;
		req->status = 400;
		return 1;
	}
	/* A blank line first, or HTTP/1.1 without exactly one Host (RFC 9112). */
	if (bad || first || (http11 && hosts != 1))
		req->status = 400;
	return 1;
}

static int parse_port(const char *s, unsigned int *port)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 5)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

/* Splits "[ADDR]:PORT" or "ADDR:PORT" into @host and the port's text. */
static int split_listen(const char *s, char *host, size_t host_len, bool *v6,
			const char **port, char *why, size_t why_len)
{
	const char *colon = strrchr(s, ':'), *h = s, *close;
	size_t hlen;

	*v6 = s[0] == '[';
	if (*v6) {
		close = strchr(s, ']');
		if (!close || close[1] != ':') {
			snprintf(why, why_len, "want [IPv6]:PORT, such as [::1]:9100");
			return -1;
		}
		h = s + 1;
		hlen = close - h;
		*port = close + 2;
	} else if (colon) {
		hlen = colon - s;
		*port = colon + 1;
		if (memchr(s, ':', hlen)) {
			snprintf(why, why_len, "an IPv6 address goes in brackets, such as [::1]:9100");
			return -1;
		}
	} else {
		return 0;	/* PORT alone */
	}
	if (!hlen) {
		snprintf(why, why_len, "write the address out, such as 0.0.0.0:PORT; PORT alone means %s",
			 HTTP_DEFAULT_ADDR);
		return -1;
	}
	if (hlen >= host_len) {
		snprintf(why, why_len, "the address is too long");
		return -1;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	return 0;
}

int http_parse_listen(const char *s, struct http_listen *out, char *why,
		      size_t why_len)
{
	char host[HTTP_ADDR_LEN] = HTTP_DEFAULT_ADDR, txt[INET6_ADDRSTRLEN];
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->addr;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&out->addr;
	const char *port_s = s;
	unsigned int port;
	bool v6;

	memset(out, 0, sizeof(*out));
	if (split_listen(s, host, sizeof(host), &v6, &port_s, why, why_len))
		return -1;
	if (parse_port(port_s, &port)) {
		snprintf(why, why_len, "want [ADDR:]PORT, with PORT from 1 to 65535");
		return -1;
	}
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host,
		      v6 ? (void *)&in6->sin6_addr : (void *)&in4->sin_addr) != 1) {
		snprintf(why, why_len, "'%s' is not a numeric %s address", host,
			 v6 ? "IPv6" : "IPv4");
		return -1;
	}
	if (v6) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		out->len = sizeof(*in6);
		inet_ntop(AF_INET6, &in6->sin6_addr, txt, sizeof(txt));
		snprintf(out->name, sizeof(out->name), "[%s]:%u", txt, port);
	} else {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		out->len = sizeof(*in4);
		inet_ntop(AF_INET, &in4->sin_addr, txt, sizeof(txt));
		snprintf(out->name, sizeof(out->name), "%s:%u", txt, port);
	}
	return 0;
}

/* --- the server ------------------------------------------------------------ */

struct conn {
	int fd;				/* -1: a free slot */
	unsigned long long deadline;	/* ns, CLOCK_MONOTONIC */
	size_t got;			/* bytes of req read */
	char *out;			/* the reply, once decided */
	size_t out_len, out_off;
	char req[HTTP_MAX_REQUEST];
};

struct http_server {
	int fd;
	http_render_fn render;
	void *ctx;
	struct conn conn[HTTP_MAX_CONNS];
	/*
	 * accept4() failed for want of fds or memory: the client stays in the
	 * backlog and the listener stays readable, so poll() would return at
	 * once, again and again. Until then the listener is left out.
	 */
	unsigned long long accept_paused_until;
};

static unsigned long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

struct http_server *http_start(const struct http_listen *l, http_render_fn render,
			       void *ctx, char *why, size_t why_len)
{
	struct http_server *s = calloc(1, sizeof(*s));
	int one = 1;

	if (!s) {
		snprintf(why, why_len, "%s", strerror(ENOMEM));
		return NULL;
	}
	s->render = render;
	s->ctx = ctx;
	for (int i = 0; i < HTTP_MAX_CONNS; i++)
		s->conn[i].fd = -1;
	s->fd = socket(l->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* A restart must not wait for the last run's TIME_WAIT sockets. */
	if (s->fd < 0 || setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s->fd, (const struct sockaddr *)&l->addr, l->len) ||
	    listen(s->fd, HTTP_MAX_CONNS * 2)) {
		snprintf(why, why_len, "cannot listen on %s: %s", l->name, strerror(errno));
		if (s->fd >= 0)
			close(s->fd);
		free(s);
		return NULL;
	}
	return s;
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	free(c->out);
	c->fd = -1;
	c->out = NULL;
	c->got = c->out_len = c->out_off = 0;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	default: return "Internal Server Error";
	}
}

/* The whole reply in c->out: the head, and the body unless @head. */
static void conn_reply(struct http_server *s, struct conn *c, int status, bool head)
{
	char *body = NULL, *hdr = NULL;
	size_t body_len = 0;
	FILE *f;
	int hlen, err = 0;

	f = open_memstream(&body, &body_len);
	if (!f) {
		conn_close(c);
		return;
	}
	if (status == 200)
		err = s->render(s->ctx, f);
	if (err) {
		status = 500;
		rewind(f);
		body_len = 0;
		fprintf(f, "reading the counters failed: %s\n", strerror(-err));
	} else if (status != 200) {
		fprintf(f, "%d %s: udstrace serves GET and HEAD of /metrics only\n",
			status, reason(status));
	}
	if (fclose(f)) {
		free(body);
		conn_close(c);
		return;
	}
	hlen = asprintf(&hdr, "HTTP/1.1 %d %s\r\n"
			"Content-Type: %s\r\n"
			"Content-Length: %zu\r\n"
			"%s"
			"Connection: close\r\n\r\n",
			status, reason(status),
			status == 200 ? "text/plain; version=0.0.4; charset=utf-8" :
					"text/plain; charset=utf-8",
			body_len, status == 405 ? "Allow: GET, HEAD\r\n" : "");
	c->out = hlen < 0 ? NULL : realloc(hdr, hlen + (head ? 0 : body_len));
	if (!c->out) {
		free(hlen < 0 ? NULL : hdr);
		free(body);
		conn_close(c);
		return;
	}
	if (!head)
		memcpy(c->out + hlen, body, body_len);
	c->out_len = hlen + (head ? 0 : body_len);
	free(body);
}

/*
 * Writes what the socket takes now. When it is all out, the connection
 * ends; a request's unread rest is read away first (bounded), since
 * closing on unread data resets the connection, reply and all.
 */
static void conn_write(struct conn *c)
{
	char sink[512];
	size_t drained = 0;
	ssize_t n;

	while (c->out_off < c->out_len) {
		/* MSG_NOSIGNAL: a client gone must not raise SIGPIPE, a stop signal here. */
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			conn_close(c);
			return;
		}
		c->out_off += n;
	}
	shutdown(c->fd, SHUT_WR);
	while (drained < HTTP_DRAIN &&
	       (n = recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT)) > 0)
		drained += n;
	conn_close(c);
}

/* Reads what came, and answers once the request is decided. */
static void conn_read(struct http_server *s, struct conn *c)
{
	struct http_request req;
	bool eof = false;
	ssize_t n;

	while (c->got < sizeof(c->req)) {
		n = recv(c->fd, c->req + c->got, sizeof(c->req) - c->got, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			conn_close(c);
			return;
		}
		if (!n) {
			eof = true;
			break;
		}
		c->got += n;
	}
	if (!http_parse_request(c->req, c->got, eof, &req))
		return;
	conn_reply(s, c, req.status, req.head);
	if (c->fd >= 0)
		conn_write(c);
}

static void accept_new(struct http_server *s, unsigned long long now)
{
	for (int i = 0; i < HTTP_MAX_CONNS; i++) {
		struct conn *c = &s->conn[i];

		if (c->fd >= 0)
			continue;
		c->fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c->fd < 0 && (errno == EMFILE || errno == ENFILE ||
				  errno == ENOBUFS || errno == ENOMEM))
			s->accept_paused_until = now + HTTP_ACCEPT_PAUSE_MS * NSEC_PER_MSEC;
		if (c->fd < 0)
			return;	/* none waiting, or it went; either way, later */
		c->deadline = now + HTTP_DEADLINE_MS * NSEC_PER_MSEC;
	}
}

/* Serves what is ready; drops clients past their deadline. */
static void serve_ready(struct http_server *s, const struct pollfd *pfd,
			const int *slot, int nfd)
{
	unsigned long long now = mono_ns();

	for (int k = 2; k < nfd; k++) {
		struct conn *c = &s->conn[slot[k]];

		if (pfd[k].revents && c->out)
			conn_write(c);
		else if (pfd[k].revents)
			conn_read(s, c);
		if (c->fd >= 0 && now >= c->deadline)
			conn_close(c);
	}
	if (pfd[1].revents & POLLIN)
		accept_new(s, now);
}

/* The poll set: the wake fd, the listener unless every slot is taken, the clients. */
static int poll_set(struct http_server *s, int wake_fd, struct pollfd *pfd,
		    int *slot, unsigned long long now, unsigned long long *until)
{
	bool paused = now < s->accept_paused_until, full = true;
	int nfd = 2;

	for (int i = 0; i < HTTP_MAX_CONNS; i++) {
		struct conn *c = &s->conn[i];

		if (c->fd < 0) {
			full = false;
			continue;
		}
		slot[nfd] = i;
		pfd[nfd++] = (struct pollfd){ .fd = c->fd,
					      .events = c->out ? POLLOUT : POLLIN };
		if (c->deadline < *until)
			*until = c->deadline;
	}
	pfd[0] = (struct pollfd){ .fd = wake_fd, .events = POLLIN };
	/* Full (or paused): new clients wait in the backlog until a slot frees. */
	pfd[1] = (struct pollfd){ .fd = full || paused ? -1 : s->fd, .events = POLLIN };
	if (paused && s->accept_paused_until < *until)
		*until = s->accept_paused_until;
	return nfd;
}

void http_serve(struct http_server *s, unsigned long long wait_ns, int wake_fd)
{
	unsigned long long start = mono_ns(), end = start + wait_ns;
	struct pollfd pfd[2 + HTTP_MAX_CONNS];
	int slot[2 + HTTP_MAX_CONNS];

	if (end < start)
		end = ~0ULL;	/* "until a signal" */
	for (;;) {
		unsigned long long now = mono_ns(), until = end, ms;
		int nfd;

		if (now >= end)
			return;
		nfd = poll_set(s, wake_fd, pfd, slot, now, &until);
		/* Rounded up, so a deadline is not polled for with 0 ms again and again. */
		ms = (until - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
		if (poll(pfd, nfd, ms > 60000 ? 60000 : (int)ms) < 0) {
			if (errno != EINTR)
				return;
			continue;
		}
		serve_ready(s, pfd, slot, nfd);
		if (pfd[0].revents)
			return;
	}
}

void http_stop(struct http_server *s)
{
	if (!s)
		return;
	for (int i = 0; i < HTTP_MAX_CONNS; i++)
		if (s->conn[i].fd >= 0)
			conn_close(&s->conn[i]);
	close(s->fd);
	free(s);
}
