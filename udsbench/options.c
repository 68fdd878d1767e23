// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Command-line parsing and validation for udsbench. */
#include <argp.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "options.h"

#define MAX_COUNT 1000000000LL	/* messages per run */
#define MAX_DURATION 3600.0	/* seconds per run */

enum {
	OPT_UDS_SETUP = 1000,
	OPT_NODELAY,
	OPT_THREADS,
	OPT_CPUS,
	OPT_JSON,
};

const char *argp_program_version = "udsbench 0.1";
const char *argp_program_bug_address = NULL;

static const char doc[] =
"Benchmark AF_UNIX stream sockets against TCP over 127.0.0.1: ping-pong\n"
"latency and one-way throughput, with every received byte verified.\n"
"\n"
"USAGE: udsbench [--transport uds|tcp|both] [--mode latency|throughput|both]\n"
"                [--sizes N,N,...] [--count N] [--duration SECONDS]\n"
"                [--uds-setup socketpair|connect] [--nodelay on|off]\n"
"                [--threads] [--cpus A,B] [--json]\n"
"\v"
"Latency: the client sends a message, the server answers with one of the\n"
"same size. RTT is one round trip; one-way is RTT/2, as in ipc-bench.\n"
"Throughput: the client streams messages to the server, timed until the\n"
"last byte arrives. MB/s is 10^6 bytes/s, Mb/s is 10^6 bits/s.\n"
"Without --count or --duration, each run sends 10000 messages. With both,\n"
"a run ends at whichever limit comes first.\n"
"\n"
"Examples:\n"
"  udsbench                          # everything, table with TCP/UDS ratios\n"
"  udsbench --sizes 100 --count 100000 --cpus 0,1\n"
"                                    # 100-byte messages, sides pinned\n"
"  udsbench --mode latency --duration 2 --threads\n"
"                                    # 2 s per run, client and server threads\n"
"  udsbench --transport uds --uds-setup connect --json\n"
"                                    # a listener on a path; NDJSON rows\n"
"  sudo udstrace -- udsbench --count 20000 --sizes 100\n"
"                                    # the kernel's side of the same run\n";

static const struct argp_option options[] = {
	{ "transport", 't', "NAME", 0, "uds, tcp or both (default)", 0 },
	{ "mode", 'm', "NAME", 0, "latency, throughput or both (default)", 0 },
	{ "sizes", 's', "LIST", 0,
	  "Message sizes in bytes, 1..16777216 (default 100,1024,10240,102400)", 0 },
	{ "count", 'c', "N", 0, "Messages (round trips) per run", 0 },
	{ "duration", 'd', "SECONDS", 0, "Time limit per run", 0 },
	{ "uds-setup", OPT_UDS_SETUP, "HOW",  0,
	  "socketpair (default) or connect: a listener on a path in a temp dir", 0 },
	{ "nodelay", OPT_NODELAY, "on|off", 0, "TCP_NODELAY on the TCP sockets (default on)", 0 },
	{ "threads", OPT_THREADS, NULL, 0, "Client and server as threads, not processes", 0 },
	{ "cpus", OPT_CPUS, "A,B", 0, "Pin the client to CPU A and the server to CPU B", 0 },
	{ "json", OPT_JSON, NULL, 0, "NDJSON: one object per transport, mode and size", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show this help", -1 },
	{},
};

/* A whole decimal number in [min, max]; 0 on success, -1 if invalid. */
static int parse_long(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static void parse_sizes(char *arg, struct config *cfg, struct argp_state *state)
{
	char *save = NULL, *tok;
	long long v;

	cfg->nr_sizes = 0;
	if (!*arg || arg[strlen(arg) - 1] == ',' || arg[0] == ',' || strstr(arg, ",,"))
		argp_failure(state, EXIT_USAGE, 0, "invalid --sizes '%s': want a list like 100,1024", arg);
	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (parse_long(tok, 1, MAX_MSG_SIZE, &v))
			argp_failure(state, EXIT_USAGE, 0,
				     "invalid size '%s' in --sizes: want bytes, 1..%u", tok, MAX_MSG_SIZE);
		if (cfg->nr_sizes == MAX_SIZES)
			argp_failure(state, EXIT_USAGE, 0, "too many --sizes: at most %d", MAX_SIZES);
		cfg->sizes[cfg->nr_sizes++] = (size_t)v;
	}
}

static void parse_cpus(const char *arg, struct config *cfg, struct argp_state *state)
{
	char a[32], b[32];
	const char *comma = strchr(arg, ',');
	long long v[2];
	cpu_set_t set;

	if (!comma || (size_t)(comma - arg) >= sizeof(a) || strlen(comma + 1) >= sizeof(b))
		argp_failure(state, EXIT_USAGE, 0, "invalid --cpus '%s': want two CPUs, A,B", arg);
	snprintf(a, sizeof(a), "%.*s", (int)(comma - arg), arg);
	snprintf(b, sizeof(b), "%s", comma + 1);
	if (parse_long(a, 0, CPU_SETSIZE - 1, &v[0]) || parse_long(b, 0, CPU_SETSIZE - 1, &v[1]))
		argp_failure(state, EXIT_USAGE, 0, "invalid --cpus '%s': want two CPUs, A,B", arg);
	if (sched_getaffinity(0, sizeof(set), &set))
		CPU_ZERO(&set);
	for (int i = 0; i < 2; i++) {
		if (!CPU_ISSET(v[i], &set))
			argp_failure(state, EXIT_USAGE, 0, "invalid --cpus '%s': CPU %lld is not available",
				     arg, v[i]);
		cfg->cpu[i] = (int)v[i];
	}
}

static bool one_of(const char *arg, const char *a, const char *b, const char *c)
{
	return !strcmp(arg, a) || !strcmp(arg, b) || (c && !strcmp(arg, c));
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct config *cfg = state->input;
	long long v;
	char *end;
	double d;

	switch (key) {
	case 't':
		if (!one_of(arg, "uds", "tcp", "both"))
			argp_failure(state, EXIT_USAGE, 0, "unknown transport '%s': want uds, tcp or both", arg);
		cfg->transport[TR_UDS] = strcmp(arg, "tcp");
		cfg->transport[TR_TCP] = strcmp(arg, "uds");
		break;
	case 'm':
		if (!one_of(arg, "latency", "throughput", "both"))
			argp_failure(state, EXIT_USAGE, 0, "unknown mode '%s': want latency, throughput or both", arg);
		cfg->mode[MODE_LATENCY] = strcmp(arg, "throughput");
		cfg->mode[MODE_THROUGHPUT] = strcmp(arg, "latency");
		break;
	case 's':
		parse_sizes(arg, cfg, state);
		break;
	case 'c':
		if (parse_long(arg, 1, MAX_COUNT, &v))
			argp_failure(state, EXIT_USAGE, 0, "invalid count '%s': want 1..%lld", arg, MAX_COUNT);
		cfg->count = (uint64_t)v;
		break;
	case 'd':
		errno = 0;
		d = strtod(arg, &end);
		if (errno || end == arg || *end || !isfinite(d) || d <= 0 || d > MAX_DURATION)
			argp_failure(state, EXIT_USAGE, 0, "invalid duration '%s': want seconds, > 0 and <= %.0f",
				     arg, MAX_DURATION);
		cfg->duration_s = d;
		break;
	case OPT_UDS_SETUP:
		if (!one_of(arg, "socketpair", "connect", NULL))
			argp_failure(state, EXIT_USAGE, 0, "unknown --uds-setup '%s': want socketpair or connect", arg);
		cfg->uds_setup = strcmp(arg, "connect") ? UDS_SOCKETPAIR : UDS_CONNECT;
		break;
	case OPT_NODELAY:
		if (!one_of(arg, "on", "off", NULL))
			argp_failure(state, EXIT_USAGE, 0, "invalid --nodelay '%s': want on or off", arg);
		cfg->nodelay = !strcmp(arg, "on");
		break;
	case OPT_THREADS:
		cfg->threads = true;
		break;
	case OPT_CPUS:
		parse_cpus(arg, cfg, state);
		break;
	case OPT_JSON:
		cfg->json = true;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		argp_failure(state, EXIT_USAGE, 0, "unexpected argument '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/*
 * UDSBENCH_CORRUPT=N is a test hook, not an option: the client flips one
 * byte of its message number N (counted from 0) in every run, so the
 * tests can prove that the receiver catches it and the run fails.
 */
static void parse_corrupt(struct config *cfg)
{
	const char *s = getenv("UDSBENCH_CORRUPT");
	long long v;

	cfg->corrupt = -1;
	if (!s || !*s)
		return;
	if (parse_long(s, 0, MAX_COUNT, &v)) {
		fprintf(stderr, "udsbench: invalid UDSBENCH_CORRUPT '%s': want a message number\n", s);
		exit(EXIT_USAGE);
	}
	cfg->corrupt = v;
}

int options_parse(int argc, char **argv, struct config *cfg)
{
	static const struct argp argp = {
		.options = options,
		.parser = parse_arg,
		.doc = doc,
	};
	static const size_t default_sizes[] = { 100, 1024, 10240, 102400 };

	memset(cfg, 0, sizeof(*cfg));
	cfg->transport[TR_UDS] = cfg->transport[TR_TCP] = true;
	cfg->mode[MODE_LATENCY] = cfg->mode[MODE_THROUGHPUT] = true;
	for (size_t i = 0; i < sizeof(default_sizes) / sizeof(default_sizes[0]); i++)
		cfg->sizes[cfg->nr_sizes++] = default_sizes[i];
	cfg->nodelay = true;
	cfg->cpu[SIDE_CLIENT] = cfg->cpu[SIDE_SERVER] = -1;

	/* argp exits by itself on --help (0) and on errors (this status). */
	argp_err_exit_status = EXIT_USAGE;
	if (argp_parse(&argp, argc, argv, 0, NULL, cfg))
		return EXIT_USAGE;
	if (!cfg->count)
		cfg->count = cfg->duration_s > 0 ? NO_LIMIT : DEFAULT_COUNT;
	parse_corrupt(cfg);
	return 0;
}
