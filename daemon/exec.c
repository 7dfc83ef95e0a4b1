/* ExecSync: a monitor in exec mode runs `<runtime> exec`, enforces the timeout, and leaves
 * the output in files (outputs of many MiB do not fit a pipe's round trip), at most
 * OCID_EXEC_OUTPUT_MAX bytes and one more per stream; this module starts it and turns its
 * answer and files into an OcidExecResult. */
#define G_LOG_DOMAIN "ocid"

#include "cleanup.h"
#include "errors.h"
#include "input-limits.h"
#include "manager-private.h"
#include "monitor-spawn.h"

#include "common/monitor-protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
	OcidMonitorSpawn *spawn;
	OcidContainerRef *ref; /* the container, whose execs list holds this call */
	char *dir;
	OcidExecDoneFunc done;
	gpointer user_data;
	GError *placement_error; /* the monitor could not join the container's supervisor */
	GError *cancelled;       /* a Delete ended it */
	OcidExecResult result;
} ExecCall;

G_STATIC_ASSERT(OCID_EXEC_OUTPUT_MAX == MONITOR_EXEC_OUTPUT_MAX);

/* The first OCID_EXEC_OUTPUT_MAX bytes of an output file the exec monitor wrote (it keeps
 * one more when the stream was longer: then *@truncated). The file is in our own exec dir,
 * made 0700 for this call, so only the monitor wrote it. */
static GBytes *
read_output(const char *dir, const char *name, gboolean *truncated)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	g_autofree char *data = NULL;
	struct stat st;
	gsize want, len = 0;

	*truncated = FALSE;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return g_bytes_new(NULL, 0);
	/* The monitor has ended: the size is final. */
	*truncated = st.st_size > OCID_EXEC_OUTPUT_MAX;
	want = MIN((gsize)st.st_size, OCID_EXEC_OUTPUT_MAX);
	data = g_malloc(MAX(want, 1));
	while (len < want) {
		ssize_t n = read(fd, data + len, want - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (gsize)n;
	}
	return g_bytes_new_take(g_steal_pointer(&data), len);
}

static void
remove_exec_dir(const char *dir)
{
	g_autofree char *out = g_build_filename(dir, "stdout", NULL);
	g_autofree char *err = g_build_filename(dir, "stderr", NULL);
	g_autofree char *pid = g_build_filename(dir, "pid", NULL);

	(void)g_unlink(out);
	(void)g_unlink(err);
	(void)g_unlink(pid);
	(void)g_rmdir(dir);
}

/* The call is answered: it is no longer the container's. */
static void
detach(ExecCall *call)
{
	OcidContainer *c = ocid_container_ref_resolve(call->ref);

	if (c != NULL && c->execs != NULL)
		g_ptr_array_remove_fast(c->execs, call);
	g_clear_pointer(&call->ref, ocid_container_ref_free);
}

static void
exec_call_free(ExecCall *call)
{
	if (call->ref != NULL)
		detach(call);
	g_clear_error(&call->cancelled);
	g_clear_pointer(&call->result.stdout_data, g_bytes_unref);
	g_clear_pointer(&call->result.stderr_data, g_bytes_unref);
	g_clear_error(&call->placement_error);
	g_free(call->dir);
	g_free(call);
}

/* Up to 16 MiB of files: read in a worker thread, so the main loop keeps answering. */
static void
read_outputs_in_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancel)
{
	ExecCall *call = task_data;

	call->result.stdout_data = read_output(call->dir, "stdout", &call->result.stdout_truncated);
	call->result.stderr_data = read_output(call->dir, "stderr", &call->result.stderr_truncated);
	remove_exec_dir(call->dir);
	g_task_return_boolean(task, TRUE);
}

static void
on_outputs_read(GObject *source, GAsyncResult *res, gpointer user_data)
{
	ExecCall *call = user_data;

	call->done(&call->result, NULL, call->user_data);
	exec_call_free(call);
}

static void
on_exec_answer(OcidMonitorSpawn *spawn, GError *error, gpointer user_data)
{
	ExecCall *call = user_data;
	gboolean timed_out = FALSE;

	/* Freed from an idle: this runs inside the spawn's own callback. */
	g_idle_add_once((GSourceOnceFunc)ocid_monitor_spawn_free, call->spawn);
	detach(call);
	if (call->cancelled != NULL) {
		call->done(NULL, call->cancelled, call->user_data);
	} else if (call->placement_error == NULL && error == NULL &&
		   ocid_monitor_spawn_get_exec_result(spawn, &call->result.exit_code, &timed_out)) {
		g_autoptr(GTask) task = g_task_new(NULL, NULL, on_outputs_read, call);

		call->result.timed_out = timed_out;
		g_task_set_task_data(task, call, NULL);
		g_task_run_in_thread(task, read_outputs_in_thread);
		return;
	} else if (call->placement_error != NULL) {
		call->done(NULL, call->placement_error, call->user_data);
	} else if (error != NULL) {
		call->done(NULL, error, call->user_data);
	} else {
		g_autoptr(GError) bad =
		    g_error_new_literal(OCID_ERROR, OCID_ERROR_RUNTIME_FAILED,
					"The exec monitor gave no exit code; check that "
					"monitor_path matches this ocid");
		call->done(NULL, bad, call->user_data);
	}
	remove_exec_dir(call->dir);
	exec_call_free(call);
}

gboolean
ocid_manager_exec_sync(OcidManager *manager, OcidContainer *c, const char *const *argv,
		       guint64 timeout_sec, OcidExecDoneFunc done, gpointer user_data,
		       GError **error)
{
	g_autofree char *exec_root = g_build_filename(manager->config->run_dir, "exec", NULL);
	g_autofree char *dir = NULL;
	g_autofree char *pid_file = NULL;
	MonitorArgs args;
	ExecCall *call;

	if (!ocid_check_exec_argv(argv, error) ||
	    !ocid_check_timeout(timeout_sec, "ExecSync's timeout_sec", error))
		return FALSE;
	if (c->state != OCID_STATE_RUNNING || c->removing) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_STATE,
			    "Container %s is %s; commands run only in a running container", c->id,
			    ocid_container_state_to_string(c->state));
		return FALSE;
	}
	if (g_mkdir_with_parents(exec_root, 0700) < 0) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_FAILED, "Cannot create %s: %s", exec_root,
			    g_strerror(errno));
		return FALSE;
	}
	dir = g_strdup_printf("%s/%s-XXXXXX", exec_root, c->id);
	if (g_mkdtemp_full(dir, 0700) == NULL) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_FAILED, "Cannot create %s: %s", dir,
			    g_strerror(errno));
		return FALSE;
	}
	pid_file = g_build_filename(dir, "pid", NULL);
	ocid_manager_monitor_args(manager, c, &args);
	args.pid_file = pid_file;
	args.exec_argv = argv;
	args.exec_dir = dir;
	/* At most OCID_TIMEOUT_MAX_SEC, checked above. */
	args.exec_timeout_sec = (int64_t)timeout_sec;

	call = g_new0(ExecCall, 1);
	call->ref = ocid_container_ref_new(manager, c, NULL, NULL);
	call->done = done;
	call->user_data = user_data;
	call->dir = g_steal_pointer(&dir);
	/* It runs the runtime only once it has left the daemon's cgroup for the container's
	 * supervisor leaf (the go), so that a restart of ocid.service (KillMode=mixed) spares
	 * it. */
	call->spawn =
	    ocid_monitor_spawn(manager->config, &args, TRUE, 0, on_exec_answer, call, error);
	if (call->spawn == NULL) {
		remove_exec_dir(call->dir);
		exec_call_free(call);
		return FALSE;
	}
	g_ptr_array_add(ocid_ptr_array_ensure(&c->execs, NULL), call);
	if (!ocid_cgroup_enter_supervisor(c, ocid_monitor_spawn_get_pid(call->spawn),
					  &call->placement_error)) {
		/* Its answer, an error now, reports the placement's. */
		ocid_monitor_spawn_abort(call->spawn);
		return TRUE;
	}
	ocid_monitor_spawn_go(call->spawn);
	return TRUE;
}

void
ocid_exec_cancel_all(OcidContainer *c)
{
	for (guint i = 0; c->execs != NULL && i < c->execs->len; i++) {
		ExecCall *call = c->execs->pdata[i];

		if (call->cancelled != NULL)
			continue;
		call->cancelled =
		    g_error_new(OCID_ERROR, OCID_ERROR_NO_SUCH_CONTAINER,
				"Container %s was deleted while the command ran", c->id);
		/* Its runtime's exec and what waits for it; the command itself dies with the
		 * container. The answer comes back as the monitor's death. */
		ocid_monitor_spawn_abort(call->spawn);
	}
}
