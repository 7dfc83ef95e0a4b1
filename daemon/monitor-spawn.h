/* Starting an ocid-monitor and hearing back from it, and reading the exit file it leaves.
 * In create mode the monitor runs `<runtime> create` and answers on a sync pipe with the
 * container's pid; in exec mode it runs `<runtime> exec`, writes the output to files in
 * exec_dir and answers with the exit code and whether it timed out. Either may answer with
 * an error message instead. The command line, the answers and the exit file are spelled in
 * common/monitor-protocol.h, which the monitor uses too. */
#pragma once

#include "config.h"

#include "common/monitor-protocol.h"

#include <glib.h>
#include <sys/types.h>

typedef struct OcidMonitorSpawn OcidMonitorSpawn;

/* The monitor answered: @error is NULL on success, and then
 * ocid_monitor_spawn_get_container_pid() (create mode) or _get_exec_result() (exec mode)
 * tell what it said; otherwise @error says why (RuntimeFailed with the runtime's message,
 * or Timeout). */
typedef void (*OcidMonitorReadyFunc)(OcidMonitorSpawn *spawn, GError *error, gpointer user_data);

/* Starts @config's monitor_path with its monitor_env and the command line @args. The fds
 * in @args are the daemon's: session_fd and control_fd, or bundle_files_fd (the caller
 * keeps its own), are handed over under fixed numbers, and sync_fd and wait_fd are
 * ignored, the sync pipe (and, with @wait_for_go, the go pipe) being made here. With
 * @wait_for_go the monitor waits for ocid_monitor_spawn_go() before it runs the runtime,
 * so that it can first be moved into the container's unit. Returns NULL with @error when it cannot
 * even be started. A
 * @timeout_sec of 0 waits for the answer forever. */
OcidMonitorSpawn *ocid_monitor_spawn(const OcidConfig *config, const MonitorArgs *args,
				     gboolean wait_for_go, guint timeout_sec,
				     OcidMonitorReadyFunc ready, gpointer user_data,
				     GError **error);

/* The error for a container's dir, or a file of a first create in it (bundle_files_fd),
 * that could not be made, by the monitor or for it: errno @errnum at @path. */
GError *ocid_monitor_bundle_error_new(const char *path, int errnum);

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
