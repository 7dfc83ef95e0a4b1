/* The daemon context and the operations on containers: create, start, stop, kill,
 * delete, status, and restoring everything from disk at start. The D-Bus face calls
 * these; events from processes (pidfds) come back here and go through the container's
 * state machine. */
#pragma once

#include "cgroup.h"
#include "config.h"
#include "container.h"
#include "resources.h"
#include "runtime.h"
#include "store.h"

#include <glib.h>

typedef struct {
	void (*container_added)(OcidContainer *container, gpointer data);
	/* Called just before the container is freed. */
	void (*container_removed)(OcidContainer *container, gpointer data);
	OcidContainerChangedFunc container_changed;
	void (*manager_changed)(const char *const *properties, gpointer data);
	gpointer data;
} OcidManagerListener;

typedef struct {
	OcidConfig *config;
	OcidStore *store;
	OcidCgroupManager *cgroups;
	char *containers_dir; /* <state_dir>/containers */
	char *exits_dir;      /* <run_dir>/exits */
	char *runtime_root;   /* <run_dir>/runtime: the runtime's --root */
	GHashTable *reserved; /* ids and names of containers being created */
	char *runtime_version;
	gboolean runtime_ready;
	OcidManagerListener listener;
} OcidManager;

/* Completion of an asynchronous operation: @error is NULL on success. */
typedef void (*OcidDoneFunc)(OcidContainer *container, GError *error, gpointer user_data);

/* Makes the dirs it needs and probes the runtime. */
OcidManager *ocid_manager_new(OcidConfig *config, GError **error);

void ocid_manager_free(OcidManager *manager);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcidManager, ocid_manager_free)

/* Loads every container from disk and reconciles it with what is alive. */
void ocid_manager_restore(OcidManager *manager);

/* @draft holds id, name, bundle_path and the options; the manager takes it. Immediate
 * refusals come back through @error with FALSE; otherwise @done is called later. */
gboolean ocid_manager_create(OcidManager *manager, OcidContainer *draft, OcidDoneFunc done,
			     gpointer user_data, GError **error);

gboolean ocid_manager_start(OcidManager *manager, OcidContainer *container, OcidDoneFunc done,
			    gpointer user_data, GError **error);

/* Stop signal, then SIGKILL after @timeout_sec; @done once it has stopped. */
gboolean ocid_manager_stop(OcidManager *manager, OcidContainer *container, guint64 timeout_sec,
			   OcidDoneFunc done, gpointer user_data, GError **error);

gboolean ocid_manager_kill(OcidManager *manager, OcidContainer *container, const char *signal,
			   GError **error);

gboolean ocid_manager_delete(OcidManager *manager, OcidContainer *container, gboolean force,
			     OcidDoneFunc done, gpointer user_data, GError **error);

/* runc pause / resume: running <-> paused. */
gboolean ocid_manager_pause(OcidManager *manager, OcidContainer *container, gboolean pause,
			    OcidDoneFunc done, gpointer user_data, GError **error);

/* Applies new resource limits to a live container through the runtime. */
gboolean ocid_manager_update(OcidManager *manager, OcidContainer *container,
			     const OcidResources *resources, OcidDoneFunc done, gpointer user_data,
			     GError **error);

typedef struct {
	GBytes *stdout_data;
	GBytes *stderr_data;
	int exit_code;
	gboolean timed_out;
} OcidExecResult;

/* @result is NULL when @error is set. */
typedef void (*OcidExecDoneFunc)(const OcidExecResult *result, GError *error, gpointer user_data);

/* The seed's ExecSync: runs @argv in the running container through a monitor in exec
 * mode; past @timeout_sec (0: none) the process is killed and what it wrote so far comes
 * back with timed_out set. A non-zero exit is a result, not an error. */
gboolean ocid_manager_exec_sync(OcidManager *manager, OcidContainer *container,
				const char *const *argv, guint64 timeout_sec, OcidExecDoneFunc done,
				gpointer user_data, GError **error);

/* Re-reads what the exits dir and the processes say. */
gboolean ocid_manager_update_status(OcidManager *manager, OcidContainer *container, GError **error);

/* The runtime binary for a container, by the seed's Path() rules. */
const char *ocid_manager_runtime_path_for(OcidManager *manager, gboolean privileged,
					  gboolean trusted);
