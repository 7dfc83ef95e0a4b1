#include "container.h"

#include "cgroup-tree.h"
#include "config.h"
#include "fd-watch.h"
#include "health.h"
#include "manager.h"
#include "notify.h"
#include "teardown.h"

#include <unistd.h>

OcidContainer *
ocid_container_new(const char *id, const char *name)
{
	OcidContainer *container = g_new0(OcidContainer, 1);

	container->id = g_strdup(id);
	/* Most containers are named by their id: one copy for both. */
	container->name = g_strcmp0(name, id) == 0 ? container->id : g_strdup(name);
	container->state = OCID_STATE_CREATING;
	container->monitor_pidfd = -1;
	container->container_pidfd = -1;
	container->notify_fd = -1;
	container->log_owned = -1;
	return container;
}

/* Not g_build_filename() for these: its result keeps the 128-byte buffer it was built in. */
static char *
default_dir(const OcidContainer *container)
{
	const char *containers_dir =
	    container->manager != NULL ? ocid_manager_get_containers_dir(container->manager) : NULL;

	return containers_dir != NULL ? g_strconcat(containers_dir, "/", container->id, NULL)
				      : NULL;
}

static char *
default_log_path(const OcidContainer *container)
{
	const OcidConfig *config =
	    container->manager != NULL ? ocid_manager_get_config(container->manager) : NULL;

	if (config == NULL || container->log_owned != 1)
		return NULL;
	return g_strconcat(config->log_dir, "/", container->id, ".log", NULL);
}

char *
ocid_container_dir(const OcidContainer *container)
{
	return container->dir != NULL ? g_strdup(container->dir) : default_dir(container);
}

char *
ocid_container_state_path(const OcidContainer *container)
{
	g_autofree char *dir = ocid_container_dir(container);

	return dir != NULL ? g_strconcat(dir, "/state.json", NULL) : NULL;
}

char *
ocid_container_log_path(const OcidContainer *container)
{
	return container->log_path != NULL ? g_strdup(container->log_path)
					   : default_log_path(container);
}

char *
ocid_container_cgroups_path(const OcidContainer *container)
{
	if (container->cgroups_path != NULL)
		return g_strdup(container->cgroups_path);
	if (container->control_group == NULL)
		return NULL;
	return g_strconcat(container->control_group, "/" OCID_CGROUP_CONTAINER, NULL);
}

const char *
ocid_container_stop_signal(const OcidContainer *container)
{
	return container->stop_signal != NULL ? container->stop_signal : "SIGTERM";
}

void
ocid_container_set_runtime_path(OcidContainer *container, const char *runtime_path)
{
	container->runtime_path = g_intern_string(runtime_path);
}

/* Frees *@field when it is @derived. */
static void
drop_if_same(char **field, const char *derived)
{
	if (*field != NULL && g_strcmp0(*field, derived) == 0)
		g_clear_pointer(field, g_free);
}

void
ocid_container_drop_derived(OcidContainer *container)
{
	/* Each built only to compare with a path the container keeps: a create keeps none. */
	if (container->dir != NULL) {
		g_autofree char *dir = default_dir(container);

		drop_if_same(&container->dir, dir);
	}
	if (container->log_path != NULL) {
		g_autofree char *log_path = default_log_path(container);

		drop_if_same(&container->log_path, log_path);
	}
	if (container->cgroups_path != NULL && container->control_group != NULL) {
		g_autofree char *cgroups_path =
		    g_strconcat(container->control_group, "/" OCID_CGROUP_CONTAINER, NULL);

		drop_if_same(&container->cgroups_path, cgroups_path);
	}
	if (g_strcmp0(container->stop_signal, "SIGTERM") == 0)
		g_clear_pointer(&container->stop_signal, g_free);
}

GHashTable *
ocid_string_map_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

GHashTable *
ocid_string_map_ensure(GHashTable **map)
{
	if (*map == NULL)
		*map = ocid_string_map_new();
	return *map;
}

GHashTable *
ocid_string_map_or_null(GHashTable *map)
{
	if (map != NULL && g_hash_table_size(map) == 0)
		g_clear_pointer(&map, g_hash_table_unref);
	return map;
}

GPtrArray *
ocid_ptr_array_ensure(GPtrArray **array, GDestroyNotify free_func)
{
	if (*array == NULL)
		*array = g_ptr_array_new_with_free_func(free_func);
	return *array;
}

void
ocid_volume_free(OcidVolume *volume)
{
	if (volume == NULL)
		return;
	g_free(volume->container_path);
	g_free(volume->host_path);
	g_free(volume);
}

void
ocid_container_free(OcidContainer *container)
{
	if (container == NULL)
		return;
	/* create.c ends its operation before it lets a container go. */
	g_warn_if_fail(container->create == NULL);
	ocid_teardown_free(container->teardown);
	g_clear_handle_id(&container->monitor_watch, ocid_fd_watch_remove);
	g_clear_handle_id(&container->container_watch, ocid_fd_watch_remove);
	g_clear_handle_id(&container->stop_timer, g_source_remove);
	g_clear_handle_id(&container->restart_timer, g_source_remove);
	g_clear_handle_id(&container->health_timer, g_source_remove);
	ocid_notify_close(container);
	g_free(container->status_text);
	g_clear_pointer(&container->health_log, g_ptr_array_unref);
	g_clear_pointer(&container->healthcheck, ocid_health_config_free);
	if (container->monitor_pidfd >= 0)
		close(container->monitor_pidfd);
	if (container->container_pidfd >= 0)
		close(container->container_pidfd);
	if (container->name != container->id)
		g_free(container->name);
	g_free(container->id);
	g_free(container->bundle_path);
	g_free(container->log_path);
	g_free(container->dir);
	g_free(container->mount_point);
	g_free(container->image);
	g_free(container->image_name);
	g_free(container->image_ref);
	g_free(container->sandbox);
	g_free(container->stop_signal);
	g_free(container->seccomp_profile_path);
	g_free(container->netns_path);
	g_free(container->unit);
	g_free(container->control_group);
	g_free(container->cgroups_path);
	g_free(container->cgroup_parent);
	g_free(container->error);
	g_clear_pointer(&container->labels, g_hash_table_unref);
	g_clear_pointer(&container->annotations, g_hash_table_unref);
	g_clear_pointer(&container->metadata, g_hash_table_unref);
	g_clear_pointer(&container->volumes, g_ptr_array_unref);
	g_clear_pointer(&container->stop_waiters, g_ptr_array_unref);
	/* Each call answered since finds its container gone (by id and serial). */
	g_clear_pointer(&container->execs, g_ptr_array_unref);
	g_free(container);
}

static const char *const state_names[] = {
	[OCID_STATE_CREATING] = "creating", [OCID_STATE_CREATED] = "created",
	[OCID_STATE_RUNNING] = "running",   [OCID_STATE_PAUSED] = "paused",
	[OCID_STATE_STOPPED] = "stopped",
};

const char *
ocid_container_state_to_string(OcidContainerState state)
{
	if ((size_t)state < G_N_ELEMENTS(state_names))
		return state_names[state];
	return "unknown";
}

gboolean
ocid_container_state_from_string(const char *s, OcidContainerState *out)
{
	/* Only the states a client can see or a state file can hold. */
	for (size_t i = OCID_STATE_CREATED; i < G_N_ELEMENTS(state_names); i++) {
		if (g_strcmp0(s, state_names[i]) == 0) {
			*out = (OcidContainerState)i;
			return TRUE;
		}
	}
	return FALSE;
}

gboolean
ocid_container_is_alive(const OcidContainer *container)
{
	return container->state == OCID_STATE_RUNNING || container->state == OCID_STATE_PAUSED ||
	       container->state == OCID_STATE_CREATED;
}
