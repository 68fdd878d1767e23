// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * prog-cost: runs a command with the kernel's BPF run-time statistics on
 * (BPF_ENABLE_STATS, held by this process only for the command's run) and
 * prints, for every BPF program that ran meanwhile, its name, how many
 * times it ran and its mean ns per run, as the kernel's bpf_stats count
 * them. For bench/run.sh progcost: where a mode's cost above its floor
 * goes, program by program.
 *
 *   prog-cost [-p PID] CMD [ARG...]
 *
 * With -p, only the programs process PID holds (an fd of the program or
 * of a link to it): those of one tracer, not of others on the machine.
 * Output, on stdout after the command's own: "@prog NAME RUNS NS_PER_RUN".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/wait.h>
#include <bpf/bpf.h>

#define MAX_PROGS 4096

struct prog_stat {
	__u32 id;
	char name[BPF_OBJ_NAME_LEN];
	__u64 cnt, ns;
};

static __u32 owned[MAX_PROGS];
static int nr_owned = -1;	/* -1: every program */

/* The program ids process @pid holds, from its fds' fdinfo, into owned[]. */
static int find_owned(const char *pid)
{
	char path[320], line[128];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%s/fdinfo", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	nr_owned = 0;
	while ((d = readdir(dir)) && nr_owned < MAX_PROGS) {
		unsigned int id;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", pid, d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "prog_id: %u", &id) == 1)
				owned[nr_owned++] = id;
		fclose(f);
	}
	closedir(dir);
	return 0;
}

static int is_owned(__u32 id)
{
	for (int i = 0; i < nr_owned; i++)
		if (owned[i] == id)
			return 1;
	return nr_owned < 0;
}

/* The counters of every program asked for into @s; how many. */
static int snapshot(struct prog_stat *s)
{
	__u32 id = 0;
	int n = 0;

	while (n < MAX_PROGS && !bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd;

		if (!is_owned(id))
			continue;
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;	/* unloaded meanwhile */
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			s[n].id = id;
			memcpy(s[n].name, info.name, sizeof(s[n].name));
			s[n].cnt = info.run_cnt;
			s[n].ns = info.run_time_ns;
			n++;
		}
		close(fd);
	}
	return n;
}

int main(int argc, char **argv)
{
	static struct prog_stat before[MAX_PROGS], after[MAX_PROGS];
	int stats_fd, nb, na, status;
	pid_t pid;

	if (argc > 2 && !strcmp(argv[1], "-p")) {
		if (find_owned(argv[2])) {
			fprintf(stderr, "prog-cost: no process %s\n", argv[2]);
			return 2;
		}
		argv += 2;
		argc -= 2;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: prog-cost [-p PID] CMD [ARG...]\n");
		return 2;
	}
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		fprintf(stderr, "prog-cost: cannot enable bpf_stats: %s\n", strerror(errno));
		return 1;
	}
	nb = snapshot(before);
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		close(stats_fd);
		execvp(argv[1], argv + 1);
		fprintf(stderr, "prog-cost: %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	na = snapshot(after);
	close(stats_fd);
	fflush(stdout);
	for (int a = 0; a < na; a++)
		for (int b = 0; b < nb; b++) {
			__u64 cnt = after[a].cnt - before[b].cnt;

			if (after[a].id != before[b].id)
				continue;
			if (cnt)
				printf("@prog %s %llu %.1f\n", after[a].name, cnt,
				       (double)(after[a].ns - before[b].ns) / cnt);
			break;
		}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
