#include "container.h"

#include "fd-watch.h"
#include "health.h"
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

void
ocid_container_set_dir(OcidContainer *container, const char *containers_dir)
{
	/* Not g_build_filename(): its result keeps the 128-byte buffer it was built in, more
	 * than twice these paths' length, in each of thousands of containers. */
	g_free(container->dir);
	container->dir = g_strconcat(containers_dir, "/", container->id, NULL);
	g_free(container->state_path);
	container->state_path = g_strconcat(container->dir, "/state.json", NULL);
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
	g_free(container->state_path);
	g_free(container->mount_point);
	g_free(container->image);
	g_free(container->image_name);
	g_free(container->image_ref);
	g_free(container->sandbox);
	g_free(container->stop_signal);
	g_free(container->seccomp_profile_path);
	g_free(container->netns_path);
	g_free(container->runtime_path);
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
