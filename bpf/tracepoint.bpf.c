// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tracepoint backend, for kernels where function probes cannot attach.
 *
 * Counts come from sock:sock_send_length and sock:sock_recv_length (6.3+),
 * which fire once per ->sendmsg / ->recvmsg call, whatever the syscall
 * (io_uring's too, which have no syscall, so no time). Where they are
 * missing, calls are counted per syscall instead, resolving the fd to its
 * socket at sys_enter. splice out of a socket never calls ->recvmsg: it is
 * counted per syscall everywhere. unix_stream_connect wakes the listener
 * (sock:sk_data_ready, 6.3+): that counts the connects that worked, from
 * connect(2) or io_uring alike, and sys_exit counts those that failed;
 * before 6.3 sys_exit counts every connect(2). Time is syscall-level:
 * sys_enter to sys_exit of the syscall that made the call.
 *
 * With --stages, the networking tracepoints that exist are counted while a
 * traced task is inside such a syscall, NET_RX softirqs on its CPU are
 * timed, and sched_switch splits the syscall's time into on-CPU, asleep
 * and waiting for a CPU. With -S, each call is also counted under its
 * socket (bpf/conns.bpf.h), with that split, and sk_data_ready (6.3+)
 * with sched_waking and sched_switch give the socket's wake-ups.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "target.bpf.h"
#include "account.bpf.h"
#include "follow.bpf.h"
#include "inflight.bpf.h"
#include "listeners.bpf.h"
#include "offcpu.bpf.h"
#include "conns.bpf.h"
#include "sock_row.bpf.h"
#include "stages.bpf.h"
#include "syscalls.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* True when sock:sock_{send,recv}_length exist and count the calls. */
const volatile bool have_sock_tp = false;

/*
 * --time-sample (6.3+ only): the syscall tracepoints are attached in
 * windows, and user space adds one to time_window as each one opens. A
 * syscall is timed only if it entered and returned in the same window;
 * connects are then counted by unix_connect_delivered, which stays on.
 */
const volatile bool time_sampled = false;
__u32 time_window = 0;

/*
 * The syscall in flight, per task. "No row" is PATH_NONE everywhere;
 * start_ns == 0 means no syscall is in flight at all.
 */
struct sys_call {
	__u64 start_ns;
	__u32 row;		/* PATH_NONE until known */
	__u32 stage_row;	/* --stages: the row the fd gives, or PATH_NONE */
	bool count_at_exit;	/* no sock tracepoint counts it: sys_exit does */
	__u32 window;		/* time_window at sys_enter */
	bool tcp_pending;	/* a TCP send on a closed sock: see tcp_decide() */
	struct sock *sk;	/* the fd's sock, where it was looked up */
	struct offcpu off;	/* off-CPU time so far in this syscall */
};

/*
 * A NET_RX softirq on this CPU, on top of a traced call of row @row: its
 * time is charged there if it handled a packet of the call's socket, else
 * counted apart (softirq_was_mine()). start_ns == 0: none in progress.
 */
struct net_rx {
	__u64 start_ns;
	__u32 row;		/* PATH_NONE: not charged */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct net_rx);
} net_rx SEC(".maps");

#define NET_RX_SOFTIRQ 3

DEFINE_INFLIGHT(inflight, struct sys_call)
DEFINE_FOLLOW_PROGRAMS()

/* The type of the socket behind @fd (SOCK_STREAM, ...), or 0. */
static __always_inline __u32 fd_socket_type(long fd)
{
	struct socket *sock = fd_socket(fd);

	return sock ? BPF_CORE_READ(sock, type) : 0;
}

/*
 * What syscall @id on @fd means for us, decided at sys_enter; false if it
 * can never matter. Sets @c's row (left PATH_NONE where the sock
 * tracepoints will name it), stage_row and count_at_exit.
 */
static __always_inline bool classify_syscall(long id, long fd,
					     struct sys_call *c)
{
	__u32 fd_row = PATH_NONE;
	struct sock *sk = NULL;

	/* splice out of a socket: one ->splice_read, which no tracepoint sees */
	if (id == NR_splice) {
		sk = fd_sock(fd);	/* @fd is fd_in */
		fd_row = fd_call_row(sk, true);
		if (fd_row != PATH_NONE) {
			c->count_at_exit = true;
			c->row = fd_row;
			c->stage_row = stages_on ? fd_row : PATH_NONE;
			c->sk = sk;
			c->tcp_pending = false;
			return true;
		}
	}
	/* Several calls per syscall: only the tracepoints count them. */
	if (is_multi_call_syscall(id) && !have_sock_tp)
		return false;
	if (id == NR_connect) {
		fd_row = fd_connect_row(fd);
	} else if (!have_sock_tp || stages_on) {
		sk = fd_sock(fd);
		fd_row = fd_call_row(sk, is_recv_syscall(id));
	}
	/* Sampled, a connect is timed here but counted at the listener. */
	c->count_at_exit = (id == NR_connect && !time_sampled) || !have_sock_tp;
	c->row = c->count_at_exit || id == NR_connect ? fd_row : PATH_NONE;
	c->stage_row = stages_on ? fd_row : PATH_NONE;
	c->sk = sk;
	/* Only a send connects a TCP sock (Fast Open): see tcp_decide(). */
	c->tcp_pending = sk &&
			 (fd_row == PATH_TCP_LOOPBACK || fd_row == PATH_TCP_REMOTE) &&
			 BPF_CORE_READ(sk, __sk_common.skc_state) == TCP_CLOSE;
	return fd_row != PATH_NONE || (!c->count_at_exit && id != NR_connect);
}

/*
 * The rows the fd gave at sys_enter (the stages', and the call's where
 * sys_exit counts it). A TCP sock still closed there is connected inside
 * the call by TCP Fast Open (sendto with MSG_FASTOPEN): its rows are
 * decided again at the first stage hit, or else at sys_exit, that finds
 * it connected, as sock:sock_send_length names the call's row only after
 * the connect too. So the call and its stages share a row.
 */
static __always_inline void tcp_decide(struct sys_call *c)
{
	struct sock *sk = c->sk;	/* CO-RE reads start from a plain pointer */
	__u32 row;

	if (!c->tcp_pending || !sk ||
	    BPF_CORE_READ(sk, __sk_common.skc_state) == TCP_CLOSE)
		return;
	row = tcp_row_raw(sk, PATH_TCP_LOOPBACK);
	if (c->stage_row != PATH_NONE)
		c->stage_row = row;
	if (c->count_at_exit)
		c->row = row;
	c->tcp_pending = false;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct sys_call call, *c;
	struct task_struct *task;
	long fd, raw_id = id;

	/* The id test is cheaper than the target test, so it goes first. */
	if (!maybe_path_syscall(id))
		return 0;
	task = current_task_btf();
	if (!target_task(task))
		return 0;
	/*
	 * On 6.3+ without --stages the sock tracepoints name the row of a send
	 * or receive, so a 64-bit send or receive number needs neither its fd
	 * nor its ABI: a 32-bit syscall with that number is no socket call and
	 * no tracepoint names a row for it. Only the rest pays for the ABI
	 * check (have_task_storage: bpf_get_current_task_btf exists, 5.11+),
	 * splice too, whose fd_in may be a socket no tracepoint sees.
	 */
	fd = -1;
	if (!have_sock_tp || stages_on || id == NR_connect || id == NR_splice ||
	    !is_path_syscall(id)) {
		id = path_syscall(id, regs, have_task_storage, &fd);
		if (id < 0)
			return 0;
	}
	if (!classify_syscall(id, fd, &call))
		return 0;
	/*
	 * A Fast Open sendto on a closed sock: until it connects, its rows
	 * are the ones its destination gives (tcp_decide()). x86-64 only:
	 * the number was sendto's before and after path_syscall().
	 */
	if (call.tcp_pending && raw_id == NR_sendto && id == NR_sendto) {
		__u32 row = sockaddr_is_loopback(
			(void *)PT_REGS_PARM5_CORE_SYSCALL(regs), true) ?
			PATH_TCP_LOOPBACK : PATH_TCP_REMOTE;

		if (call.stage_row != PATH_NONE)
			call.stage_row = row;
		if (call.count_at_exit)
			call.row = row;
	}
	/* --listeners: the name a 64-bit connect(2) of a unix socket names. */
	if (listeners_on && call.row == PATH_UNIX_CONNECT &&
	    raw_id == NR_connect && id == NR_connect)
		listener_connect_enter((void *)PT_REGS_PARM2_CORE_SYSCALL(regs),
				       PT_REGS_PARM3_CORE_SYSCALL(regs),
				       fd_socket_type(fd), true);
	c = inflight_task(task, true);
	if (!c) {
		if (call.row != PATH_NONE)
			account_drop(call.row);
		return 0;
	}
	c->row = call.row;
	c->stage_row = call.stage_row;
	c->count_at_exit = call.count_at_exit;
	c->window = time_window;
	c->tcp_pending = call.tcp_pending;
	c->sk = call.sk;
	offcpu_reset(&c->off);
	c->start_ns = bpf_ktime_get_ns();
	return 0;
}

/*
 * One ->sendmsg or ->recvmsg returned: count it, and name the syscall's row.
 * Inside a syscall sys_enter traced, the task passed the target test there
 * (a call is traced by what its task was as the syscall entered, as
 * fentry's exit takes its entry's under -- CMD), so the test is made again
 * only for a call outside a traced syscall (io_uring's), with --counts-only
 * (no syscall is traced) and with --time-sample (a syscall entered in an
 * earlier window stays "in flight" until its next exit).
 */
static __always_inline void sock_call(struct sock *sk, int ret, bool recv)
{
	struct task_struct *task = current_task_btf();
	struct sys_call *c = NULL;
	__u32 row;

	/* --counts-only: the syscall tracepoints are not loaded: nothing to name */
	if (!counts_only) {
		c = inflight_task(task, false);
		if (c && !c->start_ns)
			c = NULL;
	}
	if ((!c || time_sampled) && !target_task(task))
		return;
	row = sock_row(sk, recv);
	if (row == PATH_NONE)
		return;
	account_call(row, ret);
	conn_count(sk, recv, ret);
	if (c) {
		c->row = row;
		if (conns_on)
			c->sk = sk;	/* sys_exit times the call under it */
	}
}

SEC("?tp_btf/sock_send_length")
int BPF_PROG(sock_send_length, struct sock *sk, int ret, int flags)
{
	sock_call(sk, ret, false);
	return 0;
}

SEC("?tp_btf/sock_recv_length")
int BPF_PROG(sock_recv_length, struct sock *sk, int ret, int flags)
{
	sock_call(sk, ret, true);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	struct owner_stats *owner = NULL;
	struct conn_dir *dir = NULL;
	__u64 start, blocked, runq, ns;
	bool count_at_exit;
	struct sys_call *c;
	struct sock *sk;
	__u32 row;

	if (!maybe_path_syscall(regs->orig_ax))
		return 0;
	c = inflight_task(current_task_btf(), false);
	if (!c || !c->start_ns)
		return 0;
	/* Entered in an earlier window: its return was not seen then. */
	if (c->window != time_window) {
		c->start_ns = 0;
		inflight_done();
		return 0;
	}
	tcp_decide(c);
	start = c->start_ns;
	row = c->row;
	count_at_exit = c->count_at_exit;
	blocked = c->off.blocked_ns;
	runq = c->off.runq_ns;
	sk = row == PATH_UNIX_CONNECT ? NULL : c->sk;
	c->start_ns = 0;
	inflight_done();
	conn_data_ready_done();
	if (row == PATH_NONE)
		return 0;
	if (row == PATH_UNIX_CONNECT)
		listener_connect_exit(ret, blocked);
	/* 6.3+: a connect that worked was counted when it woke the listener. */
	if (count_at_exit && !(row == PATH_UNIX_CONNECT && have_sock_tp && ret >= 0)) {
		owner = account_call(row, ret);
		dir = conn_count(sk, conn_row_recv(row), ret);
	}
	if (counts_only)
		return 0;
	ns = bpf_ktime_get_ns() - start;
	/* Counted by a sock tracepoint instead: owner and dir are looked up. */
	account_time(row, owner, ns, blocked, runq);
	conn_time(sk, conn_row_recv(row), dir, ns, blocked, runq);
	return 0;
}

/*
 * 6.3+: unix_stream_connect wakes the listener with sk_data_ready, so a
 * wake-up of a listening AF_UNIX stream or seqpacket socket is one
 * successful connect, made by connect(2) or by io_uring (no syscall).
 * Failed ones are counted at sys_exit; with --counts-only, and with
 * --time-sample between its windows, they are not seen.
 */
SEC("?tp_btf/sk_data_ready")
int BPF_PROG(unix_connect_delivered, struct sock *sk)
{
	/* Every wake-up in the system comes here: the socket test goes first. */
	if (sk->__sk_common.skc_state != TCP_LISTEN ||
	    sk->__sk_common.skc_family != AF_UNIX ||
	    (sk->sk_type != SOCK_STREAM && sk->sk_type != SOCK_SEQPACKET))
		return 0;
	if (!target_current())
		return 0;
	listener_queued(sk);
	account_call(PATH_UNIX_CONNECT, 0);
	return 0;
}

/* -S, 6.3+: data on @sk may wake its reader (bpf/conns.bpf.h). */
SEC("?tp_btf/sk_data_ready")
int BPF_PROG(conn_data_ready_tp, struct sock *sk)
{
	conn_data_ready(sk);
	return 0;
}

SEC("?tp_btf/sched_waking")
int BPF_PROG(conn_sched_waking, struct task_struct *p)
{
	conn_waking(p);
	return 0;
}

/* --stages ------------------------------------------------------------ */

static __always_inline __u32 stage_row(struct sys_call *c)
{
	tcp_decide(c);
	return c->stage_row;
}

/* The current task's syscall, if traced and it has a stage row. */
static __always_inline struct sys_call *current_stage_call(void)
{
	struct sys_call *c;

	c = inflight_current(false);
	return c && c->start_ns && c->stage_row != PATH_NONE ? c : NULL;
}

/*
 * A tracepoint is a point: stages seen through one are counted, not
 * timed. In softirq context the hit is charged to the call only if @obj
 * (what argument @arg of the tracepoint is: bpf/stage_list.h) is the
 * call's socket's; else it is counted apart, as work for other sockets.
 */
static __always_inline void stage_point(__u32 stage, __u32 arg, void *obj)
{
	struct sys_call *c = current_stage_call();
	int ctx;

	if (!c)
		return;
	ctx = stage_ctx();
	if (ctx == CTX_SOFTIRQ) {
		if (stage_hit_is_mine(c->sk, arg, obj))
			softirq_saw_mine();
		else
			ctx = CTX_OTHER;
	}
	stage_account(stage_row(c), stage, ctx, 0);
}

#define STAGE_POINT(tp, stage, arg)					\
	SEC("?tp_btf/" #tp)						\
	int BPF_PROG(tp##_stage)					\
	{								\
		stage_point(STAGE_##stage, arg,				\
			    (void *)ctx[ARG_INDEX(arg)]);		\
		return 0;						\
	}

/* One program per stage a tracepoint marks (bpf/stage_list.h). */
#define STAGE_FN(...)
#define STAGE_TP(ID, func, ctx, arg, sys, event, ...) STAGE_POINT(event, ID, arg)
#define STAGE_SOFTIRQ(...)
#define STAGE_INLINE(...)
#include "stage_list.h"

/*
 * NET_RX softirqs that run on top of a traced call, timed: charged to it
 * when they handled its socket's packets, else counted apart.
 */
SEC("?tp_btf/softirq_entry")
int BPF_PROG(softirq_entry, unsigned int vec)
{
	struct sys_call *c;
	__u32 zero = 0;
	struct net_rx *n;

	softirq_mark(1);
	softirq_stack_reset();
	if (vec != NET_RX_SOFTIRQ)
		return 0;
	n = bpf_map_lookup_elem(&net_rx, &zero);
	if (!n)
		return 0;
	c = current_stage_call();
	n->row = c ? stage_row(c) : PATH_NONE;
	n->start_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("?tp_btf/softirq_exit")
int BPF_PROG(softirq_exit, unsigned int vec)
{
	__u32 zero = 0;
	struct net_rx *n;

	softirq_mark(0);
	if (vec != NET_RX_SOFTIRQ)
		return 0;
	n = bpf_map_lookup_elem(&net_rx, &zero);
	if (!n || !n->start_ns)
		return 0;
	if (n->row != PATH_NONE)
		stage_account(n->row, STAGE_NET_RX_SOFTIRQ,
			      softirq_was_mine() ? CTX_SOFTIRQ : CTX_OTHER,
			      bpf_ktime_get_ns() - n->start_ns);
	n->start_ns = 0;
	return 0;
}

/* Time a task in a traced syscall spends switched out: asleep, or preempted. */
SEC("?tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	struct sys_call *c;
	__u64 now = bpf_ktime_get_ns();

	c = inflight_of(prev);
	if (c && c->start_ns)
		offcpu_out(&c->off, preempt, prev, now);
	c = inflight_of(next);
	if (c && c->start_ns)
		offcpu_in(&c->off, now);
	conn_switch(prev, next, now);
	return 0;
}
