#define G_LOG_DOMAIN "ocid"

#include "manager.h"

#include "cleanup.h"
#include "errors.h"
#include "ids.h"
#include "log.h"
#include "monitor-spawn.h"
#include "persist.h"
#include "process.h"
#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
	OcidDoneFunc done;
	gpointer user_data;
} Waiter;

typedef struct {
	OcidManager *manager;
	OcidContainer *container; /* owned until it enters the store */
	OcidMonitorSpawn *spawn;
	OcidDoneFunc done;
	gpointer user_data;
	GError *attach_error; /* why the container's unit could not be made */
} CreateCall;

typedef struct {
	OcidManager *manager;
	char *id; /* the container may be gone when the runtime answers */
	OcidDoneFunc done;
	gpointer user_data;
} RuntimeCall;

static void watch_monitor(OcidManager *manager, OcidContainer *c);

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

static gboolean
persist_container(OcidContainer *c, GError **error)
{
	return ocid_persist_save(c, error);
}

static void
on_container_changed(OcidContainer *c, const char *const *properties, gpointer user_data)
{
	OcidManager *manager = user_data;

	if (manager->listener.container_changed != NULL)
		manager->listener.container_changed(c, properties, manager->listener.data);
}

static void
adopt(OcidManager *manager, OcidContainer *c)
{
	c->persist_func = persist_container;
	c->changed_func = on_container_changed;
	c->changed_data = manager;
}

static OcidRuntime
runtime_for(OcidManager *manager, const OcidContainer *c)
{
	OcidRuntime runtime = {
		.path = c->runtime_path,
		.root = manager->runtime_root,
		.systemd_cgroup = manager->cgroups->runtime_systemd_cgroup,
	};
	return runtime;
}

static char *
exit_file_path(OcidManager *manager, const OcidContainer *c)
{
	return g_build_filename(manager->exits_dir, c->id, NULL);
}

OcidManager *
ocid_manager_new(OcidConfig *config, GError **error)
{
	g_autoptr(OcidManager) manager = g_new0(OcidManager, 1);

	manager->config = config;
	manager->store = ocid_store_new();
	manager->cgroups = ocid_cgroup_manager_new(config);
	manager->reserved = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	manager->containers_dir = g_build_filename(config->state_dir, "containers", NULL);
	manager->exits_dir = g_build_filename(config->run_dir, "exits", NULL);
	manager->runtime_root = g_build_filename(config->run_dir, "runtime", NULL);

	if (!ensure_dir(config->state_dir, 0700, error) ||
	    !ensure_dir(manager->containers_dir, 0700, error) ||
	    !ensure_dir(config->run_dir, 0700, error) ||
	    !ensure_dir(manager->exits_dir, 0700, error) ||
	    !ensure_dir(manager->runtime_root, 0700, error) ||
	    !ensure_dir(config->log_dir, 0700, error))
		return NULL;

	/* Orphans land here when their monitor dies, so the real exit code of a container
	 * is still ours to read rather than init's. */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);

	manager->runtime_version = ocid_runtime_version(config->runtime_path);
	manager->runtime_ready = manager->runtime_version != NULL;
	if (!manager->runtime_ready)
		g_warning("The OCI runtime %s does not run; containers cannot be created until "
			  "runtime_path in ocid.conf names a working runtime",
			  config->runtime_path);
	return g_steal_pointer(&manager);
}

void
ocid_manager_free(OcidManager *manager)
{
	if (manager == NULL)
		return;
	g_clear_pointer(&manager->store, ocid_store_free);
	g_clear_pointer(&manager->cgroups, ocid_cgroup_manager_free);
	g_clear_pointer(&manager->reserved, g_hash_table_unref);
	g_free(manager->containers_dir);
	g_free(manager->exits_dir);
	g_free(manager->runtime_root);
	g_free(manager->runtime_version);
	g_free(manager);
}

static void
manager_changed(OcidManager *manager, const char *property)
{
	const char *props[] = { property, NULL };

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

/* ---- exits ---------------------------------------------------------------------- */

/* Reads <exits>/<id>: the exit code on the first line, "oom" on a later one. */
static gboolean
read_exit_file(OcidManager *manager, OcidContainer *c, int *exit_code, gboolean *oom_killed)
{
	g_autofree char *path = exit_file_path(manager, c);
	g_autofree char *data = NULL;
	char *end = NULL;
	gint64 code;

	if (!g_file_get_contents(path, &data, NULL, NULL))
		return FALSE;
	code = g_ascii_strtoll(data, &end, 10);
	if (end == data || code < 0 || code > 255) {
		g_warning("Exit file %s holds '%s', not an exit code", path, data);
		return FALSE;
	}
	*exit_code = (int)code;
	*oom_killed = strstr(data, "oom") != NULL;
	return TRUE;
}

static gboolean
pidfd_has_exited(int pidfd)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0;
}

static void
close_process_watches(OcidContainer *c)
{
	g_clear_handle_id(&c->monitor_watch, g_source_remove);
	g_clear_handle_id(&c->container_watch, g_source_remove);
	g_clear_handle_id(&c->stop_timer, g_source_remove);
	ocid_close_fdp(&c->monitor_pidfd);
	ocid_close_fdp(&c->container_pidfd);
}

static void
complete_waiters(OcidContainer *c, GError *error)
{
	g_autoptr(GPtrArray) waiters = c->stop_waiters;

	c->stop_waiters = g_ptr_array_new();
	for (guint i = 0; i < waiters->len; i++) {
		g_autofree Waiter *w = g_ptr_array_index(waiters, i);
		w->done(c, error, w->user_data);
	}
}

static void
container_exited(OcidManager *manager, OcidContainer *c, int exit_code, gboolean oom_killed,
		 const char *error)
{
	close_process_watches(c);
	/* The kernel's OOM killer leaves SIGKILL's 137 and a count in the memory cgroup,
	 * which stays until the runtime deletes the container. */
	if (!oom_killed && exit_code == 128 + SIGKILL)
		oom_killed = ocid_cgroup_oom_killed(c);
	ocid_container_set_stopped(c, exit_code, oom_killed, error);
	ocid_log_container(c, G_LOG_LEVEL_MESSAGE, OCID_MESSAGE_EXITED,
			   "Container %s (%s) exited with code %d%s%s%s", c->id, c->name, exit_code,
			   oom_killed ? ", killed for running out of memory" : "",
			   error != NULL ? ": " : "", error != NULL ? error : "");
	complete_waiters(c, NULL);
}

static gboolean
on_container_pidfd(int fd, GIOCondition condition, gpointer user_data)
{
	OcidContainer *c = user_data;
	OcidManager *manager = c->changed_data;
	int exit_code = 0;
	gboolean oom = FALSE;

	c->container_watch = 0;
	/* A monitor may have written the file after all (it died after writing). */
	if (read_exit_file(manager, c, &exit_code, &oom))
		container_exited(manager, c, exit_code, oom, NULL);
	else if (ocid_pidfd_reap(fd, &exit_code) == 1)
		container_exited(manager, c, exit_code, FALSE, NULL);
	else
		container_exited(manager, c, 255, FALSE,
				 "The container exited after its monitor was lost; its exit "
				 "code is unknown");
	return G_SOURCE_REMOVE;
}

static void
watch_container_directly(OcidContainer *c)
{
	if (c->container_pidfd < 0)
		c->container_pidfd = ocid_pidfd_open_verified(c->pid, c->pid_start_time);
	if (c->container_pidfd < 0)
		return;
	c->container_watch = g_unix_fd_add(c->container_pidfd, G_IO_IN, on_container_pidfd, c);
}

/* The monitor is gone: normally it wrote the exit file first. */
static void
monitor_gone(OcidManager *manager, OcidContainer *c)
{
	int exit_code = 0;
	gboolean oom = FALSE;

	if (read_exit_file(manager, c, &exit_code, &oom)) {
		container_exited(manager, c, exit_code, oom, NULL);
		return;
	}
	if (c->container_pidfd < 0)
		c->container_pidfd = ocid_pidfd_open_verified(c->pid, c->pid_start_time);
	if (c->container_pidfd >= 0 && !pidfd_has_exited(c->container_pidfd)) {
		ocid_log_container(c, G_LOG_LEVEL_WARNING, OCID_MESSAGE_FAILED,
				   "The monitor of container %s is gone while the container "
				   "runs; ocid watches the container directly, its output is no "
				   "longer logged",
				   c->id);
		watch_container_directly(c);
		return;
	}
	if (c->container_pidfd >= 0 && ocid_pidfd_reap(c->container_pidfd, &exit_code) == 1) {
		container_exited(manager, c, exit_code, FALSE, NULL);
		return;
	}
	container_exited(manager, c, 255, FALSE,
			 "The container and its monitor exited without leaving an exit code");
}

static gboolean
on_monitor_pidfd(int fd, GIOCondition condition, gpointer user_data)
{
	OcidContainer *c = user_data;
	OcidManager *manager = c->changed_data;
	int monitor_status = 0;

	c->monitor_watch = 0;
	(void)ocid_pidfd_reap(fd, &monitor_status);
	ocid_close_fdp(&c->monitor_pidfd);
	monitor_gone(manager, c);
	return G_SOURCE_REMOVE;
}

static void
watch_monitor(OcidManager *manager, OcidContainer *c)
{
	c->monitor_watch = g_unix_fd_add(c->monitor_pidfd, G_IO_IN, on_monitor_pidfd, c);
}

/* ---- create --------------------------------------------------------------------- */

static gboolean
remove_dir_contents_and_dir(const char *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const char *name;

	if (dir == NULL)
		return errno == ENOENT;
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *file = g_build_filename(path, name, NULL);
		if (g_unlink(file) < 0 && errno != ENOENT)
			return FALSE;
	}
	return g_rmdir(path) == 0 || errno == ENOENT;
}

static void
release_reservation(OcidManager *manager, const OcidContainer *c)
{
	g_hash_table_remove(manager->reserved, c->id);
	g_hash_table_remove(manager->reserved, c->name);
}

static void
create_call_free(CreateCall *call)
{
	ocid_monitor_spawn_free(call->spawn);
	ocid_container_free(call->container);
	g_clear_error(&call->attach_error);
	g_free(call);
}

static void
on_runtime_result_ignored(const char *out, GError *error, gpointer user_data)
{
	/* Best-effort cleanups and thaws: whatever failed is reported by what comes next. */
}

static void
on_monitor_ready(OcidMonitorSpawn *spawn, const char *answer, GError *error, gpointer user_data)
{
	CreateCall *call = user_data;
	OcidManager *manager = call->manager;
	OcidContainer *c = call->container;
	g_autoptr(GError) local_error = NULL;
	gint64 pid = 0;

	release_reservation(manager, c);
	if (call->attach_error != NULL)
		error = call->attach_error; /* the real reason the monitor was stopped */
	if (error == NULL) {
		char *end = NULL;
		pid = g_ascii_strtoll(answer, &end, 10);
		if (pid <= 0 || pid > G_MAXINT32 || *end != '\0')
			local_error = g_error_new(OCID_ERROR, OCID_ERROR_RUNTIME_FAILED,
						  "The container monitor answered '%s', not a "
						  "pid; check that monitor_path matches this ocid",
						  answer);
	}
	if (error == NULL && local_error == NULL) {
		c->container_pidfd = ocid_pidfd_open((pid_t)pid);
		if (c->container_pidfd < 0 && c->container_pidfd != -ESRCH)
			local_error = g_error_new(OCID_ERROR, OCID_ERROR_FAILED,
						  "Cannot watch the container process %d: %s",
						  (int)pid, g_strerror(-c->container_pidfd));
	}
	if (error != NULL || local_error != NULL) {
		OcidRuntime runtime = runtime_for(manager, c);
		const char *args[] = { "delete", "--force", c->id, NULL };
		GError *reported = error != NULL ? error : local_error;

		ocid_log_container(c, G_LOG_LEVEL_WARNING, OCID_MESSAGE_FAILED,
				   "Creating container %s failed: %s", c->id, reported->message);
		/* Leave nothing behind: not the runtime's state, not our dir. */
		(void)kill(-ocid_monitor_spawn_get_pid(spawn), SIGKILL);
		ocid_runtime_run_async(&runtime, args, on_runtime_result_ignored, NULL);
		remove_dir_contents_and_dir(c->dir);
		call->done(NULL, reported, call->user_data);
		create_call_free(call);
		return;
	}

	c->monitor_pidfd = ocid_monitor_spawn_steal_pidfd(spawn);
	adopt(manager, c);
	ocid_store_add(manager->store, c);
	call->container = NULL;
	ocid_container_set_created(c, (int32_t)pid, ocid_process_start_time((pid_t)pid),
				   (int32_t)ocid_monitor_spawn_get_pid(spawn),
				   ocid_process_start_time(ocid_monitor_spawn_get_pid(spawn)));
	watch_monitor(manager, c);
	ocid_log_container(c, G_LOG_LEVEL_MESSAGE, OCID_MESSAGE_CREATED,
			   "Created container %s (%s) from bundle %s, pid %d", c->id, c->name,
			   c->bundle_path, c->pid);
	if (manager->listener.container_added != NULL)
		manager->listener.container_added(c, manager->listener.data);
	manager_changed(manager, "ContainerCount");
	call->done(c, NULL, call->user_data);
	create_call_free(call);
}

static void
on_unit_attached(GError *error, gpointer user_data)
{
	CreateCall *call = user_data;

	if (error == NULL) {
		ocid_monitor_spawn_go(call->spawn);
		return;
	}
	/* on_monitor_ready reports this once the killed monitor's pipe closes. */
	call->attach_error = g_error_copy(error);
	ocid_monitor_spawn_abort(call->spawn);
}

static gboolean
check_log_path(const char *path, GError **error)
{
	if (!g_path_is_absolute(path) || strstr(path, "/../") != NULL ||
	    g_str_has_suffix(path, "/..")) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "log_path '%s' must be an absolute path without '..'", path);
		return FALSE;
	}
	return TRUE;
}

gboolean
ocid_manager_create(OcidManager *manager, OcidContainer *draft, OcidDoneFunc done,
		    gpointer user_data, GError **error)
{
	g_autoptr(OcidContainer) c = draft;
	g_autoptr(JsonNode) spec = NULL;
	g_autofree char *log_dir = NULL;
	g_autofree char *pid_file = NULL;
	g_autofree char *exit_file = NULL;
	g_autofree char *image_stop_signal = NULL;
	g_autofree char *attach_path = NULL;
	g_autofree char *console_socket = NULL;
	OcidMonitorArgs args = { 0 };
	CreateCall *call;

	if (c->id == NULL || *c->id == '\0') {
		g_free(c->id);
		c->id = ocid_id_generate();
	}
	if (!ocid_check_id(c->id, error))
		return FALSE;
	if (c->name == NULL || *c->name == '\0') {
		g_free(c->name);
		c->name = g_strdup(c->id);
	}
	if (!ocid_check_name(c->name, error))
		return FALSE;
	if (ocid_store_get(manager->store, c->id) != NULL ||
	    g_hash_table_contains(manager->reserved, c->id)) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_CONTAINER_EXISTS,
			    "A container with id '%s' already exists; choose another id or "
			    "delete that container",
			    c->id);
		return FALSE;
	}
	if (ocid_store_get_by_name(manager->store, c->name) != NULL ||
	    ocid_store_get(manager->store, c->name) != NULL ||
	    g_hash_table_contains(manager->reserved, c->name)) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_CONTAINER_EXISTS,
			    "The name '%s' is taken by another container; choose another name "
			    "or delete that container",
			    c->name);
		return FALSE;
	}
	if (!manager->runtime_ready) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_RUNTIME_FAILED,
			    "The OCI runtime %s is not usable; fix runtime_path in ocid.conf "
			    "and restart ocid",
			    manager->config->runtime_path);
		return FALSE;
	}
	spec = ocid_spec_load_bundle(c->bundle_path, error);
	if (spec == NULL)
		return FALSE;

	if (c->log_path == NULL || *c->log_path == '\0') {
		g_free(c->log_path);
		c->log_path = g_strdup_printf("%s/%s.log", manager->config->log_dir, c->id);
	}
	if (!check_log_path(c->log_path, error))
		return FALSE;
	if (c->stop_signal == NULL || *c->stop_signal == '\0') {
		image_stop_signal = ocid_spec_image_stop_signal(spec);
		g_free(c->stop_signal);
		c->stop_signal =
		    g_strdup(image_stop_signal != NULL ? image_stop_signal : "SIGTERM");
	}
	if (ocid_signal_from_string(c->stop_signal) < 0) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "Stop signal '%s' is not a signal; use a name like SIGTERM or a "
			    "number",
			    c->stop_signal);
		return FALSE;
	}

	c->created_usec = (uint64_t)g_get_real_time();
	c->runtime_path =
	    g_strdup(ocid_manager_runtime_path_for(manager, c->privileged, c->trusted));
	c->dir = g_build_filename(manager->containers_dir, c->id, NULL);
	c->state_path = g_build_filename(c->dir, "state.json", NULL);
	if (!manager->cgroups->place(manager->cgroups, c, error))
		return FALSE;
	if (!ocid_spec_apply(spec, c, error))
		return FALSE;

	if (g_mkdir(c->dir, 0700) < 0) {
		if (errno == EEXIST)
			g_set_error(error, OCID_ERROR, OCID_ERROR_CONTAINER_EXISTS,
				    "%s already exists but no container of that id is loaded; "
				    "remove the directory if it is left over",
				    c->dir);
		else
			g_set_error(error, OCID_ERROR, OCID_ERROR_FAILED, "Cannot create %s: %s",
				    c->dir, g_strerror(errno));
		return FALSE;
	}
	log_dir = g_path_get_dirname(c->log_path);
	if (!ensure_dir(log_dir, 0700, error) || !ocid_spec_write(spec, c->dir, error)) {
		remove_dir_contents_and_dir(c->dir);
		return FALSE;
	}

	if (c->terminal || c->stdin_open) {
		g_autofree char *attach_dir =
		    g_build_filename(manager->config->run_dir, "attach", NULL);
		attach_path = g_build_filename(attach_dir, c->id, NULL);
		console_socket = g_strconcat(attach_path, ".console", NULL);
		/* A unix socket path has room for 107 bytes. */
		if (strlen(console_socket) > 107) {
			g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
				    "The attach socket %s would be too long for a unix socket; use "
				    "a shorter id or run_dir for containers with terminal or stdin",
				    attach_path);
			remove_dir_contents_and_dir(c->dir);
			return FALSE;
		}
		if (!ensure_dir(attach_dir, 0700, error)) {
			remove_dir_contents_and_dir(c->dir);
			return FALSE;
		}
	}
	pid_file = g_build_filename(c->dir, "container.pid", NULL);
	exit_file = exit_file_path(manager, c);
	(void)g_unlink(exit_file);
	args.monitor_path = manager->config->monitor_path;
	args.monitor_env = manager->config->monitor_env;
	args.id = c->id;
	args.runtime_path = c->runtime_path;
	args.runtime_root = manager->runtime_root;
	args.bundle = c->dir;
	args.pid_file = pid_file;
	args.log_path = c->log_path;
	args.exit_file = exit_file;
	args.log_size_max = manager->config->log_size_max;
	args.no_pivot = manager->config->no_pivot;
	args.systemd_cgroup = manager->cgroups->runtime_systemd_cgroup;
	args.terminal = c->terminal;
	args.stdin_open = c->stdin_open;
	args.stdin_once = c->stdin_once;
	args.attach_path = attach_path;
	args.console_socket = c->terminal ? console_socket : NULL;

	call = g_new0(CreateCall, 1);
	call->manager = manager;
	call->done = done;
	call->user_data = user_data;
	args.wait_for_go = manager->cgroups->attach != NULL;
	call->spawn = ocid_monitor_spawn(&args, manager->config->create_timeout_sec,
					 on_monitor_ready, call, error);
	if (call->spawn == NULL) {
		remove_dir_contents_and_dir(c->dir);
		g_free(call);
		return FALSE;
	}
	g_hash_table_add(manager->reserved, g_strdup(c->id));
	g_hash_table_add(manager->reserved, g_strdup(c->name));
	call->container = g_steal_pointer(&c);
	/* The monitor waits until it sits in the container's own unit: nothing of the
	 * container may start in the daemon's cgroup. */
	if (manager->cgroups->attach != NULL)
		manager->cgroups->attach(manager->cgroups, call->container,
					 ocid_monitor_spawn_get_pid(call->spawn), spec,
					 on_unit_attached, call);
	return TRUE;
}

/* ---- start, stop, kill ---------------------------------------------------------- */

static RuntimeCall *
runtime_call_new(OcidManager *manager, OcidContainer *c, OcidDoneFunc done, gpointer user_data)
{
	RuntimeCall *call = g_new0(RuntimeCall, 1);

	call->manager = manager;
	call->id = g_strdup(c->id);
	call->done = done;
	call->user_data = user_data;
	return call;
}

static void
runtime_call_free(RuntimeCall *call)
{
	g_free(call->id);
	g_free(call);
}

static void
on_started(const char *out, GError *error, gpointer user_data)
{
	RuntimeCall *call = user_data;
	OcidContainer *c = ocid_store_get(call->manager->store, call->id);

	if (c == NULL) {
		g_autoptr(GError) gone =
		    g_error_new(OCID_ERROR, OCID_ERROR_NO_SUCH_CONTAINER,
				"Container %s was deleted while starting", call->id);
		call->done(NULL, gone, call->user_data);
	} else if (error != NULL) {
		ocid_container_set_start_failed(c, error->message);
		ocid_log_container(c, G_LOG_LEVEL_WARNING, OCID_MESSAGE_FAILED,
				   "Starting container %s failed: %s", c->id, error->message);
		call->done(c, error, call->user_data);
	} else {
		/* A short-lived container may already have exited and been reported. */
		if (c->state == OCID_STATE_CREATED)
			ocid_container_set_running(c);
		else if (c->started_usec == 0)
			c->started_usec = c->finished_usec;
		ocid_log_container(c, G_LOG_LEVEL_MESSAGE, OCID_MESSAGE_STARTED,
				   "Started container %s (%s)", c->id, c->name);
		call->done(c, NULL, call->user_data);
	}
	runtime_call_free(call);
}

static gboolean
invalid_state(OcidContainer *c, const char *what, GError **error)
{
	g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_STATE, "Container %s is %s; %s", c->id,
		    ocid_container_state_to_string(c->state), what);
	return FALSE;
}

gboolean
ocid_manager_start(OcidManager *manager, OcidContainer *c, OcidDoneFunc done, gpointer user_data,
		   GError **error)
{
	OcidRuntime runtime = runtime_for(manager, c);
	const char *args[] = { "start", c->id, NULL };

	if (c->state != OCID_STATE_CREATED || c->deleting)
		return invalid_state(c,
				     "only a created container can be started; create a new "
				     "one to run it again",
				     error);
	ocid_runtime_run_async(&runtime, args, on_started,
			       runtime_call_new(manager, c, done, user_data));
	return TRUE;
}

static gboolean
send_signal(OcidContainer *c, int signal, GError **error)
{
	int r;

	if (c->container_pidfd < 0)
		c->container_pidfd = ocid_pidfd_open_verified(c->pid, c->pid_start_time);
	if (c->container_pidfd < 0)
		r = c->container_pidfd;
	else
		r = ocid_pidfd_send_signal(c->container_pidfd, signal);
	if (r == -ESRCH)
		return TRUE; /* it is exiting; its monitor will report it */
	if (r < 0) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_FAILED, "Cannot signal container %s: %s",
			    c->id, g_strerror(-r));
		return FALSE;
	}
	return TRUE;
}

static gboolean
on_stop_timeout(gpointer user_data)
{
	OcidContainer *c = user_data;

	c->stop_timer = 0;
	ocid_log_container(c, G_LOG_LEVEL_MESSAGE, OCID_MESSAGE_STOP_REQUESTED,
			   "Container %s did not stop in time; sending SIGKILL", c->id);
	(void)send_signal(c, SIGKILL, NULL);
	return G_SOURCE_REMOVE;
}

static void
add_waiter(OcidContainer *c, OcidDoneFunc done, gpointer user_data)
{
	Waiter *w = g_new0(Waiter, 1);

	w->done = done;
	w->user_data = user_data;
	g_ptr_array_add(c->stop_waiters, w);
}

/* Asks the container to stop; SIGKILL when @timeout_sec passes (or at once for 0, and for
 * a created container, whose init is the runtime's and waits for start). */
static gboolean
begin_stop(OcidContainer *c, guint64 timeout_sec, GError **error)
{
	int signal = ocid_signal_from_string(c->stop_signal);

	if (signal < 0)
		signal = SIGTERM;
	if (timeout_sec == 0 || c->state == OCID_STATE_CREATED)
		signal = SIGKILL;
	ocid_log_container(c, G_LOG_LEVEL_MESSAGE, OCID_MESSAGE_STOP_REQUESTED,
			   "Stopping container %s with signal %d, SIGKILL after %" G_GUINT64_FORMAT
			   " s",
			   c->id, signal, timeout_sec);
	if (!send_signal(c, signal, error))
		return FALSE;
	/* A frozen container acts on no signal, not even SIGKILL, until it is thawed. */
	if (c->state == OCID_STATE_PAUSED) {
		OcidRuntime runtime = runtime_for(c->changed_data, c);
		const char *args[] = { "resume", c->id, NULL };
		ocid_runtime_run_async(&runtime, args, on_runtime_result_ignored, NULL);
	}
	if (signal != SIGKILL && c->stop_timer == 0)
		c->stop_timer = g_timeout_add((guint)MIN(timeout_sec * 1000, G_MAXUINT / 2),
					      on_stop_timeout, c);
	return TRUE;
}

gboolean
ocid_manager_stop(OcidManager *manager, OcidContainer *c, guint64 timeout_sec, OcidDoneFunc done,
		  gpointer user_data, GError **error)
{
	if (!ocid_container_is_alive(c)) {
		done(c, NULL, user_data);
		return TRUE;
	}
	if (!begin_stop(c, timeout_sec, error))
		return FALSE;
	add_waiter(c, done, user_data);
	return TRUE;
}

gboolean
ocid_manager_kill(OcidManager *manager, OcidContainer *c, const char *signal_name, GError **error)
{
	int signal = ocid_signal_from_string(signal_name);

	if (signal < 0) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "'%s' is not a signal; use a name like SIGTERM or TERM, or a number",
			    signal_name != NULL ? signal_name : "");
		return FALSE;
	}
	if (!ocid_container_is_alive(c))
		return invalid_state(c, "there is no process to signal", error);
	return send_signal(c, signal, error);
}

/* ---- pause, update --------------------------------------------------------------- */

typedef void (*ApplyFunc)(OcidContainer *c);

typedef struct {
	RuntimeCall base;
	ApplyFunc apply;
} ApplyCall;

static void
on_runtime_applied(const char *out, GError *error, gpointer user_data)
{
	ApplyCall *call = user_data;
	OcidContainer *c = ocid_store_get(call->base.manager->store, call->base.id);

	if (c == NULL) {
		g_autoptr(GError) gone =
		    g_error_new(OCID_ERROR, OCID_ERROR_NO_SUCH_CONTAINER,
				"Container %s was deleted meanwhile", call->base.id);
		call->base.done(NULL, gone, call->base.user_data);
	} else if (error != NULL) {
		call->base.done(c, error, call->base.user_data);
	} else {
		if (call->apply != NULL)
			call->apply(c);
		call->base.done(c, NULL, call->base.user_data);
	}
	g_free(call->base.id);
	g_free(call);
}

static void
run_and_apply(OcidManager *manager, OcidContainer *c, const char *const *args, ApplyFunc apply,
	      OcidDoneFunc done, gpointer user_data)
{
	OcidRuntime runtime = runtime_for(manager, c);
	ApplyCall *call = g_new0(ApplyCall, 1);

	call->base.manager = manager;
	call->base.id = g_strdup(c->id);
	call->base.done = done;
	call->base.user_data = user_data;
	call->apply = apply;
	ocid_runtime_run_async(&runtime, args, on_runtime_applied, call);
}

static void
apply_paused(OcidContainer *c)
{
	if (c->state == OCID_STATE_RUNNING)
		ocid_container_set_paused(c, TRUE);
}

static void
apply_resumed(OcidContainer *c)
{
	if (c->state == OCID_STATE_PAUSED)
		ocid_container_set_paused(c, FALSE);
}

gboolean
ocid_manager_pause(OcidManager *manager, OcidContainer *c, gboolean pause, OcidDoneFunc done,
		   gpointer user_data, GError **error)
{
	const char *args[] = { pause ? "pause" : "resume", c->id, NULL };

	if (pause && c->state != OCID_STATE_RUNNING)
		return invalid_state(c, "only a running container can be paused", error);
	if (!pause && c->state != OCID_STATE_PAUSED)
		return invalid_state(c, "only a paused container can be unpaused", error);
	run_and_apply(manager, c, args, pause ? apply_paused : apply_resumed, done, user_data);
	return TRUE;
}

static void
on_unit_updated(GError *error, gpointer user_data)
{
	g_autofree char *id = user_data;

	if (error != NULL)
		g_warning("Container %s: %s", id, error->message);
}

gboolean
ocid_manager_update(OcidManager *manager, OcidContainer *c, const OcidResources *resources,
		    OcidDoneFunc done, gpointer user_data, GError **error)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);

	if (!ocid_resources_validate(resources, error))
		return FALSE;
	if (ocid_resources_is_empty(resources)) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "No resources given; pass at least one of cpu_shares, cpu_quota, "
			    "cpu_period, cpuset_cpus, cpuset_mems, memory_limit, memory_swap, "
			    "pids_limit, blkio_weight");
		return FALSE;
	}
	if (!ocid_container_is_alive(c))
		return invalid_state(c, "only a live container's resources can be updated", error);
	g_ptr_array_add(args, g_strdup("update"));
	ocid_resources_to_runtime_args(resources, args);
	g_ptr_array_add(args, g_strdup(c->id));
	g_ptr_array_add(args, NULL);
	/* The unit's limits enclose the container's; both must move together. */
	if (manager->cgroups->update != NULL)
		manager->cgroups->update(manager->cgroups, c, resources, on_unit_updated,
					 g_strdup(c->id));
	run_and_apply(manager, c, (const char *const *)args->pdata, NULL, done, user_data);
	return TRUE;
}

/* ---- delete --------------------------------------------------------------------- */

static void
finish_delete(OcidManager *manager, OcidContainer *c)
{
	g_autofree char *exit_file = exit_file_path(manager, c);

	(void)g_unlink(exit_file);
	if (!remove_dir_contents_and_dir(c->dir))
		g_warning("Could not remove %s: %s", c->dir, g_strerror(errno));
	ocid_log_container(c, G_LOG_LEVEL_MESSAGE, OCID_MESSAGE_REMOVED,
			   "Removed container %s (%s)", c->id, c->name);
	if (manager->listener.container_removed != NULL)
		manager->listener.container_removed(c, manager->listener.data);
	close_process_watches(c);
	ocid_store_remove(manager->store, c);
	manager_changed(manager, "ContainerCount");
}

static void
on_unit_removed(GError *error, gpointer user_data)
{
	RuntimeCall *call = user_data;
	OcidContainer *c = ocid_store_get(call->manager->store, call->id);

	if (error != NULL)
		g_warning("Container %s: %s", call->id, error->message);
	if (c != NULL)
		finish_delete(call->manager, c);
	call->done(NULL, NULL, call->user_data);
	runtime_call_free(call);
}

static void
on_runtime_deleted(const char *out, GError *error, gpointer user_data)
{
	RuntimeCall *call = user_data;
	OcidContainer *c = ocid_store_get(call->manager->store, call->id);

	if (c == NULL) {
		call->done(NULL, NULL, call->user_data);
	} else if (error != NULL && strstr(error->message, "does not exist") == NULL &&
		   strstr(error->message, "not exist") == NULL) {
		c->deleting = FALSE;
		call->done(c, error, call->user_data);
	} else {
		/* The unit goes last: only then is nothing of the container left. */
		call->manager->cgroups->remove(call->manager->cgroups, c, on_unit_removed, call);
		return;
	}
	runtime_call_free(call);
}

static void
delete_from_runtime(OcidManager *manager, OcidContainer *c, OcidDoneFunc done, gpointer user_data)
{
	OcidRuntime runtime = runtime_for(manager, c);
	const char *args[] = { "delete", "--force", c->id, NULL };

	ocid_runtime_run_async(&runtime, args, on_runtime_deleted,
			       runtime_call_new(manager, c, done, user_data));
}

typedef struct {
	OcidManager *manager;
	OcidDoneFunc done;
	gpointer user_data;
} DeleteAfterStop;

static void
on_stopped_for_delete(OcidContainer *c, GError *error, gpointer user_data)
{
	g_autofree DeleteAfterStop *d = user_data;

	if (error != NULL) {
		c->deleting = FALSE;
		d->done(c, error, d->user_data);
		return;
	}
	delete_from_runtime(d->manager, c, d->done, d->user_data);
}

gboolean
ocid_manager_delete(OcidManager *manager, OcidContainer *c, gboolean force, OcidDoneFunc done,
		    gpointer user_data, GError **error)
{
	if (c->deleting) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_STATE,
			    "Container %s is already being deleted", c->id);
		return FALSE;
	}
	if (ocid_container_is_alive(c) && c->state != OCID_STATE_CREATED && !force)
		return invalid_state(c, "stop it first, or delete it with force=true", error);
	if (ocid_container_is_alive(c)) {
		DeleteAfterStop *d = g_new0(DeleteAfterStop, 1);

		d->manager = manager;
		d->done = done;
		d->user_data = user_data;
		if (!begin_stop(c, 0, error)) {
			g_free(d);
			return FALSE;
		}
		c->deleting = TRUE;
		add_waiter(c, on_stopped_for_delete, d);
		return TRUE;
	}
	c->deleting = TRUE;
	delete_from_runtime(manager, c, done, user_data);
	return TRUE;
}

/* ---- status and restore --------------------------------------------------------- */

gboolean
ocid_manager_update_status(OcidManager *manager, OcidContainer *c, GError **error)
{
	int exit_code = 0;
	gboolean oom = FALSE;

	if (!ocid_container_is_alive(c))
		return TRUE;
	if (read_exit_file(manager, c, &exit_code, &oom)) {
		container_exited(manager, c, exit_code, oom, NULL);
		return TRUE;
	}
	if (c->monitor_pidfd < 0 && c->container_pidfd >= 0 && pidfd_has_exited(c->container_pidfd))
		monitor_gone(manager, c);
	return TRUE;
}

/* What the runtime says of a container whose processes are all gone. */
static char *
runtime_status(OcidManager *manager, OcidContainer *c)
{
	OcidRuntime runtime = runtime_for(manager, c);
	const char *args[] = { "state", c->id, NULL };
	g_autofree char *out = ocid_runtime_run_sync(&runtime, args, NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonNode *root;

	if (out == NULL || !json_parser_load_from_data(parser, out, -1, NULL))
		return NULL;
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		return NULL;
	return g_strdup(
	    json_object_get_string_member_with_default(json_node_get_object(root), "status", NULL));
}

static void
reconcile(OcidManager *manager, OcidContainer *c)
{
	int exit_code = 0;
	gboolean oom = FALSE;

	if (!ocid_container_is_alive(c))
		return;
	if (read_exit_file(manager, c, &exit_code, &oom)) {
		container_exited(manager, c, exit_code, oom, NULL);
		return;
	}
	c->monitor_pidfd = ocid_pidfd_open_verified(c->monitor_pid, c->monitor_start_time);
	c->container_pidfd = ocid_pidfd_open_verified(c->pid, c->pid_start_time);
	if (c->monitor_pidfd >= 0) {
		watch_monitor(manager, c);
		return;
	}
	if (c->container_pidfd >= 0) {
		g_autofree char *status = runtime_status(manager, c);
		if (g_strcmp0(status, "paused") == 0 && c->state != OCID_STATE_PAUSED)
			ocid_container_set_paused(c, TRUE);
		monitor_gone(manager, c);
		return;
	}
	container_exited(manager, c, 255, FALSE,
			 "The container exited while ocid was down and no monitor recorded its "
			 "exit code");
}

void
ocid_manager_restore(OcidManager *manager)
{
	g_autoptr(GDir) dir = g_dir_open(manager->containers_dir, 0, NULL);
	const char *name;
	guint restored = 0;

	if (dir == NULL)
		return;
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *path =
		    g_build_filename(manager->containers_dir, name, "state.json", NULL);
		g_autoptr(GError) error = NULL;
		g_autoptr(OcidContainer) c = NULL;

		if (!ocid_id_is_valid(name) || !g_file_test(path, G_FILE_TEST_EXISTS))
			continue;
		c = ocid_persist_load(path, &error);
		if (c == NULL) {
			g_warning("Skipping container in %s/%s: %s. Fix or remove the file",
				  manager->containers_dir, name, error->message);
			continue;
		}
		if (!g_str_equal(c->id, name) || ocid_store_get(manager->store, c->id) != NULL ||
		    ocid_store_get_by_name(manager->store, c->name) != NULL) {
			g_warning("Skipping %s: its id or name clashes with another container",
				  path);
			continue;
		}
		adopt(manager, c);
		ocid_store_add(manager->store, c);
		reconcile(manager, c);
		ocid_log_container(c, G_LOG_LEVEL_INFO, OCID_MESSAGE_RESTORED,
				   "Restored container %s (%s), %s", c->id, c->name,
				   ocid_container_state_to_string(c->state));
		g_steal_pointer(&c);
		restored++;
	}
	if (restored > 0)
		g_message("Restored %u containers from %s", restored, manager->containers_dir);
}
