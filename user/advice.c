// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --advise in a run (advice.h). */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include "advice.h"
#include "calibrate.h"
#include "fmt.h"

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

	for (int i = 0; i < a->nr_in && n < CALIB_MAX; i++) {
		const struct adv_input *in = &a->in[i];
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
	return err;
}

void out_advice_table(FILE *f, const struct advice *a)
{
	char b[6][FMT_LEN], bl[64], src[80];

	fprintf(f, "\nADVICE: loopback TCP by kernel time per second, and what a Unix socket would save\n");
	fprintf(f, "%-24s %10s %10s %7s %-6s %10s %-34s %-22s %s\n", "TRAFFIC", "KTIME/S",
		"SENDS", "SIZE", "PATTERN", "TCP/SEND", "UDS/SEND (SOURCE)", "SAVING/S", "BLOCKERS");
	for (int i = 0; i < a->nr_rows; i++) {
		const struct adv_row *r = &a->rows[i];

		if (r->uds)
			snprintf(src, sizeof(src), "%s +-%s (%s)",
				 fmt_ns(b[0], FMT_LEN, r->uds->ns_per_send),
				 fmt_ns(b[1], FMT_LEN, r->uds->spread_ns),
				 adv_source_name(r->uds->source));
		else
			snprintf(src, sizeof(src), "- (no UDS cost)");
		fprintf(f, "%-24s %8s/s %10s %7s %-6s %10s %-34s ", r->in->name,
			fmt_ns(b[2], FMT_LEN, r->ktime_per_s),
			fmt_count(b[3], FMT_LEN, r->in->sends),
			fmt_bytes(b[4], FMT_LEN, r->in->bytes / r->in->sends),
			adv_pattern_name(r->pattern), fmt_ns(b[5], FMT_LEN, r->tcp_ns), src);
		if (r->uds) {
			snprintf(src, sizeof(src), "%s/s +-%s",
				 fmt_ns(b[0], FMT_LEN, r->saving_per_s),
				 fmt_ns(b[1], FMT_LEN, r->saving_spread_per_s));
			fprintf(f, "%-22s ", src);
		} else {
			fprintf(f, "%-22s ", "-");
		}
		fprintf(f, "%s\n", adv_blockers_str(r->in->blockers, bl, sizeof(bl)));
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

void out_advice_json(struct json *j, const struct advice *a)
{
	char bl[64];

	json_array_start(j, "advice");
	for (int i = 0; i < a->nr_rows; i++) {
		const struct adv_row *r = &a->rows[i];

		json_object_start(j, NULL);
		json_str(j, "traffic", r->in->name);
		if (r->in->tgid) {
			json_u64(j, "tgid", r->in->tgid);
			json_str(j, "comm", r->in->comm);
		}
		if (r->in->peer[0])
			json_str(j, "peer", r->in->peer);
		json_double(j, "ktime_ns_per_s", r->ktime_per_s);
		json_u64(j, "sends", r->in->sends);
		json_u64(j, "bytes", r->in->bytes);
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
	if (a->note[0])
		json_str(j, "advice_note", a->note);
}
