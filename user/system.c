// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "kprobe_events.h"
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

static bool kernel_before(int major, int minor)
{
	int ma, mi;

	if (sscanf(kernel_release(), "%d.%d", &ma, &mi) != 2)
		return false;
	return ma < major || (ma == major && mi < minor);
}

/*
 * Before 5.11 the kernel charges BPF maps and programs to RLIMIT_MEMLOCK,
 * not to the memory cgroup, and the usual limit (64 KiB, 8 MiB) is far too
 * small. Lifting it, as libbpf also tries, takes CAP_SYS_RESOURCE unless
 * the hard limit is already unlimited.
 */
static int memlock_ready(char *why, size_t len)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	if (!kernel_before(5, 11) || !setrlimit(RLIMIT_MEMLOCK, &rl))
		return 0;
	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		rl.rlim_cur = 0;
	snprintf(why, len, "needs CAP_SYS_RESOURCE on this kernel: before 5.11, BPF maps count against RLIMIT_MEMLOCK (%llu KiB here); or run it under ulimit -l unlimited",
		 (unsigned long long)rl.rlim_cur / 1024);
	return -EPERM;
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

	if (!bpf || !perfmon) {
		snprintf(why, len, "needs CAP_BPF and CAP_PERFMON, missing %s; run as root or grant them",
			 bpf ? "CAP_PERFMON" : perfmon ? "CAP_BPF" : "both");
		return -EPERM;
	}
	return memlock_ready(why, len);
}

/* kernel.perf_event_paranoid, or 2 (the upstream default) if unreadable. */
static int perf_event_paranoid(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	int level = 2;

	if (f) {
		if (fscanf(f, "%d", &level) != 1)
			level = 2;
		fclose(f);
	}
	return level;
}

/*
 * The kprobe backend writes its events into tracefs's kprobe_events, root's
 * file in a directory of mode 0700, so it needs uid 0 or CAP_DAC_OVERRIDE;
 * it mounts tracefs where it is not mounted (CAP_SYS_ADMIN); and it
 * attaches through perf_event_open, which Debian's kernels keep to
 * CAP_SYS_ADMIN while kernel.perf_event_paranoid is 3, their default.
 * Checked here so that a run or --check names what is missing. The
 * addresses in /proc/kallsyms are not needed (only the names), so
 * CAP_SYSLOG is not.
 */
int kprobe_privileges(char *why, size_t len)
{
	bool admin = effective_caps() & (1ULL << CAP_SYS_ADMIN);
	const char *events = TRACEFS "/kprobe_events";
	int level;

	if (faccessat(AT_FDCWD, events, W_OK, AT_EACCESS)) {
		int err = errno;

		if (err != ENOENT) {
			snprintf(why, len, "cannot write %s: %s (needs uid 0 or CAP_DAC_OVERRIDE)",
				 events, strerror(err));
			return -err;
		}
		if (!admin) {
			snprintf(why, len, "tracefs is not mounted on %s, and mounting it needs CAP_SYS_ADMIN",
				 TRACEFS);
			return -EPERM;
		}
	}
	level = perf_event_paranoid();
	if (level > 2 && !admin) {
		snprintf(why, len, "perf_event_open needs CAP_SYS_ADMIN while kernel.perf_event_paranoid is %d (2 would do)",
			 level);
		return -EPERM;
	}
	return 0;
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
