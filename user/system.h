/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the running kernel and this process can do, checked before loading. */
#ifndef UDSTRACE_SYSTEM_H
#define UDSTRACE_SYSTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

/*
 * 0 if the effective set has CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) and,
 * before 5.11, RLIMIT_MEMLOCK could be lifted; else -EPERM and, in @why,
 * what is missing.
 */
int bpf_privileges(char *why, size_t len);
/*
 * 0 if the kprobe backend may make and attach its tracefs events too; else
 * -errno and, in @why, the capability or setting that is missing.
 */
int kprobe_privileges(char *why, size_t len);
bool have_kernel_btf(void);
/* uname -r */
const char *kernel_release(void);
/*
 * The nsfs device and inode of our PID namespace, or 0 and 0 in the
 * initial one (where BPF's plain tgids are already ours).
 */
void pidns_self(__u64 *dev, __u64 *ino);
/* 0 if @pid names a live process, else -errno (-ESRCH if there is none). */
int process_exists(pid_t pid);
/*
 * From /proc/@pid/status: the thread group @pid belongs to (a thread's
 * id also has a status file) and its state letter. 0, or -ESRCH if there
 * is no such task, or -errno.
 */
int process_status(pid_t pid, pid_t *tgid, char *state);
/* Has process @pid ended (gone, or a zombie nobody has reaped yet)? */
bool process_ended(pid_t pid);

#endif /* UDSTRACE_SYSTEM_H */
