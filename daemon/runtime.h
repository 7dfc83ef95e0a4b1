/* Calls to the OCI runtime (runc, crun) that the daemon makes itself: start, delete,
 * state, and the like, each asynchronous so the main loop never blocks on a runtime.
 * (create goes through the monitor, see monitor-spawn.h.) */
#pragma once

#include <gio/gio.h>
#include <glib.h>

typedef struct {
	const char *path; /* the runtime binary */
	char *root;       /* its --root state dir, private to ocid */
	gboolean systemd_cgroup;
} OcidRuntime;

/* Called with the runtime's stdout on success, or an OCID_ERROR_RUNTIME_FAILED error
 * carrying its stderr. */
typedef void (*OcidRuntimeDoneFunc)(const char *stdout_text, GError *error, gpointer user_data);

/* Runs `<runtime> --root ROOT [--systemd-cgroup] ARGS...` asynchronously. */
void ocid_runtime_run_async(const OcidRuntime *runtime, const char *const *args,
			    OcidRuntimeDoneFunc done, gpointer user_data);

/* The same, blocking; for start-up reconciliation only. */
char *ocid_runtime_run_sync(const OcidRuntime *runtime, const char *const *args, GError **error);

/* `<runtime> --version`, first line; NULL when the binary cannot run. */
char *ocid_runtime_version(const char *path);

/* The runtime's own name: the first word of its version line ("crun version 1.8.1"), which
 * holds whatever the binary is called, else the basename of @path. */
char *ocid_runtime_name(const char *path, const char *version);

/* Why the runtime @name cannot run containers on this host, NULL when nothing is known
 * against it: crun refuses hybrid hierarchies whose cgroup2 has any controller ("cgroups in
 * hybrid mode not supported"). */
char *ocid_runtime_host_problem(const char *name);
