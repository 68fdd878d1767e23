// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Runs a command with one system call failing, as a seccomp filter in a
 * container would make it fail, so the tests can see what udstrace does
 * without it.
 *
 *   deny NR ERRNO CMD [ARGS]   (x86-64 system call numbers)
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned int nr, err;
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),	/* nr, set below */
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO),	/* | err, below */
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = filter,
	};

	if (argc < 4 || sscanf(argv[1], "%u", &nr) != 1 ||
	    sscanf(argv[2], "%u", &err) != 1 || err > SECCOMP_RET_DATA) {
		fprintf(stderr, "usage: deny NR ERRNO CMD [ARGS]\n");
		return 2;
	}
	filter[3].k = nr;
	filter[4].k |= err;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		fprintf(stderr, "deny: seccomp: %s\n", strerror(errno));
		return 1;
	}
	execvp(argv[3], argv + 3);
	fprintf(stderr, "deny: %s: %s\n", argv[3], strerror(errno));
	return 127;
}
