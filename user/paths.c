// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The rows of the summary, in the order of enum ipc_path. */
#include <string.h>
#include "paths.h"

const struct path_info path_info[NR_PATHS] = {
	[PATH_UNIX_CONNECT] = { "unix_stream_connect", "unix_stream_connect", "unix_connect",
				NULL, NULL },
	[PATH_UNIX_SEND] = { "unix_stream_sendmsg", "unix_stream_sendmsg", "unix_send",
			     "unix_stream_sendpage", "unix_sendpage" },
	[PATH_TCP_LOOPBACK] = { "tcp_sendmsg:loopback", "tcp_sendmsg", "tcp_send",
				"tcp_sendpage", "tcp_sendpage" },
	[PATH_TCP_REMOTE] = { "tcp_sendmsg:remote", "tcp_sendmsg", "tcp_send",
			      "tcp_sendpage", "tcp_sendpage" },
	/* splice out of a socket never reaches ->recvmsg */
	[PATH_UNIX_RECV] = { "unix_stream_recvmsg", "unix_stream_recvmsg", "unix_recv",
			     "unix_stream_splice_read", "unix_splice" },
	[PATH_TCP_RECV_LOOPBACK] = { "tcp_recvmsg:loopback", "tcp_recvmsg", "tcp_recv",
				     "tcp_splice_read", "tcp_splice" },
	[PATH_TCP_RECV_REMOTE] = { "tcp_recvmsg:remote", "tcp_recvmsg", "tcp_recv",
				   "tcp_splice_read", "tcp_splice" },
};

int path_first_row(int path)
{
	for (int p = 0; p < path; p++)
		if (!strcmp(path_info[p].func, path_info[path].func))
			return p;
	return path;
}
