#include "setup.h"

#include "die.h"
#include "oom-score.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

void
monitor_ensure_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int null_fd;

		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		if (errno != EBADF)
			die_errno(-errno, "cannot check fd %d", fd);
		null_fd = open("/dev/null", O_RDWR);
		if (null_fd < 0)
			die_errno(-errno, "cannot open /dev/null");
		if (null_fd != fd)
			die("/dev/null opened as fd %d instead of %d", null_fd, fd);
	}
}

/* Whatever the daemon leaked to us (bus sockets, other containers' pidfds) would otherwise
 * live as long as this container, and reach the runtime. */
static void
close_inherited_fds(const MonitorArgs *args)
{
	int keep[] = { args->sync_fd, args->wait_fd, args->session_fd, args->control_fd,
		       args->bundle_files_fd };
	const int n_keep = (int)(sizeof keep / sizeof keep[0]);
	unsigned int next = 3;
	int r = 0;

	/* Ascending, so that the ranges between them can be closed in one pass. */
	for (int i = 1; i < n_keep; i++)
		for (int j = i; j > 0 && keep[j] < keep[j - 1]; j--) {
			int t = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	/* Close every fd from 3 up but the ones we keep. */
	for (int i = 0; i < n_keep && r == 0; i++) {
		if (keep[i] < 3 || (unsigned int)keep[i] < next)
			continue;
		if ((unsigned int)keep[i] > next)
			r = close_range(next, (unsigned int)keep[i] - 1, 0);
		next = (unsigned int)keep[i] + 1;
	}
	if (r == 0)
		r = close_range(next, ~0U, 0);
	/* Before Linux 5.9 there is no close_range; the daemon's O_CLOEXEC is all we have. */
	if (r < 0 && errno != ENOSYS)
		die_errno(-errno, "cannot close inherited file descriptors");
}

void
monitor_setup_process(const MonitorArgs *args)
{
	const struct {
		const char *name;
		int fd;
	} passed[] = { { "session", args->session_fd },
		       { "control", args->control_fd },
		       { "bundle-files", args->bundle_files_fd } };
	int r;

	if (fcntl(args->sync_fd, F_SETFD, FD_CLOEXEC) < 0)
		die_errno(-errno, "cannot set close-on-exec on the sync fd");
	if (args->wait_fd >= 0 && fcntl(args->wait_fd, F_SETFD, FD_CLOEXEC) < 0)
		die_errno(-errno, "--wait-fd is not an open file descriptor");
	for (size_t i = 0; i < sizeof passed / sizeof passed[0]; i++)
		if (passed[i].fd >= 0 && fcntl(passed[i].fd, F_SETFD, FD_CLOEXEC) < 0)
			die_errno(-errno, "--%s-fd is not an open file descriptor", passed[i].name);
	close_inherited_fds(args);

	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		die_errno(-errno, "cannot become a child subreaper");
	/* Our own session: the daemon's process group and terminal are not ours to share, a
	 * signal to them must not reach the monitor. EPERM: we already lead a group. */
	if (getsid(0) != getpid() && setsid() < 0 && errno != EPERM)
		die_errno(-errno, "cannot start a new session");
	/* Lowering a score needs CAP_SYS_RESOURCE, which containers (and some CI hosts)
	 * lack: then the monitor at least gives up a score above its container's. */
	r = monitor_oom_score_set(MONITOR_OOM_SCORE_SELF);
	if (r == -EACCES || r == -EPERM)
		r = monitor_oom_score_set(MONITOR_OOM_SCORE_CHILD);
	if (r < 0)
		warn_errno(r, "cannot set the monitor's oom_score_adj");
	/* Do not pin the daemon's working directory's filesystem for the container's life. */
	if (chdir("/") < 0)
		die_errno(-errno, "cannot change to /");
}

int
monitor_setup_signals(void)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN };
	sigset_t mask;
	int fd;

	/* A daemon that went away while we write the sync fd must not kill us. */
	if (sigaction(SIGPIPE, &ignore, NULL) < 0)
		die_errno(-errno, "cannot ignore SIGPIPE");
	if (sigemptyset(&mask) < 0 || sigaddset(&mask, SIGCHLD) < 0 ||
	    sigaddset(&mask, SIGTERM) < 0 || sigaddset(&mask, SIGINT) < 0 ||
	    sigaddset(&mask, SIGHUP) < 0)
		die_errno(-errno, "cannot build the signal mask");
	/* Blocked before the fork, so no SIGCHLD of the runtime or container is missed: it
	 * stays pending until the loop reads the signalfd. */
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		die_errno(-errno, "cannot block signals");
	fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		die_errno(-errno, "cannot create a signalfd");
	return fd;
}
