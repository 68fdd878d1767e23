// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --advise in a run (advice.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "advice.h"
#include "calibrate.h"
#include "conns.h"
#include "fmt.h"
#include "opts.h"

static void input_from_path(struct adv_input *in, const struct snapshot *s,
			    int send, int recv)
{
	const struct path_stats *p = &s->path[send];

	in->sends = p->calls;
	in->bytes = p->bytes;
	in->ktime_ns = p->ktime_ns;
	in->timed = p->timed;
	in->recvs = s->path[recv].calls;
	memcpy(in->hist, p->hist, sizeof(in->hist));
}

void advice_from_paths(struct advice *a, const struct snapshot *s)
{
	struct adv_input *in = &a->in[a->nr_in++];

	memset(in, 0, sizeof(*in));
	snprintf(in->name, sizeof(in->name), "tcp_sendmsg:loopback");
	input_from_path(in, s, PATH_TCP_LOOPBACK, PATH_TCP_RECV_LOOPBACK);
	/*
	 * The traced processes also talk TCP to other hosts: some of their
	 * peers cannot move. Per connection, -S names which.
	 */
	if (s->path[PATH_TCP_REMOTE].calls)
		in->blockers |= ADV_BLOCK_REMOTE_SENDS;
	a->elapsed_s = s->elapsed_ns / 1e9;
}

/* The standard deviation of one loopback TCP send's time, from the path's histogram. */
static double path_sd(const struct snapshot *s)
{
	const struct path_stats *p = &s->path[PATH_TCP_LOOPBACK];
	double mean, se;
	__u64 n = 0;

	adv_mean_spread(p->ktime_ns, p->timed, p->hist, &mean, &se);
	for (int i = 0; i < HIST_SLOTS; i++)
		n += p->hist[i];
	return se * sqrt((double)n);
}

static unsigned int eph_lo = 32768, eph_hi = 60999;
/* Per port: listening in our network namespace (bit 1), local port of two or more rows (bit 0). */
static unsigned char port_marks[65536];

/* The kernel's range of ports for connecting sockets. */
static void read_port_range(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	unsigned int lo, hi;

	if (!f)
		return;
	if (fscanf(f, "%u %u", &lo, &hi) == 2 && lo <= hi) {
		eph_lo = lo;
		eph_hi = hi;
	}
	fclose(f);
}

/* The ports that listen now (state 0A) in /proc/net/tcp or tcp6. */
static void read_listeners(const char *file)
{
	FILE *f = fopen(file, "r");
	char line[512];
	unsigned int port, state;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %*u: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", &port,
			   &state) == 2 && state == 0x0A && port < 65536)
			port_marks[port] |= 2;
	fclose(f);
}

static void mark_ports(const struct conn_table *t)
{
	static unsigned char seen[65536];

	memset(port_marks, 0, sizeof(port_marks));
	memset(seen, 0, sizeof(seen));
	read_port_range();
	read_listeners("/proc/net/tcp");
	read_listeners("/proc/net/tcp6");
	/* Accepted sockets share their listener's port; connecting ones do not. */
	for (size_t i = 0; i < t->nr; i++) {
		__u16 port = t->rows[i].s.sport;

		if (t->rows[i].s.family == CONN_AF_UNIX)
			continue;
		if (seen[port])
			port_marks[port] |= 1;
		seen[port] = 1;
	}
}

/* How much @port looks like a server's: listening, shared, not ephemeral. */
static int server_score(unsigned int port)
{
	return (port_marks[port] & 2) * 2 + (port_marks[port] & 1) * 2 +
	       !(port >= eph_lo && port <= eph_hi);
}

/*
 * The client end of a connection: the one whose port looks less like a
 * server's (a port listening now, a port shared by accepted sockets, a
 * port outside the kernel's range for connects, in that order); on a tie
 * the higher port. Either end of a connection decides the same, from its
 * own row alone.
 */
static bool is_client(const struct conn_row *r)
{
	int me = server_score(r->s.sport), peer = server_score(r->s.dport);

	if (me != peer)
		return me < peer;
	return r->s.sport > r->s.dport;
}

static bool is_tcp(const struct conn_row *r)
{
	return r->s.family != CONN_AF_UNIX && r->s.dport;
}

/* @p is the other end of @r: the same 4-tuple reversed. */
static bool tcp_peers(const struct conn_row *r, const struct conn_row *p)
{
	size_t n = r->s.family == CONN_AF_INET ? 4 : 16;

	return p->s.family == r->s.family && p->s.sport == r->s.dport &&
	       p->s.dport == r->s.sport && !memcmp(p->s.saddr, r->s.daddr, n) &&
	       !memcmp(p->s.daddr, r->s.saddr, n);
}

static void add_end(struct adv_input *in, const struct conn_row *r)
{
	in->sends += r->s.send.calls;
	in->bytes += r->s.send.bytes;
	in->ktime_ns += r->s.send.ktime_ns;
	in->timed += r->s.send.timed;
	in->recvs += r->s.recv.calls;
}

static void proc_name(char *buf, size_t len, __u32 tgid, const char *comm)
{
	if (tgid)
		snprintf(buf, len, "%.*s[%u]", CONN_COMM_LEN, comm, tgid);
	else
		snprintf(buf, len, "?");
}

/* The process input of @r's owner, created if new; NULL when full. */
static struct adv_input *proc_of(struct advice *a, const struct conn_row *r)
{
	struct adv_input *in;

	for (int i = 0; i < a->nr_proc_in; i++)
		if (a->proc_in[i].tgid == (pid_t)r->s.owner_tgid)
			return &a->proc_in[i];
	if (a->nr_proc_in == ADV_MAX_INPUTS)
		return NULL;
	in = &a->proc_in[a->nr_proc_in++];
	memset(in, 0, sizeof(*in));
	in->tgid = r->s.owner_tgid;
	snprintf(in->comm, sizeof(in->comm), "%.*s", CONN_COMM_LEN, r->s.owner_comm);
	proc_name(in->name, sizeof(in->name), r->s.owner_tgid, r->s.owner_comm);
	return in;
}

/* @r's end counted for its owner, whose peer is @peer_name. */
static void add_proc(struct advice *a, const struct conn_row *r,
		     const char *peer_name, unsigned int blockers, double sd)
{
	struct adv_input *in = proc_of(a, r);

	if (!in)
		return;
	add_end(in, r);
	in->sd_ns = sd;
	in->blockers |= blockers;
	if (!in->peer[0])
		snprintf(in->peer, sizeof(in->peer), "%s", peer_name);
	else if (strcmp(in->peer, peer_name))
		snprintf(in->peer, sizeof(in->peer), "several");
}

/* Where the server end of a connection listens: for remote-clients. */
struct server_end {
	bool known;	/* the server end is one of the rows */
	__u16 port;
	__u32 netns;
};

/*
 * A server port that also served a client not on this host: its local
 * connections could move, its remote ones not, and one listener serves
 * both.
 */
static void mark_remote_clients(struct advice *a, const struct server_end *se)
{
	for (int i = 0; i < a->nr_in; i++) {
		if (!se[i].known || (a->in[i].blockers & ADV_BLOCK_NOT_LOCAL))
			continue;
		for (int k = 0; k < a->nr_in; k++) {
			if (se[k].known && (a->in[k].blockers & ADV_BLOCK_NOT_LOCAL) &&
			    se[k].port == se[i].port && se[k].netns == se[i].netns) {
				a->in[i].blockers |= ADV_BLOCK_REMOTE_CLIENTS;
				break;
			}
		}
	}
}

/*
 * The far end's address is this host's loopback (127.0.0.0/8, ::1,
 * ::ffff:127.0.0.0/104): its peer is here even when no row of the run is
 * that peer (a client not traced, say), so that alone blocks nothing.
 */
static bool remote_is_loopback(const struct conn_row *r)
{
	static const __u8 v6_lo[16] = { [15] = 1 };
	static const __u8 v4_mapped[12] = { [10] = 0xff, [11] = 0xff };
	const __u8 *d = r->s.daddr;

	if (r->s.family == CONN_AF_INET)
		return d[0] == 127;
	return !memcmp(d, v6_lo, 16) ||
	       (!memcmp(d, v4_mapped, 12) && d[12] == 127);
}

/* One connection: @r and its other end @p (NULL: no row of this run). */
static void add_conn(struct advice *a, const struct conn_row *r,
		     const struct conn_row *p, struct server_end *se, double sd)
{
	const struct conn_row *cli = is_client(r) ? r : p;
	const struct conn_row *srv = is_client(r) ? p : r;
	struct adv_input *in = &a->in[a->nr_in];
	char l[56], rem[56], cname[ADV_NAME_LEN];

	memset(in, 0, sizeof(*in));
	conn_local(r, l, sizeof(l));
	conn_remote(r, rem, sizeof(rem));
	if (is_client(r))
		snprintf(in->name, sizeof(in->name), "%s -> %s", l, rem);
	else
		snprintf(in->name, sizeof(in->name), "%s -> %s", rem, l);
	add_end(in, r);
	if (p)
		add_end(in, p);
	in->sd_ns = sd;
	if (cli) {
		in->tgid = cli->s.owner_tgid;
		snprintf(in->comm, sizeof(in->comm), "%.*s", CONN_COMM_LEN, cli->s.owner_comm);
	}
	if (srv) {
		in->peer_tgid = srv->s.owner_tgid;
		snprintf(in->peer_comm, sizeof(in->peer_comm), "%.*s", CONN_COMM_LEN,
			 srv->s.owner_comm);
		proc_name(in->peer, sizeof(in->peer), srv->s.owner_tgid, srv->s.owner_comm);
	} else {
		snprintf(in->peer, sizeof(in->peer), "%s", rem);
	}
	if (!p && !remote_is_loopback(r))
		in->blockers |= ADV_BLOCK_NOT_LOCAL;
	else if (p && r->s.netns && p->s.netns && r->s.netns != p->s.netns)
		in->blockers |= ADV_BLOCK_NETNS;
	se[a->nr_in] = (struct server_end){ .known = srv, .port = srv ? srv->s.sport : 0,
					    .netns = srv ? srv->s.netns : 0 };
	a->nr_in++;
	/* Each end for its own process, its peer the other end's owner or address. */
	if (p) {
		proc_name(cname, sizeof(cname), p->s.owner_tgid, p->s.owner_comm);
		add_proc(a, r, cname, in->blockers, sd);
		proc_name(cname, sizeof(cname), r->s.owner_tgid, r->s.owner_comm);
		add_proc(a, p, cname, in->blockers, sd);
	} else {
		add_proc(a, r, rem, in->blockers, sd);
	}
}

void advice_from_conns(struct advice *a, const struct snapshot *s,
		       const struct conn_table *t)
{
	static struct server_end se[ADV_MAX_INPUTS];
	bool *used = calloc(t->nr ?: 1, sizeof(*used));
	double sd = path_sd(s);

	a->per_conn = true;
	a->elapsed_s = s->elapsed_ns / 1e9;
	if (!used) {
		snprintf(a->note, sizeof(a->note), "out of memory for the connections");
		return;
	}
	mark_ports(t);
	/* The rows come by kernel time: the busiest connections first. */
	for (size_t i = 0; i < t->nr; i++) {
		const struct conn_row *r = &t->rows[i], *p = NULL;

		if (used[i] || !is_tcp(r) || !(r->s.send.calls + r->s.recv.calls))
			continue;
		used[i] = true;
		for (size_t j = i + 1; j < t->nr && !p; j++) {
			if (!used[j] && is_tcp(&t->rows[j]) && tcp_peers(r, &t->rows[j])) {
				p = &t->rows[j];
				used[j] = true;
			}
		}
		if (a->nr_in == ADV_MAX_INPUTS) {
			a->dropped++;
			continue;
		}
		add_conn(a, r, p, se, sd);
	}
	free(used);
	mark_remote_clients(a, se);
	/* A process's blockers: those of its connections (remote-clients too). */
	for (int i = 0; i < a->nr_proc_in; i++)
		for (int k = 0; k < a->nr_in; k++)
			if (a->in[k].tgid == a->proc_in[i].tgid ||
			    a->in[k].peer_tgid == a->proc_in[i].tgid)
				a->proc_in[i].blockers |= a->in[k].blockers;
	if (a->dropped)
		snprintf(a->note, sizeof(a->note),
			 "%d connections beyond the first %d (by kernel time) are not ranked",
			 a->dropped, ADV_MAX_INPUTS);
}

void advice_this_run(struct advice *a, const struct snapshot *s)
{
	struct adv_input uds = {};
	struct adv_ref *r;

	input_from_path(&uds, s, PATH_UNIX_SEND, PATH_UNIX_RECV);
	if (!uds.timed || a->nr_refs == ADV_MAX_REFS)
		return;
	r = &a->refs[a->nr_refs++];
	r->source = ADV_THIS_RUN;
	r->bucket = adv_bucket((double)uds.bytes / uds.sends);
	r->pattern = adv_pattern_of(uds.sends, uds.recvs);
	r->sends = uds.sends;
	adv_mean_spread(uds.ktime_ns, uds.timed, uds.hist, &r->ns_per_send,
			&r->spread_ns);
}

static void add_calibration_ref(struct advice *a, const struct calib_entry *e)
{
	struct adv_ref *r;

	if (a->nr_refs == ADV_MAX_REFS)
		return;
	r = &a->refs[a->nr_refs++];
	r->source = ADV_CALIBRATION;
	r->bucket = adv_bucket(e->size);
	r->pattern = e->pattern;
	r->ns_per_send = e->uds_ns;
	r->spread_ns = e->uds_spread_ns;
	r->sends = e->sends;
}

/* The (size, pattern) pairs no reference covers yet, one entry each. */
static int missing(const struct advice *a, const struct calib *have,
		   struct calib_entry *need)
{
	int n = 0;

	for (int i = 0; i < a->nr_in + a->nr_proc_in && n < CALIB_MAX; i++) {
		const struct adv_input *in = i < a->nr_in ? &a->in[i] :
					     &a->proc_in[i - a->nr_in];
		double size;
		int b;
		enum adv_pattern p;
		bool dup = false;

		if (!in->sends || !in->timed)
			continue;
		size = (double)in->bytes / in->sends;
		b = adv_bucket(size);
		p = adv_pattern_of(in->sends, in->recvs);
		if (adv_find(a->refs, a->nr_refs, b, p) || calib_get(have, b, p))
			continue;
		for (int k = 0; k < n; k++)
			dup |= adv_bucket(need[k].size) == b && need[k].pattern == p;
		if (dup)
			continue;
		memset(&need[n], 0, sizeof(need[n]));
		need[n].size = size < 1 ? 1 : llround(size);
		need[n].pattern = p;
		n++;
	}
	return n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int advice_finish(struct advice *a, const char *kernel, enum backend_kind backend)
{
	const char *bname = backend_ops(backend)->name;
	static struct calib have;
	struct calib_entry need[CALIB_MAX];
	enum backend_kind served;
	char why[512] = "";
	int n, err = 0;

	calib_file(a->cache, sizeof(a->cache), kernel, bname);
	err = calib_load(a->cache, &have);
	if (err && err != -ENOENT)
		snprintf(a->note, sizeof(a->note), "%s is unreadable (%s): calibrating anew",
			 a->cache, strerror(-err));
	if (err)
		have.n = 0;
	n = missing(a, &have, need);
	if (n) {
		double t0 = now_s();

		fprintf(stderr, "udstrace: --advise: calibrating %d size%s on the %s backend (about %d s each)\n",
			n, n > 1 ? "s" : "", bname, 2);
		err = calibrate_run(backend, need, n, CALIB_MSGS, &served, why, sizeof(why));
		a->calibrated_s = now_s() - t0;
		if (err) {
			snprintf(a->note, sizeof(a->note), "calibration failed: %s", why);
		} else {
			for (int i = 0; i < n; i++)
				calib_put(&have, &need[i]);
			err = calib_save(a->cache, kernel, bname, &have);
			if (err)
				snprintf(a->note, sizeof(a->note), "saving %s failed: %s",
					 a->cache, strerror(-err));
		}
	}
	for (int i = 0; i < have.n; i++)
		add_calibration_ref(a, &have.e[i]);
	a->nr_rows = adv_rank(a->in, a->nr_in, a->refs, a->nr_refs, a->elapsed_s,
			      a->rows);
	a->nr_proc_rows = adv_rank(a->proc_in, a->nr_proc_in, a->refs, a->nr_refs,
				   a->elapsed_s, a->proc_rows);
	return err;
}

/* The ends of a row: "client[1] -> server[2]" for a connection, "peer: ..." for a process. */
static const char *who(const struct adv_input *in, bool conn, char *buf, size_t len)
{
	char c[ADV_NAME_LEN];

	if (!conn) {
		snprintf(buf, len, "peer %s", in->peer[0] ? in->peer : "?");
		return buf;
	}
	proc_name(c, sizeof(c), in->tgid, in->comm);
	snprintf(buf, len, "%s -> %s", c, in->peer[0] ? in->peer : "?");
	return buf;
}

/*
 * The rows --top left out, summed in one line: their kernel time, sends
 * and the saving of those that have a UDS cost to compare with.
 */
static void table_rest(FILE *f, const struct adv_row *rows, int from, int nr,
		       int width, bool conn)
{
	char b[3][FMT_LEN], name[64], saving[32] = "-";
	double kt = 0, save = 0;
	__u64 sends = 0;
	bool any = false;

	for (int i = from; i < nr; i++) {
		kt += rows[i].ktime_per_s;
		sends += rows[i].in->sends;
		if (rows[i].uds) {
			save += rows[i].saving_per_s;
			any = true;
		}
	}
	snprintf(name, sizeof(name), "(%d more %s%s)", nr - from,
		 conn ? "connection" : "process", nr - from > 1 ? (conn ? "s" : "es") : "");
	if (any)
		snprintf(saving, sizeof(saving), "%s/s", fmt_ns(b[2], FMT_LEN, save));
	fprintf(f, "%-*s %8s/s %10s %7s %-6s %16s %-34s %s\n", width, name,
		fmt_ns(b[0], FMT_LEN, kt), fmt_count(b[1], FMT_LEN, sends),
		"", "", "", "", saving);
}

/* The first @top of @nr rows, and a line for the rest. */
static void table_rows(FILE *f, const char *title, const struct adv_row *rows,
		       int nr, int top, int width, bool conn, bool per_conn)
{
	char b[6][FMT_LEN], bl[64], src[80], w[2 * ADV_NAME_LEN + 8];
	int shown = nr < top ? nr : top;

	fprintf(f, "%-*s %10s %10s %7s %-6s %16s %-34s %-22s %-15s%s\n", width, title,
		"KTIME/S", "SENDS", "SIZE", "PATTERN", "TCP/SEND", "UDS/SEND (SOURCE)",
		"SAVING/S", "BLOCKERS", per_conn ? (conn ? " CLIENT -> SERVER" : " TALKS TO") : "");
	for (int i = 0; i < shown; i++) {
		const struct adv_row *r = &rows[i];

		if (r->uds)
			snprintf(src, sizeof(src), "%s +-%s (%s)",
				 fmt_ns(b[0], FMT_LEN, r->uds->ns_per_send),
				 fmt_ns(b[1], FMT_LEN, r->uds->spread_ns),
				 adv_source_name(r->uds->source));
		else
			snprintf(src, sizeof(src), "- (no UDS cost)");
		snprintf(w, sizeof(w), "%s +-%s", fmt_ns(b[5], FMT_LEN, r->tcp_ns),
			 fmt_ns(b[1], FMT_LEN, r->tcp_spread_ns));
		fprintf(f, "%-*s %8s/s %10s %7s %-6s %16s %-34s ", width, r->in->name,
			fmt_ns(b[2], FMT_LEN, r->ktime_per_s),
			fmt_count(b[3], FMT_LEN, r->in->sends),
			fmt_bytes(b[4], FMT_LEN, r->in->bytes / r->in->sends),
			adv_pattern_name(r->pattern), w, src);
		if (r->uds) {
			snprintf(src, sizeof(src), "%s/s +-%s",
				 fmt_ns(b[0], FMT_LEN, r->saving_per_s),
				 fmt_ns(b[1], FMT_LEN, r->saving_spread_per_s));
			fprintf(f, "%-22s ", src);
		} else {
			fprintf(f, "%-22s ", "-");
		}
		adv_blockers_str(r->in->blockers, bl, sizeof(bl));
		if (per_conn)
			fprintf(f, "%-15s %s\n", bl, who(r->in, conn, w, sizeof(w)));
		else
			fprintf(f, "%s\n", bl);
	}
	if (nr > shown)
		table_rest(f, rows, shown, nr, width, conn);
}

void out_advice_table(FILE *f, const struct advice *a, int top)
{
	int width = 24;

	/* 0: a report made without --top */
	if (top <= 0)
		top = DEFAULT_TOP;
	for (int i = 0; i < a->nr_rows && i < top; i++)
		if ((int)strlen(a->rows[i].in->name) > width)
			width = strlen(a->rows[i].in->name);
	if (a->per_conn) {
		fprintf(f, "\nADVICE: TCP connections by kernel time per second, and what a Unix socket would save\n");
		table_rows(f, "CONNECTION", a->rows, a->nr_rows, top, width, true, true);
		if (a->nr_proc_rows) {
			fprintf(f, "\n");
			table_rows(f, "PROCESS", a->proc_rows, a->nr_proc_rows, top, width, false,
				   true);
		}
	} else {
		fprintf(f, "\nADVICE: loopback TCP by kernel time per second, and what a Unix socket would save\n");
		table_rows(f, "TRAFFIC", a->rows, a->nr_rows, top, width, false, false);
		fprintf(f, "(per path: the kmod backend keeps no per-connection rows)\n");
	}
	if (!a->nr_rows)
		fprintf(f, "(no loopback TCP sends were traced)\n");
	if (a->cache[0])
		fprintf(f, "calibration cache: %s", a->cache);
	if (a->calibrated_s > 0)
		fprintf(f, " (calibrated now, %.1f s)", a->calibrated_s);
	fputc('\n', f);
	if (a->note[0])
		fprintf(f, "NOTE: %s\n", a->note);
}

static void json_rows(struct json *j, const char *key, const struct adv_row *rows, int nr)
{
	char bl[64];

	json_array_start(j, key);
	for (int i = 0; i < nr; i++) {
		const struct adv_row *r = &rows[i];

		json_object_start(j, NULL);
		json_str(j, "traffic", r->in->name);
		if (r->in->tgid) {
			json_u64(j, "tgid", r->in->tgid);
			json_str(j, "comm", r->in->comm);
		}
		if (r->in->peer_tgid) {
			json_u64(j, "peer_tgid", r->in->peer_tgid);
			json_str(j, "peer_comm", r->in->peer_comm);
		}
		if (r->in->peer[0])
			json_str(j, "peer", r->in->peer);
		json_double(j, "ktime_ns_per_s", r->ktime_per_s);
		json_u64(j, "sends", r->in->sends);
		json_u64(j, "bytes", r->in->bytes);
		json_u64(j, "ktime_ns", r->in->ktime_ns);
		json_u64(j, "recvs", r->in->recvs);
		json_str(j, "pattern", adv_pattern_name(r->pattern));
		json_u64(j, "size_bucket_low", adv_bucket_low(r->bucket));
		json_double(j, "tcp_ns_per_send", r->tcp_ns);
		json_double(j, "tcp_spread_ns", r->tcp_spread_ns);
		if (r->uds) {
			json_double(j, "uds_ns_per_send", r->uds->ns_per_send);
			json_double(j, "uds_spread_ns", r->uds->spread_ns);
			json_str(j, "uds_source", adv_source_name(r->uds->source));
			json_double(j, "saving_ns", r->saving_ns);
			json_double(j, "saving_spread_ns", r->saving_spread_ns);
			json_double(j, "saving_ns_per_s", r->saving_per_s);
			json_double(j, "saving_spread_ns_per_s", r->saving_spread_per_s);
		} else {
			json_null(j, "uds_ns_per_send");
			json_null(j, "uds_source");
			json_null(j, "saving_ns");
		}
		adv_blockers_str(r->in->blockers, bl, sizeof(bl));
		json_array_start(j, "blockers");
		for (char *save, *t = strtok_r(bl, ",", &save); t && strcmp(t, "-");
		     t = strtok_r(NULL, ",", &save))
			json_str(j, NULL, t);
		json_array_end(j);
		json_object_end(j);
	}
	json_array_end(j);
}

void out_advice_json(struct json *j, const struct advice *a)
{
	json_str(j, "advice_level", a->per_conn ? "connection" : "path");
	json_rows(j, "advice", a->rows, a->nr_rows);
	if (a->per_conn)
		json_rows(j, "advice_processes", a->proc_rows, a->nr_proc_rows);
	if (a->note[0])
		json_str(j, "advice_note", a->note);
}
