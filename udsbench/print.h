/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef UDSBENCH_PRINT_H
#define UDSBENCH_PRINT_H

#include <stdio.h>
#include "udsbench.h"

/* Side by side, UDS and TCP per size, with the TCP/UDS ratio. */
void print_table(FILE *f, const struct config *cfg, const struct row *rows, int n);

/* NDJSON, schema udsbench/1: one object per row (see README.md here). */
void print_json(FILE *f, const struct config *cfg, const struct row *rows, int n);

#endif /* UDSBENCH_PRINT_H */
