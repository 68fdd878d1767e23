// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* udstrace: options, then the run loop. Everything else lives elsewhere. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "check.h"
#include "command.h"
#include "opts.h"
#include "output.h"
#include "paths.h"
#include "system.h"
#include "tracer.h"

#define NSEC_PER_SEC 1000000000ULL
/* How often the loop checks that a -p process is still there. */
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
	int pidfd;		/* -p: readable once the process exits */
	unsigned long long start_ns;
	struct snapshot last;	/* at the last interval */
};

static int print_report(struct run *r, bool final)
{
	struct snapshot cur, delta;
	struct report rep = {
		.tracer = &r->tracer,
		.kernel = kernel_release(),
		.final = final,
		.hist = r->o->hist,
		.explain = r->o->explain,
		.counts_only = r->o->counts_only,
	};
	int err = tracer_read(&r->tracer, &cur, !final);

	if (err) {
		fprintf(stderr, "udstrace: reading the counters failed: %s\n",
			strerror(-err));
		return err;
	}
	cur.elapsed_ns = now_ns() - r->start_ns;
	if (final) {
		rep.snap = &cur;
	} else {
		snapshot_delta(&cur, &r->last, &delta);
		r->last = cur;
		rep.snap = &delta;
	}
	(r->o->json ? out_json : out_table)(stdout, &rep);
	if (final && r->o->dot) {
		err = out_dot(r->o->dot, &rep);
		if (err)
			fprintf(stderr, "udstrace: writing %s failed: %s\n", r->o->dot,
				strerror(-err));
	}
	return err;
}

/* True once the run should end: a signal, the command or -p process gone. */
static bool wait_step(struct run *r, unsigned long long until)
{
	unsigned long long now = now_ns(), wait = until > now ? until - now : 0;
	struct timespec ts;
	sigset_t set;
	int sig;

	if (r->pidfd >= 0 && wait > POLL_NS)
		wait = POLL_NS;
	ts.tv_sec = wait / NSEC_PER_SEC;
	ts.tv_nsec = wait % NSEC_PER_SEC;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	sig = sigtimedwait(&set, NULL, &ts);
	if (sig == SIGINT || sig == SIGTERM)
		return true;
	if (r->cmd_running && waitpid(r->cmd.pid, &r->cmd_status, WNOHANG) > 0) {
		r->cmd_running = false;
		return true;
	}
	if (r->pidfd >= 0) {
		struct pollfd pfd = { .fd = r->pidfd, .events = POLLIN };

		if (poll(&pfd, 1, 0) > 0)
			return true;
	}
	return false;
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
		done = wait_step(r, until);
		if (tick && (done || now_ns() >= tick)) {
			err = print_report(r, false);
			if (err)
				return err;
			tick += interval;
		}
		if (end && now_ns() >= end)
			done = true;
	}
	return print_report(r, true);
}

/* The command is ours to end when the run ends first (-d, Ctrl-C). */
static void end_command(struct run *r)
{
	if (!r->cmd_running)
		return;
	kill(r->cmd.pid, SIGTERM);
	waitpid(r->cmd.pid, &r->cmd_status, 0);
	r->cmd_running = false;
}

static int start_target(struct run *r, struct target *tg)
{
	int err;

	tg->self = getpid();
	pidns_self(&tg->pidns_dev, &tg->pidns_ino);
	tg->stages = r->o->stages;
	tg->counts_only = r->o->counts_only;
	if (r->o->pid) {
		tg->mode = FILTER_TGID;
		tg->tgid = r->o->pid;
		r->pidfd = syscall(SYS_pidfd_open, r->o->pid, 0);
		if (r->pidfd < 0 && errno == ESRCH) {
			fprintf(stderr, "udstrace: no process with PID %d\n", r->o->pid);
			return -ESRCH;
		}
	} else if (r->o->cmd) {
		tg->mode = FILTER_FOLLOW;
		err = command_start(&r->cmd, r->o->cmd);
		if (err) {
			fprintf(stderr, "udstrace: cannot start the command: %s\n",
				strerror(-err));
			return err;
		}
		r->cmd_running = true;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct run r = { .o = &o, .pidfd = -1, .cmd.go_fd = -1 };
	struct target tg = { .mode = FILTER_ALL };
	char err_msg[REASONS_LEN];
	sigset_t sigs;
	int err, status = 1;

	err = opts_parse(argc, argv, &o);
	if (err)
		return err;
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
	if (o.pid && process_exists(o.pid) == -ESRCH) {
		fprintf(stderr, "udstrace: no process with PID %d\n", o.pid);
		return 1;
	}
	err = tracer_choose(&r.tracer, o.backend, err_msg, sizeof(err_msg));
	if (err) {
		fprintf(stderr, "udstrace: %s\n", err_msg);
		return 1;
	}

	/* Signals are taken synchronously in the loop; block them first. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGCHLD);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	if (start_target(&r, &tg))
		goto cleanup;
	err = tracer_start(&r.tracer, &tg, err_msg, sizeof(err_msg));
	if (!err && r.cmd_running) {
		err = tracer_follow(&r.tracer, r.cmd.pid);
		snprintf(err_msg, sizeof(err_msg), "following the command failed: %s",
			 strerror(-err));
	}
	if (err) {
		fprintf(stderr, "udstrace: %s\n", err_msg);
		if (r.cmd_running) {
			command_abort(&r.cmd);
			r.cmd_running = false;
		}
		goto cleanup;
	}
	if (verbose)
		print_choices(&r.tracer);
	r.start_ns = now_ns();
	fprintf(stderr, "udstrace: tracing%s. Hit Ctrl-C to end.\n",
		o.pid ? " one process" : o.cmd ? " the command and its children" :
		" system-wide");
	if (r.cmd_running)
		command_release(&r.cmd);

	err = run_loop(&r);
	end_command(&r);
	if (err)
		goto cleanup;
	status = o.cmd ? command_exit_status(r.cmd_status) : 0;
cleanup:
	tracer_stop(&r.tracer);
	if (r.pidfd >= 0)
		close(r.pidfd);
	return status;
}
