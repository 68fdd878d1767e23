// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The live view on a terminal, with plain ANSI (VT100/xterm) escapes:
 * udstrace links only libbpf, libelf and zlib, so no ncurses. Every
 * terminal emulator in use knows these few:
 *   ESC[?1049h / ESC[?1049l   the alternate screen, on and off
 *   ESC[?25l / ESC[?25h       the cursor hidden, shown
 *   ESC[H  the cursor home;  ESC[K  erase to the end of the line;
 *   ESC[J  erase to the end of the screen
 * A frame is written over the last one, line by line, each line's rest
 * erased, then the rest of the screen: no flicker of a full clear, and
 * whatever the traced command printed meanwhile is wiped.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "live.h"

#define ALT_ON "\033[?1049h\033[?25l"
#define ALT_OFF "\033[?25h\033[?1049l"
/* A terminal that cannot tell its size is taken to be a VT100's. */
#define DEFAULT_LINES 24
#define DEFAULT_COLS 80

/* For atexit: whatever way the program leaves, the terminal is given back. */
static struct live *active;

bool live_wanted(double interval_s, bool json)
{
	return interval_s > 0 && !json && isatty(STDOUT_FILENO);
}

/* Everything at once: a frame never shows half drawn. */
static void put(const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(STDOUT_FILENO, buf, len);

		/* A terminal that went away: nothing left to show it to. */
		if (n <= 0)
			return;
		buf += n;
		len -= n;
	}
}

static void live_exit(void)
{
	if (active)
		live_stop(active);
}

static void read_size(struct live *l)
{
	struct winsize ws;

	l->lines = DEFAULT_LINES;
	l->cols = DEFAULT_COLS;
	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row && ws.ws_col) {
		l->lines = ws.ws_row;
		l->cols = ws.ws_col;
	}
}

void live_start(struct live *l, int top)
{
	static bool registered;

	l->top = top;
	l->nr = -1;	/* no frame yet */
	read_size(l);
	fflush(stdout);
	put(ALT_ON, strlen(ALT_ON));
	l->on = true;
	active = l;
	if (!registered)
		registered = !atexit(live_exit);
}

void live_stop(struct live *l)
{
	if (!l->on)
		return;
	put(ALT_OFF, strlen(ALT_OFF));
	l->on = false;
	active = NULL;
}

/* The frame's lines, each ending in "erase the rest"; no newline after the last, which would scroll. */
static void put_frame(const char *frame, size_t len)
{
	char *out = malloc(2 * len + 16), *o = out;

	if (!out)
		return;
	o = stpcpy(o, "\033[H");
	for (size_t i = 0; i < len; i++) {
		if (frame[i] == '\n') {
			o = stpcpy(o, "\033[K");
			if (i + 1 < len)
				*o++ = '\n';
			continue;
		}
		*o++ = frame[i];
	}
	o = stpcpy(o, "\033[J");
	put(out, o - out);
	free(out);
}

/* The last frame again, at the terminal's size now. */
static void redraw(struct live *l)
{
	char *frame = NULL;
	size_t len = 0;
	FILE *f;

	if (!l->on || l->nr < 0 || top_grow(&l->copy, &l->copy_cap, l->nr))
		return;
	l->view.lines = l->lines;
	l->view.cols = l->cols;
	/* top_render sorts its rows: a copy, so a redraw starts the same. */
	if (l->nr)
		memcpy(l->copy, l->rows, l->nr * sizeof(*l->rows));
	f = open_memstream(&frame, &len);
	if (!f)
		return;
	top_render(f, &l->view, l->copy, l->nr);
	if (!fclose(f))
		put_frame(frame, len);
	free(frame);
}

void live_resize(struct live *l)
{
	read_size(l);
	redraw(l);
}

void live_draw(struct live *l, const struct report *ival,
	       const struct snapshot *total, enum top_kind kind, int nr)
{
	const struct backend_ops *b = report_backend(ival, 0);
	time_t now = time(NULL);
	struct tm tm;

	if (!l->on)
		return;
	l->clock[0] = 0;
	if (localtime_r(&now, &tm))
		strftime(l->clock, sizeof(l->clock), "%H:%M:%S", &tm);
	if (report_uniform(ival))
		snprintf(l->backend, sizeof(l->backend), "%s (%s time)", b->name,
			 report_time_scope(ival, 0));
	else
		snprintf(l->backend, sizeof(l->backend), "per path");
	l->view = (struct top_view) {
		.kind = kind,
		.clock = l->clock,
		.backend = l->backend,
		.interval_ns = ival->snap->elapsed_ns,
		.elapsed_ns = total->elapsed_ns,
		.counts_only = ival->counts_only,
		.top = l->top,
	};
	l->nr = nr;
	redraw(l);
}

void live_free(struct live *l)
{
	free(l->rows);
	free(l->copy);
	l->rows = l->copy = NULL;
	l->cap = l->copy_cap = 0;
}
