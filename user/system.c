// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "system.h"

/* Capability numbers (linux/capability.h), from a header-free build. */
#define CAP_SYS_ADMIN 21
#define CAP_PERFMON 38
#define CAP_BPF 39
/* The initial PID namespace's inode number (include/linux/proc_ns.h). */
#define PROC_PID_INIT_INO 0xEFFFFFFCU

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

/*
 * What the kernel checks, not who we are: a root without them (a container,
 * setpriv --inh-caps=-all) fails as surely as anyone. CAP_SYS_ADMIN stands in
 * for both, as it does in the kernel (bpf_capable, perfmon_capable), and is
 * what root has on kernels before 5.8, which lack CAP_BPF and CAP_PERFMON.
 */
int bpf_privileges(char *why, size_t len)
{
	unsigned long long caps = effective_caps();
	bool admin = caps & (1ULL << CAP_SYS_ADMIN);
	bool bpf = admin || (caps & (1ULL << CAP_BPF));
	bool perfmon = admin || (caps & (1ULL << CAP_PERFMON));

	if (bpf && perfmon)
		return 0;
	snprintf(why, len, "needs CAP_BPF and CAP_PERFMON, missing %s; run as root or grant them",
		 bpf ? "CAP_PERFMON" : perfmon ? "CAP_BPF" : "both");
	return -EPERM;
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
