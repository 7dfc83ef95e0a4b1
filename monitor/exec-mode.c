#include "exec-mode.h"

#include "die.h"
#include "exit-file.h"
#include "fd-util.h"
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
	_cleanup_close_ int out_fd = open_output(options->exec_dir, "stdout");
	_cleanup_close_ int err_fd = open_output(options->exec_dir, "stderr");
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
	runtime_pid = monitor_spawn((char *const *)argv, -1, out_fd, err_fd);
	if (runtime_pid < 0)
		die_errno(runtime_pid, "cannot fork the runtime");

	for (bool done = false; !done;) {
		struct pollfd fds[2] = { { .fd = signal_fd, .events = POLLIN },
					 { .fd = timer_fd, .events = POLLIN } };
		struct signalfd_siginfo si;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_errno(-errno, "cannot wait for the exec");
		}
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
