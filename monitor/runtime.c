#include "runtime.h"

#include "die.h"
#include "common/fd-util.h"
#include "oom-score.h"

#include "common/runtime-args.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

size_t
monitor_runtime_argv(const MonitorArgs *args, const char **argv)
{
	RuntimeGlobalArgs global = { .runtime = args->runtime,
				     .root = args->runtime_root,
				     .systemd_cgroup = args->systemd_cgroup };

	return runtime_global_args(&global, argv);
}

/* Runs in the forked child: a failure goes to stderr, which is the pipe the monitor reads
 * the runtime's error message from. */
__attribute__((noreturn)) static void
exec_child(char *const argv[], int stdin_fd, int stdout_fd, int stderr_fd)
{
	struct sigaction default_action = { .sa_handler = SIG_DFL };
	sigset_t empty;
	int null_fd;

	null_fd = stdin_fd >= 0 ? stdin_fd : open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0)
		goto fail;
	if (stdout_fd >= 0 && dup2(stdout_fd, STDOUT_FILENO) < 0)
		goto fail;
	if (stderr_fd >= 0 && dup2(stderr_fd, STDERR_FILENO) < 0)
		goto fail;
	/* Ignored signals stay ignored across exec; the runtime and the container must start
	 * with SIGPIPE (and anything the daemon ignored) at the default. EINVAL for the
	 * signals glibc reserves, SIGKILL and SIGSTOP is expected and harmless. */
	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &default_action, NULL);
	if (sigemptyset(&empty) < 0 || sigprocmask(SIG_SETMASK, &empty, NULL) < 0)
		goto fail;
	/* The monitor's own -1000 is not the runtime's, nor the container's. Raising a score
	 * needs no privilege, so this only fails where /proc is not mounted. */
	(void)monitor_oom_score_set(MONITOR_OOM_SCORE_CHILD);
	execv(argv[0], argv);
fail:
	dprintf(STDERR_FILENO, "cannot execute %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

pid_t
monitor_spawn(char *const argv[], int stdin_fd, int stdout_fd, int stderr_fd)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		exec_child(argv, stdin_fd, stdout_fd, stderr_fd);
	return pid;
}

int
monitor_wait_pid(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

pid_t
monitor_read_pid_file(const char *path)
{
	_cleanup_close_ int fd = -1;
	char text[32];
	char *end = NULL;
	long long pid;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, text, sizeof text - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	text[n] = '\0';
	text[strcspn(text, " \t\r\n")] = '\0';
	if (text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	pid = strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0' || pid <= 0 || pid > INT32_MAX)
		return -EINVAL;
	return (pid_t)pid;
}

void
monitor_delete_container(const MonitorArgs *args)
{
	const char *argv[RUNTIME_ARGV_MAX];
	size_t n = monitor_runtime_argv(args, argv);
	pid_t pid;
	int status;
	int r;

	argv[n++] = "delete";
	argv[n++] = "--force";
	argv[n++] = args->id;
	argv[n] = NULL;

	pid = monitor_spawn((char *const *)argv, -1, -1, -1);
	if (pid < 0) {
		warn_errno(pid, "cannot run %s delete", args->runtime);
		return;
	}
	r = monitor_wait_pid(pid, &status);
	if (r < 0)
		warn_errno(r, "cannot wait for %s delete", args->runtime);
	else if (status != 0)
		warn("%s delete --force failed with wait status %d", args->runtime, status);
}
