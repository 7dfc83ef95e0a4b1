#include "exec-mode.h"

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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* The runtime's own arguments, "exec --pid-file FILE ID", and the command's: the daemon
 * passes at most 1024 of those (OCID_EXEC_ARGC_MAX in daemon/input-limits.h). */
#define EXEC_ARGV_MAX (RUNTIME_ARGV_MAX + 4 + 1024 + 1)

static int
open_output(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
		die("--exec-dir is too long");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		die_errno(-errno, "cannot create %s", path);
	return fd;
}

/* Kills the exec'd process (named by the runtime's pid file) and the runtime: past the
 * timeout nothing of the call may live on. */
static void
kill_exec(const MonitorArgs *options, pid_t runtime_pid)
{
	pid_t pid = monitor_read_pid_file(options->pid_file);

	if (pid > 0) {
		int pidfd = sys_pidfd_open(pid);

		if (pidfd >= 0) {
			(void)sys_pidfd_send_signal(pidfd, SIGKILL);
			(void)close(pidfd);
		}
	}
	(void)kill(runtime_pid, SIGKILL);
}

/* One output stream of the command: a pipe the runtime writes, drained into a file of
 * at most MONITOR_EXEC_OUTPUT_MAX + 1 bytes. The rest is read and dropped, so the command
 * never blocks on a full pipe and runs to its end; one byte past the cap tells the daemon
 * the output was cut. */
typedef struct {
	int pipe_fd; /* -1 once at its end */
	int file_fd;
	uint64_t kept;
	bool write_failed;
} Stream;

static void
stream_open(Stream *s, const char *dir, const char *name, int *write_end)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		die_errno(-errno, "cannot create a pipe for the exec's %s", name);
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0)
		die_errno(-errno, "cannot make the exec's %s pipe non-blocking", name);
	s->pipe_fd = fds[0];
	s->file_fd = open_output(dir, name);
	s->kept = 0;
	s->write_failed = false;
	*write_end = fds[1];
}

/* Reads what the pipe holds now (until it would block) or to its end. */
static void
stream_drain(Stream *s)
{
	static char buf[65536];

	while (s->pipe_fd >= 0) {
		ssize_t n = read(s->pipe_fd, buf, sizeof buf);
		uint64_t room = MONITOR_EXEC_OUTPUT_MAX + 1 - s->kept;
		size_t keep;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			(void)close(s->pipe_fd);
			s->pipe_fd = -1;
			return;
		}
		keep = (uint64_t)n < room ? (size_t)n : (size_t)room;
		if (keep > 0 && !s->write_failed) {
			int r = fd_write_all(s->file_fd, buf, keep);

			if (r < 0) {
				warn("cannot keep the exec's output: %s", strerror(-r));
				s->write_failed = true;
			}
		}
		s->kept += keep;
	}
}

static void
stream_close(Stream *s)
{
	if (s->pipe_fd >= 0)
		(void)close(s->pipe_fd);
	(void)close(s->file_fd);
}

/* No pid file: the process never started, so the failure is the runtime's, and its stderr
 * says why. */
__attribute__((noreturn)) static void
die_with_runtime_stderr(const MonitorArgs *options)
{
	char message[4096];
	_cleanup_close_ int fd = -1;
	char path[4096];
	ssize_t got = 0;

	snprintf(path, sizeof path, "%s/stderr", options->exec_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		got = read(fd, message, sizeof message - 1);
	message[got > 0 ? got : 0] = '\0';
	die("%s", message[0] != '\0' ? message : "the runtime could not run the command");
}

int
monitor_run_exec(const MonitorArgs *options)
{
	const char *argv[EXEC_ARGV_MAX];
	size_t n = monitor_runtime_argv(options, argv);
	Stream streams[2];
	int out_fd, err_fd;
	_cleanup_close_ int signal_fd = monitor_setup_signals();
	_cleanup_close_ int timer_fd = -1;
	bool timed_out = false;
	char answer[64];
	pid_t runtime_pid;
	int exit_code;
	int status = 0;
	int len;

	argv[n++] = "exec";
	argv[n++] = "--pid-file";
	argv[n++] = options->pid_file;
	argv[n++] = options->id;
	for (size_t i = 0; options->exec_argv[i] != NULL; i++) {
		if (n >= EXEC_ARGV_MAX - 1)
			die("too many arguments for exec");
		argv[n++] = options->exec_argv[i];
	}
	argv[n] = NULL;

	timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (timer_fd < 0)
		die_errno(-errno, "cannot create a timerfd");
	if (options->exec_timeout_sec > 0) {
		struct itimerspec deadline = { .it_value = { .tv_sec =
								 options->exec_timeout_sec } };

		if (timerfd_settime(timer_fd, 0, &deadline, NULL) < 0)
			die_errno(-errno, "cannot arm the exec timer");
	}
	stream_open(&streams[0], options->exec_dir, "stdout", &out_fd);
	stream_open(&streams[1], options->exec_dir, "stderr", &err_fd);
	runtime_pid = monitor_spawn((char *const *)argv, -1, out_fd, err_fd);
	if (runtime_pid < 0)
		die_errno(runtime_pid, "cannot fork the runtime");
	/* Only the runtime (and the process it runs) writes them now. */
	(void)close(out_fd);
	(void)close(err_fd);

	for (bool done = false; !done;) {
		struct pollfd fds[4] = { { .fd = signal_fd, .events = POLLIN },
					 { .fd = timer_fd, .events = POLLIN },
					 { .fd = streams[0].pipe_fd, .events = POLLIN },
					 { .fd = streams[1].pipe_fd, .events = POLLIN } };
		struct signalfd_siginfo si;

		if (poll(fds, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_errno(-errno, "cannot wait for the exec");
		}
		for (int i = 0; i < 2; i++)
			if (fds[2 + i].revents != 0)
				stream_drain(&streams[i]);
		if (fds[1].revents & POLLIN) {
			uint64_t expirations;

			(void)read(timer_fd, &expirations, sizeof expirations);
			if (!timed_out) {
				timed_out = true;
				kill_exec(options, runtime_pid);
			}
		}
		while (read(signal_fd, &si, sizeof si) == (ssize_t)sizeof si) {
			if (si.ssi_signo != SIGCHLD) {
				kill_exec(options, runtime_pid);
				continue;
			}
			for (;;) {
				int child_status;
				pid_t pid = waitpid(-1, &child_status, WNOHANG);

				if (pid <= 0)
					break;
				if (pid == runtime_pid) {
					status = child_status;
					done = true;
				}
			}
		}
	}

	/* What the process wrote before it ended is in the pipes; a child it left behind may
	 * hold them open, so they are read to what they hold, not to their end. */
	for (int i = 0; i < 2; i++) {
		stream_drain(&streams[i]);
		stream_close(&streams[i]);
	}
	if (!timed_out && status != 0 && access(options->pid_file, F_OK) < 0)
		die_with_runtime_stderr(options);
	exit_code = exit_code_from_wait_status(status);
	if (exit_code < 0)
		exit_code = 255;
	/* Killed for the timeout, whatever the runtime made of it. */
	if (timed_out && exit_code == 0)
		exit_code = 128 + SIGKILL;
	len = monitor_answer_format_exec_result(answer, sizeof answer, exit_code, timed_out);
	if (len < 0 || fd_write_all(options->sync_fd, answer, (size_t)len) < 0)
		warn("cannot report the exec result to the daemon");
	return EXIT_SUCCESS;
}
