/* What the files of the manager share and nobody else sees: the daemon context's fields
 * and the plumbing its concepts use between them. manager.c holds the context,
 * create.c the create pipeline, lifecycle.c the verbs on a created container,
 * supervise.c exits, restore and reconciliation. */
#pragma once

#include "flusher.h"
#include "manager.h"
#include "monitor-spawn.h"
#include "restore-load.h"
#include "runtime.h"
#include "start-fifo.h"

struct OcidManager {
	OcidConfig *config;
	OcidStore *store; /* every container, CREATING ones included */
	OcidCgroupManager *cgroups;
	char *containers_dir; /* <state_dir>/containers */
	char *removed_dir;    /* <state_dir>/removed: deleted containers' dirs, set aside */
	char *exits_dir;      /* <run_dir>/exits */
	int exits_inotify_fd; /* a watch on exits_dir for exit files renamed into place */
	guint exits_watch;
	char *runtime_root; /* <run_dir>/runtime: the runtime's --root */
	char *runtime_version;
	char *runtime_name;
	char *runtime_problem; /* why the runtime cannot work here; NULL when it can */
	/* How Start releases a container of each runtime (start-fifo.h). */
	OcidStartProtocol start_protocol;
	OcidStartProtocol untrusted_start_protocol;
	OcidFlusher *flusher; /* makes durable records durable, off the main loop */
	gboolean runtime_ready;
	/* No ocid ran since the host booted: its run_dir (a tmpfs, /run) had no mark. Every
	 * container that ran before is gone, and restart policies say which come back
	 * (restart.h). */
	gboolean first_since_boot;
	guint64 next_serial;
	OcidManagerListener listener;
	/* Begun by ocid_manager_new, ended by ocid_manager_restore: the records being loaded
	 * (restore-load.h), and the pidfds the service manager kept for us, by id. */
	OcidRestoreLoad *restore_load;
	GHashTable *stored_pidfds;
};

/* An asynchronous completion's way back to its container: the container is looked up
 * by id and serial when the completion arrives, and is NULL if it is gone (or is a new
 * container with the same id). */
typedef struct {
	OcidManager *manager;
	char *id;
	guint64 serial;
	OcidDoneFunc done;
	gpointer user_data;
} OcidContainerRef;

OcidContainerRef *ocid_container_ref_new(OcidManager *manager, const OcidContainer *container,
					 OcidDoneFunc done, gpointer user_data);
OcidContainer *ocid_container_ref_resolve(const OcidContainerRef *ref);
void ocid_container_ref_free(OcidContainerRef *ref);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcidContainerRef, ocid_container_ref_free)

/* A caller waiting for a step on a container (a Stop, a Delete, a restart's teardown):
 * answered once, in the order they came. The arrays hold them with g_free. */
typedef struct {
	OcidDoneFunc done;
	gpointer user_data;
} OcidWaiter;

OcidWaiter *ocid_waiter_new(OcidDoneFunc done, gpointer user_data);
void ocid_waiters_answer(GPtrArray *waiters, OcidContainer *container, const GError *error);

OcidRuntime ocid_manager_runtime_for(OcidManager *manager, const OcidContainer *container);
/* How the container's runtime is started through its fifo, if ocid knows the runtime (runc,
 * crun); OCID_START_BY_RUNTIME if not. */
OcidStartProtocol ocid_manager_runtime_protocol(OcidManager *manager,
						const OcidContainer *container);
/* Sets @args to what every monitor of @container is told (the container, the runtime and
 * its global options, the log's owner); the rest is left off. */
void ocid_manager_monitor_args(OcidManager *manager, const OcidContainer *container,
			       MonitorArgs *args);

char *ocid_manager_exit_file_path(OcidManager *manager, const OcidContainer *container);

/* Makes @container the manager's (container->manager), with a fresh serial. */
void ocid_manager_adopt(OcidManager *manager, OcidContainer *container);

/* state-machine.c: what a transition does through the container's manager. Writes
 * state.json; @durable queues its flush. */
gboolean ocid_manager_persist_container(OcidManager *manager, OcidContainer *container,
					gboolean durable, GError **error);
/* Tells the listener of changed properties, or of the container's first appearance. */
void ocid_manager_container_changed(OcidManager *manager, OcidContainer *container,
				    const char *const *properties);
void ocid_manager_container_announced(OcidManager *manager, OcidContainer *container);

void ocid_manager_notify_count(OcidManager *manager);

/* Whether the runtime still keeps state for @id: its --root holds a dir per container
 * (runc's state.json, crun's status), so what a delete did is read from there rather
 * than from the words of the runtime's error message. */
gboolean ocid_manager_runtime_has_state(OcidManager *manager, const char *id);

/* `<runtime> delete --force <id>`, asynchronously. */
void ocid_manager_runtime_delete(OcidManager *manager, const OcidContainer *container,
				 OcidRuntimeDoneFunc done, gpointer user_data);

/* Removes a container's own dir and what is in it. */

/* Best-effort runtime calls (cleanups, thaws) whose failure what comes next reports. */
void ocid_runtime_result_ignored(const char *out, GError *error, gpointer user_data);

/* supervise.c: starts loading the records of the restart, on worker threads, while the
 * daemon starts up; ocid_manager_restore takes them. */
void ocid_supervise_restore_begin(OcidManager *manager);
/* supervise.c: what the restart did not take, if it never came. */
void ocid_supervise_restore_end(OcidManager *manager);

/* supervise.c: starts watching a created container's monitor. */
void ocid_supervise_watch_monitor(OcidManager *manager, OcidContainer *container);
/* supervise.c: stops watching its processes (before it is removed). */
void ocid_supervise_unwatch(OcidContainer *container);
/* supervise.c: watches the exits dir, so that an exit is told as soon as its monitor has
 * written the exit file, not only once the monitor itself is gone. Without the watch
 * (inotify refused) the monitors' pidfds tell every exit all the same. */
void ocid_supervise_watch_exits(OcidManager *manager);
void ocid_supervise_unwatch_exits(OcidManager *manager);

/* exec.c: ends the container's ExecSync calls, which answer NoSuchContainer. */
void ocid_exec_cancel_all(OcidContainer *container);

/* lifecycle.c: ends a container's pending Stop and Delete calls. */
void ocid_lifecycle_complete_waiters(OcidContainer *container, GError *error);

/* create.c: a Delete's cancellation, through the create's one undoing path. */
void ocid_create_abort(OcidManager *manager, OcidContainer *container, const GError *error);

/* create.c: a restart (restart.h): @container, stopped, is created again from its dir
 * and started; @done gets it once the start returns, or once a failure has taken it back
 * to stopped (with the error). */
void ocid_create_again(OcidManager *manager, OcidContainer *container, OcidDoneFunc done,
		       gpointer user_data);
/* create.c: undoes a restart's create in flight (a caller's Stop or Delete). */
void ocid_create_cancel_again(OcidManager *manager, OcidContainer *container);

/* create.c: ends creates in flight at shutdown, through the same cancellation. */
void ocid_create_cancel_all(OcidManager *manager);

/* log_path (and the caller's own resolution of it, or NULL) is no other container's log or
 * rotated log, and not in ocid's log dir. */
gboolean ocid_manager_check_log_path_free(OcidManager *manager, const char *log_path,
					  const char *resolved, GError **error);
