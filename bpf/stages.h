/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The stages along each path (--stages), shared by BPF and user space.
 * The kernel functions, tracepoints, explanations and each row's list of
 * stages live in user/stages_info.c. The BPF side counts every stage hit
 * under the row of the call it happens in, listed there or not, so a
 * stage that should not run in a path shows up if it does.
 */
#ifndef UDSTRACE_STAGES_H
#define UDSTRACE_STAGES_H

#include "udstrace.h"

enum stage {
	STAGE_UNIX_CREATE1,
	STAGE_SOCK_WMALLOC,
	STAGE_PEER_LINK,
	STAGE_ALLOC_SEND_SKB,
	STAGE_COPY_FROM_USER,
	STAGE_QUEUE_ON_PEER,
	STAGE_TCP_SENDMSG_LOCKED,
	STAGE_TCP_WRITE_XMIT,
	STAGE_TCP_TRANSMIT_SKB,
	STAGE_IP_QUEUE_XMIT,
	STAGE_IP_OUTPUT,
	STAGE_DEV_QUEUE_XMIT,
	STAGE_DEV_XMIT,
	STAGE_NETIF_RX,
	STAGE_NET_RX_SOFTIRQ,
	STAGE_NETIF_RECEIVE_SKB,
	STAGE_IP_RCV,
	STAGE_IP_LOCAL_DELIVER,
	STAGE_TCP_V4_RCV,
	STAGE_TCP_RCV_ESTABLISHED,
	STAGE_DATA_READY,
	STAGE_RELEASE_SOCK,
	STAGE_UNIX_READ,
	STAGE_TCP_RECVMSG_LOCKED,
	STAGE_COPY_TO_USER,
	STAGE_FREE_SKB,
	STAGE_TCP_RCV_SPACE_ADJUST,
	STAGE_TCP_CLEANUP_RBUF,
	STAGE_WAKE_WRITER,
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
