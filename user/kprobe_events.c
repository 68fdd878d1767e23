// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libbpf's own kprobe attach (1.1) cannot set a kretprobe's maxactive, and
 * the default of max(10, 2 * CPUs) loses returns when more threads sleep
 * in tcp_sendmsg at once. So the events are made by hand through tracefs,
 * the way perf-probe does, and the BPF program is attached to them.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "kprobe_events.h"

int kprobes_supported(char *why, size_t len)
{
	if (!faccessat(AT_FDCWD, "/sys/bus/event_source/devices/kprobe", F_OK, AT_EACCESS) ||
	    !faccessat(AT_FDCWD, TRACEFS "/kprobe_events", F_OK, AT_EACCESS))
		return 0;
	snprintf(why, len, "no kprobe support in this kernel (CONFIG_KPROBES off)");
	return -EOPNOTSUPP;
}

int ksym_resolve(const char *const funcs[], int n, char syms[][KSYM_LEN],
		 int rets[])
{
	char name[KSYM_LEN], type;
	unsigned long long addr;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return -errno;
	for (int i = 0; i < n; i++)
		rets[i] = -ENOENT;
	while (fscanf(f, "%llx %c %127s%*[^\n]", &addr, &type, name) == 3) {
		if (type != 't' && type != 'T')
			continue;
		for (int i = 0; i < n; i++) {
			size_t len = strlen(funcs[i]);

			if (strncmp(name, funcs[i], len) ||
			    (name[len] && name[len] != '.'))
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
	fclose(f);
	for (int i = 0; i < n; i++)
		if (rets[i] > 0)
			rets[i] = 0;
	return 0;
}

bool kprobe_blacklisted(const char *sym)
{
	char line[256], name[KSYM_LEN];
	bool found = false;
	FILE *f = fopen("/sys/kernel/debug/kprobes/blacklist", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %127s", name) == 1 && !strcmp(name, sym);
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

static int read_event_id(const char *name)
{
	char path[256];
	int id = -1;
	FILE *f;

	snprintf(path, sizeof(path), TRACEFS "/events/kprobes/%s/id", name);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (fscanf(f, "%d", &id) != 1)
		id = -EINVAL;
	fclose(f);
	return id;
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
	int err, id, pfd;

	/* Our pid in the name keeps two udstrace runs apart. */
	snprintf(ev->name, sizeof(ev->name), "udstrace_%d_%.32s_%s", getpid(),
		 sym, retprobe ? "ret" : "entry");
	for (char *c = ev->name; *c; c++)
		if (*c == '.')
			*c = '_';
	if (retprobe)
		snprintf(prefix, sizeof(prefix), "r%d", maxactive);
	snprintf(cmd, sizeof(cmd), "%s:kprobes/%s %s\n", prefix, ev->name, sym);
	err = write_kprobe_events(cmd);
	if (err)
		return err;
	id = read_event_id(ev->name);
	if (id < 0) {
		err = id;
		goto remove;
	}
	attr.config = id;
	pfd = syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0) {
		err = -errno;
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

__u64 kprobe_event_missed(const struct kprobe_event *ev)
{
	unsigned long long hits, misses, found = 0;
	char line[256], name[128];
	FILE *f;

	if (!ev->name[0])
		return 0;
	f = fopen(TRACEFS "/kprobe_profile", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %llu %llu", name, &hits, &misses) == 3 &&
		    !strcmp(name, ev->name))
			found = misses;
	fclose(f);
	return found;
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
