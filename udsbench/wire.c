// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Message pattern, counted sends, exact receives and verification. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "wire.h"

/*
 * pattern[j] = j & 0xff, 255 bytes longer than the largest message, so
 * message k is simply pattern + (k * 131 & 0xff): nothing is generated
 * per message, and a check is one memcmp().
 */
static unsigned char *pattern;

int wire_init(size_t max)
{
	pattern = malloc(max + 256);
	if (!pattern)
		return -1;
	for (size_t j = 0; j < max + 256; j++)
		pattern[j] = (unsigned char)j;
	return 0;
}

static const unsigned char *msg_data(uint64_t k)
{
	return pattern + ((k * 131) & 0xff);
}

static int send_all(struct side *s, const unsigned char *p, size_t len)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = send(s->fd, p + off, len - off, MSG_NOSIGNAL);
		s->res.send_calls++;	/* each call is one ->sendmsg in the kernel */
		if (n < 0) {
			if (errno == EINTR)
				continue;
			side_error(s, SIDE_IO, "send: %s", strerror(errno));
			return -1;
		}
		off += (size_t)n;
		s->res.bytes_sent += (uint64_t)n;
	}
	return 0;
}

int wire_send_msg(struct side *s, uint64_t k)
{
	size_t len = s->job->size;
	unsigned char *bad;
	int err;

	if (s->corrupt < 0 || k != (uint64_t)s->corrupt)
		return send_all(s, msg_data(k), len);
	/* The UDSBENCH_CORRUPT test hook: one flipped byte mid-message. */
	bad = malloc(len);
	if (!bad) {
		side_error(s, SIDE_IO, "out of memory");
		return -1;
	}
	memcpy(bad, msg_data(k), len);
	bad[len / 2] ^= 0xff;
	err = send_all(s, bad, len);
	free(bad);
	return err;
}

int wire_recv_msg(struct side *s, void *buf, size_t len, uint64_t k)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = recv(s->fd, (char *)buf + got, len - got, 0);
		s->res.recv_calls++;
		if (n > 0)
			s->res.bytes_received += (uint64_t)n;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			side_error(s, SIDE_IO, "recv: %s", strerror(errno));
			return -1;
		}
		if (n == 0) {
			if (!got)
				return 0;
			side_error(s, SIDE_IO, "stream ended inside message %llu after %zu of %zu bytes",
				   (unsigned long long)k, got, len);
			return -1;
		}
		got += (size_t)n;
	}
	return 1;
}

int wire_check_msg(struct side *s, const void *buf, uint64_t k)
{
	const unsigned char *got = buf, *want = msg_data(k);
	size_t len = s->job->size, i;

	if (!memcmp(got, want, len))
		return 0;
	for (i = 0; got[i] == want[i]; i++)
		;
	side_error(s, SIDE_DATA,
		   "data mismatch in message %llu at byte %zu (stream offset %llu): got 0x%02x, want 0x%02x",
		   (unsigned long long)k, i, (unsigned long long)(k * len + i), got[i], want[i]);
	return -1;
}
