/* A terminal (or a plain stdin) relayed to a socket from Attach or Exec: our stdin to it,
 * its bytes to our stdout; raw mode while a tty is relayed, the window size passed on at
 * start and on SIGWINCH, and podman's detach keys (ctrl-p,ctrl-q). */
#include "ctl.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

gboolean
ocictl_parse_detach_keys(const char *text, GByteArray **keys, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(text, ",", -1);
	g_autoptr(GByteArray) bytes = g_byte_array_new();

	for (char **p = parts; *p != NULL && text[0] != '\0'; p++) {
		guint8 byte;

		if (g_str_has_prefix(*p, "ctrl-") && strlen(*p) == 6 &&
		    ((*p)[5] >= '@' || (*p)[5] == '[' || g_ascii_isalpha((*p)[5])))
			byte = (guint8)(g_ascii_toupper((*p)[5]) & 0x1f);
		else if (strlen(*p) == 1)
			byte = (guint8)(*p)[0];
		else {
			g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_USAGE,
				    "'%s' is not a key: detach keys are a comma-separated list of "
				    "single characters or ctrl-X, like ctrl-p,ctrl-q",
				    *p);
			return FALSE;
		}
		g_byte_array_append(bytes, &byte, 1);
	}
	*keys = g_steal_pointer(&bytes);
	return TRUE;
}

static gboolean
write_all(int fd, const guint8 *data, gsize len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		data += n;
		len -= (gsize)n;
	}
	return TRUE;
}

static void
pass_window_size(const OcictlStream *how)
{
	struct winsize size;

	if (how->resize != NULL && ioctl(STDIN_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_row > 0)
		how->resize(how->resize_data, size.ws_row, size.ws_col);
}

/* Copies @len bytes of input to the socket, holding back what may be the start of the
 * detach keys; TRUE in *@detached once they are all typed. */
static gboolean
forward_input(int socket_fd, const guint8 *data, gsize len, GByteArray *keys, gsize *matched,
	      gboolean *detached)
{
	for (gsize i = 0; i < len; i++) {
		if (keys->len > 0 && data[i] == keys->data[*matched]) {
			if (++*matched == keys->len) {
				*detached = TRUE;
				return TRUE;
			}
			continue;
		}
		if (*matched > 0 && !write_all(socket_fd, keys->data, *matched))
			return FALSE;
		*matched = 0;
		if (!write_all(socket_fd, data + i, 1))
			return FALSE;
	}
	return TRUE;
}

gboolean
ocictl_stream_run(int socket_fd, const OcictlStream *how, gboolean *detached, GError **error)
{
	g_autoptr(GByteArray) keys = NULL;
	struct termios saved, raw;
	gboolean restore = FALSE, input_open = how->send_stdin, ok = TRUE;
	sigset_t winch, old;
	int signal_fd;
	gsize matched = 0;

	*detached = FALSE;
	if (!ocictl_parse_detach_keys(how->detach_keys != NULL ? how->detach_keys : "", &keys,
				      error))
		return FALSE;
	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	sigprocmask(SIG_BLOCK, &winch, &old);
	signal_fd = signalfd(-1, &winch, SFD_CLOEXEC);
	if (how->raw && tcgetattr(STDIN_FILENO, &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		restore = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
	}
	pass_window_size(how);
	while (ok && !*detached) {
		struct pollfd fds[3] = {
			{ .fd = socket_fd, .events = POLLIN },
			{ .fd = input_open ? STDIN_FILENO : -1, .events = POLLIN },
			{ .fd = signal_fd, .events = POLLIN },
		};
		guint8 buffer[16384];
		ssize_t n;

		if (poll(fds, G_N_ELEMENTS(fds), -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[2].revents & POLLIN) {
			struct signalfd_siginfo info;
			if (read(signal_fd, &info, sizeof info) > 0)
				pass_window_size(how);
		}
		if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(STDIN_FILENO, buffer, sizeof buffer);
			if (n > 0)
				ok = forward_input(socket_fd, buffer, (gsize)n, keys, &matched,
						   detached);
			else if (n == 0 || errno != EINTR) {
				input_open = FALSE;
				if (how->shut_on_eof)
					shutdown(socket_fd, SHUT_WR);
			}
		}
		if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(socket_fd, buffer, sizeof buffer);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			ok = write_all(STDOUT_FILENO, buffer, (gsize)n);
		}
	}
	if (restore)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	if (signal_fd >= 0)
		close(signal_fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return TRUE;
}
