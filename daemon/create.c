/* The create pipeline. A create accepted by ocid_manager_create() is a CREATING
 * container in the store, and everything in flight for it belongs to its OcidCreateOp:
 * the parsed spec, the caller's reply, the monitor spawn, the unit job. Completions find the
 * container again by id and serial (OcidContainerRef) and do nothing when it is gone.
 *
 * Cancellation is one path, whatever triggers it (a failure, create_timeout, Delete,
 * refused authorization, shutdown): fail() records the first error and stops the monitor;
 * advance() waits until nothing is in flight any more, then hands the container to the
 * one teardown (teardown.h), and answers the caller once that is done. So no callback
 * outlives what it points at, and an error reaches the caller only once nothing of the
 * container is left. */
#define G_LOG_DOMAIN "ocid"

#include "manager-private.h"

#include "bounded-read.h"
#include "health.h"
#include "notify.h"
#include "persist.h"
#include "reaper.h"
#include "restart.h"
#include "cgroup-kill.h"
#include "cleanup.h"
#include "errors.h"
#include "fd-store.h"
#include "input-limits.h"
#include "ids.h"
#include "log.h"
#include "monitor-spawn.h"
#include "process.h"
#include "spec.h"
#include "state-machine.h"
#include "teardown.h"
#include "userns.h"

#include "common/fd-util.h"
#include "common/pidfd.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>

/* The create's way forward; the way back is the teardown's (teardown.h). */
typedef enum {
	CREATE_MAKING,  /* the monitor runs the runtime, and the unit is being made */
	CREATE_UNDOING, /* failed or cancelled: handed to the teardown */
} CreateStep;

struct OcidCreateOp {
	JsonNode *spec; /* read once: the privilege decision and the container's spec */
	OcidDoneFunc done;
	gpointer user_data;
	gboolean log_is_ours; /* ocid chose log_path, so a failed create removes the log */
	gboolean start;       /* the caller asked for a run: Start before the reply */
	/* A restart (restart.h): the container exists, stopped, with its dir and spec; a
	 * failure takes it back to stopped instead of away. */
	gboolean again;

	CreateStep step;
	OcidMonitorSpawn *spawn;
	/* While MAKING: the answers still to come, the monitor's and the unit job's. They
	 * come in either order (cgroupfs moves the monitor while the runtime works). */
	guint waiting;

	GError *error; /* the first failure: set means cancelling */
};

static void advance(OcidManager *manager, OcidContainer *c);
static void run(OcidManager *manager, OcidContainer *c);

static void
op_free(OcidCreateOp *op)
{
	if (op == NULL)
		return;
	g_clear_pointer(&op->spec, json_node_unref);
	/* Freed from an idle: this may run inside the spawn's own callback. */
	if (op->spawn != NULL)
		g_idle_add_once((GSourceOnceFunc)ocid_monitor_spawn_free, op->spawn);
	g_clear_error(&op->error);
	g_free(op);
}

static gboolean
check_free_names(OcidManager *manager, const char *id, const char *name, GError **error)
{
	/* Ids and names share one space: GetContainer takes either. */
	if (ocid_store_get(manager->store, id) != NULL ||
	    ocid_store_get_by_name(manager->store, id) != NULL)
		return ocid_error_set(error, OCID_ERROR_CONTAINER_EXISTS,
				      "A container with id or name '%s' already exists; choose "
				      "another id or delete that container",
				      id);
	if (ocid_store_get_by_name(manager->store, name) != NULL ||
	    ocid_store_get(manager->store, name) != NULL)
		return ocid_error_set(error, OCID_ERROR_CONTAINER_EXISTS,
				      "The name '%s' is taken by another container; choose another "
				      "name or delete that container",
				      name);
	return TRUE;
}

/* The container a request describes, with everything ocid decides for it. */
static OcidContainer *
container_from_request(OcidManager *manager, OcidCreateRequest *r, JsonNode *spec,
		       gboolean *log_is_ours, GError **error)
{
	g_autoptr(OcidContainer) c = ocid_container_new(r->id, r->name);

	/* Its manager's from the start: its derived paths (its dir) come from there. */
	ocid_manager_adopt(manager, c);

#define TAKE(field) c->field = g_steal_pointer(&r->field)
	c->bundle_path = g_steal_pointer(&r->bundle);
	TAKE(log_path);
	TAKE(netns_path);
	TAKE(mount_point);
	TAKE(image);
	TAKE(image_name);
	TAKE(image_ref);
	TAKE(sandbox);
	TAKE(stop_signal);
	TAKE(seccomp_profile_path);
	TAKE(cgroup_parent);
#undef TAKE
	c->labels = ocid_string_map_or_null(g_steal_pointer(&r->labels));
	c->annotations = ocid_string_map_or_null(g_steal_pointer(&r->annotations));
	c->metadata = ocid_string_map_or_null(g_steal_pointer(&r->metadata));
	if (r->volumes->len > 0)
		c->volumes = g_steal_pointer(&r->volumes);
	c->terminal = r->terminal;
	c->stdin_open = r->stdin_open;
	c->stdin_once = r->stdin_once;
	c->privileged = r->privileged;
	c->trusted = r->trusted;
	c->owner_uid = r->caller != NULL ? r->caller->uid : 0;
	c->owner_gid = r->caller != NULL ? r->caller->gid : 0;
	c->confined = r->confined;
	c->log_driver = r->log_driver;
	c->machined = r->machined;
	c->restart_policy = r->restart_policy_value;
	c->restart_max = r->restart_max;
	c->healthcheck = g_steal_pointer(&r->healthcheck);
	c->notify = r->notify_value;

	*log_is_ours = c->log_path == NULL || *c->log_path == '\0';
	c->log_owned = *log_is_ours;
	if (*log_is_ours) {
		/* <log_dir>/<id>.log, ocid_container_log_path() */
		g_clear_pointer(&c->log_path, g_free);
	} else if (!ocid_manager_check_log_path_free(manager, c->log_path, r->log_path_resolved,
						     error)) {
		return NULL;
	}
	if (c->stop_signal == NULL || *c->stop_signal == '\0') {
		/* NULL for SIGTERM, ocid_container_stop_signal() */
		g_free(c->stop_signal);
		c->stop_signal = ocid_spec_image_stop_signal(spec);
	}
	if (ocid_signal_from_string(ocid_container_stop_signal(c)) < 0) {
		ocid_error_set(
		    error, OCID_ERROR_INVALID_ARGUMENT,
		    "Stop signal '%s' is not a signal; use a name like SIGTERM or a number",
		    c->stop_signal);
		return NULL;
	}
	if (g_strcmp0(c->stop_signal, "SIGTERM") == 0)
		g_clear_pointer(&c->stop_signal, g_free);
	c->created_usec = (uint64_t)g_get_real_time();
	ocid_container_set_runtime_path(
	    c, ocid_manager_runtime_path_for(manager, c->privileged, c->trusted));
	if (!manager->cgroups->place(manager->cgroups, c, error))
		return NULL;
	if (!ocid_spec_apply(spec, c, r->seccomp, error))
		return NULL;
	ocid_spec_set_env(spec, r->env);
	ocid_notify_apply_spec(spec, c);
	if (c->confined)
		ocid_userns_apply(spec, r->id_map);
	return g_steal_pointer(&c);
}

gboolean
ocid_manager_create_check(OcidManager *manager, OcidCreateRequest *r, GError **error)
{
	if (r->id == NULL || *r->id == '\0') {
		g_free(r->id);
		r->id = ocid_id_generate();
	}
	if (!ocid_check_id(r->id, error))
		return FALSE;
	if (r->name == NULL || *r->name == '\0') {
		g_free(r->name);
		r->name = g_strdup(r->id);
	}
	if (!ocid_check_name(r->name, error) || !check_free_names(manager, r->id, r->name, error))
		return FALSE;
	if (!ocid_restart_policy_from_string(r->restart_policy, &r->restart_policy_value, error))
		return FALSE;
	if (r->healthcheck != NULL && !ocid_health_config_check(r->healthcheck, error))
		return FALSE;
	if (!ocid_notify_mode_from_string(r->notify_name, &r->notify_value, error))
		return FALSE;
	if (!manager->runtime_ready) {
		ocid_error_set(error, OCID_ERROR_RUNTIME_FAILED,
			       "The OCI runtime %s is not usable: %s; fix runtime_path in "
			       "ocid.conf and restart ocid",
			       manager->config->runtime_path, manager->runtime_problem);
		return FALSE;
	}
	return TRUE;
}

gboolean
ocid_manager_create(OcidManager *manager, OcidCreateRequest *request, OcidDoneFunc done,
		    gpointer user_data, GError **error)
{
	g_autoptr(OcidCreateRequest) r = request;
	g_autoptr(JsonNode) spec = NULL;
	OcidContainer *c;
	OcidCreateOp *op;
	gboolean log_is_ours = FALSE;

	g_return_val_if_fail(r->prepared, FALSE);
	/* Not the request's checks again, only what may have changed since: another create
	 * may have taken the name while the files were read and polkit was asked. */
	if (!check_free_names(manager, r->id, r->name, error))
		return FALSE;
	spec = g_steal_pointer(&r->spec);
	c = container_from_request(manager, r, spec, &log_is_ours, error);
	if (c == NULL)
		return FALSE;

	op = g_new0(OcidCreateOp, 1);
	op->spec = g_steal_pointer(&spec);
	op->done = done;
	op->user_data = user_data;
	op->log_is_ours = log_is_ours;
	op->start = r->start;
	op->step = CREATE_MAKING;
	c->create = op;
	ocid_store_add(manager->store, c);
	run(manager, c);
	return TRUE;
}

/* ---- failure and cleanup --------------------------------------------------------- */

/* The first failure is the create's; later ones are what its cancellation met. */
static void
record_failure(OcidContainer *c, const GError *error)
{
	OcidCreateOp *op = c->create;

	if (op->error != NULL)
		return;
	op->error = g_error_copy(error);
	ocid_log_container(c, G_LOG_LEVEL_WARNING, OCID_MESSAGE_FAILED,
			   "Creating container %s failed: %s", c->id, error->message);
}

static void
fail(OcidManager *manager, OcidContainer *c, const GError *error)
{
	OcidCreateOp *op = c->create;

	record_failure(c, error);
	/* The monitor leads its own process group, which holds the runtime too. Its pid
	 * is safe to use: it is our child and not reaped before the spawn is freed. */
	if (op->spawn != NULL)
		ocid_monitor_spawn_abort(op->spawn);
	advance(manager, c);
}

void
ocid_create_abort(OcidManager *manager, OcidContainer *c, const GError *error)
{
	fail(manager, c, error);
}

/* The teardown is done: nothing of the container is left but this record, which goes
 * once the caller has its answer. */
static void
on_undone(OcidContainer *c, GError *error, gpointer user_data)
{
	OcidCreateOp *op = g_steal_pointer(&c->create);

	op->done(NULL, op->error, op->user_data);
	/* Delete calls that cancelled it. */
	ocid_lifecycle_complete_waiters(c, NULL);
	op_free(op);
}

static void created(OcidManager *manager, OcidContainer *c, pid_t pid);

/* A restart's create undone: the container is stopped again, as it was. */
static void
on_again_undone(OcidContainer *c, GError *error, gpointer user_data)
{
	OcidCreateOp *op = g_steal_pointer(&c->create);

	op->done(c, error != NULL ? error : op->error, op->user_data);
	/* A Delete that cancelled it goes on now. */
	ocid_lifecycle_complete_waiters(c, NULL);
	op_free(op);
}

/* Once nothing is in flight any more: the container is created, or the one teardown
 * undoes what the create made. */
static void
advance(OcidManager *manager, OcidContainer *c)
{
	OcidCreateOp *op = c->create;

	if (op->step != CREATE_MAKING || op->waiting > 0)
		return;
	if (op->error == NULL) {
		created(manager, c, ocid_monitor_spawn_get_container_pid(op->spawn));
		return;
	}
	/* The monitor is gone (aborted), and the runtime's delete takes the container. */
	closep(&c->container_pidfd);
	op->step = CREATE_UNDOING;
	if (op->again)
		ocid_teardown_reset(manager, c, on_again_undone, NULL);
	else
		ocid_teardown_remove(manager, c, on_undone, NULL);
}

/* ---- the pipeline ---------------------------------------------------------------- */

/* A run in one call: the caller's reply comes from Start, with its error if it fails (the
 * container then stays, stopped, like one whose Start failed). */
static void
start_for_caller(OcidManager *manager, OcidContainer *c, OcidCreateOp *op)
{
	g_autoptr(GError) error = NULL;

	if (!ocid_manager_start(manager, c, op->done, op->user_data, &error))
		op->done(c, error, op->user_data);
}

static void
created(OcidManager *manager, OcidContainer *c, pid_t pid)
{
	OcidCreateOp *op = g_steal_pointer(&c->create);
	pid_t monitor_pid = ocid_monitor_spawn_get_pid(op->spawn);
	OcidProcessIdentity pid_identity, monitor_identity;

	c->monitor_pidfd = ocid_monitor_spawn_steal_pidfd(op->spawn);
	c->fifo_start = ocid_start_spec_allows_fifo(op->spec);
	c->no_poststop_hooks = !ocid_spec_has_hooks(op->spec, "poststop");
	pid_identity = ocid_process_identify(pid, c->container_pidfd);
	monitor_identity = ocid_process_identify(monitor_pid, c->monitor_pidfd);
	if (op->again)
		(void)ocid_state_recreated(c, (int32_t)pid, &pid_identity, (int32_t)monitor_pid,
					   &monitor_identity, NULL);
	else
		(void)ocid_state_created(c, (int32_t)pid, &pid_identity, (int32_t)monitor_pid,
					 &monitor_identity, NULL);
	ocid_supervise_watch_monitor(manager, c);
	/* Kept while the daemon is down too, so that no exit code is lost. */
	ocid_fd_store_add_pidfd(c->id, c->container_pidfd);
	ocid_log_container(c, G_LOG_LEVEL_MESSAGE, OCID_MESSAGE_CREATED,
			   "Created container %s (%s) from bundle %s, pid %d", c->id, c->name,
			   c->bundle_path, c->pid);
	if (op->start)
		start_for_caller(manager, c, op);
	else
		op->done(c, NULL, op->user_data);
	/* Delete calls that came too late to cancel: they go on as for any container. */
	op_free(op);
}

static void
on_monitor_ready(OcidMonitorSpawn *spawn, GError *error, gpointer user_data)
{
	g_autoptr(OcidContainerRef) ref = user_data;
	OcidContainer *c = ocid_container_ref_resolve(ref);
	g_autoptr(GError) local_error = NULL;
	pid_t pid = ocid_monitor_spawn_get_container_pid(spawn);

	/* The spawn belongs to the op, which outlives it: c is found. */
	g_return_if_fail(c != NULL && c->create != NULL);
	c->create->waiting--;
	if (error == NULL) {
		c->container_pidfd = sys_pidfd_open(pid);
		if (c->container_pidfd < 0 && c->container_pidfd != -ESRCH)
			local_error = g_error_new(OCID_ERROR, OCID_ERROR_FAILED,
						  "Cannot watch the container process %d: %s",
						  (int)pid, g_strerror(-c->container_pidfd));
	}
	if (error != NULL || local_error != NULL) {
		fail(ref->manager, c, error != NULL ? error : local_error);
		return;
	}
	advance(ref->manager, c);
}

static void
on_unit_attached(GError *error, gpointer user_data)
{
	g_autoptr(OcidContainerRef) ref = user_data;
	OcidContainer *c = ocid_container_ref_resolve(ref);

	if (c == NULL || c->create == NULL)
		return;
	c->create->waiting--;
	if (error != NULL) {
		fail(ref->manager, c, error);
		return;
	}
	/* The monitor may run the runtime now (systemd: the unit is there for its leaf). */
	if (c->create->error == NULL)
		ocid_monitor_spawn_go(c->create->spawn);
	advance(ref->manager, c);
}

/* A first create's dir, with its "creating" record, its spec and the record's exchange
 * partner (persist.c), is the monitor's to make (monitor/bundle.h) from what ocid writes
 * here, into a sealed memfd: so the main loop allocates none of those inodes. The record
 * goes first: a daemon killed from then on finds a "creating" record at restore, with what
 * it needs to take the rest down (teardown.h); one killed before finds no dir, or one
 * without a record (an interrupted create), and the monitor, seeing its daemon gone,
 * removes what it made. Returns the memfd, or -1 with @error. */
static int
bundle_files(OcidContainer *c, GError **error)
{
	g_autofree char *record = ocid_persist_to_json(c);
	gsize spec_len = 0;
	g_autofree char *spec = ocid_spec_to_data(c->create->spec, &spec_len);
	/* JSON text holds no NUL: the one after the record ends it. */
	struct iovec iov[] = { { record, strlen(record) + 1 }, { spec, spec_len } };
	_cleanup_close_ int fd = memfd_create("ocid-bundle", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int r = fd < 0 ? -errno : fd_writev_all(fd, iov, G_N_ELEMENTS(iov));

	if (r == 0 &&
	    fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		r = -errno;
	if (r < 0) {
		ocid_error_set(error, OCID_ERROR_FAILED,
			       "Cannot hand the files of container %s to its monitor: %s", c->id,
			       g_strerror(-r));
		return -1;
	}
	return steal_fd(&fd);
}

static gboolean
prepare_dirs(OcidManager *manager, OcidContainer *c, const char *dir, const char *log_path,
	     int *bundle_files_fd, char **attach_path, char **console_socket, GError **error)
{
	g_autofree char *attach_dir = g_build_filename(manager->config->run_dir, "attach", NULL);
	g_autofree char *log_dir = g_path_get_dirname(log_path);

	/* A restart's container has its dir, its record and its spec already. */
	if (!c->create->again && (*bundle_files_fd = bundle_files(c, error)) < 0)
		return FALSE;
	/* Its notify socket is bound in it before the monitor runs: then the dir is ours. */
	if (!c->create->again && c->notify == OCID_NOTIFY_CONTAINER && g_mkdir(dir, 0700) < 0) {
		g_propagate_error(error, ocid_monitor_bundle_error_new(dir, errno));
		return FALSE;
	}
	if (g_mkdir_with_parents(log_dir, 0700) < 0)
		return ocid_error_set(error, OCID_ERROR_FAILED, "Cannot create %s: %s", log_dir,
				      g_strerror(errno));
	/* Before the runtime: the container may speak as soon as it runs. */
	if (!ocid_notify_listen(c, error))
		return FALSE;
	/* Every container has an attach socket, for its output (Attach) if not for stdin;
	 * one without stdin or a terminal goes without when the path is too long. */
	*attach_path = g_build_filename(attach_dir, c->id, NULL);
	*console_socket = g_strconcat(*attach_path, ".console", NULL);
	/* A unix socket path has room for 107 bytes. */
	if (strlen(*console_socket) > 107 && !c->terminal && !c->stdin_open) {
		g_clear_pointer(attach_path, g_free);
		g_clear_pointer(console_socket, g_free);
		return TRUE;
	}
	if (strlen(*console_socket) > 107)
		return ocid_error_set(error, OCID_ERROR_INVALID_ARGUMENT,
				      "The attach socket %s would be too long for a unix socket; "
				      "use a shorter id or run_dir for containers with terminal or "
				      "stdin",
				      *attach_path);
	if (g_mkdir_with_parents(attach_dir, 0700) < 0)
		return ocid_error_set(error, OCID_ERROR_FAILED, "Cannot create %s: %s", attach_dir,
				      g_strerror(errno));
	return TRUE;
}

static gboolean
spawn_monitor(OcidManager *manager, OcidContainer *c, GError **error)
{
	OcidCreateOp *op = c->create;
	g_autofree char *attach_path = NULL;
	g_autofree char *console_socket = NULL;
	g_autofree char *pid_file = NULL;
	g_autofree char *exit_file = NULL;
	_cleanup_close_ int bundle_files_fd = -1;
	g_autofree char *dir = ocid_container_dir(c);
	g_autofree char *log_path = ocid_container_log_path(c);
	MonitorArgs args;
	gboolean wait_for_go;

	if (!prepare_dirs(manager, c, dir, log_path, &bundle_files_fd, &attach_path,
			  &console_socket, error))
		return FALSE;
	pid_file = g_build_filename(dir, "container.pid", NULL);
	exit_file = ocid_manager_exit_file_path(manager, c);
	(void)g_unlink(exit_file);
	ocid_manager_monitor_args(manager, c, &args);
	args.bundle = dir;
	args.bundle_files_fd = bundle_files_fd;
	args.bundle_made = bundle_files_fd >= 0 && c->notify == OCID_NOTIFY_CONTAINER;
	args.pid_file = pid_file;
	args.log_path = log_path;
	args.journald = c->log_driver == OCID_LOG_DRIVER_JOURNALD;
	args.name = c->name;
	args.exit_file = exit_file;
	args.log_size_max = manager->config->log_size_max;
	args.no_pivot = manager->config->no_pivot;
	args.terminal = c->terminal;
	args.stdin_open = c->stdin_open;
	args.stdin_once = c->stdin_once;
	args.attach_path = attach_path;
	args.console_socket = c->terminal ? console_socket : NULL;
	/* With cgroupfs the monitor makes the group place chose, and moves itself there while
	 * the runtime starts; what it makes, even half, is the teardown's to remove if the
	 * create fails. The runtime moves the container's init out of the daemon's cgroup
	 * before the init runs anything of the container's. */
	if (manager->cgroups->monitor_makes_group)
		args.cgroup_group = c->control_group;
	/* Under systemd the monitor waits until it sits in the container's own unit, which
	 * the runtime's leaf goes in. */
	wait_for_go = manager->cgroups->attach != NULL;
	op->spawn = ocid_monitor_spawn(manager->config, &args, wait_for_go,
				       manager->config->create_timeout_sec, on_monitor_ready,
				       ocid_container_ref_new(manager, c, NULL, NULL), error);
	if (op->spawn == NULL)
		return FALSE;
	op->waiting++;
	return TRUE;
}

/* The monitor, the unit, the runtime. */
static void
run(OcidManager *manager, OcidContainer *c)
{
	OcidCreateOp *op = c->create;
	g_autoptr(GError) error = NULL;

	if (!spawn_monitor(manager, c, &error)) {
		fail(manager, c, error);
		return;
	}
	if (manager->cgroups->attach != NULL) {
		op->waiting++;
		manager->cgroups->attach(manager->cgroups, c, ocid_monitor_spawn_get_pid(op->spawn),
					 op->spec, on_unit_attached,
					 ocid_container_ref_new(manager, c, NULL, NULL));
	}
}

void
ocid_create_again(OcidManager *manager, OcidContainer *c, OcidDoneFunc done, gpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = ocid_container_dir(c);
	OcidCreateOp *op = g_new0(OcidCreateOp, 1);

	op->done = done;
	op->user_data = user_data;
	op->start = TRUE;
	op->again = TRUE;
	op->step = CREATE_MAKING;
	c->create = op;
	/* The effective spec ocid wrote at the first create, which the runtime reads again
	 * from the same dir: the caller's bundle is not read a second time. */
	op->spec = ocid_spec_load_bundle(dir, &error);
	if (op->spec == NULL) {
		fail(manager, c, error);
		return;
	}
	run(manager, c);
}

void
ocid_create_cancel_again(OcidManager *manager, OcidContainer *c)
{
	g_autoptr(GError) error = g_error_new(OCID_ERROR, OCID_ERROR_FAILED,
					      "The restart of container %s was cancelled by a "
					      "caller's Stop, Kill or Delete",
					      c->id);

	if (c->create != NULL && c->create->again)
		fail(manager, c, error);
}

static gboolean
creates_in_flight(OcidManager *manager)
{
	g_autoptr(GPtrArray) all = ocid_store_list_all(manager->store);

	for (guint i = 0; i < all->len; i++)
		if (((OcidContainer *)all->pdata[i])->create != NULL)
			return TRUE;
	return FALSE;
}

static gboolean
on_shutdown_deadline(gpointer user_data)
{
	gboolean *expired = user_data;

	*expired = TRUE;
	return G_SOURCE_REMOVE;
}

void
ocid_create_cancel_all(OcidManager *manager)
{
	g_autoptr(GError) error =
	    g_error_new_literal(OCID_ERROR, OCID_ERROR_FAILED,
				"ocid is shutting down; the container was not created. Create it "
				"again once ocid is back");
	g_autoptr(GPtrArray) all = ocid_store_list_all(manager->store);
	gboolean expired = FALSE;
	guint deadline;

	/* Cancelling one never frees another, so the list stays valid. */
	for (guint i = 0; i < all->len; i++) {
		OcidContainer *c = all->pdata[i];
		if (c->create != NULL)
			fail(manager, c, error);
	}
	/* The same undoing as for any failure, given a bounded time to finish; the timer
	 * wakes the loop even if nothing else does. */
	deadline = g_timeout_add_seconds(10, on_shutdown_deadline, &expired);
	while (!expired && creates_in_flight(manager))
		g_main_context_iteration(NULL, TRUE);
	if (!expired)
		g_source_remove(deadline);
}
