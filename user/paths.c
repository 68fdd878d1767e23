// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The rows of the summary, in the order of enum ipc_path. */
#include "paths.h"

const struct path_info path_info[NR_PATHS] = {
	[PATH_UNIX_CONNECT] = { "unix_stream_connect", "unix_stream_connect" },
	[PATH_UNIX_SEND] = { "unix_stream_sendmsg", "unix_stream_sendmsg" },
	[PATH_TCP_LOOPBACK] = { "tcp_sendmsg:loopback", "tcp_sendmsg" },
	[PATH_TCP_REMOTE] = { "tcp_sendmsg:remote", "tcp_sendmsg" },
	[PATH_UNIX_RECV] = { "unix_stream_recvmsg", "unix_stream_recvmsg" },
	[PATH_TCP_RECV_LOOPBACK] = { "tcp_recvmsg:loopback", "tcp_recvmsg" },
	[PATH_TCP_RECV_REMOTE] = { "tcp_recvmsg:remote", "tcp_recvmsg" },
};
