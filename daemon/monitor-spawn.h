/* Starting an ocid-monitor for a container and hearing back from it. The monitor runs
 * `<runtime> create` and answers on a sync pipe with "ok <pid>" or "error\n<message>";
 * this module turns that into the container's pid or an error. */
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
} OcidMonitorArgs;

typedef struct OcidMonitorSpawn OcidMonitorSpawn;

/* @pid > 0 on success; otherwise @error says why (RuntimeFailed with the runtime's
 * message, or Timeout). */
typedef void (*OcidMonitorReadyFunc)(OcidMonitorSpawn *spawn, pid_t pid, GError *error,
				     gpointer user_data);

/* Starts the monitor. Returns NULL with @error when it cannot even be started. */
OcidMonitorSpawn *ocid_monitor_spawn(const OcidMonitorArgs *args, guint timeout_sec,
				     OcidMonitorReadyFunc ready, gpointer user_data,
				     GError **error);

pid_t ocid_monitor_spawn_get_pid(OcidMonitorSpawn *spawn);

/* Takes the pidfd of the monitor (the caller then owns it). */
int ocid_monitor_spawn_steal_pidfd(OcidMonitorSpawn *spawn);

void ocid_monitor_spawn_free(OcidMonitorSpawn *spawn);
