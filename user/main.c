// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* udstrace: options, then the run loop. Everything else lives elsewhere. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "advice.h"
#include "calibrate.h"
#include "bpf_cost.h"
#include "check.h"
#include "command.h"
#include "conns.h"
#include "exporter.h"
#include "live.h"
#include "listeners_user.h"
#include "opts.h"
#include "output.h"
#include "owners.h"
#include "paths.h"
#include "sampler.h"
#include "system.h"
#include "tracer.h"

#define NSEC_PER_SEC 1000000000ULL
/*
 * How often the loop checks that a -p process is still there, and lets a
 * backend look at its counters (tracer_poll).
 */
#define POLL_NS (100 * 1000000ULL)

static bool verbose;

static int print_libbpf(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if (!verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void print_choices(const struct tracer *t)
{
	for (int p = 0; p < NR_PATHS; p++) {
		const struct path_choice *c = &t->choice[p];

		fprintf(stderr, "udstrace: %s: %s via %s", path_info[p].name,
			backend_ops(c->backend)->name, c->probe);
		if (c->skipped[0])
			fprintf(stderr, " (skipped %s)", c->skipped);
		fputc('\n', stderr);
	}
}

/* The state of one run, so the loop and the printers share it. */
struct run {
	struct opts *o;
	struct tracer tracer;
	struct command cmd;
	bool cmd_running;
	int cmd_status;
	/* -p: readable once the process exits; -1: /proc is asked instead */
	int pidfd[MAX_PIDS];
	bool pid_ended[MAX_PIDS];	/* -p: that process has ended */
	int nr_ended;			/* the run ends when all have */
	int cgroup_fd[MAX_CGROUPS];	/* --cgroup: the directories, open */
	bool out_gone;		/* stdout cannot be written: the run ends */
	struct exporter *ex;	/* --prometheus, or NULL */
	int sig_fd;		/* --prometheus: the stop signals and SIGCHLD, to poll */
	bool said_serving;	/* --prometheus: said the targets are gone */
	unsigned long long start_ns;
	struct snapshot last;	/* at the last interval */
	/* -P, --by-cgroup: read now, at the last interval, and shown */
	struct owners owners, owners_last, owners_shown;
	bool sampling;		/* --time-sample took effect */
	struct sampler sampler;
	unsigned long windows_skipped;	/* --time-sample windows that would not open */
	struct bpf_cost cost;	/* what our programs cost (--cost-sample) */
	struct live live;	/* -i on a terminal: the live view */
	struct conn_table conns_last;	/* -S live: the last interval's rows */
};

/*
 * --advise, at the end: the probes come off first, so that a calibration
 * run, if one is due, is not timed by two tracers at once.
 */
static struct advice *advise(struct run *r, const struct snapshot *s,
			     const struct conn_table *conns)
{
	enum backend_kind tcp = r->tracer.choice[PATH_TCP_LOOPBACK].backend;
	struct advice *a = calloc(1, sizeof(*a));

	if (!a) {
		fprintf(stderr, "udstrace: --advise: out of memory\n");
		return NULL;
	}
	tracer_stop(&r->tracer);
	/* The module keeps no per-connection rows: then the path's row. */
	if (conns && tcp != BACKEND_KMOD)
		advice_from_conns(a, s, conns);
	else
		advice_from_paths(a, s);
	/* The same backend times both: the same scope of time. */
	if (r->tracer.choice[PATH_UNIX_SEND].backend == tcp)
		advice_this_run(a, s);
	advice_finish(a, kernel_release(), tcp);
	return a;
}

/*
 * The breakdown the tables show (-P, --by-cgroup), or none: the kernel
 * may count one for --prometheus alone (opts_breakdown).
 */
static enum breakdown breakdown_asked(const struct opts *o)
{
	return o->per_process ? BREAKDOWN_PROC :
	       o->by_cgroup ? BREAKDOWN_CGROUP : BREAKDOWN_NONE;
}

/*
 * -P, --by-cgroup: the rows for this report, the run's or the
 * interval's (then kept for the next), named and sorted.
 */
static int read_owners(struct run *r, struct report *rep)
{
	int err;

	rep->breakdown = breakdown_asked(r->o);
	if (!rep->breakdown)
		return 0;
	err = owners_read(&r->tracer, &r->owners);
	if (!err && rep->final)
		err = owners_copy(&r->owners_shown, &r->owners);
	else if (!err)
		err = owners_delta(&r->owners, &r->owners_last, &r->owners_shown) ?:
		      owners_copy(&r->owners_last, &r->owners);
	if (err) {
		fprintf(stderr, "udstrace: reading the -P/--by-cgroup rows failed: %s\n",
			strerror(-err));
		return err;
	}
	if (rep->breakdown == BREAKDOWN_CGROUP) {
		owners_name_cgroups(&r->owners_shown, r->o->cgroups,
				    r->o->nr_cgroups);
		owners_merge_cgroup(&r->owners_shown);
	}
	owners_sort(&r->owners_shown, r->o->counts_only);
	rep->owners = &r->owners_shown;
	rep->top = r->o->top;
	rep->owners_max = owners_max();
	return 0;
}

/*
 * A frame of the live view: per connection with -S (each row names its
 * process and its peer's, so -P adds nothing there), else per process
 * with -P, else per path.
 */
static int live_frame(struct run *r, const struct report *rep,
		      const struct snapshot *cur)
{
	struct live *l = &r->live;
	enum top_kind kind = TOP_PATHS;
	struct conn_table conns;
	int nr, err;

	if (r->o->per_conn) {
		kind = TOP_CONNS;
		err = conns_read(&r->tracer, &conns);
		if (err) {
			fprintf(stderr, "udstrace: reading the per-connection rows failed: %s\n",
				strerror(-err));
			return err;
		}
		nr = top_conn_rows(&conns, &r->conns_last, &l->rows, &l->cap);
		conns_free(&r->conns_last);
		r->conns_last = conns;
	} else if (rep->breakdown == BREAKDOWN_PROC) {
		kind = TOP_PROCS;
		nr = top_owner_rows(&r->owners_shown, &r->owners, &l->rows, &l->cap);
	} else {
		nr = top_grow(&l->rows, &l->cap, NR_PATHS) ?:
		     top_path_rows(rep, cur, l->rows);
	}
	if (nr < 0) {
		fprintf(stderr, "udstrace: the live view: out of memory\n");
		return nr;
	}
	live_draw(l, rep, cur, kind, nr);
	return 0;
}

/* One table or object on stdout; a reader that went away (| head) ends the run. */
static int print_out(struct run *r, const struct report *rep)
{
	(r->o->json ? out_json : out_table)(stdout, rep);
	if (!ferror(stdout))
		return 0;
	r->out_gone = true;
	if (errno == EPIPE)
		return 0;
	fprintf(stderr, "udstrace: writing the report failed: %s\n", strerror(errno));
	return -errno;
}

static int print_report(struct run *r, bool final)
{
	struct snapshot cur, delta;
	struct conn_table conns;
	bool have_conns = false;
	unsigned long long now;
	struct report rep = {
		.tracer = &r->tracer,
		.kernel = kernel_release(),
		.final = final,
		.hist = r->o->hist,
		.explain = r->o->explain,
		.counts_only = r->o->counts_only,
		.time_sample_pct = r->sampling ? r->o->time_sample_pct : 0,
		.top = r->o->top,
		.subtract = r->o->subtract,
	};
	static struct listener_table listeners;
	int err;

	/*
	 * Before the final read, the cost: it covers every call it is of.
	 * The summary, or why there is none, goes on the normal screen.
	 */
	if (final) {
		cost_finish(&r->cost, &r->tracer, now_ns());
		rep.cost = &r->cost;
		live_stop(&r->live);
	}
	err = tracer_read(&r->tracer, &cur, !final);
	if (err) {
		fprintf(stderr, "udstrace: reading the counters failed: %s\n",
			strerror(-err));
		return err;
	}
	if (!err && r->o->listeners) {
		err = listeners_read(&r->tracer, &listeners);
		rep.listeners = &listeners;
	}
	if (err) {
		fprintf(stderr, "udstrace: reading the listener counters failed: %s\n",
			strerror(-err));
		return err;
	}
	now = now_ns();
	cur.elapsed_ns = now - r->start_ns;
	cur.sampled_ns = r->sampling ? sampler_open_ns(&r->sampler, now) : 0;
	/* Before --advise takes the probes off. */
	err = read_owners(r, &rep);
	if (err)
		return err;
	/*
	 * -S: the summary only; its rows are the run's, not an interval's.
	 * --advise ranks the same rows, shown or not.
	 */
	if (final && (r->o->per_conn || r->o->advise)) {
		err = conns_read(&r->tracer, &conns);
		if (err) {
			fprintf(stderr, "udstrace: reading the per-connection rows failed: %s\n",
				strerror(-err));
			return err;
		}
		have_conns = true;
		if (r->o->per_conn)
			rep.conns = &conns;
	}
	if (final) {
		rep.snap = &cur;
		if (r->o->advise)
			rep.advice = advise(r, &cur, have_conns ? &conns : NULL);
	} else {
		snapshot_delta(&cur, &r->last, &delta);
		r->last = cur;
		rep.snap = &delta;
	}
	if (r->live.on && !final)
		return live_frame(r, &rep, &cur);
	if (!r->out_gone)
		err = print_out(r, &rep);
	if (final && r->o->dot) {
		int dot_err = out_dot(r->o->dot, &rep);

		if (dot_err)
			fprintf(stderr, "udstrace: writing %s failed: %s\n", r->o->dot,
				strerror(-dot_err));
		err = err ?: dot_err;
	}
	/* The same snapshot as the summary, so the two agree to the ns. */
	if (final && r->o->folded) {
		int folded_err = out_folded(r->o->folded, &rep);

		if (folded_err)
			fprintf(stderr, "udstrace: writing %s failed: %s\n",
				r->o->folded, strerror(-folded_err));
		err = err ?: folded_err;
	}
	free((void *)rep.advice);
	if (have_conns)
		conns_free(&conns);
	return err;
}

/* The signals that end a run; blocked, and taken in the loop with sigtimedwait. */
static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
	/* The reader of stdout went away (| head): writes fail with EPIPE. */
	sigaddset(set, SIGPIPE);
}

/* True once the -p process has exited (its pidfd is readable). */
static bool pidfd_exited(int pidfd)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	return pidfd >= 0 && poll(&pfd, 1, 0) > 0;
}

/*
 * Notes the -p processes that have ended, each once, and says so.
 * True once all have.
 */
static bool pids_ended(struct run *r)
{
	for (int i = 0; i < r->o->nr_pids; i++) {
		pid_t pid = r->o->pids[i];

		if (r->pid_ended[i])
			continue;
		if (r->pidfd[i] >= 0 ? !pidfd_exited(r->pidfd[i]) :
		    !process_ended(pid))
			continue;
		r->pid_ended[i] = true;
		r->nr_ended++;
		fprintf(stderr, "udstrace: process %d ended\n", pid);
	}
	return r->o->nr_pids && r->nr_ended == r->o->nr_pids;
}

/*
 * The command or the last -p process has ended. That ends the run, but
 * not an exporter's: it serves the last counts until it is told to stop,
 * as a service does, rather than vanish under Prometheus.
 */
static bool targets_gone(struct run *r)
{
	if (!r->ex)
		return true;
	if (!r->said_serving)
		fprintf(stderr, "udstrace: nothing left to trace; serving the last counts on %s until SIGTERM\n",
			exporter_address(r->ex));
	r->said_serving = true;
	return false;
}

/*
 * True once the run should end: a signal, the command or -p processes
 * gone. With --prometheus, scrapes are served while it waits.
 */
static bool wait_step(struct run *r, unsigned long long until)
{
	unsigned long long now = now_ns(), wait = until > now ? until - now : 0;
	struct timespec ts;
	sigset_t set;
	int sig;

	if ((r->o->nr_pids || tracer_polled(&r->tracer)) && wait > POLL_NS)
		wait = POLL_NS;
	if (r->ex) {
		/* Returns early once a signal is pending, taken below. */
		exporter_serve(r->ex, wait, r->sig_fd);
		wait = 0;
	}
	ts.tv_sec = wait / NSEC_PER_SEC;
	ts.tv_nsec = wait % NSEC_PER_SEC;
	stop_signals(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGWINCH);
	sig = sigtimedwait(&set, NULL, &ts);
	if (sig == SIGWINCH)
		live_resize(&r->live);
	else if (sig > 0 && sig != SIGCHLD)
		return true;
	if (r->cmd_running && waitpid(r->cmd.pid, &r->cmd_status, WNOHANG) > 0) {
		r->cmd_running = false;
		return targets_gone(r);
	}
	return pids_ended(r) && targets_gone(r);
}

/*
 * --time-sample: the first window is open from the start. Only the
 * tracepoint backend on 6.3+ can sample: elsewhere every call is timed,
 * and the user is told so, unless it was --prometheus's default.
 */
static void start_sampling(struct run *r)
{
	if (!r->o->time_sample_pct)
		return;
	r->sampling = tracer_time_sampled(&r->tracer);
	if (r->sampling)
		sampler_init(&r->sampler, r->o->time_sample_pct, r->start_ns);
	else if (!r->o->time_sample_default)
		fprintf(stderr, "udstrace: --time-sample: timing every call: only the tracepoint backend on 6.3+ can time in windows, where sock tracepoints count calls while the syscall ones are off\n");
}

/* --time-sample: opens or closes the timing window when its time comes. */
static int sample_step(struct run *r)
{
	int err;

	if (!r->sampling || !sampler_step(&r->sampler, now_ns()))
		return 0;
	err = tracer_time_window(&r->tracer, r->sampler.open);
	if (!err)
		return 0;
	if (!r->sampler.open) {
		fprintf(stderr, "udstrace: closing the --time-sample window failed: %s\n",
			strerror(-err));
		return err;
	}
	/*
	 * Out of fds or memory for a moment, say: counting goes on, only this
	 * window's timing is lost. An always-on exporter must not end for it.
	 */
	tracer_time_window(&r->tracer, false);
	sampler_skip(&r->sampler);
	if (!r->windows_skipped++)
		fprintf(stderr, "udstrace: opening a --time-sample window failed: %s; calls are still counted, and timing resumes with the next window that opens\n",
			strerror(-err));
	return 0;
}

static int run_loop(struct run *r)
{
	unsigned long long interval = r->o->interval_s * NSEC_PER_SEC;
	unsigned long long end = r->o->duration_s ?
		r->start_ns + (unsigned long long)(r->o->duration_s * NSEC_PER_SEC) : 0;
	unsigned long long tick = interval ? r->start_ns + interval : 0;
	bool done = false;
	int err;

	while (!done) {
		unsigned long long until = ~0ULL;

		if (end && end < until)
			until = end;
		if (tick && tick < until)
			until = tick;
		if (r->sampling && r->sampler.next_ns < until)
			until = r->sampler.next_ns;
		if (cost_next(&r->cost) < until)
			until = cost_next(&r->cost);
		done = wait_step(r, until);
		cost_step(&r->cost, &r->tracer, now_ns());
		err = sample_step(r);
		if (err)
			return err;
		err = tracer_poll(&r->tracer);
		if (err)
			return err;
		if (tick && (done || now_ns() >= tick)) {
			err = print_report(r, false);
			if (err)
				return err;
			tick += interval;
		}
		if ((end && now_ns() >= end) || r->out_gone)
			done = true;
	}
	return print_report(r, true);
}

/*
 * The command is ours to end when the run ends first (-d, Ctrl-C), with a
 * deadline: a command that ignores SIGTERM must not keep udstrace (and its
 * probes) alive. 1 if it could not be reaped.
 */
static int end_command(struct run *r)
{
	sigset_t stop;

	if (!r->cmd_running)
		return 0;
	r->cmd_running = false;
	/* A second Ctrl-C hurries it; a SIGPIPE left by the last write must not. */
	stop_signals(&stop);
	sigdelset(&stop, SIGPIPE);
	switch (command_end(&r->cmd, &r->cmd_status, &stop)) {
	case COMMAND_ENDED:
		return 0;
	case COMMAND_KILLED:
		fprintf(stderr, "udstrace: the command did not end on SIGTERM; killed it\n");
		return 0;
	default:
		fprintf(stderr, "udstrace: the command (PID %d) outlived SIGKILL; left running\n",
			r->cmd.pid);
		return 1;
	}
}

static int start_target(struct run *r, struct target *tg)
{
	int err;

	tg->self = getpid();
	pidns_self(&tg->pidns_dev, &tg->pidns_ino);
	tg->stages = r->o->stages;
	tg->conns = r->o->per_conn || r->o->advise;
	tg->counts_only = r->o->counts_only;
	tg->time_sampled = r->o->time_sample_pct > 0;
	tg->listeners = r->o->listeners;
	/* The tests fill the followed map by making it small. */
	tg->max_followed = strtoul(getenv("UDSTRACE_MAX_FOLLOWED") ?: "0", NULL, 10);
	tg->nr_comms = r->o->nr_comms;
	tg->nr_cgroups = r->o->nr_cgroups;
	tg->breakdown = opts_breakdown(r->o);
	tg->owners_max = owners_max();
	if (r->o->nr_pids) {
		tg->mode = FILTER_TGID;
		/* The kmod backend's one filter: opts_parse() allows it one -p. */
		tg->tgid = r->o->pids[0];
	}
	for (int i = 0; i < r->o->nr_pids; i++) {
		pid_t pid = r->o->pids[i];

		r->pidfd[i] = syscall(SYS_pidfd_open, pid, 0);
		if (r->pidfd[i] < 0 && errno == ESRCH) {
			fprintf(stderr, "udstrace: no process with PID %d\n", pid);
			return -ESRCH;
		}
		/* Before 5.3, or a seccomp filter that forbids it (containers). */
		if (r->pidfd[i] < 0)
			fprintf(stderr, "udstrace: pidfd_open(%d) failed: %s; asking /proc every %llu ms whether it still runs\n",
				pid, strerror(errno), POLL_NS / 1000000);
	}
	if (r->o->cmd) {
		tg->mode = FILTER_FOLLOW;
		err = command_start(&r->cmd, r->o->cmd);
		if (err) {
			fprintf(stderr, "udstrace: cannot start the command: %s\n",
				strerror(-err));
			return err;
		}
		/* The BPF backends follow it through their map; kmod takes its pid. */
		tg->tgid = r->cmd.pid;
		r->cmd_running = true;
	}
	return 0;
}

/*
 * -p takes a process: a thread's id passes kill(), but the probes compare
 * tgids, so it would trace nothing and never end. 0, or the exit status.
 */
static int check_pid(pid_t pid)
{
	pid_t tgid;
	char state;

	if (process_exists(pid) == -ESRCH) {
		fprintf(stderr, "udstrace: no process with PID %d\n", pid);
		return 1;
	}
	if (!process_status(pid, &tgid, &state) && tgid != pid) {
		fprintf(stderr, "udstrace: %d is a thread of process %d: use -p %d\n",
			pid, tgid, tgid);
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * The kernel counts the command or the -p processes from now on, and
 * forgets each when it exits. A -p process that exited while the programs
 * were attached would never be forgotten, and could be confused with a
 * later process that gets its PID: forget it here.
 */
static int follow_target(struct run *r)
{
	int err = 0;

	if (r->cmd_running)
		return tracer_follow(&r->tracer, r->cmd.pid);
	for (int i = 0; i < r->o->nr_pids && !err; i++) {
		pid_t pid = r->o->pids[i];

		err = tracer_follow(&r->tracer, pid);
		if (!err && (r->pidfd[i] >= 0 ? pidfd_exited(r->pidfd[i]) :
			     process_ended(pid)))
			err = tracer_forget(&r->tracer, pid);
	}
	return err;
}

/*
 * --cgroup: each PATH must be a cgroup v2 directory; kept open for the
 * kernel's filter. 0, or EXIT_USAGE after one line.
 */
static int open_cgroups(struct run *r)
{
	for (int i = 0; i < r->o->nr_cgroups; i++) {
		const char *path = r->o->cgroups[i];
		int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct statfs sfs;

		r->cgroup_fd[i] = fd;
		if (fd < 0) {
			fprintf(stderr, "udstrace: --cgroup '%s': %s\n", path,
				strerror(errno));
			return EXIT_USAGE;
		}
		if (fstatfs(fd, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
			fprintf(stderr, "udstrace: --cgroup '%s': not a cgroup v2 directory\n",
				path);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* "one process", "3 processes", or what else is traced, for the banner. */
static const char *what_traced(const struct opts *o, char *buf, size_t len)
{
	if (o->nr_pids > 1)
		snprintf(buf, len, "%d processes", o->nr_pids);
	else
		snprintf(buf, len, "%s", o->nr_pids ? "one process" : o->cmd ?
			 "the command and its children" : "system-wide");
	return buf;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct run r = { .o = &o, .cmd.go_fd = -1, .sig_fd = -1 };
	struct target tg = { .mode = FILTER_ALL };
	char err_msg[REASONS_LEN], what[64];
	sigset_t sigs;
	int err, status = 1;

	err = opts_parse(argc, argv, &o);
	if (err)
		return err == OPTS_DONE ? 0 : err;
	for (int i = 0; i < MAX_PIDS; i++)
		r.pidfd[i] = -1;
	for (int i = 0; i < MAX_CGROUPS; i++)
		r.cgroup_fd[i] = -1;
	/* Bad usage, like a bad option: before privileges are even looked at. */
	if (open_cgroups(&r)) {
		status = EXIT_USAGE;
		goto cleanup_fds;
	}
	/* Before anything loads: the shell's 127 (not found) or 126. */
	if (o.cmd) {
		err = command_find(o.cmd[0]);
		if (err) {
			fprintf(stderr, "udstrace: cannot run '%s': %s\n", o.cmd[0],
				strerror(-err));
			return err == -ENOENT ? 127 : 126;
		}
	}
	verbose = o.verbose;
	libbpf_set_print(print_libbpf);
	if (bpf_privileges(err_msg, sizeof(err_msg))) {
		fprintf(stderr, "udstrace: %s\n", err_msg);
		return 1;
	}
	if (!have_kernel_btf()) {
		fprintf(stderr, "udstrace: no kernel BTF: %s is missing (needs CONFIG_DEBUG_INFO_BTF=y)\n",
			VMLINUX_BTF);
		return 1;
	}
	if (o.check)
		return check_run(&o);
	if (o.calibrate)
		return calibrate_main(&o);
	for (int i = 0; i < o.nr_pids; i++) {
		err = check_pid(o.pids[i]);
		if (err)
			return err;
	}
	err = tracer_choose(&r.tracer, o.backend, err_msg, sizeof(err_msg));
	if (err) {
		fprintf(stderr, "udstrace: %s\n", err_msg);
		return 1;
	}

	/* Signals are taken synchronously in the loop; block them first. */
	stop_signals(&sigs);
	sigaddset(&sigs, SIGCHLD);
	/* The live view's terminal was resized: taken in the loop too. */
	sigaddset(&sigs, SIGWINCH);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	/* Listening before anything loads: a port in use fails at once. */
	if (o.prometheus) {
		r.ex = exporter_start(&o, &r.tracer);
		r.sig_fd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
		if (!r.ex || r.sig_fd < 0) {
			if (r.ex)
				fprintf(stderr, "udstrace: signalfd failed: %s\n", strerror(errno));
			goto cleanup;
		}
		/*
		 * udstrace_bpf_run_seconds_total: the statistics time every BPF
		 * program on the machine, which costs, so only when asked.
		 */
		r.tracer.run_stats = o.bpf_stats;
	}

	if (start_target(&r, &tg))
		goto cleanup;
	err = tracer_start(&r.tracer, &tg, err_msg, sizeof(err_msg));
	if (!err) {
		err = tracer_filter(&r.tracer, o.comms, o.nr_comms, r.cgroup_fd,
				    o.nr_cgroups);
		snprintf(err_msg, sizeof(err_msg), "setting the -c and --cgroup filters failed: %s",
			 strerror(-err));
	}
	if (!err && (r.cmd_running || o.nr_pids)) {
		err = follow_target(&r);
		snprintf(err_msg, sizeof(err_msg), "following the %s failed: %s",
			 o.nr_pids ? "process" : "command", strerror(-err));
	}
	if (err) {
		fprintf(stderr, "udstrace: %s\n", err_msg);
		if (r.cmd_running) {
			command_abort(&r.cmd);
			r.cmd_running = false;
		}
		goto cleanup;
	}
	if (o.bpf_stats && r.tracer.run_time_fd < 0)
		fprintf(stderr, "udstrace: --bpf-stats: BPF_ENABLE_STATS failed (it needs CAP_SYS_ADMIN): what the programs cost is not measured\n");
	if (verbose)
		print_choices(&r.tracer);
	r.start_ns = now_ns();
	start_sampling(&r);
	cost_start(&r.cost, &r.tracer, o.cost_pct, r.start_ns);
	/* Known now: with no statistics there is nothing to calibrate from. */
	if (o.subtract && r.cost.how == COST_NONE) {
		fprintf(stderr, "udstrace: --subtract-probe-cost: no calibration: %s\n",
			r.cost.why);
		if (r.cmd_running) {
			command_abort(&r.cmd);
			r.cmd_running = false;
		}
		status = EXIT_USAGE;
		goto cleanup;
	}
	fprintf(stderr, "udstrace: tracing %s%s. Hit Ctrl-C to end.\n",
		what_traced(&o, what, sizeof(what)),
		o.nr_comms || o.nr_cgroups ? ", filtered by name or cgroup" : "");
	if (r.ex)
		fprintf(stderr, "udstrace: serving the counters on http://%s/metrics\n",
			exporter_address(r.ex));
	/* After the lines above, which stay on the normal screen. */
	if (live_wanted(o.interval_s, o.json))
		live_start(&r.live, o.top);
	if (r.cmd_running)
		command_release(&r.cmd);

	err = run_loop(&r);
	if (end_command(&r) || err)
		goto cleanup;
	status = o.cmd ? command_exit_status(r.cmd_status) : 0;
cleanup:
	cost_finish(&r.cost, &r.tracer, now_ns());
	/* An error ends the run too: its message must be seen. */
	live_stop(&r.live);
	live_free(&r.live);
	conns_free(&r.conns_last);
	tracer_stop(&r.tracer);
	exporter_stop(r.ex);
	if (r.sig_fd >= 0)
		close(r.sig_fd);
cleanup_fds:
	for (int i = 0; i < MAX_PIDS; i++)
		if (r.pidfd[i] >= 0)
			close(r.pidfd[i]);
	for (int i = 0; i < MAX_CGROUPS; i++)
		if (r.cgroup_fd[i] >= 0)
			close(r.cgroup_fd[i]);
	owners_free(&r.owners);
	owners_free(&r.owners_last);
	owners_free(&r.owners_shown);
	return status;
}
