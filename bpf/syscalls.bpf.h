/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The syscalls that can reach a path function, for the tracepoint
 * backend's raw_syscalls programs: x86-64's numbers, and those of ia32
 * (32-bit) processes decoded to them. A 32-bit syscall 42 is pipe, not
 * connect, so a number means nothing until the ABI is known. x32 numbers
 * carry bit 30 and are left alone (never taken for path syscalls).
 */
#ifndef UDSTRACE_SYSCALLS_BPF_H
#define UDSTRACE_SYSCALLS_BPF_H

#ifndef __TARGET_ARCH_x86
#error "the syscall tables here are x86-64's (and ia32's)"
#endif

/* arch/x86/entry/syscalls/syscall_64.tbl */
#define NR_read		0
#define NR_write	1
#define NR_readv	19
#define NR_writev	20
#define NR_sendfile	40
#define NR_connect	42
#define NR_sendto	44
#define NR_recvfrom	45
#define NR_sendmsg	46
#define NR_recvmsg	47
#define NR_splice	275
#define NR_recvmmsg	299
#define NR_sendmmsg	307

/* arch/x86/entry/syscalls/syscall_32.tbl */
#define NR32_read		3
#define NR32_write		4
#define NR32_socketcall		102
#define NR32_readv		145
#define NR32_writev		146
#define NR32_sendfile		187
#define NR32_sendfile64		239
#define NR32_splice		313
#define NR32_recvmmsg		337
#define NR32_sendmmsg		345
#define NR32_connect		362
#define NR32_sendto		369
#define NR32_sendmsg		370
#define NR32_recvfrom		371
#define NR32_recvmsg		372
#define NR32_recvmmsg_time64	417

/* socketcall(2)'s calls (include/uapi/linux/net.h) */
#define SYS_CONNECT	3
#define SYS_SEND	9
#define SYS_RECV	10
#define SYS_SENDTO	11
#define SYS_RECVFROM	12
#define SYS_SENDMSG	16
#define SYS_RECVMSG	17
#define SYS_RECVMMSG	19
#define SYS_SENDMMSG	20

/* thread_info.status: the task is in a 32-bit syscall. */
#define TS_COMPAT	0x0002

/*
 * The sets of numbers, as macros so that the bitmap below is made from
 * the very same tests at compile time.
 */
#define IS_RECV_SYSCALL(id)						\
	((id) == NR_read || (id) == NR_readv || (id) == NR_recvfrom ||	\
	 (id) == NR_recvmsg || (id) == NR_recvmmsg)
#define IS_PATH_SYSCALL(id)						\
	((id) == NR_connect || (id) == NR_write || (id) == NR_writev ||	\
	 (id) == NR_sendto || (id) == NR_sendmsg || (id) == NR_sendmmsg || \
	 (id) == NR_sendfile || (id) == NR_splice || IS_RECV_SYSCALL(id))
#define IS_IA32_ONLY_PATH_SYSCALL(id)					\
	((id) == NR32_read || (id) == NR32_write ||			\
	 (id) == NR32_socketcall || (id) == NR32_readv ||		\
	 (id) == NR32_writev || (id) == NR32_sendfile ||		\
	 (id) == NR32_sendfile64 || (id) == NR32_splice ||		\
	 (id) == NR32_recvmmsg || (id) == NR32_sendmmsg ||		\
	 ((id) >= NR32_connect && (id) <= NR32_recvmsg) ||		\
	 (id) == NR32_recvmmsg_time64)

static __always_inline bool is_recv_syscall(long id)
{
	return IS_RECV_SYSCALL(id);
}

/* A 64-bit path syscall. */
static __always_inline bool is_path_syscall(long id)
{
	return IS_PATH_SYSCALL(id);
}

/* A 64-bit path syscall that can make several socket calls in one. */
static __always_inline bool is_multi_call_syscall(long id)
{
	return id == NR_sendmmsg || id == NR_recvmmsg || id == NR_sendfile ||
	       id == NR_splice;
}

/*
 * Bit n set: n is a path syscall for a 64-bit or for a 32-bit process.
 * Every number either table names is below 512.
 */
#define MAYBE_PATH_NR_MAX 512
#define MP_BIT(n)							\
	((__u64)(IS_PATH_SYSCALL(n) || IS_IA32_ONLY_PATH_SYSCALL(n)) << ((n) & 63))
#define MP_8(n)								\
	(MP_BIT(n) | MP_BIT((n) + 1) | MP_BIT((n) + 2) | MP_BIT((n) + 3) | \
	 MP_BIT((n) + 4) | MP_BIT((n) + 5) | MP_BIT((n) + 6) | MP_BIT((n) + 7))
#define MP_64(n)							\
	(MP_8(n) | MP_8((n) + 8) | MP_8((n) + 16) | MP_8((n) + 24) |	\
	 MP_8((n) + 32) | MP_8((n) + 40) | MP_8((n) + 48) | MP_8((n) + 56))

static const __u64 maybe_path_bits[MAYBE_PATH_NR_MAX / 64] = {
	MP_64(0), MP_64(64), MP_64(128), MP_64(192),
	MP_64(256), MP_64(320), MP_64(384), MP_64(448),
};

/*
 * The first and cheapest test, at sys_enter and at sys_exit, which every
 * syscall on the machine runs: one bit of a table in read-only data
 * rather than a chain of some thirty compares. x32 numbers (bit 30) and
 * negative ones are above the table: never path syscalls.
 */
static __always_inline bool maybe_path_syscall(long id)
{
	unsigned long nr = id;

	if (nr >= MAYBE_PATH_NR_MAX)
		return false;
	/* "& 7" keeps the index provably inside the table for the verifier */
	return (maybe_path_bits[(nr >> 6) & 7] >> (nr & 63)) & 1;
}

/*
 * @task_btf: bpf_get_current_task_btf() exists (5.11+), so the flag is a
 * plain load.
 */
static __always_inline bool in_ia32_syscall(bool task_btf)
{
	struct task_struct *t;

	if (task_btf)
		return bpf_get_current_task_btf()->thread_info.status & TS_COMPAT;
	t = (void *)bpf_get_current_task();
	return BPF_CORE_READ(t, thread_info.status) & TS_COMPAT;
}

/* A socketcall(2) call as the 64-bit syscall that does the same, or -1. */
static __always_inline long socketcall_native(long call)
{
	switch (call) {
	case SYS_CONNECT:	return NR_connect;
	case SYS_SEND:
	case SYS_SENDTO:	return NR_sendto;
	case SYS_RECV:
	case SYS_RECVFROM:	return NR_recvfrom;
	case SYS_SENDMSG:	return NR_sendmsg;
	case SYS_RECVMSG:	return NR_recvmsg;
	case SYS_RECVMMSG:	return NR_recvmmsg;
	case SYS_SENDMMSG:	return NR_sendmmsg;
	default:		return -1;
	}
}

/*
 * A 32-bit syscall as the 64-bit one that does the same, or -1 if it is
 * no path syscall; its fd in @fd. ia32 passes arguments in bx, cx, ...;
 * socketcall passes the call in bx and a user array of arguments in cx.
 */
static __always_inline long ia32_native(long id, struct pt_regs *regs, long *fd)
{
	__u32 args0 = 0;
	long native;

	*fd = (int)regs->bx;
	switch (id) {
	case NR32_read:		return NR_read;
	case NR32_write:	return NR_write;
	case NR32_readv:	return NR_readv;
	case NR32_writev:	return NR_writev;
	case NR32_sendfile:
	case NR32_sendfile64:	return NR_sendfile;
	case NR32_splice:	return NR_splice;
	case NR32_recvmmsg:
	case NR32_recvmmsg_time64: return NR_recvmmsg;
	case NR32_sendmmsg:	return NR_sendmmsg;
	case NR32_connect:	return NR_connect;
	case NR32_sendto:	return NR_sendto;
	case NR32_sendmsg:	return NR_sendmsg;
	case NR32_recvfrom:	return NR_recvfrom;
	case NR32_recvmsg:	return NR_recvmsg;
	case NR32_socketcall:	/* bx is the call, not an fd */
		native = socketcall_native(regs->bx);
		if (native < 0 || bpf_probe_read_user(&args0, sizeof(args0),
				(void *)(unsigned long)(__u32)regs->cx))
			return -1;
		*fd = (int)args0;
		return native;
	default:
		return -1;
	}
}

/*
 * The calling syscall as a 64-bit path syscall, or -1; its first argument,
 * the socket's fd for all but splice (whose socket is its third), in @fd.
 * @regs is the BTF-typed argument of raw_syscalls:sys_enter.
 */
static __always_inline long path_syscall(long id, struct pt_regs *regs,
					 bool task_btf, long *fd)
{
	if (in_ia32_syscall(task_btf))
		return ia32_native(id, regs, fd);
	if (!is_path_syscall(id))
		return -1;
	*fd = PT_REGS_PARM1_CORE_SYSCALL(regs);
	return id;
}

#endif /* UDSTRACE_SYSCALLS_BPF_H */
