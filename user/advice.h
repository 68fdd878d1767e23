/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --advise in a run: the advisor's inputs taken from a snapshot, the UDS
 * costs found (this run, the calibration cache, or a calibration run),
 * and the printers of the ranked advice.
 */
#ifndef UDSTRACE_ADVICE_H
#define UDSTRACE_ADVICE_H

#include <stdio.h>
#include "advise.h"
#include "backend.h"
#include "json.h"
#include "snapshot.h"

#define ADV_MAX_INPUTS 256
#define ADV_MAX_REFS 64
#define ADV_NOTE_LEN 1024

struct advice {
	struct adv_input in[ADV_MAX_INPUTS];
	int nr_in;
	struct adv_ref refs[ADV_MAX_REFS];
	int nr_refs;
	struct adv_row rows[ADV_MAX_INPUTS];
	int nr_rows;
	/* Per connection: the processes behind them, ranked the same way. */
	bool per_conn;
	struct adv_input proc_in[ADV_MAX_INPUTS];
	int nr_proc_in;
	struct adv_row proc_rows[ADV_MAX_INPUTS];
	int nr_proc_rows;
	int dropped;	/* connections beyond ADV_MAX_INPUTS, not ranked */
	double elapsed_s;
	char cache[512];	/* the calibration file used, "" if none */
	double calibrated_s;	/* time spent calibrating for this run */
	char note[ADV_NOTE_LEN];	/* why an estimate is missing, or "" */
};

/*
 * The inputs from the per-path rows: loopback TCP as one row (its peer
 * local by definition), blocked by remote sends of the same processes.
 * Only where there are no per-connection rows (the kmod backend).
 */
void advice_from_paths(struct advice *a, const struct snapshot *s);
/*
 * The inputs from the per-connection rows: one per TCP connection, both
 * ends summed, named client -> server, with what blocks its move (a peer
 * in another network namespace, no peer on this host, a server port that
 * also serves remote clients); and one per process that owns an end.
 */
struct conn_table;
void advice_from_conns(struct advice *a, const struct snapshot *s,
		       const struct conn_table *t);
/*
 * This run's UDS cost, when @uds_backend also timed the TCP row (the same
 * scope of time): one reference for its size bucket and pattern.
 */
void advice_this_run(struct advice *a, const struct snapshot *s);
/*
 * For every input whose size and pattern have no reference yet: the
 * calibration cache for @kernel and @backend, and a calibration run for
 * what it lacks, saved back. Then ranks. -errno only for a failure that
 * leaves no estimate; a.note says what happened.
 */
int advice_finish(struct advice *a, const char *kernel, enum backend_kind backend);

/* The tables: the first @top rows of each, and a line that sums the rest. */
void out_advice_table(FILE *f, const struct advice *a, int top);
void out_advice_json(struct json *j, const struct advice *a);

#endif /* UDSTRACE_ADVICE_H */
