/* Killing through the cgroup: every process of a container's cgroup, whatever session or
 * process group it made for itself (a `runc init` in its own session survives
 * kill(-pgid)), then the cgroup's dirs. The cgroup layout is not known here: the caller
 * names the cgroup by its path below the hierarchies' roots (as /proc/PID/cgroup shows
 * it), and every mounted hierarchy (v1 controllers, a hybrid host's unified one, a pure
 * v2 host's only one) is handled. */
#pragma once

#include <glib.h>

/* @error is NULL when nothing of the cgroup is left. */
typedef void (*OcidCgroupKillDoneFunc)(GError *error, gpointer user_data);

/* Kills what is in @path (and below it) in every hierarchy: cgroup.kill where cgroup v2
 * has it, else freeze, SIGKILL each process, thaw (v1), else SIGKILL each process. Waits,
 * from the main loop, until every process killed has exited, then removes the dirs,
 * deepest first, and calls @done (at once when there was nothing). */
void ocid_cgroup_kill_and_remove(const char *path, OcidCgroupKillDoneFunc done, gpointer user_data);

/* The dirs of @path in the hierarchies mounted here, for tests and messages. */
GPtrArray *ocid_cgroup_dirs_of(const char *path);
