/* The verbs that act on several containers at once, as podman's do: start, stop, kill,
 * rm, pause, unpause and wait. Each container is tried even when one fails; the command
 * exits 125 if any did. */
#include "ctl.h"
#include "image.h"

#include <stdio.h>

/* Calls @method with @args on every container named in argv[1..], printing each name
 * done (as podman does) unless @quiet. With @ignore_missing, a name that matches no
 * container is skipped in silence. */
static int
for_each_of(Ctl *ctl, int argc, char **argv, const char *method, GVariant *args, gboolean quiet,
	    gboolean ignore_missing)
{
	int status = 0;

	if (args != NULL)
		g_variant_ref_sink(args);
	for (int i = 1; i < argc; i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *path = NULL, *id = NULL;
		g_autoptr(GVariant) reply = NULL, bundle = NULL;

		if (ocictl_resolve(ctl, argv[i], &path, &id, &error)) {
			/* rm: a bundle ocictl made from an image goes with its container. */
			if (g_str_equal(method, "Delete"))
				bundle = ocictl_get(ctl, path, "BundlePath", NULL);
			reply = ocictl_call(ctl, path, OCICTL_CONTAINER, method,
					    args != NULL ? g_variant_ref(args) : NULL, NULL, TRUE,
					    &error);
		}
		if (reply == NULL && ignore_missing &&
		    (g_error_matches(error, OCICTL_ERROR, OCICTL_ERROR_NO_SUCH_CONTAINER) ||
		     ocictl_error_is(error, OCID_ERROR_NO_SUCH_CONTAINER)))
			continue;
		if (reply != NULL && bundle != NULL)
			ocictl_image_release_bundle(g_variant_get_string(bundle, NULL));
		if (reply == NULL) {
			ocictl_phrase_error(ctl, argv[i], error);
			g_printerr("ocictl %s: %s\n", ctl->command, error->message);
			status = OCICTL_EXIT_ERROR;
			continue;
		}
		if (!quiet)
			g_print("%s\n", argv[i]);
	}
	if (args != NULL)
		g_variant_unref(args);
	return status;
}

static int
for_each(Ctl *ctl, int argc, char **argv, const char *method, GVariant *args, gboolean quiet)
{
	return for_each_of(ctl, argc, argv, method, args, quiet, FALSE);
}

int
ocictl_cmd_start(Ctl *ctl, int argc, char **argv, GError **error)
{
	if (!ocictl_parse("start", "ID…", "Starts created containers.", NULL, FALSE, &argc, &argv,
			  error) ||
	    !ocictl_check_args("start", argc, argv, 1, -1, "a container", error))
		return OCICTL_EXIT_ERROR;
	return for_each(ctl, argc, argv, "Start", NULL, FALSE);
}

int
ocictl_cmd_stop(Ctl *ctl, int argc, char **argv, GError **error)
{
	int seconds = 10;
	const GOptionEntry entries[] = {
		{ "time", 't', 0, G_OPTION_ARG_INT, &seconds,
		  "Seconds to wait after the stop signal before SIGKILL (default 10; 0: at once)",
		  "SECONDS" },
		{ "timeout", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &seconds, "Same as --time",
		  "SECONDS" },
		{ NULL },
	};

	if (!ocictl_parse("stop", "ID…",
			  "Stops containers: sends each its stop signal (SIGTERM unless it was "
			  "created with another), then SIGKILL after --time seconds, and returns "
			  "once it has stopped.",
			  entries, FALSE, &argc, &argv, error) ||
	    !ocictl_check_args("stop", argc, argv, 1, -1, "a container", error))
		return OCICTL_EXIT_ERROR;
	if (seconds < 0) {
		ocictl_usage_error(error, "stop", "--time takes 0 or more seconds, not %d",
				   seconds);
		return OCICTL_EXIT_ERROR;
	}
	return for_each(ctl, argc, argv, "Stop", g_variant_new("(t)", (guint64)seconds), FALSE);
}

int
ocictl_cmd_kill(Ctl *ctl, int argc, char **argv, GError **error)
{
	g_autofree char *signal_name = NULL;
	const GOptionEntry entries[] = {
		{ "signal", 's', 0, G_OPTION_ARG_STRING, &signal_name,
		  "The signal, by name (SIGTERM, TERM) or number (default SIGKILL)", "SIGNAL" },
		{ NULL },
	};

	if (!ocictl_parse("kill", "ID…", "Sends a signal to the main process of containers.",
			  entries, FALSE, &argc, &argv, error) ||
	    !ocictl_check_args("kill", argc, argv, 1, -1, "a container", error))
		return OCICTL_EXIT_ERROR;
	return for_each(ctl, argc, argv, "Kill",
			g_variant_new("(s)", signal_name != NULL ? signal_name : "SIGKILL"), FALSE);
}

int
ocictl_cmd_rm(Ctl *ctl, int argc, char **argv, GError **error)
{
	gboolean force = FALSE, ignore = FALSE;
	const GOptionEntry entries[] = {
		{ "force", 'f', 0, G_OPTION_ARG_NONE, &force,
		  "Kill a running container first (or cancel its create)", NULL },
		{ "ignore", 'i', 0, G_OPTION_ARG_NONE, &ignore,
		  "A name that matches no container is no error", NULL },
		{ NULL },
	};

	if (!ocictl_parse("rm", "ID…",
			  "Removes stopped or created containers; a running one needs --force.",
			  entries, FALSE, &argc, &argv, error) ||
	    !ocictl_check_args("rm", argc, argv, 1, -1, "a container", error))
		return OCICTL_EXIT_ERROR;
	return for_each_of(ctl, argc, argv, "Delete", g_variant_new("(b)", force), FALSE, ignore);
}

int
ocictl_cmd_pause(Ctl *ctl, int argc, char **argv, GError **error)
{
	if (!ocictl_parse("pause", "ID…", "Freezes running containers.", NULL, FALSE, &argc, &argv,
			  error) ||
	    !ocictl_check_args("pause", argc, argv, 1, -1, "a container", error))
		return OCICTL_EXIT_ERROR;
	return for_each(ctl, argc, argv, "Pause", NULL, FALSE);
}

int
ocictl_cmd_unpause(Ctl *ctl, int argc, char **argv, GError **error)
{
	if (!ocictl_parse("unpause", "ID…", "Thaws paused containers.", NULL, FALSE, &argc, &argv,
			  error) ||
	    !ocictl_check_args("unpause", argc, argv, 1, -1, "a container", error))
		return OCICTL_EXIT_ERROR;
	return for_each(ctl, argc, argv, "Unpause", NULL, FALSE);
}

gboolean
ocictl_wait(Ctl *ctl, const char *path, gint32 *exit_code, gboolean *oom, GError **error)
{
	g_autoptr(GVariant) reply =
	    ocictl_call_through_restart(ctl, path, OCICTL_CONTAINER, "Wait", NULL, "(ib)", error);

	if (reply == NULL)
		return FALSE;
	g_variant_get(reply, "(ib)", exit_code, oom);
	return TRUE;
}

int
ocictl_cmd_wait(Ctl *ctl, int argc, char **argv, GError **error)
{
	int status = 0;

	if (!ocictl_parse("wait", "ID…",
			  "Waits until each container has stopped and prints its exit code.", NULL,
			  FALSE, &argc, &argv, error) ||
	    !ocictl_check_args("wait", argc, argv, 1, -1, "a container", error))
		return OCICTL_EXIT_ERROR;
	for (int i = 1; i < argc; i++) {
		g_autoptr(GError) local = NULL;
		g_autofree char *path = NULL, *id = NULL;
		gint32 exit_code;
		gboolean oom;

		if (!ocictl_resolve(ctl, argv[i], &path, &id, &local) ||
		    !ocictl_wait(ctl, path, &exit_code, &oom, &local)) {
			ocictl_phrase_error(ctl, argv[i], local);
			g_printerr("ocictl wait: %s\n", local->message);
			status = OCICTL_EXIT_ERROR;
			continue;
		}
		g_print("%d\n", exit_code);
		fflush(stdout);
	}
	return status;
}
