/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every backend's BPF object shares: the target filter, the
 * follow-forks map and its programs, per-path accounting, and the
 * loopback test for TCP sockets. Each backend object includes this once.
 */
#ifndef UDSTRACE_COMMON_BPF_H
#define UDSTRACE_COMMON_BPF_H

#include "udstrace.h"

#define AF_UNIX		1
#define AF_INET		2
#define AF_INET6	10
#define SOCK_STREAM	1
#define IPPROTO_TCP	6
#define IFF_LOOPBACK	0x8

/* Options, set by user space between open and load. */
const volatile enum filter_mode filter_mode = FILTER_ALL;
const volatile __u32 targ_tgid = 0;
const volatile __u32 self_tgid = 0;
/*
 * udstrace's own PID namespace (nsfs dev and inode) when it is not the
 * initial one: targ_tgid, self_tgid and the followed tgids are then
 * numbers in that namespace, and so is what current_tgid() returns.
 */
const volatile __u64 pidns_dev = 0;
const volatile __u64 pidns_ino = 0;
/* --counts-only: count calls and bytes, time nothing. */
const volatile bool counts_only = false;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_PATHS);
	__type(key, __u32);
	__type(value, struct path_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_PATHS);
	__type(key, __u32);
	__type(value, struct path_extremes);
} extremes SEC(".maps");

/* tgids traced under FILTER_FOLLOW; user space seeds the command's pid. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_FOLLOWED);
	__type(key, __u32);
	__type(value, __u8);
} followed SEC(".maps");

/*
 * The current process's tgid as udstrace sees it: in its own PID
 * namespace, or 0 for a task outside it (never a target).
 */
static __always_inline __u32 current_tgid(void)
{
	struct bpf_pidns_info ns;

	if (!pidns_ino)
		return bpf_get_current_pid_tgid() >> 32;
	if (bpf_get_ns_current_pid_tgid(pidns_dev, pidns_ino, &ns, sizeof(ns)))
		return 0;
	return ns.tgid;
}

/* The target check: the first thing every probe does. */
static __always_inline bool target_current(void)
{
	__u32 tgid = current_tgid();

	if (tgid == self_tgid)
		return false;
	switch (filter_mode) {
	case FILTER_TGID:
		return tgid == targ_tgid;
	case FILTER_FOLLOW:
		return bpf_map_lookup_elem(&followed, &tgid) != NULL;
	default:
		return true;
	}
}

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 slot = 0;

	if (v >> (HIST_SLOTS - 1))
		return HIST_SLOTS - 1;
	/* Unrolled binary search over the 31 bits left. */
	if (v >> 16) { v >>= 16; slot += 16; }
	if (v >> 8) { v >>= 8; slot += 8; }
	if (v >> 4) { v >>= 4; slot += 4; }
	if (v >> 2) { v >>= 2; slot += 2; }
	if (v >> 1)
		slot += 1;
	return slot;
}

/*
 * Counters are per CPU. Tracepoint and kprobe programs run with preemption
 * off, so a plain add is exact. fentry/fexit programs run with only
 * migration disabled: another task can run the same program on this CPU
 * in the middle of an update. There the adds are atomic; exact counts
 * matter more than the cycles of an uncontended locked add.
 */
#ifdef UDSTRACE_PREEMPTIBLE
#define STAT_ADD(p, v) __sync_fetch_and_add(p, v)
#else
#define STAT_ADD(p, v) (*(p) += (v))
#endif
/* A call whose in-flight state could not be stored (see inflight.bpf.h). */
static __always_inline void account_drop(__u32 path)
{
	struct path_stats *s = bpf_map_lookup_elem(&stats, &path);

	if (s)
		STAT_ADD(&s->dropped, 1);
}

static __always_inline void account_call(__u32 path, long ret)
{
	struct path_stats *s = bpf_map_lookup_elem(&stats, &path);

	if (!s)
		return;
	STAT_ADD(&s->calls, 1);
	if (ret < 0)
		STAT_ADD(&s->errors, 1);
	else if (ret > 0)
		STAT_ADD(&s->bytes, ret);
}

/* @blocked: the part of @ns the task spent off-CPU, if known. */
static __always_inline void account_time(__u32 path, __u64 ns, __u64 blocked)
{
	struct path_stats *s = bpf_map_lookup_elem(&stats, &path);
	struct path_extremes *x = bpf_map_lookup_elem(&extremes, &path);

	if (!s || !x)
		return;
	STAT_ADD(&s->ktime_ns, ns);
	if (blocked)
		STAT_ADD(&s->blocked_ns, blocked);
	STAT_ADD(&s->timed, 1);
	STAT_ADD(&s->hist[log2_slot(ns) & (HIST_SLOTS - 1)], 1);
	/* Extremes may lose a race with preemption; counts never do. */
	if (!s->min_ns || ns < s->min_ns)
		s->min_ns = ns;
	if (ns > s->max_ns)
		s->max_ns = ns;
	if (!x->min_ns || ns < x->min_ns)
		x->min_ns = ns;
	if (ns > x->max_ns)
		x->max_ns = ns;
}

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
 * Loopback means: peer in 127.0.0.0/8 or ::1, peer address equal to our
 * own, or the cached route leaving through a loopback device. Decided per
 * socket, so one process can have both kinds.
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

/* A peer address that is not :: and equals the socket's own. */
static __always_inline bool ipv6_is_local(const struct in6_addr *d,
					  const struct in6_addr *s)
{
	const __u32 *dw = d->in6_u.u6_addr32, *sw = s->in6_u.u6_addr32;

	return (dw[0] | dw[1] | dw[2] | dw[3]) && dw[0] == sw[0] &&
	       dw[1] == sw[1] && dw[2] == sw[2] && dw[3] == sw[3];
}

DEFINE_TCP_ROW(, RD_BTF)
DEFINE_TCP_ROW(_raw, RD_RAW)

/*
 * @child's tgid in udstrace's PID namespace, which is @parent's (the
 * caller checked that). A new process leads its group, so its pid is
 * its tgid: the number at that namespace's level of its struct pid.
 */
static __always_inline __u32 child_tgid_in_ns(struct task_struct *parent,
					      struct task_struct *child)
{
	unsigned int level = BPF_CORE_READ(parent, thread_pid, level);
	struct pid *pid = BPF_CORE_READ(child, thread_pid);
	int nr = 0;

	if (level > 32)		/* MAX_PID_NS_LEVEL */
		return 0;
	bpf_probe_read_kernel(&nr, sizeof(nr), (void *)pid +
			      bpf_core_field_offset(struct pid, numbers) +
			      level * bpf_core_type_size(struct upid) +
			      bpf_core_field_offset(struct upid, nr));
	return nr;
}

/*
 * Follow forks: a child of a followed process is followed. Threads share
 * the tgid, so only new processes add entries. The hook runs in the
 * parent, so current_tgid() is the parent's.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(follow_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid, ctgid;
	__u8 one = 1;

	if (BPF_CORE_READ(parent, tgid) == BPF_CORE_READ(child, tgid))
		return 0;
	ptgid = current_tgid();
	if (!ptgid || !bpf_map_lookup_elem(&followed, &ptgid))
		return 0;
	ctgid = pidns_ino ? child_tgid_in_ns(parent, child) :
			    BPF_CORE_READ(child, tgid);
	if (ctgid)
		bpf_map_update_elem(&followed, &ctgid, &one, BPF_ANY);
	return 0;
}

/*
 * Forget a process when its last thread exits (signal->live hits 0 first).
 * The hook runs in the exiting task.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(follow_exit, struct task_struct *task)
{
	__u32 tgid;

	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	tgid = current_tgid();
	bpf_map_delete_elem(&followed, &tgid);
	return 0;
}

#endif /* UDSTRACE_COMMON_BPF_H */
