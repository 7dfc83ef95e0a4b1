#include "runtime.h"

#include "errors.h"

#include <string.h>

typedef struct {
	OcidRuntimeDoneFunc done;
	gpointer user_data;
	char *what;
} RuntimeCall;

static GPtrArray *
build_argv(const OcidRuntime *runtime, const char *const *args)
{
	GPtrArray *argv = g_ptr_array_new();

	g_ptr_array_add(argv, (char *)runtime->path);
	g_ptr_array_add(argv, (gpointer) "--root");
	g_ptr_array_add(argv, runtime->root);
	if (runtime->systemd_cgroup)
		g_ptr_array_add(argv, (gpointer) "--systemd-cgroup");
	for (int i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	return argv;
}

/* The runtime gets the daemon's environment but for NOTIFY_SOCKET: runc would take it as a
 * request to proxy sd_notify for the container, and fail with a socket it cannot bind. */
static GSubprocess *
spawn_runtime(const char *const *argv, GSubprocessFlags flags, GError **error)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(flags);

	g_subprocess_launcher_unsetenv(launcher, "NOTIFY_SOCKET");
	return g_subprocess_launcher_spawnv(launcher, argv, error);
}

static GError *
runtime_failure(GSubprocess *process, const char *what, const char *stderr_text)
{
	g_autofree char *trimmed = g_strstrip(g_strdup(stderr_text != NULL ? stderr_text : ""));
	int status = g_subprocess_get_if_exited(process) ? g_subprocess_get_exit_status(process)
							 : 128 + g_subprocess_get_term_sig(process);

	return g_error_new(OCID_ERROR, OCID_ERROR_RUNTIME_FAILED,
			   "The OCI runtime failed to %s (status %d): %s", what, status,
			   *trimmed != '\0' ? trimmed : "no message");
}

static void
on_communicated(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GSubprocess *process = G_SUBPROCESS(source);
	RuntimeCall *call = user_data;
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	g_autoptr(GError) error = NULL;

	if (!g_subprocess_communicate_utf8_finish(process, result, &out, &err, &error))
		call->done(NULL, error, call->user_data);
	else if (!g_subprocess_get_successful(process)) {
		g_autoptr(GError) failure = runtime_failure(process, call->what, err);
		call->done(NULL, failure, call->user_data);
	} else
		call->done(out, NULL, call->user_data);
	g_object_unref(process);
	g_free(call->what);
	g_free(call);
}

void
ocid_runtime_run_async(const OcidRuntime *runtime, const char *const *args,
		       OcidRuntimeDoneFunc done, gpointer user_data)
{
	g_autoptr(GPtrArray) argv = build_argv(runtime, args);
	g_autoptr(GError) error = NULL;
	GSubprocess *process;
	RuntimeCall *call;

	process =
	    spawn_runtime((const char *const *)argv->pdata,
			  G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
	if (process == NULL) {
		g_autoptr(GError) failure =
		    g_error_new(OCID_ERROR, OCID_ERROR_RUNTIME_FAILED,
				"Cannot run the OCI runtime %s: %s; check runtime_path in "
				"ocid.conf",
				runtime->path, error->message);
		done(NULL, failure, user_data);
		return;
	}
	call = g_new0(RuntimeCall, 1);
	call->done = done;
	call->user_data = user_data;
	call->what = g_strdup(args[0]);
	g_subprocess_communicate_utf8_async(process, NULL, NULL, on_communicated, call);
}

char *
ocid_runtime_run_sync(const OcidRuntime *runtime, const char *const *args, GError **error)
{
	g_autoptr(GPtrArray) argv = build_argv(runtime, args);
	g_autoptr(GSubprocess) process = NULL;
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;

	process =
	    spawn_runtime((const char *const *)argv->pdata,
			  G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
	if (process == NULL)
		return NULL;
	if (!g_subprocess_communicate_utf8(process, NULL, NULL, &out, &err, error))
		return NULL;
	if (!g_subprocess_get_successful(process)) {
		g_propagate_error(error, runtime_failure(process, args[0], err));
		return NULL;
	}
	return g_steal_pointer(&out);
}

char *
ocid_runtime_version(const char *path)
{
	const char *argv[] = { path, "--version", NULL };
	g_autoptr(GSubprocess) process = NULL;
	g_autofree char *out = NULL;
	char *newline;

	process = spawn_runtime(
	    argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL);
	if (process == NULL ||
	    !g_subprocess_communicate_utf8(process, NULL, NULL, &out, NULL, NULL) ||
	    !g_subprocess_get_successful(process) || out == NULL)
		return NULL;
	newline = strchr(out, '\n');
	if (newline != NULL)
		*newline = '\0';
	return g_steal_pointer(&out);
}

char *
ocid_runtime_name(const char *path, const char *version)
{
	const char *space = version != NULL ? strchr(version, ' ') : NULL;

	if (space != NULL && space > version && g_str_has_prefix(space, " version"))
		return g_strndup(version, (gsize)(space - version));
	return g_path_get_basename(path);
}

char *
ocid_runtime_host_problem(const char *name)
{
	g_autofree char *controllers = NULL;

	if (!g_str_equal(name, "crun"))
		return NULL;
	/* Hybrid: v1 controllers, cgroup2 at /sys/fs/cgroup/unified. */
	if (!g_file_get_contents("/sys/fs/cgroup/unified/cgroup.controllers", &controllers, NULL,
				 NULL) ||
	    *g_strstrip(controllers) == '\0')
		return NULL;
	return g_strdup_printf("crun does not support this host's hybrid cgroup hierarchies "
			       "(cgroup2 at /sys/fs/cgroup/unified has the controllers '%s'); "
			       "use runc, or boot with systemd.unified_cgroup_hierarchy=1",
			       controllers);
}
