/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every stage --stages knows, once, in the style of the kernel's
 * include/linux/bpf_types.h: whoever includes this file defines the four
 * macros first, and gets one expansion per stage. From this list come the
 * stage enum (bpf/stages.h), the fentry/fexit programs (bpf/fentry.bpf.c),
 * the tracepoint programs (bpf/tracepoint.bpf.c) and the stage table user
 * space prints from (user/stages_info.c). Where each stage sits in a
 * row's call tree is the rows' business: user/stages_info.c.
 *
 * STAGE_FN(ID, func, ctx, arg, label, explain, source)
 *	a kernel function, timed by fentry/fexit on @func
 * STAGE_TP(ID, func, ctx, arg, sys, event, since, label, explain, source)
 *	the same, and counted by the tracepoint backend at @sys:@event,
 *	which first appeared in Linux @since ("" when long there)
 * STAGE_SOFTIRQ(ID, func, label, explain, source)
 *	the NET_RX softirq: @func for fentry, irq:softirq_entry/exit
 *	timed by the tracepoint backend
 * STAGE_INLINE(ID, ctx, label, explain, source)
 *	inline code: listed in the tree, nothing to probe
 *
 * @ctx (TASK or SOFTIRQ) is where the stage runs on its row's path; a
 * stage that saw no calls is shown there.
 *
 * @arg is the argument that names whose work a hit is: SKB_ARG(n), the
 * packet in argument n, SOCK_ARG(n), the sock in argument n, or NO_ARG
 * (bpf/stages.h). A hit in softirq context is charged to the traced call
 * only if that packet or sock is the call's socket's own (bpf/flow.bpf.h);
 * the rest is softirq work for other sockets that happened during the
 * call, counted apart. For a STAGE_TP the argument is at the same place
 * in @func and in @sys:@event (each was checked against the source).
 *
 * Function names are checked against Linux 5.10, 6.1 and 6.18 (kallsyms
 * and BTF); the sentences against the source files they name.
 */

/* unix_stream_connect */
STAGE_FN(UNIX_CREATE1, unix_create1, TASK, NO_ARG, "new sock for the server side",
	 "allocates the sock that accept() will return, before any handshake could exist",
	 "net/unix/af_unix.c")
STAGE_FN(SOCK_WMALLOC, sock_wmalloc, TASK, SOCK_ARG(0), "the connect request skb",
	 "allocates the one skb that carries the new sock to the listener's queue",
	 "net/core/sock.c")
STAGE_INLINE(PEER_LINK, TASK, "link the socks: unix_peer() both ways",
	     "points the two socks at each other and queues the skb for accept(); inline code, nothing to probe",
	     "net/unix/af_unix.c")

/* unix_stream_sendmsg */
STAGE_FN(ALLOC_SEND_SKB, sock_alloc_send_pskb, TASK, SOCK_ARG(0), "allocate the skb",
	 "allocates an skb charged to the sender; it waits here when the peer has not read earlier data",
	 "net/core/sock.c")
STAGE_FN(COPY_FROM_USER, skb_copy_datagram_from_iter, TASK, SKB_ARG(0), "copy from user",
	 "copies the user's bytes into the skb: the only copy on the sending side",
	 "net/core/datagram.c")
STAGE_FN(QUEUE_ON_PEER, skb_queue_tail, TASK, SKB_ARG(1), "enqueue on the peer's receive queue",
	 "appends the skb straight to the peer's sk_receive_queue: the shortcut, no protocol in between",
	 "net/core/skbuff.c")

/* tcp_sendmsg, and the loopback trip its segments take */
STAGE_FN(TCP_SENDMSG_LOCKED, tcp_sendmsg_locked, TASK, SOCK_ARG(0), "TCP send, socket locked",
	 "copies user data into skbs on the write queue, then pushes them out",
	 "net/ipv4/tcp.c")
STAGE_FN(TCP_WRITE_XMIT, tcp_write_xmit, TASK, SOCK_ARG(0), "segments allowed by cwnd and Nagle",
	 "decides which queued segments the congestion window and Nagle allow, and sends them",
	 "net/ipv4/tcp_output.c")
STAGE_FN(TCP_TRANSMIT_SKB, __tcp_transmit_skb, TASK, SOCK_ARG(0), "build the TCP header",
	 "clones the segment, writes the TCP header and checksum, hands it to IP",
	 "net/ipv4/tcp_output.c")
STAGE_FN(IP_QUEUE_XMIT, ip_queue_xmit, TASK, SOCK_ARG(0), "route and IP header",
	 "finds the route (cached on the socket) and builds the IP header",
	 "net/ipv4/ip_output.c")
STAGE_FN(IP_OUTPUT, ip_output, TASK, SKB_ARG(2), "netfilter POSTROUTING, neighbour",
	 "runs the POSTROUTING hooks and resolves the neighbour before the device",
	 "net/ipv4/ip_output.c")
STAGE_TP(DEV_QUEUE_XMIT, __dev_queue_xmit, TASK, SKB_ARG(0), net, net_dev_queue, "", "device queue",
	 "queues the packet to the device; lo has no qdisc, so it goes straight to the driver",
	 "net/core/dev.c")
STAGE_TP(DEV_XMIT, loopback_xmit, TASK, SKB_ARG(0), net, net_dev_start_xmit, "", "loopback driver",
	 "the loopback driver's transmit: turns the outgoing packet into an incoming one",
	 "drivers/net/loopback.c")
STAGE_TP(NETIF_RX, __netif_rx, TASK, SKB_ARG(0), net, netif_rx, "", "backlog, raise NET_RX",
	 "puts the packet on this CPU's backlog queue and raises the NET_RX softirq",
	 "net/core/dev.c")
STAGE_SOFTIRQ(NET_RX_SOFTIRQ, net_rx_action, "NET_RX softirq",
	      "the receive softirq; on loopback it usually runs as the sender re-enables bottom halves, charged to the sender only when it carried a packet of the sender's own connection, else counted apart as work for other sockets",
	      "net/core/dev.c")
STAGE_TP(NETIF_RECEIVE_SKB, __netif_receive_skb, SOFTIRQ, SKB_ARG(0), net, netif_receive_skb, "",
	 "receive: protocol demux",
	 "hands the packet to the protocol handler for its ethertype",
	 "net/core/dev.c")
STAGE_FN(IP_RCV, ip_rcv, SOFTIRQ, SKB_ARG(0), "IP receive",
	 "checks the IP header and runs the PREROUTING hooks",
	 "net/ipv4/ip_input.c")
STAGE_FN(IP_LOCAL_DELIVER, ip_local_deliver, SOFTIRQ, SKB_ARG(0), "deliver locally",
	 "runs the INPUT hooks and passes the packet to TCP",
	 "net/ipv4/ip_input.c")
STAGE_FN(TCP_V4_RCV, tcp_v4_rcv, SOFTIRQ, SKB_ARG(0), "TCP receive: find the socket",
	 "looks up the socket; if its owner holds the lock the packet is parked on the backlog",
	 "net/ipv4/tcp_ipv4.c")
STAGE_TP(TCP_RCV_ESTABLISHED, tcp_rcv_established, SOFTIRQ, SOCK_ARG(0), tcp, tcp_probe, "",
	 "TCP state machine",
	 "processes data and ACKs on an established connection and queues the data for the reader",
	 "net/ipv4/tcp_input.c")
STAGE_TP(DATA_READY, sock_def_readable, TASK, SOCK_ARG(0), sock, sk_data_ready, "6.3", "wake the reader",
	 "wakes whoever sleeps in recv() or poll() on the receiving socket",
	 "net/core/sock.c")
STAGE_FN(RELEASE_SOCK, __release_sock, TASK, SOCK_ARG(0), "packets parked while locked",
	 "processes the packets (mostly ACKs) that arrived while this task held the socket lock",
	 "net/core/sock.c")

/* the receive side */
STAGE_FN(UNIX_READ, unix_stream_read_generic, TASK, NO_ARG, "read own queue",
	 "takes skbs from the socket's own receive queue; sleeps there when it is empty",
	 "net/unix/af_unix.c")
STAGE_FN(TCP_RECVMSG_LOCKED, tcp_recvmsg_locked, TASK, SOCK_ARG(0), "TCP receive, socket locked",
	 "takes data from the receive queue in sequence order, sleeping when none is there",
	 "net/ipv4/tcp.c")
STAGE_TP(COPY_TO_USER, skb_copy_datagram_iter, TASK, SKB_ARG(0), skb, skb_copy_datagram_iovec, "",
	 "copy to user",
	 "copies the skb's bytes to the reader's buffer: the only copy on the receiving side",
	 "net/core/datagram.c")
STAGE_TP(FREE_SKB, consume_skb, TASK, SKB_ARG(0), skb, consume_skb, "", "free the skb",
	 "frees a fully read skb; its destructor returns the memory charged to the writer",
	 "net/core/skbuff.c")
STAGE_TP(TCP_RCV_SPACE_ADJUST, tcp_rcv_space_adjust, TASK, SOCK_ARG(0), tcp, tcp_rcv_space_adjust, "",
	 "receive-window tuning",
	 "measures how fast the application reads and grows the receive buffer to match",
	 "net/ipv4/tcp_input.c")
STAGE_FN(TCP_CLEANUP_RBUF, tcp_cleanup_rbuf, TASK, SOCK_ARG(0), "send ACK if due",
	 "after a read, sends an ACK or window update when the peer needs one",
	 "net/ipv4/tcp.c")
STAGE_FN(WAKE_WRITER, unix_write_space, TASK, SOCK_ARG(0), "wake the writer",
	 "wakes a writer that waits for buffer space, now that the skb's memory is back",
	 "net/unix/af_unix.c")

#undef STAGE_FN
#undef STAGE_TP
#undef STAGE_SOFTIRQ
#undef STAGE_INLINE
