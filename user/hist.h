/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* log2 histograms (bpf/udstrace.h defines the slots). */
#ifndef UDSTRACE_HIST_H
#define UDSTRACE_HIST_H

#include <linux/types.h>
#include <stdio.h>

/* Lowest value slot @slot holds: 0, 2, 4, 8, ... */
__u64 hist_slot_low(int slot);
/* Prints the non-empty range of @hist as rows with a bar of stars. */
void hist_print(FILE *f, const __u64 *hist, int slots, const char *unit);

#endif /* UDSTRACE_HIST_H */
