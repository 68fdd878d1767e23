/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Kernel-side facts and plumbing for kprobes: symbol lookup in kallsyms
 * (suffixed names included), the kprobe blacklist, and kprobe events made
 * through tracefs so that a kretprobe's maxactive can be raised.
 */
#ifndef UDSTRACE_KPROBE_EVENTS_H
#define UDSTRACE_KPROBE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include <bpf/libbpf.h>

#define TRACEFS "/sys/kernel/tracing"
#define KSYM_LEN 128

/* 0 if the kernel has kprobes, else -EOPNOTSUPP and the reason. */
int kprobes_supported(char *why, size_t len);
/*
 * Finds each of @funcs in /proc/kallsyms as itself or as a copy the
 * compiler made (".constprop.0", ".isra.0"; never a ".part.N" or ".cold"
 * fragment), in one pass over the file; malformed lines are skipped. The name
 * found goes to @syms[i], and @rets[i] is 0 or -ENOENT. 0, or -errno if
 * kallsyms cannot be read.
 */
int ksym_resolve(const char *const funcs[], int n, char syms[][KSYM_LEN],
		 int rets[]);
/* The same from @f, text in the format of /proc/kallsyms. */
int ksym_resolve_file(FILE *f, const char *const funcs[], int n,
		      char syms[][KSYM_LEN], int rets[]);
/* Is @sym listed in the kprobe blacklist (when debugfs shows it)? */
bool kprobe_blacklisted(const char *sym);
/* Is @sym listed in @f, text in the format of the kprobe blacklist? */
bool kprobe_blacklist_find(FILE *f, const char *sym);
/* Mounts tracefs at TRACEFS unless it is there already. */
int tracefs_ensure(void);

/*
 * Removes the kprobe events that udstrace runs left behind when they were
 * killed (SIGKILL): those whose run has ended. The number removed, or
 * -errno if kprobe_events cannot be read.
 */
int kprobe_events_remove_stale(void);

/* tracefs takes event names of up to 63 characters. */
#define KPROBE_EVENT_LEN 64

/*
 * One line of kprobe_events, "p:GROUP/NAME SYMBOL..." or "rN:..." for a
 * kretprobe (kernel/trace/trace_kprobe.c, trace_kprobe_show): true for one
 * of udstrace's events, with its name, and the PID namespace inode and pid
 * of the run that made it, or 0 and 0 if the name does not say.
 */
bool kprobe_event_line(const char *line, char name[KPROBE_EVENT_LEN],
		       unsigned long long *ns, int *pid);

/* The largest maxactive the kernel takes (trace_kprobe.c, since 4.12). */
#define KRETPROBE_MAXACTIVE_MAX 4096

/*
 * The maxactive for @ncpu possible CPUs: instances for 8 sleeping calls
 * per CPU, at least 64, at most KRETPROBE_MAXACTIVE_MAX (the kernel
 * refuses more). @want, a positive number (UDSTRACE_KPROBE_MAXACTIVE, for
 * the tests), overrides that, within the same bound.
 */
int kretprobe_maxactive_for(int ncpu, const char *want);

/* One kprobe event of ours and the BPF link on it. */
struct kprobe_event {
	char name[KPROBE_EVENT_LEN];	/* kprobes/<name> in tracefs */
	struct bpf_link *link;
};

/*
 * Creates a kprobe (or, with @retprobe, a kretprobe allowing @maxactive
 * instances) on @sym and attaches @prog to it.
 */
int kprobe_event_attach(struct kprobe_event *ev, struct bpf_program *prog,
			const char *sym, bool retprobe, int maxactive);
/* Misses the kernel counted for the event (kprobe_profile), or 0. */
__u64 kprobe_event_missed(const struct kprobe_event *ev);
/*
 * The misses of @event in @f, text in the format of kprobe_profile: 0, or
 * -ENOENT if no well-formed line names it.
 */
int kprobe_profile_missed(FILE *f, const char *event, __u64 *missed);
/* The number in @f, text in the format of a tracefs event's id, or -EINVAL. */
int kprobe_event_id_parse(FILE *f);
void kprobe_event_detach(struct kprobe_event *ev);

#endif /* UDSTRACE_KPROBE_EVENTS_H */
