// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the pure parts of user/: number formatting, histogram
 * slots, option parsing and snapshot arithmetic. No root, no kernel.
 */
#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include "fmt.h"
#include "hist.h"
#include "opts.h"
#include "snapshot.h"
#include "udsprobe_proc.h"

static int failures;

#define CHECK_STR(name, got, want)					\
	do {								\
		const char *g_ = (got), *w_ = (want);			\
		if (strcmp(g_, w_)) {					\
			printf("FAIL %s: got '%s', want '%s'\n", name, g_, w_); \
			failures++;					\
		} else {						\
			printf("PASS %s\n", name);			\
		}							\
	} while (0)

#define CHECK_INT(name, got, want)					\
	do {								\
		long long g_ = (got), w_ = (want);			\
		if (g_ != w_) {						\
			printf("FAIL %s: got %lld, want %lld\n", name, g_, w_); \
			failures++;					\
		} else {						\
			printf("PASS %s\n", name);			\
		}							\
	} while (0)

static void test_fmt(void)
{
	char b[FMT_LEN];

	CHECK_STR("fmt_ns 705", fmt_ns(b, sizeof(b), 705), "705 ns");
	CHECK_STR("fmt_ns 4300", fmt_ns(b, sizeof(b), 4300), "4.30 us");
	CHECK_STR("fmt_ns 999.6", fmt_ns(b, sizeof(b), 999.6), "1.00 us");
	CHECK_STR("fmt_ns 14.1 ms", fmt_ns(b, sizeof(b), 14.1e6), "14.1 ms");
	CHECK_STR("fmt_ns 2.5 s", fmt_ns(b, sizeof(b), 2.5e9), "2.50 s");
	CHECK_STR("fmt_ns 250 s", fmt_ns(b, sizeof(b), 250e9), "250 s");
	CHECK_STR("fmt_bytes 999", fmt_bytes(b, sizeof(b), 999), "999 B");
	CHECK_STR("fmt_bytes 2000000", fmt_bytes(b, sizeof(b), 2000000), "2.00 MB");
	CHECK_STR("fmt_bytes 123456", fmt_bytes(b, sizeof(b), 123456), "123 kB");
	CHECK_STR("fmt_count 0", fmt_count(b, sizeof(b), 0), "0");
	CHECK_STR("fmt_count 999", fmt_count(b, sizeof(b), 999), "999");
	CHECK_STR("fmt_count 20000", fmt_count(b, sizeof(b), 20000), "20,000");
	CHECK_STR("fmt_count 1234567", fmt_count(b, sizeof(b), 1234567), "1,234,567");
}

static void test_hist(void)
{
	__u64 h[HIST_SLOTS] = {};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK_INT("hist_slot_low 0", hist_slot_low(0), 0);
	CHECK_INT("hist_slot_low 1", hist_slot_low(1), 2);
	CHECK_INT("hist_slot_low 10", hist_slot_low(10), 1024);
	h[9] = 4;	/* 512..1023 ns */
	h[10] = 2;
	hist_print(f, h, HIST_SLOTS, "nsecs");
	fclose(f);
	CHECK_STR("hist_print rows", buf,
		  "                   nsecs : count      |distribution                            |\n"
		  "             512 -> 1023 : 4          |****************************************|\n"
		  "            1024 -> 2047 : 2          |********************                    |\n");
	free(buf);
}

static void test_parse(void)
{
	double d = 0;
	pid_t p = 0;

	CHECK_INT("parse_seconds 10", parse_seconds("10", &d), 0);
	CHECK_INT("parse_seconds 10 value", (long long)(d * 1000), 10000);
	CHECK_INT("parse_seconds 0.25", parse_seconds("0.25", &d) || d != 0.25, 0);
	CHECK_INT("parse_seconds 0", parse_seconds("0", &d), -1);
	CHECK_INT("parse_seconds -1", parse_seconds("-1", &d), -1);
	CHECK_INT("parse_seconds abc", parse_seconds("abc", &d), -1);
	CHECK_INT("parse_seconds 5x", parse_seconds("5x", &d), -1);
	CHECK_INT("parse_seconds empty", parse_seconds("", &d), -1);
	CHECK_INT("parse_seconds nan", parse_seconds("nan", &d), -1);
	CHECK_INT("parse_seconds inf", parse_seconds("inf", &d), -1);
	CHECK_INT("parse_seconds 1e9", parse_seconds("1e9", &d), -1);
	CHECK_INT("parse_pid 4242", parse_pid("4242", &p) || p != 4242, 0);
	CHECK_INT("parse_pid 0", parse_pid("0", &p), -1);
	CHECK_INT("parse_pid -5", parse_pid("-5", &p), -1);
	CHECK_INT("parse_pid 12ab", parse_pid("12ab", &p), -1);
	CHECK_INT("parse_pid 2^31", parse_pid("2147483648", &p), -1);
	CHECK_INT("parse_pid 2^64", parse_pid("18446744073709551616", &p), -1);
}

static void test_snapshot(void)
{
	struct path_stats a = { .calls = 3, .bytes = 300, .ktime_ns = 30,
				.timed = 3, .min_ns = 5, .max_ns = 15 };
	struct path_stats b = { .calls = 2, .errors = 1, .ktime_ns = 20,
				.timed = 2, .min_ns = 2, .max_ns = 12 };
	struct path_stats idle = {};
	struct path_stats sum = {};
	struct snapshot cur = {}, prev = {}, d;

	a.hist[3] = 3;
	b.hist[3] = 1;
	b.hist[4] = 1;
	path_stats_add(&sum, &a);
	path_stats_add(&sum, &idle);	/* a CPU that saw nothing */
	path_stats_add(&sum, &b);
	CHECK_INT("sum calls", sum.calls, 5);
	CHECK_INT("sum errors", sum.errors, 1);
	CHECK_INT("sum bytes", sum.bytes, 300);
	CHECK_INT("sum min ignores idle CPUs", sum.min_ns, 2);
	CHECK_INT("sum max", sum.max_ns, 15);
	CHECK_INT("sum hist[3]", sum.hist[3], 4);

	cur.elapsed_ns = 3000;
	prev.elapsed_ns = 1000;
	cur.path[PATH_UNIX_SEND] = sum;
	prev.path[PATH_UNIX_SEND] = a;
	snapshot_delta(&cur, &prev, &d);
	CHECK_INT("delta elapsed", d.elapsed_ns, 2000);
	CHECK_INT("delta calls", d.path[PATH_UNIX_SEND].calls, 2);
	CHECK_INT("delta ktime", d.path[PATH_UNIX_SEND].ktime_ns, 20);
	CHECK_INT("delta hist[3]", d.path[PATH_UNIX_SEND].hist[3], 1);
	CHECK_INT("delta hist[4]", d.path[PATH_UNIX_SEND].hist[4], 1);
}

static void test_udsprobe_parse(void)
{
	static const char good[] =
		"# udsprobe 1\n# tgid 42\n# path calls errors bytes ...\n"
		"unix_stream_connect 5 1 0 21400 3900 5100"
		" 0 0 0 0 0 0 0 0 0 0 0 0 5 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
		"unix_stream_sendmsg 20000 0 2000000 14100000 500 9000"
		" 0 0 0 0 0 0 0 0 0 19000 1000 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
		"some_future_row 7 0 700 1 1 1\n"
		"missed tcp_sendmsg 3\n";
	static const char short_row[] = "# udsprobe 1\nunix_stream_sendmsg 1 0 100 5 5 5 0 0\n";
	static const char no_header[] = "unix_stream_sendmsg 1 0 100 5 5 5\n";
	struct udsprobe_counters c;
	FILE *f;

	f = fmemopen((void *)good, sizeof(good) - 1, "r");
	CHECK_INT("udsprobe parse", udsprobe_parse(f, &c), 0);
	fclose(f);
	CHECK_INT("udsprobe tgid", c.tgid, 42);
	CHECK_INT("udsprobe connect calls", c.path[PATH_UNIX_CONNECT].calls, 5);
	CHECK_INT("udsprobe connect errors", c.path[PATH_UNIX_CONNECT].errors, 1);
	CHECK_INT("udsprobe connect hist[12]", c.path[PATH_UNIX_CONNECT].hist[12], 5);
	CHECK_INT("udsprobe send bytes", c.path[PATH_UNIX_SEND].bytes, 2000000);
	CHECK_INT("udsprobe send max", c.path[PATH_UNIX_SEND].max_ns, 9000);
	CHECK_INT("udsprobe send hist[10]", c.path[PATH_UNIX_SEND].hist[10], 1000);
	CHECK_INT("udsprobe missed tcp loopback", c.missed[PATH_TCP_LOOPBACK], 3);
	CHECK_INT("udsprobe missed tcp remote", c.missed[PATH_TCP_REMOTE], 3);
	CHECK_INT("udsprobe missed uds", c.missed[PATH_UNIX_SEND], 0);
	f = fmemopen((void *)short_row, sizeof(short_row) - 1, "r");
	CHECK_INT("udsprobe short row refused", udsprobe_parse(f, &c), -EINVAL);
	fclose(f);
	f = fmemopen((void *)no_header, sizeof(no_header) - 1, "r");
	CHECK_INT("udsprobe no header refused", udsprobe_parse(f, &c), -EINVAL);
	fclose(f);
}

int main(void)
{
	test_fmt();
	test_hist();
	test_parse();
	test_snapshot();
	test_udsprobe_parse();
	return failures ? 1 : 0;
}
