/* console.h: the container's terminal. The runtime connects to the console socket during
 * create and sends the pty master, which then carries the container's output and stdin. */
#pragma once

#include "monitor.h"

/* A unix socket of @type (SOCK_STREAM: listening) bound at @path (replacing a stale one),
 * non-blocking, or -errno. */
int monitor_bind_unix(const char *path, int type);

/* A listening unix stream socket at @path, or -errno. */
int monitor_listen_unix(const char *path);

/* Accepts the runtime's connection on @listen_fd and receives the pty master it sends
 * (made non-blocking), or -errno. */
int monitor_receive_pty(int listen_fd);

/* Starts listening on --console-socket before create; dies on failure. */
void monitor_console_listen(Monitor *m);

/* After create: takes the pty master from the runtime; dies (deleting the container) on
 * failure. */
void monitor_console_take(Monitor *m);
