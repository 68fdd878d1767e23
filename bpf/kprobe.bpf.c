// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kprobe backend: kprobe/kretprobe on the path functions, for kernels
 * without BPF trampolines. Function-level time like fentry, at a higher
 * cost per hit. User space attaches each program through a tracefs
 * kprobe event so it can raise the kretprobe's maxactive. With -S, each
 * call is also counted under its socket (bpf/conns.bpf.h), with its
 * time but no on/off-CPU split and no wake-ups (no sched_switch here).
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
#include "inflight.bpf.h"
#include "conns.bpf.h"
#include "listeners.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * The call in flight of each thread (the path functions never nest in
 * one), in task storage (5.11+) or a hash keyed by pid_tgid, whichever
 * user space picked (bpf/inflight.bpf.h).
 *
 * A kretprobe takes one of its maxactive instances at entry, for any
 * thread, before a BPF program can filter (tracefs gives no entry
 * handler). A traced call that finds none has its entry seen but never
 * its return. So a call still marked in flight when its thread enters a
 * path function again, or exits, lost its return: it is counted then,
 * untimed and as missed, and "calls" stays exact. The marks of exited
 * threads go with them, so the hash cannot fill up with lost returns.
 */
struct call_start {
	__u64 ns;		/* 0: no call in flight */
	struct sock *sk;	/* tcp_*msg: the row is settled at return */
	struct sock *conn_sk;	/* -S: the call's sock (not for a connect) */
	__u32 fn;		/* the function's first row */
	__u32 row;		/* the row as known at entry */
};

DEFINE_INFLIGHT(inflight, struct call_start)
DEFINE_FOLLOW_PROGRAMS()
DEFINE_LISTENER_PROGRAMS("?kprobe", BPF_KPROBE)

/* Is @fn's row settled from its socket (loopback or remote)? */
static __always_inline bool row_from_socket(__u32 fn)
{
	return fn == PATH_TCP_LOOPBACK || fn == PATH_TCP_RECV_LOOPBACK;
}

/* A traced call whose return was not seen: counted, untimed, missed. */
static __always_inline void account_lost(__u32 row)
{
	account_call(row, 0);
	account_drop(row);
}

/*
 * @fn: the function's first row; @sk: its socket, for tcp_*msg; @conn_sk:
 * its socket for -S, any path but connect.
 */
static __always_inline void call_enter(__u32 fn, struct sock *sk,
				       struct sock *conn_sk)
{
	struct call_start *c;

	if (!target_current())
		return;
	c = inflight_current(true);
	if (!c) {
		/*
		 * No room (hash full) or no task storage: the return will
		 * find no entry. A TCP one is counted missed there (its row
		 * is unknown then); any other is counted there, untimed,
		 * and its loss is counted here.
		 */
		if (!row_from_socket(fn))
			account_drop(fn);
		return;
	}
	if (c->ns)
		account_lost(c->row);
	c->fn = fn;
	c->row = sk ? tcp_row_raw(sk, fn) : fn;
	c->sk = sk;
	c->conn_sk = conn_sk;
	c->ns = bpf_ktime_get_ns();
}

/*
 * @fn: the function's first row. A return without an entry (the call
 * began before udstrace attached, or its entry found no room) is counted
 * untimed, as fentry does; a TCP one cannot be put on a row without its
 * socket, so it is counted as missed on the function's first row.
 */
static __always_inline void call_exit(__u32 fn, long ret)
{
	struct call_start *c = NULL;
	struct sock *conn_sk = NULL;
	struct owner_stats *owner;
	struct conn_dir *dir;
	__u64 start = 0, ns;
	__u32 row = fn;

	if (filter_mode != FILTER_FOLLOW && !target_current())
		return;
	c = inflight_current(false);
	if (c && c->ns && c->fn == fn) {
		start = c->ns;
		conn_sk = c->conn_sk;
		if (c->sk)
			row = tcp_row_raw(c->sk, fn);
	} else if (c && c->ns) {
		account_lost(c->row);	/* another function's call */
	}
	if (c && c->ns) {
		c->ns = 0;
		inflight_done();
	} else if (filter_mode == FILTER_FOLLOW && !target_current()) {
		return;
	}
	if (!start && row_from_socket(fn)) {
		account_drop(fn);
		return;
	}
	owner = account_call(row, ret);
	/* A return without its entry has no sock: not under any socket. */
	dir = conn_count(conn_sk, conn_row_recv(row), ret);
	if (!start)
		return;
	ns = bpf_ktime_get_ns() - start;
	account_time(row, owner, ns, 0, 0);
	conn_time(conn_sk, conn_row_recv(row), dir, ns, 0, 0);
}

/*
 * A thread exits: a call it still has in flight lost its return (it
 * cannot be inside a path function now). The hash entry goes with it.
 */
SEC("?tp_btf/sched_process_exit")
int BPF_PROG(thread_exit, struct task_struct *task)
{
	struct call_start *c = inflight_of(task);

	if (!c)
		return 0;
	if (c->ns) {
		account_lost(c->row);
		c->ns = 0;
	}
	inflight_done();
	return 0;
}

/*
 * A kprobe and a kretprobe on one function, NAME_entry and NAME_exit, for
 * the function's first row @fn. @sk is the call's sock for the TCP rows
 * (NULL for AF_UNIX), from @arg0, the function's first argument; @csk its
 * sock for -S, read only with -S; @ret_type is the function's return
 * type, read whole.
 */
#define PATH_KPROBES(NAME, fn, arg0_type, sk, csk, ret_type)		\
	SEC("?kprobe")							\
	int BPF_KPROBE(NAME##_entry, arg0_type arg0)			\
	{								\
		call_enter(fn, sk, conns_on ? (csk) : NULL);		\
		return 0;						\
	}								\
	SEC("?kretprobe")						\
	int BPF_KRETPROBE(NAME##_exit, ret_type ret)			\
	{								\
		call_exit(fn, ret);					\
		return 0;						\
	}

/* The sock of a struct socket argument. */
#define SOCK_OF(sock) BPF_CORE_READ((struct socket *)(sock), sk)

/*
 * unix_stream_connect: the pair by hand, for --listeners, which wants
 * the kernel's copy of the address and its length (no sleep time here:
 * this backend has no sched_switch program).
 */
SEC("?kprobe")
int BPF_KPROBE(unix_connect_entry, struct socket *sock, struct sockaddr *addr,
	       int addr_len)
{
	call_enter(PATH_UNIX_CONNECT, NULL, NULL);
	if (listeners_on && target_current())
		listener_connect_enter(addr, addr_len, BPF_CORE_READ(sock, type),
				       false);
	return 0;
}

SEC("?kretprobe")
int BPF_KRETPROBE(unix_connect_exit, int ret)
{
	listener_connect_exit(ret, 0);
	call_exit(PATH_UNIX_CONNECT, ret);
	return 0;
}

PATH_KPROBES(unix_send, PATH_UNIX_SEND, void *, NULL, SOCK_OF(arg0), int)
PATH_KPROBES(tcp_send, PATH_TCP_LOOPBACK, struct sock *, arg0, arg0, int)
PATH_KPROBES(unix_recv, PATH_UNIX_RECV, void *, NULL, SOCK_OF(arg0), int)
PATH_KPROBES(tcp_recv, PATH_TCP_RECV_LOOPBACK, struct sock *, arg0, arg0, int)

/*
 * The rows' extra functions (user/paths.c), probed where kallsyms has
 * them: ->sendpage before 6.5 (sendfile and splice into a socket) in the
 * send rows, splice out of a socket in the receive rows. They share
 * their row's function slot (@fn): they never nest with it.
 * tcp_splice_read's first argument is the struct socket, not the sock.
 */
PATH_KPROBES(unix_sendpage, PATH_UNIX_SEND, void *, NULL, SOCK_OF(arg0), long)
PATH_KPROBES(tcp_sendpage, PATH_TCP_LOOPBACK, struct sock *, arg0, arg0, int)
PATH_KPROBES(unix_splice, PATH_UNIX_RECV, void *, NULL, SOCK_OF(arg0), long)
PATH_KPROBES(tcp_splice, PATH_TCP_RECV_LOOPBACK, struct socket *,
	     BPF_CORE_READ(arg0, sk), BPF_CORE_READ(arg0, sk), long)
