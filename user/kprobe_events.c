// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libbpf's own kprobe attach (1.1) cannot set a kretprobe's maxactive, and
 * the default of max(10, 2 * CPUs) loses returns when more threads sleep
 * in tcp_sendmsg at once. So the events are made by hand through tracefs,
 * the way perf-probe does, and the BPF program is attached to them.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "kprobe_events.h"

/*
 * Our events are kprobes/udstrace_<pidns inode>_<pid>_<function>_<kind>:
 * a pid alone repeats across PID namespaces (every container has a 1).
 */
#define EVENT_PREFIX "udstrace_"
/* Stale events removed per start; more are left for the next one. */
#define MAX_STALE 256
/* Times an event is made again when it vanishes before it is in use. */
#define ATTACH_TRIES 3

int kprobes_supported(char *why, size_t len)
{
	if (!faccessat(AT_FDCWD, "/sys/bus/event_source/devices/kprobe", F_OK, AT_EACCESS) ||
	    !faccessat(AT_FDCWD, TRACEFS "/kprobe_events", F_OK, AT_EACCESS))
		return 0;
	snprintf(why, len, "no kprobe support in this kernel (CONFIG_KPROBES off)");
	return -EOPNOTSUPP;
}

/*
 * One line of /proc/kallsyms, "%px %c %s" and for a module "\t[%s]" after
 * (kernel/kallsyms.c, s_show): the type and the name, or false for a line
 * that is not of that form or whose name does not fit @name.
 */
static bool ksym_line(const char *line, char *type, char name[KSYM_LEN])
{
	const char *p = line, *end;
	char *num_end;

	strtoull(p, &num_end, 16);
	if (num_end == p || *num_end != ' ' || !num_end[1] || num_end[2] != ' ')
		return false;
	*type = num_end[1];
	p = num_end + 3;
	end = p + strcspn(p, " \t\n");
	if (end == p || end - p >= KSYM_LEN || (*end && *end != '\t' && *end != '\n'))
		return false;
	memcpy(name, p, end - p);
	name[end - p] = '\0';
	return true;
}

/*
 * Is @suffix (".isra.0", ".constprop.0", ".llvm.123") a whole copy of the
 * function made by the compiler? A ".part.N" is only the outlined rest of a
 * function inlined into its callers, and a ".cold" its unlikely branches:
 * a probe there would see only some calls, or none, so neither is used.
 */
static bool ksym_clone(const char *suffix)
{
	return suffix[0] == '.' && !strstr(suffix, ".part.") &&
	       !strstr(suffix, ".cold");
}

int ksym_resolve_file(FILE *f, const char *const funcs[], int n,
		      char syms[][KSYM_LEN], int rets[])
{
	char name[KSYM_LEN], type, *line = NULL;
	size_t cap = 0;

	for (int i = 0; i < n; i++)
		rets[i] = -ENOENT;
	while (getline(&line, &cap, f) > 0) {
		if (!ksym_line(line, &type, name) || (type != 't' && type != 'T'))
			continue;
		for (int i = 0; i < n; i++) {
			size_t len = strlen(funcs[i]);

			if (strncmp(name, funcs[i], len) ||
			    (name[len] && !ksym_clone(name + len)))
				continue;
			/* The plain name (1: final) wins over a suffixed one. */
			if (!name[len] && rets[i] != 1)
				rets[i] = 1;
			else if (name[len] && rets[i] == -ENOENT)
				rets[i] = 0;
			else
				continue;
			snprintf(syms[i], KSYM_LEN, "%s", name);
		}
	}
	free(line);
	for (int i = 0; i < n; i++)
		if (rets[i] > 0)
			rets[i] = 0;
	return 0;
}

int ksym_resolve(const char *const funcs[], int n, char syms[][KSYM_LEN],
		 int rets[])
{
	FILE *f = fopen("/proc/kallsyms", "r");
	int err;

	if (!f)
		return -errno;
	err = ksym_resolve_file(f, funcs, n, syms, rets);
	fclose(f);
	return err;
}

/*
 * A line of the blacklist is "0x%px-0x%px\t%ps\n" (kernel/kprobes.c,
 * kprobe_blacklist_seq_show): the range, a tab, the symbol, and for a
 * module's symbol " [module]" after it.
 */
bool kprobe_blacklist_find(FILE *f, const char *sym)
{
	size_t len = strlen(sym), cap = 0;
	char *line = NULL, *name;
	bool found = false;

	while (!found && getline(&line, &cap, f) > 0) {
		unsigned long long start, end;
		int n = 0;

		if (sscanf(line, "0x%llx-0x%llx%n", &start, &end, &n) != 2 ||
		    line[n] != '\t')
			continue;
		name = line + n + 1;
		found = !strncmp(name, sym, len) &&
			(name[len] == '\n' || name[len] == ' ' || !name[len]);
	}
	free(line);
	return found;
}

bool kprobe_blacklisted(const char *sym)
{
	FILE *f = fopen("/sys/kernel/debug/kprobes/blacklist", "r");
	bool found;

	if (!f)
		return false;
	found = kprobe_blacklist_find(f, sym);
	fclose(f);
	return found;
}

/*
 * AT_EACCESS: the effective ids and capabilities decide, as they do for the
 * open that follows (plain access() would ask about a capability-less real
 * uid). Only a tracefs that is not there is mounted; one we may not reach
 * is not ours to change.
 */
int tracefs_ensure(void)
{
	if (!faccessat(AT_FDCWD, TRACEFS "/kprobe_events", F_OK, AT_EACCESS))
		return 0;
	if (errno != ENOENT)
		return -errno;
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL) && errno != EBUSY)
		return -errno;
	return faccessat(AT_FDCWD, TRACEFS "/kprobe_events", F_OK, AT_EACCESS) ? -errno : 0;
}

static int write_kprobe_events(const char *cmd)
{
	int fd = open(TRACEFS "/kprobe_events", O_WRONLY | O_APPEND | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, cmd, strlen(cmd));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* Our PID namespace's inode, or 0 if /proc cannot tell. */
static unsigned long long pidns_inode(void)
{
	struct stat st;

	return stat("/proc/self/ns/pid", &st) ? 0 : st.st_ino;
}

/*
 * "NS_PID_" at @s, two decimal numbers, each ended by '_': false for
 * anything else. Not sscanf's "%llu_%d_": it takes "4_4x" for 4 and 4
 * (nothing checks a literal after the last conversion), and an int that
 * overflows is undefined behaviour.
 */
static bool event_owner(const char *s, unsigned long long *ns, int *pid)
{
	unsigned long long n, p;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || *end != '_' || !isdigit((unsigned char)end[1]))
		return false;
	p = strtoull(end + 1, &end, 10);
	if (errno || *end != '_' || !p || p > INT_MAX)
		return false;
	*ns = n;
	*pid = p;
	return true;
}

bool kprobe_event_line(const char *line, char name[KPROBE_EVENT_LEN],
		       unsigned long long *ns, int *pid)
{
	static const char group[] = ":kprobes/" EVENT_PREFIX;
	const char *p = line + 1;
	size_t len;

	if (line[0] != 'p' && line[0] != 'r')
		return false;
	while (isdigit((unsigned char)*p))	/* a kretprobe's maxactive */
		p++;
	if (strncmp(p, group, strlen(group)))
		return false;
	p += strlen(":kprobes/");
	len = strcspn(p, " \n");
	if (len >= KPROBE_EVENT_LEN || p[len] != ' ')
		return false;
	memcpy(name, p, len);
	name[len] = '\0';
	if (!event_owner(name + strlen(EVENT_PREFIX), ns, pid))
		*ns = *pid = 0;
	return true;
}

/*
 * Is the udstrace that made an event known to have ended? Only a run in
 * our own PID namespace can be looked up. Events of other namespaces (and
 * names of an older form) are left to runs there: removing one in the
 * short time between its making and its opening would break that run.
 */
static bool owner_ended(unsigned long long ns, int pid, unsigned long long our_ns)
{
	if (!pid || ns != our_ns)
		return false;
	return kill(pid, 0) && errno == ESRCH;
}

int kprobe_events_remove_stale(void)
{
	static char stale[MAX_STALE][KPROBE_EVENT_LEN];
	unsigned long long our_ns = pidns_inode(), ns;
	char cmd[128], *line = NULL;
	int n = 0, removed = 0, pid;
	size_t cap = 0;
	FILE *f = fopen(TRACEFS "/kprobe_events", "r");

	if (!f)
		return -errno;
	/* Read all first: removing while reading would shift the lines. */
	while (n < MAX_STALE && getline(&line, &cap, f) > 0)
		if (kprobe_event_line(line, stale[n], &ns, &pid) &&
		    owner_ended(ns, pid, our_ns))
			n++;
	free(line);
	fclose(f);
	for (int i = 0; i < n; i++) {
		snprintf(cmd, sizeof(cmd), "-:kprobes/%.63s\n", stale[i]);
		if (!write_kprobe_events(cmd))
			removed++;
	}
	return removed;
}

int kprobe_event_id_parse(FILE *f)
{
	char line[32], *end;
	long id;

	if (!fgets(line, sizeof(line), f))
		return -EINVAL;
	errno = 0;
	id = strtol(line, &end, 10);
	/*
	 * The kernel writes "%d\n" of a number it hands out from 1 up. Anything
	 * else is refused: a negative number would pass for an errno, and one
	 * that does not fit an int is undefined behaviour for fscanf's %d.
	 */
	if (errno || end == line || (*end && *end != '\n') || id < 0 || id > INT_MAX)
		return -EINVAL;
	return id;
}

static int read_event_id(const char *name)
{
	char path[256];
	FILE *f;
	int id;

	snprintf(path, sizeof(path), TRACEFS "/events/kprobes/%s/id", name);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	id = kprobe_event_id_parse(f);
	fclose(f);
	return id;
}

int kretprobe_maxactive_for(int ncpu, const char *want)
{
	char *end;
	long n;

	if (want && *want) {
		errno = 0;
		n = strtol(want, &end, 10);
		if (!errno && !*end && n > 0)
			return n < KRETPROBE_MAXACTIVE_MAX ? n : KRETPROBE_MAXACTIVE_MAX;
	}
	if (ncpu <= 8)
		return 64;
	return ncpu < KRETPROBE_MAXACTIVE_MAX / 8 ? 8 * ncpu : KRETPROBE_MAXACTIVE_MAX;
}

int kprobe_event_attach(struct kprobe_event *ev, struct bpf_program *prog,
			const char *sym, bool retprobe, int maxactive)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = PERF_TYPE_TRACEPOINT,
		.sample_period = 1,
		.wakeup_events = 1,
	};
	char cmd[256], prefix[16] = "p";
	int err, id, pfd = -ENOENT;

	/* Our PID namespace and pid in the name keep udstrace runs apart. */
	snprintf(ev->name, sizeof(ev->name), EVENT_PREFIX "%llu_%d_%.24s_%s",
		 pidns_inode(), getpid(), sym, retprobe ? "ret" : "entry");
	for (char *c = ev->name; *c; c++)
		if (*c == '.')
			*c = '_';
	if (retprobe)
		snprintf(prefix, sizeof(prefix), "r%d", maxactive);
	snprintf(cmd, sizeof(cmd), "%s:kprobes/%s %s\n", prefix, ev->name, sym);
	/*
	 * Until the perf event is open, a udstrace starting in a PID namespace
	 * we cannot see may take our new event for stale and remove it: then
	 * it is made again.
	 */
	for (int i = 0; pfd == -ENOENT && i < ATTACH_TRIES; i++) {
		err = write_kprobe_events(cmd);
		if (err && !i)
			return err;
		id = read_event_id(ev->name);
		attr.config = id;
		pfd = id < 0 ? id : syscall(SYS_perf_event_open, &attr, -1, 0, -1,
					    PERF_FLAG_FD_CLOEXEC);
		if (pfd < 0 && id >= 0)
			pfd = -errno;
	}
	if (pfd < 0) {
		err = pfd;
		goto remove;
	}
	ev->link = bpf_program__attach_perf_event(prog, pfd);
	if (!ev->link) {
		err = -errno;
		close(pfd);
		goto remove;
	}
	return 0;
remove:
	snprintf(cmd, sizeof(cmd), "-:kprobes/%s\n", ev->name);
	write_kprobe_events(cmd);
	ev->name[0] = '\0';
	return err;
}

/* A decimal field of a line and the blanks before it; false if not one. */
static bool u64_field(const char **p, unsigned long long *v)
{
	char *end;

	*p += strspn(*p, " \t");
	if (!isdigit((unsigned char)**p))
		return false;
	errno = 0;
	*v = strtoull(*p, &end, 10);
	if (errno || !strchr(" \t\n", *end))
		return false;
	*p = end;
	return true;
}

/*
 * A line of kprobe_profile is "  %-44s %15lu %15lu\n": the event's name,
 * its hits and its misses (kernel/trace/trace_kprobe.c,
 * probes_profile_seq_show).
 */
int kprobe_profile_missed(FILE *f, const char *event, __u64 *missed)
{
	unsigned long long hits, miss;
	size_t len = strlen(event), cap = 0;
	char *line = NULL;
	const char *p;
	int err = -ENOENT;

	while (err && getline(&line, &cap, f) > 0) {
		p = line + strspn(line, " \t");
		if (strncmp(p, event, len) || !strchr(" \t", p[len]))
			continue;
		p += len;
		if (!u64_field(&p, &hits) || !u64_field(&p, &miss) ||
		    p[strspn(p, " \t\n")])
			continue;
		*missed = miss;
		err = 0;
	}
	free(line);
	return err;
}

__u64 kprobe_event_missed(const struct kprobe_event *ev)
{
	__u64 missed = 0;
	FILE *f;

	if (!ev->name[0])
		return 0;
	f = fopen(TRACEFS "/kprobe_profile", "r");
	if (!f)
		return 0;
	if (kprobe_profile_missed(f, ev->name, &missed))
		missed = 0;
	fclose(f);
	return missed;
}

void kprobe_event_detach(struct kprobe_event *ev)
{
	char cmd[128];

	bpf_link__destroy(ev->link);	/* closes the perf event */
	ev->link = NULL;
	if (!ev->name[0])
		return;
	snprintf(cmd, sizeof(cmd), "-:kprobes/%s\n", ev->name);
	write_kprobe_events(cmd);
	ev->name[0] = '\0';
}
