/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * -S: per-socket counters (layout in conn_stats.h), in every BPF backend's
 * object. Off unless user space sets conns_on, so without -S no program
 * does more than test that flag. Rows live in an LRU hash keyed by the
 * struct sock's address; user space counts evictions as rows created
 * (conns_created) minus rows present.
 *
 * Wake-ups: a socket's sk_data_ready (sock_def_readable) marks this CPU
 * with the socket and the task running it; a sched_waking that this task
 * makes before the mark is cleared (fentry: sock_def_readable returns;
 * tracepoint: the syscall returns, as loopback TCP's receive softirq may
 * run after ->sendmsg; or the task is switched out) is
 * taken as that socket's wake-up of a reader, and the reader's next
 * sched_switch in charges the time from the wake-up to running to the
 * socket's row. An interrupt that wakes a traced task inside that window
 * is taken for the socket's wake-up (and the reader's is then lost): the
 * window is kept short for that, and is only opened when a task waits.
 */
#ifndef UDSTRACE_CONNS_BPF_H
#define UDSTRACE_CONNS_BPF_H

#include "conn_stats.h"
#include "tcp_row.bpf.h"

const volatile bool conns_on = false;
/* The backend attached a data_ready hook and sched_waking. */
const volatile bool conns_wake = false;

/* Rows ever created; user space subtracts the rows present (evictions). */
__u64 conns_created = 0;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_CONNS);
	__type(key, __u64);
	__type(value, struct conn_stats);
} conns SEC(".maps");

/* A zeroed row to create entries from, off the BPF stack; never written. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct conn_stats);
} conn_zero SEC(".maps");

/* Per CPU: the socket whose data_ready may wake a reader right now. */
struct conn_waker {
	__u64 sk;		/* 0: none */
	__u64 pid_tgid;		/* the task that runs it */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct conn_waker);
} conn_waker SEC(".maps");

/* A reader woken by a socket's data, until it runs; keyed by its pid. */
struct conn_woken {
	__u64 sk;
	__u64 ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_CONNS);
	__type(key, __u32);
	__type(value, struct conn_woken);
} conn_woken SEC(".maps");

#define PIDTYPE_TGID_SLOT 1	/* enum pid_type: PIDTYPE_PID, PIDTYPE_TGID */

/* The inode of @sk's socket, as sock_i_ino() (ss -x) gives it; 0: none. */
static __always_inline __u64 conn_sock_ino(struct sock *sk)
{
	return BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino);
}

/*
 * AF_UNIX: own and peer inode (unix_peer()), the bound name (an accepted
 * socket shares its listener's), and the peer process from sk_peer_pid:
 * the listener's owner on the connecting side, the connecting process on
 * the accepted side, the creator for a socketpair.
 */
static __always_inline void conn_unix_identity(struct conn_stats *v,
					       struct sock *sk)
{
	struct unix_sock *u = (void *)sk;
	struct sock *peer = BPF_CORE_READ(u, peer);
	struct unix_address *addr;
	struct hlist_node *first;
	struct task_struct *t;
	struct pid *pp;
	int len;

	v->ino = conn_sock_ino(sk);
	v->peer_sk = (__u64)peer;
	v->peer_ino = conn_sock_ino(peer);
	addr = BPF_CORE_READ(u, addr);
	len = addr ? BPF_CORE_READ(addr, len) : 0;
	if (len > 2) {
		v->name_len = len - 2 < CONN_NAME_LEN ? len - 2 : CONN_NAME_LEN;
		bpf_core_read(v->name, sizeof(v->name), &addr->name[0].sun_path);
	}
	pp = BPF_CORE_READ(sk, sk_peer_pid);
	if (!pp)
		return;
	v->peer_tgid = BPF_CORE_READ(pp, numbers[0].nr);
	first = BPF_CORE_READ(pp, tasks[PIDTYPE_TGID_SLOT].first);
	if (!first)
		return;
	t = (void *)first - bpf_core_field_offset(struct task_struct, pid_links) -
	    PIDTYPE_TGID_SLOT * sizeof(struct hlist_node);
	bpf_core_read_str(v->peer_comm, sizeof(v->peer_comm), &t->comm);
}

/* TCP: the 4-tuple, ports in host order. */
static __always_inline void conn_tcp_identity(struct conn_stats *v,
					      struct sock *sk)
{
	/* --advise: a peer in another namespace cannot share a socket path. */
	v->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	v->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	v->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (v->family == AF_INET) {
		BPF_CORE_READ_INTO((__u32 *)v->saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)v->daddr, sk, __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO((struct in6_addr *)v->saddr, sk,
				   __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO((struct in6_addr *)v->daddr, sk,
				   __sk_common.skc_v6_daddr);
	}
}

/*
 * @sk's row, created if missing. The identity is read again while a part
 * is still unknown (a peer accepted later, a TCP sock not yet connected).
 * @own: the current task calls on @sk, so it may become its owner.
 */
static __always_inline struct conn_stats *conn_get(struct sock *sk, bool own)
{
	__u64 key = (__u64)sk;
	struct conn_stats *v;
	__u32 zero = 0;

	v = bpf_map_lookup_elem(&conns, &key);
	if (!v) {
		v = bpf_map_lookup_elem(&conn_zero, &zero);
		if (!v)
			return NULL;
		if (!bpf_map_update_elem(&conns, &key, v, BPF_NOEXIST))
			__sync_fetch_and_add(&conns_created, 1);
		v = bpf_map_lookup_elem(&conns, &key);
		if (!v)
			return NULL;
	}
	if (!v->family)
		v->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (v->family == AF_UNIX && (!v->ino || !v->peer_ino))
		conn_unix_identity(v, sk);
	else if (v->family != AF_UNIX && !v->dport)
		conn_tcp_identity(v, sk);
	if (own && !v->owner_tgid) {
		bpf_get_current_comm(v->owner_comm, sizeof(v->owner_comm));
		v->owner_tgid = bpf_get_current_pid_tgid() >> 32;
	}
	return v;
}

/* The direction of @sk's row a call of the current task counts in, or NULL. */
static __always_inline struct conn_dir *conn_dir_of(struct sock *sk, bool recv)
{
	struct conn_stats *v;

	if (!conns_on || !sk)
		return NULL;
	v = conn_get(sk, true);
	if (!v)
		return NULL;
	return recv ? &v->recv : &v->send;
}

/*
 * One send (or with @recv, receive) on @sk returned @ret. Returns the
 * row's direction, for conn_time() to take without a second lookup.
 */
static __always_inline struct conn_dir *conn_count(struct sock *sk, bool recv,
						   long ret)
{
	struct conn_dir *d = conn_dir_of(sk, recv);

	if (!d)
		return NULL;
	__sync_fetch_and_add(&d->calls, 1);
	if (ret > 0)
		__sync_fetch_and_add(&d->bytes, ret);
	return d;
}

/*
 * A timed call on @sk took @ns, @blocked of it asleep, @runq preempted.
 * @d: what conn_count() returned for the call, or NULL to look it up.
 */
static __always_inline void conn_time(struct sock *sk, bool recv,
				      struct conn_dir *d, __u64 ns,
				      __u64 blocked, __u64 runq)
{
	if (!d)
		d = conn_dir_of(sk, recv);
	if (!d)
		return;
	__sync_fetch_and_add(&d->ktime_ns, ns);
	__sync_fetch_and_add(&d->timed, 1);
	if (blocked)
		__sync_fetch_and_add(&d->blocked_ns, blocked);
	if (runq)
		__sync_fetch_and_add(&d->runq_ns, runq);
}

/* Which row a call of @row counts in: a send, a receive, or none (connect). */
static __always_inline bool conn_row_recv(__u32 row)
{
	return row >= PATH_UNIX_RECV;
}

/*
 * @sk's data_ready runs: a reader of it may be woken next, by this task
 * on this CPU. Only AF_UNIX and TCP stream sockets, and not listening
 * ones (a connect). Not filtered by the current task: loopback TCP's
 * data_ready runs in a softirq on top of whatever task is there; the
 * woken task is what the filter looks at (conn_waking()). Only when a
 * task waits on the socket (skwq_has_sleeper()): then the wake-up comes
 * at once, and no mark is left behind for a later, unrelated one.
 */
static __always_inline void conn_data_ready(struct sock *sk)
{
	struct socket_wq *wq;
	struct conn_waker *w;
	__u16 family;
	__u32 zero = 0;

	if (!conns_on)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (BPF_CORE_READ(sk, sk_type) != SOCK_STREAM ||
	    BPF_CORE_READ(sk, __sk_common.skc_state) == TCP_LISTEN ||
	    (family != AF_UNIX &&
	     ((family != AF_INET && family != AF_INET6) ||
	      BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)))
		return;
	wq = BPF_CORE_READ(sk, sk_wq);
	if (!wq || BPF_CORE_READ(wq, wait.head.next) == &wq->wait.head)
		return;	/* nobody waits */
	w = bpf_map_lookup_elem(&conn_waker, &zero);
	if (!w)
		return;
	w->sk = (__u64)sk;
	w->pid_tgid = bpf_get_current_pid_tgid();
}

/* The data_ready (or the call around it) is over: no more wake-ups from it. */
static __always_inline void conn_data_ready_done(void)
{
	struct conn_waker *w;
	__u32 zero = 0;

	if (!conns_on || !conns_wake)
		return;
	w = bpf_map_lookup_elem(&conn_waker, &zero);
	if (w && w->sk && w->pid_tgid == bpf_get_current_pid_tgid())
		w->sk = 0;
}

/*
 * Is @p traced, by -p, -- CMD and -c? (--cgroup is not looked at, and
 * outside the initial PID namespace neither are -p and -- CMD: the
 * followed tgids are in udstrace's namespace, task->tgid is not.)
 */
static __always_inline bool conn_target_task(struct task_struct *p)
{
	char comm[COMM_LEN] = {};
	__u32 tgid;

	if (filter_mode != FILTER_ALL && !pidns_ino) {
		tgid = BPF_CORE_READ(p, tgid);
		if (!bpf_map_lookup_elem(&followed, &tgid))
			return false;
	}
	if (nr_comms) {
		BPF_CORE_READ_STR_INTO(&comm, p, comm);
		if (!bpf_map_lookup_elem(&filter_comms, comm))
			return false;
	}
	return true;
}

/*
 * sched_waking of @p: a reader woken by the marked socket's data, if
 * traced. One wake-up per data_ready: the first traced task it wakes.
 */
static __always_inline void conn_waking(struct task_struct *p)
{
	struct conn_woken x;
	struct conn_waker *w;
	__u32 zero = 0, pid;

	if (!conns_on)
		return;
	w = bpf_map_lookup_elem(&conn_waker, &zero);
	if (!w || !w->sk || w->pid_tgid != bpf_get_current_pid_tgid())
		return;
	if (!conn_target_task(p))
		return;
	x.sk = w->sk;
	w->sk = 0;
	pid = BPF_CORE_READ(p, pid);
	x.ns = bpf_ktime_get_ns();
	bpf_map_update_elem(&conn_woken, &pid, &x, BPF_ANY);
}

/*
 * Charges task @pid's pending wake-up, if any, to its socket's row: the
 * time from the wake-up to @now, or 0 with @ran (it never left the CPU).
 */
static __always_inline void conn_woken_charge(__u32 pid, __u64 now, bool ran)
{
	struct conn_woken *x;
	struct conn_stats *v;
	__u64 ns, sk;

	x = bpf_map_lookup_elem(&conn_woken, &pid);
	if (!x)
		return;
	sk = x->sk;
	ns = !ran && now > x->ns ? now - x->ns : 0;
	bpf_map_delete_elem(&conn_woken, &pid);
	v = conn_get((struct sock *)sk, false);
	if (!v)
		return;
	__sync_fetch_and_add(&v->wakeups, 1);
	/*
	 * Never an atomic add of a constant 0 (a wake-up that ran at once):
	 * clang turns that into an atomic OR, which kernels before 5.12
	 * refuse ("BPF_STX uses reserved fields").
	 */
	if (ns)
		__sync_fetch_and_add(&v->wakeup_ns, ns);
	if (ns > v->wakeup_max_ns)
		v->wakeup_max_ns = ns;
}

/*
 * sched_switch from @prev to @next at @now: @next's wake-up is charged.
 * A wake-up still pending for @prev found it on its way to sleep but not
 * yet off the CPU, so it ran on without a switch: a wake-up of 0 ns.
 */
static __always_inline void conn_switch(struct task_struct *prev,
					struct task_struct *next, __u64 now)
{
	struct conn_waker *w;
	__u32 zero = 0;

	if (!conns_on || !conns_wake)
		return;
	w = bpf_map_lookup_elem(&conn_waker, &zero);
	if (w)
		w->sk = 0;	/* the waker is switched out */
	conn_woken_charge(BPF_CORE_READ(prev, pid), now, true);
	conn_woken_charge(BPF_CORE_READ(next, pid), now, false);
}

#endif /* UDSTRACE_CONNS_BPF_H */
