/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* udsbench: the configuration and one measured row, shared by every file. */
#ifndef UDSBENCH_H
#define UDSBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_SIZES 32
#define MAX_MSG_SIZE (16u << 20)	/* 16 MiB */
#define NO_LIMIT UINT64_MAX

/* Exit status for bad usage; 1 for a failed or broken run. */
#define EXIT_USAGE 2

enum transport { TR_UDS, TR_TCP, NR_TRANSPORTS };
enum mode { MODE_LATENCY, MODE_THROUGHPUT, NR_MODES };
enum uds_setup { UDS_SOCKETPAIR, UDS_CONNECT };
enum { SIDE_CLIENT, SIDE_SERVER };

struct config {
	bool transport[NR_TRANSPORTS];
	bool mode[NR_MODES];
	size_t sizes[MAX_SIZES];
	int nr_sizes;
	uint64_t count;		/* messages per run, NO_LIMIT with --duration only */
	double duration_s;	/* per run; 0 = no time limit */
	enum uds_setup uds_setup;
	bool nodelay;		/* TCP_NODELAY on both TCP sockets */
	bool threads;		/* the two sides as threads, not processes */
	int cpu[2];		/* [SIDE_CLIENT], [SIDE_SERVER]; -1 = not pinned */
	bool json;
	int64_t corrupt;	/* UDSBENCH_CORRUPT test hook; -1 = off */
};

/* The result of one (transport, mode, size) run. */
struct row {
	enum transport tr;
	enum mode mode;
	size_t size;
	uint64_t count;		/* messages; round trips in latency mode */
	uint64_t send_calls;	/* send() syscalls on the sockets, both sides */
	uint64_t bytes_sent;	/* bytes those calls sent, both sides */
	uint64_t recv_calls;	/* recv() syscalls on the sockets, both sides */
	uint64_t bytes_received;
	uint64_t connects;	/* connect() calls that set the run up */
	uint64_t elapsed_ns;	/* measured time of the whole run */
	/* latency: round-trip times */
	double rtt_mean_ns;
	uint64_t rtt_p50_ns, rtt_p99_ns;
	/* throughput: one way, client to server */
	double msgs_per_s, mbytes_per_s, mbits_per_s;
};

extern const char *const transport_name[NR_TRANSPORTS];
extern const char *const mode_name[NR_MODES];

/* "socketpair", "connect" or "tcp": how a run's connection was made. */
const char *setup_name(const struct config *cfg, enum transport tr);

/* CLOCK_MONOTONIC in ns; comparable across our processes. */
uint64_t now_ns(void);

#endif /* UDSBENCH_H */
