/* The container model: what a container is, fixed at creation, and what its life has
 * made of it so far. Its state changes only through state-machine.h. */
#pragma once

#include "log-driver.h"
#include "process.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum {
	/* Accepted, not yet made by the runtime: its id and name are taken, it is not
	 * announced, and its create operation (create.c) is in flight. Never persisted. */
	OCID_STATE_CREATING,
	OCID_STATE_CREATED,
	OCID_STATE_RUNNING,
	OCID_STATE_PAUSED,
	OCID_STATE_STOPPED,
} OcidContainerState;

typedef struct {
	char *container_path;
	char *host_path;
	gboolean readonly;
} OcidVolume;

typedef struct OcidContainer OcidContainer;
typedef struct OcidCreateOp OcidCreateOp;
typedef struct OcidTeardown OcidTeardown;
typedef struct OcidContainerCalls OcidContainerCalls;
struct OcidManager;

struct OcidContainer {
	/* Fixed at creation. */
	char *id;
	char *name; /* may be id itself: never replaced, freed by ocid_container_free() */
	char *bundle_path;
	/* NULL for what ocid derives from its manager and its id, as almost every container
	 * has: a log ocid named (log_owned), <log_dir>/<id>.log, and its dir,
	 * <containers_dir>/<id>. Read through ocid_container_log_path() and
	 * ocid_container_dir(): thousands of containers need not keep a copy each. */
	char *log_path;
	char *dir;
	char *mount_point;
	char *image;
	char *image_name;
	char *image_ref;
	char *sandbox;
	char *stop_signal; /* NULL for SIGTERM: read it through ocid_container_stop_signal() */
	char *seccomp_profile_path;
	char *netns_path;
	/* Interned (g_intern_string()): a daemon has one or two runtimes, not one a
	 * container. */
	const char *runtime_path;
	char *unit;
	char *control_group;
	/* linux.cgroupsPath as given to the runtime; NULL for <control_group>/container, as
	 * both cgroup managers place it: ocid_container_cgroups_path(). */
	char *cgroups_path;
	char *cgroup_parent; /* the create option; NULL for the configured one */
	/* NULL while empty, as most are: an empty table costs some 220 bytes, and the
	 * daemon keeps thousands of containers (ocid_string_map_ensure() makes one). */
	GHashTable *labels;
	GHashTable *annotations;
	GHashTable *metadata;
	GPtrArray *volumes; /* OcidVolume; NULL while empty */
	int terminal;
	int stdin_open;
	int stdin_once;
	int privileged;
	int trusted;
	/* The uid and primary gid of the caller that created it (0 for root, and for a
	 * state.json from before owners were recorded). */
	uint32_t owner_uid;
	uint32_t owner_gid;
	/* It runs in a user namespace whose root is its owner: created by a non-root caller
	 * without create-privileged. */
	int confined;
	uint64_t created_usec;
	/* Registered with systemd-machined while it runs (machined.h). */
	int machined;
	/* What ocid does when it exits (restart.h): its restart_policy, and for on-failure
	 * how many restarts in a row it gets (0: no limit). */
	uint32_t restart_max;
	/* With restart_pending: the restarts in a row with no long run between them, and the
	 * wall-clock time the back-off ends (0: at once, as at boot). */
	uint32_t restart_streak;
	int64_t restart_due_usec;
	/* Its health check (health.h), NULL for none. */
	struct OcidHealthConfig *healthcheck;
	/* Readiness (notify.h): with notify, what it said last. */
	char *status_text;
	int ready;

	/* Changed only through state-machine.h. */
	OcidContainerState state;
	int32_t pid;
	int32_t exit_code;
	int oom_killed;
	uint32_t restart_count; /* the times its policy started it again */
	char *error;
	uint64_t started_usec;
	uint64_t finished_usec;
	uint32_t health_failing_streak; /* failed checks in a row */

	/* Processes, persisted so that a restarted daemon finds them again. The identities
	 * (pidfs inodes, or start times) tell a live pid from a recycled one. */
	int32_t monitor_pid;
	OcidProcessIdentity monitor_identity;
	OcidProcessIdentity pid_identity;

	/* Runtime only, never persisted. */
	/* Tells this container from an earlier one of the same id: asynchronous
	 * completions carry (id, serial) and find nothing once it is gone. */
	guint64 serial;
	OcidCreateOp *create;   /* while CREATING; owns the spawn, the unit job, the reply */
	OcidTeardown *teardown; /* its way down, once begun (teardown.h) */
	GPtrArray *execs;       /* ExecSync calls running in it (exec.c), not owned; NULL
				 * until the first */
	/* The D-Bus face's calls and streams in flight for it (dbus/container-io.c): its
	 * pending Waits, log followers, Exec processes. Freed by that face at removal. */
	OcidContainerCalls *calls;
	GPtrArray *stop_waiters; /* pending Stop/Delete calls, see lifecycle.c; NULL while none */
	GPtrArray *health_log;   /* OcidHealthResult, the last few; NULL until the first */
	/* The manager it belongs to, from its adoption on (manager.h): the state machine
	 * persists through it and tells its listener. */
	struct OcidManager *manager;
	int monitor_pidfd;
	int container_pidfd;
	int notify_fd; /* its NOTIFY_SOCKET, read by the daemon (notify.c) */
	guint monitor_watch;
	guint container_watch;
	guint notify_watch;
	guint stop_timer;
	guint restart_timer; /* its back-off before a restart (restart.c) */
	guint health_timer;  /* the next health check (health.c) */
	/* Flags as bits and enums as bytes, here at the end where they fill what would be
	 * padding: the daemon keeps thousands of containers, and a word each would take the
	 * struct past a malloc size class (a bool bit-field stores any non-zero value as 1). */
	bool starting : 1;   /* a Start is in flight */
	bool fifo_start : 1; /* its spec lets Start release it through the exec fifo */
	/* A Delete has begun to take it apart (and no other verb may begin): a daemon that
	 * finds it so at restore finishes the job (teardown.h). */
	bool removing : 1;
	/* A caller's Stop, Kill or Delete stopped it: no policy starts it again. */
	bool stopped_by_caller : 1;
	/* It exited and its policy starts it again (restart.h): a daemon that finds it so at
	 * restore does that. */
	bool restart_pending : 1;
	/* Its spec has no poststop hooks, so that the runtime's delete of it, once it has
	 * exited, is only its state dir and its cgroup, which ocid can remove itself. */
	bool no_poststop_hooks : 1;
	/* Restored from a dir without state.json (an interrupted create): none is written for
	 * it on its way out. */
	bool no_record : 1;
	bool restarting : 1;         /* a restart is taking it down and creating it again */
	bool health_checking : 1;    /* a health check runs */
	bool health_restart : 1;     /* unhealthy with on_failure=restart: restarted at exit */
	unsigned int log_driver : 3; /* OcidLogDriver; fixed at creation */
	uint8_t restart_policy;      /* OcidRestartPolicy; fixed at creation, or by Update */
	uint8_t notify;              /* OcidNotifyMode (notify.h); fixed at creation */
	uint8_t health;              /* OcidHealth; changed only through state-machine.h */
	/* ocid chose log_path (<log_dir>/<id>.log), so Delete removes the log; -1 when a
	 * state.json from before this was recorded does not say. */
	int8_t log_owned;
};

OcidContainer *ocid_container_new(const char *id, const char *name);

void ocid_container_free(OcidContainer *container);

/* Its paths, derived where it keeps none (caller frees): its dir, its state.json in it,
 * its log file (NULL when it has none), linux.cgroupsPath (NULL before it is placed). */
char *ocid_container_dir(const OcidContainer *container);
char *ocid_container_state_path(const OcidContainer *container);
char *ocid_container_log_path(const OcidContainer *container);
char *ocid_container_cgroups_path(const OcidContainer *container);
/* The signal Stop sends first. */
const char *ocid_container_stop_signal(const OcidContainer *container);
void ocid_container_set_runtime_path(OcidContainer *container, const char *runtime_path);

/* Drops the paths that are what ocid derives for it (above), once @container's manager is
 * known: from a create, or from a record that names them all. */
void ocid_container_drop_derived(OcidContainer *container);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcidContainer, ocid_container_free)

void ocid_volume_free(OcidVolume *volume);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcidVolume, ocid_volume_free)

/* A string-to-string map as the container keeps it: NULL while empty. */
GHashTable *ocid_string_map_new(void);
/* *@map, made first when it is NULL. */
GHashTable *ocid_string_map_ensure(GHashTable **map);
/* @map, or NULL (and @map released) when it is empty. */
GHashTable *ocid_string_map_or_null(GHashTable *map);
/* *@array, made first (freeing its elements with @free_func) when it is NULL. */
GPtrArray *ocid_ptr_array_ensure(GPtrArray **array, GDestroyNotify free_func);

const char *ocid_container_state_to_string(OcidContainerState state);

gboolean ocid_container_state_from_string(const char *s, OcidContainerState *out);

gboolean ocid_container_is_alive(const OcidContainer *container);

/* The log is a file its non-root owner named (log_path): it is opened, created and
 * rotated with the owner's authority, never as root. */
static inline gboolean
ocid_container_log_is_owners(const OcidContainer *container)
{
	return container->owner_uid != 0 && container->log_owned == 0;
}

/* Helpers for log fields. */
#define OCID_CONTAINER_LOG_FIELDS(c) "CONTAINER_ID", (c)->id, "CONTAINER_NAME", (c)->name
