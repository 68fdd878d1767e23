/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What each side does in each mode; run through sides_run(). */
#ifndef UDSBENCH_MODES_H
#define UDSBENCH_MODES_H

#include "sides.h"

/* Ping-pong: the client times each round trip into s->samples. */
void latency_client(struct side *s);
/* Answers each message with the same message number, until end of stream. */
void latency_server(struct side *s);

/* One way: the client streams messages; t_start_ns is its first send. */
void throughput_client(struct side *s);
/* Receives and verifies until end of stream; t_end_ns is the last message. */
void throughput_server(struct side *s);

#endif /* UDSBENCH_MODES_H */
