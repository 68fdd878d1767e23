/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef UDSTRACE_OPTS_H
#define UDSTRACE_OPTS_H

#include <stdbool.h>
#include <sys/types.h>
#include "backend.h"
#include "http.h"

/* -p: how many processes one run takes. */
#define MAX_PIDS 64
/* --sizes: how many sizes one calibration takes. */
#define MAX_SIZES 16

struct opts {
	pid_t pids[MAX_PIDS];	/* -p, each once */
	int nr_pids;
	char comms[MAX_COMMS][COMM_LEN];	/* -c, each once, zero-padded */
	int nr_comms;
	const char *cgroups[MAX_CGROUPS];	/* --cgroup, checked by main */
	int nr_cgroups;
	double duration_s;	/* -d, 0 = until Ctrl-C or the command ends */
	double interval_s;	/* -i, 0 = final summary only */
	int top;		/* --top: at most this many rows, 1 to MAX_TOP */
	bool json;
	bool verbose;
	bool hist;
	bool per_conn;		/* -S: one row per socket too */
	bool check;		/* --check: report what works, then exit */
	bool stages;		/* --stages: the stages along each path */
	bool counts_only;	/* --counts-only: calls and bytes, no time */
	int time_sample_pct;	/* --time-sample: 1 to 99, 0 = time everything */
	bool time_sample_set;	/* --time-sample was given */
	bool time_sample_default; /* --prometheus's own: said nothing of it */
	int cost_pct;		/* --cost-sample: 0 to 100 */
	bool subtract;		/* --subtract-probe-cost */
	bool explain;		/* --explain: a sentence per stage */
	const char *dot;	/* --dot FILE: Graphviz picture of the send paths */
	const char *folded;	/* --folded FILE: the stages as folded stacks */
	bool prometheus;	/* --prometheus: serve the counters over HTTP */
	struct http_listen listen;	/* its address */
	bool bpf_stats;		/* --bpf-stats: the exporter reports the programs' cost */
	bool advise;		/* --advise: rank loopback TCP, estimate what UDS saves */
	bool calibrate;		/* --calibrate: measure UDS and TCP sends, cache them */
	unsigned long long sizes[MAX_SIZES];	/* --sizes, for --calibrate */
	int nr_sizes;
	int pattern;		/* --pattern: enum adv_pattern, or -1 for both */
	bool per_process;	/* -P: rows by process as well */
	bool by_cgroup;		/* --by-cgroup: rows by cgroup as well */
	bool listeners;		/* --listeners: backlog, queue, waits, refusals */
	enum backend_kind backend;
	char **cmd;		/* after --, NULL if none */
};

/* --prometheus's --time-sample unless one is given. */
#define EXPORTER_TIME_SAMPLE 10
/* --top: the default, and the largest N taken. */
#define DEFAULT_TOP 20
#define MAX_TOP 10000

/* Exit status for bad usage, as for every CLI tool of this kind. */
#define EXIT_USAGE 2
/* opts_parse() after --help, --usage or --version: nothing to run, exit 0. */
#define OPTS_DONE 1

/*
 * Parses argv into *o. Returns 0 to run, OPTS_DONE after --help, --usage
 * or --version, or EXIT_USAGE after printing a one-line error (argp adds a
 * hint to its own: an unknown option, or one missing its argument). It
 * never exits, and can be called again (argp keeps its getopt state per
 * call).
 */
int opts_parse(int argc, char **argv, struct opts *o);

/*
 * What the kernel breaks the counts down by: -P, --by-cgroup, or for
 * --prometheus's cgroup label, --cgroup.
 */
enum breakdown opts_breakdown(const struct opts *o);

/* Number parsers shared with the tests; 0 on success, -1 if invalid. */
int parse_seconds(const char *s, double *out);
int parse_pid(const char *s, pid_t *out);
/* A whole percentage from @min to @max. */
int parse_percent(const char *s, int min, int max, int *out);
/* "100,4096": 1 to MAX_SIZES sizes of 1 B to 1 MiB; the count or -1. */
int parse_sizes(const char *s, unsigned long long *out);
int parse_top(const char *s, int *out);

#endif /* UDSTRACE_OPTS_H */
