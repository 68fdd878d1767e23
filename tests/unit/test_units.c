// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the pure parts of user/: number formatting, histogram
 * slots, option parsing, snapshot arithmetic, and the parsers of what the
 * kernel prints (/proc/udsprobe, kallsyms, the kprobe blacklist,
 * kprobe_profile and kprobe_events), fed real samples from tests/unit/data/ and malformed
 * lines; the exporter's address and request parsers and its text format;
 * the migration advisor's arithmetic and its calibration cache.
 * No root, no kernel.
 *
 *   test_units [DATA_DIR]   (default tests/unit/data)
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "advice.h"
#include "advise.h"
#include "calibrate.h"
#include "bpf_cost.h"
#include "fmt.h"
#include "hist.h"
#include "http.h"
#include "kprobe_events.h"
#include "listeners_user.h"
#include "opts.h"
#include "output.h"
#include "owners.h"
#include "sampler.h"
#include "snapshot.h"
#include "sort.h"
#include "top.h"
#include "udsprobe_proc.h"

static int failures;
static const char *data_dir = "tests/unit/data";

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
	CHECK_INT("parse_seconds 0.01, the minimum", parse_seconds("0.01", &d) || d != 0.01, 0);
	CHECK_INT("parse_seconds 0.0099", parse_seconds("0.0099", &d), -1);
	CHECK_INT("parse_seconds 1e-10", parse_seconds("1e-10", &d), -1);
	CHECK_INT("parse_seconds 31536000, a year", parse_seconds("31536000", &d), 0);
	CHECK_INT("parse_pid 4194304, PID_MAX_LIMIT", parse_pid("4194304", &p) || p != 4194304, 0);
	CHECK_INT("parse_pid 4194305", parse_pid("4194305", &p), -1);
	CHECK_INT("parse_pid 4242", parse_pid("4242", &p) || p != 4242, 0);
	CHECK_INT("parse_pid 0", parse_pid("0", &p), -1);
	CHECK_INT("parse_pid -5", parse_pid("-5", &p), -1);
	CHECK_INT("parse_pid 12ab", parse_pid("12ab", &p), -1);
	CHECK_INT("parse_pid 2^31", parse_pid("2147483648", &p), -1);
	CHECK_INT("parse_pid 2^64", parse_pid("18446744073709551616", &p), -1);
}

/*
 * opts_parse on a NULL-terminated list of arguments, its messages sent to
 * /dev/null. It must return, not exit, whatever the arguments.
 */
static int parse_quietly(struct opts *o, char **args)
{
	int argc = 0, err, out = dup(1), errfd = dup(2);
	FILE *null = fopen("/dev/null", "w");

	while (args[argc])
		argc++;
	fflush(stdout);
	dup2(fileno(null), 1);
	dup2(fileno(null), 2);
	err = opts_parse(argc, args, o);
	fflush(stdout);
	fflush(stderr);
	dup2(out, 1);
	dup2(errfd, 2);
	close(out);
	close(errfd);
	fclose(null);
	return err;
}

/* Called again and again in one process (the fuzzer does), errors included. */
static void test_opts_advise(void)
{
	char *sizes_alone[] = { "udstrace", "--sizes", "100", NULL };
	char *bad_sizes[] = { "udstrace", "--calibrate", "--sizes", "100,0", NULL };
	char *big_size[] = { "udstrace", "--calibrate", "--sizes", "1048577", NULL };
	char *bad_pattern[] = { "udstrace", "--calibrate", "--pattern", "pingpong", NULL };
	char *cal_cmd[] = { "udstrace", "--calibrate", "--", "true", NULL };
	char *adv_counts[] = { "udstrace", "--advise", "--counts-only", NULL };
	char *cal[] = { "udstrace", "--calibrate", "--sizes=100,4096,1048576",
			"--pattern", "rr", NULL };
	char *adv[] = { "udstrace", "--advise", "-d", "5", NULL };
	unsigned long long sz[MAX_SIZES];
	struct opts o;

	CHECK_INT("opts --sizes without --calibrate", parse_quietly(&o, sizes_alone), EXIT_USAGE);
	CHECK_INT("opts --sizes with a 0", parse_quietly(&o, bad_sizes), EXIT_USAGE);
	CHECK_INT("opts --sizes over 1 MiB", parse_quietly(&o, big_size), EXIT_USAGE);
	CHECK_INT("opts --pattern unknown", parse_quietly(&o, bad_pattern), EXIT_USAGE);
	CHECK_INT("opts --calibrate with a command", parse_quietly(&o, cal_cmd), EXIT_USAGE);
	CHECK_INT("opts --advise --counts-only", parse_quietly(&o, adv_counts), EXIT_USAGE);
	CHECK_INT("opts --calibrate", parse_quietly(&o, cal), 0);
	CHECK_INT("opts --calibrate: sizes", o.nr_sizes, 3);
	CHECK_INT("opts --calibrate: third size", o.sizes[2], 1048576);
	CHECK_INT("opts --calibrate: pattern", o.pattern, ADV_RR);
	CHECK_INT("opts --advise", parse_quietly(&o, adv), 0);
	CHECK_INT("opts --advise: set", o.advise, 1);
	CHECK_INT("opts --advise: both patterns unless told", o.pattern, -1);
	CHECK_INT("parse_sizes: 17 sizes",
		  parse_sizes("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", sz), -1);
	CHECK_INT("parse_sizes: a trailing comma", parse_sizes("100,", sz), -1);
	CHECK_INT("parse_sizes: a sign", parse_sizes("-100", sz), -1);
	CHECK_INT("parse_sizes: two", parse_sizes("1,65536", sz), 2);
}

/*
 * The exporter times in windows unless told otherwise; --time-sample 100
 * times everything; --cost-sample defaults to COST_PCT.
 */
static void test_opts_sampling(void)
{
	char *prom[] = { "udstrace", "--prometheus", "9100", NULL };
	char *prom_all[] = { "udstrace", "--prometheus", "9100", "--time-sample", "100", NULL };
	char *prom_30[] = { "udstrace", "--prometheus", "9100", "--time-sample", "30", NULL };
	char *prom_counts[] = { "udstrace", "--prometheus", "9100", "--counts-only", NULL };
	char *prom_stages[] = { "udstrace", "--prometheus", "9100", "--stages", NULL };
	char *plain[] = { "udstrace", NULL };
	char *cost[] = { "udstrace", "--cost-sample", "0", NULL };
	struct opts o;

	CHECK_INT("opts --prometheus", parse_quietly(&o, prom), 0);
	CHECK_INT("opts --prometheus: --time-sample 10", o.time_sample_pct, EXPORTER_TIME_SAMPLE);
	CHECK_INT("opts --prometheus: its default", o.time_sample_default, 1);
	CHECK_INT("opts --prometheus --time-sample 100", parse_quietly(&o, prom_all), 0);
	CHECK_INT("opts --prometheus --time-sample 100: all timed", o.time_sample_pct, 0);
	CHECK_INT("opts --prometheus --time-sample 30", parse_quietly(&o, prom_30), 0);
	CHECK_INT("opts --prometheus --time-sample 30: 30", o.time_sample_pct, 30);
	CHECK_INT("opts --prometheus --time-sample 30: given", o.time_sample_default, 0);
	CHECK_INT("opts --prometheus --counts-only", parse_quietly(&o, prom_counts), 0);
	CHECK_INT("opts --prometheus --counts-only: no windows", o.time_sample_pct, 0);
	CHECK_INT("opts --prometheus --stages", parse_quietly(&o, prom_stages), 0);
	CHECK_INT("opts --prometheus --stages: no windows", o.time_sample_pct, 0);
	CHECK_INT("opts plain", parse_quietly(&o, plain), 0);
	CHECK_INT("opts plain: every call timed", o.time_sample_pct, 0);
	CHECK_INT("opts plain: --cost-sample 5", o.cost_pct, COST_PCT);
	CHECK_INT("opts --cost-sample 0", parse_quietly(&o, cost), 0);
	CHECK_INT("opts --cost-sample 0: 0", o.cost_pct, 0);
}

static void test_opts_parse(void)
{
	char *bogus[] = { "udstrace", "--bogus", NULL };
	char *bad_pid[] = { "udstrace", "-p", "abc", NULL };
	char *help[] = { "udstrace", "--help", "-p", "0", NULL };
	char *version[] = { "udstrace", "-V", NULL };
	char *conflict[] = { "udstrace", "--counts-only", "--stages", NULL };
	char *good[] = { "udstrace", "-d", "5", "-i", "0.5", "--json", "--",
			 "true", "x", NULL };
	char *pid[] = { "udstrace", "--pid=7", "--backend", "kprobe", NULL };
	char *filters[] = { "udstrace", "-p", "7", "-p", "9", "-p", "7", "-c", "nginx",
			    "--comm=php-fpm", "-c", "nginx", "--cgroup", "/a",
			    "--cgroup=/b", NULL };
	struct opts o;

	CHECK_INT("opts unknown option", parse_quietly(&o, bogus), EXIT_USAGE);
	CHECK_INT("opts bad pid", parse_quietly(&o, bad_pid), EXIT_USAGE);
	CHECK_INT("opts help stops there", parse_quietly(&o, help), OPTS_DONE);
	CHECK_INT("opts version", parse_quietly(&o, version), OPTS_DONE);
	CHECK_INT("opts conflict", parse_quietly(&o, conflict), EXIT_USAGE);
	CHECK_INT("opts good after errors", parse_quietly(&o, good), 0);
	CHECK_INT("opts good duration", (long long)(o.duration_s * 10), 50);
	CHECK_INT("opts good interval", (long long)(o.interval_s * 10), 5);
	CHECK_INT("opts good json", o.json, 1);
	CHECK_STR("opts good command", o.cmd && o.cmd[0] ? o.cmd[0] : "(none)", "true");
	CHECK_INT("opts pid", parse_quietly(&o, pid), 0);
	CHECK_INT("opts pid value", o.pids[0], 7);
	CHECK_INT("opts one pid", o.nr_pids, 1);
	CHECK_INT("opts pid backend", o.backend, BACKEND_KPROBE);
	CHECK_INT("opts pid reset duration", (long long)o.duration_s, 0);
	CHECK_INT("opts filters", parse_quietly(&o, filters), 0);
	CHECK_INT("opts filters: pids, each once", o.nr_pids, 2);
	CHECK_INT("opts filters: second pid", o.pids[1], 9);
	CHECK_INT("opts filters: names, each once", o.nr_comms, 2);
	CHECK_STR("opts filters: second name", o.comms[1], "php-fpm");
	CHECK_INT("opts filters: cgroups", o.nr_cgroups, 2);
	CHECK_STR("opts filters: second cgroup", o.cgroups[1], "/b");
	test_opts_advise();
	test_opts_sampling();
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

/* --prometheus's address: what it binds, or that it is refused. */
static void test_http_listen(void)
{
	static const struct { const char *arg, *name; } good[] = {
		{ "9100", "127.0.0.1:9100" },
		{ "1", "127.0.0.1:1" },
		{ "65535", "127.0.0.1:65535" },
		{ "0.0.0.0:9100", "0.0.0.0:9100" },
		{ "127.0.0.2:80", "127.0.0.2:80" },
		{ "[::1]:9100", "[::1]:9100" },
		{ "[::]:9100", "[::]:9100" },
		{ "[0:0::1]:9100", "[::1]:9100" },
	};
	static const char *const bad[] = {
		"", "0", "65536", "99999999999", "-1", "+9100", "9100x", ":9100",
		"::1:9100", "[::1]", "[::1]9100", "[]:9100", "[127.0.0.1]:80",
		"localhost:9100", "1.2.3.256:80", "1.2.3.4:", "1.2.3.4:0", "[::1:9100",
		"10.0.0.1 :80", " 9100", "0x10", "[::1]]:80", "[::1]:80:80", "[1.2.3.4]:80",
		"[fe80::1%lo]:80",
	};
	struct http_listen l;
	char why[256], name[96];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(name, sizeof(name), "listen '%s'", good[i].arg);
		CHECK_INT(name, http_parse_listen(good[i].arg, &l, why, sizeof(why)), 0);
		snprintf(name, sizeof(name), "listen '%s' binds", good[i].arg);
		CHECK_STR(name, l.name, good[i].name);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		snprintf(name, sizeof(name), "listen '%s' refused", bad[i]);
		CHECK_INT(name, http_parse_listen(bad[i], &l, why, sizeof(why)), -1);
		snprintf(name, sizeof(name), "listen '%s' says why", bad[i]);
		CHECK_INT(name, why[0] != '\0', 1);
	}
	http_parse_listen(":9100", &l, why, sizeof(why));
	CHECK_STR("listen ':9100' asks for the address written out", why,
		  "write the address out, such as 0.0.0.0:PORT; PORT alone means 127.0.0.1");
	http_parse_listen("[::1]", &l, why, sizeof(why));
	CHECK_STR("listen '[::1]' wants a port", why, "want [IPv6]:PORT, such as [::1]:9100");
}

/* A request's answer, -1 while it may still grow; 1000 + status for HEAD. */
static int request(const char *text, bool eof)
{
	struct http_request r;

	if (!http_parse_request(text, strlen(text), eof, &r))
		return -1;
	return r.head ? 1000 + r.status : r.status;
}

static void test_http_request(void)
{
	static const struct { const char *text; int want; } cases[] = {
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200 },
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\nrest", 200 },
		{ "HEAD /metrics HTTP/1.1\r\nhost: x\r\n\r\n", 1200 },
		{ "GET /metrics HTTP/1.0\r\n\r\n", 200 },
		{ "GET /metrics?name[]=x HTTP/1.0\r\n\r\n", 200 },
		{ "GET /metrics HTTP/1.0\n\n", 200 },
		{ "GET /metrics HTTP/1.1\r\nHost:\r\nX-Odd: \t\x80\xff\r\n\r\n", 200 },
		{ "POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 405 },
		{ "get /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 405 },
		{ "DELETE / HTTP/1.0\r\n\r\n", 405 },
		{ "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 404 },
		{ "GET /metrics/ HTTP/1.1\r\nHost: x\r\n\r\n", 404 },
		{ "GET /metricsx HTTP/1.1\r\nHost: x\r\n\r\n", 404 },
		{ "HEAD /x HTTP/1.0\r\n\r\n", 1404 },
		{ "GET /metrics HTTP/1.1\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400 },
		{ "GET  /metrics HTTP/1.0\r\n\r\n", 400 },
		{ "GET /metrics  HTTP/1.0\r\n\r\n", 400 },
		{ "GET /metrics HTTP/2.0\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.10\r\n\r\n", 400 },
		{ "GET /metrics http/1.0\r\n\r\n", 400 },
		{ "GET metrics HTTP/1.0\r\n\r\n", 400 },
		{ "GET http://h/metrics HTTP/1.0\r\n\r\n", 400 },
		{ "GET /metrics\r\n\r\n", 400 },
		{ "GET\r\n\r\n", 400 },
		{ "\r\n", 400 },
		{ "\r\nGET /metrics HTTP/1.0\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.0\r\nNoColon\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.0\r\n: empty name\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.0\r\nName : space\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.0\r\nA: b\r\n folded\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.0\r\nA: b\rc\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.0\r\nA: \x7f\r\n\r\n", 400 },
		{ "GET /met\x01rics HTTP/1.0\r\n\r\n", 400 },
		{ "POST /x HTTP/1.0\r\nbad\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\n", -1 },
		{ "GET /metr", -1 },
		{ "", -1 },
	};
	static const char nul[] = "GET /metrics HTTP/1.0\r\nA: \0\r\n\r\n";
	char name[160], big[HTTP_MAX_REQUEST + 1];
	struct http_request r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "request %zu '%.40s'", i, cases[i].text);
		for (char *c = name; *c; c++)
			if (*c == '\r' || *c == '\n')
				*c = '|';
		CHECK_INT(name, request(cases[i].text, false), cases[i].want);
	}
	/* The client sent all it will: an incomplete head is malformed. */
	CHECK_INT("request incomplete at EOF", request("GET /metrics HTTP/1.1\r\nHost: x\r\n", true), 400);
	CHECK_INT("request empty at EOF", request("", true), 400);
	/* A NUL is no header byte. */
	CHECK_INT("request with a NUL decided",
		  http_parse_request(nul, sizeof(nul) - 1, false, &r), 1);
	CHECK_INT("request with a NUL refused", r.status, 400);
	/* No blank line in HTTP_MAX_REQUEST bytes: refused, not waited for. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /metrics HTTP/1.0\r\nX: ", 27);
	CHECK_INT("request one byte short of the limit waits",
		  http_parse_request(big, HTTP_MAX_REQUEST - 1, false, &r), 0);
	CHECK_INT("request at the limit is decided",
		  http_parse_request(big, HTTP_MAX_REQUEST, false, &r), 1);
	CHECK_INT("request at the limit is refused", r.status, 400);
}

/* The exporter's text: exact lines for a snapshot of known counts. */
static void test_out_prom(void)
{
	static struct tracer t;
	static struct snapshot snap, dip;
	struct prom_info pi = { .version = "0.1", .commit = "abc123", .cgroup = "/sys/fs/cgroup/a\"b" };
	struct report rep = { .snap = &snap, .tracer = &t, .kernel = "6.1.0", .final = true };
	struct path_stats *u = &snap.path[PATH_UNIX_SEND];
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	for (int p = 0; p < NR_PATHS; p++)
		t.choice[p].backend = BACKEND_TRACEPOINT;
	u->calls = 7;
	u->errors = 1;
	u->bytes = 700;
	u->ktime_ns = 1500000123;
	u->timed = 6;
	u->hist[0] = 1;		/* 0 or 1 ns */
	u->hist[9] = 2;		/* 512 to 1023 ns */
	u->hist[31] = 3;	/* 2.1 s and more */
	snap.missed[PATH_UNIX_SEND] = 4;
	/* A read that came out short: the held values stay. */
	dip = snap;
	dip.path[PATH_UNIX_SEND].calls = 0;
	dip.path[PATH_UNIX_SEND].hist[9] = 1;
	dip.missed[PATH_UNIX_SEND] = 0;
	dip.path[PATH_TCP_LOOPBACK].calls = 5;
	snapshot_hold(&snap, &dip);
	CHECK_INT("hold keeps the higher calls", u->calls, 7);
	CHECK_INT("hold keeps the higher slot", u->hist[9], 2);
	CHECK_INT("hold keeps the higher missed", snap.missed[PATH_UNIX_SEND], 4);
	CHECK_INT("hold takes what grew", snap.path[PATH_TCP_LOOPBACK].calls, 5);

	f = open_memstream(&text, &len);
	out_prom(f, &rep, &pi);
	fclose(f);
#define HAS(line)	CHECK_INT("prom: " line, strstr(text, "\n" line "\n") != NULL, 1)
#define L(path)		"{path=\"" path "\",cgroup=\"/sys/fs/cgroup/a\\\"b\""
	HAS("udstrace_calls_total" L("unix_stream_sendmsg") "} 7");
	HAS("udstrace_calls_total" L("tcp_sendmsg:loopback") "} 5");
	HAS("udstrace_errors_total" L("unix_stream_sendmsg") "} 1");
	HAS("udstrace_bytes_total" L("unix_stream_sendmsg") "} 700");
	HAS("udstrace_kernel_seconds_total" L("unix_stream_sendmsg") "} 1.500000123");
	HAS("udstrace_call_duration_seconds_bucket" L("unix_stream_sendmsg") ",le=\"0.000000001\"} 1");
	HAS("udstrace_call_duration_seconds_bucket" L("unix_stream_sendmsg") ",le=\"0.000000511\"} 1");
	HAS("udstrace_call_duration_seconds_bucket" L("unix_stream_sendmsg") ",le=\"0.000001023\"} 3");
	HAS("udstrace_call_duration_seconds_bucket" L("unix_stream_sendmsg") ",le=\"2.147483647\"} 3");
	HAS("udstrace_call_duration_seconds_bucket" L("unix_stream_sendmsg") ",le=\"+Inf\"} 6");
	HAS("udstrace_call_duration_seconds_sum" L("unix_stream_sendmsg") "} 1.500000123");
	HAS("udstrace_call_duration_seconds_count" L("unix_stream_sendmsg") "} 6");
	HAS("udstrace_missed_total" L("unix_stream_sendmsg") "} 4");
	HAS("udstrace_info{backend=\"tracepoint\",time_scope=\"syscall\",kernel=\"6.1.0\",version=\"0.1\",commit=\"abc123\",cgroup=\"/sys/fs/cgroup/a\\\"b\"} 1");
	HAS("# TYPE udstrace_call_duration_seconds histogram");
	CHECK_INT("prom: 32 buckets per row", (long long)(strstr(text, "le=\"+Inf\"} 0\n") ? 1 : 0), 1);
	CHECK_INT("prom: no bpf cost unless measured",
		  strstr(text, "udstrace_bpf_run_seconds_total") == NULL, 1);
	free(text);

	pi.cgroup = NULL;
	pi.bpf_stats = true;
	pi.bpf_run_ns = 2000000001;
	pi.bpf_runs = 9;
	text = NULL;
	f = open_memstream(&text, &len);
	out_prom(f, &rep, &pi);
	fclose(f);
	HAS("udstrace_calls_total{path=\"unix_stream_sendmsg\"} 7");
	HAS("udstrace_bpf_run_seconds_total 2.000000001");
	HAS("udstrace_bpf_runs_total 9");
	HAS("udstrace_module_resets_total 0");
#undef HAS
#undef L
	free(text);
}

/* A /proc/udsprobe of format 2 whose first line is @first and that lacks @drop. */
#define ZERO_ROW \
	" 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"

static FILE *udsprobe_text(char *buf, size_t len, const char *first, const char *drop)
{
	static const char *const lines[] = {
		"# instance 1234567890123\n", "# generation 3\n", "# tgid 42\n",
		"# path calls errors bytes ...\n",
		"unix_stream_connect 5 1 0 21400 3900 5100"
		" 0 0 0 0 0 0 0 0 0 0 0 0 5 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		"unix_stream_sendmsg 20000 0 2000000 14100000 500 9000"
		" 0 0 0 0 0 0 0 0 0 19000 1000 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		"some_future_row 7 0 700 1 1 1\n",
		"tcp_sendmsg:loopback" ZERO_ROW, "tcp_sendmsg:remote" ZERO_ROW,
		"unix_stream_recvmsg" ZERO_ROW, "tcp_recvmsg:loopback" ZERO_ROW,
		"tcp_recvmsg:remote" ZERO_ROW,
		"missed unix_stream_connect 0\n", "missed unix_stream_sendmsg 0\n",
		"missed tcp_sendmsg 3\n", "missed unix_stream_recvmsg 0\n",
		"missed tcp_recvmsg 2\n", "missed tcp_splice_read 4\n",
		"missed unix_stream_splice_read 0\n", "missed some_future_function 9\n",
	};
	size_t n = snprintf(buf, len, "%s", first);

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (!drop || strncmp(lines[i], drop, strlen(drop)))
			n += snprintf(buf + n, len - n, "%s", lines[i]);
	return fmemopen(buf, n, "r");
}

static void test_udsprobe_parse(void)
{
	static const char *const needed[] = {
		"# instance", "# generation", "unix_stream_connect ", "tcp_recvmsg:remote ",
		"missed tcp_sendmsg", "missed unix_stream_recvmsg",
	};
	struct udsprobe_counters c;
	char buf[4096];
	FILE *f;

	f = udsprobe_text(buf, sizeof(buf), "# udsprobe 2\n", NULL);
	CHECK_INT("udsprobe parse", udsprobe_parse(f, &c), 0);
	fclose(f);
	CHECK_INT("udsprobe version", c.version, 2);
	CHECK_INT("udsprobe instance", c.instance, 1234567890123ULL);
	CHECK_INT("udsprobe generation", c.generation, 3);
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
	/* A row's misses are its function's plus its extra function's. */
	CHECK_INT("udsprobe missed tcp recv, splice_read included",
		  c.missed[PATH_TCP_RECV_LOOPBACK], 6);
	CHECK_INT("udsprobe missed uds recv", c.missed[PATH_UNIX_RECV], 0);
	/* A part missing would read as zeros: the whole file is refused. */
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		char name[80];

		snprintf(name, sizeof(name), "udsprobe without '%s' refused", needed[i]);
		f = udsprobe_text(buf, sizeof(buf), "# udsprobe 2\n", needed[i]);
		CHECK_INT(name, udsprobe_parse(f, &c), -EINVAL);
		fclose(f);
	}
	/* Format 1 (no instance or generation), or a later one: named, refused. */
	f = udsprobe_text(buf, sizeof(buf), "# udsprobe 1\n", NULL);
	CHECK_INT("udsprobe format 1 refused", udsprobe_parse(f, &c), -EPROTONOSUPPORT);
	fclose(f);
	CHECK_INT("udsprobe format 1 named", c.version, 1);
	f = udsprobe_text(buf, sizeof(buf), "# udsprobe 3\n", NULL);
	CHECK_INT("udsprobe format 3 refused", udsprobe_parse(f, &c), -EPROTONOSUPPORT);
	fclose(f);
	f = udsprobe_text(buf, sizeof(buf), "# udsprobe 2x\n", NULL);
	CHECK_INT("udsprobe bad header refused", udsprobe_parse(f, &c), -EINVAL);
	fclose(f);
	f = udsprobe_text(buf, sizeof(buf), "", NULL);
	CHECK_INT("udsprobe no header refused", udsprobe_parse(f, &c), -EINVAL);
	fclose(f);
	/* A row twice, or one cut short. */
	f = udsprobe_text(buf, sizeof(buf), "# udsprobe 2\nunix_stream_connect" ZERO_ROW, NULL);
	CHECK_INT("udsprobe row twice refused", udsprobe_parse(f, &c), -EINVAL);
	fclose(f);
	f = udsprobe_text(buf, sizeof(buf), "# udsprobe 2\nunix_stream_sendmsg 1 0 100 5 5 5 0 0\n",
			  "unix_stream_sendmsg");
	CHECK_INT("udsprobe short row refused", udsprobe_parse(f, &c), -EINVAL);
	fclose(f);
}

/* A sample file from tests/unit/data/, or NULL (and a FAIL) if it is missing. */
static FILE *sample(const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", data_dir, name);
	f = fopen(path, "r");
	if (!f) {
		printf("FAIL sample %s: %s\n", path, strerror(errno));
		failures++;
	}
	return f;
}

static FILE *text(const char *s)
{
	return fmemopen((void *)s, strlen(s), "r");
}

#define NR_KSYMS 8

/* ksym_resolve_file on @f for @funcs; "-" where a name was not found. */
static void ksym_check(const char *what, FILE *f, const char *const funcs[NR_KSYMS],
		       const char *const want[NR_KSYMS])
{
	char syms[NR_KSYMS][KSYM_LEN], name[160];
	int rets[NR_KSYMS];

	if (!f)
		return;
	CHECK_INT(what, ksym_resolve_file(f, funcs, NR_KSYMS, syms, rets), 0);
	fclose(f);
	for (int i = 0; i < NR_KSYMS; i++) {
		snprintf(name, sizeof(name), "%s: %s", what, funcs[i]);
		CHECK_STR(name, rets[i] ? "-" : syms[i], want[i]);
	}
}

static void test_kallsyms(void)
{
	/* Debian 12's 6.1: built-in functions and compiler copies. */
	static const char *const f61[NR_KSYMS] = {
		"unix_stream_sendmsg", "tcp_sendmsg", "tcp_recvmsg", "get_sigframe",
		"nmi_handle", "tcp_send", "sock_def", "no_such_function",
	};
	static const char *const w61[NR_KSYMS] = {
		"unix_stream_sendmsg", "tcp_sendmsg", "tcp_recvmsg",
		"get_sigframe.constprop.0.isra.0", "-", "-", "-", "-",
	};
	/* 6.18: ".cold" parts next to their function, module and BPF lines. */
	static const char *const f618[NR_KSYMS] = {
		"unix_stream_connect", "tcp_diag_get_aux", "tun_attach",
		"do_compat_epoll_pwait", "ftrace_trampoline", "hash_ip6_resize",
		"snmp_seq_show_ipstats", "bpf_prog",
	};
	static const char *const w618[NR_KSYMS] = {
		"unix_stream_connect", "tcp_diag_get_aux", "tun_attach.isra.0", "-",
		"ftrace_trampoline", "hash_ip6_resize", "snmp_seq_show_ipstats.isra.0", "-",
	};
	/* Malformed lines are skipped, not the end of the file. */
	static const char bad[] =
		"garbage\n"
		"ffffffff81000000 T\n"
		"ffffffff81000000 Ttcp_recvmsg\n"
		"ffffffff81000000 T  tcp_recvmsg\n"
		"zzzzzzzzzzzzzzzz T tcp_recvmsg\n"
		"ffffffff81000000 T tcp_recvmsg trailing words\n"
		"ffffffff81000000 D unix_stream_recvmsg\n"
		"ffffffff81000000 t tcp_sendmsg.cold\n"
		"ffffffff81000000 t unix_stream_connect_"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
		"ffffffff82011340 T tcp_sendmsg\n"
		"ffffffffc0a00000 t unix_stream_sendmsg\t[unix]\n"
		"ffffffff82011340 t unix_stream_connect.isra.0";	/* no newline at EOF */
	static const char *const fbad[NR_KSYMS] = {
		"tcp_sendmsg", "tcp_recvmsg", "unix_stream_recvmsg", "unix_stream_sendmsg",
		"unix_stream_connect", "garbage", "T", "xxx",
	};
	static const char *const wbad[NR_KSYMS] = {
		"tcp_sendmsg", "-", "-", "unix_stream_sendmsg",
		"unix_stream_connect.isra.0", "-", "-", "-",
	};

	ksym_check("kallsyms 6.1", sample("kallsyms-6.1.txt"), f61, w61);
	ksym_check("kallsyms 6.18", sample("kallsyms-6.18.txt"), f618, w618);
	ksym_check("kallsyms malformed", text(bad), fbad, wbad);
	ksym_check("kallsyms empty", text(""), fbad,
		   (const char *const[NR_KSYMS]){ "-", "-", "-", "-", "-", "-", "-", "-" });
}

static void blacklist_check(const char *what, FILE *f, const char *sym, bool want)
{
	char name[160];

	if (!f)
		return;
	snprintf(name, sizeof(name), "%s: '%s' %s", what, sym, want ? "listed" : "not listed");
	CHECK_INT(name, kprobe_blacklist_find(f, sym), want);
	fclose(f);
}

static void test_blacklist(void)
{
	static const char *const listed[] = {
		"asm_exc_divide_error", "entry_SYSCALL_compat", "paravirt_ret0", NULL,
	};
	static const char *const unlisted[] = {
		"tcp_sendmsg", "unix_stream_sendmsg", "asm_exc", "entry_SYSCALL",
		"0xffffffff81c00990", "", NULL,
	};
	/* A module's symbol, and addresses hidden (kptr_restrict). */
	static const char other[] =
		"0xffffffffc0a01000-0xffffffffc0a01040\tkvm_spurious_fault [kvm]\n"
		"0x0000000000000000-0x0000000000000000\tnotify_die\n";
	static const char bad[] =
		"notify_die\n"
		"0xffffffff81000000-0xffffffff81000010 tcp_sendmsg\n"
		"0xffffffff81000000\ttcp_recvmsg\n"
		"tcp_sendmsg\t0xffffffff81000000-0xffffffff81000010\n"
		"0xffffffff81000000-0xffffffff81000010\tunix_stream_sendmsg_x\n"
		"0xffffffff81000000-0xffffffff81000010\t\n"
		"0xffffffff81000000-0xffffffff81000010\tunix_stream_connect";

	for (int i = 0; listed[i]; i++)
		blacklist_check("blacklist 6.1", sample("kprobe-blacklist-6.1.txt"), listed[i], true);
	for (int i = 0; unlisted[i]; i++)
		blacklist_check("blacklist 6.1", sample("kprobe-blacklist-6.1.txt"), unlisted[i], false);
	blacklist_check("blacklist module", text(other), "kvm_spurious_fault", true);
	blacklist_check("blacklist hidden addresses", text(other), "notify_die", true);
	blacklist_check("blacklist module name", text(other), "kvm", false);
	blacklist_check("blacklist malformed", text(bad), "notify_die", false);
	blacklist_check("blacklist malformed", text(bad), "tcp_sendmsg", false);
	blacklist_check("blacklist malformed", text(bad), "tcp_recvmsg", false);
	blacklist_check("blacklist malformed", text(bad), "unix_stream_sendmsg", false);
	blacklist_check("blacklist malformed", text(bad), "unix_stream_connect", true);
}

/* kprobe_profile_missed on @f: "-" if @event is not found, else its misses. */
static void profile_check(const char *what, FILE *f, const char *event, const char *want)
{
	char name[160], got[32] = "-";
	__u64 missed = 12345;

	if (!f)
		return;
	if (!kprobe_profile_missed(f, event, &missed))
		snprintf(got, sizeof(got), "%llu", (unsigned long long)missed);
	fclose(f);
	snprintf(name, sizeof(name), "%s: %s", what, event);
	CHECK_STR(name, got, want);
}

static void test_kprobe_profile(void)
{
	static const char misses[] =
		"  udstrace_9_tcp_sendmsg_entry                          5000               0\n"
		"  udstrace_9_tcp_sendmsg_ret                            5000              17\n"
		"  udstrace_9_tcp_recvmsg_ret            18446744073709551615 18446744073709551615\n";
	static const char bad[] =
		"udstrace_9_a 12\n"
		"  udstrace_9_b abc 3\n"
		"  udstrace_9_c 1 2 3\n"
		"  udstrace_9_d 1 -2\n"
		"  udstrace_9_e 1 99999999999999999999999\n"
		"  udstrace_9_f 1 2x\n"
		"  udstrace_9_g\t7\t8\n"
		"\n"
		"  udstrace_9_h 1 2";	/* no newline at EOF */

	profile_check("kprobe_profile 6.1", sample("kprobe_profile-6.1.txt"),
		      "udstrace_127_tcp_sendmsg_ret", "0");
	profile_check("kprobe_profile 6.1", sample("kprobe_profile-6.1.txt"),
		      "udstrace_127_unix_stream_recvmsg_entry", "0");
	profile_check("kprobe_profile 6.1", sample("kprobe_profile-6.1.txt"),
		      "udstrace_127_tcp_sendmsg", "-");
	profile_check("kprobe_profile 6.1", sample("kprobe_profile-6.1.txt"),
		      "udstrace_12_tcp_sendmsg_ret", "-");
	profile_check("kprobe_profile misses", text(misses), "udstrace_9_tcp_sendmsg_ret", "17");
	profile_check("kprobe_profile misses", text(misses), "udstrace_9_tcp_sendmsg_entry", "0");
	profile_check("kprobe_profile u64 max", text(misses), "udstrace_9_tcp_recvmsg_ret",
		      "18446744073709551615");
	profile_check("kprobe_profile one number", text(bad), "udstrace_9_a", "-");
	profile_check("kprobe_profile not a number", text(bad), "udstrace_9_b", "-");
	profile_check("kprobe_profile three numbers", text(bad), "udstrace_9_c", "-");
	profile_check("kprobe_profile negative", text(bad), "udstrace_9_d", "-");
	profile_check("kprobe_profile overflow", text(bad), "udstrace_9_e", "-");
	profile_check("kprobe_profile trailing junk", text(bad), "udstrace_9_f", "-");
	profile_check("kprobe_profile tabs", text(bad), "udstrace_9_g", "8");
	profile_check("kprobe_profile after bad lines", text(bad), "udstrace_9_h", "2");
	profile_check("kprobe_profile empty", text(""), "udstrace_9_h", "-");
}

/* kprobe_event_line on @line: "-" if not ours, else "NAME NS PID". */
static void event_check(const char *what, const char *line, const char *want)
{
	char name[KPROBE_EVENT_LEN], got[160] = "-";
	unsigned long long ns = 7;
	int pid = 7;

	if (kprobe_event_line(line, name, &ns, &pid))
		snprintf(got, sizeof(got), "%s %llu %d", name, ns, pid);
	CHECK_STR(what, got, want);
}

static void test_kprobe_event_line(void)
{
	event_check("kprobe_events entry",
		    "p:kprobes/udstrace_4026531836_1234_tcp_sendmsg_entry tcp_sendmsg\n",
		    "udstrace_4026531836_1234_tcp_sendmsg_entry 4026531836 1234");
	event_check("kprobe_events kretprobe with maxactive",
		    "r64:kprobes/udstrace_4026532281_1_unix_stream_recvmsg_ret unix_stream_recvmsg\n",
		    "udstrace_4026532281_1_unix_stream_recvmsg_ret 4026532281 1");
	event_check("kprobe_events kretprobe",
		    "r:kprobes/udstrace_1_2_x_ret x\n", "udstrace_1_2_x_ret 1 2");
	/* Before the namespace was in the name: ours, owner unknown. */
	event_check("kprobe_events old name",
		    "p:kprobes/udstrace_1234_tcp_sendmsg_entry tcp_sendmsg\n",
		    "udstrace_1234_tcp_sendmsg_entry 0 0");
	event_check("kprobe_events negative pid", "p:kprobes/udstrace_5_-1_x_entry x\n",
		    "udstrace_5_-1_x_entry 0 0");
	event_check("kprobe_events signed namespace", "p:kprobes/udstrace_-5_1_x_entry x\n",
		    "udstrace_-5_1_x_entry 0 0");
	/* Found by tests/fuzz/fuzz_kprobe_events (corpus/kprobe_events/crash-*). */
	event_check("kprobe_events pid not ended by _", "p:kprobes/udstrace_4_4x242_x_entry x\n",
		    "udstrace_4_4x242_x_entry 0 0");
	event_check("kprobe_events pid past INT_MAX", "p:kprobes/udstrace_5_4294967297_x_entry x\n",
		    "udstrace_5_4294967297_x_entry 0 0");
	event_check("kprobe_events namespace past 2^64",
		    "p:kprobes/udstrace_18446744073709551616_7_x_entry x\n",
		    "udstrace_18446744073709551616_7_x_entry 0 0");
	event_check("kprobe_events pid with a sign", "p:kprobes/udstrace_5_+7_x_entry x\n",
		    "udstrace_5_+7_x_entry 0 0");
	event_check("kprobe_events pid 0", "p:kprobes/udstrace_5_0_x_entry x\n",
		    "udstrace_5_0_x_entry 0 0");
	event_check("kprobe_events no namespace inode", "p:kprobes/udstrace_0_7_x_entry x\n",
		    "udstrace_0_7_x_entry 0 7");
	event_check("kprobe_events other name", "p:kprobes/myprobe tcp_sendmsg\n", "-");
	event_check("kprobe_events other group",
		    "p:perf/udstrace_4026531836_1234_tcp_sendmsg_entry tcp_sendmsg\n", "-");
	event_check("kprobe_events uprobe", "u:kprobes/udstrace_1_2_x_entry x\n", "-");
	event_check("kprobe_events no symbol", "p:kprobes/udstrace_1_2_x_entry\n", "-");
	event_check("kprobe_events name too long",
		    "p:kprobes/udstrace_1_2_0123456789012345678901234567890123456789012345678901234 x\n",
		    "-");
	event_check("kprobe_events empty", "", "-");
	event_check("kprobe_events garbage", "\x01\xff:kprobes/udstrace_", "-");
}

/* kprobe_event_id_parse on the text @s. */
static int event_id(const char *s)
{
	FILE *f = text(s);
	int id = kprobe_event_id_parse(f);

	fclose(f);
	return id;
}

/* A tracefs event's id: a number, or -EINVAL, never a negative errno. */
static void test_event_id(void)
{
	CHECK_INT("event id 6.1", event_id("1338\n"), 1338);
	CHECK_INT("event id no newline", event_id("7"), 7);
	CHECK_INT("event id INT_MAX", event_id("2147483647\n"), 2147483647);
	/* Both found by tests/fuzz/fuzz_event_id (corpus/event_id/crash-*). */
	CHECK_INT("event id negative", event_id("-3"), -EINVAL);
	CHECK_INT("event id overflow", event_id("555555555555555555555555555555555555"), -EINVAL);
	CHECK_INT("event id 2^31", event_id("2147483648\n"), -EINVAL);
	CHECK_INT("event id trailing junk", event_id("12ab\n"), -EINVAL);
	CHECK_INT("event id empty", event_id(""), -EINVAL);
	CHECK_INT("event id blank", event_id("\n"), -EINVAL);
}

/*
 * A kretprobe's maxactive: 8 per CPU, at least 64, never above the
 * kernel's 4096 (a larger one makes the kprobe_events write fail).
 */
static void test_maxactive(void)
{
	static const struct { int ncpu; const char *want; int max; } cases[] = {
		{ 1, NULL, 64 }, { 2, NULL, 64 }, { 8, NULL, 64 }, { 9, NULL, 72 },
		{ 511, NULL, 4088 }, { 512, NULL, 4096 }, { 513, NULL, 4096 },
		{ 8192, NULL, 4096 }, { 0x7fffffff, NULL, 4096 }, { 0, NULL, 64 },
		{ -1, NULL, 64 }, { 2, "4", 4 }, { 2, "1", 1 }, { 2, "4096", 4096 },
		{ 2, "4097", 4096 }, { 2, "99999999999999999999", 64 },
		{ 2, "0", 64 }, { 2, "-3", 64 }, { 2, "8x", 64 }, { 2, "", 64 },
		{ 1024, "16", 16 }, { 1024, "junk", 4096 },
	};
	char name[96];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "maxactive %d CPUs, override %s",
			 cases[i].ncpu, cases[i].want ? cases[i].want : "none");
		CHECK_INT(name, kretprobe_maxactive_for(cases[i].ncpu, cases[i].want),
			  cases[i].max);
	}
}

/*
 * --time-sample's windows: 10% opens [0, 100 ms) of each second from the
 * start; a late step never opens a window whose time has passed.
 */
static void test_sampler(void)
{
	const unsigned long long ms = 1000000, t0 = 5000 * ms;
	static const struct { long at_ms; int changed, open; long open_ms; } steps[] = {
		{ 50, 0, 1, 50 },	/* inside the first window */
		{ 100, 1, 0, 100 },	/* it closes on time */
		{ 999, 0, 0, 100 },
		{ 1000, 1, 1, 100 },	/* the second opens */
		{ 1130, 1, 0, 230 },	/* closed late: 130 ms open */
		{ 2500, 0, 0, 230 },	/* the third window's time passed unseen */
		{ 3010, 1, 1, 230 },	/* the fourth opens late */
		{ 3050, 0, 1, 270 },
		{ 5000, 1, 0, 2220 },	/* closed very late: open all along */
		{ 5001, 0, 0, 2220 },	/* the next window is the next second's */
		{ 6000, 1, 1, 2220 },
	};
	struct sampler s;
	char name[96];

	sampler_init(&s, 10, t0);
	CHECK_INT("sampler: open from the start", s.open, 1);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		unsigned long long now = t0 + steps[i].at_ms * ms;
		int changed = sampler_step(&s, now);

		snprintf(name, sizeof(name), "sampler at %ld ms: changed", steps[i].at_ms);
		CHECK_INT(name, changed, steps[i].changed);
		snprintf(name, sizeof(name), "sampler at %ld ms: open", steps[i].at_ms);
		CHECK_INT(name, s.open, steps[i].open);
		snprintf(name, sizeof(name), "sampler at %ld ms: open so far", steps[i].at_ms);
		CHECK_INT(name, sampler_open_ns(&s, now) / ms, steps[i].open_ms);
	}
	/* The window at 6000 ms would not open: never open, the next at 7000. */
	sampler_skip(&s);
	CHECK_INT("sampler skip: closed", s.open, 0);
	CHECK_INT("sampler skip: not counted", sampler_open_ns(&s, t0 + 6050 * ms) / ms, 2220);
	CHECK_INT("sampler skip: nothing until the next period",
		  sampler_step(&s, t0 + 6099 * ms), 0);
	CHECK_INT("sampler skip: the next opens", sampler_step(&s, t0 + 7000 * ms) && s.open, 1);
}

/* Near enough for doubles computed two ways: within a millionth. */
#define CHECK_NEAR(name, got, want)					\
	do {								\
		double g_ = (got), w_ = (want);				\
		if (fabs(g_ - w_) > 1e-6 * (fabs(w_) + 1)) {		\
			printf("FAIL %s: got %.6f, want %.6f\n", name, g_, w_); \
			failures++;					\
		} else {						\
			printf("PASS %s\n", name);			\
		}							\
	} while (0)

static struct adv_input adv_in(const char *name, __u64 sends, __u64 ns_per_send,
			       __u64 recvs)
{
	struct adv_input in = { .sends = sends, .bytes = sends * 100,
				.ktime_ns = sends * ns_per_send, .timed = sends,
				.recvs = recvs };

	snprintf(in.name, sizeof(in.name), "%s", name);
	return in;
}

static void test_advise(void)
{
	/* 100 B messages, bucket 6; 4 s of run. */
	struct adv_input in[4] = {
		adv_in("slow", 10, 10000, 10),		/* 25 us/s */
		adv_in("busy", 1000, 10000, 1000),	/* 2.5 ms/s */
		adv_in("idle", 0, 0, 0),		/* dropped */
		adv_in("stream", 100, 20000, 10),	/* 500 us/s, stream */
	};
	struct adv_ref refs[3] = {
		{ .source = ADV_CALIBRATION, .bucket = 6, .pattern = ADV_RR,
		  .ns_per_send = 3000, .spread_ns = 30 },
		{ .source = ADV_THIS_RUN, .bucket = 6, .pattern = ADV_RR,
		  .ns_per_send = 4000, .spread_ns = 40 },
		{ .source = ADV_CALIBRATION, .bucket = 12, .pattern = ADV_STREAM,
		  .ns_per_send = 1000 },
	};
	struct adv_row rows[4];
	char buf[64];
	double mean, se;
	int n;

	CHECK_INT("adv_bucket 100 B", adv_bucket(100), 6);
	CHECK_INT("adv_bucket 1 B", adv_bucket(1), 0);
	CHECK_INT("adv_bucket 4096 B", adv_bucket(4096), 12);
	CHECK_INT("adv_bucket 4095 B", adv_bucket(4095), 11);
	CHECK_INT("adv_bucket_low 6", adv_bucket_low(6), 64);
	CHECK_INT("adv_pattern_of: one receive per send", adv_pattern_of(100, 100), ADV_RR);
	CHECK_INT("adv_pattern_of: 91 receives per 100 sends", adv_pattern_of(100, 91), ADV_RR);
	CHECK_INT("adv_pattern_of: 89 receives per 100 sends", adv_pattern_of(100, 89), ADV_STREAM);
	CHECK_INT("adv_pattern_parse rr", adv_pattern_parse("rr", &(enum adv_pattern){0}), 0);
	CHECK_INT("adv_pattern_parse bogus", adv_pattern_parse("pingpong", &(enum adv_pattern){0}), -1);

	/* Source: this run beats calibration; another bucket or pattern is not comparable. */
	CHECK_INT("adv_find: this run first", adv_find(refs, 3, 6, ADV_RR) == &refs[1], 1);
	CHECK_INT("adv_find: calibration alone", adv_find(refs, 1, 6, ADV_RR) == &refs[0], 1);
	CHECK_INT("adv_find: other pattern", adv_find(refs, 3, 6, ADV_STREAM) == NULL, 1);
	CHECK_INT("adv_find: other bucket", adv_find(refs, 3, 12, ADV_RR) == NULL, 1);

	n = adv_rank(in, 4, refs, 3, 4.0, rows);
	CHECK_INT("adv_rank: rows with sends", n, 3);
	CHECK_STR("adv_rank: first by kernel time per second", rows[0].in->name, "busy");
	CHECK_STR("adv_rank: second", rows[1].in->name, "stream");
	CHECK_STR("adv_rank: third", rows[2].in->name, "slow");
	CHECK_NEAR("adv_rank: busy ktime/s", rows[0].ktime_per_s, 1000 * 10000 / 4.0);
	CHECK_NEAR("adv_rank: busy TCP ns/send", rows[0].tcp_ns, 10000);
	CHECK_INT("adv_rank: busy is request-response", rows[0].pattern, ADV_RR);
	CHECK_INT("adv_rank: busy takes this run's UDS cost", rows[0].uds == &refs[1], 1);
	/* sends x (TCP - UDS per send) = 1000 x (10000 - 4000) */
	CHECK_NEAR("adv_rank: busy saving", rows[0].saving_ns, 6e6);
	CHECK_NEAR("adv_rank: busy saving per s", rows[0].saving_per_s, 1.5e6);
	/* No histogram: the TCP side has no spread, the UDS side's 40 ns remains. */
	CHECK_NEAR("adv_rank: busy saving spread", rows[0].saving_spread_ns, 1000 * 40.0);
	CHECK_INT("adv_rank: stream is a stream", rows[1].pattern, ADV_STREAM);
	CHECK_INT("adv_rank: no UDS cost for a 100 B stream", rows[1].uds == NULL, 1);
	CHECK_NEAR("adv_rank: no saving without a UDS cost", rows[1].saving_ns, 0);

	/* --time-sample: 1 send in 10 timed; the rate counts every send. */
	in[0].timed = 1;
	in[0].ktime_ns = 10000;
	n = adv_rank(in, 1, refs, 1, 4.0, rows);
	CHECK_NEAR("adv_rank: sampled ktime/s from every send", rows[0].ktime_per_s, 10 * 10000 / 4.0);
	CHECK_NEAR("adv_rank: sampled saving from every send", rows[0].saving_ns, 10 * 7000.0);
	CHECK_INT("adv_rank: nothing in no time", adv_rank(in, 1, refs, 1, 0, rows), 0);

	/* Two calls at 1536 ns (slot 10's middle) and two at 6144 (slot 12's). */
	{
		__u64 h[HIST_SLOTS] = { [10] = 2, [12] = 2 };

		adv_mean_spread(15360, 4, h, &mean, &se);
		CHECK_NEAR("adv_mean_spread: mean", mean, 3840);
		CHECK_NEAR("adv_mean_spread: standard error", se, sqrt(4 * 2304.0 * 2304 / 3) / 2);
		memset(h, 0, sizeof(h));
		adv_mean_spread(1536, 1, h, &mean, &se);
		CHECK_NEAR("adv_mean_spread: no histogram, no spread", se, 0);
	}
	CHECK_STR("adv_blockers none", adv_blockers_str(0, buf, sizeof(buf)), "-");
	CHECK_STR("adv_blockers all",
		  adv_blockers_str(ADV_BLOCK_NETNS | ADV_BLOCK_NOT_LOCAL | ADV_BLOCK_REMOTE_CLIENTS |
				   ADV_BLOCK_REMOTE_SENDS, buf, sizeof(buf)),
		  "netns,not-local,remote-clients,remote-sends");
	CHECK_STR("adv_blockers netns, remote clients",
		  adv_blockers_str(ADV_BLOCK_NETNS | ADV_BLOCK_REMOTE_CLIENTS, buf, sizeof(buf)),
		  "netns,remote-clients");
}

/* The line of out_advice_table's output that starts with @start, "" if none. */
static const char *line_of(const char *text, const char *start, char *buf, size_t len)
{
	const char *p = text;

	buf[0] = '\0';
	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, start, strlen(start))) {
			snprintf(buf, len, "%.*s", (int)strcspn(p, "\n"), p);
			break;
		}
	}
	return buf;
}

/*
 * --top N caps each --advise table as it does -P's and -S's: the first N
 * rows, and a line that sums the sends, kernel time and saving of the rest.
 */
static void test_advice_top(void)
{
	static struct advice a;
	char *text = NULL, line[512];
	size_t len = 0;
	FILE *f;

	/* 100 B request-response, 4 s of run; UDS 3,000 ns a send. */
	memset(&a, 0, sizeof(a));
	a.per_conn = true;
	a.in[0] = adv_in("busy", 1000, 10000, 1000);	/* 2.50 ms/s, saves 1.75 ms/s */
	a.in[1] = adv_in("mid", 100, 10000, 100);	/* 250 us/s, saves 175 us/s */
	a.in[2] = adv_in("slow", 10, 10000, 10);	/* 25.0 us/s, saves 17.5 us/s */
	a.nr_in = 3;
	a.refs[0] = (struct adv_ref){ .source = ADV_CALIBRATION, .bucket = 6,
				      .pattern = ADV_RR, .ns_per_send = 3000 };
	a.nr_refs = 1;
	a.nr_rows = adv_rank(a.in, a.nr_in, a.refs, a.nr_refs, 4.0, a.rows);

	f = open_memstream(&text, &len);
	out_advice_table(f, &a, 1);
	fclose(f);
	CHECK_INT("advice --top 1: the first row", !!*line_of(text, "busy ", line, sizeof(line)), 1);
	CHECK_INT("advice --top 1: not the second", !!*line_of(text, "mid ", line, sizeof(line)), 0);
	CHECK_INT("advice --top 1: nor the third", !!*line_of(text, "slow ", line, sizeof(line)), 0);
	/* 110 sends, 275 us/s of kernel time, 110 x 7,000 ns / 4 s saved. */
	CHECK_STR("advice --top 1: the rest summed",
		  line_of(text, "(2 more", line, sizeof(line)),
		  "(2 more connections)       275 us/s        110                                                                    192 us/s");
	free(text);

	text = NULL;
	f = open_memstream(&text, &len);
	out_advice_table(f, &a, 2);
	fclose(f);
	CHECK_INT("advice --top 2: the second row", !!*line_of(text, "mid ", line, sizeof(line)), 1);
	CHECK_STR("advice --top 2: the third summed",
		  line_of(text, "(1 more", line, sizeof(line)),
		  "(1 more connection)       25.0 us/s         10                                                                    17.5 us/s");
	free(text);

	/* No UDS cost for any row left out: no saving to sum. */
	a.nr_rows = adv_rank(a.in, a.nr_in, a.refs, 0, 4.0, a.rows);
	text = NULL;
	f = open_memstream(&text, &len);
	out_advice_table(f, &a, 2);
	fclose(f);
	CHECK_STR("advice --top 2 without a UDS cost: no saving",
		  line_of(text, "(1 more", line, sizeof(line)),
		  "(1 more connection)       25.0 us/s         10                                                                    -");
	free(text);

	text = NULL;
	f = open_memstream(&text, &len);
	out_advice_table(f, &a, 3);
	fclose(f);
	CHECK_INT("advice --top 3: all rows", !!*line_of(text, "slow ", line, sizeof(line)), 1);
	CHECK_INT("advice --top 3: nothing left out", !!strstr(text, " more connection"), 0);
	free(text);
}

static void test_calibration(void)
{
	struct calib_entry e = { .size = 100, .pattern = ADV_RR, .rounds = 5, .sends = 20000,
				 .uds_ns = 1870.5, .uds_spread_ns = 14.6,
				 .tcp_ns = 10600, .tcp_spread_ns = 1630 }, back;
	static struct calib c;
	double v[5] = { 10, 12, 14, 16, 18 }, mean, se;
	char *line = NULL, file[128], tmpl[] = "/tmp/udstrace-calib-XXXXXX";
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);

	calib_format(f, &e);
	fclose(f);
	CHECK_STR("calib_format", line,
		  "{\"size\":100,\"pattern\":\"rr\",\"rounds\":5,\"sends\":20000,\"uds_ns\":1870.5,"
		  "\"uds_spread_ns\":14.6,\"tcp_ns\":10600.0,\"tcp_spread_ns\":1630.0}");
	CHECK_INT("calib_parse: its own line", calib_parse(line, &back), 0);
	CHECK_INT("calib_parse: size", back.size, 100);
	CHECK_INT("calib_parse: pattern", back.pattern, ADV_RR);
	CHECK_NEAR("calib_parse: uds_ns", back.uds_ns, 1870.5);
	CHECK_NEAR("calib_parse: tcp_spread_ns", back.tcp_spread_ns, 1630);
	free(line);
	CHECK_INT("calib_parse: a bad pattern",
		  calib_parse("{\"size\":100,\"pattern\":\"pp\",\"rounds\":5,\"sends\":1,\"uds_ns\":1,"
			      "\"uds_spread_ns\":1,\"tcp_ns\":1,\"tcp_spread_ns\":1}", &back), -1);
	CHECK_INT("calib_parse: a negative cost",
		  calib_parse("{\"size\":100,\"pattern\":\"rr\",\"rounds\":5,\"sends\":1,\"uds_ns\":-1,"
			      "\"uds_spread_ns\":1,\"tcp_ns\":1,\"tcp_spread_ns\":1}", &back), -1);
	CHECK_INT("calib_parse: cut short",
		  calib_parse("{\"size\":100,\"pattern\":\"rr\",\"rounds\":5", &back), -1);
	CHECK_INT("calib_parse: size 0",
		  calib_parse("{\"size\":0,\"pattern\":\"rr\",\"rounds\":5,\"sends\":1,\"uds_ns\":1,"
			      "\"uds_spread_ns\":1,\"tcp_ns\":1,\"tcp_spread_ns\":1}", &back), -1);

	calib_stats(v, 5, &mean, &se);
	CHECK_NEAR("calib_stats: mean of the rounds", mean, 14);
	CHECK_NEAR("calib_stats: standard error", se, sqrt(40 / 4.0) / sqrt(5));
	calib_stats(v, 1, &mean, &se);
	CHECK_NEAR("calib_stats: one round, no spread", se, 0);

	calib_put(&c, &e);
	e.pattern = ADV_STREAM;
	e.uds_ns = 1000;
	calib_put(&c, &e);
	e.uds_ns = 1100;
	calib_put(&c, &e);
	CHECK_INT("calib_put: same size and pattern replaced", c.n, 2);
	CHECK_NEAR("calib_put: the newer kept", calib_get(&c, 6, ADV_STREAM)->uds_ns, 1100);
	CHECK_INT("calib_get: by bucket", calib_get(&c, 6, ADV_RR) == &c.e[0], 1);
	CHECK_INT("calib_get: other bucket", calib_get(&c, 7, ADV_RR) == NULL, 1);

	/* The cache file: written whole, read back, named per kernel and backend. */
	if (!mkdtemp(tmpl)) {
		printf("FAIL calibration cache: mkdtemp: %s\n", strerror(errno));
		failures++;
		return;
	}
	setenv("UDSTRACE_CALIBRATION_DIR", tmpl, 1);
	calib_file(file, sizeof(file), "6.1.0-13-amd64", "fentry");
	CHECK_INT("calib_file: in the directory the environment names",
		  strncmp(file, tmpl, strlen(tmpl)), 0);
	CHECK_STR("calib_file: per kernel and backend", file + strlen(tmpl),
		  "/calibration-6.1.0-13-amd64-fentry.json");
	CHECK_INT("calib_load: no file yet", calib_load(file, &c), -ENOENT);
	calib_put(&c, &e);
	e.size = 4096;
	calib_put(&c, &e);
	CHECK_INT("calib_save", calib_save(file, "6.1.0-13-amd64", "fentry", &c), 0);
	memset(&c, 0, sizeof(c));
	CHECK_INT("calib_load: back", calib_load(file, &c), 0);
	CHECK_INT("calib_load: its entries", c.n, 2);
	CHECK_INT("calib_load: 4096 B stream", calib_get(&c, 12, ADV_STREAM) != NULL, 1);
	f = fopen(file, "a");
	fputs("{\"size\":7,\"pattern\":\"rr\",\"rounds\":x}\n", f);
	fclose(f);
	CHECK_INT("calib_load: a bad line", calib_load(file, &c), -EINVAL);
	unlink(file);
	rmdir(tmpl);
	unsetenv("UDSTRACE_CALIBRATION_DIR");
}

/* What the cost line says it measured, or why not, from what is known. */
static void test_cost_decide(void)
{
	static const struct {
		const char *name;
		bool any_bpf, held, sysctl_on;
		int pct, err;
		enum cost_how how;
		const char *why;
	} cases[] = {
		{ "kmod", false, false, false, 5, 0, COST_NONE,
		  "the kmod backend runs no BPF programs" },
		{ "turned off", true, false, false, 0, 0, COST_NONE, "--cost-sample 0" },
		{ "no CAP_SYS_ADMIN", true, false, false, 5, -EPERM, COST_NONE,
		  "BPF_ENABLE_STATS needs CAP_SYS_ADMIN" },
		{ "before 5.8", true, false, false, 5, -EINVAL, COST_NONE,
		  "this kernel has no BPF_ENABLE_STATS (it came in 5.8)" },
		{ "other error", true, false, false, 5, -ENOMEM, COST_NONE,
		  "BPF_ENABLE_STATS failed: Cannot allocate memory" },
		{ "windows", true, false, false, 5, 0, COST_WINDOWS,
		  "statistics on 5% of each second, in windows" },
		{ "all run", true, false, false, 100, 0, COST_ALWAYS,
		  "statistics on all run (--cost-sample 100)" },
		{ "sysctl", true, false, true, 5, 0, COST_BORROWED,
		  "statistics on all run: they were on already (kernel.bpf_stats_enabled reads 1)" },
		{ "sysctl, no CAP_SYS_ADMIN", true, false, true, 5, -EPERM, COST_BORROWED,
		  "statistics on all run: they were on already (kernel.bpf_stats_enabled reads 1)" },
		{ "--stages", true, true, true, 5, 0, COST_ALWAYS,
		  "statistics on all run for --stages or --bpf-stats" },
	};
	char name[96];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bpf_cost c = {};

		cost_decide(&c, cases[i].any_bpf, cases[i].held, cases[i].sysctl_on,
			    cases[i].pct, cases[i].err);
		snprintf(name, sizeof(name), "cost_decide %s: how", cases[i].name);
		CHECK_INT(name, c.how, cases[i].how);
		snprintf(name, sizeof(name), "cost_decide %s: why", cases[i].name);
		CHECK_STR(name, c.why, cases[i].why);
	}
}

/*
 * The cost windows: the first at the start, each later one inside its own
 * second, and over many seconds spread through it, so that 10% of them
 * open in the first 100 ms, where --time-sample 10's windows are.
 */
static void test_cost_windows(void)
{
	const unsigned long long ms = 1000000, t0 = 7000 * ms;
	struct bpf_cost c = { .start_ns = t0, .open_ns = 50 * ms };
	int inside = 0, early = 0, n = 1000;

	CHECK_INT("cost window 0 opens at the start", cost_window_at(&c, 0) - t0, 0);
	for (int k = 1; k <= n; k++) {
		unsigned long long at = cost_window_at(&c, k) - t0 - k * COST_PERIOD_NS;

		inside += at + c.open_ns <= COST_PERIOD_NS;
		early += at < 100 * ms;
	}
	CHECK_INT("cost windows: each inside its second", inside, n);
	CHECK_INT("cost windows: 9 to 11% open in the first 100 ms",
		  early >= 90 && early <= 110, 1);
}

/* One frame of the live view into @buf; the rows shown, or -1. */
static int render(const struct top_view *v, struct top_row *rows, int nr, char *buf,
		  size_t len)
{
	FILE *f = fmemopen(buf, len, "w");
	int shown;

	if (!f)
		return -1;
	shown = top_render(f, v, rows, nr);
	fclose(f);
	return shown;
}

/* Line @n (from 0) of @buf, copied into @line. */
static const char *nth_line(const char *buf, int n, char *line, size_t len)
{
	const char *end;

	for (; n > 0 && buf; n--)
		buf = strchr(buf, '\n') ? strchr(buf, '\n') + 1 : NULL;
	if (!buf || !*buf)
		return "(none)";
	end = strchr(buf, '\n') ?: buf + strlen(buf);
	snprintf(line, len, "%.*s", (int)(end - buf), buf);
	return line;
}

static int count_lines(const char *buf, int *longest)
{
	int n = 0, cur = 0;

	*longest = 0;
	for (; *buf; buf++) {
		if (*buf != '\n') {
			cur++;
			continue;
		}
		n++;
		if (cur > *longest)
			*longest = cur;
		cur = 0;
	}
	return n;
}

/* The live view's frames: sorted, capped by --top and the screen, cut to its width. */
static void test_top(void)
{
	/* kernel time and calls in opposite orders, so the two sorts differ */
	static const struct top_row five[] = {
		{ .id = { "a" }, .calls = 50, .ktime_ns = 1000, .timed = 50, .total_calls = 500 },
		{ .id = { "b" }, .calls = 40, .ktime_ns = 5000, .timed = 40, .total_calls = 400 },
		{ .id = { "c" }, .calls = 30, .ktime_ns = 3000, .timed = 30, .total_calls = 300 },
		{ .id = { "d" }, .calls = 20, .ktime_ns = 4000, .timed = 20, .total_calls = 200 },
		{ .id = { "e" }, .calls = 10, .ktime_ns = 2000, .timed = 10, .total_calls = 100 },
	};
	struct top_view v = { .clock = "12:00:00", .backend = "fentry (function time)",
			      .interval_ns = 1000000000, .elapsed_ns = 5000000000ULL,
			      .top = DEFAULT_TOP, .lines = 40, .cols = 200 };
	char *top_args[] = { "udstrace", "--top", "5", NULL };
	char *bad_top[] = { "udstrace", "--top", "0", NULL };
	struct top_row rows[5];
	char buf[4096], line[256], word[256];
	int n, longest, v1 = 0;

	CHECK_INT("parse_top 1", parse_top("1", &v1) || v1 != 1, 0);
	CHECK_INT("parse_top 10000", parse_top("10000", &v1) || v1 != 10000, 0);
	CHECK_INT("parse_top 0", parse_top("0", &v1), -1);
	CHECK_INT("parse_top 10001", parse_top("10001", &v1), -1);
	CHECK_INT("parse_top 3x", parse_top("3x", &v1), -1);
	CHECK_INT("opts --top 5", parse_quietly(&(struct opts){}, top_args), 0);
	CHECK_INT("opts --top 0", parse_quietly(&(struct opts){}, bad_top), EXIT_USAGE);

	memcpy(rows, five, sizeof(rows));
	n = render(&v, rows, 5, buf, sizeof(buf));
	CHECK_INT("top: all five rows fit", n, 5);
	CHECK_INT("top: header, column names, five rows", count_lines(buf, &longest), 7);
	CHECK_STR("top: busiest by kernel time first", nth_line(buf, 2, line, sizeof(line)),
		  "b                             40        0 B   5.00 us    125 ns           400       0       0 ns");
	CHECK_STR("top: then d", strtok(strcpy(word, nth_line(buf, 3, line, sizeof(line))), " "), "d");
	CHECK_STR("top: header", nth_line(buf, 0, line, sizeof(line)),
		  "udstrace 12:00:00  backend fentry (function time)  interval 1.00 s  events 150 (150/s)  up 5.00 s");

	/* Six lines: two for the heads, three rows, one that sums the two left out. */
	memcpy(rows, five, sizeof(rows));
	v.lines = 6;
	n = render(&v, rows, 5, buf, sizeof(buf));
	CHECK_INT("top: six lines show three rows", n, 3);
	CHECK_INT("top: six lines", count_lines(buf, &longest), 6);
	CHECK_STR("top: the rest summed", nth_line(buf, 5, line, sizeof(line)),
		  "+ 2 more rows: 60 calls/s, kernel time 3.00 us/s");

	/* --top 2 on a tall screen; counts only: sorted by calls. */
	memcpy(rows, five, sizeof(rows));
	v.lines = 40;
	v.top = 2;
	v.counts_only = true;
	n = render(&v, rows, 5, buf, sizeof(buf));
	CHECK_INT("top: --top 2", n, 2);
	CHECK_INT("top: --top 2 lines", count_lines(buf, &longest), 5);
	CHECK_STR("top: counts only: most calls first",
		  strtok(strcpy(word, nth_line(buf, 2, line, sizeof(line))), " "), "a");
	CHECK_STR("top: --top 2: the rest", nth_line(buf, 4, line, sizeof(line)),
		  "+ 3 more rows: 60 calls/s, kernel time -/s");

	/* Four rows in six lines: all shown, no sum line. */
	memcpy(rows, five, sizeof(rows));
	v.lines = 6;
	v.top = DEFAULT_TOP;
	n = render(&v, rows, 4, buf, sizeof(buf));
	CHECK_INT("top: four rows fill six lines", n, 4);
	CHECK_INT("top: four rows, six lines", count_lines(buf, &longest), 6);

	/* A narrow screen: no line wraps. */
	memcpy(rows, five, sizeof(rows));
	v.cols = 30;
	render(&v, rows, 5, buf, sizeof(buf));
	count_lines(buf, &longest);
	CHECK_INT("top: lines cut to 30 columns", longest, 30);
	v.lines = 1;
	CHECK_INT("top: one line: no rows", render(&v, rows, 5, buf, sizeof(buf)), 0);
	CHECK_INT("top: one line: the header only", count_lines(buf, &longest), 1);
}

/* An AF_UNIX socket's row of the conns map, @sends and @recvs of 1 us each. */
static struct conn_row unix_conn(__u64 sk, __u64 ino, __u32 tgid, const char *name,
				 __u64 sends, __u64 recvs)
{
	struct conn_row r = { .sk = sk };

	r.s.family = CONN_AF_UNIX;
	r.s.ino = ino;
	r.s.peer_ino = ino + 1;
	r.s.owner_tgid = tgid;
	snprintf(r.s.owner_comm, sizeof(r.s.owner_comm), "srv");
	r.s.name_len = snprintf(r.s.name, sizeof(r.s.name), "%s", name);
	r.s.send = (struct conn_dir){ .calls = sends, .bytes = 100 * sends,
				      .ktime_ns = 1000 * sends, .timed = sends };
	r.s.recv = (struct conn_dir){ .calls = recvs, .bytes = 10 * recvs,
				      .ktime_ns = 1000 * recvs, .timed = recvs };
	return r;
}

/* -S and -P rows: the interval against the last read, and their frames. */
static void test_top_rows(void)
{
	const char *path = "/run/a-rather-long-directory-name/of-a-service/socket";
	struct conn_row before[] = {
		unix_conn(0x30, 7, 42, path, 10, 4),
		unix_conn(0x10, 5, 42, "", 8, 0),	/* a new socket since: fewer calls */
	}, now[] = {
		unix_conn(0x10, 6, 43, "", 3, 1),
		unix_conn(0x20, 9, 42, "", 0, 0),	/* never called: no row */
		unix_conn(0x30, 7, 42, path, 25, 4),
	};
	struct conn_table prev = { .rows = before, .nr = 2 }, cur = { .rows = now, .nr = 3 };
	struct owner_row tot[] = {
		{ .k = { .id = 42, .path = PATH_UNIX_SEND }, .s = { .calls = 90, .comm = "cli" } },
		{ .k = { .id = 7, .path = PATH_UNIX_SEND }, .s = { .calls = 5, .comm = "idle" } },
	}, ival_rows[] = {
		{ .k = { .id = 42, .path = PATH_UNIX_SEND }, .s = { .calls = 30, .ktime_ns = 600 } },
	};
	struct owners total = { .row = tot, .n = 2 }, ival = { .row = ival_rows, .n = 1 };
	struct top_view v = { .kind = TOP_CONNS, .clock = "12:00:00", .backend = "fentry",
			      .interval_ns = 1000000000, .elapsed_ns = 5000000000ULL,
			      .top = DEFAULT_TOP, .lines = 40, .cols = 200 };
	struct top_row *rows = NULL;
	char buf[8192], line[512];
	int cap = 0, n, longest;

	n = top_conn_rows(&cur, &prev, &rows, &cap);
	CHECK_INT("top conns: the socket without calls left out", n, 2);
	/* 0x10 has fewer sends than before: a new socket, counted whole. */
	CHECK_INT("top conns: a new socket at an old address: sends", (int)rows[0].sends, 3);
	CHECK_INT("top conns: its receives", (int)rows[0].recvs, 1);
	CHECK_INT("top conns: the old socket: the interval's sends", (int)rows[1].sends, 15);
	CHECK_INT("top conns: its receives", (int)rows[1].recvs, 0);
	CHECK_INT("top conns: its bytes", (int)rows[1].bytes, 1500);
	CHECK_INT("top conns: its kernel time", (int)rows[1].ktime_ns, 15000);
	CHECK_INT("top conns: its run's sends", (int)rows[1].total_sends, 25);
	CHECK_STR("top conns: the local end, with its inode", rows[1].id[1],
		  "/run/a-rather-long-directory-name/of-a-service/socket 7");
	CHECK_STR("top conns: the owner", rows[1].id[3], "42/srv");

	render(&v, rows, n, buf, sizeof(buf));
	CHECK_STR("top conns: the column names", nth_line(buf, 1, line, sizeof(line)),
		  "PROTO LOCAL                                                   PEER       OWNER        PEER PROCESS  SENDS/S  RECVS/S    BYTES/S   KTIME/S      SENDS      RECVS      KTIME");
	CHECK_STR("top conns: the busiest first", nth_line(buf, 2, line, sizeof(line)),
		  "unix  /run/a-rather-long-directory-name/of-a-service/socket 7 * 8        42/srv       -                  15        0    1.50 kB   15.0 us         25          4    29.0 us");
	/* 100 columns: the path narrows to 16 and keeps its end, the totals go. */
	v.cols = 100;
	render(&v, rows, n, buf, sizeof(buf));
	CHECK_STR("top conns: 100 columns: the column names", nth_line(buf, 1, line, sizeof(line)),
		  "PROTO LOCAL            PEER       OWNER        PEER PROCESS  SENDS/S  RECVS/S    BYTES/S   KTIME/S");
	CHECK_STR("top conns: 100 columns: the path's end", nth_line(buf, 2, line, sizeof(line)),
		  "unix  ..rvice/socket 7 * 8        42/srv       -                  15        0    1.50 kB   15.0 us");
	count_lines(buf, &longest);
	CHECK_INT("top conns: 100 columns: no line longer", longest <= 100, 1);
	v.cols = 60;
	render(&v, rows, n, buf, sizeof(buf));
	count_lines(buf, &longest);
	CHECK_INT("top conns: 60 columns: lines cut there", longest, 60);

	/* -P: every process of the run, the interval's counts where it called. */
	n = top_owner_rows(&ival, &total, &rows, &cap);
	CHECK_INT("top procs: a row per process and path of the run", n, 2);
	CHECK_STR("top procs: pid", rows[0].id[0], "42");
	CHECK_STR("top procs: comm", rows[0].id[1], "cli");
	CHECK_STR("top procs: path", rows[0].id[2], "unix_stream_sendmsg");
	CHECK_INT("top procs: the interval's calls", (int)rows[0].calls, 30);
	CHECK_INT("top procs: the run's calls", (int)rows[0].total_calls, 90);
	CHECK_INT("top procs: idle in the interval", (int)rows[1].calls, 0);
	CHECK_INT("top procs: still a row, with its run", (int)rows[1].total_calls, 5);
	v.kind = TOP_PROCS;
	v.cols = 200;
	v.top = 1;
	render(&v, rows, n, buf, sizeof(buf));
	CHECK_STR("top procs: the column names", nth_line(buf, 1, line, sizeof(line)),
		  "PID     COMM            PATH                     CALLS/S    BYTES/S   KTIME/S       AVG         CALLS  ERRORS      KTIME");
	CHECK_STR("top procs: --top 1: the busiest", nth_line(buf, 2, line, sizeof(line)),
		  "42      cli             unix_stream_sendmsg           30        0 B    600 ns         -            90       0       0 ns");
	CHECK_STR("top procs: --top 1: the rest", nth_line(buf, 3, line, sizeof(line)),
		  "+ 1 more row: 0 calls/s, kernel time 0 ns/s");
	free(rows);
}

/* --listeners' names, as ss -x prints them: a path, '@' for each NUL. */
static void test_listener_name(void)
{
	struct listener_key k = {};
	char buf[LISTENER_NAME_LEN];

	strcpy((char *)k.name, "/run/php-fpm.sock");
	listener_name(&k, buf, sizeof(buf));
	CHECK_STR("listener name: path", buf, "/run/php-fpm.sock");
	memset(&k, 0, sizeof(k));
	memcpy(k.name, "\0fpm\0x", 6);
	k.len = 6;
	listener_name(&k, buf, sizeof(buf));
	CHECK_STR("listener name: abstract, NULs as @", buf, "@fpm@x");
	k.len = 4;
	listener_name(&k, buf, sizeof(buf));
	CHECK_STR("listener name: abstract, its length only", buf, "@fpm");
	memset(&k, 0, sizeof(k));
	memcpy(k.name, "/a\nb", 4);
	listener_name(&k, buf, sizeof(buf));
	CHECK_STR("listener name: control bytes as ?", buf, "/a?b");
	memset(k.name, 'x', UNIX_NAME_MAX);
	listener_name(&k, buf, sizeof(buf));
	CHECK_INT("listener name: 108 bytes, no more", strlen(buf), UNIX_NAME_MAX);
	listener_name(&k, buf, 5);
	CHECK_STR("listener name: cut to the buffer", buf, "xxxx");
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/*
 * Tables with no rows have a NULL array: sorting and searching them must
 * not hand qsort or bsearch that NULL (the sanitized pass's UBSan reports
 * it: an interval of -P with no owner yet did, in owners_sort()).
 */
static void test_empty_tables(void)
{
	struct owners empty = {}, prev = {}, out = {};
	int key = 1, v[] = { 3, 1, 2 };

	owners_sort(&empty, false);
	owners_sort(&empty, true);
	CHECK_INT("empty tables: owners_sort leaves 0 rows", empty.n, 0);
	CHECK_INT("empty tables: owners_delta of two empty reads",
		  owners_delta(&empty, &prev, &out), 0);
	CHECK_INT("empty tables: no delta rows", out.n, 0);
	CHECK_INT("empty tables: find_row in none is NULL",
		  find_row(&key, NULL, 0, sizeof(key), cmp_int) == NULL, 1);
	sort_rows(v, 3, sizeof(v[0]), cmp_int);
	CHECK_INT("empty tables: sort_rows still sorts", v[0] * 100 + v[1] * 10 + v[2], 123);
	CHECK_INT("empty tables: find_row finds", *(int *)find_row(&key, v, 3, sizeof(v[0]), cmp_int), 1);
	owners_free(&out);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		data_dir = argv[1];
	test_fmt();
	test_hist();
	test_parse();
	test_opts_parse();
	test_snapshot();
	test_http_listen();
	test_http_request();
	test_out_prom();
	test_udsprobe_parse();
	test_kallsyms();
	test_blacklist();
	test_kprobe_profile();
	test_kprobe_event_line();
	test_event_id();
	test_maxactive();
	test_sampler();
	test_advise();
	test_advice_top();
	test_calibration();
	test_cost_decide();
	test_cost_windows();
	test_top();
	test_top_rows();
	test_listener_name();
	test_empty_tables();
	return failures ? 1 : 0;
}
