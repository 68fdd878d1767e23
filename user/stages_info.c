// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The stage table, made from bpf/stage_list.h, and each row's tree of
 * stages.
 */
#include <stddef.h>
#include "paths.h"
#include "stages_info.h"

const struct stage_info stage_info[NR_STAGES] = {
#define STAGE_FN(ID, fn, where, arg, lbl, expl, src)			\
	[STAGE_##ID] = { .func = #fn, .ctx = CTX_##where, .label = lbl,	\
			 .explain = expl, .source = src },
#define STAGE_TP(ID, fn, where, arg, sys, event, since, lbl, expl, src)\
	[STAGE_##ID] = { .func = #fn, .tp = #sys ":" #event,		\
			 .tp_event = #event, .tp_since = since,		\
			 .tp_point = true, .ctx = CTX_##where,		\
			 .label = lbl, .explain = expl, .source = src },
#define STAGE_SOFTIRQ(ID, fn, lbl, expl, src)				\
	[STAGE_##ID] = { .func = #fn, .tp = "irq:softirq_entry/exit",	\
			 .tp_event = "softirq_entry", .tp_since = "",	\
			 .ctx = CTX_SOFTIRQ, .label = lbl,		\
			 .explain = expl, .source = src },
#define STAGE_INLINE(ID, where, lbl, expl, src)				\
	[STAGE_##ID] = { .ctx = CTX_##where, .label = lbl,		\
			 .explain = expl, .source = src },
#include "stage_list.h"
};

static const struct row_stage connect_stages[] = {
	{ STAGE_UNIX_CREATE1, 1 },
	{ STAGE_SOCK_WMALLOC, 1 },
	{ STAGE_PEER_LINK, 1 },
	{ STAGE_DATA_READY, 1 },
	{},
};

static const struct row_stage unix_send_stages[] = {
	{ STAGE_ALLOC_SEND_SKB, 1 },
	{ STAGE_COPY_FROM_USER, 1 },
	{ STAGE_QUEUE_ON_PEER, 1 },
	{ STAGE_DATA_READY, 1 },
	{},
};

/*
 * A TCP segment's trip from __tcp_transmit_skb through the loopback device
 * and back up to tcp_rcv_established. The receive half runs inside
 * __dev_queue_xmit, as it re-enables bottom halves. Sends take this trip
 * for data, reads for the ACKs they send.
 */
#define TCP_LOOPBACK_TRIP						\
	{ STAGE_TCP_TRANSMIT_SKB, 3 },					\
	{ STAGE_IP_QUEUE_XMIT, 4 },					\
	{ STAGE_IP_OUTPUT, 5 },						\
	{ STAGE_DEV_QUEUE_XMIT, 6 },					\
	{ STAGE_DEV_XMIT, 7 },						\
	{ STAGE_NETIF_RX, 8 },						\
	{ STAGE_NET_RX_SOFTIRQ, 7 },					\
	{ STAGE_NETIF_RECEIVE_SKB, 8 },					\
	{ STAGE_IP_RCV, 9 },						\
	{ STAGE_IP_LOCAL_DELIVER, 10 },					\
	{ STAGE_TCP_V4_RCV, 11 },					\
	{ STAGE_TCP_RCV_ESTABLISHED, 12 }

static const struct row_stage tcp_send_stages[] = {
	{ STAGE_TCP_SENDMSG_LOCKED, 1 },
	{ STAGE_TCP_WRITE_XMIT, 2 },
	TCP_LOOPBACK_TRIP,
	{ STAGE_DATA_READY, 13 },
	{ STAGE_RELEASE_SOCK, 1 },
	{},
};

static const struct row_stage unix_recv_stages[] = {
	{ STAGE_UNIX_READ, 1 },
	{ STAGE_COPY_TO_USER, 2 },
	{ STAGE_FREE_SKB, 2 },
	{ STAGE_WAKE_WRITER, 3 },
	{},
};

/* A read can send an ACK: the trip runs again, now for the reader. */
static const struct row_stage tcp_recv_stages[] = {
	{ STAGE_TCP_RECVMSG_LOCKED, 1 },
	{ STAGE_COPY_TO_USER, 2 },
	{ STAGE_TCP_RCV_SPACE_ADJUST, 2 },
	{ STAGE_TCP_CLEANUP_RBUF, 2 },
	TCP_LOOPBACK_TRIP,
	{ STAGE_RELEASE_SOCK, 1 },
	{},
};

const struct row_stage *const row_stages[NR_PATHS] = {
	[PATH_UNIX_CONNECT] = connect_stages,
	[PATH_UNIX_SEND] = unix_send_stages,
	[PATH_TCP_LOOPBACK] = tcp_send_stages,
	[PATH_TCP_REMOTE] = tcp_send_stages,
	[PATH_UNIX_RECV] = unix_recv_stages,
	[PATH_TCP_RECV_LOOPBACK] = tcp_recv_stages,
	[PATH_TCP_RECV_REMOTE] = tcp_recv_stages,
};
