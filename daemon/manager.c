/* The daemon context: configuration, the store, the cgroup manager, the runtime's
 * readiness, the listener, and the small plumbing every concept of the manager uses. */
#define G_LOG_DOMAIN "ocid"

#include "manager-private.h"

#include "errors.h"
#include "fd-table.h"
#include "persist.h"
#include "reaper.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/prctl.h>

static gboolean
ensure_dir(const char *path, int mode, GError **error)
{
	if (g_mkdir_with_parents(path, mode) < 0) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_FAILED, "Cannot create %s: %s", path,
			    g_strerror(errno));
		return FALSE;
	}
	return TRUE;
}

/* Every record is in place before anyone is told (a daemon crash keeps it), but for an
 * exit, whose record is the monitor's exit file (state-machine.c); the fsyncs that keep a
 * durable one through a crash of the host follow in order, off the main loop, so no reply
 * waits for the disk. */
gboolean
ocid_manager_persist_container(OcidManager *manager, OcidContainer *c, gboolean durable,
			       GError **error)
{
	g_autofree char *state_path = NULL;

	if (!ocid_persist_save(c, FALSE, error))
		return FALSE;
	if (durable) {
		state_path = ocid_container_state_path(c);
		ocid_flusher_push(manager->flusher, state_path);
	}
	return TRUE;
}

void
ocid_manager_container_changed(OcidManager *manager, OcidContainer *c,
			       const char *const *properties)
{
	if (manager->listener.container_changed != NULL)
		manager->listener.container_changed(c, properties, manager->listener.data);
}

void
ocid_manager_container_announced(OcidManager *manager, OcidContainer *c)
{
	if (manager->listener.container_added != NULL)
		manager->listener.container_added(c, manager->listener.data);
	ocid_manager_notify_count(manager);
}

void
ocid_manager_adopt(OcidManager *manager, OcidContainer *c)
{
	c->serial = ++manager->next_serial;
	c->manager = manager;
	ocid_container_drop_derived(c);
}

OcidRuntime
ocid_manager_runtime_for(OcidManager *manager, const OcidContainer *c)
{
	OcidRuntime runtime = {
		.path = c->runtime_path,
		.root = manager->runtime_root,
		.systemd_cgroup = manager->cgroups->runtime_systemd_cgroup,
	};
	return runtime;
}

OcidStartProtocol
ocid_manager_runtime_protocol(OcidManager *manager, const OcidContainer *c)
{
	if (g_strcmp0(c->runtime_path, manager->config->runtime_path) == 0)
		return manager->start_protocol;
	if (g_strcmp0(c->runtime_path, manager->config->untrusted_runtime_path) == 0)
		return manager->untrusted_start_protocol;
	return OCID_START_BY_RUNTIME;
}

void
ocid_manager_monitor_args(OcidManager *manager, const OcidContainer *c, MonitorArgs *args)
{
	*args = (MonitorArgs)MONITOR_ARGS_INIT;
	args->id = c->id;
	args->runtime = c->runtime_path;
	args->runtime_root = manager->runtime_root;
	args->systemd_cgroup = manager->cgroups->runtime_systemd_cgroup;
	/* Whoever sets log_path (create mode) gets the owner with it: a log its non-root owner
	 * named is never opened with root's authority. */
	args->log_owner = (MonitorOwner){ .set = ocid_container_log_is_owners(c),
					  .uid = c->owner_uid,
					  .gid = c->owner_gid };
}

char *
ocid_manager_exit_file_path(OcidManager *manager, const OcidContainer *c)
{
	return g_build_filename(manager->exits_dir, c->id, NULL);
}

OcidContainerRef *
ocid_container_ref_new(OcidManager *manager, const OcidContainer *c, OcidDoneFunc done,
		       gpointer user_data)
{
	OcidContainerRef *ref = g_new0(OcidContainerRef, 1);

	ref->manager = manager;
	ref->id = g_strdup(c->id);
	ref->serial = c->serial;
	ref->done = done;
	ref->user_data = user_data;
	return ref;
}

OcidContainer *
ocid_container_ref_resolve(const OcidContainerRef *ref)
{
	OcidContainer *c = ocid_store_get(ref->manager->store, ref->id);

	return c != NULL && c->serial == ref->serial ? c : NULL;
}

void
ocid_container_ref_free(OcidContainerRef *ref)
{
	if (ref == NULL)
		return;
	g_free(ref->id);
	g_free(ref);
}

OcidWaiter *
ocid_waiter_new(OcidDoneFunc done, gpointer user_data)
{
	OcidWaiter *w = g_new0(OcidWaiter, 1);

	w->done = done;
	w->user_data = user_data;
	return w;
}

void
ocid_waiters_answer(GPtrArray *waiters, OcidContainer *c, const GError *error)
{
	for (guint i = 0; i < waiters->len; i++) {
		OcidWaiter *w = waiters->pdata[i];
		w->done(c, (GError *)error, w->user_data);
	}
}

gboolean
ocid_manager_runtime_has_state(OcidManager *manager, const char *id)
{
	g_autofree char *dir = g_build_filename(manager->runtime_root, id, NULL);

	return g_file_test(dir, G_FILE_TEST_EXISTS);
}

void
ocid_manager_runtime_delete(OcidManager *manager, const OcidContainer *c, OcidRuntimeDoneFunc done,
			    gpointer user_data)
{
	OcidRuntime runtime = ocid_manager_runtime_for(manager, c);
	const char *args[] = { "delete", "--force", c->id, NULL };

	ocid_runtime_run_async(&runtime, args, done, user_data);
}

void
ocid_runtime_result_ignored(const char *out, GError *error, gpointer user_data)
{
}

/* What every manager has: the store, the flusher, no exits watch yet. */
static OcidManager *
manager_alloc(OcidConfig *config)
{
	OcidManager *manager = g_new0(OcidManager, 1);

	manager->config = config;
	manager->store = ocid_store_new();
	manager->exits_inotify_fd = -1;
	manager->flusher = ocid_flusher_new();
	return manager;
}

OcidManager *
ocid_manager_new_for_tests(void)
{
	return manager_alloc(NULL);
}

/* The monitors and containers it holds pidfds on, which it reaps itself (reaper.h). */
static void
add_watched_pids(GHashTable *pids, gpointer user_data)
{
	OcidManager *manager = user_data;
	g_autoptr(GPtrArray) all = ocid_store_list_all(manager->store);

	for (guint i = 0; i < all->len; i++) {
		OcidContainer *c = all->pdata[i];

		if (c->monitor_pidfd >= 0 && c->monitor_pid > 0)
			g_hash_table_add(pids, GINT_TO_POINTER(c->monitor_pid));
		if (c->container_pidfd >= 0 && c->pid > 0)
			g_hash_table_add(pids, GINT_TO_POINTER(c->pid));
	}
}

/* What Deletes set aside (teardown.c) and a crash kept from being removed: nobody names it
 * any more, and the flusher removes it while the daemon goes on. */
static void
remove_set_aside(OcidManager *manager)
{
	g_autoptr(GDir) dir = g_dir_open(manager->removed_dir, 0, NULL);
	const char *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *path = g_build_filename(manager->removed_dir, name, NULL);

		ocid_flusher_push_removal(manager->flusher, path);
	}
}

static char *
containers_dir_of(const OcidConfig *config)
{
	return g_build_filename(config->state_dir, "containers", NULL);
}

/* A restored container holds two pidfds, its monitor's and its own; the daemon itself
 * holds a few dozen fds more. */
#define FDS_PER_CONTAINER 2
#define FDS_OWN           64

void
ocid_manager_reserve_fds(const OcidConfig *config)
{
	g_autofree char *containers_dir = containers_dir_of(config);
	g_autoptr(GDir) dir = g_dir_open(containers_dir, 0, NULL);
	unsigned n = 0;

	while (dir != NULL && g_dir_read_name(dir) != NULL)
		n++;
	ocid_fd_table_reserve(FDS_OWN + FDS_PER_CONTAINER * n);
}

OcidManager *
ocid_manager_new(OcidConfig *config, GError **error)
{
	g_autoptr(OcidManager) manager = manager_alloc(config);

	manager->cgroups = ocid_cgroup_manager_new(config);
	manager->containers_dir = containers_dir_of(config);
	manager->removed_dir = g_build_filename(config->state_dir, "removed", NULL);
	manager->exits_dir = g_build_filename(config->run_dir, "exits", NULL);
	manager->runtime_root = g_build_filename(config->run_dir, "runtime", NULL);

	g_autofree char *boot_mark = g_build_filename(config->run_dir, "started", NULL);

	manager->first_since_boot = !g_file_test(boot_mark, G_FILE_TEST_EXISTS);
	if (!ensure_dir(config->state_dir, 0700, error) ||
	    !ensure_dir(manager->containers_dir, 0700, error) ||
	    !ensure_dir(manager->removed_dir, 0700, error) ||
	    !ensure_dir(config->run_dir, 0700, error) ||
	    !ensure_dir(manager->exits_dir, 0700, error) ||
	    !ensure_dir(manager->runtime_root, 0700, error) ||
	    !ensure_dir(config->log_dir, 0700, error))
		return NULL;

	remove_set_aside(manager);
	if (manager->first_since_boot &&
	    !g_file_set_contents_full(boot_mark, "", 0, G_FILE_SET_CONTENTS_NONE, 0600, error))
		return NULL;

	/* Orphans land here when their monitor dies, so the real exit code of a container
	 * is still ours to read rather than init's. */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	ocid_reaper_set_watched_func(add_watched_pids, manager);
	/* The records load on other threads while this one waits for the runtime's version
	 * below and the bus: a restart spends their time once, not twice. */
	ocid_supervise_restore_begin(manager);

	manager->runtime_version = ocid_runtime_version(config->runtime_path);
	manager->runtime_name = ocid_runtime_name(config->runtime_path, manager->runtime_version);
	if (manager->runtime_version == NULL)
		manager->runtime_problem = g_strdup_printf(
		    "The OCI runtime %s does not run; containers cannot be created until "
		    "runtime_path in ocid.conf names a working runtime",
		    config->runtime_path);
	else
		manager->runtime_problem = ocid_runtime_host_problem(manager->runtime_name);
	manager->runtime_ready = manager->runtime_problem == NULL;
	manager->start_protocol = ocid_start_protocol_for_version(manager->runtime_version);
	if (config->untrusted_runtime_path != NULL) {
		g_autofree char *version = ocid_runtime_version(config->untrusted_runtime_path);
		manager->untrusted_start_protocol = ocid_start_protocol_for_version(version);
	}
	if (!manager->runtime_ready)
		g_warning("%s", manager->runtime_problem);
	return g_steal_pointer(&manager);
}

void
ocid_manager_free(OcidManager *manager)
{
	if (manager == NULL)
		return;
	ocid_reaper_set_watched_func(NULL, NULL);
	ocid_supervise_unwatch_exits(manager);
	ocid_supervise_restore_end(manager);
	g_clear_pointer(&manager->store, ocid_store_free);
	g_clear_pointer(&manager->cgroups, ocid_cgroup_manager_free);
	g_free(manager->containers_dir);
	g_free(manager->removed_dir);
	g_free(manager->exits_dir);
	g_free(manager->runtime_root);
	g_free(manager->runtime_version);
	g_free(manager->runtime_name);
	g_free(manager->runtime_problem);
	ocid_flusher_free(manager->flusher);
	g_free(manager);
}

void
ocid_manager_set_listener(OcidManager *manager, const OcidManagerListener *listener)
{
	if (listener != NULL)
		manager->listener = *listener;
	else
		memset(&manager->listener, 0, sizeof manager->listener);
}

gpointer
ocid_manager_get_listener_data(OcidManager *manager)
{
	return manager->listener.data;
}

void
ocid_manager_set_bus(OcidManager *manager, sd_bus *bus)
{
	ocid_cgroup_manager_set_bus(manager->cgroups, bus);
}

const OcidConfig *
ocid_manager_get_config(OcidManager *manager)
{
	return manager->config;
}

const char *
ocid_manager_get_containers_dir(OcidManager *manager)
{
	return manager->containers_dir;
}

const char *
ocid_manager_get_runtime_version(OcidManager *manager)
{
	return manager->runtime_version;
}

const char *
ocid_manager_get_runtime_name(OcidManager *manager)
{
	return manager->runtime_name;
}

gboolean
ocid_manager_get_runtime_ready(OcidManager *manager)
{
	return manager->runtime_ready;
}

const char *
ocid_manager_get_cgroup_manager_name(OcidManager *manager)
{
	return manager->cgroups->name;
}

guint
ocid_manager_count(OcidManager *manager)
{
	return ocid_store_count(manager->store);
}

guint
ocid_manager_count_running(OcidManager *manager)
{
	return ocid_store_count_in_state(manager->store, OCID_STATE_RUNNING);
}

OcidContainer *
ocid_manager_lookup(OcidManager *manager, const char *id_or_name)
{
	return ocid_store_lookup(manager->store, id_or_name);
}

OcidContainer *
ocid_manager_get(OcidManager *manager, const char *id)
{
	return ocid_store_get(manager->store, id);
}

GPtrArray *
ocid_manager_list(OcidManager *manager, const OcidStoreFilter *filter)
{
	return ocid_store_list(manager->store, filter);
}

void
ocid_manager_notify_count(OcidManager *manager)
{
	const char *props[] = { "ContainerCount", NULL };

	if (manager->listener.manager_changed != NULL)
		manager->listener.manager_changed(props, manager->listener.data);
}

const char *
ocid_manager_runtime_path_for(OcidManager *manager, gboolean privileged, gboolean trusted)
{
	const OcidConfig *config = manager->config;

	if (privileged || config->untrusted_runtime_path == NULL)
		return config->runtime_path;
	if (!trusted || config->trust_untrusted)
		return config->untrusted_runtime_path;
	return config->runtime_path;
}

void
ocid_manager_shutdown(OcidManager *manager)
{
	ocid_create_cancel_all(manager);
}

/* log_path may not be another container's log (or its rotated copy), nor anything in
 * ocid's own log dir: she would read that container's output and write into it. Compared
 * as the caller's own lookup resolved it. */
gboolean
ocid_manager_check_log_path_free(OcidManager *manager, const char *log_path, const char *resolved,
				 GError **error)
{
	g_autofree char *log_dir_prefix = g_strconcat(manager->config->log_dir, "/", NULL);
	g_autoptr(GPtrArray) all = ocid_store_list_all(manager->store);
	const char *const candidates[] = { log_path, resolved };

	for (gsize i = 0; i < G_N_ELEMENTS(candidates); i++) {
		const char *path = candidates[i];

		if (path == NULL)
			continue;
		if (g_str_has_prefix(path, log_dir_prefix))
			return ocid_error_set(
			    error, OCID_ERROR_INVALID_ARGUMENT,
			    "log_path '%s' is in ocid's log dir %s; leave log_path "
			    "empty for a log there, or name a file of your own",
			    log_path, manager->config->log_dir);
		for (guint j = 0; j < all->len; j++) {
			OcidContainer *other = g_ptr_array_index(all, j);
			g_autofree char *rotated = NULL;

			/* A log ocid named is in its log dir, refused above. */
			if (other->log_path == NULL)
				continue;
			rotated = g_strconcat(other->log_path, ".1", NULL);
			if (g_str_equal(other->log_path, path) || g_str_equal(rotated, path))
				return ocid_error_set(
				    error, OCID_ERROR_INVALID_ARGUMENT,
				    "log_path '%s' is the log of container %s; name a file of "
				    "your own",
				    log_path, other->id);
		}
	}
	return TRUE;
}
