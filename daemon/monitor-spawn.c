#include "monitor-spawn.h"

#include "cleanup.h"
#include "errors.h"
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <signal.h>
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
	OcidMonitorReadyFunc ready;
	gpointer user_data;
};

static void
child_setup(gpointer user_data)
{
	/* Its own session: a signal to the daemon's process group must not reach it, and
	 * the daemon can kill the whole create (monitor and runtime) by process group. */
	(void)setsid();
}

static void
finish(OcidMonitorSpawn *spawn, const char *answer, GError *error)
{
	OcidMonitorReadyFunc ready = spawn->ready;

	g_clear_handle_id(&spawn->sync_watch, g_source_remove);
	g_clear_handle_id(&spawn->timeout, g_source_remove);
	spawn->ready = NULL;
	if (ready != NULL)
		ready(spawn, answer, error, spawn->user_data);
}

static void
parse_answer(OcidMonitorSpawn *spawn)
{
	const char *text = spawn->answer->str;
	g_autoptr(GError) error = NULL;

	if (g_str_has_prefix(text, "ok ")) {
		g_autofree char *payload = g_strstrip(g_strdup(text + 3));
		finish(spawn, payload, NULL);
		return;
	}
	if (g_str_has_prefix(text, "error\n")) {
		g_autofree char *message = g_strstrip(g_strdup(text + 6));
		error = g_error_new(OCID_ERROR, OCID_ERROR_RUNTIME_FAILED,
				    "The OCI runtime could not create the container: %s",
				    *message != '\0' ? message : "no message");
	} else if (*text == '\0') {
		error = g_error_new_literal(OCID_ERROR, OCID_ERROR_RUNTIME_FAILED,
					    "The container monitor exited before it reported the "
					    "container; see the daemon's journal");
	} else {
		error = g_error_new(OCID_ERROR, OCID_ERROR_RUNTIME_FAILED,
				    "The container monitor answered '%s', which this daemon does "
				    "not understand; check that monitor_path matches this ocid",
				    text);
	}
	finish(spawn, NULL, error);
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
	if (n > 0 && spawn->answer->len < 256 * 1024) {
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
	finish(spawn, NULL, error);
	return G_SOURCE_REMOVE;
}

OcidMonitorSpawn *
ocid_monitor_spawn(const OcidMonitorArgs *args, guint timeout_sec, OcidMonitorReadyFunc ready,
		   gpointer user_data, GError **error)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	ocid_autofd int sync_read = -1;
	ocid_autofd int sync_write = -1;
	int fds[2];
	int source_fds[2] = { -1, -1 };
	int target_fds[2] = { 3, 4 };
	ocid_autofd int go_read = -1;
	ocid_autofd int go_write = -1;
	GPid pid = 0;
	OcidMonitorSpawn *spawn;
	int pidfd;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_FAILED, "Cannot make a pipe: %s",
			    g_strerror(errno));
		return NULL;
	}
	sync_read = fds[0];
	sync_write = fds[1];
	if (args->wait_for_go) {
		if (pipe2(fds, O_CLOEXEC) < 0) {
			g_set_error(error, OCID_ERROR, OCID_ERROR_FAILED, "Cannot make a pipe: %s",
				    g_strerror(errno));
			return NULL;
		}
		go_read = fds[0];
		go_write = fds[1];
	}
	source_fds[0] = sync_write;
	source_fds[1] = go_read;

#define ARG(s) g_ptr_array_add(argv, g_strdup(s))
/* Options that one mode or the other has no use for are left out when unset. */
#define OPTIONAL_ARG(flag, value)                                                                  \
	do {                                                                                       \
		if ((value) != NULL) {                                                             \
			ARG(flag);                                                                 \
			ARG(value);                                                                \
		}                                                                                  \
	} while (0)
	ARG(args->monitor_path);
	ARG("--id");
	ARG(args->id);
	ARG("--runtime");
	ARG(args->runtime_path);
	ARG("--runtime-root");
	ARG(args->runtime_root);
	OPTIONAL_ARG("--bundle", args->bundle);
	OPTIONAL_ARG("--pid-file", args->pid_file);
	OPTIONAL_ARG("--log-path", args->log_path);
	OPTIONAL_ARG("--exit-file", args->exit_file);
	OPTIONAL_ARG("--attach-path", args->attach_path);
	OPTIONAL_ARG("--console-socket", args->console_socket);
	if (args->terminal)
		ARG("--terminal");
	if (args->stdin_open)
		ARG("--stdin");
	if (args->stdin_once)
		ARG("--stdin-once");
	ARG("--sync-fd");
	ARG("3");
	if (args->wait_for_go) {
		ARG("--wait-fd");
		ARG("4");
	}
	if (args->exec_argv != NULL) {
		ARG("--exec-dir");
		ARG(args->exec_dir);
		ARG("--exec-timeout");
		g_ptr_array_add(argv,
				g_strdup_printf("%" G_GUINT64_FORMAT, args->exec_timeout_sec));
	}
	if (args->log_size_max > 0) {
		ARG("--log-size-max");
		g_ptr_array_add(argv, g_strdup_printf("%" G_GINT64_FORMAT, args->log_size_max));
	}
	if (args->no_pivot)
		ARG("--no-pivot");
	if (args->systemd_cgroup)
		ARG("--systemd-cgroup");
	if (args->exec_argv != NULL) {
		ARG("--");
		for (int i = 0; args->exec_argv[i] != NULL; i++)
			ARG(args->exec_argv[i]);
	}
#undef OPTIONAL_ARG
#undef ARG
	g_ptr_array_add(argv, NULL);

	if (!g_spawn_async_with_pipes_and_fds(
		"/", (const char *const *)argv->pdata, (const char *const *)args->monitor_env,
		G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL, child_setup, NULL, -1, -1,
		-1, source_fds, target_fds, args->wait_for_go ? 2 : 1, &pid, NULL, NULL, NULL,
		error))
		return NULL;
	ocid_close_fdp(&sync_write);
	ocid_close_fdp(&go_read);

	/* Not reaped until we say so, so the pid cannot be recycled before this. */
	pidfd = ocid_pidfd_open(pid);
	if (pidfd < 0) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_FAILED,
			    "Cannot open a pidfd for the monitor: %s", g_strerror(-pidfd));
		(void)kill(pid, SIGKILL);
		return NULL;
	}

	spawn = g_new0(OcidMonitorSpawn, 1);
	spawn->pid = pid;
	spawn->pidfd = pidfd;
	spawn->sync_fd = ocid_steal_fd(&sync_read);
	spawn->go_fd = ocid_steal_fd(&go_write);
	spawn->answer = g_string_new(NULL);
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

int
ocid_monitor_spawn_steal_pidfd(OcidMonitorSpawn *spawn)
{
	return ocid_steal_fd(&spawn->pidfd);
}

void
ocid_monitor_spawn_go(OcidMonitorSpawn *spawn)
{
	if (spawn->go_fd >= 0 && write(spawn->go_fd, "g", 1) != 1)
		g_warning("Cannot tell monitor %d to go on: %s", (int)spawn->pid,
			  g_strerror(errno));
	ocid_close_fdp(&spawn->go_fd);
}

void
ocid_monitor_spawn_abort(OcidMonitorSpawn *spawn)
{
	ocid_close_fdp(&spawn->go_fd);
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
	ocid_close_fdp(&spawn->sync_fd);
	ocid_close_fdp(&spawn->go_fd);
	/* A monitor that failed or was killed is still our child: reap it when it is gone. */
	ocid_reap_in_background(ocid_steal_fd(&spawn->pidfd));
	g_string_free(spawn->answer, TRUE);
	g_free(spawn);
}

gboolean
ocid_monitor_read_exit_file(const char *path, int *exit_code, gboolean *oom_killed)
{
	g_autofree char *data = NULL;
	char *end = NULL;
	gint64 code;

	if (!g_file_get_contents(path, &data, NULL, NULL))
		return FALSE;
	code = g_ascii_strtoll(data, &end, 10);
	if (end == data || code < 0 || code > 255)
		return FALSE;
	*exit_code = (int)code;
	*oom_killed = strstr(data, "oom") != NULL;
	return TRUE;
}
