#include "container.h"

#include "log.h"

#include <unistd.h>

OcidContainer *
ocid_container_new(const char *id, const char *name)
{
	OcidContainer *container = g_new0(OcidContainer, 1);

	container->id = g_strdup(id);
	container->name = g_strdup(name);
	container->labels = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	container->annotations = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	container->metadata = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	container->volumes = g_ptr_array_new_with_free_func((GDestroyNotify)ocid_volume_free);
	container->stop_waiters = g_ptr_array_new();
	container->state = OCID_STATE_CREATED;
	container->monitor_pidfd = -1;
	container->container_pidfd = -1;
	return container;
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
	g_clear_handle_id(&container->monitor_watch, g_source_remove);
	g_clear_handle_id(&container->container_watch, g_source_remove);
	g_clear_handle_id(&container->stop_timer, g_source_remove);
	if (container->monitor_pidfd >= 0)
		close(container->monitor_pidfd);
	if (container->container_pidfd >= 0)
		close(container->container_pidfd);
	g_free(container->id);
	g_free(container->name);
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
	g_free(container->object_path);
	g_clear_pointer(&container->labels, g_hash_table_unref);
	g_clear_pointer(&container->annotations, g_hash_table_unref);
	g_clear_pointer(&container->metadata, g_hash_table_unref);
	g_clear_pointer(&container->volumes, g_ptr_array_unref);
	g_clear_pointer(&container->stop_waiters, g_ptr_array_unref);
	g_free(container);
}

static const char *const state_names[] = {
	[OCID_STATE_CREATED] = "created",
	[OCID_STATE_RUNNING] = "running",
	[OCID_STATE_PAUSED] = "paused",
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
	for (size_t i = 0; i < G_N_ELEMENTS(state_names); i++) {
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

static void
persist(OcidContainer *container)
{
	g_autoptr(GError) error = NULL;

	if (container->persist_func != NULL && !container->persist_func(container, &error))
		ocid_log_container(container, G_LOG_LEVEL_WARNING, OCID_MESSAGE_FAILED,
				   "Could not save the state of container %s: %s", container->id,
				   error->message);
}

static void
notify(OcidContainer *container, const char *const *properties)
{
	if (container->changed_func != NULL)
		container->changed_func(container, properties, container->changed_data);
}

void
ocid_container_changed(OcidContainer *container, const char *const *properties)
{
	/* Persist before telling anyone: a client that saw the change must find it on disk
	 * after a daemon crash. */
	persist(container);
	notify(container, properties);
}

void
ocid_container_set_created(OcidContainer *container, int32_t pid, uint64_t pid_start_time,
			   int32_t monitor_pid, uint64_t monitor_start_time)
{
	static const char *const props[] = { "State", "Pid", NULL };

	container->state = OCID_STATE_CREATED;
	container->pid = pid;
	container->pid_start_time = pid_start_time;
	container->monitor_pid = monitor_pid;
	container->monitor_start_time = monitor_start_time;
	ocid_container_changed(container, props);
}

void
ocid_container_set_running(OcidContainer *container)
{
	static const char *const props[] = { "State", "StartedTimestamp", NULL };

	container->state = OCID_STATE_RUNNING;
	container->started_usec = (uint64_t)g_get_real_time();
	ocid_container_changed(container, props);
}

void
ocid_container_set_paused(OcidContainer *container, gboolean paused)
{
	static const char *const props[] = { "State", NULL };

	container->state = paused ? OCID_STATE_PAUSED : OCID_STATE_RUNNING;
	ocid_container_changed(container, props);
}

void
ocid_container_set_stopped(OcidContainer *container, int32_t exit_code, gboolean oom_killed,
			   const char *error)
{
	static const char *const props[] = {
		"State", "Pid", "ExitCode", "OOMKilled", "FinishedTimestamp", "Error", NULL
	};

	if (container->state == OCID_STATE_STOPPED)
		return;
	container->state = OCID_STATE_STOPPED;
	container->exit_code = exit_code;
	container->oom_killed = oom_killed;
	container->finished_usec = (uint64_t)g_get_real_time();
	if (error != NULL) {
		g_free(container->error);
		container->error = g_strdup(error);
	}
	/* An exit is told first: its durable record is the monitor's exit file, which a
	 * restarted daemon reads again, so the fsyncs of state.json need not delay it. */
	notify(container, props);
	persist(container);
}

void
ocid_container_set_start_failed(OcidContainer *container, const char *error)
{
	static const char *const props[] = { "State", "ExitCode", "FinishedTimestamp", "Error",
					     NULL };

	container->state = OCID_STATE_STOPPED;
	container->finished_usec = (uint64_t)g_get_real_time();
	container->exit_code = 255;
	g_free(container->error);
	container->error = g_strdup(error);
	ocid_container_changed(container, props);
}
