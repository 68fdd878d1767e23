// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One-way throughput. The clock starts at the client's first send() and
 * stops when the server has received and verified the last message, so
 * data still queued in socket buffers is never counted as delivered.
 * (ipc-bench stops at the sender's last write instead.)
 */
#include <stdlib.h>
#include "modes.h"
#include "wire.h"

void throughput_client(struct side *s)
{
	const struct job *j = s->job;
	uint64_t deadline = 0;

	s->res.t_start_ns = now_ns();
	if (j->duration_s > 0)
		deadline = s->res.t_start_ns + (uint64_t)(j->duration_s * 1e9);
	for (uint64_t k = 0; k < j->count; k++) {
		if (deadline && k && now_ns() >= deadline)
			break;
		if (wire_send_msg(s, k))
			break;
		s->res.msgs++;
	}
	/* sides_run() closes the socket next: the server's end of stream. */
}

void throughput_server(struct side *s)
{
	const struct job *j = s->job;
	unsigned char *buf = malloc(j->size);

	if (!buf) {
		side_error(s, SIDE_IO, "out of memory");
		return;
	}
	for (uint64_t k = 0;; k++) {
		if (wire_recv_msg(s, buf, j->size, k) <= 0 || wire_check_msg(s, buf, k))
			break;
		s->res.msgs++;
		/* With a known count, read the clock once, at the last message. */
		if (j->count == NO_LIMIT || s->res.msgs == j->count)
			s->res.t_end_ns = now_ns();
	}
	free(buf);
}
