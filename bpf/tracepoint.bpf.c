// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tracepoint backend, for kernels where function probes cannot attach.
 *
 * Counts come from sock:sock_send_length and sock:sock_recv_length (6.3+),
 * which fire once per ->sendmsg / ->recvmsg call, whatever the syscall.
 * Where they are missing, calls are counted per syscall instead, resolving
 * the fd to its socket at sys_enter. unix_stream_connect is always counted
 * at the connect(2) syscall. Time is syscall-level: sys_enter to sys_exit
 * of the syscall that made the call.
 *
 * With --stages, the networking tracepoints that exist are counted while a
 * traced task is inside such a syscall, NET_RX softirqs on its CPU are
 * timed, and sched_switch splits the syscall's time into on-CPU and
 * blocked.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "common.bpf.h"
#include "inflight.bpf.h"
#include "stages.bpf.h"
#include "syscalls.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define S_IFMT		00170000
#define S_IFSOCK	0140000

/* True when sock:sock_{send,recv}_length exist and count the calls. */
const volatile bool have_sock_tp = false;

/* The syscall in flight, per task. */
struct sys_call {
	__u64 start_ns;
	__u32 path;		/* PATH_NONE until known */
	__u32 count_at_exit;	/* the call is counted at sys_exit */
	__u32 stage_row;	/* row + 1 for --stages, from the fd; 0 = none */
	__u32 pad;
	__u64 off_ns;		/* switched out at */
	__u64 blocked_ns;	/* off-CPU so far in this syscall */
};

/* A NET_RX softirq in progress on this CPU, charged to the row it interrupted. */
struct net_rx {
	__u64 start_ns;
	__u32 row;		/* row + 1, 0 = not charged */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct net_rx);
} net_rx SEC(".maps");

#define NET_RX_SOFTIRQ 3

DEFINE_INFLIGHT(inflight, struct sys_call)

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

/* The row of a send (or with @recv, a receive) on this socket, or PATH_NONE. */
#define DEFINE_SOCK_PATH(SFX, RD)					\
static __always_inline __u32 sock_path##SFX(struct sock *sk, bool recv)	\
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

DEFINE_SOCK_PATH(, RD_BTF)	/* sock:sock_*_length's argument */
DEFINE_SOCK_PATH(_raw, RD_RAW)	/* a socket found from an fd */

/*
 * What a syscall means for us at entry; false if it can never matter.
 * @stage_row is the row the fd's socket gives, for --stages.
 */
static __always_inline bool classify_syscall(long id, long fd,
					     __u32 *path, bool *count_at_exit,
					     __u32 *stage_row)
{
	struct socket *sock;

	switch (id) {
	case NR_sendmmsg:
	case NR_recvmmsg:
	case NR_sendfile:
	case NR_splice:
		/* Several calls per syscall: only the tracepoints count them. */
		if (!have_sock_tp)
			return false;
		break;
	default:
		break;
	}
	*path = PATH_NONE;
	*count_at_exit = false;
	*stage_row = PATH_NONE;
	if (id != NR_connect && have_sock_tp && !stages_on)
		return true;	/* sock_{send,recv}_length fill in the path */
	sock = fd_socket(fd);
	if (id == NR_connect) {
		if (!sock || BPF_CORE_READ(sock, type) != SOCK_STREAM ||
		    BPF_CORE_READ(sock, sk, __sk_common.skc_family) != AF_UNIX)
			return false;
		*path = *stage_row = PATH_UNIX_CONNECT;
		*count_at_exit = true;
		return true;
	}
	if (sock)
		*stage_row = sock_path_raw(BPF_CORE_READ(sock, sk), is_recv_syscall(id));
	if (have_sock_tp)
		return true;
	if (*stage_row == PATH_NONE)
		return false;
	*path = *stage_row;
	*count_at_exit = true;
	return true;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct sys_call *c;
	bool count_at_exit;
	__u32 path, stage_row;
	long fd;

	/* The id test is cheaper than the target test, so it goes first. */
	if (!maybe_path_syscall(id))
		return 0;
	if (!target_current())
		return 0;
	/*
	 * On 6.3+ without --stages the sock tracepoints name the row of a send
	 * or receive, so a 64-bit send or receive number needs neither its fd
	 * nor its ABI: a 32-bit syscall with that number is no socket call and
	 * no tracepoint names a row for it. Only the rest pays for the ABI
	 * check (have_task_storage: bpf_get_current_task_btf exists, 5.11+).
	 */
	fd = -1;
	if (!have_sock_tp || stages_on || id == NR_connect || !is_path_syscall(id)) {
		id = path_syscall(id, regs, have_task_storage, &fd);
		if (id < 0)
			return 0;
	}
	if (!classify_syscall(id, fd, &path, &count_at_exit, &stage_row))
		return 0;
	c = inflight_current(true);
	if (!c) {
		if (path != PATH_NONE)
			account_drop(path);
		return 0;
	}
	c->path = path;
	c->count_at_exit = count_at_exit;
	c->stage_row = stage_row + 1;
	c->off_ns = 0;
	c->blocked_ns = 0;
	c->start_ns = bpf_ktime_get_ns();
	return 0;
}

/* One ->sendmsg or ->recvmsg returned: count it, and name the syscall's row. */
static __always_inline void sock_call(struct sock *sk, int ret, bool recv)
{
	struct sys_call *c;
	__u32 path;

	if (!target_current())
		return;
	path = sock_path(sk, recv);
	if (path == PATH_NONE)
		return;
	account_call(path, ret);
	if (counts_only)
		return;	/* the syscall tracepoints are not loaded: nothing to name */
	c = inflight_current(false);
	if (c && c->start_ns)
		c->path = path;
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
	__u64 start, blocked;
	bool count_at_exit;
	struct sys_call *c;
	__u32 path;

	if (!maybe_path_syscall(regs->orig_ax))
		return 0;
	c = inflight_current(false);
	if (!c || !c->start_ns)
		return 0;
	start = c->start_ns;
	path = c->path;
	count_at_exit = c->count_at_exit;
	blocked = c->blocked_ns;
	c->start_ns = 0;
	c->stage_row = 0;
	inflight_done();
	if (path >= NR_PATHS)
		return 0;
	if (count_at_exit)
		account_call(path, ret);
	if (!counts_only)
		account_time(path, bpf_ktime_get_ns() - start, blocked);
	return 0;
}

/*
 * --counts-only without syscall tracepoints: unix_stream_connect wakes
 * the listener with sk_data_ready, so a wake-up of a listening AF_UNIX
 * stream socket is one successful connect (failed ones are not seen).
 */
SEC("?tp_btf/sk_data_ready")
int BPF_PROG(unix_connect_delivered, struct sock *sk)
{
	/* Every wake-up in the system comes here: the socket test goes first. */
	if (sk->__sk_common.skc_state != TCP_LISTEN ||
	    sk->__sk_common.skc_family != AF_UNIX || sk->sk_type != SOCK_STREAM)
		return 0;
	if (!target_current())
		return 0;
	account_call(PATH_UNIX_CONNECT, 0);
	return 0;
}

/* --stages ------------------------------------------------------------ */

/* The row a stage hit belongs to: the current task's syscall, if traced. */
static __always_inline __u32 current_stage_row(void)
{
	struct sys_call *c;

	c = inflight_current(false);
	if (!c || !c->start_ns || !c->stage_row)
		return PATH_NONE;
	return c->stage_row - 1;
}

/* A tracepoint is a point: stages seen through one are counted, not timed. */
static __always_inline void stage_point(__u32 stage)
{
	__u32 row = current_stage_row();

	if (row != PATH_NONE)
		stage_account(row, stage, stage_ctx(), 0);
}

#define STAGE_POINT(tp, stage)						\
	SEC("?tp_btf/" #tp)						\
	int BPF_PROG(tp##_stage)					\
	{								\
		stage_point(STAGE_##stage);				\
		return 0;						\
	}

/* One program per stage a tracepoint marks (bpf/stage_list.h). */
#define STAGE_FN(...)
#define STAGE_TP(ID, func, ctx, sys, event, ...) STAGE_POINT(event, ID)
#define STAGE_SOFTIRQ(...)
#define STAGE_INLINE(...)
#include "stage_list.h"

/* NET_RX softirqs that run on top of a traced call are charged to it, timed. */
SEC("?tp_btf/softirq_entry")
int BPF_PROG(softirq_entry, unsigned int vec)
{
	__u32 zero = 0, row;
	struct net_rx *n;

	softirq_mark(1);
	if (vec != NET_RX_SOFTIRQ)
		return 0;
	n = bpf_map_lookup_elem(&net_rx, &zero);
	if (!n)
		return 0;
	row = current_stage_row();
	n->row = row == PATH_NONE ? 0 : row + 1;
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
	if (!n || !n->row || !n->start_ns)
		return 0;
	stage_account(n->row - 1, STAGE_NET_RX_SOFTIRQ, CTX_SOFTIRQ,
		      bpf_ktime_get_ns() - n->start_ns);
	n->row = 0;
	return 0;
}

/* Time a task in a traced syscall spends switched out is blocked time. */
SEC("?tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	struct sys_call *c;
	__u64 now = bpf_ktime_get_ns();

	c = inflight_of(prev);
	if (c && c->start_ns)
		c->off_ns = now;
	c = inflight_of(next);
	if (c && c->start_ns && c->off_ns) {
		c->blocked_ns += now - c->off_ns;
		c->off_ns = 0;
	}
	return 0;
}
