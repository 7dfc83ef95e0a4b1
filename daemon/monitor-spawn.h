/* Starting an ocid-monitor and hearing back from it, and reading the exit file it leaves.
 * In create mode the monitor runs `<runtime> create` and answers on a sync pipe with the
 * container's pid; in exec mode it runs `<runtime> exec`, writes the output to files in
 * exec_dir and answers with the exit code and whether it timed out. Either may answer with
 * an error message instead. The command line, the answers and the exit file are spelled in
 * common/monitor-protocol.h, which the monitor uses too. */
#pragma once

#include <glib.h>
#include <sys/types.h>

typedef struct {
	const char *monitor_path;
	char **monitor_env;
	const char *id;
	const char *runtime_path;
	const char *runtime_root;
	const char *bundle; /* the container's own dir */
	const char *pid_file;
	const char *log_path;
	/* The log is its non-root owner's (ocid_container_log_is_owners()): the monitor opens,
	 * creates and rotates it with her authority alone. Create mode only. */
	gboolean log_as_owner;
	uid_t log_owner_uid;
	gid_t log_owner_gid;
	const char *exit_file;
	gint64 log_size_max;
	gboolean no_pivot;
	gboolean systemd_cgroup;
	gboolean terminal;
	gboolean stdin_open;
	gboolean stdin_once;
	const char *attach_path;    /* served when set: stdin in, output out */
	const char *console_socket; /* with terminal: where the runtime sends the pty */
	/* The monitor waits for ocid_monitor_spawn_go() before it runs the runtime, so that it
	 * can first be moved into the container's unit. */
	gboolean wait_for_go;
	/* Exec mode when exec_argv is set. */
	const char *const *exec_argv;
	const char *exec_dir;
	guint64 exec_timeout_sec;
	/* Exec with a session (Container.Exec), when session_fd >= 0: the process's stdio and
	 * the control socket, passed to the monitor (the caller keeps its fds), and whether
	 * the process gets a terminal. */
	int session_fd;
	int control_fd;
	gboolean exec_tty;
} OcidMonitorArgs;

typedef struct OcidMonitorSpawn OcidMonitorSpawn;

/* The monitor answered: @error is NULL on success, and then
 * ocid_monitor_spawn_get_container_pid() (create mode) or _get_exec_result() (exec mode)
 * tell what it said; otherwise @error says why (RuntimeFailed with the runtime's message,
 * or Timeout). */
typedef void (*OcidMonitorReadyFunc)(OcidMonitorSpawn *spawn, GError *error, gpointer user_data);

/* Starts the monitor. Returns NULL with @error when it cannot even be started. A
 * @timeout_sec of 0 waits for the answer forever. */
OcidMonitorSpawn *ocid_monitor_spawn(const OcidMonitorArgs *args, guint timeout_sec,
				     OcidMonitorReadyFunc ready, gpointer user_data,
				     GError **error);

pid_t ocid_monitor_spawn_get_pid(OcidMonitorSpawn *spawn);

/* After a successful create answer: the container's pid; 0 before. */
pid_t ocid_monitor_spawn_get_container_pid(OcidMonitorSpawn *spawn);

/* After a successful exec answer: TRUE with its exit code and whether it timed out. */
gboolean ocid_monitor_spawn_get_exec_result(OcidMonitorSpawn *spawn, int *exit_code,
					    gboolean *timed_out);

/* Takes the pidfd of the monitor (the caller then owns it). */
int ocid_monitor_spawn_steal_pidfd(OcidMonitorSpawn *spawn);

/* Lets a monitor started with wait_for_go run the runtime. */
void ocid_monitor_spawn_go(OcidMonitorSpawn *spawn);

/* Kills the monitor (and whatever it started); the ready callback then reports an error. */
void ocid_monitor_spawn_abort(OcidMonitorSpawn *spawn);

void ocid_monitor_spawn_free(OcidMonitorSpawn *spawn);

/* Reads the exit file a monitor wrote at @path: the exit code (0-255) and whether the
 * container was OOM-killed. A bounded read that follows no symlink and opens nothing but a
 * regular file. FALSE when there is no such file or it holds something else (then with a
 * warning). */
gboolean ocid_monitor_read_exit_file(const char *path, int *exit_code, gboolean *oom_killed);
