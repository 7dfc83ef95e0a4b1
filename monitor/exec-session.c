#include "exec-session.h"

#include "console.h"
#include "die.h"
#include "exit-file.h"
#include "common/fd-util.h"
#include "runtime.h"
#include "setup.h"

#include "common/pidfd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define SESSION_ARGV_MAX (RUNTIME_ARGV_MAX + 16)
#define RELAY_CHUNK      (16 * 1024)

typedef struct {
	const MonitorArgs *options;
	int signal_fd;
	int master;  /* the pty master with a terminal, else -1 */
	int session; /* -1 once the process (or the relay) no longer needs our copy */
	pid_t pid;
	int pidfd;
	bool exited;
	int status;
	bool session_eof;
} Session;

static void
path_in_exec_dir(const MonitorArgs *options, const char *name, char *path, size_t size)
{
	if ((size_t)snprintf(path, size, "%s/%s", options->exec_dir, name) >= size)
		die("--exec-dir is too long");
}

/* The runtime's "exec --detach": it returns once the process runs (or failed to), having
 * sent the pty first when there is one. */
static void
start_process(Session *s)
{
	const MonitorArgs *options = s->options;
	const char *argv[SESSION_ARGV_MAX];
	size_t n = monitor_runtime_argv(options, argv);
	char console[4096], process[4096], errors[4096];
	_cleanup_close_ int listen_fd = -1;
	_cleanup_close_ int err_fd = -1;
	pid_t runtime_pid;
	int status = 0;
	bool done = false;

	path_in_exec_dir(options, "process.json", process, sizeof process);
	path_in_exec_dir(options, "console", console, sizeof console);
	path_in_exec_dir(options, "runtime-errors", errors, sizeof errors);
	/* Without a terminal the runtime's stderr is the caller's socket; its log file is where
	 * the reason for a failed start is kept for the daemon (runc and crun both write the
	 * error there too). */
	argv[n++] = "--log";
	argv[n++] = errors;
	argv[n++] = "exec";
	argv[n++] = "--detach";
	argv[n++] = "--pid-file";
	argv[n++] = options->pid_file;
	argv[n++] = "--process";
	argv[n++] = process;
	if (options->exec_tty) {
		listen_fd = monitor_listen_unix(console);
		if (listen_fd < 0)
			die_errno(listen_fd, "cannot listen on %s", console);
		argv[n++] = "--console-socket";
		argv[n++] = console;
		err_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (err_fd < 0)
			die_errno(-errno, "cannot open /dev/null");
	}
	argv[n++] = options->id;
	argv[n] = NULL;

	/* Without a terminal the runtime's stdio becomes the process's: the session. */
	runtime_pid = options->exec_tty
			  ? monitor_spawn((char *const *)argv, -1, err_fd, err_fd)
			  : monitor_spawn((char *const *)argv, s->session, s->session, s->session);
	if (runtime_pid < 0)
		die_errno(runtime_pid, "cannot fork the runtime");
	while (!done) {
		struct pollfd fds[2] = { { .fd = s->signal_fd, .events = POLLIN },
					 { .fd = s->master < 0 ? listen_fd : -1,
					   .events = POLLIN } };
		struct signalfd_siginfo si;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_errno(-errno, "cannot wait for the runtime");
		}
		if (fds[1].revents & POLLIN) {
			s->master = monitor_receive_pty(listen_fd);
			if (s->master < 0)
				warn_errno(s->master,
					   "cannot receive the terminal from the runtime");
		}
		while (read(s->signal_fd, &si, sizeof si) == (ssize_t)sizeof si) {
			pid_t pid;
			int child_status;

			if (si.ssi_signo != SIGCHLD) {
				(void)kill(runtime_pid, SIGKILL);
				continue;
			}
			while ((pid = waitpid(-1, &child_status, WNOHANG)) > 0)
				if (pid == runtime_pid) {
					status = child_status;
					done = true;
				}
		}
	}
	(void)unlink(console);
	if (status != 0) {
		char message[2048] = "";
		_cleanup_close_ int fd = open(errors, O_RDONLY | O_CLOEXEC);
		ssize_t got = fd >= 0 ? read(fd, message, sizeof message - 1) : 0;

		message[got > 0 ? got : 0] = '\0';
		die("%s", message[0] != '\0' ? message
					     : "the runtime could not start the command; check "
					       "that it exists in the container");
	}
	s->pid = monitor_read_pid_file(options->pid_file);
	if (s->pid <= 0)
		die_errno(s->pid, "the runtime started the command but left no pid file");
	if (options->exec_tty && s->master < 0)
		die("the runtime sent no terminal");
}

static void
send_started(const Session *s)
{
	char message[MONITOR_CONTROL_MAX];
	int len = monitor_control_format_started(message, sizeof message, s->pid);

	if (len < 0 || send(s->options->control_fd, message, (size_t)len, MSG_NOSIGNAL) != len)
		warn("cannot tell the daemon that the command started");
}

static void
handle_control(Session *s)
{
	char text[MONITOR_CONTROL_MAX];
	MonitorControl control;
	ssize_t n = recv(s->options->control_fd, text, sizeof text, MSG_DONTWAIT);

	if (n <= 0 || monitor_control_parse(text, (size_t)n, &control) < 0)
		return;
	if (control.kind == MONITOR_CONTROL_KILL && !s->exited) {
		if (s->pidfd >= 0)
			(void)sys_pidfd_send_signal(s->pidfd, control.signal);
		else
			(void)kill(s->pid, control.signal);
	} else if (control.kind == MONITOR_CONTROL_RESIZE && s->master >= 0) {
		struct winsize size = { .ws_row = (unsigned short)control.rows,
					.ws_col = (unsigned short)control.cols };

		if (ioctl(s->master, TIOCSWINSZ, &size) < 0)
			warn_errno(-errno, "cannot resize the terminal");
	}
}

static void
handle_signals(Session *s)
{
	struct signalfd_siginfo si;

	while (read(s->signal_fd, &si, sizeof si) == (ssize_t)sizeof si) {
		pid_t pid;
		int status;

		if (si.ssi_signo != SIGCHLD) {
			/* Stopped ourselves: nothing of the exec may live on unwatched. */
			if (!s->exited)
				(void)kill(s->pid, SIGKILL);
			continue;
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			if (pid == s->pid) {
				s->exited = true;
				s->status = status;
			}
	}
}

/* Session -> terminal. At the session's end, an EOF character: a pty has no half-close. */
static void
relay_input(Session *s)
{
	char buf[RELAY_CHUNK];
	ssize_t n = read(s->session, buf, sizeof buf);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		s->session_eof = true;
		(void)fd_write_all(s->master, "\x04", 1);
		return;
	}
	(void)fd_write_all(s->master, buf, (size_t)n);
}

/* Terminal -> session; false once the terminal has nothing more to give (EIO: the last
 * slave closed). */
static bool
relay_output(Session *s)
{
	char buf[RELAY_CHUNK];
	ssize_t n = read(s->master, buf, sizeof buf);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0)
		return false;
	(void)fd_write_all(s->session, buf, (size_t)n);
	return true;
}

static void
run_session(Session *s)
{
	bool control_open = true;
	bool terminal_open = s->master >= 0;

	while (!s->exited || terminal_open) {
		struct pollfd fds[4] = {
			{ .fd = s->signal_fd, .events = POLLIN },
			{ .fd = control_open ? s->options->control_fd : -1, .events = POLLIN },
			{ .fd = terminal_open ? s->master : -1, .events = POLLIN },
			{ .fd = terminal_open && !s->session_eof ? s->session : -1,
			  .events = POLLIN },
		};

		if (poll(fds, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_errno(-errno, "cannot wait for the command");
		}
		if (fds[0].revents)
			handle_signals(s);
		if (fds[1].revents & POLLIN)
			handle_control(s);
		else if (fds[1].revents)
			control_open = false; /* the daemon went away; the command goes on */
		if (fds[2].revents)
			terminal_open = relay_output(s);
		if (fds[3].revents)
			relay_input(s);
	}
}

int
monitor_run_exec_session(const MonitorArgs *options)
{
	Session s = {
		.options = options,
		.signal_fd = monitor_setup_signals(),
		.master = -1,
		.session = options->session_fd,
		.pidfd = -1,
	};
	char answer[64];
	int exit_code;
	int len;

	start_process(&s);
	s.pidfd = sys_pidfd_open(s.pid);
	/* The process holds the session now; our copy would keep its reader from EOF. */
	if (s.master < 0)
		closep(&s.session);
	send_started(&s);
	run_session(&s);
	closep(&s.session);
	closep(&s.master);

	exit_code = exit_code_from_wait_status(s.status);
	if (exit_code < 0)
		exit_code = 255;
	len = monitor_answer_format_exec_result(answer, sizeof answer, exit_code, false);
	if (len < 0 || fd_write_all(options->sync_fd, answer, (size_t)len) < 0)
		warn("cannot report the exit code to the daemon");
	return EXIT_SUCCESS;
}
