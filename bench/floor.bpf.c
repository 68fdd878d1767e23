// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The floor for make bench: empty programs of the same types on the same
 * hooks as each udstrace mode. Whatever they cost is what attaching there
 * costs at all, before udstrace's programs do any work. Bench only: never
 * part of the udstrace binary. bench/floor.c turns sets of them on.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* tracepoint backend: time (the syscall tracepoints) */
SEC("?tp_btf/sys_enter")
int BPF_PROG(sys_enter) { return 0; }

SEC("?tp_btf/sys_exit")
int BPF_PROG(sys_exit) { return 0; }

/* tracepoint backend: counts (6.3+), and connects in --counts-only */
SEC("?tp_btf/sock_send_length")
int BPF_PROG(sock_send_length) { return 0; }

SEC("?tp_btf/sock_recv_length")
int BPF_PROG(sock_recv_length) { return 0; }

SEC("?tp_btf/sk_data_ready")
int BPF_PROG(sk_data_ready) { return 0; }

/*
 * fentry backend: entry and return of each path function. udstrace also
 * attaches the rows' extra functions where the kernel has them (sendpage
 * before 6.5, splice_read): udsbench never calls those, so attached or
 * not they cost it nothing, and the floor leaves them out.
 */
#define FLOOR_FUNC(func)					\
	SEC("?fentry/" #func)					\
	int BPF_PROG(fentry_##func) { return 0; }		\
	SEC("?fexit/" #func)					\
	int BPF_PROG(fexit_##func) { return 0; }

FLOOR_FUNC(unix_stream_connect)
FLOOR_FUNC(unix_stream_sendmsg)
FLOOR_FUNC(tcp_sendmsg)
FLOOR_FUNC(unix_stream_recvmsg)
FLOOR_FUNC(tcp_recvmsg)

/*
 * kprobe backend, where auto picks it (fentry cannot load): a kprobe and
 * a kretprobe on each path function, as udstrace attaches in every mode.
 */
#define FLOOR_KPROBE(func)					\
	SEC("?kprobe/" #func)					\
	int kprobe_##func(struct pt_regs *ctx) { return 0; }	\
	SEC("?kretprobe/" #func)				\
	int kretprobe_##func(struct pt_regs *ctx) { return 0; }

FLOOR_KPROBE(unix_stream_connect)
FLOOR_KPROBE(unix_stream_sendmsg)
FLOOR_KPROBE(tcp_sendmsg)
FLOOR_KPROBE(unix_stream_recvmsg)
FLOOR_KPROBE(tcp_recvmsg)
