/* Supervision of created containers: their monitor's and their own pidfds in the main
 * loop, the exit file each monitor leaves, and at start the restore of every container
 * from disk, reconciled with what is still alive. Every exit goes through
 * ocid_state_exited(). */
#define G_LOG_DOMAIN "ocid"

#include "manager-private.h"

#include "cleanup.h"
#include "errors.h"
#include "fd-store.h"
#include "fd-watch.h"
#include "health.h"
#include "notify.h"
#include "ids.h"
#include "log.h"
#include "monitor-spawn.h"
#include "persist.h"
#include "process.h"
#include "reaper.h"
#include "restart.h"
#include "restore-load.h"
#include "state-machine.h"
#include "teardown.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <sys/inotify.h>
#include <signal.h>

static gboolean
read_exit_file(OcidManager *manager, OcidContainer *c, int *exit_code, gboolean *oom_killed)
{
	g_autofree char *path = ocid_manager_exit_file_path(manager, c);

	return ocid_monitor_read_exit_file(path, exit_code, oom_killed);
}

static gboolean
pidfd_has_exited(int pidfd)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0;
}

/* What ExitCode says when nobody could tell the real one (docs/state-machine.md); Error
 * then says why. */
#define EXIT_CODE_UNKNOWN 255

void
ocid_supervise_unwatch(OcidContainer *c)
{
	g_clear_handle_id(&c->monitor_watch, ocid_fd_watch_remove);
	g_clear_handle_id(&c->container_watch, ocid_fd_watch_remove);
	g_clear_handle_id(&c->stop_timer, g_source_remove);
	/* A monitor still running (it has written the exit file and is on its way out) is
	 * the daemon's child to reap. */
	if (c->monitor_pidfd >= 0)
		ocid_reap_in_background(steal_fd(&c->monitor_pidfd));
	if (c->container_pidfd >= 0)
		ocid_fd_store_remove_pidfd(c->id);
	closep(&c->container_pidfd);
}

static void
container_exited(OcidContainer *c, int exit_code, gboolean oom_killed, const char *message)
{
	gboolean reported;

	/* The kernel's OOM killer leaves SIGKILL's 137 and a count in the memory cgroup,
	 * which stays until the runtime deletes the container. */
	if (!oom_killed && exit_code == 128 + SIGKILL)
		oom_killed = ocid_cgroup_oom_killed(c);
	reported = ocid_state_exited(c, exit_code, oom_killed, message, NULL);
	ocid_health_end(c);
	/* Before the unwatch, which lets the monitor go: the teardown waits for it. */
	if (reported) {
		ocid_teardown_exited(c->manager, c);
		ocid_restart_on_exit(c->manager, c);
	}
	/* Only now that the exit is on disk may the pidfd leave the fd store. */
	ocid_supervise_unwatch(c);
	if (!reported)
		return; /* already reported */
	ocid_log_container(c, G_LOG_LEVEL_MESSAGE, OCID_MESSAGE_EXITED,
			   "Container %s (%s) exited with code %d%s%s%s", c->id, c->name, exit_code,
			   oom_killed ? ", killed for running out of memory" : "",
			   message != NULL ? ": " : "", message != NULL ? message : "");
	ocid_lifecycle_complete_waiters(c, NULL);
}

static gboolean on_container_pidfd(int fd, GIOCondition condition, gpointer user_data);

/* The container has exited and no monitor reported it: its own pidfd says how. It is the
 * daemon's child if its monitor died while the daemon ran (the daemon is a subreaper), so
 * it is reaped here; otherwise its parent reaps it and the kernel keeps the status for
 * every pidfd holder (PIDFD_INFO_EXIT, Linux 6.15+), announced by POLLHUP. */
static void
settle_from_pidfd(OcidContainer *c)
{
	int exit_code = 0;
	int r = ocid_pidfd_reap(c->container_pidfd, &exit_code);

	if (r != 1)
		r = ocid_pidfd_exit_status(c->container_pidfd, &exit_code);
	if (r == 1) {
		container_exited(c, exit_code, FALSE, NULL);
	} else if (r == 0) {
		/* Dead, not yet reaped by its parent: the status comes with the reaping. */
		c->container_watch =
		    ocid_fd_watch_add(c->container_pidfd, G_IO_HUP, on_container_pidfd, c);
	} else {
		container_exited(c, EXIT_CODE_UNKNOWN, FALSE,
				 "The container exited after its monitor was lost, and this "
				 "kernel keeps no exit status for a process that is not ocid's "
				 "child (PIDFD_INFO_EXIT needs Linux 6.15); its exit code is "
				 "unknown");
	}
}

static gboolean
on_container_pidfd(int fd, GIOCondition condition, gpointer user_data)
{
	OcidContainer *c = user_data;
	OcidManager *manager = c->manager;
	int exit_code = 0;
	gboolean oom = FALSE;

	c->container_watch = 0;
	/* A monitor may have written the file after all (it died after writing). */
	if (read_exit_file(manager, c, &exit_code, &oom))
		container_exited(c, exit_code, oom, NULL);
	else
		settle_from_pidfd(c);
	return G_SOURCE_REMOVE;
}

static void
watch_container_directly(OcidContainer *c)
{
	if (c->container_pidfd < 0)
		c->container_pidfd = ocid_pidfd_open_verified(c->pid, &c->pid_identity);
	if (c->container_pidfd < 0)
		return;
	c->container_watch = ocid_fd_watch_add(c->container_pidfd, G_IO_IN, on_container_pidfd, c);
}

/* The monitor is gone: normally it wrote the exit file first. */
static void
monitor_gone(OcidManager *manager, OcidContainer *c)
{
	int exit_code = 0;
	gboolean oom = FALSE;

	if (read_exit_file(manager, c, &exit_code, &oom)) {
		container_exited(c, exit_code, oom, NULL);
		return;
	}
	if (c->container_pidfd < 0)
		c->container_pidfd = ocid_pidfd_open_verified(c->pid, &c->pid_identity);
	if (c->container_pidfd >= 0 && !pidfd_has_exited(c->container_pidfd)) {
		ocid_log_container(c, G_LOG_LEVEL_WARNING, OCID_MESSAGE_FAILED,
				   "The monitor of container %s is gone while the container "
				   "runs; ocid watches the container directly, its output is no "
				   "longer logged",
				   c->id);
		watch_container_directly(c);
		return;
	}
	if (c->container_pidfd >= 0) {
		settle_from_pidfd(c);
		return;
	}
	container_exited(c, EXIT_CODE_UNKNOWN, FALSE,
			 "The container and its monitor exited without leaving an exit code, "
			 "and no pidfd of the container was held to read it from");
}

static gboolean
on_monitor_pidfd(int fd, GIOCondition condition, gpointer user_data)
{
	OcidContainer *c = user_data;
	int monitor_status = 0;

	c->monitor_watch = 0;
	(void)ocid_pidfd_reap(fd, &monitor_status);
	closep(&c->monitor_pidfd);
	monitor_gone(c->manager, c);
	/* After monitor_gone: a container still running is watched by now, not adopted. */
	ocid_reaper_adopt_orphans();
	return G_SOURCE_REMOVE;
}

void
ocid_supervise_watch_monitor(OcidManager *manager, OcidContainer *c)
{
	/* The source is the container's own (removed by ocid_supervise_unwatch before the
	 * container is freed), so it may point at it. */
	c->monitor_watch = ocid_fd_watch_add(c->monitor_pidfd, G_IO_IN, on_monitor_pidfd, c);
}

static void
exit_file_arrived(OcidManager *manager, const char *name)
{
	OcidContainer *c = ocid_store_get(manager->store, name);
	int exit_code = 0;
	gboolean oom = FALSE;

	/* A create in flight (not alive yet) reads its own monitor's fate; a container
	 * already stopped was told by its pidfd first. */
	if (c == NULL || !ocid_container_is_alive(c))
		return;
	if (read_exit_file(manager, c, &exit_code, &oom))
		container_exited(c, exit_code, oom, NULL);
}

static gboolean
on_exits_dir(int fd, GIOCondition condition, gpointer user_data)
{
	OcidManager *manager = user_data;
	/* inotify(7): a buffer aligned for struct inotify_event. */
	char buffer[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		ssize_t n = read(fd, buffer, sizeof buffer);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EAGAIN: all read */
		for (char *p = buffer; p < buffer + n;) {
			const struct inotify_event *event = (const struct inotify_event *)p;

			p += sizeof *event + event->len;
			/* On an overflow the pidfds still tell every exit, a little later. */
			if (event->len > 0 && (event->mask & IN_MOVED_TO))
				exit_file_arrived(manager, event->name);
		}
	}
	return G_SOURCE_CONTINUE;
}

void
ocid_supervise_watch_exits(OcidManager *manager)
{
	_cleanup_close_ int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd < 0 || inotify_add_watch(fd, manager->exits_dir, IN_MOVED_TO | IN_ONLYDIR) < 0) {
		g_warning("Cannot watch %s (%s); exits are told once their monitor is gone, "
			  "a little later",
			  manager->exits_dir, g_strerror(errno));
		return;
	}
	manager->exits_inotify_fd = steal_fd(&fd);
	manager->exits_watch =
	    g_unix_fd_add(manager->exits_inotify_fd, G_IO_IN, on_exits_dir, manager);
}

void
ocid_supervise_unwatch_exits(OcidManager *manager)
{
	g_clear_handle_id(&manager->exits_watch, g_source_remove);
	closep(&manager->exits_inotify_fd);
}

gboolean
ocid_manager_update_status(OcidManager *manager, OcidContainer *c, GError **error)
{
	int exit_code = 0;
	gboolean oom = FALSE;

	if (!ocid_container_is_alive(c))
		return TRUE;
	if (read_exit_file(manager, c, &exit_code, &oom)) {
		container_exited(c, exit_code, oom, NULL);
		return TRUE;
	}
	if (c->monitor_pidfd < 0 && c->container_pidfd >= 0 && pidfd_has_exited(c->container_pidfd))
		monitor_gone(manager, c);
	return TRUE;
}

/* What the runtime says of a container whose monitor is gone. */
static char *
runtime_status(OcidManager *manager, OcidContainer *c)
{
	OcidRuntime runtime = ocid_manager_runtime_for(manager, c);
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

/* @stored: the pidfds from the service's fd store, by id; this container's is taken.
 * @exits: the names in the exits dir when the restore began. A file written since is
 * found all the same: its monitor is then alive when reconcile opens its pidfd, or gone,
 * and monitor_gone() reads the file. */
static void
reconcile(OcidManager *manager, OcidContainer *c, GHashTable *stored, GHashTable *exits)
{
	int exit_code = 0;
	gboolean oom = FALSE;
	gpointer stored_id = NULL, stored_fd = NULL;

	/* Opened by the load (restore-load.h), unless the fd store had one. */
	gboolean opened = c->container_pidfd >= 0;

	/* Stolen, key and all: a steal frees neither. */
	if (g_hash_table_steal_extended(stored, c->id, &stored_id, &stored_fd)) {
		closep(&c->container_pidfd);
		c->container_pidfd = GPOINTER_TO_INT(stored_fd);
		opened = FALSE;
		g_free(stored_id);
	}
	if (!ocid_container_is_alive(c)) {
		ocid_supervise_unwatch(c);
		return;
	}
	if (g_hash_table_contains(exits, c->id) && read_exit_file(manager, c, &exit_code, &oom)) {
		/* The exit is told: the pidfds the load opened are not needed. */
		closep(&c->monitor_pidfd);
		if (opened)
			closep(&c->container_pidfd);
		container_exited(c, exit_code, oom, NULL);
		return;
	}
	/* The load tried already; what it could not open (a monitor gone) is tried once more,
	 * which costs little where it is rare. */
	if (c->monitor_pidfd < 0)
		c->monitor_pidfd = ocid_pidfd_open_verified(c->monitor_pid, &c->monitor_identity);
	/* The stored pidfd pins the very process, even dead and reaped; a pid may not. */
	if (c->container_pidfd < 0) {
		c->container_pidfd = ocid_pidfd_open_verified(c->pid, &c->pid_identity);
		opened = TRUE;
	}
	if (opened)
		ocid_fd_store_add_pidfd(c->id, c->container_pidfd);
	if (c->monitor_pidfd >= 0) {
		ocid_supervise_watch_monitor(manager, c);
		return;
	}
	if (c->container_pidfd >= 0) {
		g_autofree char *status = runtime_status(manager, c);
		if (g_strcmp0(status, "paused") == 0)
			(void)ocid_state_paused(c, NULL);
		monitor_gone(manager, c);
		return;
	}
	container_exited(c, EXIT_CODE_UNKNOWN, FALSE,
			 "The container exited while ocid was down and no monitor recorded its "
			 "exit code; nothing held its pidfd either (that needs ocid.service's "
			 "file descriptor store), so its exit code is unknown");
}

/* A dir without state.json is a create that ocid did not live to persist: only its dir
 * was made. */
static OcidContainer *
interrupted_create(OcidManager *manager, const char *id)
{
	OcidContainer *c = ocid_container_new(id, id);

	/* Its dir is <containers_dir>/<id>, as its manager derives it. */
	c->no_record = TRUE;
	ocid_container_set_runtime_path(c, manager->config->runtime_path);
	c->log_owned = FALSE;
	return c;
}

static void
take_down(OcidManager *manager, OcidContainer *c)
{
	g_message("Taking down container %s, whose %s ocid did not live to finish", c->id,
		  c->state == OCID_STATE_CREATING ? "create" : "Delete");
	ocid_teardown_remove(manager, c, NULL, NULL);
}

/* One getdents for all the containers instead of one failed open of an exit file each:
 * most containers have none at a restart. */
static GHashTable *
list_exit_files(OcidManager *manager)
{
	GHashTable *names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GDir) dir = g_dir_open(manager->exits_dir, 0, NULL);
	const char *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL)
		g_hash_table_add(names, g_strdup(name));
	return names;
}

void
ocid_supervise_restore_begin(OcidManager *manager)
{
	g_autoptr(GHashTable) stored_ids =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTableIter iter;
	gpointer id;

	manager->stored_pidfds = ocid_fd_store_take_pidfds();
	/* The load's own set of the ids: reconcile takes from stored_pidfds meanwhile, key
	 * and all, so these are copies. */
	g_hash_table_iter_init(&iter, manager->stored_pidfds);
	while (g_hash_table_iter_next(&iter, &id, NULL))
		g_hash_table_add(stored_ids, g_strdup(id));
	manager->restore_load = ocid_restore_load_start(manager->containers_dir,
							!manager->first_since_boot, stored_ids);
}

void
ocid_supervise_restore_end(OcidManager *manager)
{
	GHashTableIter iter;
	gpointer fd;

	g_clear_pointer(&manager->restore_load, ocid_restore_load_free);
	if (manager->stored_pidfds == NULL)
		return;
	/* Ours are closed; the service manager keeps its own for the next start. */
	g_hash_table_iter_init(&iter, manager->stored_pidfds);
	while (g_hash_table_iter_next(&iter, NULL, &fd))
		close(GPOINTER_TO_INT(fd));
	g_clear_pointer(&manager->stored_pidfds, g_hash_table_unref);
}

void
ocid_manager_restore(OcidManager *manager)
{
	GHashTable *stored = manager->stored_pidfds;
	OcidRestoreLoad *load = manager->restore_load;
	g_autoptr(GHashTable) exits = NULL;
	OcidRestoreRecord *record;
	GHashTableIter iter;
	gpointer id;
	guint restored = 0;
	g_autoptr(GPtrArray) interrupted = g_ptr_array_new();

	g_return_if_fail(load != NULL);

	/* The watch first: an exit file written from now on is seen by one or the other. A
	 * pidfd the load opened before the listing is as good as one opened after it: its
	 * monitor was alive then, and its exit is told by the pidfd or by a file listed now. */
	ocid_supervise_watch_exits(manager);
	exits = list_exit_files(manager);
	while ((record = ocid_restore_load_next(load)) != NULL) {
		const char *name = record->name;
		g_autoptr(OcidContainer) c = g_steal_pointer(&record->container);

		if (c == NULL && g_error_matches(record->error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			c = interrupted_create(manager, name);
		if (c == NULL) {
			g_warning("Skipping container in %s/%s: %s. Fix or remove the file",
				  manager->containers_dir, name, record->error->message);
			continue;
		}
		if (!g_str_equal(c->id, name) || ocid_store_get(manager->store, c->id) != NULL ||
		    ocid_store_get_by_name(manager->store, c->name) != NULL) {
			g_warning("Skipping %s/%s/state.json: its id or name clashes with another "
				  "container",
				  manager->containers_dir, name);
			continue;
		}
		ocid_manager_adopt(manager, c);
		ocid_store_add(manager->store, c);
		/* A create or a Delete interrupted by a crash: nothing of it is announced, and
		 * the teardown begins once every container is known. */
		if (c->state == OCID_STATE_CREATING || c->removing) {
			g_ptr_array_add(interrupted, g_steal_pointer(&c));
			continue;
		}
		if (manager->first_since_boot && ocid_container_is_alive(c))
			container_exited(c, EXIT_CODE_UNKNOWN, FALSE,
					 "The host restarted (ocid's run_dir is new) while the "
					 "container ran; its exit code is unknown");
		else
			reconcile(manager, c, stored, exits);
		/* A restart that the last daemon did not live to make, or one the boot asks
		 * for. */
		if (manager->first_since_boot)
			ocid_restart_at_boot(manager, c);
		ocid_restart_resume(manager, c);
		/* Its checks go on, from `starting` again. */
		ocid_health_begin(manager, c);
		/* The last daemon's socket went with it: the container finds a new one at the
		 * same place, which its bind mount shows. */
		if (ocid_container_is_alive(c)) {
			g_autoptr(GError) notify_error = NULL;

			if (!ocid_notify_listen(c, &notify_error))
				g_warning("Container %s: %s; its readiness is not heard until it "
					  "is created again",
					  c->id, notify_error->message);
		}
		/* Formatted only where it is kept: the default writer drops info unless
		 * G_MESSAGES_DEBUG asks for it, and this line comes once per container. */
		if (!g_log_writer_default_would_drop(G_LOG_LEVEL_INFO, G_LOG_DOMAIN))
			ocid_log_container(c, G_LOG_LEVEL_INFO, OCID_MESSAGE_RESTORED,
					   "Restored container %s (%s), %s", c->id, c->name,
					   ocid_container_state_to_string(c->state));
		g_steal_pointer(&c);
		restored++;
	}
	if (restored > 0)
		g_message("Restored %u containers from %s", restored, manager->containers_dir);
	for (guint i = 0; i < interrupted->len; i++)
		take_down(manager, interrupted->pdata[i]);
	/* Pidfds of containers that are no more. */
	g_hash_table_iter_init(&iter, stored);
	while (g_hash_table_iter_next(&iter, &id, NULL))
		ocid_fd_store_remove_pidfd(id);
	ocid_supervise_restore_end(manager);
}
