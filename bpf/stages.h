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

/*
 * Where a stage ran: in the calling task, or in a softirq on its CPU. A
 * third slot per stage, CTX_OTHER, holds the softirq hits during a call
 * that were for other sockets' packets: kept apart, never in the tree.
 */
enum stage_ctx {
	CTX_TASK,
	CTX_SOFTIRQ,
	NR_CTX,
	CTX_OTHER = NR_CTX,
	NR_CTX_SLOTS,
};

#define STAGE_KEY(row, stage, ctx) \
	(((row) * NR_STAGES + (stage)) * NR_CTX_SLOTS + (ctx))
#define NR_STAGE_KEYS (NR_PATHS * NR_STAGES * NR_CTX_SLOTS)

/*
 * The argument of a stage's function (and of its tracepoint) that names
 * whose work a hit is (bpf/stage_list.h): a packet, a sock, or nothing.
 */
#define NO_ARG		0
#define SKB_ARG(n)	(0x10 | (n))
#define SOCK_ARG(n)	(0x20 | (n))
#define ARG_IS_SKB(a)	(((a) & 0xf0) == 0x10)
#define ARG_IS_SOCK(a)	(((a) & 0xf0) == 0x20)
#define ARG_INDEX(a)	((a) & 0xf)

struct stage_stats {
	__u64 calls;
	__u64 ktime_ns;		/* inclusive; 0 where the probe is a point */
};

#endif /* UDSTRACE_STAGES_H */
