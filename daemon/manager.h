/* The daemon context and the operations on containers. The D-Bus face calls these
 * functions and never reaches into the context; events from processes (pidfds) come back
 * through the container's state machine (state-machine.h). The work is split by
 * concept: create.c (the create pipeline), lifecycle.c (start, stop, kill, pause,
 * update, delete), supervise.c (exits, restore, reconciliation), exec.c (ExecSync). */
#pragma once

#include "cgroup.h"
#include "config.h"
#include "container.h"
#include "create-request.h"
#include "resources.h"
#include "store.h"

#include <glib.h>
#include <systemd/sd-bus.h>

typedef struct {
	/* A container is announced once the runtime has made it (or once restored). */
	void (*container_added)(OcidContainer *container, gpointer data);
	/* Called just before the container is freed. */
	void (*container_removed)(OcidContainer *container, gpointer data);
	/* After every change, with the D-Bus names of the changed properties. */
	void (*container_changed)(OcidContainer *container, const char *const *properties,
				  gpointer data);
	void (*manager_changed)(const char *const *properties, gpointer data);
	gpointer data;
} OcidManagerListener;

typedef struct OcidManager OcidManager;

/* Completion of an asynchronous operation: @error is NULL on success. */
typedef void (*OcidDoneFunc)(OcidContainer *container, GError *error, gpointer user_data);

/* Grows the daemon's fd table to hold what the restore of the containers on disk opens.
 * To be called before the daemon starts its second thread: see fd-table.c. */
void ocid_manager_reserve_fds(const OcidConfig *config);

/* Makes the dirs it needs and probes the runtime. */
OcidManager *ocid_manager_new(OcidConfig *config, GError **error);

void ocid_manager_free(OcidManager *manager);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcidManager, ocid_manager_free)

/* A manager with no configuration, runtime, dirs or cgroup manager: what the state
 * machine needs (persistence to each container's state_path, the listener) and no more,
 * for its unit test. */
OcidManager *ocid_manager_new_for_tests(void);

/* Tells @listener (copied) of containers and changes: set once, by the one face of the
 * daemon; NULL stops it at teardown. */
void ocid_manager_set_listener(OcidManager *manager, const OcidManagerListener *listener);

/* The data given with the listener. */
gpointer ocid_manager_get_listener_data(OcidManager *manager);

/* The system bus connection, for the systemd cgroup manager. */
void ocid_manager_set_bus(OcidManager *manager, sd_bus *bus);

/* What the D-Bus face shows of the daemon. */
const OcidConfig *ocid_manager_get_config(OcidManager *manager);
const char *ocid_manager_get_containers_dir(OcidManager *manager);  /* <state_dir>/containers */
const char *ocid_manager_get_runtime_version(OcidManager *manager); /* NULL: not usable */
gboolean ocid_manager_get_runtime_ready(OcidManager *manager);
/* runc, crun, ...: from the runtime's version line (its own name for itself). */
const char *ocid_manager_get_runtime_name(OcidManager *manager);
const char *ocid_manager_get_cgroup_manager_name(OcidManager *manager);
/* Announced containers. */
guint ocid_manager_count(OcidManager *manager);
/* Of them, the running ones; neither count sorts, unlike a list. */
guint ocid_manager_count_running(OcidManager *manager);

/* An announced container by id or name; NULL if none. */
OcidContainer *ocid_manager_lookup(OcidManager *manager, const char *id_or_name);
/* Any container by id, one being created included (its object answers Delete). */
OcidContainer *ocid_manager_get(OcidManager *manager, const char *id);
/* Announced containers, newest first (the array does not own them). */
GPtrArray *ocid_manager_list(OcidManager *manager, const OcidStoreFilter *filter);

/* Loads every container from disk and reconciles it with what is alive; an interrupted
 * create (a dir without state.json) is cleaned up. */
void ocid_manager_restore(OcidManager *manager);

/* Ends every operation in flight (creates are cancelled and cleaned up) before exit. */
void ocid_manager_shutdown(OcidManager *manager);

/* The checks of a request that need no file: its id and name (generating what is
 * empty), that both are free, and that the runtime is usable. */
gboolean ocid_manager_create_check(OcidManager *manager, OcidCreateRequest *request,
				   GError **error);

/* Runs a create whose request was checked (ocid_manager_create_check()) and prepared
 * (ocid_create_request_prepare(): its files read once, its privilege decided): a CREATING
 * container takes the id and name, then the monitor, the unit and the runtime run with
 * the spec read then. The manager takes @request. FALSE with @error for an immediate
 * refusal (the name was taken meanwhile); otherwise @done is called exactly once, when
 * the create is over: with the created container, or with the error once everything it
 * made is cleaned up. */
gboolean ocid_manager_create(OcidManager *manager, OcidCreateRequest *request, OcidDoneFunc done,
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
	/* The stream had more than OCID_EXEC_OUTPUT_MAX bytes; its first ones are kept. */
	gboolean stdout_truncated;
	gboolean stderr_truncated;
} OcidExecResult;

/* @result is NULL when @error is set. */
typedef void (*OcidExecDoneFunc)(const OcidExecResult *result, GError *error, gpointer user_data);

/* The seed's ExecSync: runs @argv in the running container through a monitor in exec
 * mode; past @timeout_sec (0: none) the process is killed and what it wrote so far comes
 * back with timed_out set. A non-zero exit is a result, not an error. Each stream keeps
 * its first OCID_EXEC_OUTPUT_MAX bytes (input-limits.h); the command runs to its end. */
gboolean ocid_manager_exec_sync(OcidManager *manager, OcidContainer *container,
				const char *const *argv, guint64 timeout_sec, OcidExecDoneFunc done,
				gpointer user_data, GError **error);

/* Re-reads what the exits dir and the processes say. */
gboolean ocid_manager_update_status(OcidManager *manager, OcidContainer *container, GError **error);

/* The runtime binary for a container, by the seed's Path() rules. */
const char *ocid_manager_runtime_path_for(OcidManager *manager, gboolean privileged,
					  gboolean trusted);
