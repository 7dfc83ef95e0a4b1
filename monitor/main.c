/* ocid-monitor: one small process per container. It becomes a child subreaper, runs
 * "<runtime> create", tells the daemon the container pid over the sync fd, then holds the
 * container's stdout and stderr, writes them to the CRI log and, when the container has
 * exited, writes its exit code to the exit file. It deliberately uses no GLib and no threads:
 * one epoll loop over a signalfd, the container's pidfd, a timerfd and the two pipes, so that
 * hundreds of monitors cost little and each one outlives daemon restarts. */

#include "die.h"
#include "exit-file.h"
#include "fd-util.h"
#include "harden.h"
#include "log-writer.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long the pipes may stay open after the container exited: processes that escaped
 * into another pid namespace, or a slow kernel, must not keep the exit file from appearing. */
#define DRAIN_GRACE_SEC 2

/* As much as a default pipe holds, so one read usually empties it. */
#define PIPE_READ_SIZE (64 * 1024)

/* What is still read from the pipes once the grace period is over, per pipe. */
#define FINAL_DRAIN_MAX (1024 * 1024)

#define RUNTIME_ARGV_MAX 16

enum {
	OPTION_ID = 1,
	OPTION_RUNTIME,
	OPTION_RUNTIME_ROOT,
	OPTION_BUNDLE,
	OPTION_PID_FILE,
	OPTION_LOG_PATH,
	OPTION_EXIT_FILE,
	OPTION_SYNC_FD,
	OPTION_LOG_SIZE_MAX,
	OPTION_NO_PIVOT,
	OPTION_SYSTEMD_CGROUP,
	OPTION_WAIT_FD,
	OPTION_EXEC_DIR,
	OPTION_EXEC_TIMEOUT,
	OPTION_TERMINAL,
	OPTION_STDIN,
	OPTION_STDIN_ONCE,
	OPTION_ATTACH_PATH,
	OPTION_CONSOLE_SOCKET,
};

typedef struct {
	const char *id;
	const char *runtime;
	const char *runtime_root;
	const char *bundle;
	const char *pid_file;
	const char *log_path;
	const char *exit_file;
	int sync_fd;
	int64_t log_size_max;
	bool no_pivot;
	bool systemd_cgroup;
	int wait_fd;                /* -1, or a pipe to read one byte from before create */
	const char *exec_dir;       /* exec mode: where stdout and stderr go */
	int64_t exec_timeout_sec;   /* exec mode: 0 for none */
	char **exec_argv;           /* exec mode: the command, after "--" */
	bool terminal;              /* the container has a pty, passed by the runtime */
	bool stdin_open;            /* the container's stdin is ours to feed */
	bool stdin_once;            /* ... until the first attached client leaves */
	const char *attach_path;    /* unix socket streaming stdin in and output out */
	const char *console_socket; /* where the runtime sends the pty master */
} MonitorOptions;

#define ATTACH_CLIENTS_MAX 16

typedef struct {
	int fd;
	const char *stream;
} OutputPipe;

typedef struct {
	const MonitorOptions *options;
	int epoll_fd;
	int signal_fd;
	int timer_fd;
	pid_t container_pid;
	int container_pidfd;
	bool container_exited;
	int container_status;
	bool grace_expired;
	int last_log_error;
	OutputPipe pipes[2];
	LogWriter log;
	int stdin_fd;   /* write end of the container's stdin (the pty master for a terminal) */
	int console_fd; /* the listening console socket during create */
	int attach_fd;  /* the listening attach socket */
	int clients[ATTACH_CLIENTS_MAX];
	char buf[PIPE_READ_SIZE];
} Monitor;

static int
pidfd_open(pid_t pid)
{
	long fd = syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0)
		return -errno;
	return (int)fd;
}

static int
pidfd_send_signal(int pidfd, int sig)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return -errno;
	return 0;
}

/* Our own fds must never land on 0-2: the child's dup2() onto them would then be a no-op
 * that leaves FD_CLOEXEC set, and the runtime would start without stdout or stderr. */
static void
ensure_std_fds(void)
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

/* The daemon's ids are 1-128 characters of [A-Za-z0-9_.-], not starting with '.' or '-';
 * checked again here because the id ends up as a runtime argument, where "-x" would be an
 * option. */
static bool
container_id_is_valid(const char *id)
{
	size_t len = strlen(id);

	if (len == 0 || len > 128 || id[0] == '.' || id[0] == '-')
		return false;
	return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
	       len;
}

static int
parse_int64(const char *s, int64_t *out)
{
	char *end = NULL;
	long long value;

	errno = 0;
	value = strtoll(s, &end, 10);
	if (errno != 0)
		return -errno;
	if (end == s || *end != '\0')
		return -EINVAL;
	*out = value;
	return 0;
}

/* Keeps the first error only: later ones are often consequences of it. */
__attribute__((format(printf, 3, 4))) static void
set_first_error(char *error, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (error[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(error, size, fmt, ap);
	va_end(ap);
}

/* getopt errors are collected rather than reported at once: --sync-fd may come later on
 * the command line, and the daemon should get the reason over it. */
static void
parse_options(int argc, char **argv, MonitorOptions *options)
{
	static const struct option long_options[] = {
		{ "id", required_argument, NULL, OPTION_ID },
		{ "runtime", required_argument, NULL, OPTION_RUNTIME },
		{ "runtime-root", required_argument, NULL, OPTION_RUNTIME_ROOT },
		{ "bundle", required_argument, NULL, OPTION_BUNDLE },
		{ "pid-file", required_argument, NULL, OPTION_PID_FILE },
		{ "log-path", required_argument, NULL, OPTION_LOG_PATH },
		{ "exit-file", required_argument, NULL, OPTION_EXIT_FILE },
		{ "sync-fd", required_argument, NULL, OPTION_SYNC_FD },
		{ "log-size-max", required_argument, NULL, OPTION_LOG_SIZE_MAX },
		{ "no-pivot", no_argument, NULL, OPTION_NO_PIVOT },
		{ "systemd-cgroup", no_argument, NULL, OPTION_SYSTEMD_CGROUP },
		{ "wait-fd", required_argument, NULL, OPTION_WAIT_FD },
		{ "exec-dir", required_argument, NULL, OPTION_EXEC_DIR },
		{ "exec-timeout", required_argument, NULL, OPTION_EXEC_TIMEOUT },
		{ "terminal", no_argument, NULL, OPTION_TERMINAL },
		{ "stdin", no_argument, NULL, OPTION_STDIN },
		{ "stdin-once", no_argument, NULL, OPTION_STDIN_ONCE },
		{ "attach-path", required_argument, NULL, OPTION_ATTACH_PATH },
		{ "console-socket", required_argument, NULL, OPTION_CONSOLE_SOCKET },
		{ NULL, 0, NULL, 0 },
	};
	char error[512] = "";
	int64_t value;
	int c;

	*options = (MonitorOptions){ .sync_fd = -1, .wait_fd = -1 };
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
		switch (c) {
		case OPTION_ID:
			options->id = optarg;
			break;
		case OPTION_RUNTIME:
			options->runtime = optarg;
			break;
		case OPTION_RUNTIME_ROOT:
			options->runtime_root = optarg;
			break;
		case OPTION_BUNDLE:
			options->bundle = optarg;
			break;
		case OPTION_PID_FILE:
			options->pid_file = optarg;
			break;
		case OPTION_LOG_PATH:
			options->log_path = optarg;
			break;
		case OPTION_EXIT_FILE:
			options->exit_file = optarg;
			break;
		case OPTION_SYNC_FD:
			if (parse_int64(optarg, &value) < 0 || value < 0 || value > INT32_MAX) {
				set_first_error(error, sizeof error, "invalid --sync-fd '%s'",
						optarg);
				break;
			}
			options->sync_fd = (int)value;
			break;
		case OPTION_LOG_SIZE_MAX:
			if (parse_int64(optarg, &value) < 0) {
				set_first_error(error, sizeof error,
						"invalid --log-size-max '%s': expected bytes",
						optarg);
				break;
			}
			options->log_size_max = value;
			break;
		case OPTION_NO_PIVOT:
			options->no_pivot = true;
			break;
		case OPTION_SYSTEMD_CGROUP:
			options->systemd_cgroup = true;
			break;
		case OPTION_WAIT_FD:
			if (parse_int64(optarg, &value) < 0 || value < 3 || value > INT32_MAX) {
				set_first_error(error, sizeof error, "invalid --wait-fd '%s'",
						optarg);
				break;
			}
			options->wait_fd = (int)value;
			break;
		case OPTION_EXEC_DIR:
			options->exec_dir = optarg;
			break;
		case OPTION_TERMINAL:
			options->terminal = true;
			break;
		case OPTION_STDIN:
			options->stdin_open = true;
			break;
		case OPTION_STDIN_ONCE:
			options->stdin_once = true;
			break;
		case OPTION_ATTACH_PATH:
			options->attach_path = optarg;
			break;
		case OPTION_CONSOLE_SOCKET:
			options->console_socket = optarg;
			break;
		case OPTION_EXEC_TIMEOUT:
			if (parse_int64(optarg, &value) < 0 || value < 0) {
				set_first_error(error, sizeof error,
						"invalid --exec-timeout '%s': expected seconds",
						optarg);
				break;
			}
			options->exec_timeout_sec = value;
			break;
		case ':':
			set_first_error(error, sizeof error, "option '%s' needs an argument",
					argv[optind - 1]);
			break;
		default:
			set_first_error(error, sizeof error, "unknown option '%s'",
					argv[optind - 1]);
			break;
		}
	}

	/* A sync fd that is not open would have us write the reason into some other file. */
	if (options->sync_fd >= 0 && fcntl(options->sync_fd, F_GETFD) < 0) {
		int r = -errno;

		options->sync_fd = -1;
		die_errno(r, "--sync-fd is not an open file descriptor");
	}
	die_set_sync_fd(options->sync_fd);

	if (error[0] != '\0')
		die("%s", error);
	if (options->exec_dir != NULL) {
		if (optind >= argc)
			die("exec mode needs a command after --");
		options->exec_argv = argv + optind;
	} else if (optind < argc) {
		die("unexpected argument '%s'", argv[optind]);
	}

	if (options->id == NULL)
		die("--id is required");
	if (!container_id_is_valid(options->id))
		die("invalid --id '%s': use 1-128 characters of [A-Za-z0-9_.-], not starting with "
		    "'.' or '-'",
		    options->id);
	die_set_container_id(options->id);

	{
		const struct {
			const char *name;
			const char *value;
		} paths[] = {
			{ "--runtime", options->runtime },
			{ "--runtime-root", options->runtime_root },
			{ "--pid-file", options->pid_file },
			{ "--bundle", options->bundle },
			{ "--log-path", options->log_path },
			{ "--exit-file", options->exit_file },
			{ "--exec-dir", options->exec_dir },
		};
		/* Exec mode needs only the first three and --exec-dir; create mode all but it. */
		bool exec_mode = options->exec_dir != NULL;

		for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
			bool needed = i < 3 || (exec_mode ? i == 6 : i != 6);

			if (paths[i].value == NULL && !needed)
				continue;
			if (paths[i].value == NULL)
				die("%s is required", paths[i].name);
			if (paths[i].value[0] != '/')
				die("%s must be an absolute path, not '%s'", paths[i].name,
				    paths[i].value);
		}
	}
	if (options->sync_fd < 0)
		die("--sync-fd is required");
	if (options->terminal && options->console_socket == NULL)
		die("--terminal needs --console-socket");
}

/* Whatever the daemon leaked to us (bus sockets, other containers' pidfds) would otherwise
 * live as long as this container, and reach the runtime. */
static void
close_inherited_fds(int keep_a, int keep_b)
{
	int low = keep_a < keep_b ? keep_a : keep_b;
	int high = keep_a < keep_b ? keep_b : keep_a;
	unsigned int next = 3;
	int r = 0;

	/* Close every fd from 3 up but the (at most two) we keep. */
	if (low >= 3) {
		if ((unsigned int)low > next)
			r = close_range(next, (unsigned int)low - 1, 0);
		next = (unsigned int)low + 1;
	}
	if (r == 0 && high >= 3 && high != low) {
		if ((unsigned int)high > next)
			r = close_range(next, (unsigned int)high - 1, 0);
		next = (unsigned int)high + 1;
	}
	if (r == 0)
		r = close_range(next, ~0U, 0);
	/* Before Linux 5.9 there is no close_range; the daemon's O_CLOEXEC is all we have. */
	if (r < 0 && errno != ENOSYS)
		die_errno(-errno, "cannot close inherited file descriptors");
}

static void
setup_process(const MonitorOptions *options)
{
	if (fcntl(options->sync_fd, F_SETFD, FD_CLOEXEC) < 0)
		die_errno(-errno, "cannot set close-on-exec on the sync fd");
	if (options->wait_fd >= 0 && fcntl(options->wait_fd, F_SETFD, FD_CLOEXEC) < 0)
		die_errno(-errno, "--wait-fd is not an open file descriptor");
	close_inherited_fds(options->sync_fd, options->wait_fd);

	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		die_errno(-errno, "cannot become a child subreaper");
	/* Our own session: the daemon's process group and terminal are not ours to share, a
	 * signal to them must not reach the monitor. EPERM: we already lead a group. */
	if (getsid(0) != getpid() && setsid() < 0 && errno != EPERM)
		die_errno(-errno, "cannot start a new session");
	/* Do not pin the daemon's working directory's filesystem for the container's life. */
	if (chdir("/") < 0)
		die_errno(-errno, "cannot change to /");
}

static int
setup_signals(void)
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
	execv(argv[0], argv);
fail:
	dprintf(STDERR_FILENO, "cannot execute %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static pid_t
spawn(char *const argv[], int stdin_fd, int stdout_fd, int stderr_fd)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		exec_child(argv, stdin_fd, stdout_fd, stderr_fd);
	return pid;
}

static int
wait_for_pid(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static size_t
runtime_global_args(const MonitorOptions *options, const char **argv)
{
	size_t n = 0;

	argv[n++] = options->runtime;
	argv[n++] = "--root";
	argv[n++] = options->runtime_root;
	if (options->systemd_cgroup)
		argv[n++] = "--systemd-cgroup";
	return n;
}

/* Used only when the container was created but cannot be watched: an "error" to the
 * daemon must mean no container is left behind. */
static void
delete_container(const MonitorOptions *options)
{
	const char *argv[RUNTIME_ARGV_MAX];
	size_t n = runtime_global_args(options, argv);
	pid_t pid;
	int status;
	int r;

	argv[n++] = "delete";
	argv[n++] = "--force";
	argv[n++] = options->id;
	argv[n] = NULL;

	pid = spawn((char *const *)argv, -1, -1, -1);
	if (pid < 0) {
		warn_errno(pid, "cannot run %s delete", options->runtime);
		return;
	}
	r = wait_for_pid(pid, &status);
	if (r < 0)
		warn_errno(r, "cannot wait for %s delete", options->runtime);
	else if (status != 0)
		warn("%s delete --force failed with wait status %d", options->runtime, status);
}

__attribute__((noreturn, format(printf, 3, 4))) static void
die_after_create(const Monitor *m, int r, const char *fmt, ...)
{
	char message[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	delete_container(m->options);
	die_errno(r, "%s", message);
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

static pid_t
read_pid_file(const char *path)
{
	_cleanup_close_ int fd = -1;
	char text[32];
	int64_t pid;
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
	if (parse_int64(text, &pid) < 0 || pid <= 0 || pid > INT32_MAX)
		return -EINVAL;
	return (pid_t)pid;
}

/* A listening unix stream socket at @path (replacing a stale one). */
static int
listen_unix(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof addr.sun_path)
		return -ENAMETOOLONG;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 16) < 0) {
		int r = -errno;
		(void)close(fd);
		return r;
	}
	return fd;
}

/* The runtime connected during create and sent the pty master with SCM_RIGHTS: it becomes
 * the container's output (logged as stdout) and stdin. */
static void
take_console(Monitor *m)
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
	_cleanup_close_ int conn = accept4(m->console_fd, NULL, NULL, SOCK_CLOEXEC);
	int master = -1;

	if (conn < 0)
		die_after_create(m, -errno, "the runtime did not connect to the console socket");
	if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) < 0)
		die_after_create(m, -errno, "cannot receive the terminal from the runtime");
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL; cmsg = CMSG_NXTHDR(&msg, cmsg))
		if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
			memcpy(&master, CMSG_DATA(cmsg), sizeof master);
	if (master < 0)
		die_after_create(m, -EBADMSG, "the runtime sent no terminal");
	fd_closep(&m->console_fd);
	(void)unlink(m->options->console_socket);
	if (fcntl(master, F_SETFL, O_NONBLOCK) < 0)
		die_after_create(m, -errno, "cannot make the terminal non-blocking");
	/* The pipes only ever carried the runtime's own words. */
	fd_closep(&m->pipes[0].fd);
	fd_closep(&m->pipes[1].fd);
	m->pipes[0].fd = master;
	m->stdin_fd = dup(master);
	if (m->stdin_fd < 0)
		die_after_create(m, -errno, "cannot duplicate the terminal");
}

/* Runs "<runtime> create" and waits for it. On failure the daemon gets the runtime's own
 * words and we exit. */
static void
create_container(Monitor *m)
{
	const MonitorOptions *options = m->options;
	const char *argv[RUNTIME_ARGV_MAX];
	size_t n = runtime_global_args(options, argv);
	int stdout_pipe[2];
	int stderr_pipe[2];
	int stdin_pipe[2] = { -1, -1 };
	const char *output;
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
		m->console_fd = listen_unix(options->console_socket);
		if (m->console_fd < 0)
			die_errno(m->console_fd, "cannot listen on the console socket %s",
				  options->console_socket);
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

	pid = spawn((char *const *)argv, stdin_pipe[0], stdout_pipe[1], stderr_pipe[1]);
	if (pid < 0)
		die_errno(pid, "cannot fork the runtime");
	/* The container holds the write ends now; ours would keep EOF from ever coming. */
	if (close(stdout_pipe[1]) < 0 || close(stderr_pipe[1]) < 0)
		die_errno(-errno, "cannot close the pipes' write ends");
	if (stdin_pipe[0] >= 0)
		(void)close(stdin_pipe[0]);

	r = wait_for_pid(pid, &status);
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

	/* The container's process cannot have run yet (it waits for "start"), so whatever is in
	 * the pipes now is the runtime's own warnings: they go to our stderr, not into the
	 * container's log. */
	output = collect_runtime_output(m);
	if (output[0] != '\0')
		warn("%s create: %s", options->runtime, output);

	m->container_pid = read_pid_file(options->pid_file);
	if (m->container_pid < 0)
		die_after_create(m, m->container_pid, "cannot read the container pid from %s",
				 options->pid_file);
	if (options->terminal)
		take_console(m);
}

static int
epoll_add(Monitor *m, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (epoll_ctl(m->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	return 0;
}

static void
epoll_remove_and_close(Monitor *m, int *fd)
{
	if (*fd < 0)
		return;
	/* ENOENT: the container exited before its pidfd was added. */
	if (epoll_ctl(m->epoll_fd, EPOLL_CTL_DEL, *fd, NULL) < 0 && errno != ENOENT)
		warn_errno(-errno, "cannot stop watching fd %d", *fd);
	fd_closep(fd);
}

static void
on_container_exit(Monitor *m, int status)
{
	struct itimerspec grace = { .it_value = { .tv_sec = DRAIN_GRACE_SEC } };

	m->container_exited = true;
	m->container_status = status;
	epoll_remove_and_close(m, &m->container_pidfd);
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
		int r = pidfd_send_signal(m->container_pidfd, sig);

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
		epoll_remove_and_close(m, &m->container_pidfd);
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

/* Output goes to every attached client too; one that cannot keep up is dropped rather
 * than allowed to stall the log. */
static void
broadcast(Monitor *m, const char *buf, size_t len)
{
	for (int i = 0; i < ATTACH_CLIENTS_MAX; i++) {
		if (m->clients[i] < 0)
			continue;
		if (send(m->clients[i], buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len)
			epoll_remove_and_close(m, &m->clients[i]);
	}
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
		epoll_remove_and_close(m, &p->fd);
		return 0;
	}
	broadcast(m, m->buf, (size_t)n);
	r = log_writer_write(&m->log, p->stream, m->buf, (size_t)n);
	/* Once per kind of failure, not once per chunk: a full disk stays full for a while. */
	if (r < 0 && r != m->last_log_error)
		warn_errno(r, "cannot write to the log %s", m->options->log_path);
	m->last_log_error = r;
	return n;
}

static void
close_stdin(Monitor *m)
{
	if (m->stdin_fd < 0)
		return;
	/* A pty has no half-close: end-of-file is the EOF character at a line start. */
	if (m->options->terminal)
		(void)fd_write_all(m->stdin_fd, "\x04", 1);
	fd_closep(&m->stdin_fd);
}

static void
accept_client(Monitor *m)
{
	int fd = accept4(m->attach_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	for (int i = 0; i < ATTACH_CLIENTS_MAX; i++) {
		if (m->clients[i] < 0) {
			m->clients[i] = fd;
			if (epoll_add(m, fd) < 0)
				fd_closep(&m->clients[i]);
			return;
		}
	}
	(void)close(fd); /* full */
}

/* What a client sends is the container's stdin; its leaving ends stdin with stdin_once. */
static void
handle_client(Monitor *m, int slot)
{
	ssize_t n = read(m->clients[slot], m->buf, sizeof m->buf);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		if (m->stdin_fd >= 0 && fd_write_all(m->stdin_fd, m->buf, (size_t)n) < 0)
			warn("cannot write to the container's stdin");
		return;
	}
	epoll_remove_and_close(m, &m->clients[slot]);
	if (m->options->stdin_once)
		close_stdin(m);
}

static void
serve_attach(Monitor *m)
{
	int r;

	if (m->options->attach_path == NULL)
		return;
	m->attach_fd = listen_unix(m->options->attach_path);
	if (m->attach_fd < 0)
		die_after_create(m, m->attach_fd, "cannot listen on the attach socket %s",
				 m->options->attach_path);
	r = epoll_add(m, m->attach_fd);
	if (r < 0)
		die_after_create(m, r, "cannot watch the attach socket");
}

static void
stop_attach(Monitor *m)
{
	for (int i = 0; i < ATTACH_CLIENTS_MAX; i++)
		epoll_remove_and_close(m, &m->clients[i]);
	if (m->attach_fd >= 0) {
		epoll_remove_and_close(m, &m->attach_fd);
		(void)unlink(m->options->attach_path);
	}
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
				accept_client(m);
			else
				for (int c = 0; c < ATTACH_CLIENTS_MAX; c++)
					if (fd == m->clients[c])
						handle_client(m, c);
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
	int r = pidfd_open(m->container_pid);

	/* ENOSYS (Linux < 5.3, valgrind): SIGCHLD alone tells of the exit, and kill() is as safe
	 * as a pidfd on a child that is not reaped yet. ESRCH: gone already, see below. */
	if (r >= 0)
		m->container_pidfd = r;
	else if (r != -ENOSYS && r != -ESRCH)
		die_after_create(m, r, "cannot open a pidfd for the container process %d",
				 (int)m->container_pid);

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
			die_after_create(m, -errno,
					 "the container process %d is not a child of the monitor, "
					 "so its exit status cannot be read",
					 (int)m->container_pid);
	}
}

/* With --wait-fd the daemon first moves us into the container's unit, then says go: one
 * byte. EOF means it gave up on this container. */
static void
wait_for_go(const MonitorOptions *options)
{
	char go;
	ssize_t n;

	if (options->wait_fd < 0)
		return;
	do
		n = read(options->wait_fd, &go, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		die_errno(-errno, "cannot read --wait-fd");
	if (n == 0)
		die("the daemon withdrew the container before it was created");
	(void)close(options->wait_fd);
}

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
kill_exec(const MonitorOptions *options, pid_t runtime_pid)
{
	pid_t pid = read_pid_file(options->pid_file);

	if (pid > 0) {
		int pidfd = pidfd_open(pid);

		if (pidfd >= 0) {
			(void)pidfd_send_signal(pidfd, SIGKILL);
			(void)close(pidfd);
		}
	}
	(void)kill(runtime_pid, SIGKILL);
}

/* Exec mode: "<runtime> exec" with the output going straight into files in --exec-dir (the
 * kernel writes them, so a large output costs no copies here), a timerfd for the timeout,
 * and "ok <exit code> <timed out>" or "error\n<runtime's stderr>" on the sync fd. */
static int
run_exec(MonitorOptions *options)
{
	const char *argv[RUNTIME_ARGV_MAX + 256];
	size_t n = runtime_global_args(options, argv);
	_cleanup_close_ int out_fd = open_output(options->exec_dir, "stdout");
	_cleanup_close_ int err_fd = open_output(options->exec_dir, "stderr");
	_cleanup_close_ int signal_fd = setup_signals();
	_cleanup_close_ int timer_fd = -1;
	bool timed_out = false;
	char answer[64];
	pid_t runtime_pid;
	int status = 0;
	int len;

	argv[n++] = "exec";
	argv[n++] = "--pid-file";
	argv[n++] = options->pid_file;
	argv[n++] = options->id;
	for (size_t i = 0; options->exec_argv[i] != NULL; i++) {
		if (n >= sizeof argv / sizeof argv[0] - 1)
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
	runtime_pid = spawn((char *const *)argv, -1, out_fd, err_fd);
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

	/* No pid file: the process never started, so the failure is the runtime's. */
	if (!timed_out && status != 0 && access(options->pid_file, F_OK) < 0) {
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
	len = snprintf(answer, sizeof answer, "ok %d %d\n",
		       timed_out && exit_code_from_wait_status(status) == 0
			   ? 137
			   : exit_code_from_wait_status(status),
		       timed_out ? 1 : 0);
	if (fd_write_all(options->sync_fd, answer, (size_t)len) < 0)
		warn("cannot report the exec result to the daemon");
	return EXIT_SUCCESS;
}

/* For the tests: with OCID_MONITOR_PROBE=FILE, try a syscall the allow-list forbids (a
 * network socket) and write what happened to FILE. */
static void
probe_forbidden_syscall(void)
{
	const char *file = getenv("OCID_MONITOR_PROBE");
	_cleanup_close_ int fd = -1;
	int sock;

	if (file == NULL)
		return;
	sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0)
		dprintf(fd, "socket: %s\n", sock >= 0 ? "allowed" : strerror(errno));
	if (sock >= 0)
		(void)close(sock);
}

int
main(int argc, char **argv)
{
	MonitorOptions options;
	static Monitor monitor;
	Monitor *m = &monitor;
	char ok[32];
	int exit_code;
	int n;
	int r;

	ensure_std_fds();
	parse_options(argc, argv, &options);
	setup_process(&options);
	if (options.exec_dir != NULL)
		return run_exec(&options);

	*m = (Monitor){
		.options = &options,
		.epoll_fd = -1,
		.timer_fd = -1,
		.container_pidfd = -1,
		.pipes = { { .fd = -1, .stream = "stdout" }, { .fd = -1, .stream = "stderr" } },
		.log = LOG_WRITER_INIT,
		.stdin_fd = -1,
		.console_fd = -1,
		.attach_fd = -1,
	};
	for (int i = 0; i < ATTACH_CLIENTS_MAX; i++)
		m->clients[i] = -1;
	m->signal_fd = setup_signals();

	r = log_writer_open(&m->log, options.log_path, options.log_size_max);
	if (r < 0)
		die_errno(r, "cannot open the log %s", options.log_path);

	/* Everything that can fail for lack of resources before the container exists, so that
	 * after "ok" only the container's own fate remains. */
	m->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (m->epoll_fd < 0)
		die_errno(-errno, "cannot create an epoll instance");
	m->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (m->timer_fd < 0)
		die_errno(-errno, "cannot create a timerfd");

	wait_for_go(&options);
	create_container(m);
	watch_container(m);

	r = epoll_add(m, m->signal_fd);
	if (r == 0)
		r = epoll_add(m, m->timer_fd);
	if (r == 0)
		r = epoll_add(m, m->pipes[0].fd);
	if (r == 0 && m->pipes[1].fd >= 0)
		r = epoll_add(m, m->pipes[1].fd);
	if (r == 0 && m->container_pidfd >= 0)
		r = epoll_add(m, m->container_pidfd);
	if (r < 0)
		die_after_create(m, r, "cannot watch the container");
	serve_attach(m);

	n = snprintf(ok, sizeof ok, "ok %d\n", (int)m->container_pid);
	r = fd_write_all(options.sync_fd, ok, (size_t)n);
	/* The daemon may have died meanwhile; the container is still ours to watch, and a
	 * restarted daemon finds it through the runtime and the exit file. */
	if (r < 0)
		warn_errno(r, "cannot report the container pid to the daemon");
	if (close(options.sync_fd) < 0)
		warn_errno(-errno, "cannot close the sync fd");
	die_set_sync_fd(-1);

	/* From here on the monitor only relays bytes and waits: it gives up what it no
	 * longer needs. */
	r = monitor_harden();
	if (r < 0)
		warn_errno(r, "cannot harden the monitor; it runs on unconfined");
	probe_forbidden_syscall();

	run_loop(m);
	drain_pipes(m);
	stop_attach(m);
	close_stdin(m);
	log_writer_close(&m->log);

	exit_code = exit_code_from_wait_status(m->container_status);
	if (exit_code < 0) {
		warn("unexpected wait status %d for the container", m->container_status);
		exit_code = 255;
	}
	r = exit_file_write(options.exit_file, exit_code);
	if (r < 0)
		die_errno(r, "cannot write the exit file %s", options.exit_file);
	return EXIT_SUCCESS;
}
