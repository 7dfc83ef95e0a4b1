#include "console.h"

#include "die.h"
#include "common/fd-util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
monitor_bind_unix(const char *path, int type)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof addr.sun_path)
		return -ENAMETOOLONG;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 16) < 0)) {
		int r = -errno;
		(void)close(fd);
		return r;
	}
	return fd;
}

int
monitor_listen_unix(const char *path)
{
	return monitor_bind_unix(path, SOCK_STREAM);
}

void
monitor_console_listen(Monitor *m)
{
	m->console_fd = monitor_listen_unix(m->options->console_socket);
	if (m->console_fd < 0)
		die_errno(m->console_fd, "cannot listen on the console socket %s",
			  m->options->console_socket);
}

int
monitor_receive_pty(int listen_fd)
{
	char data[256];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = data, .iov_len = sizeof data };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control.buf,
			      .msg_controllen = sizeof control.buf };
	struct cmsghdr *cmsg;
	_cleanup_close_ int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	int master = -1;

	if (conn < 0)
		return -errno;
	/* Blocking: the runtime sends the terminal right after it connects. */
	if (fcntl(conn, F_SETFL, 0) < 0 || recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) < 0)
		return -errno;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL; cmsg = CMSG_NXTHDR(&msg, cmsg))
		if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
			memcpy(&master, CMSG_DATA(cmsg), sizeof master);
	if (master < 0)
		return -EBADMSG;
	if (fcntl(master, F_SETFL, O_NONBLOCK) < 0) {
		int r = -errno;
		(void)close(master);
		return r;
	}
	return master;
}

/* The runtime connected during create and sent the pty master with SCM_RIGHTS: it becomes
 * the container's output (logged as stdout) and stdin. */
void
monitor_console_take(Monitor *m)
{
	int master = monitor_receive_pty(m->console_fd);

	if (master < 0)
		monitor_die_after_create(m, master, "cannot receive the terminal from the runtime");
	closep(&m->console_fd);
	(void)unlink(m->options->console_socket);
	/* The pipes only ever carried the runtime's own words. */
	closep(&m->pipes[0].fd);
	closep(&m->pipes[1].fd);
	m->pipes[0].fd = master;
	m->stdin_fd = dup(master);
	if (m->stdin_fd < 0)
		monitor_die_after_create(m, -errno, "cannot duplicate the terminal");
}
