/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The stages along each path (--stages), shared by BPF and user space.
 * The stages themselves are listed in stage_list.h; each row's tree of
 * them is in user/stages_info.c. The BPF side counts every stage hit
 * under the row of the call it happens in, listed there or not, so a
 * stage that should not run in a path shows up if it does.
 */
#ifndef UDSTRACE_STAGES_H
#define UDSTRACE_STAGES_H

#include "udstrace.h"

enum stage {
#define STAGE_FN(ID, ...) STAGE_##ID,
#define STAGE_TP(ID, ...) STAGE_##ID,
#define STAGE_SOFTIRQ(ID, ...) STAGE_##ID,
#define STAGE_INLINE(ID, ...) STAGE_##ID,
#include "stage_list.h"
	NR_STAGES,
};

/* Where a stage ran: in the calling task, or in a softirq on its CPU. */
enum stage_ctx {
	CTX_TASK,
	CTX_SOFTIRQ,
	NR_CTX,
};

#define STAGE_KEY(row, stage, ctx) \
	(((row) * NR_STAGES + (stage)) * NR_CTX + (ctx))
#define NR_STAGE_KEYS (NR_PATHS * NR_STAGES * NR_CTX)

struct stage_stats {
	__u64 calls;
	__u64 ktime_ns;		/* inclusive; 0 where the probe is a point */
};

#endif /* UDSTRACE_STAGES_H */
