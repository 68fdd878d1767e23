// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Ping-pong latency. Each round trip is timed from just before the
 * client's send() to the moment the whole answer is in its buffer. Both
 * sides verify what they receive, outside the timed part where they can:
 * the client after stopping the clock, the server after answering.
 */
#include <stdlib.h>
#include "modes.h"
#include "wire.h"

static int add_sample(struct side *s, uint64_t ns)
{
	uint64_t *p;
	size_t cap;

	if (s->nr_samples == s->cap_samples) {
		cap = s->cap_samples ? 2 * s->cap_samples : 4096;
		p = realloc(s->samples, cap * sizeof(*p));
		if (!p) {
			side_error(s, SIDE_IO, "out of memory for %zu samples", cap);
			return -1;
		}
		s->samples = p;
		s->cap_samples = cap;
	}
	s->samples[s->nr_samples++] = ns;
	return 0;
}

void latency_client(struct side *s)
{
	const struct job *j = s->job;
	uint64_t k, t0, t1, deadline = 0;
	unsigned char *buf = malloc(j->size);
	int r;

	if (!buf) {
		side_error(s, SIDE_IO, "out of memory");
		return;
	}
	/* Known count: allocate every sample now, not while timing. */
	if (j->count != NO_LIMIT) {
		s->samples = malloc(j->count * sizeof(*s->samples));
		s->cap_samples = s->samples ? j->count : 0;
	}
	s->res.t_start_ns = now_ns();
	if (j->duration_s > 0)
		deadline = s->res.t_start_ns + (uint64_t)(j->duration_s * 1e9);
	for (k = 0; k < j->count; k++) {
		t0 = now_ns();
		if (deadline && k && t0 >= deadline)
			break;
		if (wire_send_msg(s, k))
			break;
		r = wire_recv_msg(s, buf, j->size, k);
		if (r == 0)
			side_error(s, SIDE_IO, "the server closed the connection before answering message %llu",
				   (unsigned long long)k);
		if (r <= 0)
			break;
		t1 = now_ns();
		if (add_sample(s, t1 - t0) || wire_check_msg(s, buf, k))
			break;
		s->res.msgs++;
	}
	s->res.t_end_ns = now_ns();
	free(buf);
}

void latency_server(struct side *s)
{
	const struct job *j = s->job;
	unsigned char *buf = malloc(j->size);

	if (!buf) {
		side_error(s, SIDE_IO, "out of memory");
		return;
	}
	for (uint64_t k = 0;; k++) {
		if (wire_recv_msg(s, buf, j->size, k) <= 0)
			break;
		if (wire_send_msg(s, k) || wire_check_msg(s, buf, k))
			break;
		s->res.msgs++;
	}
	free(buf);
}
