#include "attach.h"

#include "console.h"
#include "die.h"
#include "fd-util.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

void
monitor_attach_broadcast(Monitor *m, const char *buf, size_t len)
{
	for (int i = 0; i < ATTACH_CLIENTS_MAX; i++) {
		if (m->clients[i] < 0)
			continue;
		if (send(m->clients[i], buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len)
			monitor_epoll_remove_and_close(m, &m->clients[i]);
	}
}

void
monitor_close_stdin(Monitor *m)
{
	if (m->stdin_fd < 0)
		return;
	/* A pty has no half-close: end-of-file is the EOF character at a line start. */
	if (m->options->terminal)
		(void)fd_write_all(m->stdin_fd, "\x04", 1);
	closep(&m->stdin_fd);
}

void
monitor_attach_accept(Monitor *m)
{
	int fd = accept4(m->attach_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	for (int i = 0; i < ATTACH_CLIENTS_MAX; i++) {
		if (m->clients[i] < 0) {
			m->clients[i] = fd;
			if (monitor_epoll_add(m, fd) < 0)
				closep(&m->clients[i]);
			return;
		}
	}
	(void)close(fd); /* full */
}

void
monitor_attach_handle_client(Monitor *m, int slot)
{
	ssize_t n = read(m->clients[slot], m->buf, sizeof m->buf);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		if (m->stdin_fd >= 0 && fd_write_all(m->stdin_fd, m->buf, (size_t)n) < 0)
			warn("cannot write to the container's stdin");
		return;
	}
	monitor_epoll_remove_and_close(m, &m->clients[slot]);
	if (m->options->stdin_once)
		monitor_close_stdin(m);
}

void
monitor_attach_serve(Monitor *m)
{
	int r;

	if (m->options->attach_path == NULL)
		return;
	m->attach_fd = monitor_listen_unix(m->options->attach_path);
	if (m->attach_fd < 0)
		monitor_die_after_create(m, m->attach_fd, "cannot listen on the attach socket %s",
					 m->options->attach_path);
	r = monitor_epoll_add(m, m->attach_fd);
	if (r < 0)
		monitor_die_after_create(m, r, "cannot watch the attach socket");
}

void
monitor_attach_stop(Monitor *m)
{
	for (int i = 0; i < ATTACH_CLIENTS_MAX; i++)
		monitor_epoll_remove_and_close(m, &m->clients[i]);
	if (m->attach_fd >= 0) {
		monitor_epoll_remove_and_close(m, &m->attach_fd);
		(void)unlink(m->options->attach_path);
	}
}
