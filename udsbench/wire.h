/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Messages on the wire: a position-dependent pattern, sending with every
 * send() call counted, receiving exact message sizes and verifying them.
 * Byte i of message k (counted from 0) is (k * 131 + i) & 0xff.
 */
#ifndef UDSBENCH_WIRE_H
#define UDSBENCH_WIRE_H

#include "sides.h"

/* Builds the pattern once for messages up to max bytes; -1 if no memory. */
int wire_init(size_t max);

/* Sends message k (damaged if k == s->corrupt); 0, or -1 with s->res set. */
int wire_send_msg(struct side *s, uint64_t k);

/*
 * Receives exactly len bytes into buf: 1 when they are all there, 0 on a
 * clean end of stream before the first byte, -1 (with s->res set) on an
 * error or an end of stream inside message k.
 */
int wire_recv_msg(struct side *s, void *buf, size_t len, uint64_t k);

/* Checks buf against message k; 0, or -1 with a SIDE_DATA error set. */
int wire_check_msg(struct side *s, const void *buf, uint64_t k);

#endif /* UDSBENCH_WIRE_H */
