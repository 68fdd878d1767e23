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

void pidns_self(__u64 *dev, __u64 *ino)
{
	struct stat st;

	*dev = *ino = 0;
	if (stat("/proc/self/ns/pid", &st) || st.st_ino == PROC_PID_INIT_INO)
		return;
	*dev = st.st_dev;
	*ino = st.st_ino;
}
