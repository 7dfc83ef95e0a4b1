#include "supervise.h"

#include "attach.h"
#include "bundle.h"
#include "console.h"
#include "die.h"
#include "exit-file.h"
#include "common/fd-util.h"
#include "harden.h"
#include "monitor.h"
#include "runtime.h"
#include "setup.h"
#include "test-hooks.h"

#include "common/pidfd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long the pipes may stay open after the container exited: processes that escaped
 * into another pid namespace, or a slow kernel, must not keep the exit file from appearing. */
#define DRAIN_GRACE_SEC 2

/* What is still read from the pipes once the grace period is over, per pipe. */
#define FINAL_DRAIN_MAX (1024 * 1024)

void
monitor_die_after_create(const Monitor *m, int r, const char *fmt, ...)
{
	char message[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	monitor_delete_container(m->options);
	die_errno(r, "%s", message);
}

int
monitor_epoll_add(Monitor *m, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (epoll_ctl(m->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	return 0;
}

void
monitor_epoll_remove_and_close(Monitor *m, int *fd)
{
	if (*fd < 0)
		return;
	/* ENOENT: the container exited before its pidfd was added. */
	if (epoll_ctl(m->epoll_fd, EPOLL_CTL_DEL, *fd, NULL) < 0 && errno != ENOENT)
		warn_errno(-errno, "cannot stop watching fd %d", *fd);
	closep(fd);
}

static void
make_pipe(int fds[2])
{
	/* Only our read end is non-blocking: the write end is the container's stdout or
	 * stderr, and programs do not expect EAGAIN there. */
	if (pipe2(fds, O_CLOEXEC) < 0)
		die_errno(-errno, "cannot create a pipe");
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0)
		die_errno(-errno, "cannot make a pipe non-blocking");
}

/* Everything the runtime said, stderr first, with the surrounding whitespace trimmed. */
static const char *
collect_runtime_output(Monitor *m)
{
	size_t used = 0;

	for (int i = 1; i >= 0; i--) {
		bool eof;
		ssize_t n;

		if (used >= sizeof m->buf - 1)
			break;
		n = fd_read_available(m->pipes[i].fd, m->buf + used, sizeof m->buf - 1 - used,
				      &eof);
		if (n < 0) {
			warn_errno((int)n, "cannot read the runtime's %s", m->pipes[i].stream);
			continue;
		}
		used += (size_t)n;
		if (used > 0 && used < sizeof m->buf - 1 && m->buf[used - 1] != '\n')
			m->buf[used++] = '\n';
	}
	while (used > 0 && strchr(" \t\r\n", m->buf[used - 1]) != NULL)
		used--;
	m->buf[used] = '\0';
	/* The message goes out as text; a stray NUL must not cut it short. */
	for (size_t i = 0; i < used; i++) {
		if (m->buf[i] == '\0')
			m->buf[i] = ' ';
	}
	return m->buf + strspn(m->buf, " \t\r\n");
}

/* The container's group failed: ocid's own error, which the daemon tells its caller as
 * such, not as the runtime's. */
__attribute__((noreturn)) static void
die_cgroup(const Monitor *m, int r, const char *what, const char *where)
{
	char message[PATH_MAX + 128];
	char answer[sizeof message + 16];
	int n;

	snprintf(message, sizeof message, "%s %s: %s", what, where, strerror(-r));
	n = monitor_answer_format_cgroup_error(answer, sizeof answer, message);
	if (n > 0)
		(void)fd_write_all(m->options->sync_fd, answer, (size_t)n);
	die_set_sync_fd(-1);
	die("%s", message);
}

/* The write end of a pipe polls POLLERR once its reader is gone. */
static bool
daemon_gone(int sync_fd)
{
	struct pollfd pfd = { .fd = sync_fd, .events = 0 };

	return poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLERR) != 0;
}

/* The group the daemon named, made before the runtime runs. */
static void
make_group(Monitor *m)
{
	const char *group = m->options->cgroup_group;
	char where[PATH_MAX] = "";
	int r = monitor_cgroups_find(&m->cgroups);

	if (r < 0)
		die_cgroup(m, r, "Cannot find the cgroup hierarchies in", "/proc/self/mountinfo");
	r = monitor_cgroups_make(&m->cgroups, group, where, sizeof where);
	if (r < 0)
		die_cgroup(m, r, "Cannot make the cgroup", where);
}

/* A first create's dir and files, which the daemon wrote and named, before anything else.
 * A failure is the daemon's to word (a dir left over is not the runtime's failure). */
static void
make_bundle(Monitor *m)
{
	char where[PATH_MAX] = "";
	char answer[sizeof where + 32];
	int r = monitor_bundle_make(&m->bundle, m->options->bundle, m->options->bundle_made,
				    m->options->bundle_files_fd, where, sizeof where);
	int n;

	if (r == 0)
		return;
	if (where[0] == '\0')
		die_errno(r, "cannot read the container's files from --bundle-files-fd");
	n = monitor_answer_format_bundle_error(answer, sizeof answer, -r, where);
	if (n > 0)
		(void)fd_write_all(m->options->sync_fd, answer, (size_t)n);
	die_set_sync_fd(-1);
	die_errno(r, "cannot make %s", where);
}

/* What this monitor made for a create that nobody waits for any more goes, and the monitor
 * with it, before the runtime makes a container that nobody knows of. */
__attribute__((noreturn)) static void
withdraw(Monitor *m, const char *why)
{
	if (m->options->cgroup_group != NULL)
		monitor_cgroups_remove(&m->cgroups, m->options->cgroup_group);
	monitor_bundle_remove(&m->bundle, m->options->bundle);
	die("%s", why);
}

/* Runs "<runtime> create" and waits for it. On failure the daemon gets the runtime's own
 * words and we exit. */
static void
create_container(Monitor *m)
{
	const MonitorArgs *options = m->options;
	const char *argv[RUNTIME_ARGV_MAX];
	size_t n = monitor_runtime_argv(options, argv);
	int stdout_pipe[2];
	int stderr_pipe[2];
	int stdin_pipe[2] = { -1, -1 };
	const char *output;
	char where[PATH_MAX] = "";
	int entered = 0;
	pid_t pid;
	int status;
	int r;

	argv[n++] = "create";
	argv[n++] = "--bundle";
	argv[n++] = options->bundle;
	argv[n++] = "--pid-file";
	argv[n++] = options->pid_file;
	if (options->no_pivot)
		argv[n++] = "--no-pivot";
	if (options->terminal) {
		argv[n++] = "--console-socket";
		argv[n++] = options->console_socket;
		monitor_console_listen(m);
	}
	argv[n++] = options->id;
	argv[n] = NULL;

	make_pipe(stdout_pipe);
	make_pipe(stderr_pipe);
	m->pipes[0] = (OutputPipe){ .fd = stdout_pipe[0], .stream = "stdout" };
	m->pipes[1] = (OutputPipe){ .fd = stderr_pipe[0], .stream = "stderr" };
	if (options->stdin_open && !options->terminal) {
		if (pipe2(stdin_pipe, O_CLOEXEC) < 0)
			die_errno(-errno, "cannot create the stdin pipe");
		m->stdin_fd = stdin_pipe[1];
	}

	pid = monitor_spawn((char *const *)argv, stdin_pipe[0], stdout_pipe[1], stderr_pipe[1]);
	if (pid < 0)
		die_errno(pid, "cannot fork the runtime");
	/* The container holds the write ends now; ours would keep EOF from ever coming. */
	if (close(stdout_pipe[1]) < 0 || close(stderr_pipe[1]) < 0)
		die_errno(-errno, "cannot close the pipes' write ends");
	if (stdin_pipe[0] >= 0)
		(void)close(stdin_pipe[0]);
	/* While the runtime runs: the grace period this move waits for is the one the
	 * runtime's move of the container's init waits for too. */
	if (options->cgroup_group != NULL)
		entered =
		    monitor_cgroups_enter(&m->cgroups, options->cgroup_group, where, sizeof where);

	r = monitor_wait_pid(pid, &status);
	if (r < 0)
		die_errno(r, "cannot wait for %s create", options->runtime);

	if (status != 0) {
		output = collect_runtime_output(m);
		if (output[0] != '\0')
			die("%s", output);
		if (WIFSIGNALED(status))
			die("runtime create was killed by signal %d", WTERMSIG(status));
		die("runtime create exited with status %d", WEXITSTATUS(status));
	}

	if (entered < 0) {
		monitor_delete_container(options);
		die_cgroup(m, entered, "Cannot move the container monitor into the cgroup", where);
	}
	monitor_cgroups_clear(&m->cgroups);

	/* The container's process cannot have run yet (it waits for "start"), so whatever is in
	 * the pipes now is the runtime's own warnings: they go to our stderr, not into the
	 * container's log. */
	output = collect_runtime_output(m);
	if (output[0] != '\0')
		warn("%s create: %s", options->runtime, output);

	m->container_pid = monitor_read_pid_file(options->pid_file);
	if (m->container_pid < 0)
		monitor_die_after_create(m, m->container_pid,
					 "cannot read the container pid from %s",
					 options->pid_file);
	if (options->terminal)
		monitor_console_take(m);
}

static void
on_container_exit(Monitor *m, int status)
{
	struct itimerspec grace = { .it_value = { .tv_sec = DRAIN_GRACE_SEC } };

	m->container_exited = true;
	m->container_status = status;
	/* At once: the cgroup, and its count, may be removed soon after its last process. */
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		m->oom_killed = monitor_oom_killed(&m->oom);
	monitor_oom_close(&m->oom);
	monitor_epoll_remove_and_close(m, &m->container_pidfd);
	if (timerfd_settime(m->timer_fd, 0, &grace, NULL) < 0) {
		/* Without a deadline a leaked pipe writer would hold the exit file back forever;
		 * rather give up on the output at once. */
		warn_errno(-errno, "cannot arm the drain timer");
		m->grace_expired = true;
	}
}

/* Reaps every exited child: the container, and whatever orphans were reparented to us. */
static void
reap_children(Monitor *m)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			if (errno != ECHILD)
				warn_errno(-errno, "cannot reap children");
			return;
		}
		if (pid == 0)
			return;
		if (pid == m->container_pid && !m->container_exited)
			on_container_exit(m, status);
	}
}

static int
signal_container(const Monitor *m, int sig)
{
	if (m->container_pidfd >= 0) {
		int r = sys_pidfd_send_signal(m->container_pidfd, sig);

		if (r != -ENOSYS)
			return r;
	}
	/* Without a pidfd (Linux < 5.3, valgrind) kill() is just as safe: the container is
	 * our child and not reaped yet, so its pid cannot have been recycled. */
	if (kill(m->container_pid, sig) < 0)
		return -errno;
	return 0;
}

static void
forward_signal(Monitor *m, int sig)
{
	int r;

	if (m->container_exited)
		return;
	r = signal_container(m, sig);
	if (r < 0 && r != -ESRCH)
		warn_errno(r, "cannot forward signal %d to the container", sig);
}

static void
handle_signals(Monitor *m)
{
	struct signalfd_siginfo si;

	for (;;) {
		ssize_t n = read(m->signal_fd, &si, sizeof si);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			die_errno(-errno, "cannot read the signalfd");
		}
		if ((size_t)n != sizeof si)
			die("short read from the signalfd");
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap_children(m);
			break;
		case SIGTERM:
		case SIGINT:
		case SIGHUP:
			forward_signal(m, (int)si.ssi_signo);
			break;
		default:
			break;
		}
	}
}

static void
handle_container_pidfd(Monitor *m)
{
	reap_children(m);
	/* Readable means exited and waitable, so this should not happen; if it does, the
	 * level-triggered pidfd would spin, and SIGCHLD will bring the status anyway. */
	if (!m->container_exited)
		monitor_epoll_remove_and_close(m, &m->container_pidfd);
}

static void
handle_timer(Monitor *m)
{
	uint64_t expirations;

	if (read(m->timer_fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN &&
	    errno != EINTR)
		warn_errno(-errno, "cannot read the drain timer");
	m->grace_expired = true;
}

/* One read from an output pipe into the log. Returns the bytes read, 0 at EOF (the pipe is
 * then closed), -EAGAIN when nothing is waiting. */
static ssize_t
pump_pipe(Monitor *m, OutputPipe *p)
{
	ssize_t n;
	int r;

	if (p->fd < 0)
		return 0;
	n = read(p->fd, m->buf, sizeof m->buf);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return -EAGAIN;
		/* EIO: the pty's last slave closed, its end of file. */
		if (errno != EIO)
			warn_errno(-errno, "cannot read the container's %s", p->stream);
		n = 0;
	}
	if (n == 0) {
		monitor_epoll_remove_and_close(m, &p->fd);
		return 0;
	}
	monitor_attach_broadcast(m, m->buf, (size_t)n);
	if (m->options->journald)
		r = journal_writer_write(&m->journal, p->stream, m->buf, (size_t)n);
	else
		r = log_writer_write(&m->log, p->stream, m->buf, (size_t)n);
	/* Once per kind of failure, not once per chunk: a full disk stays full for a while. */
	if (r < 0 && r != m->last_log_error)
		warn_errno(r, "cannot write to the log %s",
			   m->options->journald ? "in the journal" : m->options->log_path);
	m->last_log_error = r;
	return n;
}

static bool
pipes_open(const Monitor *m)
{
	return m->pipes[0].fd >= 0 || m->pipes[1].fd >= 0;
}

static void
run_loop(Monitor *m)
{
	while (!m->container_exited || (pipes_open(m) && !m->grace_expired)) {
		struct epoll_event events[8];
		int n = epoll_wait(m->epoll_fd, events, sizeof events / sizeof events[0], -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die_errno(-errno, "cannot wait for events");
		}
		/* An fd closed by an earlier event of the same batch is -1 and matches nothing;
		 * no fd is opened inside the loop, so its number cannot be reused meanwhile. */
		for (int i = 0; i < n; i++) {
			int fd = events[i].data.fd;

			if (fd == m->signal_fd)
				handle_signals(m);
			else if (fd == m->container_pidfd)
				handle_container_pidfd(m);
			else if (fd == m->timer_fd)
				handle_timer(m);
			else if (fd == m->pipes[0].fd)
				(void)pump_pipe(m, &m->pipes[0]);
			else if (fd == m->pipes[1].fd)
				(void)pump_pipe(m, &m->pipes[1]);
			else if (fd == m->attach_fd)
				monitor_attach_accept(m);
			else if (fd == m->resize_fd)
				monitor_attach_handle_resize(m);
			else
				for (int c = 0; c < ATTACH_CLIENTS_MAX; c++)
					if (fd == m->clients[c])
						monitor_attach_handle_client(m, c);
		}
	}
}

/* After the grace period: take what is already there, but do not wait for more, nor let a
 * writer that never stops keep us here. */
static void
drain_pipes(Monitor *m)
{
	for (int i = 0; i < 2; i++) {
		size_t total = 0;
		ssize_t n;

		while (total < FINAL_DRAIN_MAX && (n = pump_pipe(m, &m->pipes[i])) > 0)
			total += (size_t)n;
	}
}

static void
watch_container(Monitor *m)
{
	int r = sys_pidfd_open(m->container_pid);

	/* ENOSYS (Linux < 5.3, valgrind): SIGCHLD alone tells of the exit, and kill() is as safe
	 * as a pidfd on a child that is not reaped yet. ESRCH: gone already, see below. */
	if (r >= 0)
		m->container_pidfd = r;
	else if (r != -ENOSYS && r != -ESRCH)
		monitor_die_after_create(m, r, "cannot open a pidfd for the container process %d",
					 (int)m->container_pid);

	/* Before anything can kill it: the count of OOM kills so far is the baseline. */
	r = monitor_oom_watch(&m->oom, m->container_pid);
	if (r < 0 && r != -ENOENT && r != -ESRCH)
		warn_errno(r, "cannot watch the container's memory cgroup; an OOM kill will not "
			      "be reported");

	/* Only a child of ours (we are the subreaper it was reparented to) gives us its exit
	 * status; with anything else we would wait forever. This also collects an exit that
	 * already happened. */
	for (;;) {
		int status;
		pid_t pid = waitpid(m->container_pid, &status, WNOHANG);

		if (pid > 0)
			on_container_exit(m, status);
		if (pid >= 0)
			return;
		if (errno != EINTR)
			monitor_die_after_create(m, -errno,
						 "the container process %d is not a child of the "
						 "monitor, so its exit status cannot be read",
						 (int)m->container_pid);
	}
}

/* With --wait-fd the daemon first moves us into the container's unit, then says go: one
 * byte. EOF means it gave up on this container. */
bool
monitor_wait_for_go(const MonitorArgs *options)
{
	char go;
	ssize_t n;

	if (options->wait_fd < 0)
		return true;
	do
		n = read(options->wait_fd, &go, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		die_errno(-errno, "cannot read --wait-fd");
	(void)close(options->wait_fd);
	return n > 0;
}

static void
report_created(const Monitor *m)
{
	char answer[32];
	int n = monitor_answer_format_created(answer, sizeof answer, m->container_pid);
	int r = n < 0 ? n : fd_write_all(m->options->sync_fd, answer, (size_t)n);

	/* The daemon may have died meanwhile; the container is still ours to watch, and a
	 * restarted daemon finds it through the runtime and the exit file. */
	if (r < 0)
		warn_errno(r, "cannot report the container pid to the daemon");
	if (close(m->options->sync_fd) < 0)
		warn_errno(-errno, "cannot close the sync fd");
	die_set_sync_fd(-1);
}

int
monitor_supervise(const MonitorArgs *options)
{
	static Monitor monitor;
	static FsIdentity owner = FS_IDENTITY_INIT;
	Monitor *m = &monitor;
	int exit_code;
	int r;

	*m = (Monitor){
		.options = options,
		.epoll_fd = -1,
		.timer_fd = -1,
		.container_pidfd = -1,
		.oom = MONITOR_OOM_INIT,
		.pipes = { { .fd = -1, .stream = "stdout" }, { .fd = -1, .stream = "stderr" } },
		.log = LOG_WRITER_INIT,
		.journal = JOURNAL_WRITER_INIT,
		.stdin_fd = -1,
		.console_fd = -1,
		.attach_fd = -1,
		.resize_fd = -1,
		.bundle = MONITOR_BUNDLE_INIT,
	};
	for (int i = 0; i < ATTACH_CLIENTS_MAX; i++)
		m->clients[i] = -1;
	m->signal_fd = monitor_setup_signals();
	/* Before the log, which the record names for the teardown of a create cut short. */
	if (options->bundle_files_fd >= 0)
		make_bundle(m);

	if (options->journald) {
		/* Connected now: the seccomp filter lets the monitor send, not connect. */
		r = journal_writer_open(&m->journal, options->id, options->name,
					JOURNAL_SOCKET_PATH);
		if (r < 0)
			die_errno(r, "cannot connect to the journal at %s", JOURNAL_SOCKET_PATH);
	} else if (options->log_owner.set) {
		/* The user database is read once, now, before the seccomp filter: it may need
		 * files and sockets the filter refuses. */
		r = fs_identity_init(&owner, options->log_owner.uid, options->log_owner.gid);
		if (r < 0)
			die_errno(r, "cannot act as the log's owner %u:%u",
				  (unsigned)options->log_owner.uid,
				  (unsigned)options->log_owner.gid);
	}
	r = options->journald
		? 0
		: log_writer_open_as(&m->log, options->log_path, options->log_size_max, &owner);
	if (r < 0 && options->log_owner.set)
		die_errno(r,
			  "cannot open the log %s as its owner (uid %u); name a file that "
			  "user may create or write",
			  options->log_path, (unsigned)options->log_owner.uid);
	if (r < 0)
		die_errno(r, "cannot open the log %s", options->log_path);

	/* Everything that can fail for lack of resources before the container exists, so that
	 * after "ok" only the container's own fate remains. */
	m->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (m->epoll_fd < 0)
		die_errno(-errno, "cannot create an epoll instance");
	m->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (m->timer_fd < 0)
		die_errno(-errno, "cannot create a timerfd");

	if (!monitor_wait_for_go(options))
		withdraw(m, "the daemon withdrew the container before it was created");
	if (options->cgroup_group != NULL)
		make_group(m);
	if (daemon_gone(options->sync_fd))
		withdraw(m, "the daemon went away before the container was created");
	/* The runtime's now, and the daemon's: the create's teardown removes the dir. */
	closep(&m->bundle.dir_fd);
	create_container(m);
	watch_container(m);

	r = monitor_epoll_add(m, m->signal_fd);
	if (r == 0)
		r = monitor_epoll_add(m, m->timer_fd);
	if (r == 0)
		r = monitor_epoll_add(m, m->pipes[0].fd);
	if (r == 0 && m->pipes[1].fd >= 0)
		r = monitor_epoll_add(m, m->pipes[1].fd);
	if (r == 0 && m->container_pidfd >= 0)
		r = monitor_epoll_add(m, m->container_pidfd);
	if (r < 0)
		monitor_die_after_create(m, r, "cannot watch the container");
	monitor_attach_serve(m);
	report_created(m);
	/* Read, and read by nobody else: the Delete that takes the container's dir apart has
	 * one file fewer to unlink, on a disk. */
	(void)unlink(options->pid_file);

	/* From here on the monitor only relays bytes and waits: it gives up what it no
	 * longer needs. */
	r = monitor_harden(m->log.owner.set ? &m->log.owner : NULL);
	if (r < 0)
		warn_errno(r, "cannot harden the monitor; it runs on unconfined");
	monitor_test_hook_after_harden();

	run_loop(m);
	drain_pipes(m);
	monitor_attach_stop(m);
	monitor_close_stdin(m);
	log_writer_close(&m->log);
	r = journal_writer_finish(&m->journal);
	if (r < 0)
		warn_errno(r, "cannot tell the journal that the output has ended");

	exit_code = exit_code_from_wait_status(m->container_status);
	if (exit_code < 0) {
		warn("unexpected wait status %d for the container", m->container_status);
		exit_code = 255;
	}
	r = exit_file_write(options->exit_file, exit_code, m->oom_killed);
	if (r < 0)
		die_errno(r, "cannot write the exit file %s", options->exit_file);
	monitor_test_hook_after_exit_file();
	return EXIT_SUCCESS;
}
