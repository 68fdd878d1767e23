/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every BPF backend's skeleton has in common (bpf/common.bpf.h), as
 * macros, since each skeleton is its own C type.
 */
#ifndef UDSTRACE_SKEL_COMMON_H
#define UDSTRACE_SKEL_COMMON_H

#include "backend.h"

/* The maps every BPF backend has (the stage map is set apart, with --stages). */
#define SKEL_SET_MAPS(obj, skel)				\
	do {								\
		(obj)->bpf = (skel)->obj;				\
		(obj)->stats_fd = bpf_map__fd((skel)->maps.stats);	\
		(obj)->extremes_fd = bpf_map__fd((skel)->maps.extremes); \
		(obj)->followed_fd = bpf_map__fd((skel)->maps.followed); \
		(obj)->stage_fd = -1;					\
	} while (0)

/*
 * The programs each row depends on, for backends with an entry and an
 * exit program per path function, named as in fentry.bpf.c and
 * kprobe.bpf.c.
 */
#define SKEL_SET_PATH_PROGS(obj, skel)					\
	do {								\
		struct bpf_program *e_[NR_PATHS] = {			\
			[PATH_UNIX_CONNECT] = (skel)->progs.unix_connect_entry, \
			[PATH_UNIX_SEND] = (skel)->progs.unix_send_entry, \
			[PATH_TCP_LOOPBACK] = (skel)->progs.tcp_send_entry, \
			[PATH_TCP_REMOTE] = (skel)->progs.tcp_send_entry, \
			[PATH_UNIX_RECV] = (skel)->progs.unix_recv_entry, \
			[PATH_TCP_RECV_LOOPBACK] = (skel)->progs.tcp_recv_entry, \
			[PATH_TCP_RECV_REMOTE] = (skel)->progs.tcp_recv_entry, \
		};							\
		struct bpf_program *x_[NR_PATHS] = {			\
			[PATH_UNIX_CONNECT] = (skel)->progs.unix_connect_exit, \
			[PATH_UNIX_SEND] = (skel)->progs.unix_send_exit, \
			[PATH_TCP_LOOPBACK] = (skel)->progs.tcp_send_exit, \
			[PATH_TCP_REMOTE] = (skel)->progs.tcp_send_exit, \
			[PATH_UNIX_RECV] = (skel)->progs.unix_recv_exit, \
			[PATH_TCP_RECV_LOOPBACK] = (skel)->progs.tcp_recv_exit, \
			[PATH_TCP_RECV_REMOTE] = (skel)->progs.tcp_recv_exit, \
		};							\
		for (int p_ = 0; p_ < NR_PATHS; p_++) {			\
			(obj)->progs[p_][0] = e_[p_];			\
			(obj)->progs[p_][1] = x_[p_];			\
		}							\
	} while (0)

#endif /* UDSTRACE_SKEL_COMMON_H */
