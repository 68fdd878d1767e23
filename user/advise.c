// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The migration advisor's arithmetic (advise.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "advise.h"
#include "hist.h"
#include "sort.h"

int adv_bucket(double mean_size)
{
	int b = 0;

	while (mean_size >= 2 && b < 62) {
		mean_size /= 2;
		b++;
	}
	return b;
}

unsigned long long adv_bucket_low(int bucket)
{
	return 1ULL << bucket;
}

/*
 * A reader that keeps up takes one message per receive; one that lags
 * takes several. Within 10% of one receive per send counts as keeping up.
 */
enum adv_pattern adv_pattern_of(__u64 sends, __u64 recvs)
{
	return recvs * 10 >= sends * 9 ? ADV_RR : ADV_STREAM;
}

static const char *const pattern_names[NR_ADV_PATTERNS] = {
	[ADV_STREAM] = "stream",
	[ADV_RR] = "rr",
};

const char *adv_pattern_name(enum adv_pattern p)
{
	return pattern_names[p];
}

int adv_pattern_parse(const char *s, enum adv_pattern *p)
{
	for (int i = 0; i < NR_ADV_PATTERNS; i++) {
		if (!strcmp(s, pattern_names[i])) {
			*p = i;
			return 0;
		}
	}
	return -1;
}

const char *adv_source_name(enum adv_source s)
{
	return s == ADV_THIS_RUN ? "this run" : "calibration";
}

void adv_mean_spread(__u64 total_ns, __u64 n, const __u64 *hist,
		     double *mean, double *spread)
{
	double m = n ? (double)total_ns / n : 0, sq = 0;
	__u64 in_hist = 0;

	*mean = m;
	*spread = 0;
	for (int i = 0; i < HIST_SLOTS; i++) {
		/* [2^i, 2^(i+1)): its middle is 1.5 x its low end */
		double mid = i ? 1.5 * hist_slot_low(i) : 0.5;

		sq += hist[i] * (mid - m) * (mid - m);
		in_hist += hist[i];
	}
	if (in_hist > 1)
		*spread = sqrt(sq / (in_hist - 1)) / sqrt(in_hist);
}

const struct adv_ref *adv_find(const struct adv_ref *refs, int nr_refs,
			       int bucket, enum adv_pattern pattern)
{
	const struct adv_ref *best = NULL;

	for (int i = 0; i < nr_refs; i++) {
		const struct adv_ref *r = &refs[i];

		if (r->bucket != bucket || r->pattern != pattern)
			continue;
		if (!best || (r->source == ADV_THIS_RUN && best->source != ADV_THIS_RUN))
			best = r;
	}
	return best;
}

static void adv_estimate(struct adv_row *row, const struct adv_ref *refs,
			 int nr_refs, double elapsed_s)
{
	const struct adv_input *in = row->in;
	double diff, spread;

	row->bucket = adv_bucket((double)in->bytes / in->sends);
	row->pattern = adv_pattern_of(in->sends, in->recvs);
	row->sends_per_s = in->sends / elapsed_s;
	adv_mean_spread(in->ktime_ns, in->timed, in->hist, &row->tcp_ns,
			&row->tcp_spread_ns);
	if (!row->tcp_spread_ns && in->sd_ns > 0 && in->timed > 1)
		row->tcp_spread_ns = in->sd_ns / sqrt(in->timed);
	/* Every send at the timed ones' mean: --time-sample times a share. */
	row->ktime_per_s = row->sends_per_s * row->tcp_ns;
	row->uds = adv_find(refs, nr_refs, row->bucket, row->pattern);
	if (!row->uds || !in->timed)
		return;
	diff = row->tcp_ns - row->uds->ns_per_send;
	spread = hypot(row->tcp_spread_ns, row->uds->spread_ns);
	/* Every send, timed or not, would move. */
	row->saving_ns = in->sends * diff;
	row->saving_spread_ns = in->sends * spread;
	row->saving_per_s = row->saving_ns / elapsed_s;
	row->saving_spread_per_s = row->saving_spread_ns / elapsed_s;
}

static int by_ktime_rate(const void *a, const void *b)
{
	const struct adv_row *x = a, *y = b;

	if (x->ktime_per_s != y->ktime_per_s)
		return x->ktime_per_s < y->ktime_per_s ? 1 : -1;
	return x->in->sends < y->in->sends ? 1 : x->in->sends > y->in->sends ? -1 : 0;
}

int adv_rank(const struct adv_input *in, int n, const struct adv_ref *refs,
	     int nr_refs, double elapsed_s, struct adv_row *rows)
{
	int nr = 0;

	if (elapsed_s <= 0)
		return 0;
	for (int i = 0; i < n; i++) {
		if (!in[i].sends)
			continue;
		memset(&rows[nr], 0, sizeof(rows[nr]));
		rows[nr].in = &in[i];
		adv_estimate(&rows[nr], refs, nr_refs, elapsed_s);
		nr++;
	}
	sort_rows(rows, nr, sizeof(*rows), by_ktime_rate);
	return nr;
}

const char *adv_blockers_str(unsigned int blockers, char *buf, size_t len)
{
	static const char *const names[] = {
		"netns", "not-local", "remote-clients", "remote-sends",
	};
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(blockers & (1U << i)))
			continue;
		off += snprintf(buf + off, off < len ? len - off : 0, "%s%s",
				off ? "," : "", names[i]);
	}
	if (!off)
		snprintf(buf, len, "-");
	return buf;
}
