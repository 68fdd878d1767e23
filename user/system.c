// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "system.h"

#define CAP_PERFMON 38
/* The initial PID namespace's inode number (include/linux/proc_ns.h). */
#define PROC_PID_INIT_INO 0xEFFFFFFCU
#define CAP_BPF 39

/* Reads CapEff from /proc/self/status; libcap would be a dependency for one field. */
static unsigned long long effective_caps(void)
{
	unsigned long long caps = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps;
}

bool have_bpf_privileges(void)
{
	unsigned long long need = (1ULL << CAP_BPF) | (1ULL << CAP_PERFMON);

	return geteuid() == 0 || (effective_caps() & need) == need;
}

bool have_kernel_btf(void)
{
	return access(VMLINUX_BTF, R_OK) == 0;
}

const char *kernel_release(void)
{
	static struct utsname u;

	if (!u.release[0] && uname(&u))
		return "unknown";
	return u.release;
}

int process_exists(pid_t pid)
{
	if (kill(pid, 0) == 0 || errno == EPERM)
		return 0;
	return -errno;
}

int process_status(pid_t pid, pid_t *tgid, char *state)
{
	char path[64], line[256];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (found < 2 && fgets(line, sizeof(line), f))
		found += sscanf(line, "Tgid: %d", tgid) == 1 ||
			 sscanf(line, "State: %c", state) == 1;
	fclose(f);
	return found == 2 ? 0 : -EINVAL;
}

bool process_ended(pid_t pid)
{
	pid_t tgid;
	char state;
	int err = process_status(pid, &tgid, &state);

	if (err == -ESRCH)
		return true;
	if (err)	/* no /proc to ask: a zombie then looks alive */
		return process_exists(pid) == -ESRCH;
	return state == 'Z' || state == 'X';
}

void pidns_self(__u64 *dev, __u64 *ino)
{
	struct stat st;

	*dev = *ino = 0;
	if (stat("/proc/self/ns/pid", &st) || st.st_ino == PROC_PID_INIT_INO)
		return;
	*dev = st.st_dev;
	*ino = st.st_ino;
}
