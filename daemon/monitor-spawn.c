#include "monitor-spawn.h"

#include "cleanup.h"
#include "errors.h"
#include "process.h"

#include "common/monitor-protocol.h"
#include "common/pidfd.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

struct OcidMonitorSpawn {
	pid_t pid;
	int pidfd;
	int sync_fd;
	int go_fd;
	guint sync_watch;
	guint timeout;
	guint timeout_sec;
	GString *answer;
	MonitorAnswerKind ok_kind;
	pid_t container_pid;
	int exec_exit_code;
	gboolean exec_timed_out;
	OcidMonitorReadyFunc ready;
	gpointer user_data;
};

/* posix_spawn, which glibc runs as a vfork-like clone: no copy of the daemon's page
 * tables and no child-report pipe, unlike a fork. The monitor gets @source_fds[i] as
 * @target_fds[i] (ascending, from 3), stdin on /dev/null, and no other fd of ours from 3
 * up. Its own session: a signal to the daemon's process group must not reach it, and the
 * daemon can kill the whole create (monitor and runtime) by process group. */
static gboolean
spawn_process(char **argv, char **envp, const int *source_fds, const int *target_fds, int n_fds,
	      pid_t *pid, GError **error)
{
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	int above[4] = { -1, -1, -1, -1 };
	int top = target_fds[n_fds - 1];
	sigset_t none, all;
	int r = 0;

	g_return_val_if_fail(n_fds > 0 && n_fds <= (int)G_N_ELEMENTS(above), FALSE);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&actions);
	posix_spawnattr_init(&attr);
	r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
						POSIX_SPAWN_SETSIGDEF);
	if (r == 0)
		r = posix_spawnattr_setsigmask(&attr, &none);
	if (r == 0)
		r = posix_spawnattr_setsigdefault(&attr, &all);
	if (r == 0)
		r = posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY,
						     0);
	/* A source among the targets would be overwritten by an earlier dup2: move it up. */
	for (int i = 0; r == 0 && i < n_fds; i++) {
		int fd = source_fds[i];

		if (fd <= top) {
			above[i] = fcntl(fd, F_DUPFD_CLOEXEC, top + 1);
			if (above[i] < 0)
				r = errno;
			fd = above[i];
		}
		if (r == 0)
			r = posix_spawn_file_actions_adddup2(&actions, fd, target_fds[i]);
	}
	for (int fd = 3, i = 0; r == 0 && fd < top; fd++) {
		if (i < n_fds && target_fds[i] == fd)
			i++;
		else
			r = posix_spawn_file_actions_addclose(&actions, fd);
	}
	if (r == 0)
		r = posix_spawn_file_actions_addclosefrom_np(&actions, top + 1);
	if (r == 0)
		r = posix_spawn(pid, argv[0], &actions, &attr, argv, envp != NULL ? envp : environ);
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attr);
	for (int i = 0; i < n_fds; i++)
		closep(&above[i]);
	if (r != 0) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_RUNTIME_FAILED,
			    "Cannot start the container monitor %s: %s; check monitor_path in "
			    "ocid.conf",
			    argv[0], g_strerror(r));
		return FALSE;
	}
	return TRUE;
}

static void
finish(OcidMonitorSpawn *spawn, GError *error)
{
	OcidMonitorReadyFunc ready = spawn->ready;

	g_clear_handle_id(&spawn->sync_watch, g_source_remove);
	g_clear_handle_id(&spawn->timeout, g_source_remove);
	spawn->ready = NULL;
	if (ready != NULL)
		ready(spawn, error, spawn->user_data);
}

static void
parse_answer(OcidMonitorSpawn *spawn)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *message = NULL;
	MonitorAnswer answer;
	int r;

	r = monitor_answer_parse(spawn->answer->str, spawn->answer->len, spawn->ok_kind, &answer);
	if (r == -ENODATA) {
		error = g_error_new_literal(OCID_ERROR, OCID_ERROR_RUNTIME_FAILED,
					    "The container monitor exited before it reported the "
					    "container; see the daemon's journal");
	} else if (r < 0) {
		g_autofree char *text = g_utf8_make_valid(spawn->answer->str, -1);
		error = g_error_new(OCID_ERROR, OCID_ERROR_RUNTIME_FAILED,
				    "The container monitor answered '%s', which this daemon does "
				    "not understand; check that monitor_path matches this ocid",
				    g_strstrip(text));
	} else if (answer.kind == MONITOR_ANSWER_ERROR && answer.bundle_errno > 0) {
		/* The container's dir or a file in it, which the daemon named (bundle.h). */
		message = g_utf8_make_valid(answer.message, (gssize)answer.message_len);
		error = ocid_monitor_bundle_error_new(message, answer.bundle_errno);
	} else if (answer.kind == MONITOR_ANSWER_ERROR && answer.cgroup) {
		/* The group the daemon named (cgroup.h): ocid's own failure, in its words. */
		message = g_utf8_make_valid(answer.message, (gssize)answer.message_len);
		error = g_error_new(OCID_ERROR, OCID_ERROR_FAILED, "%s", message);
	} else if (answer.kind == MONITOR_ANSWER_ERROR) {
		message = g_strndup(answer.message, answer.message_len);
		error = g_error_new(OCID_ERROR, OCID_ERROR_RUNTIME_FAILED,
				    spawn->ok_kind == MONITOR_ANSWER_EXEC_RESULT
					? "The OCI runtime could not run the command: %s"
					: "The OCI runtime could not create the container: %s",
				    *message != '\0' ? message : "no message");
	} else if (answer.kind == MONITOR_ANSWER_CREATED) {
		spawn->container_pid = answer.pid;
	} else {
		spawn->exec_exit_code = answer.exit_code;
		spawn->exec_timed_out = answer.timed_out;
	}
	finish(spawn, error);
}

GError *
ocid_monitor_bundle_error_new(const char *path, int errnum)
{
	if (errnum == EEXIST)
		return g_error_new(OCID_ERROR, OCID_ERROR_CONTAINER_EXISTS,
				   "%s already exists but no container of that id is loaded; "
				   "remove the directory if it is left over",
				   path);
	return g_error_new(OCID_ERROR, OCID_ERROR_FAILED, "Cannot create %s: %s", path,
			   g_strerror(errnum));
}

static gboolean
on_sync_readable(int fd, GIOCondition condition, gpointer user_data)
{
	OcidMonitorSpawn *spawn = user_data;
	char buf[4096];
	ssize_t n;

	n = read(fd, buf, sizeof buf);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return G_SOURCE_CONTINUE;
	if (n > 0 && spawn->answer->len < MONITOR_ANSWER_MAX) {
		g_string_append_len(spawn->answer, buf, n);
		return G_SOURCE_CONTINUE;
	}
	spawn->sync_watch = 0;
	parse_answer(spawn);
	return G_SOURCE_REMOVE;
}

static gboolean
on_timeout(gpointer user_data)
{
	OcidMonitorSpawn *spawn = user_data;
	g_autoptr(GError) error = NULL;

	spawn->timeout = 0;
	/* The monitor leads its own process group, which holds the hung runtime too. */
	(void)kill(-spawn->pid, SIGKILL);
	error = g_error_new(OCID_ERROR, OCID_ERROR_TIMEOUT,
			    "The OCI runtime did not create the container within %u s "
			    "(create_timeout); it was killed. Check the runtime, or raise "
			    "create_timeout in ocid.conf",
			    spawn->timeout_sec);
	finish(spawn, error);
	return G_SOURCE_REMOVE;
}

static void
monitor_argv_freep(char ***argv)
{
	monitor_argv_free(*argv);
}

/* What the monitor is told of @args: the fds under the numbers it sees them as, its sync
 * pipe as 3, the go pipe as 4, an exec session's socket as 5 and its control socket as 6,
 * or a create's bundle files as 5 (target_fds below); an owner only with a log to write,
 * and the protocol's 0 for a log without limit. */
static void
monitor_args_as_passed(const MonitorArgs *args, gboolean wait_for_go, MonitorArgs *out)
{
	*out = *args;
	out->sync_fd = 3;
	out->wait_fd = wait_for_go ? 4 : -1;
	out->session_fd = args->session_fd >= 0 ? 5 : -1;
	out->control_fd = args->session_fd >= 0 ? 6 : -1;
	out->bundle_files_fd = args->bundle_files_fd >= 0 ? 5 : -1;
	out->log_owner.set = args->log_owner.set && args->log_path != NULL;
	out->log_size_max = MAX(args->log_size_max, 0);
}

OcidMonitorSpawn *
ocid_monitor_spawn(const OcidConfig *config, const MonitorArgs *args, gboolean wait_for_go,
		   guint timeout_sec, OcidMonitorReadyFunc ready, gpointer user_data,
		   GError **error)
{
	_cleanup_(monitor_argv_freep) char **argv = NULL;
	MonitorArgs monitor_args;
	char message[512];
	int encoded;
	_cleanup_close_ int sync_read = -1;
	_cleanup_close_ int sync_write = -1;
	int fds[2];
	int source_fds[4] = { -1, -1, -1, -1 };
	int target_fds[4] = { 3, 4, 5, 6 };
	int n_fds = 0;
	_cleanup_close_ int go_read = -1;
	_cleanup_close_ int go_write = -1;
	pid_t pid = 0;
	OcidMonitorSpawn *spawn;
	int pidfd;

	monitor_args_as_passed(args, wait_for_go, &monitor_args);
	encoded = monitor_args_encode(&monitor_args, config->monitor_path, &argv, message,
				      sizeof message);
	if (encoded < 0) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_RUNTIME_FAILED,
			    "The container monitor cannot be started: %s", message);
		return NULL;
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_FAILED, "Cannot make a pipe: %s",
			    g_strerror(errno));
		return NULL;
	}
	sync_read = fds[0];
	sync_write = fds[1];
	if (wait_for_go) {
		if (pipe2(fds, O_CLOEXEC) < 0) {
			g_set_error(error, OCID_ERROR, OCID_ERROR_FAILED, "Cannot make a pipe: %s",
				    g_strerror(errno));
			return NULL;
		}
		go_read = fds[0];
		go_write = fds[1];
	}
	source_fds[n_fds++] = sync_write;
	if (go_read >= 0)
		source_fds[n_fds++] = go_read;
	if (args->session_fd >= 0) {
		/* The targets are fixed: 4 stays free without a go pipe. */
		source_fds[n_fds] = args->session_fd;
		target_fds[n_fds++] = 5;
		source_fds[n_fds] = args->control_fd;
		target_fds[n_fds++] = 6;
	} else if (args->bundle_files_fd >= 0) {
		source_fds[n_fds] = args->bundle_files_fd;
		target_fds[n_fds++] = 5;
	}

	if (!spawn_process(argv, config->monitor_env, source_fds, target_fds, n_fds, &pid, error))
		return NULL;
	closep(&sync_write);
	closep(&go_read);

	/* Not reaped until we say so, so the pid cannot be recycled before this. */
	pidfd = sys_pidfd_open(pid);
	if (pidfd < 0) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_FAILED,
			    "Cannot open a pidfd for the monitor: %s", g_strerror(-pidfd));
		(void)kill(pid, SIGKILL);
		return NULL;
	}

	spawn = g_new0(OcidMonitorSpawn, 1);
	spawn->pid = pid;
	spawn->pidfd = pidfd;
	spawn->sync_fd = steal_fd(&sync_read);
	spawn->go_fd = steal_fd(&go_write);
	spawn->answer = g_string_new(NULL);
	spawn->exec_exit_code = -1;
	spawn->ok_kind =
	    args->exec_argv != NULL ? MONITOR_ANSWER_EXEC_RESULT : MONITOR_ANSWER_CREATED;
	spawn->ready = ready;
	spawn->user_data = user_data;
	spawn->timeout_sec = timeout_sec;
	spawn->sync_watch =
	    g_unix_fd_add(spawn->sync_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_sync_readable, spawn);
	if (timeout_sec > 0)
		spawn->timeout = g_timeout_add_seconds(timeout_sec, on_timeout, spawn);
	return spawn;
}

pid_t
ocid_monitor_spawn_get_pid(OcidMonitorSpawn *spawn)
{
	return spawn->pid;
}

pid_t
ocid_monitor_spawn_get_container_pid(OcidMonitorSpawn *spawn)
{
	return spawn->container_pid;
}

gboolean
ocid_monitor_spawn_get_exec_result(OcidMonitorSpawn *spawn, int *exit_code, gboolean *timed_out)
{
	if (spawn->ok_kind != MONITOR_ANSWER_EXEC_RESULT || spawn->exec_exit_code < 0)
		return FALSE;
	*exit_code = spawn->exec_exit_code;
	*timed_out = spawn->exec_timed_out;
	return TRUE;
}

int
ocid_monitor_spawn_steal_pidfd(OcidMonitorSpawn *spawn)
{
	return steal_fd(&spawn->pidfd);
}

void
ocid_monitor_spawn_go(OcidMonitorSpawn *spawn)
{
	if (spawn->go_fd >= 0 && write(spawn->go_fd, "g", 1) != 1)
		g_warning("Cannot tell monitor %d to go on: %s", (int)spawn->pid,
			  g_strerror(errno));
	closep(&spawn->go_fd);
}

void
ocid_monitor_spawn_abort(OcidMonitorSpawn *spawn)
{
	closep(&spawn->go_fd);
	(void)kill(-spawn->pid, SIGKILL);
	(void)kill(spawn->pid, SIGKILL);
}

void
ocid_monitor_spawn_free(OcidMonitorSpawn *spawn)
{
	if (spawn == NULL)
		return;
	g_clear_handle_id(&spawn->sync_watch, g_source_remove);
	g_clear_handle_id(&spawn->timeout, g_source_remove);
	closep(&spawn->sync_fd);
	closep(&spawn->go_fd);
	/* A monitor that failed or was killed is still our child: reap it when it is gone. */
	ocid_reap_in_background(steal_fd(&spawn->pidfd));
	g_string_free(spawn->answer, TRUE);
	g_free(spawn);
}

gboolean
ocid_monitor_read_exit_file(const char *path, int *exit_code, gboolean *oom_killed)
{
	_cleanup_close_ int fd = -1;
	char text[MONITOR_EXIT_FILE_MAX];
	struct stat st;
	size_t len = 0;
	bool oom = false;

	/* O_NONBLOCK: a FIFO planted at the path must not hang the daemon before fstat. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno != ENOENT)
			g_debug("Cannot open the exit file %s: %s", path, g_strerror(errno));
		return FALSE;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		g_warning("The exit file %s is not a regular file; ignored", path);
		return FALSE;
	}
	while (len < sizeof text) {
		ssize_t n = read(fd, text + len, sizeof text - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_warning("Cannot read the exit file %s: %s", path, g_strerror(errno));
			return FALSE;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (monitor_exit_file_parse(text, len, exit_code, &oom) < 0) {
		g_autofree char *shown = g_utf8_make_valid(text, (gssize)MIN(len, 64));
		g_warning("Exit file %s holds '%s', not an exit code", path, shown);
		return FALSE;
	}
	*oom_killed = oom;
	return TRUE;
}
