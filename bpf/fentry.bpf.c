// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fentry backend: fentry/fexit on the path functions themselves, so the
 * time is the function's own (including any time it blocks inside).
 * With --stages, also fentry/fexit on the functions along each path, and
 * sched_switch to split a call's time into on-CPU, asleep and waiting
 * for a CPU. With -S, each call is also counted under its socket
 * (bpf/conns.bpf.h), and sock_def_readable with sched_waking and
 * sched_switch give the socket's wake-ups.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#define UDSTRACE_PREEMPTIBLE	/* fentry/fexit: migration off, preemption on */
#include "target.bpf.h"
#include "account.bpf.h"
#include "follow.bpf.h"
#include "inflight.bpf.h"
#include "listeners.bpf.h"
#include "offcpu.bpf.h"
#include "conns.bpf.h"
#include "stages.bpf.h"
#include "tcp_row.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

enum {
	FN_CONNECT, FN_UNIX_SEND, FN_TCP_SEND, FN_UNIX_RECV, FN_TCP_RECV,
	FN_UNIX_SENDPAGE, FN_TCP_SENDPAGE, FN_UNIX_SPLICE, FN_TCP_SPLICE, NR_FNS
};

/*
 * Per task: entry time per path function (they never nest in one task,
 * but a slot each keeps that assumption out of the code), the row of the
 * call in flight, and what --stages needs while it runs.
 */
struct task_calls {
	__u64 ns[NR_FNS];
	__u32 row;		/* of the call in flight, or PATH_NONE */
	__u32 tcp_pending;	/* a TCP row not known yet: see tcp_call_row() */
	struct sock *sk;	/* --stages, -S: the sock the call works on */
	struct offcpu off;	/* off-CPU time so far in this call */
	__u64 stage_ns[NR_STAGES];	/* entry times of task-context stages */
};

DEFINE_INFLIGHT(inflight, struct task_calls)
DEFINE_FOLLOW_PROGRAMS()
DEFINE_LISTENER_PROGRAMS("?fentry/sock_def_readable", BPF_PROG)

/* The current task's entry, if it is inside a traced call. */
static __always_inline struct task_calls *current_call(void)
{
	struct task_calls *c = inflight_current(false);

	return c && c->row != PATH_NONE ? c : NULL;
}

/* @sk: the call's sock. @tcp_pending: a TCP send, see tcp_call_row(). */
static __always_inline void call_enter(int fn, __u32 row, struct sock *sk,
				       bool tcp_pending)
{
	struct task_calls *c;

	if (!target_current())
		return;
	c = inflight_current(true);
	if (!c) {
		account_drop(row);
		return;
	}
	c->row = row;
	c->tcp_pending = tcp_pending;
	c->sk = stages_on || conns_on ? sk : NULL;
	offcpu_reset(&c->off);
	c->ns[fn] = bpf_ktime_get_ns();
}

/*
 * The row of a TCP call: loopback or remote, decided once per call, so
 * that the call and the stages inside it are under the same row. It is
 * decided at entry, except when the sock is still closed there: a send
 * with TCP Fast Open (MSG_FASTOPEN) connects it inside the call, and only
 * then is its peer known. Until then its row is the one its destination
 * address gives (tcp_enter()), and that is what the stage hits before the
 * connect (other sockets' softirq work) are counted under. It is decided
 * again at the first stage exit that finds the sock connected, or else at
 * the call's own exit if connected by then. Stage exits come before the
 * call's exit, so the call never ends up under another row than its
 * stages; the two can differ only for a destination that is a local
 * address other than a loopback one, before the connect.
 */
static __always_inline bool tcp_unconnected(struct sock *sk)
{
	return sk->__sk_common.skc_state == TCP_CLOSE;
}

/* The call's row as a stage exit sees it: @c->sk is set, stages are on. */
static __always_inline __u32 tcp_call_row(struct task_calls *c)
{
	struct sock *sk = c->sk;	/* CO-RE reads start from a plain pointer */

	if (c->tcp_pending && sk &&
	    BPF_CORE_READ(sk, __sk_common.skc_state) != TCP_CLOSE) {
		c->row = tcp_row_raw(sk, PATH_TCP_LOOPBACK);
		c->tcp_pending = 0;
	}
	return c->row;
}

/*
 * Counts even when the start is missing, so no call goes uncounted. When
 * following forks, the target test is a hash lookup; a call whose entry
 * passed it has its row set, so the exit does not pay for it again.
 * @tcp_sk: for a TCP call, its sock, and @row its loopback row: the row
 * its entry decided is taken (tcp_call_row()), or without one, decided now.
 * @sk: the call's sock, for -S (NULL for a connect).
 */
static __always_inline void call_exit(int fn, __u32 row, struct sock *tcp_sk,
				      struct sock *sk, long ret)
{
	struct task_calls *c = NULL;
	struct owner_stats *owner;
	struct conn_dir *dir;
	__u64 start = 0, blocked = 0, runq = 0, ns;

	if (filter_mode != FILTER_FOLLOW && !target_current())
		return;
	if (!counts_only)	/* else the entry programs are not even loaded */
		c = inflight_current(false);
	if (filter_mode == FILTER_FOLLOW && !(c && c->row != PATH_NONE) &&
	    !target_current())
		return;
	/* A row left by a lost exit is no TCP row of this kind: not taken. */
	if (tcp_sk && c && (c->row == row || c->row == row + 1)) {
		if (c->tcp_pending && !tcp_unconnected(tcp_sk))
			c->row = tcp_row(tcp_sk, row);
		row = c->row;
	} else if (tcp_sk) {
		row = tcp_row(tcp_sk, row);
	}
	owner = account_call(row, ret);
	dir = conn_count(sk, conn_row_recv(row), ret);
	if (c) {
		start = c->ns[fn];
		blocked = c->off.blocked_ns;
		runq = c->off.runq_ns;
		c->ns[fn] = 0;
		c->row = PATH_NONE;
		inflight_done();
	}
	if (!start)
		return;
	ns = bpf_ktime_get_ns() - start;
	account_time(row, owner, ns, blocked, runq);
	conn_time(sk, conn_row_recv(row), dir, ns, blocked, runq);
}

/* -S: the call's sock for call_exit(); not even read without -S. */
#define CONN_SK(sk) (conns_on ? (sk) : NULL)

/*
 * @dest: a send's destination address (msg_name), or NULL. Only a send
 * connects a sock (Fast Open): see tcp_call_row(). Until then its row is
 * told from that address: the sock has no peer yet.
 */
static __always_inline void tcp_enter(int fn, struct sock *sk,
				      __u32 loopback_row, void *dest)
{
	bool pending = fn == FN_TCP_SEND && tcp_unconnected(sk);
	__u32 row;

	if (pending)
		row = sockaddr_is_loopback(dest, false) ? loopback_row :
							  loopback_row + 1;
	else
		row = tcp_row(sk, loopback_row);
	call_enter(fn, row, sk, pending);
}

/* --listeners: @addr is the kernel's copy of connect's address. */
SEC("?fentry/unix_stream_connect")
int BPF_PROG(unix_connect_entry, struct socket *sock, struct sockaddr *addr,
	     int addr_len)
{
	call_enter(FN_CONNECT, PATH_UNIX_CONNECT, sock->sk, false);
	if (listeners_on && target_current())
		listener_connect_enter(addr, addr_len, sock->type, false);
	return 0;
}

SEC("?fexit/unix_stream_connect")
int BPF_PROG(unix_connect_exit, struct socket *sock, struct sockaddr *addr,
	     int addr_len, int flags, int ret)
{
	struct task_calls *c;

	/* How long it slept: waiting for room in the listener's backlog. */
	if (listeners_on) {
		c = inflight_current(false);
		listener_connect_exit(ret, c && c->row == PATH_UNIX_CONNECT ?
					   c->off.blocked_ns : 0);
	}
	call_exit(FN_CONNECT, PATH_UNIX_CONNECT, NULL, NULL, ret);
	return 0;
}

SEC("?fentry/unix_stream_sendmsg")
int BPF_PROG(unix_send_entry, struct socket *sock)
{
	call_enter(FN_UNIX_SEND, PATH_UNIX_SEND, sock->sk, false);
	return 0;
}

SEC("?fexit/unix_stream_sendmsg")
int BPF_PROG(unix_send_exit, struct socket *sock, struct msghdr *msg,
	     size_t len, int ret)
{
	call_exit(FN_UNIX_SEND, PATH_UNIX_SEND, NULL, CONN_SK(sock->sk), ret);
	return 0;
}

SEC("?fentry/tcp_sendmsg")
int BPF_PROG(tcp_send_entry, struct sock *sk, struct msghdr *msg)
{
	tcp_enter(FN_TCP_SEND, sk, PATH_TCP_LOOPBACK, msg->msg_name);
	return 0;
}

SEC("?fexit/tcp_sendmsg")
int BPF_PROG(tcp_send_exit, struct sock *sk, struct msghdr *msg, size_t size,
	     int ret)
{
	call_exit(FN_TCP_SEND, PATH_TCP_LOOPBACK, sk, CONN_SK(sk), ret);
	return 0;
}

SEC("?fentry/unix_stream_recvmsg")
int BPF_PROG(unix_recv_entry, struct socket *sock)
{
	call_enter(FN_UNIX_RECV, PATH_UNIX_RECV, sock->sk, false);
	return 0;
}

SEC("?fexit/unix_stream_recvmsg")
int BPF_PROG(unix_recv_exit, struct socket *sock, struct msghdr *msg,
	     size_t size, int flags, int ret)
{
	call_exit(FN_UNIX_RECV, PATH_UNIX_RECV, NULL, CONN_SK(sock->sk), ret);
	return 0;
}

SEC("?fentry/tcp_recvmsg")
int BPF_PROG(tcp_recv_entry, struct sock *sk)
{
	tcp_enter(FN_TCP_RECV, sk, PATH_TCP_RECV_LOOPBACK, NULL);
	return 0;
}

SEC("?fexit/tcp_recvmsg")
int BPF_PROG(tcp_recv_exit, struct sock *sk, struct msghdr *msg, size_t len,
	     int flags, int *addr_len, int ret)
{
	call_exit(FN_TCP_RECV, PATH_TCP_RECV_LOOPBACK, sk, CONN_SK(sk), ret);
	return 0;
}

/*
 * 5.5 to 5.18: tcp_recvmsg still has its nonblock argument, so the return
 * value comes one slot later. User space loads this one instead there,
 * by the argument count in kernel BTF.
 */
SEC("?fexit/tcp_recvmsg")
int BPF_PROG(tcp_recv_exit_nonblock, struct sock *sk, struct msghdr *msg,
	     size_t len, int nonblock, int flags, int *addr_len, int ret)
{
	call_exit(FN_TCP_RECV, PATH_TCP_RECV_LOOPBACK, sk, CONN_SK(sk), ret);
	return 0;
}

/*
 * The rows' extra functions (user/paths.c), loaded where kernel BTF has
 * them. Before 6.5, sendfile and splice into a socket call ->sendpage
 * instead of ->sendmsg: those calls go in the send rows. splice out of a
 * socket never calls ->recvmsg: its calls go in the receive rows.
 */
SEC("?fentry/unix_stream_sendpage")
int BPF_PROG(unix_sendpage_entry, struct socket *sock)
{
	call_enter(FN_UNIX_SENDPAGE, PATH_UNIX_SEND, sock->sk, false);
	return 0;
}

SEC("?fexit/unix_stream_sendpage")
int BPF_PROG(unix_sendpage_exit, struct socket *sock, struct page *page,
	     int offset, size_t size, int flags, long ret)
{
	call_exit(FN_UNIX_SENDPAGE, PATH_UNIX_SEND, NULL, CONN_SK(sock->sk), ret);
	return 0;
}

SEC("?fentry/tcp_sendpage")
int BPF_PROG(tcp_sendpage_entry, struct sock *sk)
{
	tcp_enter(FN_TCP_SENDPAGE, sk, PATH_TCP_LOOPBACK, NULL);
	return 0;
}

SEC("?fexit/tcp_sendpage")
int BPF_PROG(tcp_sendpage_exit, struct sock *sk, struct page *page,
	     int offset, size_t size, int flags, int ret)
{
	call_exit(FN_TCP_SENDPAGE, PATH_TCP_LOOPBACK, sk, CONN_SK(sk), ret);
	return 0;
}

SEC("?fentry/unix_stream_splice_read")
int BPF_PROG(unix_splice_entry, struct socket *sock)
{
	call_enter(FN_UNIX_SPLICE, PATH_UNIX_RECV, sock->sk, false);
	return 0;
}

SEC("?fexit/unix_stream_splice_read")
int BPF_PROG(unix_splice_exit, struct socket *sock, loff_t *ppos,
	     struct pipe_inode_info *pipe, size_t size, unsigned int flags,
	     long ret)
{
	call_exit(FN_UNIX_SPLICE, PATH_UNIX_RECV, NULL, CONN_SK(sock->sk), ret);
	return 0;
}

SEC("?fentry/tcp_splice_read")
int BPF_PROG(tcp_splice_entry, struct socket *sock)
{
	tcp_enter(FN_TCP_SPLICE, sock->sk, PATH_TCP_RECV_LOOPBACK, NULL);
	return 0;
}

SEC("?fexit/tcp_splice_read")
int BPF_PROG(tcp_splice_exit, struct socket *sock, loff_t *ppos,
	     struct pipe_inode_info *pipe, size_t len, unsigned int flags,
	     long ret)
{
	call_exit(FN_TCP_SPLICE, PATH_TCP_RECV_LOOPBACK, sock->sk,
		  CONN_SK(sock->sk), ret);
	return 0;
}

/* --stages ------------------------------------------------------------ */

/*
 * A stage entered: task-context entry times go in the task's state, as
 * the task may sleep and move. In softirq context whose work the hit is
 * is decided here, while its packet is sure to be alive, and kept on the
 * stack with the entry time. @arg, @obj: the argument that names the
 * packet or sock (bpf/stage_list.h). The NET_RX softirq itself has none:
 * stage_exit() decides it by the packets handled inside.
 */
static __always_inline void stage_enter(__u32 stage, __u32 arg, void *obj)
{
	struct task_calls *c;
	int ctx;

	c = current_call();
	if (!c)
		return;
	ctx = stage_ctx();
	if (ctx == CTX_TASK && stage < NR_STAGES)
		c->stage_ns[stage] = bpf_ktime_get_ns();
	else if (ctx == CTX_SOFTIRQ)
		softirq_push(bpf_ktime_get_ns(),
			     stage_hit_is_mine(c->sk, arg, obj));
}

static __always_inline void stage_exit(__u32 stage)
{
	struct task_calls *c;
	bool mine = true;
	__u64 start = 0;
	int ctx;

	c = current_call();
	if (!c)
		return;
	ctx = stage_ctx();
	if (ctx == CTX_TASK && stage < NR_STAGES) {
		start = c->stage_ns[stage];
		c->stage_ns[stage] = 0;
	} else if (ctx == CTX_SOFTIRQ) {
		start = softirq_pop(&mine);
		if (stage == STAGE_NET_RX_SOFTIRQ)
			mine = softirq_was_mine();
		if (!mine)
			ctx = CTX_OTHER;
	}
	stage_account(tcp_call_row(c), stage, ctx,
		      start ? bpf_ktime_get_ns() - start : 0);
}

/*
 * One fentry/fexit pair per stage function (bpf/stage_list.h); @arg is
 * the index of an argument the function has (NO_ARG reads argument 0).
 */
#define STAGE_PROBE(func, stage, arg)					\
	SEC("?fentry/" #func)						\
	int BPF_PROG(func##_entry)					\
	{								\
		stage_enter(STAGE_##stage, arg,				\
			    (void *)ctx[ARG_INDEX(arg)]);		\
		return 0;						\
	}								\
	SEC("?fexit/" #func)						\
	int BPF_PROG(func##_exit)					\
	{								\
		stage_exit(STAGE_##stage);				\
		return 0;						\
	}

#define STAGE_FN(ID, func, ctx, arg, ...) STAGE_PROBE(func, ID, arg)
#define STAGE_TP(ID, func, ctx, arg, ...) STAGE_PROBE(func, ID, arg)
#define STAGE_SOFTIRQ(ID, func, ...) STAGE_PROBE(func, ID, NO_ARG)
#define STAGE_INLINE(ID, ...)
#include "stage_list.h"

/* Where stages run: see stage_ctx(). */
SEC("?tp_btf/softirq_entry")
int BPF_PROG(softirq_entry, unsigned int vec)
{
	softirq_mark(1);
	softirq_stack_reset();
	return 0;
}

SEC("?tp_btf/softirq_exit")
int BPF_PROG(softirq_exit, unsigned int vec)
{
	softirq_mark(0);
	return 0;
}

/* Time a task in a path call spends switched out: asleep, or preempted. */
SEC("?tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	struct task_calls *c;
	__u64 now = bpf_ktime_get_ns();

	c = inflight_of(prev);
	if (c && c->row != PATH_NONE)
		offcpu_out(&c->off, preempt, prev, now);
	c = inflight_of(next);
	if (c && c->row != PATH_NONE)
		offcpu_in(&c->off, now);
	conn_switch(prev, next, now);
	return 0;
}

/* -S: data on @sk may wake its reader (bpf/conns.bpf.h). */
SEC("?fentry/sock_def_readable")
int BPF_PROG(conn_readable_entry, struct sock *sk)
{
	conn_data_ready(sk);
	return 0;
}

SEC("?fexit/sock_def_readable")
int BPF_PROG(conn_readable_exit, struct sock *sk)
{
	conn_data_ready_done();
	return 0;
}

SEC("?tp_btf/sched_waking")
int BPF_PROG(conn_sched_waking, struct task_struct *p)
{
	conn_waking(p);
	return 0;
}
