/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --stages: whose work a stage hit in softirq context is. A softirq runs
 * on top of whatever task it interrupts, so a hit inside a traced call is
 * the call's own only when its packet or sock belongs to the socket the
 * call works on: the same sock, or the same TCP connection seen from
 * either end (a loopback segment is received by the peer's sock, with
 * skb->sk cleared by loopback_xmit, and the peer's ACKs come back the
 * other way). Everything here reads through bpf_probe_read_kernel, since
 * the pointers are a stage's raw arguments, and runs only in stage
 * programs, so only with --stages. Inline functions only.
 */
#ifndef UDSTRACE_FLOW_BPF_H
#define UDSTRACE_FLOW_BPF_H

#include "stages.h"
#include "tcp_row.bpf.h"

/* One TCP connection from one end; IPv4 addresses as ::ffff:a.b.c.d. */
struct flow {
	__u32 saddr[4];
	__u32 daddr[4];
	__u16 sport;		/* network order, both */
	__u16 dport;
};

static __always_inline void v4_mapped(__u32 *a, __u32 v4)
{
	a[0] = 0;
	a[1] = 0;
	a[2] = bpf_htonl(0xffff);
	a[3] = v4;
}

/* @sk's connection; false if @sk is no IPv4 or IPv6 sock. */
static __always_inline bool sock_flow(struct sock *sk, struct flow *f)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	if (family == AF_INET) {
		v4_mapped(f->saddr, BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr));
		v4_mapped(f->daddr, BPF_CORE_READ(sk, __sk_common.skc_daddr));
	} else if (family == AF_INET6) {
		BPF_CORE_READ_INTO(&f->saddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&f->daddr, sk, __sk_common.skc_v6_daddr);
	} else {
		return false;
	}
	f->sport = bpf_htons(BPF_CORE_READ(sk, __sk_common.skc_num));
	f->dport = BPF_CORE_READ(sk, __sk_common.skc_dport);
	return true;
}

/*
 * The connection of the TCP segment @skb, from its IP and TCP headers;
 * false if it is none. The network header is set from the IP layer down
 * on the way out, and from __netif_receive_skb_core up on the way in (on
 * loopback it is still the sender's before that); a packet whose header
 * is not set yet reads as no connection. The TCP header is found from
 * the IP header, since the transport header is set only in ip_rcv.
 * IPv6 extension headers are not walked: such a packet reads as none.
 */
static __always_inline bool skb_flow(struct sk_buff *skb, struct flow *f)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u32 nh = BPF_CORE_READ(skb, network_header);
	__u32 ip[10];		/* an IPv6 header, or the start of an IPv4 one */
	__u8 *b = (__u8 *)ip;
	__u16 ports[2];
	__u32 l4;

	if (!head || bpf_probe_read_kernel(ip, sizeof(ip), head + nh))
		return false;
	if (b[0] >> 4 == 4) {
		if (b[9] != IPPROTO_TCP)
			return false;
		v4_mapped(f->saddr, ip[3]);
		v4_mapped(f->daddr, ip[4]);
		l4 = nh + (b[0] & 0xf) * 4;
	} else if (b[0] >> 4 == 6) {
		if (b[6] != IPPROTO_TCP)
			return false;
		__builtin_memcpy(f->saddr, &ip[2], sizeof(f->saddr));
		__builtin_memcpy(f->daddr, &ip[6], sizeof(f->daddr));
		l4 = nh + 40;
	} else {
		return false;
	}
	if (bpf_probe_read_kernel(ports, sizeof(ports), head + l4))
		return false;
	f->sport = ports[0];
	f->dport = ports[1];
	return true;
}

static __always_inline bool addr_eq(const __u32 *a, const __u32 *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

/* @a and @b are one connection, seen from the same end or the other. */
static __always_inline bool flow_same(const struct flow *a,
				      const struct flow *b)
{
	if (a->sport == b->sport && a->dport == b->dport &&
	    addr_eq(a->saddr, b->saddr) && addr_eq(a->daddr, b->daddr))
		return true;
	return a->sport == b->dport && a->dport == b->sport &&
	       addr_eq(a->saddr, b->daddr) && addr_eq(a->daddr, b->saddr);
}

/*
 * Is a stage hit the work of @mine, the sock the traced call works on?
 * @arg says what the stage's argument @obj is (bpf/stages.h). The cheap
 * tests go first: the pointer, then whether @mine has a connection at
 * all (an AF_UNIX sock has none, so an AF_UNIX call never reads a
 * packet's headers). A stage with no argument is never the call's own.
 */
static __always_inline bool stage_hit_is_mine(struct sock *mine, __u32 arg,
					      void *obj)
{
	struct flow m, o;

	if (!mine || !obj || !(ARG_IS_SKB(arg) || ARG_IS_SOCK(arg)))
		return false;
	if (ARG_IS_SOCK(arg) && obj == mine)
		return true;
	if (ARG_IS_SKB(arg) &&
	    BPF_CORE_READ((struct sk_buff *)obj, sk) == mine)
		return true;
	if (!sock_flow(mine, &m))
		return false;
	if (ARG_IS_SOCK(arg) ? !sock_flow(obj, &o) : !skb_flow(obj, &o))
		return false;
	return flow_same(&m, &o);
}

#endif /* UDSTRACE_FLOW_BPF_H */
