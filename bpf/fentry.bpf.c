// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fentry backend: fentry/fexit on the path functions themselves, so the
 * time is the function's own (including any time it blocks inside).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

enum { FN_CONNECT, FN_UNIX_SEND, FN_TCP_SEND, FN_UNIX_RECV, FN_TCP_RECV, NR_FNS };

/*
 * Entry time per task and path function. The functions never nest in one
 * task, but a slot each costs nothing and keeps that assumption out of
 * the code.
 */
struct call_start {
	__u64 ns[NR_FNS];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct call_start);
} starts SEC(".maps");


static __always_inline void call_enter(int fn)
{
	struct call_start *c;

	if (!target_current())
		return;
	c = bpf_task_storage_get(&starts, bpf_get_current_task_btf(), NULL,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (c)
		c->ns[fn] = bpf_ktime_get_ns();
}

/* Counts even when the start is missing, so no call goes uncounted. */
static __always_inline void call_exit(int fn, __u32 path, long ret)
{
	struct call_start *c;
	__u64 start = 0;

	if (!target_current())
		return;
	account_call(path, ret);
	c = bpf_task_storage_get(&starts, bpf_get_current_task_btf(), NULL, 0);
	if (c) {
		start = c->ns[fn];
		c->ns[fn] = 0;
	}
	if (start)
		account_time(path, bpf_ktime_get_ns() - start);
}

SEC("fentry/unix_stream_connect")
int BPF_PROG(unix_connect_entry)
{
	call_enter(FN_CONNECT);
	return 0;
}

SEC("fexit/unix_stream_connect")
int BPF_PROG(unix_connect_exit, struct socket *sock, struct sockaddr *addr,
	     int addr_len, int flags, int ret)
{
	call_exit(FN_CONNECT, PATH_UNIX_CONNECT, ret);
	return 0;
}

SEC("fentry/unix_stream_sendmsg")
int BPF_PROG(unix_send_entry)
{
	call_enter(FN_UNIX_SEND);
	return 0;
}

SEC("fexit/unix_stream_sendmsg")
int BPF_PROG(unix_send_exit, struct socket *sock, struct msghdr *msg,
	     size_t len, int ret)
{
	call_exit(FN_UNIX_SEND, PATH_UNIX_SEND, ret);
	return 0;
}

SEC("fentry/tcp_sendmsg")
int BPF_PROG(tcp_send_entry)
{
	call_enter(FN_TCP_SEND);
	return 0;
}

SEC("fexit/tcp_sendmsg")
int BPF_PROG(tcp_send_exit, struct sock *sk, struct msghdr *msg, size_t size,
	     int ret)
{
	call_exit(FN_TCP_SEND, tcp_row(sk, PATH_TCP_LOOPBACK), ret);
	return 0;
}

SEC("fentry/unix_stream_recvmsg")
int BPF_PROG(unix_recv_entry)
{
	call_enter(FN_UNIX_RECV);
	return 0;
}

SEC("fexit/unix_stream_recvmsg")
int BPF_PROG(unix_recv_exit, struct socket *sock, struct msghdr *msg,
	     size_t size, int flags, int ret)
{
	call_exit(FN_UNIX_RECV, PATH_UNIX_RECV, ret);
	return 0;
}

SEC("fentry/tcp_recvmsg")
int BPF_PROG(tcp_recv_entry)
{
	call_enter(FN_TCP_RECV);
	return 0;
}

SEC("fexit/tcp_recvmsg")
int BPF_PROG(tcp_recv_exit, struct sock *sk, struct msghdr *msg, size_t len,
	     int flags, int *addr_len, int ret)
{
	call_exit(FN_TCP_RECV, tcp_row(sk, PATH_TCP_RECV_LOOPBACK), ret);
	return 0;
}
