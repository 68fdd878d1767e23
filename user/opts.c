// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Command-line parsing and validation. Nothing here touches the kernel. */
#include <argp.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "opts.h"

/*
 * -d and -i: from 10 ms, so an interval is never rounded to nothing and
 * the loop never spins, to a year.
 */
#define MIN_SECONDS 0.01
#define MAX_SECONDS (365.0 * 24 * 3600)
/* The kernel's largest pid (PID_MAX_LIMIT on 64-bit). */
#define MAX_PID (4 * 1024 * 1024)

enum { OPT_BACKEND = 1000, OPT_JSON, OPT_CHECK, OPT_STAGES, OPT_EXPLAIN, OPT_DOT,
       OPT_COUNTS_ONLY, OPT_USAGE, OPT_CGROUP, OPT_FOLDED, OPT_TIME_SAMPLE };

const char *argp_program_version = "udstrace 0.1";
const char *argp_program_bug_address = NULL;

static const char doc[] =
"Count and time the kernel's local IPC paths: AF_UNIX stream connect, send\n"
"and receive against TCP send and receive, over loopback and to remote peers.\n"
"\n"
"USAGE: udstrace [-d SECONDS] [-i SECONDS] [-p PID]... [-c COMM]...\n"
"                [--cgroup PATH]... [--json] [-H] [-v]\n"
"                [--counts-only | --time-sample PCT |\n"
"                 --stages [--explain] [--dot FILE]\n"
"                 [--folded FILE]] [--backend NAME] [--check]\n"
"                [-- COMMAND [ARGS]]\n"
"\v"
"Filters, all applied in the kernel: each of -p, -c and --cgroup can be\n"
"given several times. A call is traced when its process matches one value\n"
"of every kind given: OR within a kind, AND between kinds. So\n"
"-c nginx -c php-fpm --cgroup /sys/fs/cgroup/web traces nginx or php-fpm\n"
"threads in that cgroup or below. With -- COMMAND, -c and --cgroup narrow\n"
"the command and its children. The kmod backend takes one -p only.\n"
"\n"
"Backends (chosen per path; auto tries them in this order):\n"
"  fentry      fentry/fexit on the function: function-level time\n"
"  kprobe      kprobe/kretprobe on the function: function-level time\n"
"  tracepoint  sock:sock_*_length and raw_syscalls: syscall-level time\n"
"  kmod        read /proc/udsprobe of the udsprobe module (never auto)\n"
"\n"
"Examples:\n"
"  udstrace                         # trace system-wide until Ctrl-C\n"
"  udstrace -d 10 -i 1              # 10 seconds, a table every second\n"
"  udstrace -p 4242                 # only process 4242\n"
"  udstrace -p 4242 -p 4243         # two processes\n"
"  udstrace -c redis-server         # threads named redis-server\n"
"  udstrace --cgroup /sys/fs/cgroup/system.slice/nginx.service\n"
"                                   # a cgroup v2 and its descendants\n"
"  udstrace --json -d 5             # NDJSON, schema in docs/JSON.md\n"
"  udstrace --check                 # which backends work on this kernel\n"
"  udstrace --counts-only -i 60     # cheap always-on counting\n"
"  udstrace --time-sample 10 -i 60  # exact counts, time from 10% of the run\n"
"  udstrace --stages --explain -- ./udsbench\n"
"                                   # where the time goes, stage by stage\n"
"  udstrace -H -- redis-benchmark -s /run/redis.sock -n 100000\n"
"                                   # a command and all its descendants\n";

static const struct argp_option options[] = {
	{ "duration", 'd', "SECONDS", 0, "Trace for SECONDS (0.01 to a year), then print the total", 0 },
	{ "interval", 'i', "SECONDS", 0, "Print a table every SECONDS (0.01 to a year) as well", 0 },
	{ "pid", 'p', "PID", 0, "Trace only process PID (its tgid); repeatable, up to 64", 0 },
	{ "comm", 'c', "COMM", 0, "Trace only threads named COMM, exactly (1 to 15 bytes); repeatable, up to 64", 0 },
	{ "cgroup", OPT_CGROUP, "PATH", 0, "Trace only the cgroup v2 directory PATH and its descendants; repeatable, up to 8", 0 },
	{ "backend", OPT_BACKEND, "NAME", 0, "auto (default), fentry, kprobe, tracepoint or kmod", 0 },
	{ "json", OPT_JSON, NULL, 0, "NDJSON on stdout, one object per table", 0 },
	{ "check", OPT_CHECK, NULL, 0, "Show which backends and probes work here, then exit", 0 },
	{ "counts-only", OPT_COUNTS_ONLY, NULL, 0, "Count calls and bytes only, time nothing: the cheapest mode", 0 },
	{ "time-sample", OPT_TIME_SAMPLE, "PCT", 0, "Exact counts, but time calls only in windows covering PCT% (1 to 99) of the run: the tracepoint backend's syscall tracepoints are attached only then", 0 },
	{ "stages", OPT_STAGES, NULL, 0, "Also count and time the stages along each path (costs more)", 0 },
	{ "explain", OPT_EXPLAIN, NULL, 0, "With the stages, say what the kernel does in each (implies --stages)", 0 },
	{ "dot", OPT_DOT, "FILE", 0, "Write the send paths' stages as a Graphviz graph (implies --stages)", 0 },
	{ "folded", OPT_FOLDED, "FILE", 0, "Write the stage trees as folded stacks with exclusive ns, for flamegraph.pl or speedscope (implies --stages)", 0 },
	{ "histogram", 'H', NULL, 0, "Print the log2 histogram of call times", 0 },
	{ "verbose", 'v', NULL, 0, "libbpf messages and probe choices on stderr", 0 },
	/* argp's own help options print and then exit(): ours only print. */
	{ "help", '?', NULL, 0, "Give this help list", -1 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show this help", -1 },
	{ "usage", OPT_USAGE, NULL, 0, "Give a short usage message", -1 },
	{ "version", 'V', NULL, 0, "Print program version", -1 },
	{},
};

int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < MIN_SECONDS ||
	    v > MAX_SECONDS)
		return -1;
	*out = v;
	return 0;
}

int parse_percent(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 99)
		return -1;
	*out = (int)v;
	return 0;
}

int parse_pid(const char *s, pid_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > MAX_PID)
		return -1;
	*out = (pid_t)v;
	return 0;
}

/* -p, -c: each value once. */
static bool have_pid(const struct opts *o, pid_t pid)
{
	for (int i = 0; i < o->nr_pids; i++)
		if (o->pids[i] == pid)
			return true;
	return false;
}

static bool have_comm(const struct opts *o, const char *comm)
{
	for (int i = 0; i < o->nr_comms; i++)
		if (!strcmp(o->comms[i], comm))
			return true;
	return false;
}

/*
 * Bad usage: one line (argp_error would add a hint line). Parsing runs with
 * ARGP_NO_EXIT, so the error code returned stops argp_parse().
 */
static int __attribute__((format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("udstrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EINVAL;
}
/* After --help, --usage or --version: nothing more to parse, or to run. */
#define HELP_DONE ECANCELED

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct opts *o = state->input;
	pid_t pid;

	switch (key) {
	case 'd':
		if (parse_seconds(arg, &o->duration_s))
			return usage_error("invalid duration '%s': want seconds, from %g to %.0f",
					   arg, MIN_SECONDS, MAX_SECONDS);
		break;
	case 'i':
		if (parse_seconds(arg, &o->interval_s))
			return usage_error("invalid interval '%s': want seconds, from %g to %.0f",
					   arg, MIN_SECONDS, MAX_SECONDS);
		break;
	case 'p':
		if (parse_pid(arg, &pid))
			return usage_error("invalid PID '%s': want 1 to %d", arg, MAX_PID);
		if (have_pid(o, pid))
			break;
		if (o->nr_pids == MAX_PIDS)
			return usage_error("too many -p: at most %d processes", MAX_PIDS);
		o->pids[o->nr_pids++] = pid;
		break;
	case 'c':
		/* The kernel keeps TASK_COMM_LEN bytes, the NUL included. */
		if (!*arg || strlen(arg) >= COMM_LEN)
			return usage_error("invalid COMM '%s': want 1 to %d bytes, as the kernel keeps a thread's name",
					   arg, COMM_LEN - 1);
		if (have_comm(o, arg))
			break;
		if (o->nr_comms == MAX_COMMS)
			return usage_error("too many -c: at most %d names", MAX_COMMS);
		strcpy(o->comms[o->nr_comms++], arg);
		break;
	case OPT_CGROUP:
		if (!*arg)
			return usage_error("--cgroup needs a cgroup v2 directory");
		if (o->nr_cgroups == MAX_CGROUPS)
			return usage_error("too many --cgroup: at most %d", MAX_CGROUPS);
		o->cgroups[o->nr_cgroups++] = arg;
		break;
	case OPT_BACKEND:
		if (backend_parse(arg, &o->backend))
			return usage_error("unknown backend '%s': want auto, fentry, kprobe, tracepoint or kmod", arg);
		break;
	case OPT_JSON:
		o->json = true;
		break;
	case OPT_CHECK:
		o->check = true;
		break;
	case OPT_STAGES:
		o->stages = true;
		break;
	case OPT_COUNTS_ONLY:
		o->counts_only = true;
		break;
	case OPT_TIME_SAMPLE:
		if (parse_percent(arg, &o->time_sample_pct))
			return usage_error("invalid --time-sample '%s': want a whole percentage from 1 to 99", arg);
		break;
	case OPT_EXPLAIN:
		o->stages = o->explain = true;
		break;
	case OPT_DOT:
		if (!*arg)
			return usage_error("--dot needs a file name");
		o->stages = true;
		o->dot = arg;
		break;
	case OPT_FOLDED:
		if (!*arg)
			return usage_error("--folded needs a file name");
		o->stages = true;
		o->folded = arg;
		break;
	case 'H':
		o->hist = true;
		break;
	case 'v':
		o->verbose = true;
		break;
	case 'h':
	case '?':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		return HELP_DONE;
	case OPT_USAGE:
		argp_state_help(state, stdout, ARGP_HELP_USAGE);
		return HELP_DONE;
	case 'V':
		printf("%s\n", argp_program_version);
		return HELP_DONE;
	case ARGP_KEY_ARG:
		return usage_error("unexpected argument '%s' (a command goes after --)", arg);
	case ARGP_KEY_END:
		if (o->cmd && o->nr_pids)
			return usage_error("-p and a command exclude each other");
		/* The module has one tgid parameter and nothing else. */
		if (o->backend == BACKEND_KMOD &&
		    (o->nr_pids > 1 || o->nr_comms || o->nr_cgroups))
			return usage_error("the kmod backend filters by one process only: -c, --cgroup and a second -p need a BPF backend");
		if (o->counts_only && o->stages)
			return usage_error("--counts-only and --stages exclude each other");
		if (o->time_sample_pct && (o->counts_only || o->stages))
			return usage_error("--time-sample excludes --counts-only and --stages (they time everything or nothing)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int opts_parse(int argc, char **argv, struct opts *o)
{
	static const struct argp argp = {
		.options = options,
		.parser = parse_arg,
		.doc = doc,
	};

	int i, err, nopts = argc;

	memset(o, 0, sizeof(*o));
	o->backend = BACKEND_AUTO;
	/* Everything after the first "--" is the command, argp never sees it. */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			nopts = i;
			o->cmd = argv + i + 1;
			break;
		}
	}
	/*
	 * argp would exit() on --help and on errors: the caller decides that
	 * (and the fuzzer calls this again and again), hence ARGP_NO_EXIT, and
	 * our own help options instead of argp's, which exit regardless.
	 */
	err = argp_parse(&argp, nopts, argv, ARGP_NO_EXIT | ARGP_NO_HELP, NULL, o);
	if (err)
		return err == HELP_DONE ? OPTS_DONE : EXIT_USAGE;
	if (o->cmd && !o->cmd[0]) {
		fprintf(stderr, "udstrace: missing command after --\n");
		return EXIT_USAGE;
	}
	return 0;
}
