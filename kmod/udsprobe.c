// SPDX-License-Identifier: GPL-2.0
/*
 * udsprobe: count and time the kernel's local IPC paths with kretprobes.
 *
 * An independent measurement of what udstrace's BPF programs see: AF_UNIX
 * stream connect, send and receive, and TCP send and receive split into
 * loopback and remote peers. Per path and per CPU it keeps calls, errors,
 * bytes, total/min/max time and a log2 histogram of the time per call.
 * /proc/udsprobe shows the sums over all CPUs (format in kmod/README.md);
 * writing "reset" to it zeroes them. Its header names this load of the
 * module and counts the resets, so a reader that keeps a baseline can tell
 * when the counters started again from zero.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/in.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/limits.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/proc_fs.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/threads.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <net/dst.h>
#include <net/ipv6.h>
#include <net/sock.h>

/* Slot 0 holds [0, 2) ns, slot i [2^i, 2^(i+1)) ns, the last one >= 2^31. */
#define UDSP_HIST_SLOTS	32

/* Rows of /proc/udsprobe, in this order. */
enum udsp_path {
	UDSP_UNIX_CONNECT,
	UDSP_UNIX_SEND,
	UDSP_TCP_SEND_LOOPBACK,
	UDSP_TCP_SEND_REMOTE,
	UDSP_UNIX_RECV,
	UDSP_TCP_RECV_LOOPBACK,
	UDSP_TCP_RECV_REMOTE,
	UDSP_NR_PATHS,
};

static const char * const udsp_path_names[UDSP_NR_PATHS] = {
	[UDSP_UNIX_CONNECT]		= "unix_stream_connect",
	[UDSP_UNIX_SEND]		= "unix_stream_sendmsg",
	[UDSP_TCP_SEND_LOOPBACK]	= "tcp_sendmsg:loopback",
	[UDSP_TCP_SEND_REMOTE]		= "tcp_sendmsg:remote",
	[UDSP_UNIX_RECV]		= "unix_stream_recvmsg",
	[UDSP_TCP_RECV_LOOPBACK]	= "tcp_recvmsg:loopback",
	[UDSP_TCP_RECV_REMOTE]		= "tcp_recvmsg:remote",
};

/* One path's counters on one CPU. min_ns is U64_MAX until the first call. */
struct udsp_stats {
	u64 calls;
	u64 errors;
	u64 bytes;
	u64 ktime_ns;
	u64 min_ns;
	u64 max_ns;
	u64 hist[UDSP_HIST_SLOTS];
};

struct udsp_cpu_stats {
	struct udsp_stats path[UDSP_NR_PATHS];
};

static struct udsp_cpu_stats __percpu *udsp_stats;

/*
 * This load of the module: the boot-time clock at load, which no other
 * load in the same boot can share. A reader that sees it change knows the
 * module was unloaded and loaded again.
 */
static u64 udsp_instance;

/*
 * Resets since load. udsp_lock orders a reset against a read of the file,
 * so that a read sees the counters of one generation only: either all
 * before a reset or all after it, never some rows of each.
 */
static DEFINE_MUTEX(udsp_lock);
static u64 udsp_generation;

/* What the entry handler hands to the return handler of the same call. */
struct udsp_call {
	u64 start_ns;
	struct sock *sk;	/* the first argument of tcp_*msg */
};

/*
 * One kretprobe per probed function. A TCP function's calls are split by
 * udsp_tcp_is_loopback() into the rows path (loopback) and path + 1 (remote).
 */
struct udsp_probe {
	struct kretprobe krp;
	enum udsp_path path;
	bool tcp;
	bool optional;		/* not on every kernel: skipped where absent */
	bool socket_arg;	/* the first argument is a struct socket */
	bool ret_long;		/* returns ssize_t, not int */
};

static int udsp_entry(struct kretprobe_instance *ri, struct pt_regs *regs);
static int udsp_return(struct kretprobe_instance *ri, struct pt_regs *regs);

#define UDSP_PROBE_X(fn, row, is_tcp, opt, sock, slong)		\
	{								\
		.krp = {						\
			.kp.symbol_name	= fn,				\
			.entry_handler	= udsp_entry,			\
			.handler	= udsp_return,			\
			.data_size	= sizeof(struct udsp_call),	\
		},							\
		.path		= row,					\
		.tcp		= is_tcp,				\
		.optional	= opt,					\
		.socket_arg	= sock,					\
		.ret_long	= slong,				\
	}
#define UDSP_PROBE(fn, row, is_tcp) UDSP_PROBE_X(fn, row, is_tcp, false, false, false)

/*
 * The rows' own functions, then the others that make their calls: before
 * 6.5, sendfile and splice into a socket call ->sendpage (counted as
 * sends); splice out of a socket never calls ->recvmsg (counted as
 * receives).
 */
static struct udsp_probe udsp_probes[] = {
	UDSP_PROBE("unix_stream_connect", UDSP_UNIX_CONNECT, false),
	UDSP_PROBE("unix_stream_sendmsg", UDSP_UNIX_SEND, false),
	UDSP_PROBE("tcp_sendmsg", UDSP_TCP_SEND_LOOPBACK, true),
	UDSP_PROBE("unix_stream_recvmsg", UDSP_UNIX_RECV, false),
	UDSP_PROBE("tcp_recvmsg", UDSP_TCP_RECV_LOOPBACK, true),
	UDSP_PROBE_X("unix_stream_sendpage", UDSP_UNIX_SEND, false, true, false, true),
	UDSP_PROBE_X("tcp_sendpage", UDSP_TCP_SEND_LOOPBACK, true, true, false, false),
	UDSP_PROBE_X("unix_stream_splice_read", UDSP_UNIX_RECV, false, true, true, true),
	UDSP_PROBE_X("tcp_splice_read", UDSP_TCP_RECV_LOOPBACK, true, true, true, true),
};

/* The probes registered, as register_kretprobe() and unregister_kretprobes() take them. */
static struct kretprobe *udsp_krps[ARRAY_SIZE(udsp_probes)];
static unsigned int udsp_nr_krps;

/* The tgid filter: 0 counts every process. */
static int udsp_tgid;

static int udsp_tgid_set(const char *val, const struct kernel_param *kp)
{
	int tgid;

	if (kstrtoint(val, 10, &tgid) || tgid < 0 || tgid > PID_MAX_LIMIT)
		return -EINVAL;
	WRITE_ONCE(*(int *)kp->arg, tgid);
	return 0;
}

static int udsp_tgid_get(char *buffer, const struct kernel_param *kp)
{
	return scnprintf(buffer, PAGE_SIZE, "%d\n", READ_ONCE(*(int *)kp->arg));
}

static const struct kernel_param_ops udsp_tgid_ops = {
	.set = udsp_tgid_set,
	.get = udsp_tgid_get,
};

module_param_cb(tgid, &udsp_tgid_ops, &udsp_tgid, 0644);
MODULE_PARM_DESC(tgid, "Count only this process (thread group id); 0 counts all (default)");

/*
 * Loopback, decided per socket: the peer is in 127.0.0.0/8, ::1 or
 * ::ffff:127.0.0.0/104, the peer address is our own, or the cached route
 * leaves through a loopback device. The caller of tcp_*msg holds the
 * socket, so it cannot go away under us.
 */
static nokprobe_inline bool udsp_tcp_is_loopback(const struct sock *sk)
{
	const struct dst_entry *dst;
	bool loopback = false;

	switch (sk->sk_family) {
	case AF_INET:
		if (ipv4_is_loopback(sk->sk_daddr) ||
		    (sk->sk_daddr && sk->sk_daddr == sk->sk_rcv_saddr))
			return true;
		break;
#if IS_ENABLED(CONFIG_IPV6)
	case AF_INET6:
		if (ipv6_addr_loopback(&sk->sk_v6_daddr) ||
		    ipv6_addr_v4mapped_loopback(&sk->sk_v6_daddr))
			return true;
		if (!ipv6_addr_any(&sk->sk_v6_daddr) &&
		    ipv6_addr_equal(&sk->sk_v6_daddr, &sk->sk_v6_rcv_saddr))
			return true;
		break;
#endif
	}

	rcu_read_lock();
	dst = rcu_dereference(sk->sk_dst_cache);
	if (dst && dst->dev)
		loopback = READ_ONCE(dst->dev->flags) & IFF_LOOPBACK;
	rcu_read_unlock();
	return loopback;
}

static nokprobe_inline unsigned int udsp_hist_slot(u64 ns)
{
	return ns < 2 ? 0 : min_t(unsigned int, ilog2(ns), UDSP_HIST_SLOTS - 1);
}

/*
 * Kretprobe handlers run with preemption disabled, so this_cpu ops reach
 * this CPU's counters. Each op is also safe against an interrupt on this
 * CPU, and the extremes use a local cmpxchg, so even a nested update
 * could not lose a count.
 */
static nokprobe_inline void udsp_account(enum udsp_path path, long ret, u64 ns)
{
	struct udsp_stats __percpu *s = &udsp_stats->path[path];
	u64 old, prev;

	this_cpu_inc(s->calls);
	if (ret < 0)
		this_cpu_inc(s->errors);
	else if (ret > 0)
		this_cpu_add(s->bytes, ret);
	this_cpu_add(s->ktime_ns, ns);
	this_cpu_inc(s->hist[udsp_hist_slot(ns)]);

	old = this_cpu_read(s->min_ns);
	while (ns < old) {
		prev = this_cpu_cmpxchg(s->min_ns, old, ns);
		if (prev == old)
			break;
		old = prev;
	}
	old = this_cpu_read(s->max_ns);
	while (ns > old) {
		prev = this_cpu_cmpxchg(s->max_ns, old, ns);
		if (prev == old)
			break;
		old = prev;
	}
}

/* Returning nonzero skips the return handler: the call is not ours. */
static int udsp_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct udsp_probe *p = container_of(get_kretprobe(ri), struct udsp_probe, krp);
	struct udsp_call *call = (struct udsp_call *)ri->data;
	int tgid = READ_ONCE(udsp_tgid);
	unsigned long arg0;

	if (tgid && task_tgid_nr(current) != tgid)
		return 1;
	arg0 = regs_get_kernel_argument(regs, 0);
	/* The caller holds the socket, and so its sock, for the whole call. */
	call->sk = p->socket_arg ? READ_ONCE(((struct socket *)arg0)->sk) :
				   (struct sock *)arg0;
	call->start_ns = ktime_get_mono_fast_ns();
	return 0;
}

NOKPROBE_SYMBOL(udsp_entry);

static int udsp_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	u64 end_ns = ktime_get_mono_fast_ns();
	struct udsp_probe *p = container_of(get_kretprobe(ri), struct udsp_probe, krp);
	struct udsp_call *call = (struct udsp_call *)ri->data;
	/* An int return leaves the upper half of the register undefined. */
	long ret = p->ret_long ? (long)regs_return_value(regs) :
				 (int)regs_return_value(regs);
	enum udsp_path path = p->path;

	if (p->tcp && !udsp_tcp_is_loopback(call->sk))
		path++;
	udsp_account(path, ret, end_ns - call->start_ns);
	return 0;
}

NOKPROBE_SYMBOL(udsp_return);

static void udsp_cpu_clear(struct udsp_cpu_stats *c)
{
	struct udsp_stats *s;
	int path, i;

	for (path = 0; path < UDSP_NR_PATHS; path++) {
		s = &c->path[path];
		WRITE_ONCE(s->calls, 0);
		WRITE_ONCE(s->errors, 0);
		WRITE_ONCE(s->bytes, 0);
		WRITE_ONCE(s->ktime_ns, 0);
		WRITE_ONCE(s->min_ns, U64_MAX);
		WRITE_ONCE(s->max_ns, 0);
		for (i = 0; i < UDSP_HIST_SLOTS; i++)
			WRITE_ONCE(s->hist[i], 0);
	}
}

/*
 * Runs on each online CPU in an IPI: its own counters are then written
 * only by itself, so no this_cpu update on another CPU can land between
 * a read and a write of the clear and survive it.
 */
static void udsp_cpu_clear_local(void *unused)
{
	udsp_cpu_clear(this_cpu_ptr(udsp_stats));
}

static void udsp_stats_clear(void)
{
	int cpu;

	cpus_read_lock();
	on_each_cpu(udsp_cpu_clear_local, NULL, 1);
	/* No handler runs on an offline CPU, and none can come up meanwhile. */
	for_each_possible_cpu(cpu)
		if (!cpu_online(cpu))
			udsp_cpu_clear(per_cpu_ptr(udsp_stats, cpu));
	cpus_read_unlock();
}

static void udsp_stats_sum(enum udsp_path path, struct udsp_stats *sum)
{
	const struct udsp_stats *s;
	int cpu, i;

	memset(sum, 0, sizeof(*sum));
	sum->min_ns = U64_MAX;
	for_each_possible_cpu(cpu) {
		s = &per_cpu_ptr(udsp_stats, cpu)->path[path];
		sum->calls += READ_ONCE(s->calls);
		sum->errors += READ_ONCE(s->errors);
		sum->bytes += READ_ONCE(s->bytes);
		sum->ktime_ns += READ_ONCE(s->ktime_ns);
		sum->min_ns = min(sum->min_ns, READ_ONCE(s->min_ns));
		sum->max_ns = max(sum->max_ns, READ_ONCE(s->max_ns));
		for (i = 0; i < UDSP_HIST_SLOTS; i++)
			sum->hist[i] += READ_ONCE(s->hist[i]);
	}
	if (!sum->calls || sum->min_ns == U64_MAX)
		sum->min_ns = 0;
}

static unsigned long udsp_probe_missed(const struct udsp_probe *p)
{
	/* No free instance (maxactive too low), plus hits while another probe ran. */
	return READ_ONCE(p->krp.nmissed) + READ_ONCE(p->krp.kp.nmissed);
}

static int udsp_show(struct seq_file *m, void *v)
{
	struct udsp_stats sum;
	unsigned int i;
	int path;

	mutex_lock(&udsp_lock);
	seq_puts(m, "# udsprobe 2\n");
	seq_printf(m, "# instance %llu\n", udsp_instance);
	seq_printf(m, "# generation %llu\n", udsp_generation);
	seq_printf(m, "# tgid %d\n", READ_ONCE(udsp_tgid));
	seq_puts(m, "# path calls errors bytes ktime_ns min_ns max_ns hist_log2_ns[32]\n");
	for (path = 0; path < UDSP_NR_PATHS; path++) {
		udsp_stats_sum(path, &sum);
		seq_printf(m, "%s %llu %llu %llu %llu %llu %llu",
			   udsp_path_names[path], sum.calls, sum.errors,
			   sum.bytes, sum.ktime_ns, sum.min_ns, sum.max_ns);
		for (i = 0; i < UDSP_HIST_SLOTS; i++)
			seq_put_decimal_ull(m, " ", sum.hist[i]);
		seq_putc(m, '\n');
	}
	mutex_unlock(&udsp_lock);
	for (i = 0; i < udsp_nr_krps; i++)
		seq_printf(m, "missed %s %lu\n", udsp_krps[i]->kp.symbol_name,
			   udsp_probe_missed(container_of(udsp_krps[i],
							  struct udsp_probe, krp)));
	return 0;
}

static int udsp_open(struct inode *inode, struct file *file)
{
	return single_open(file, udsp_show, NULL);
}

/*
 * Exactly "reset" or "reset\n" zeroes the counters and starts a new
 * generation; nothing else is accepted.
 */
static ssize_t udsp_write(struct file *file, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	char cmd[sizeof("reset\n")];

	if (count < 1 || count >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, count))
		return -EFAULT;
	cmd[count] = '\0';
	if (strcmp(cmd, "reset") && strcmp(cmd, "reset\n"))
		return -EINVAL;
	mutex_lock(&udsp_lock);
	udsp_stats_clear();
	udsp_generation++;
	mutex_unlock(&udsp_lock);
	return count;
}

static const struct proc_ops udsp_proc_ops = {
	.proc_open	= udsp_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
	.proc_write	= udsp_write,
};

static struct proc_dir_entry *udsp_proc;

/*
 * All probes or none, but for an optional one whose function this kernel
 * does not have: on failure the ones already registered are undone.
 */
static int __init udsp_register_probes(void)
{
	/* The probed functions sleep, and every sleeping call holds an instance. */
	int maxactive = max_t(int, 64, 2 * num_possible_cpus());
	struct kretprobe *krp;
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(udsp_probes); i++) {
		krp = &udsp_probes[i].krp;
		krp->maxactive = maxactive;
		err = register_kretprobe(krp);
		if (err == -ENOENT && udsp_probes[i].optional)
			continue;
		if (err) {
			pr_err("cannot probe %s: %d\n", krp->kp.symbol_name, err);
			unregister_kretprobes(udsp_krps, udsp_nr_krps);
			udsp_nr_krps = 0;
			return err;
		}
		udsp_krps[udsp_nr_krps++] = krp;
	}
	return 0;
}

static int __init udsp_init(void)
{
	int err;

	udsp_stats = alloc_percpu(struct udsp_cpu_stats);
	if (!udsp_stats)
		return -ENOMEM;
	udsp_stats_clear();
	udsp_instance = ktime_get_boottime_ns();

	err = udsp_register_probes();
	if (err)
		goto out_free_stats;

	udsp_proc = proc_create(KBUILD_MODNAME, 0600, NULL, &udsp_proc_ops);
	if (!udsp_proc) {
		err = -ENOMEM;
		goto out_unregister_probes;
	}
	return 0;

out_unregister_probes:
	unregister_kretprobes(udsp_krps, udsp_nr_krps);
out_free_stats:
	free_percpu(udsp_stats);
	return err;
}

static void __exit udsp_exit(void)
{
	unsigned int i;

	/* No reader can start now, and the running ones have finished. */
	proc_remove(udsp_proc);

	/*
	 * Waits until no handler runs; calls still in flight return through
	 * the trampoline without calling us.
	 */
	unregister_kretprobes(udsp_krps, udsp_nr_krps);
	for (i = 0; i < ARRAY_SIZE(udsp_probes); i++)
		if (udsp_probe_missed(&udsp_probes[i]))
			pr_info("%s: %lu calls missed\n",
				udsp_probes[i].krp.kp.symbol_name,
				udsp_probe_missed(&udsp_probes[i]));

	free_percpu(udsp_stats);
}

module_init(udsp_init);
module_exit(udsp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Count and time the AF_UNIX stream and TCP send and receive paths");
