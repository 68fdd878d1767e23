/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which row a socket call belongs to, from the socket alone, for the
 * tracepoint backend: from a sock:sock_*_length argument, or from a
 * syscall's fd at sys_enter. Inline functions only; PATH_NONE is "no row".
 */
#ifndef UDSTRACE_SOCK_ROW_BPF_H
#define UDSTRACE_SOCK_ROW_BPF_H

#include "tcp_row.bpf.h"

#define S_IFMT		00170000
#define S_IFSOCK	0140000
#define SOCK_SEQPACKET	5

/* The socket behind the current task's @fd, or NULL. */
static __always_inline struct socket *fd_socket(long fd)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *file = NULL;

	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file || (BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	return BPF_CORE_READ(file, private_data);
}

/* The row of a send (or with @recv, a receive) on @sk, or PATH_NONE. */
#define DEFINE_SOCK_ROW(SFX, RD)					\
static __always_inline __u32 sock_row##SFX(struct sock *sk, bool recv)	\
{									\
	__u16 family = RD(sk, __sk_common.skc_family);			\
									\
	if (RD(sk, sk_type) != SOCK_STREAM)				\
		return PATH_NONE;					\
	if (family == AF_UNIX)						\
		return recv ? PATH_UNIX_RECV : PATH_UNIX_SEND;		\
	if ((family == AF_INET || family == AF_INET6) &&		\
	    RD(sk, sk_protocol) == IPPROTO_TCP)				\
		return tcp_row##SFX(sk, recv ? PATH_TCP_RECV_LOOPBACK :	\
					     PATH_TCP_LOOPBACK);	\
	return PATH_NONE;						\
}

DEFINE_SOCK_ROW(, RD_BTF)	/* sock:sock_*_length's argument */
DEFINE_SOCK_ROW(_raw, RD_RAW)	/* a socket found from an fd */

/* The sock behind the current task's @fd, or NULL. */
static __always_inline struct sock *fd_sock(long fd)
{
	struct socket *sock = fd_socket(fd);

	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

/* The row of a send or receive on @sk (from fd_sock()), or PATH_NONE. */
static __always_inline __u32 fd_call_row(struct sock *sk, bool recv)
{
	return sk ? sock_row_raw(sk, recv) : PATH_NONE;
}

/*
 * PATH_UNIX_CONNECT for a connect(2) on an AF_UNIX stream or seqpacket @fd
 * (both connect through unix_stream_connect), else PATH_NONE.
 */
static __always_inline __u32 fd_connect_row(long fd)
{
	struct socket *sock = fd_socket(fd);
	short type;

	if (!sock)
		return PATH_NONE;
	type = BPF_CORE_READ(sock, type);
	if ((type != SOCK_STREAM && type != SOCK_SEQPACKET) ||
	    BPF_CORE_READ(sock, sk, __sk_common.skc_family) != AF_UNIX)
		return PATH_NONE;
	return PATH_UNIX_CONNECT;
}

#endif /* UDSTRACE_SOCK_ROW_BPF_H */
