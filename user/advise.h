/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The migration advisor (--advise): ranks loopback TCP traffic by kernel
 * time per second and estimates what a Unix socket would save. Pure
 * arithmetic on what the caller measured: no kernel, no files, so the unit
 * tests drive it with synthetic inputs.
 *
 * The inputs are rows of TCP traffic: one per connection (both ends) and
 * one per process, from the per-connection rows (user/advice.c); the
 * per-path row tcp_sendmsg:loopback where there are no such rows.
 */
#ifndef UDSTRACE_ADVISE_H
#define UDSTRACE_ADVISE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "udstrace.h"

/*
 * How the traffic flows. What sets the cost of a send is whether the
 * reader sleeps for each message (the send then pays for waking it):
 * request-response traffic, and a stream whose reader keeps up, read
 * about one message per receive; a stream that outruns its reader reads
 * many per receive. adv_pattern_of() tells the two apart that way.
 */
enum adv_pattern {
	ADV_STREAM,	/* receives take several messages each */
	ADV_RR,		/* about one receive per send */
	NR_ADV_PATTERNS,
};

/* What blocks a move to a Unix socket (bits of adv_input.blockers). */
enum adv_blocker {
	ADV_BLOCK_NETNS = 1 << 0,	/* the peer is in another network namespace */
	ADV_BLOCK_NOT_LOCAL = 1 << 1,	/* the peer is not on this host (not loopback) */
	ADV_BLOCK_REMOTE_CLIENTS = 1 << 2, /* the listener also serves remote clients */
	ADV_BLOCK_REMOTE_SENDS = 1 << 3,   /* path rows: the same processes also send to remote peers */
};

#define ADV_NAME_LEN 120

/* One loopback TCP connection, process or path. */
struct adv_input {
	char name[ADV_NAME_LEN];	/* "127.0.0.1:41000 -> 127.0.0.1:6379", a path, ... */
	pid_t tgid;			/* 0: many or unknown */
	char comm[COMM_LEN];		/* "" if unknown */
	char peer[ADV_NAME_LEN];	/* the peer process or address, "" if unknown */
	pid_t peer_tgid;		/* a connection's server process; 0: unknown */
	char peer_comm[COMM_LEN];
	__u64 sends;		/* tcp_sendmsg calls */
	__u64 bytes;		/* bytes those sent */
	__u64 ktime_ns;		/* kernel time of the timed sends */
	__u64 timed;		/* sends with a time sample */
	__u64 recvs;		/* receives of the same traffic (the pattern) */
	__u64 hist[HIST_SLOTS];	/* per-send time, log2 ns; all zero if unknown */
	/*
	 * Without a histogram (a connection's row has none): the standard
	 * deviation of one send's time taken from elsewhere (the path's), for
	 * the spread of the mean. 0: none.
	 */
	double sd_ns;
	unsigned int blockers;	/* enum adv_blocker bits */
};

enum adv_source {
	ADV_THIS_RUN,		/* UDS traffic of the same size and pattern, same run */
	ADV_CALIBRATION,	/* udstrace --calibrate on this kernel and backend */
};

/* A UDS cost per send for one size bucket and pattern. */
struct adv_ref {
	enum adv_source source;
	int bucket;			/* adv_bucket() of the mean message size */
	enum adv_pattern pattern;
	double ns_per_send;
	double spread_ns;	/* one standard error of ns_per_send */
	__u64 sends;		/* how many sends it rests on */
};

/* One ranked row of advice. */
struct adv_row {
	const struct adv_input *in;
	enum adv_pattern pattern;
	int bucket;
	double ktime_per_s;		/* sends per second x TCP cost per send */
	double sends_per_s;
	double tcp_ns, tcp_spread_ns;	/* its TCP cost per send, standard error */
	const struct adv_ref *uds;	/* NULL: no UDS cost to compare with */
	double saving_ns;		/* over the run: sends x (TCP - UDS per send) */
	double saving_spread_ns;
	double saving_per_s, saving_spread_per_s;
};

/* log2 bucket of a mean message size: 100 B -> 6 (64..127 B). */
int adv_bucket(double mean_size);
/* Lowest size of a bucket, for the table: 6 -> 64. */
unsigned long long adv_bucket_low(int bucket);
enum adv_pattern adv_pattern_of(__u64 sends, __u64 recvs);
const char *adv_pattern_name(enum adv_pattern p);
int adv_pattern_parse(const char *s, enum adv_pattern *p);
const char *adv_source_name(enum adv_source s);
/*
 * Mean and standard error of the mean per call, from a total and a log2
 * histogram (each slot taken at its middle for the variance). 0 spread
 * when the histogram has fewer than two samples.
 */
void adv_mean_spread(__u64 total_ns, __u64 n, const __u64 *hist,
		     double *mean, double *spread);
/*
 * The UDS cost for a bucket and pattern: this run's when there is one,
 * else calibration's; NULL if neither has it.
 */
const struct adv_ref *adv_find(const struct adv_ref *refs, int nr_refs,
			       int bucket, enum adv_pattern pattern);
/*
 * Fills @rows (room for @n) for those of the @n inputs that sent
 * anything, ranked by kernel time per second, highest first; returns how
 * many. @elapsed_s is the run's length.
 */
int adv_rank(const struct adv_input *in, int n, const struct adv_ref *refs,
	     int nr_refs, double elapsed_s, struct adv_row *rows);
/* "netns,not-local" for the bits set, "-" for none. */
const char *adv_blockers_str(unsigned int blockers, char *buf, size_t len);

#endif /* UDSTRACE_ADVISE_H */
