/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --listeners: per AF_UNIX listener name, the backlog limit, the longest
 * accept queue seen, the connects that slept before they returned (in
 * unix_wait_for_peer(), for a full backlog) and those refused: EAGAIN (a
 * non-blocking connect, queue full) and ECONNREFUSED (no listener there).
 *
 * A connect's side is seen at its entry and exit, where the address it
 * names is known; the listener's side when a connect is queued on it and
 * wakes it (sk_data_ready), where the queue length and the limit are.
 * Both sides key the same map by the name, normalised as the kernel
 * stores a bound one: a path up to its NUL, or an abstract name's bytes
 * and length. Everything is summed here: user space reads the map.
 */
#ifndef UDSTRACE_LISTENERS_BPF_H
#define UDSTRACE_LISTENERS_BPF_H

#include "listeners.h"

#ifndef AF_UNIX
#define AF_UNIX		1
#endif
#ifndef SOCK_SEQPACKET
#define SOCK_SEQPACKET	5
#endif

#ifndef EAGAIN
#define EAGAIN		11
#endif
#ifndef ECONNREFUSED
#define ECONNREFUSED	111
#endif

/* Set by user space before load: --listeners was given. */
const volatile bool listeners_on = false;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_LISTENERS);
	__type(key, struct listener_key);
	__type(value, struct listener_stats);
} listeners SEC(".maps");

/* [0]: connects and wake-ups not counted, the map being full. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} listeners_lost SEC(".maps");

/*
 * A connect in flight, per thread: the name it connects to. An LRU hash,
 * so that an entry whose exit was never seen cannot stay for good.
 */
struct listener_conn {
	struct listener_key key;
	__u32 type;		/* the connecting socket's */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_LISTENER_CONNECTS);
	__type(key, __u64);
	__type(value, struct listener_conn);
} listener_conns SEC(".maps");

/* A zeroed entry to start from, off the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct listener_conn);
} listener_scratch SEC(".maps");

/*
 * Fills @k from a sockaddr_un's name of @len bytes at @path, in user
 * memory (@user) or the kernel's. False for no name at all.
 */
static __always_inline bool listener_key_read(struct listener_key *k,
					      const char *path, long len,
					      bool user)
{
	__u8 first = 0;
	__u32 n;

	if (len <= 0)
		return false;
	if (user)
		bpf_probe_read_user(&first, 1, path);
	else
		bpf_probe_read_kernel(&first, 1, path);
	if (first) {
		/* A path: up to its NUL (at most sun_path's), as bind stores it. */
		k->len = 0;
		if (user)
			return bpf_probe_read_user_str(k->name, UNIX_NAME_MAX + 1, path) > 1;
		return bpf_probe_read_kernel_str(k->name, UNIX_NAME_MAX + 1, path) > 1;
	}
	/* Abstract: every byte counts, NULs too. */
	n = len > UNIX_NAME_MAX ? UNIX_NAME_MAX : len;
	k->len = n;
	/* A bound the verifier can see in the register passed (the key has room). */
	asm volatile("" : "+r"(n));
	n &= UNIX_NAME_MAX_POW2 - 1;
	if (user)
		return !bpf_probe_read_user(k->name, n, path);
	return !bpf_probe_read_kernel(k->name, n, path);
}

/* @k's counters on this CPU, created if new; NULL when the map is full. */
static __always_inline struct listener_stats *
listener_stats_of(struct listener_key *k)
{
	struct listener_stats zero = {}, *s;
	__u32 key0 = 0;
	__u64 *lost;

	s = bpf_map_lookup_elem(&listeners, k);
	if (s)
		return s;
	bpf_map_update_elem(&listeners, k, &zero, BPF_NOEXIST);
	s = bpf_map_lookup_elem(&listeners, k);
	if (!s) {
		lost = bpf_map_lookup_elem(&listeners_lost, &key0);
		if (lost)
			__sync_fetch_and_add(lost, 1);
	}
	return s;
}

/*
 * A connect of an AF_UNIX stream or seqpacket socket of @type starts, to
 * the sockaddr @addr of @addrlen bytes (user memory with @user).
 */
static __always_inline void listener_connect_enter(const void *addr,
						    long addrlen, __u32 type,
						    bool user)
{
	const char *path = (const char *)addr + 2;	/* after sun_family */
	__u64 id = bpf_get_current_pid_tgid();
	struct listener_conn *c;
	__u16 family = 0;
	__u32 zero = 0;

	if (!listeners_on || !addr)
		return;
	if (user)
		bpf_probe_read_user(&family, sizeof(family), addr);
	else
		bpf_probe_read_kernel(&family, sizeof(family), addr);
	if (family != AF_UNIX)
		return;
	c = bpf_map_lookup_elem(&listener_scratch, &zero);
	if (!c)
		return;
	__builtin_memset(&c->key, 0, sizeof(c->key));
	c->type = type;
	if (!listener_key_read(&c->key, path, addrlen - 2, user))
		return;
	bpf_map_update_elem(&listener_conns, &id, c, BPF_ANY);
}

/*
 * The current thread's connect returned @ret, after @blocked_ns asleep
 * (0 where that is not measured).
 */
static __always_inline void listener_connect_exit(long ret, __u64 blocked_ns)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct listener_stats *s;
	struct listener_conn *c;

	if (!listeners_on)
		return;
	c = bpf_map_lookup_elem(&listener_conns, &id);
	if (!c)
		return;
	s = listener_stats_of(&c->key);
	if (s) {
		s->type = c->type;
		if (ret == -EAGAIN)
			STAT_ADD(&s->eagain, 1);
		else if (ret == -ECONNREFUSED)
			STAT_ADD(&s->refused, 1);
		/* Asleep in a connect: waiting for room in the backlog. */
		if (blocked_ns) {
			STAT_ADD(&s->waited, 1);
			STAT_ADD(&s->wait_ns, blocked_ns);
			if (blocked_ns > s->max_wait_ns)
				s->max_wait_ns = blocked_ns;
		}
	}
	bpf_map_delete_elem(&listener_conns, &id);
}

/*
 * A connect was queued on listener @sk, which it wakes: its queue now,
 * and its limit. unix_recvq_full() refuses once the queue is longer than
 * sk_max_ack_backlog, so the queue can reach the limit plus one.
 */
static __always_inline void listener_queued(struct sock *sk)
{
	struct unix_sock *u = (struct unix_sock *)sk;
	struct listener_conn *c;
	struct listener_stats *s;
	struct unix_address *a;
	__u32 zero = 0, qlen;
	int len;

	if (!listeners_on)
		return;
	a = BPF_CORE_READ(u, addr);
	if (!a)
		return;
	c = bpf_map_lookup_elem(&listener_scratch, &zero);
	if (!c)
		return;
	__builtin_memset(&c->key, 0, sizeof(c->key));
	len = BPF_CORE_READ(a, len);
	if (!listener_key_read(&c->key, (const char *)&a->name[0].sun_path,
			       len - 2, false))
		return;
	s = listener_stats_of(&c->key);
	if (!s)
		return;
	qlen = BPF_CORE_READ(sk, sk_receive_queue.qlen);
	STAT_ADD(&s->queued, 1);
	s->type = BPF_CORE_READ(sk, sk_type);
	s->backlog = BPF_CORE_READ(sk, sk_max_ack_backlog);
	s->seen_listener = 1;
	if (qlen > s->max_queue)
		s->max_queue = qlen;
}

/*
 * A wake-up of @sk: of a listening unix stream or seqpacket socket, it is
 * a connect queued on it, made by the current task.
 */
static __always_inline void listener_woken(struct sock *sk)
{
	int type = BPF_CORE_READ(sk, sk_type);

	if (BPF_CORE_READ(sk, __sk_common.skc_state) != TCP_LISTEN ||
	    BPF_CORE_READ(sk, __sk_common.skc_family) != AF_UNIX ||
	    (type != SOCK_STREAM && type != SOCK_SEQPACKET))
		return;
	if (target_current())
		listener_queued(sk);
}

/*
 * For the function-level backends (the tracepoint one has its own): the
 * listener's wake-up, by sock:sk_data_ready (6.3+), else at the function
 * it is in, sock_def_readable, what unix_stream_connect calls. Each fires
 * for every socket woken on the machine, so only with --listeners.
 */
#define DEFINE_LISTENER_PROGRAMS(FN_SEC, FN_PROG)			\
SEC("?tp_btf/sk_data_ready")						\
int BPF_PROG(listener_wakeup, struct sock *sk)				\
{									\
	listener_woken(sk);						\
	return 0;							\
}									\
									\
SEC(FN_SEC)								\
int FN_PROG(listener_readable, struct sock *sk)				\
{									\
	listener_woken(sk);						\
	return 0;							\
}

#endif /* UDSTRACE_LISTENERS_BPF_H */
