/* The container model and its state machine. The transition functions here are the only
 * place a container's state changes; each one persists the container and tells the
 * listener (the D-Bus face) which properties changed. */
#pragma once

#include <glib.h>
#include <stdint.h>

typedef enum {
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

/* Called after every change, with the D-Bus names of the changed properties. */
typedef void (*OcidContainerChangedFunc)(OcidContainer *container, const char *const *properties,
					 gpointer user_data);

struct OcidContainer {
	/* Fixed at creation. */
	char *id;
	char *name;
	char *bundle_path;
	char *log_path;
	char *dir;
	char *state_path;
	char *mount_point;
	char *image;
	char *image_name;
	char *image_ref;
	char *sandbox;
	char *stop_signal;
	char *seccomp_profile_path;
	char *netns_path;
	char *runtime_path;
	char *unit;
	char *control_group;
	char *cgroups_path;  /* linux.cgroupsPath as given to the runtime */
	char *cgroup_parent; /* the create option; NULL for the configured one */
	GHashTable *labels;
	GHashTable *annotations;
	GHashTable *metadata;
	GPtrArray *volumes; /* OcidVolume */
	int terminal;
	int stdin_open;
	int stdin_once;
	int privileged;
	int trusted;
	uint64_t created_usec;

	/* Changed only through the transitions below. */
	OcidContainerState state;
	int32_t pid;
	int32_t exit_code;
	int oom_killed;
	char *error;
	uint64_t started_usec;
	uint64_t finished_usec;

	/* Processes, persisted so that a restarted daemon finds them again. The start times
	 * (field 22 of /proc/PID/stat) tell a live pid from a recycled one. */
	int32_t monitor_pid;
	uint64_t monitor_start_time;
	uint64_t pid_start_time;

	/* Runtime only, never persisted. */
	char *object_path;
	int monitor_pidfd;
	int container_pidfd;
	guint monitor_watch;
	guint container_watch;
	gboolean container_is_child; /* reparented to the daemon after its monitor died */
	gboolean deleting;
	GPtrArray *stop_waiters; /* pending Stop/Delete calls, see manager.c */
	guint stop_timer;

	OcidContainerChangedFunc changed_func;
	gpointer changed_data;
	gboolean (*persist_func)(OcidContainer *container, GError **error);
};

OcidContainer *ocid_container_new(const char *id, const char *name);

void ocid_container_free(OcidContainer *container);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcidContainer, ocid_container_free)

void ocid_volume_free(OcidVolume *volume);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcidVolume, ocid_volume_free)

const char *ocid_container_state_to_string(OcidContainerState state);

gboolean ocid_container_state_from_string(const char *s, OcidContainerState *out);

/* The transitions. Each persists state.json and notifies the listener. */
void ocid_container_set_created(OcidContainer *container, int32_t pid, uint64_t pid_start_time,
				int32_t monitor_pid, uint64_t monitor_start_time);
void ocid_container_set_running(OcidContainer *container);
void ocid_container_set_paused(OcidContainer *container, gboolean paused);
void ocid_container_set_stopped(OcidContainer *container, int32_t exit_code, gboolean oom_killed,
				const char *error);
/* The seed's SetStartFailed: the runtime refused to start it. */
void ocid_container_set_start_failed(OcidContainer *container, const char *error);

/* Persists and notifies for properties changed outside the transitions (restore). */
void ocid_container_changed(OcidContainer *container, const char *const *properties);

gboolean ocid_container_is_alive(const OcidContainer *container);

/* Helpers for log fields. */
#define OCID_CONTAINER_LOG_FIELDS(c) "CONTAINER_ID", (c)->id, "CONTAINER_NAME", (c)->name
