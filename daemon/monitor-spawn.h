/* Starting an ocid-monitor and hearing back from it. In create mode the monitor runs
 * `<runtime> create` and answers on a sync pipe with "ok <pid>"; in exec mode it runs
 * `<runtime> exec`, writes the output to files in exec_dir and answers "ok <exit code>
 * <timed out 0|1>". Either may answer "error\n<message>" instead. */
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
} OcidMonitorArgs;

typedef struct OcidMonitorSpawn OcidMonitorSpawn;

/* @answer is what followed "ok " on success; otherwise @error says why (RuntimeFailed with
 * the runtime's message, or Timeout). */
typedef void (*OcidMonitorReadyFunc)(OcidMonitorSpawn *spawn, const char *answer, GError *error,
				     gpointer user_data);

/* Starts the monitor. Returns NULL with @error when it cannot even be started. A
 * @timeout_sec of 0 waits for the answer forever. */
OcidMonitorSpawn *ocid_monitor_spawn(const OcidMonitorArgs *args, guint timeout_sec,
				     OcidMonitorReadyFunc ready, gpointer user_data,
				     GError **error);

pid_t ocid_monitor_spawn_get_pid(OcidMonitorSpawn *spawn);

/* Takes the pidfd of the monitor (the caller then owns it). */
int ocid_monitor_spawn_steal_pidfd(OcidMonitorSpawn *spawn);

/* Lets a monitor started with wait_for_go run the runtime. */
void ocid_monitor_spawn_go(OcidMonitorSpawn *spawn);

/* Kills the monitor (and whatever it started); the ready callback then reports an error. */
void ocid_monitor_spawn_abort(OcidMonitorSpawn *spawn);

void ocid_monitor_spawn_free(OcidMonitorSpawn *spawn);

/* Reads a monitor's exit file: FALSE when there is none (or it is not one). */
gboolean ocid_monitor_read_exit_file(const char *path, int *exit_code, gboolean *oom_killed);
