// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The stage table. Function names are checked against Linux 6.1 and 6.18
 * (kallsyms and BTF); the sentences against the source files they name.
 */
#include <stddef.h>
#include "paths.h"
#include "stages_info.h"

const struct stage_info stage_info[NR_STAGES] = {
	[STAGE_UNIX_CREATE1] = { "unix_create1", NULL, "new sock for the server side",
		"allocates the sock that accept() will return, before any handshake could exist",
		"net/unix/af_unix.c" },
	[STAGE_SOCK_WMALLOC] = { "sock_wmalloc", NULL, "the connect request skb",
		"allocates the one skb that carries the new sock to the listener's queue",
		"net/core/sock.c" },
	[STAGE_PEER_LINK] = { NULL, NULL, "link the socks: unix_peer() both ways",
		"points the two socks at each other and queues the skb for accept(); inline code, nothing to probe",
		"net/unix/af_unix.c" },
	[STAGE_ALLOC_SEND_SKB] = { "sock_alloc_send_pskb", NULL, "allocate the skb",
		"allocates an skb charged to the sender; it waits here when the peer has not read earlier data",
		"net/core/sock.c" },
	[STAGE_COPY_FROM_USER] = { "skb_copy_datagram_from_iter", NULL, "copy from user",
		"copies the user's bytes into the skb: the only copy on the sending side",
		"net/core/datagram.c" },
	[STAGE_QUEUE_ON_PEER] = { "skb_queue_tail", NULL, "enqueue on the peer's receive queue",
		"appends the skb straight to the peer's sk_receive_queue: the shortcut, no protocol in between",
		"net/core/skbuff.c" },
	[STAGE_TCP_SENDMSG_LOCKED] = { "tcp_sendmsg_locked", NULL, "TCP send, socket locked",
		"copies user data into skbs on the write queue, then pushes them out",
		"net/ipv4/tcp.c" },
	[STAGE_TCP_WRITE_XMIT] = { "tcp_write_xmit", NULL, "segments allowed by cwnd and Nagle",
		"decides which queued segments the congestion window and Nagle allow, and sends them",
		"net/ipv4/tcp_output.c" },
	[STAGE_TCP_TRANSMIT_SKB] = { "__tcp_transmit_skb", NULL, "build the TCP header",
		"clones the segment, writes the TCP header and checksum, hands it to IP",
		"net/ipv4/tcp_output.c" },
	[STAGE_IP_QUEUE_XMIT] = { "ip_queue_xmit", NULL, "route and IP header",
		"finds the route (cached on the socket) and builds the IP header",
		"net/ipv4/ip_output.c" },
	[STAGE_IP_OUTPUT] = { "ip_output", NULL, "netfilter POSTROUTING, neighbour",
		"runs the POSTROUTING hooks and resolves the neighbour before the device",
		"net/ipv4/ip_output.c" },
	[STAGE_DEV_QUEUE_XMIT] = { "__dev_queue_xmit", "net:net_dev_queue", "device queue",
		"queues the packet to the device; lo has no qdisc, so it goes straight to the driver",
		"net/core/dev.c" },
	[STAGE_DEV_XMIT] = { "loopback_xmit", "net:net_dev_start_xmit", "loopback driver",
		"the loopback driver's transmit: turns the outgoing packet into an incoming one",
		"drivers/net/loopback.c" },
	[STAGE_NETIF_RX] = { "__netif_rx", "net:netif_rx", "backlog, raise NET_RX",
		"puts the packet on this CPU's backlog queue and raises the NET_RX softirq",
		"net/core/dev.c" },
	[STAGE_NET_RX_SOFTIRQ] = { "net_rx_action", "irq:softirq_entry/exit", "NET_RX softirq",
		"the receive softirq; on loopback it usually runs as the sender re-enables bottom halves, charged to the sender",
		"net/core/dev.c" },
	[STAGE_NETIF_RECEIVE_SKB] = { "__netif_receive_skb", "net:netif_receive_skb", "receive: protocol demux",
		"hands the packet to the protocol handler for its ethertype",
		"net/core/dev.c" },
	[STAGE_IP_RCV] = { "ip_rcv", NULL, "IP receive",
		"checks the IP header and runs the PREROUTING hooks",
		"net/ipv4/ip_input.c" },
	[STAGE_IP_LOCAL_DELIVER] = { "ip_local_deliver", NULL, "deliver locally",
		"runs the INPUT hooks and passes the packet to TCP",
		"net/ipv4/ip_input.c" },
	[STAGE_TCP_V4_RCV] = { "tcp_v4_rcv", NULL, "TCP receive: find the socket",
		"looks up the socket; if its owner holds the lock the packet is parked on the backlog",
		"net/ipv4/tcp_ipv4.c" },
	[STAGE_TCP_RCV_ESTABLISHED] = { "tcp_rcv_established", "tcp:tcp_probe", "TCP state machine",
		"processes data and ACKs on an established connection and queues the data for the reader",
		"net/ipv4/tcp_input.c" },
	[STAGE_DATA_READY] = { "sock_def_readable", "sock:sk_data_ready", "wake the reader",
		"wakes whoever sleeps in recv() or poll() on the receiving socket",
		"net/core/sock.c" },
	[STAGE_RELEASE_SOCK] = { "__release_sock", NULL, "packets parked while locked",
		"processes the packets (mostly ACKs) that arrived while this task held the socket lock",
		"net/core/sock.c" },
	[STAGE_UNIX_READ] = { "unix_stream_read_generic", NULL, "read own queue",
		"takes skbs from the socket's own receive queue; sleeps there when it is empty",
		"net/unix/af_unix.c" },
	[STAGE_TCP_RECVMSG_LOCKED] = { "tcp_recvmsg_locked", NULL, "TCP receive, socket locked",
		"takes data from the receive queue in sequence order, sleeping when none is there",
		"net/ipv4/tcp.c" },
	[STAGE_COPY_TO_USER] = { "skb_copy_datagram_iter", "skb:skb_copy_datagram_iovec", "copy to user",
		"copies the skb's bytes to the reader's buffer: the only copy on the receiving side",
		"net/core/datagram.c" },
	[STAGE_FREE_SKB] = { "consume_skb", "skb:consume_skb", "free the skb",
		"frees a fully read skb; its destructor returns the memory charged to the writer",
		"net/core/skbuff.c" },
	[STAGE_TCP_RCV_SPACE_ADJUST] = { "tcp_rcv_space_adjust", "tcp:tcp_rcv_space_adjust", "receive-window tuning",
		"measures how fast the application reads and grows the receive buffer to match",
		"net/ipv4/tcp_input.c" },
	[STAGE_TCP_CLEANUP_RBUF] = { "tcp_cleanup_rbuf", NULL, "send ACK if due",
		"after a read, sends an ACK or window update when the peer needs one",
		"net/ipv4/tcp.c" },
	[STAGE_WAKE_WRITER] = { "unix_write_space", NULL, "wake the writer",
		"wakes a writer that waits for buffer space, now that the skb's memory is back",
		"net/unix/af_unix.c" },
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
