// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kprobe backend: kprobe/kretprobe on the path functions, for kernels
 * without BPF trampolines. Function-level time like fentry, at a higher
 * cost per hit. User space attaches each program through a tracefs
 * kprobe event so it can raise the kretprobe's maxactive.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "target.bpf.h"
#include "account.bpf.h"
#include "follow.bpf.h"
#include "tcp_row.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

DEFINE_FOLLOW_PROGRAMS()

/*
 * In-flight calls by thread. kprobe programs cannot use task storage on
 * every kernel we support, so this is the classic hash keyed by pid_tgid.
 * The path functions never nest in one thread.
 */
struct call_start {
	__u64 ns;
	struct sock *sk;	/* tcp_sendmsg: classified at return */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct call_start);
} inflight SEC(".maps");

static __always_inline void call_enter(struct sock *sk)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct call_start c = { .sk = sk };

	if (!target_current())
		return;
	c.ns = bpf_ktime_get_ns();
	bpf_map_update_elem(&inflight, &id, &c, BPF_ANY);
}

/* A TCP loopback @path is a guess, settled from the saved socket. */
static __always_inline void call_exit(__u32 path, long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct call_start *c;
	__u64 start = 0;

	if (!target_current())
		return;
	c = bpf_map_lookup_elem(&inflight, &id);
	if (c) {
		start = c->ns;
		if (c->sk)
			path = tcp_row_raw(c->sk, path);
		bpf_map_delete_elem(&inflight, &id);
	} else if (path == PATH_TCP_LOOPBACK || path == PATH_TCP_RECV_LOOPBACK) {
		return;	/* entry missed: the socket, and so the row, is unknown */
	}
	account_call(path, ret);
	if (start)
		account_time(path, bpf_ktime_get_ns() - start, 0, 0);
}

SEC("?kprobe")
int BPF_KPROBE(unix_connect_entry)
{
	call_enter(NULL);
	return 0;
}

SEC("?kretprobe")
int BPF_KRETPROBE(unix_connect_exit, int ret)
{
	call_exit(PATH_UNIX_CONNECT, ret);
	return 0;
}

SEC("?kprobe")
int BPF_KPROBE(unix_send_entry)
{
	call_enter(NULL);
	return 0;
}

SEC("?kretprobe")
int BPF_KRETPROBE(unix_send_exit, int ret)
{
	call_exit(PATH_UNIX_SEND, ret);
	return 0;
}

SEC("?kprobe")
int BPF_KPROBE(tcp_send_entry, struct sock *sk)
{
	call_enter(sk);
	return 0;
}

SEC("?kretprobe")
int BPF_KRETPROBE(tcp_send_exit, int ret)
{
	call_exit(PATH_TCP_LOOPBACK, ret);
	return 0;
}

SEC("?kprobe")
int BPF_KPROBE(unix_recv_entry)
{
	call_enter(NULL);
	return 0;
}

SEC("?kretprobe")
int BPF_KRETPROBE(unix_recv_exit, int ret)
{
	call_exit(PATH_UNIX_RECV, ret);
	return 0;
}

SEC("?kprobe")
int BPF_KPROBE(tcp_recv_entry, struct sock *sk)
{
	call_enter(sk);
	return 0;
}

SEC("?kretprobe")
int BPF_KRETPROBE(tcp_recv_exit, int ret)
{
	call_exit(PATH_TCP_RECV_LOOPBACK, ret);
	return 0;
}
