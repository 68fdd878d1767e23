/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Human-readable numbers for the table. Each writes into buf and returns it. */
#ifndef UDSTRACE_FMT_H
#define UDSTRACE_FMT_H

#include <stddef.h>
#include <stdint.h>

#define FMT_LEN 32

/* 705 ns, 4.30 us, 14.1 ms, 2.50 s: three significant digits. */
char *fmt_ns(char *buf, size_t len, double ns);
/* 999 B, 2.00 kB, 1.50 MB: decimal (SI) units, as ss and ipc-bench use. */
char *fmt_bytes(char *buf, size_t len, uint64_t bytes);
/* 20,000 */
char *fmt_count(char *buf, size_t len, uint64_t n);

#endif /* UDSTRACE_FMT_H */
