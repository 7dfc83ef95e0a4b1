/* create and run: one CreateContainer from the options people give podman, and for run
 * the start, the output until the container exits, and its exit code. The container comes
 * from a bundle, or from an image that ocictl pulls and makes a bundle of (image.h). */
#include "ctl.h"
#include "image.h"

#include <signal.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <string.h>
#include <unistd.h>

typedef struct {
	char *name;
	char **labels;
	char **annotations;
	char *log_path;
	char *stop_signal;
	char **volumes;
	char **env;
	char *log_driver;
	char *restart;
	char *sdnotify;
	OcictlSdnotify sdnotify_mode;
	OcictlHealthFlags health;
	gboolean terminal, stdin_open, stdin_once, privileged;
	gboolean machined, no_machined;
	OcictlPullFlags pull;
} CreateOptions;

static void
create_options_clear(CreateOptions *o)
{
	g_free(o->name);
	g_strfreev(o->labels);
	g_strfreev(o->annotations);
	g_free(o->log_path);
	g_free(o->stop_signal);
	g_strfreev(o->volumes);
	g_strfreev(o->env);
	ocictl_pull_flags_clear(&o->pull);
	g_free(o->log_driver);
	g_free(o->restart);
	g_free(o->sdnotify);
	ocictl_health_flags_clear(&o->health);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CreateOptions, create_options_clear)

/* --health-cmd gives a check ("none" gives none). */
static gboolean
has_health_check(const CreateOptions *o)
{
	return o->health.cmd != NULL && !g_str_equal(o->health.cmd, "none");
}

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
	    { "log-driver",                                                                        \
	      0,                                                                                   \
	      0,                                                                                   \
	      G_OPTION_ARG_STRING,                                                                 \
	      &(o)->log_driver,                                                                    \
	      "Where the output goes: k8s-file (a CRI log file) or journald (default: the "        \
	      "daemon's log_driver)",                                                              \
	      "DRIVER" },                                                                          \
	    { "machined",                                                                          \
	      0,                                                                                   \
	      0,                                                                                   \
	      G_OPTION_ARG_NONE,                                                                   \
	      &(o)->machined,                                                                      \
	      "Register the container with systemd-machined (every local user can see it)",        \
	      NULL },                                                                              \
	    { "no-machined",                                                                       \
	      0,                                                                                   \
	      0,                                                                                   \
	      G_OPTION_ARG_NONE,                                                                   \
	      &(o)->no_machined,                                                                   \
	      "Do not register it with systemd-machined, whatever ocid.conf says",                 \
	      NULL },                                                                              \
	    { "stop-signal",                                                                       \
	      0,                                                                                   \
	      0,                                                                                   \
	      G_OPTION_ARG_STRING,                                                                 \
	      &(o)->stop_signal,                                                                   \
	      "The signal 'ocictl stop' sends first (default SIGTERM)",                            \
	      "SIGNAL" },                                                                          \
	    { "env",       'e',                                                                    \
	      0,           G_OPTION_ARG_STRING_ARRAY,                                              \
	      &(o)->env,   "Set NAME=VALUE in the container's environment (repeatable)",           \
	      "NAME=VALUE" },                                                                      \
	    { "volume",                                                                            \
	      'v',                                                                                 \
	      0,                                                                                   \
	      G_OPTION_ARG_STRING_ARRAY,                                                           \
	      &(o)->volumes,                                                                       \
	      "Bind HOST-PATH at CONTAINER-PATH (repeatable; :ro read-only)",                      \
	      "HOST-PATH:CONTAINER-PATH[:ro|rw]" },                                                \
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
	    { "sdnotify",                                                                          \
	      0,                                                                                   \
	      0,                                                                                   \
	      G_OPTION_ARG_STRING,                                                                 \
	      &(o)->sdnotify,                                                                      \
	      "For a Type=notify unit: run tells systemd READY=1 once the container runs, says "   \
	      "READY=1 on its own NOTIFY_SOCKET (ready), or is healthy",                           \
	      "running|ready|healthy" },                                                           \
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
	    { "privileged",                                                                        \
	      0,                                                                                   \
	      0,                                                                                   \
	      G_OPTION_ARG_NONE,                                                                   \
	      &(o)->privileged,                                                                    \
	      "All capabilities and devices (needs org.oci.Runtime.create-privileged)",            \
	      NULL },                                                                              \
	    OCICTL_PULL_ENTRIES(&(o)->pull)

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

/* HOST:CONTAINER[:ro|rw] into the volumes option's a(ssb). */
static gboolean
add_volumes(GVariantBuilder *options, char **volumes, GError **error)
{
	GVariantBuilder list;

	if (volumes == NULL)
		return TRUE;
	g_variant_builder_init(&list, G_VARIANT_TYPE("a(ssb)"));
	for (char **v = volumes; *v != NULL; v++) {
		g_auto(GStrv) parts = g_strsplit(*v, ":", -1);
		guint n = g_strv_length(parts);

		if (n < 2 || n > 3 || *parts[0] == '\0' || *parts[1] == '\0' ||
		    (n == 3 && !g_str_equal(parts[2], "ro") && !g_str_equal(parts[2], "rw"))) {
			g_variant_builder_clear(&list);
			ocictl_usage_error(error, "create",
					   "--volume '%s' is not HOST-PATH:CONTAINER-PATH[:ro|rw]",
					   *v);
			return FALSE;
		}
		g_variant_builder_add(&list, "(ssb)", parts[1], parts[0],
				      n == 3 && g_str_equal(parts[2], "ro"));
	}
	g_variant_builder_add(options, "{sv}", "volumes", g_variant_builder_end(&list));
	return TRUE;
}

/* What a container is made from: a bundle, or an image and the bundle made of it. */
typedef struct {
	char *bundle;
	char *image;      /* the reference as given */
	char *image_name; /* the store's name for it */
	char *image_ref;  /* its id, sha256:... */
	gboolean made;    /* the bundle is ours to remove if the create fails */
} Source;

static void
source_clear(Source *source)
{
	g_free(source->bundle);
	g_free(source->image);
	g_free(source->image_name);
	g_free(source->image_ref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Source, source_clear)

/* The first positional argument of a command line with @entries: the bundle or image. */
static int
first_positional(const GOptionEntry *entries, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		gboolean takes_value = FALSE;

		if (g_str_equal(a, "--"))
			return i + 1;
		if (a[0] != '-' || a[1] == '\0')
			return i;
		for (const GOptionEntry *e = entries; e->long_name != NULL; e++) {
			gboolean named = a[1] == '-' ? g_str_equal(a + 2, e->long_name)
						     : e->short_name == a[strlen(a) - 1];
			if (named && e->arg != G_OPTION_ARG_NONE)
				takes_value = TRUE;
		}
		if (takes_value)
			i++;
	}
	return argc;
}

/* Parses a create or run command line. A bundle is followed by an optional ID, with
 * options anywhere; an image by the command to run, with options before the image. */
static gboolean
parse_source(const char *command, const char *summary, const GOptionEntry *entries, int *argc,
	     char ***argv, char ***image_command, GError **error)
{
	int at = first_positional(entries, *argc, *argv);
	gboolean image = at < *argc && !ocictl_is_bundle((*argv)[at]);
	int full = *argc;

	/* What follows the image is the command's, options included, as with podman. */
	if (image) {
		*image_command = g_new0(char *, full - at);
		for (int i = at + 1; i < full; i++)
			(*image_command)[i - at - 1] = g_strdup((*argv)[i]);
		*argc = at + 1;
	}
	return ocictl_parse(command, "IMAGE [COMMAND [ARG…]] | BUNDLE [ID]", summary, entries,
			    FALSE, argc, argv, error) &&
	       ocictl_check_args(command, *argc, *argv, 1, image ? 1 : 2,
				 "an image or a bundle directory", error);
}

static gboolean
source_from(const CreateOptions *o, const char *word, char **command, Source *source,
	    GError **error)
{
	g_autoptr(OcictlImageStore) store = NULL;
	g_autoptr(OcictlImage) image = NULL;
	OcictlPullOptions pull;

	if (ocictl_is_bundle(word)) {
		source->bundle = g_canonicalize_filename(word, NULL);
		return TRUE;
	}
	if (!ocictl_pull_options_from_flags(&o->pull, &pull, error))
		return FALSE;
	store = ocictl_image_store_open(TRUE, error);
	if (store == NULL)
		return FALSE;
	image = ocictl_image_get(store, word, &pull, &source->image_name, error);
	if (image == NULL)
		return FALSE;
	source->bundle = ocictl_image_bundle_make(store, image, command, o->name, error);
	if (source->bundle == NULL)
		return FALSE;
	source->made = TRUE;
	source->image = g_strdup(word);
	source->image_ref = g_strconcat("sha256:", image->id, NULL);
	return TRUE;
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
create(Ctl *ctl, const CreateOptions *o, const Source *source, const char *id, char **path,
       char **created_id, GError **error)
{
	GVariantBuilder options;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) value = NULL;

	g_variant_builder_init(&options, G_VARIANT_TYPE("a{sv}"));
	if (!add_volumes(&options, o->volumes, error)) {
		g_variant_builder_clear(&options);
		return FALSE;
	}
	if (o->env != NULL)
		g_variant_builder_add(&options, "{sv}", "env",
				      g_variant_new_strv((const char *const *)o->env, -1));
	if (source->image != NULL) {
		g_variant_builder_add(&options, "{sv}", "image",
				      g_variant_new_string(source->image));
		g_variant_builder_add(&options, "{sv}", "image_name",
				      g_variant_new_string(source->image_name));
		g_variant_builder_add(&options, "{sv}", "image_ref",
				      g_variant_new_string(source->image_ref));
	}
	add_map(&options, "labels", o->labels);
	add_map(&options, "annotations", o->annotations);
	if (o->log_path != NULL)
		g_variant_builder_add(&options, "{sv}", "log_path",
				      g_variant_new_string(o->log_path));
	if (o->log_driver != NULL)
		g_variant_builder_add(&options, "{sv}", "log_driver",
				      g_variant_new_string(o->log_driver));
	if (o->machined || o->no_machined)
		g_variant_builder_add(&options, "{sv}", "machined",
				      g_variant_new_boolean(o->machined && !o->no_machined));
	if (o->stop_signal != NULL)
		g_variant_builder_add(&options, "{sv}", "stop_signal",
				      g_variant_new_string(o->stop_signal));
	if ((o->restart != NULL && !add_restart(&options, o->restart, error)) ||
	    !ocictl_add_healthcheck(&options, &o->health, error)) {
		g_variant_builder_clear(&options);
		return FALSE;
	}
	if (o->sdnotify != NULL && o->sdnotify_mode == OCICTL_SDNOTIFY_READY)
		g_variant_builder_add(&options, "{sv}", "notify",
				      g_variant_new_string("container"));
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
					  source->bundle, g_variant_builder_end(&options)),
			    "(o)", TRUE, error);
	if (reply == NULL) {
		if (source->made)
			ocictl_remove_tree(source->bundle, NULL);
		return FALSE;
	}
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
	g_auto(GStrv) command = NULL;
	g_auto(Source) source = { 0 };

	if (!parse_source("create",
			  "Creates a container from IMAGE (pulled if missing, see 'ocictl pull'), "
			  "running COMMAND instead of the image's cmd when given, or from the OCI "
			  "bundle BUNDLE (a path: a directory with config.json and rootfs); prints "
			  "its id. Without ID, ocid makes one.",
			  entries, &argc, &argv, &command, error) ||
	    (o.sdnotify != NULL &&
	     !ocictl_sdnotify_parse("create", o.sdnotify, FALSE, has_health_check(&o),
				    &o.sdnotify_mode, error)) ||
	    !source_from(&o, argv[1], command, &source, error) ||
	    !create(ctl, &o, &source, argc > 2 && command == NULL ? argv[2] : "", &path, &id,
		    error))
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
	g_auto(GStrv) command = NULL;
	g_auto(Source) source = { 0 };

	if (!parse_source("run",
			  "Creates a container from IMAGE or BUNDLE (as 'ocictl create') and "
			  "starts it. With --detach, prints its id; otherwise shows its output "
			  "until it exits and exits with its exit code.",
			  entries, &argc, &argv, &command, error))
		return OCICTL_EXIT_ERROR;
	if (detach && remove) {
		ocictl_usage_error(error, "run", "--rm and --detach do not go together");
		return OCICTL_EXIT_ERROR;
	}
	if (o.sdnotify != NULL &&
	    !ocictl_sdnotify_parse("run", o.sdnotify, detach, has_health_check(&o),
				   &o.sdnotify_mode, error))
		return OCICTL_EXIT_ERROR;
	/* Its output comes as a file descriptor: refuse before anything is created. */
	if (!detach && !ocictl_check_local(ctl, error))
		return OCICTL_EXIT_ERROR;
	if (!source_from(&o, argv[1], command, &source, error) ||
	    !create(ctl, &o, &source, argc > 2 && command == NULL ? argv[2] : "", &path, &id,
		    error))
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
	if (o.sdnotify != NULL) {
		ocictl_sdnotify_begin(ctl, path, id, o.sdnotify_mode);
		/* On systemctl stop, systemd sends SIGTERM to the main process once ExecStop
		 * has stopped the container; ocictl lives on to copy the container's last
		 * lines and return its exit code, which it does at once (the log has ended). */
		signal(SIGTERM, SIG_IGN);
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
	} else if (!ocictl_follow_log(ctl, path, error)) {
		return OCICTL_EXIT_ERROR;
	}
	if (!ocictl_wait(ctl, path, &exit_code, &oom, error))
		return OCICTL_EXIT_ERROR;
	status = exit_code;
	if (o.sdnotify != NULL)
		(void)sd_notifyf(0, "STATUS=Container %s exited with %d%s", id, exit_code,
				 oom ? " (out of memory)" : "");
	if (remove) {
		g_autoptr(GVariant) removed =
		    ocictl_call(ctl, path, OCICTL_CONTAINER, "Delete", g_variant_new("(b)", TRUE),
				NULL, TRUE, error);
		if (removed == NULL)
			return OCICTL_EXIT_ERROR;
		ocictl_image_release_bundle(source.bundle);
	}
	return status;
fail:
	if (stream >= 0)
		close(stream);
	if (remove) {
		g_autoptr(GVariant) removed =
		    ocictl_call(ctl, path, OCICTL_CONTAINER, "Delete", g_variant_new("(b)", TRUE),
				NULL, TRUE, NULL);
		if (removed != NULL)
			ocictl_image_release_bundle(source.bundle);
	}
	return OCICTL_EXIT_ERROR;
}
