// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * floor: attaches the empty programs of bench/floor.bpf.c on the hooks of
 * one udstrace mode and holds them until SIGINT or SIGTERM (or -d seconds),
 * so that make bench can measure the cost of the hooks themselves.
 *
 *   floor [-d SECONDS] SET[,SET...]
 *   SET: syscalls (sys_enter, sys_exit), sock (sock_send_length,
 *        sock_recv_length), wake (sk_data_ready), fentry, fexit,
 *        kprobe, kretprobe (each path function's)
 *
 * It prints "tracing with N empty programs" on stderr once all are
 * attached, the line bench/lib.sh waits for.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "floor.skel.h"

/* Each set: the prefixes of the programs it turns on. */
static const struct {
	const char *name;
	const char *prefix[3];
} sets[] = {
	{ "syscalls", { "sys_enter", "sys_exit" } },
	{ "sock", { "sock_send_length", "sock_recv_length" } },
	{ "wake", { "sk_data_ready" } },
	{ "fentry", { "fentry_" } },
	{ "fexit", { "fexit_" } },
	{ "kprobe", { "kprobe_" } },
	{ "kretprobe", { "kretprobe_" } },
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int quiet_print(enum libbpf_print_level level, const char *fmt,
		       va_list args)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, args) : 0;
}

/* Turns on the programs of set @name; -1 if there is no such set. */
static int select_set(struct bpf_object *obj, const char *name)
{
	struct bpf_program *prog;

	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		if (strcmp(sets[i].name, name))
			continue;
		bpf_object__for_each_program(prog, obj)
			for (int k = 0; k < 3 && sets[i].prefix[k]; k++)
				if (!strncmp(bpf_program__name(prog), sets[i].prefix[k],
					     strlen(sets[i].prefix[k])))
					bpf_program__set_autoload(prog, true);
		return 0;
	}
	return -1;
}

static int usage(void)
{
	fprintf(stderr, "usage: floor [-d SECONDS] SET[,SET...] (SET: syscalls, sock, wake, fentry, fexit, kprobe, kretprobe)\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct bpf_program *prog;
	struct floor_bpf *skel;
	long seconds = 3600;
	char *list, *name;
	int opt, n = 0, err;

	while ((opt = getopt(argc, argv, "d:")) != -1) {
		if (opt != 'd')
			return usage();
		seconds = strtol(optarg, NULL, 10);
		if (seconds <= 0)
			return usage();
	}
	if (optind != argc - 1)
		return usage();
	libbpf_set_print(quiet_print);
	skel = floor_bpf__open();
	if (!skel) {
		fprintf(stderr, "floor: cannot open the BPF object: %s\n", strerror(errno));
		return 1;
	}
	list = argv[optind];
	while ((name = strsep(&list, ",")))
		if (select_set(skel->obj, name)) {
			floor_bpf__destroy(skel);
			return usage();
		}
	err = floor_bpf__load(skel);
	if (!err)
		err = floor_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "floor: cannot load or attach: %s\n", strerror(-err));
		floor_bpf__destroy(skel);
		return 1;
	}
	bpf_object__for_each_program(prog, skel->obj)
		n += bpf_program__autoload(prog);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGALRM, on_signal);
	alarm(seconds);
	fprintf(stderr, "tracing with %d empty programs\n", n);
	while (!stop)
		pause();
	floor_bpf__destroy(skel);
	return 0;
}
