// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * udstrace --calibrate (calibrate.h): a short udsbench-style run, traced
 * by udstrace's own tracer, and its cache file.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "calibrate.h"
#include "tracer.h"

#define CALIB_DIR "/var/cache/udstrace"
/* The largest message calibrated: one write, one buffer. */
#define CALIB_MAX_SIZE (1 << 20)

void calib_file(char *buf, size_t len, const char *kernel, const char *backend)
{
	const char *dir = getenv("UDSTRACE_CALIBRATION_DIR");

	snprintf(buf, len, "%s/calibration-%s-%s.json", dir && *dir ? dir : CALIB_DIR,
		 kernel, backend);
}

void calib_format(FILE *f, const struct calib_entry *e)
{
	fprintf(f, "{\"size\":%llu,\"pattern\":\"%s\",\"rounds\":%d,\"sends\":%llu,"
		"\"uds_ns\":%.1f,\"uds_spread_ns\":%.1f,\"tcp_ns\":%.1f,\"tcp_spread_ns\":%.1f}",
		e->size, adv_pattern_name(e->pattern), e->rounds, e->sends,
		e->uds_ns, e->uds_spread_ns, e->tcp_ns, e->tcp_spread_ns);
}

int calib_parse(const char *line, struct calib_entry *e)
{
	char pattern[8];
	int used = 0;

	if (sscanf(line, "{\"size\":%llu,\"pattern\":\"%7[a-z]\",\"rounds\":%d,\"sends\":%llu,"
		   "\"uds_ns\":%lf,\"uds_spread_ns\":%lf,\"tcp_ns\":%lf,\"tcp_spread_ns\":%lf}%n",
		   &e->size, pattern, &e->rounds, &e->sends, &e->uds_ns,
		   &e->uds_spread_ns, &e->tcp_ns, &e->tcp_spread_ns, &used) != 8 || !used)
		return -1;
	if (adv_pattern_parse(pattern, &e->pattern) || !e->size || e->rounds < 1 ||
	    !isfinite(e->uds_ns) || !isfinite(e->tcp_ns) || e->uds_ns < 0 ||
	    e->tcp_ns < 0 || e->uds_spread_ns < 0 || e->tcp_spread_ns < 0)
		return -1;
	return 0;
}

/*
 * The file is JSON, written here one entry a line so that reading it back
 * needs no JSON parser: the lines between the "entries" brackets.
 */
int calib_load(const char *file, struct calib *c)
{
	char line[512];
	FILE *f = fopen(file, "r");
	int err = 0;

	c->n = 0;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct calib_entry e;

		if (strncmp(line, "{\"size\"", 7))
			continue;
		if (calib_parse(line, &e)) {
			err = -EINVAL;
			break;
		}
		calib_put(c, &e);
	}
	fclose(f);
	return err;
}

static int make_dir(const char *file)
{
	char dir[512], *slash;

	snprintf(dir, sizeof(dir), "%s", file);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int calib_save(const char *file, const char *kernel, const char *backend,
	       const struct calib *c)
{
	char tmp[600];
	FILE *f;
	int err = make_dir(file);

	if (err)
		return err;
	snprintf(tmp, sizeof(tmp), "%s.%d", file, getpid());
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "{\"schema\":\"udstrace-calibration/1\",\"kernel\":\"%s\",\"backend\":\"%s\",\"entries\":[\n",
		kernel, backend);
	for (int i = 0; i < c->n; i++) {
		calib_format(f, &c->e[i]);
		fputs(i + 1 < c->n ? ",\n" : "\n", f);
	}
	fputs("]}\n", f);
	if (fclose(f) || rename(tmp, file)) {
		err = -errno;
		unlink(tmp);
	}
	return err;
}

void calib_put(struct calib *c, const struct calib_entry *e)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (c->e[i].size == e->size && c->e[i].pattern == e->pattern)
			break;
	if (i == CALIB_MAX)
		i = CALIB_MAX - 1;	/* full: the last one makes room */
	c->e[i] = *e;
	if (i == c->n)
		c->n++;
}

const struct calib_entry *calib_get(const struct calib *c, int bucket,
				    enum adv_pattern pattern)
{
	for (int i = 0; i < c->n; i++)
		if (c->e[i].pattern == pattern && adv_bucket(c->e[i].size) == bucket)
			return &c->e[i];
	return NULL;
}

void calib_stats(const double *v, int n, double *mean, double *se)
{
	double sum = 0, sq = 0;

	for (int i = 0; i < n; i++)
		sum += v[i];
	*mean = n ? sum / n : 0;
	for (int i = 0; i < n; i++)
		sq += (v[i] - *mean) * (v[i] - *mean);
	*se = n > 1 ? sqrt(sq / (n - 1)) / sqrt(n) : 0;
}

/* What the child is asked to do: one transport, one round. */
struct calib_cmd {
	int tcp;
	int pattern;
	unsigned long long size, msgs;
};

struct peer {
	int fd;
	const struct calib_cmd *cmd;
	char *buf;
};

static int full_io(int fd, char *buf, size_t len, bool out)
{
	while (len) {
		ssize_t n = out ? write(fd, buf, len) : read(fd, buf, len);

		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

/* The other end: answers each request, or reads the stream to its end. */
static void *peer_main(void *arg)
{
	struct peer *p = arg;
	const struct calib_cmd *c = p->cmd;
	unsigned long long left = c->size * c->msgs;

	if (c->pattern == ADV_RR) {
		for (unsigned long long i = 0; i < c->msgs; i++)
			if (full_io(p->fd, p->buf, c->size, false) ||
			    full_io(p->fd, p->buf, c->size, true))
				break;
		return NULL;
	}
	while (left) {
		ssize_t n = read(p->fd, p->buf, left < CALIB_MAX_SIZE ? left : CALIB_MAX_SIZE);

		if (n <= 0)
			break;
		left -= n;
	}
	return NULL;
}

static int tcp_pair(int sv[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);

	sv[0] = sv[1] = -1;
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &alen))
		goto fail;
	sv[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (sv[0] < 0 || connect(sv[0], (struct sockaddr *)&a, sizeof(a)))
		goto fail;
	sv[1] = accept(l, NULL, NULL);
	if (sv[1] < 0)
		goto fail;
	close(l);
	/* Each message goes out when written, as a request-response client wants. */
	setsockopt(sv[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(sv[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
fail:
	if (l >= 0)
		close(l);
	if (sv[0] >= 0)
		close(sv[0]);
	return -1;
}

static int child_round(const struct calib_cmd *c, char *buf, char *peer_buf)
{
	struct peer p = { .cmd = c, .buf = peer_buf };
	pthread_t th;
	int sv[2], err = 0;

	if (c->tcp ? tcp_pair(sv) : socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	p.fd = sv[1];
	if (pthread_create(&th, NULL, peer_main, &p)) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	for (unsigned long long i = 0; i < c->msgs && !err; i++) {
		err = full_io(sv[0], buf, c->size, true);
		if (!err && c->pattern == ADV_RR)
			err = full_io(sv[0], buf, c->size, false);
	}
	pthread_join(th, NULL);
	close(sv[0]);
	close(sv[1]);
	return err;
}

/* The traffic maker: a round per command on @in, a status byte on @out. */
static void child_main(int in, int out)
{
	char *buf = calloc(1, CALIB_MAX_SIZE), *peer_buf = calloc(1, CALIB_MAX_SIZE);
	struct calib_cmd c;

	while (read(in, &c, sizeof(c)) == sizeof(c)) {
		char st = buf && peer_buf && !child_round(&c, buf, peer_buf) ? 0 : 1;

		if (write(out, &st, 1) != 1)
			break;
	}
	_exit(0);
}

struct calib_child {
	pid_t pid;
	int to, from;
};

static int child_start(struct calib_child *ch)
{
	int down[2], up[2];

	if (pipe2(down, O_CLOEXEC) || pipe2(up, O_CLOEXEC))
		return -errno;
	ch->pid = fork();
	if (ch->pid < 0)
		return -errno;
	if (!ch->pid) {
		close(down[1]);
		close(up[0]);
		child_main(down[0], up[1]);
	}
	close(down[0]);
	close(up[1]);
	ch->to = down[1];
	ch->from = up[0];
	return 0;
}

static void child_stop(struct calib_child *ch)
{
	close(ch->to);
	close(ch->from);
	waitpid(ch->pid, NULL, 0);
}

/* One round on one transport: kernel time per timed send, or < 0. */
static double round_cost(struct tracer *t, struct calib_child *ch,
			 const struct calib_cmd *c)
{
	int path = c->tcp ? PATH_TCP_LOOPBACK : PATH_UNIX_SEND;
	struct snapshot *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	double cost = -1;
	char st = 1;

	if (!a || !b || tracer_read(t, a, false) ||
	    write(ch->to, c, sizeof(*c)) != sizeof(*c) ||
	    read(ch->from, &st, 1) != 1 || st || tracer_read(t, b, false))
		goto out;
	if (b->path[path].timed > a->path[path].timed)
		cost = (double)(b->path[path].ktime_ns - a->path[path].ktime_ns) /
		       (b->path[path].timed - a->path[path].timed);
out:
	free(a);
	free(b);
	return cost;
}

static int measure(struct tracer *t, struct calib_child *ch,
		   struct calib_entry *e, unsigned long long msgs)
{
	double v[2][CALIB_ROUNDS];

	for (int r = 0; r < CALIB_ROUNDS; r++) {
		for (int tcp = 0; tcp < 2; tcp++) {
			struct calib_cmd c = { tcp, e->pattern, e->size, msgs };

			v[tcp][r] = round_cost(t, ch, &c);
			if (v[tcp][r] < 0)
				return -EIO;
		}
	}
	e->rounds = CALIB_ROUNDS;
	e->sends = CALIB_ROUNDS * msgs * (e->pattern == ADV_RR ? 2 : 1);
	calib_stats(v[0], CALIB_ROUNDS, &e->uds_ns, &e->uds_spread_ns);
	calib_stats(v[1], CALIB_ROUNDS, &e->tcp_ns, &e->tcp_spread_ns);
	return 0;
}

int calibrate_run(enum backend_kind want, struct calib_entry *e, int n,
		  unsigned long long msgs, enum backend_kind *served,
		  char *err, size_t len)
{
	struct target tg = { .mode = FILTER_FOLLOW, .self = getpid() };
	struct tracer *t = calloc(1, sizeof(*t));
	struct calib_child ch = { .pid = -1 };
	int ret;

	if (!t)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		if (!e[i].size || e[i].size > CALIB_MAX_SIZE) {
			snprintf(err, len, "calibration size %llu: want 1 to %d bytes",
				 e[i].size, CALIB_MAX_SIZE);
			free(t);
			return -EINVAL;
		}
	}
	ret = tracer_choose(t, want, err, len);
	if (ret)
		goto out_free;
	ret = tracer_start(t, &tg, err, len);
	if (!ret)
		ret = tracer_filter(t, NULL, 0, NULL, 0);
	if (!ret)
		ret = child_start(&ch);
	if (!ret)
		ret = tracer_follow(t, ch.pid);
	if (ret && !err[0])
		snprintf(err, len, "starting the calibration failed: %s", strerror(-ret));
	for (int i = 0; i < n && !ret; i++) {
		ret = measure(t, &ch, &e[i], msgs);
		if (ret)
			snprintf(err, len, "a calibration round failed (%llu bytes, %s)",
				 e[i].size, adv_pattern_name(e[i].pattern));
	}
	*served = t->choice[PATH_TCP_LOOPBACK].backend;
	if (ch.pid > 0)
		child_stop(&ch);
	tracer_stop(t);
out_free:
	free(t);
	return ret;
}
