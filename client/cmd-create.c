/* create and run: one CreateContainer from the options people give podman, and for run
 * the start, the output until the container exits, and its exit code. */
#include "ctl.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
	char *name;
	char **labels;
	char **annotations;
	char *log_path;
	char *stop_signal;
	char *restart;
	OcictlHealthFlags health;
	gboolean terminal, stdin_open, stdin_once, privileged;
} CreateOptions;

static void
create_options_clear(CreateOptions *o)
{
	g_free(o->name);
	g_strfreev(o->labels);
	g_strfreev(o->annotations);
	g_free(o->log_path);
	g_free(o->stop_signal);
	g_free(o->restart);
	ocictl_health_flags_clear(&o->health);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CreateOptions, create_options_clear)

#define CREATE_ENTRIES(o)                                                                          \
	{ "name", 0, 0, G_OPTION_ARG_STRING, &(o)->name, "The container's name", "NAME" },         \
	    { "label",    'l', 0, G_OPTION_ARG_STRING_ARRAY, &(o)->labels, "A label (repeatable)", \
	      "KEY=VALUE" },                                                                       \
	    { "annotation",                                                                        \
	      0,                                                                                   \
	      0,                                                                                   \
	      G_OPTION_ARG_STRING_ARRAY,                                                           \
	      &(o)->annotations,                                                                   \
	      "An annotation (repeatable)",                                                        \
	      "KEY=VALUE" },                                                                       \
	    { "log-path",                                                                          \
	      0,                                                                                   \
	      0,                                                                                   \
	      G_OPTION_ARG_FILENAME,                                                               \
	      &(o)->log_path,                                                                      \
	      "Where the CRI log goes (default: the daemon's log_dir)",                            \
	      "PATH" },                                                                            \
	    { "stop-signal",                                                                       \
	      0,                                                                                   \
	      0,                                                                                   \
	      G_OPTION_ARG_STRING,                                                                 \
	      &(o)->stop_signal,                                                                   \
	      "The signal 'ocictl stop' sends first (default SIGTERM)",                            \
	      "SIGNAL" },                                                                          \
	    { "restart",                                                                           \
	      0,                                                                                   \
	      0,                                                                                   \
	      G_OPTION_ARG_STRING,                                                                 \
	      &(o)->restart,                                                                       \
	      "Restart policy when it exits: no, on-failure[:MAX], always, unless-stopped",        \
	      "POLICY" },                                                                          \
	    { "health-cmd",                                                                        \
	      0,                                                                                   \
	      0,                                                                                   \
	      G_OPTION_ARG_STRING,                                                                 \
	      &(o)->health.cmd,                                                                    \
	      "A health check ocid runs in it with /bin/sh -c ('none': none)",                     \
	      "COMMAND" },                                                                         \
	    { "health-interval",                                                                   \
	      0,                                                                                   \
	      0,                                                                                   \
	      G_OPTION_ARG_STRING,                                                                 \
	      &(o)->health.interval,                                                               \
	      "Time between health checks (default 30s)",                                          \
	      "DURATION" },                                                                        \
	    { "health-timeout",                                                                    \
	      0,                                                                                   \
	      0,                                                                                   \
	      G_OPTION_ARG_STRING,                                                                 \
	      &(o)->health.timeout,                                                                \
	      "Time a health check may take (default 30s)",                                        \
	      "DURATION" },                                                                        \
	    { "health-start-period",                                                               \
	      0,                                                                                   \
	      0,                                                                                   \
	      G_OPTION_ARG_STRING,                                                                 \
	      &(o)->health.start_period,                                                           \
	      "Time after start when failed checks do not count (default 0s)",                     \
	      "DURATION" },                                                                        \
	    { "health-retries",                                                                    \
	      0,                                                                                   \
	      0,                                                                                   \
	      G_OPTION_ARG_INT,                                                                    \
	      &(o)->health.retries,                                                                \
	      "Failed checks in a row that make it unhealthy (default 3)",                         \
	      "N" },                                                                               \
	    { "health-on-failure",                                                                 \
	      0,                                                                                   \
	      0,                                                                                   \
	      G_OPTION_ARG_STRING,                                                                 \
	      &(o)->health.on_failure,                                                             \
	      "What ocid does once it is unhealthy: none, kill, restart, stop",                    \
	      "ACTION" },                                                                          \
	    { "tty", 't', 0, G_OPTION_ARG_NONE, &(o)->terminal, "Give the container a terminal",   \
	      NULL },                                                                              \
	    { "terminal",      0,   G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &(o)->terminal,       \
	      "Same as --tty", NULL },                                                             \
	    { "interactive",                                                                       \
	      'i',                                                                                 \
	      0,                                                                                   \
	      G_OPTION_ARG_NONE,                                                                   \
	      &(o)->stdin_open,                                                                    \
	      "Keep the container's stdin open for attach",                                        \
	      NULL },                                                                              \
	    { "stdin",                                                                             \
	      0,                                                                                   \
	      G_OPTION_FLAG_HIDDEN,                                                                \
	      G_OPTION_ARG_NONE,                                                                   \
	      &(o)->stdin_open,                                                                    \
	      "Same as --interactive",                                                             \
	      NULL },                                                                              \
	    { "stdin-once",                                                                        \
	      0,                                                                                   \
	      0,                                                                                   \
	      G_OPTION_ARG_NONE,                                                                   \
	      &(o)->stdin_once,                                                                    \
	      "Close stdin when the first attached client leaves",                                 \
	      NULL },                                                                              \
	{                                                                                          \
		"privileged", 0, 0, G_OPTION_ARG_NONE, &(o)->privileged,                           \
		    "All capabilities and devices (needs org.oci.Runtime.create-privileged)", NULL \
	}

static void
add_map(GVariantBuilder *options, const char *key, char **pairs)
{
	GVariantBuilder map;

	if (pairs == NULL)
		return;
	g_variant_builder_init(&map, G_VARIANT_TYPE("a{ss}"));
	for (char **p = pairs; *p != NULL; p++)
		ocictl_add_pair(&map, *p);
	g_variant_builder_add(options, "{sv}", key, g_variant_builder_end(&map));
}

/* podman's --restart: no, on-failure[:N], always, unless-stopped; ocid checks the name. */
static gboolean
add_restart(GVariantBuilder *options, const char *restart, GError **error)
{
	g_autofree char *policy = g_strdup(restart);
	char *max = strchr(policy, ':');
	guint64 n = 0;

	if (max != NULL) {
		*max++ = '\0';
		if (!g_str_equal(policy, "on-failure") ||
		    !g_ascii_string_to_unsigned(max, 10, 0, G_MAXUINT32, &n, NULL)) {
			g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_USAGE,
				    "--restart %s: only on-failure takes a count, on-failure:N",
				    restart);
			return FALSE;
		}
		g_variant_builder_add(options, "{sv}", "restart_max",
				      g_variant_new_uint32((guint32)n));
	}
	g_variant_builder_add(options, "{sv}", "restart_policy", g_variant_new_string(policy));
	return TRUE;
}

/* CreateContainer; the new container's path and id. */
static gboolean
create(Ctl *ctl, const CreateOptions *o, const char *bundle, const char *id, char **path,
       char **created_id, GError **error)
{
	GVariantBuilder options;
	g_autofree char *absolute = g_canonicalize_filename(bundle, NULL);
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) value = NULL;

	g_variant_builder_init(&options, G_VARIANT_TYPE("a{sv}"));
	add_map(&options, "labels", o->labels);
	add_map(&options, "annotations", o->annotations);
	if (o->log_path != NULL)
		g_variant_builder_add(&options, "{sv}", "log_path",
				      g_variant_new_string(o->log_path));
	if (o->stop_signal != NULL)
		g_variant_builder_add(&options, "{sv}", "stop_signal",
				      g_variant_new_string(o->stop_signal));
	if ((o->restart != NULL && !add_restart(&options, o->restart, error)) ||
	    !ocictl_add_healthcheck(&options, &o->health, error)) {
		g_variant_builder_clear(&options);
		return FALSE;
	}
	if (o->terminal)
		g_variant_builder_add(&options, "{sv}", "terminal", g_variant_new_boolean(TRUE));
	if (o->stdin_open)
		g_variant_builder_add(&options, "{sv}", "stdin", g_variant_new_boolean(TRUE));
	if (o->stdin_once)
		g_variant_builder_add(&options, "{sv}", "stdin_once", g_variant_new_boolean(TRUE));
	if (o->privileged)
		g_variant_builder_add(&options, "{sv}", "privileged", g_variant_new_boolean(TRUE));
	reply = ocictl_call(ctl, OCICTL_MANAGER_PATH, OCICTL_MANAGER, "CreateContainer",
			    g_variant_new("(sss@a{sv})", id, o->name != NULL ? o->name : "",
					  absolute, g_variant_builder_end(&options)),
			    "(o)", TRUE, error);
	if (reply == NULL)
		return FALSE;
	g_variant_get(reply, "(o)", path);
	value = ocictl_get(ctl, *path, "Id", error);
	if (value == NULL)
		return FALSE;
	*created_id = g_variant_dup_string(value, NULL);
	return TRUE;
}

int
ocictl_cmd_create(Ctl *ctl, int argc, char **argv, GError **error)
{
	g_auto(CreateOptions) o = { 0 };
	const GOptionEntry entries[] = { CREATE_ENTRIES(&o), { NULL } };
	g_autofree char *path = NULL, *id = NULL;

	if (!ocictl_parse("create", "BUNDLE [ID]",
			  "Creates a container from the OCI bundle BUNDLE (a directory with "
			  "config.json and rootfs); prints its id. Without ID, ocid makes one.",
			  entries, FALSE, &argc, &argv, error) ||
	    !ocictl_check_args("create", argc, argv, 1, 2, "a bundle directory and maybe an id",
			       error))
		return OCICTL_EXIT_ERROR;
	if (!create(ctl, &o, argv[1], argc > 2 ? argv[2] : "", &path, &id, error))
		return OCICTL_EXIT_ERROR;
	g_print("%s\n", id);
	return 0;
}

static void
resize_container(gpointer data, guint rows, guint cols)
{
	void **pair = data;

	g_autoptr(GVariant) reply =
	    ocictl_call(pair[0], pair[1], OCICTL_CONTAINER, "ResizeTerminal",
			g_variant_new("(uu)", rows, cols), NULL, FALSE, NULL);
}

/* Attach (before Start, so that no output is missed) and relay until it ends. */
static int
open_attach(Ctl *ctl, const char *path, GError **error)
{
	g_autoptr(GUnixFDList) fds = NULL;
	g_autoptr(GVariant) reply = ocictl_call_fds(
	    ctl, path, OCICTL_CONTAINER, "Attach",
	    g_variant_new("(@a{sv})", g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)), "(h)",
	    &fds, error);
	gint32 index;

	if (reply == NULL)
		return -1;
	g_variant_get(reply, "(h)", &index);
	return g_unix_fd_list_get(fds, index, error);
}

int
ocictl_cmd_run(Ctl *ctl, int argc, char **argv, GError **error)
{
	g_auto(CreateOptions) o = { 0 };
	gboolean detach = FALSE, remove = FALSE;
	g_autofree char *detach_keys = NULL;
	const GOptionEntry entries[] = {
		CREATE_ENTRIES(&o),
		{ "detach", 'd', 0, G_OPTION_ARG_NONE, &detach,
		  "Print the id and return once it runs", NULL },
		{ "rm", 0, 0, G_OPTION_ARG_NONE, &remove, "Remove the container once it has exited",
		  NULL },
		{ "detach-keys", 0, 0, G_OPTION_ARG_STRING, &detach_keys,
		  "Keys that detach from a --tty or --interactive container (default "
		  "ctrl-p,ctrl-q)",
		  "KEYS" },
		{ NULL },
	};
	g_autofree char *path = NULL, *id = NULL;
	g_autoptr(GVariant) started = NULL;
	gint32 exit_code = 0;
	gboolean oom, detached = FALSE;
	int stream = -1, status;

	if (!ocictl_parse("run", "BUNDLE [ID]",
			  "Creates a container from BUNDLE and starts it. With --detach, prints "
			  "its id; otherwise shows its output until it exits and exits with its "
			  "exit code.",
			  entries, FALSE, &argc, &argv, error) ||
	    !ocictl_check_args("run", argc, argv, 1, 2, "a bundle directory and maybe an id",
			       error))
		return OCICTL_EXIT_ERROR;
	if (detach && remove) {
		ocictl_usage_error(error, "run", "--rm and --detach do not go together");
		return OCICTL_EXIT_ERROR;
	}
	if (!create(ctl, &o, argv[1], argc > 2 ? argv[2] : "", &path, &id, error))
		return OCICTL_EXIT_ERROR;
	if (!detach && (o.terminal || o.stdin_open)) {
		stream = open_attach(ctl, path, error);
		if (stream < 0)
			goto fail;
	}
	started = ocictl_call(ctl, path, OCICTL_CONTAINER, "Start", NULL, NULL, TRUE, error);
	if (started == NULL)
		goto fail;
	if (detach) {
		g_print("%s\n", id);
		return 0;
	}
	if (stream >= 0) {
		void *pair[] = { ctl, path };
		OcictlStream how = { .send_stdin = o.stdin_open,
				     .raw = o.terminal && isatty(STDIN_FILENO),
				     .detach_keys =
					 detach_keys != NULL ? detach_keys : "ctrl-p,ctrl-q",
				     .resize = o.terminal ? resize_container : NULL,
				     .resize_data = pair };
		gboolean ok;

		ok = ocictl_stream_run(stream, &how, &detached, error);
		close(stream);
		if (!ok)
			return OCICTL_EXIT_ERROR;
		if (detached) {
			g_printerr(
			    "ocictl run: detached from %s; 'ocictl attach %s' attaches again\n", id,
			    id);
			return 0;
		}
	} else {
		int log = ocictl_open_log(ctl, path, -1, TRUE, error);
		gboolean ok;

		if (log < 0)
			return OCICTL_EXIT_ERROR;
		ok = ocictl_print_log(log, FALSE, 0, error);
		close(log);
		if (!ok)
			return OCICTL_EXIT_ERROR;
	}
	if (!ocictl_wait(ctl, path, &exit_code, &oom, error))
		return OCICTL_EXIT_ERROR;
	status = exit_code;
	if (remove) {
		g_autoptr(GVariant) removed =
		    ocictl_call(ctl, path, OCICTL_CONTAINER, "Delete", g_variant_new("(b)", TRUE),
				NULL, TRUE, error);
		if (removed == NULL)
			return OCICTL_EXIT_ERROR;
	}
	return status;
fail:
	if (stream >= 0)
		close(stream);
	if (remove) {
		g_autoptr(GVariant) removed =
		    ocictl_call(ctl, path, OCICTL_CONTAINER, "Delete", g_variant_new("(b)", TRUE),
				NULL, TRUE, NULL);
	}
	return OCICTL_EXIT_ERROR;
}
