/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Picks a backend per path, starts the BPF objects that serve them, and
 * tells the snapshot code where each path's counters live.
 */
#ifndef UDSTRACE_TRACER_H
#define UDSTRACE_TRACER_H

#include <stdbool.h>
#include "backend.h"
#include "snapshot.h"
#include "target.h"

/* Room for every backend's reason, as in "fentry: ...; kprobe: ..." */
#define REASONS_LEN (NR_BACKENDS * REASON_LEN)

struct path_choice {
	enum backend_kind backend;
	char probe[REASON_LEN];		/* what it attaches to */
	char skipped[REASONS_LEN];	/* backends passed over, and why */
};

struct tracer {
	enum backend_kind want;		/* a backend, or BACKEND_AUTO */
	/* auto: backends that failed to load or attach here, and why */
	bool failed[NR_BACKENDS];
	char failed_why[NR_BACKENDS][REASON_LEN];
	struct path_choice choice[NR_PATHS];
	bool stages;
	struct stage_choice stage[NR_BACKENDS][NR_STAGES];
	int run_time_fd;	/* BPF_ENABLE_STATS(RUN_TIME) while it runs, or -1 */
	/* --bpf-stats: time the programs without --stages too (set before start) */
	bool run_stats;
	/* a window of user/bpf_cost.c has the statistics on for now */
	bool cost_window;
	struct backend_obj obj[NR_BACKENDS];
	bool started[NR_BACKENDS];
	int followed_fd;
};

/*
 * Chooses for every path: @want itself, or with BACKEND_AUTO the first
 * that can serve it. On failure, -errno and "backend: reason" in @err.
 */
int tracer_choose(struct tracer *t, enum backend_kind want, char *err,
		  size_t len);
/*
 * Loads and attaches the chosen backends. With auto, a backend that fails
 * is dropped and its paths go to the next backend that can serve them, so
 * the choices afterwards are what really runs. On failure, -errno and the
 * reasons in @err; tracer_stop() is still due.
 */
int tracer_start(struct tracer *t, const struct target *tg, char *err,
		 size_t len);
/*
 * Adds a process to the traced set (FILTER_FOLLOW: the command, FILTER_TGID:
 * the -p target), or removes it. Nothing to do when only the module runs:
 * it filters by its own parameter.
 */
int tracer_follow(struct tracer *t, pid_t pid);
/*
 * Fills every BPF backend's -c and --cgroup maps (bpf/target.bpf.h):
 * @comms zero-padded names, @cgroup_fds open cgroup2 directories. Until
 * then a filter set in the rodata lets nothing through.
 */
int tracer_filter(struct tracer *t, const char comms[][COMM_LEN], int nr_comms,
		  const int *cgroup_fds, int nr_cgroups);
int tracer_forget(struct tracer *t, pid_t pid);
/*
 * Reads every path from its backend. With @interval, min/max are those
 * since the previous interval read rather than the run's.
 */
int tracer_read(struct tracer *t, struct snapshot *out, bool interval);
/*
 * Does a started backend want to look at its counters between reports
 * (tracer_poll, every 100 ms or so)? kmod does, to notice a reset or an
 * unload of the module soon and lose as few calls as it can.
 */
bool tracer_polled(const struct tracer *t);
/*
 * --time-sample: does some backend time calls in windows only (the
 * tracepoint backend on 6.3+)? tracer_time_window opens or closes them.
 */
bool tracer_time_sampled(const struct tracer *t);
int tracer_time_window(struct tracer *t, bool open);
int tracer_poll(struct tracer *t);
void tracer_stop(struct tracer *t);
/*
 * Time the kernel spent running our BPF programs since start, and how
 * many runs: needs kernel.bpf_stats_enabled, which --stages turns on.
 */
void tracer_prog_time(const struct tracer *t, __u64 *run_ns, __u64 *runs);
/*
 * The same, and in @bound_ns the part of the programs that open or close
 * a call's timed window (sys_enter and sys_exit, a path function's entry
 * and exit programs), which their clock reads split across its edges.
 */
void tracer_prog_time_split(const struct tracer *t, __u64 *run_ns,
			    __u64 *runs, __u64 *bound_ns);
/* How @row's backend sees @stage (valid after tracer_start with stages). */
const struct stage_choice *tracer_stage(const struct tracer *t, int row,
					enum stage stage);

#endif /* UDSTRACE_TRACER_H */
