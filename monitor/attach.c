#include "attach.h"

#include "console.h"
#include "die.h"
#include "common/fd-util.h"

#include <errno.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
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
monitor_attach_handle_resize(Monitor *m)
{
	char text[MONITOR_CONTROL_MAX];
	MonitorControl control;
	ssize_t n = recv(m->resize_fd, text, sizeof text, MSG_DONTWAIT);
	struct winsize size;

	if (n <= 0 || monitor_control_parse(text, (size_t)n, &control) < 0 ||
	    control.kind != MONITOR_CONTROL_RESIZE || m->pipes[0].fd < 0)
		return;
	size = (struct winsize){ .ws_row = (unsigned short)control.rows,
				 .ws_col = (unsigned short)control.cols };
	/* The master is pipes[0] with a terminal (console.c). */
	if (ioctl(m->pipes[0].fd, TIOCSWINSZ, &size) < 0)
		warn_errno(-errno, "cannot resize the terminal");
}

static void
resize_path(const Monitor *m, char *path, size_t size)
{
	(void)snprintf(path, size, "%s%s", m->options->attach_path, MONITOR_RESIZE_SUFFIX);
}

void
monitor_attach_serve(Monitor *m)
{
	char path[4096];
	int r;

	if (m->options->attach_path == NULL)
		return;
	if (m->options->terminal) {
		resize_path(m, path, sizeof path);
		m->resize_fd = monitor_bind_unix(path, SOCK_DGRAM);
		if (m->resize_fd < 0)
			warn_errno(m->resize_fd, "cannot listen on %s; the terminal keeps its size",
				   path);
		else if (monitor_epoll_add(m, m->resize_fd) < 0)
			closep(&m->resize_fd);
	}
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
	if (m->resize_fd >= 0) {
		char path[4096];

		monitor_epoll_remove_and_close(m, &m->resize_fd);
		resize_path(m, path, sizeof path);
		(void)unlink(path);
	}
}
