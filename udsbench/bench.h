/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef UDSBENCH_BENCH_H
#define UDSBENCH_BENCH_H

#include "udsbench.h"

/*
 * Runs one (transport, mode, size): connect, both sides, verify, compute.
 * Returns 0 with *row filled, or -1 after printing one line on stderr
 * that names the transport, mode and size and says what went wrong.
 */
int bench_run(const struct config *cfg, enum transport tr, enum mode mode,
	      size_t size, struct row *row);

#endif /* UDSBENCH_BENCH_H */
