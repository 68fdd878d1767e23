/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which row a TCP call belongs to: loopback (the packets take a loopback
 * device) or remote (any other device, a veth pair between network
 * namespaces on one host included). Inline functions only.
 */
#ifndef UDSTRACE_TCP_ROW_BPF_H
#define UDSTRACE_TCP_ROW_BPF_H

#include "udstrace.h"

/* Socket constants: macros in the kernel, so vmlinux.h lacks them. */
#define AF_UNIX		1
#define AF_INET		2
#define AF_INET6	10
#define SOCK_STREAM	1
#define IPPROTO_TCP	6
#define IFF_LOOPBACK	0x8

static __always_inline bool ipv6_is_loopback(const struct in6_addr *a)
{
	__u32 w0 = a->in6_u.u6_addr32[0], w1 = a->in6_u.u6_addr32[1];
	__u32 w2 = a->in6_u.u6_addr32[2], w3 = a->in6_u.u6_addr32[3];

	if (!w0 && !w1 && !w2 && w3 == bpf_htonl(1))
		return true;	/* ::1 */
	/* ::ffff:127.0.0.0/8 */
	return !w0 && !w1 && w2 == bpf_htonl(0xffff) &&
	       (bpf_ntohl(w3) >> 24) == 127;
}

/* A peer address that is not :: and equals the socket's own. */
static __always_inline bool ipv6_is_local(const struct in6_addr *d,
					  const struct in6_addr *s)
{
	const __u32 *dw = d->in6_u.u6_addr32, *sw = s->in6_u.u6_addr32;

	return (dw[0] | dw[1] | dw[2] | dw[3]) && dw[0] == sw[0] &&
	       dw[1] == sw[1] && dw[2] == sw[2] && dw[3] == sw[3];
}

/*
 * Is @sa, a send's destination (in user memory with @user), a loopback
 * address: 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104? For a TCP Fast Open
 * send on a closed sock, whose peer the sock knows only once the call has
 * connected it. Anything unreadable is not.
 */
static __always_inline bool sockaddr_is_loopback(const void *sa, bool user)
{
	struct sockaddr_in6 a6;
	struct sockaddr_in a4;
	__u16 family;

	if (!sa || (user ? bpf_probe_read_user(&family, sizeof(family), sa) :
			   bpf_probe_read_kernel(&family, sizeof(family), sa)))
		return false;
	if (family == AF_INET) {
		if (user ? bpf_probe_read_user(&a4, sizeof(a4), sa) :
			   bpf_probe_read_kernel(&a4, sizeof(a4), sa))
			return false;
		return (bpf_ntohl(a4.sin_addr.s_addr) >> 24) == 127;
	}
	if (family != AF_INET6 ||
	    (user ? bpf_probe_read_user(&a6, sizeof(a6), sa) :
		    bpf_probe_read_kernel(&a6, sizeof(a6), sa)))
		return false;
	return ipv6_is_loopback(&a6.sin6_addr);
}

/*
 * Socket fields are read one of two ways. A pointer that arrives as a
 * fentry or tp_btf argument is typed by BTF, and a plain load through it
 * (which the verifier guards) is the cheapest read there is: the hot path
 * uses that. Other pointers (kprobe arguments, pointers found by walking
 * a task's files) need bpf_probe_read_kernel. The classifiers are written
 * once and made for both: tcp_row() and tcp_row_raw().
 */
#define RD_BTF(p, field) ((p)->field)
#define RD_RAW(p, field) BPF_CORE_READ(p, field)

/*
 * Loopback means: peer in 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104, peer
 * address equal to our own, or the cached route leaving through a
 * loopback device. Decided per socket, so one process can have both kinds.
 */
#define DEFINE_TCP_ROW(SFX, RD)						\
static __always_inline bool tcp_is_loopback##SFX(struct sock *sk)	\
{									\
	__u16 family = RD(sk, __sk_common.skc_family);			\
	struct dst_entry *dst;						\
	struct net_device *dev;						\
									\
	if (family == AF_INET) {					\
		__u32 daddr = RD(sk, __sk_common.skc_daddr);		\
									\
		if ((bpf_ntohl(daddr) >> 24) == 127)			\
			return true;					\
		if (daddr && daddr == RD(sk, __sk_common.skc_rcv_saddr)) \
			return true;					\
	} else if (family == AF_INET6) {				\
		struct in6_addr d = RD(sk, __sk_common.skc_v6_daddr);	\
		struct in6_addr s = RD(sk, __sk_common.skc_v6_rcv_saddr); \
									\
		if (ipv6_is_loopback(&d) || ipv6_is_local(&d, &s))	\
			return true;					\
	}								\
	dst = RD(sk, sk_dst_cache);					\
	if (!dst)							\
		return false;						\
	dev = RD(dst, dev);						\
	return dev && (RD(dev, flags) & IFF_LOOPBACK);			\
}									\
									\
/* @loopback_row (a TCP send or receive row) or the remote row after it. */ \
static __always_inline __u32 tcp_row##SFX(struct sock *sk, __u32 loopback_row) \
{									\
	return tcp_is_loopback##SFX(sk) ? loopback_row : loopback_row + 1; \
}

DEFINE_TCP_ROW(, RD_BTF)
DEFINE_TCP_ROW(_raw, RD_RAW)

#endif /* UDSTRACE_TCP_ROW_BPF_H */
