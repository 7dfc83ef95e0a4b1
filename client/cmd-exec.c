/* exec: a command in a running container. Without -i or -t, ExecSync (output collected,
 * then printed); with them, Exec's socket relayed to the terminal and the process waited
 * for. A command that is not found is 127, one that cannot be run 126, as podman's. */
#include "ctl.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The runtime's words for a command it could not start, turned into podman's codes. */
static void
classify_failure(GError *error, const char *command)
{
	g_autofree char *lower = g_ascii_strdown(error->message, -1);
	char *message;

	if (strstr(lower, "no such file") != NULL || strstr(lower, "not found") != NULL) {
		message = g_strdup_printf("'%s' is not found in the container: %s", command,
					  error->message);
		error->code = OCICTL_ERROR_NOT_FOUND;
	} else if (strstr(lower, "permission denied") != NULL ||
		   strstr(lower, "exec format error") != NULL ||
		   strstr(lower, "is a directory") != NULL) {
		message = g_strdup_printf("'%s' cannot be run in the container: %s", command,
					  error->message);
		error->code = OCICTL_ERROR_CANNOT_INVOKE;
	} else {
		return;
	}
	g_free(error->message);
	error->message = message;
}

/* A call that could not run the command: podman's 126 or 127 where the runtime says so. */
static int
exec_failed(Ctl *ctl, const char *name, const char *command, GError *error)
{
	gboolean runtime = ocictl_error_is(error, OCID_ERROR_RUNTIME_FAILED);

	ocictl_phrase_error(ctl, name, error);
	if (runtime)
		classify_failure(error, command);
	return OCICTL_EXIT_ERROR;
}

static int
exec_sync(Ctl *ctl, const char *path, const char *name, char **command, int timeout, GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) out = NULL, err = NULL;
	gint32 exit_code;
	gboolean timed_out;
	const char *data;
	gsize len;

	reply = ocictl_call(ctl, path, OCICTL_CONTAINER, "ExecSync",
			    g_variant_new("(^ast)", command, (guint64)timeout), "(ayayib)", TRUE,
			    error);
	if (reply == NULL)
		return exec_failed(ctl, name, command[0], *error);
	out = g_variant_get_child_value(reply, 0);
	err = g_variant_get_child_value(reply, 1);
	g_variant_get_child(reply, 2, "i", &exit_code);
	g_variant_get_child(reply, 3, "b", &timed_out);
	/* An empty array's data is NULL, which fwrite may not be given. */
	data = g_variant_get_fixed_array(out, &len, 1);
	if (len > 0)
		fwrite(data, 1, len, stdout);
	data = g_variant_get_fixed_array(err, &len, 1);
	if (len > 0)
		fwrite(data, 1, len, stderr);
	if (timed_out) {
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_FAILED,
			    "'%s' was killed after the --timeout of %d s", command[0], timeout);
		return OCICTL_EXIT_ERROR;
	}
	return exit_code;
}

static void
resize_process(gpointer data, guint rows, guint cols)
{
	void **pair = data;

	g_autoptr(GVariant) reply =
	    ocictl_call(pair[0], pair[1], OCICTL_PROCESS, "ResizeTerminal",
			g_variant_new("(uu)", rows, cols), NULL, FALSE, NULL);
}

static int
exec_stream(Ctl *ctl, const char *path, const char *name, char **command, gboolean interactive,
	    gboolean tty, char **env, const char *workdir, const char *detach_keys, GError **error)
{
	GVariantBuilder options;
	g_autoptr(GUnixFDList) fds = NULL;
	g_autoptr(GVariant) reply = NULL, waited = NULL;
	g_autofree char *process = NULL;
	gint32 index, exit_code;
	gboolean detached = FALSE, ok;
	int fd;

	g_variant_builder_init(&options, G_VARIANT_TYPE("a{sv}"));
	if (tty)
		g_variant_builder_add(&options, "{sv}", "tty", g_variant_new_boolean(TRUE));
	if (env != NULL)
		g_variant_builder_add(&options, "{sv}", "env",
				      g_variant_new_strv((const char *const *)env, -1));
	if (workdir != NULL)
		g_variant_builder_add(&options, "{sv}", "cwd", g_variant_new_string(workdir));
	reply =
	    ocictl_call_fds(ctl, path, OCICTL_CONTAINER, "Exec",
			    g_variant_new("(^as@a{sv})", command, g_variant_builder_end(&options)),
			    "(ho)", &fds, error);
	if (reply == NULL)
		return exec_failed(ctl, name, command[0], *error);
	g_variant_get(reply, "(ho)", &index, &process);
	fd = g_unix_fd_list_get(fds, index, error);
	if (fd < 0)
		return OCICTL_EXIT_ERROR;
	{
		void *pair[] = { ctl, process };
		OcictlStream how = { .send_stdin = interactive,
				     .raw = tty && isatty(STDIN_FILENO),
				     .detach_keys = detach_keys,
				     .resize = tty ? resize_process : NULL,
				     .resize_data = pair,
				     .shut_on_eof = TRUE };
		ok = ocictl_stream_run(fd, &how, &detached, error);
	}
	close(fd);
	if (!ok)
		return OCICTL_EXIT_ERROR;
	if (detached)
		return 0;
	waited = ocictl_call(ctl, process, OCICTL_PROCESS, "Wait", NULL, "(i)", FALSE, error);
	if (waited == NULL)
		return OCICTL_EXIT_ERROR;
	g_variant_get(waited, "(i)", &exit_code);
	return exit_code;
}

int
ocictl_cmd_exec(Ctl *ctl, int argc, char **argv, GError **error)
{
	gboolean interactive = FALSE, tty = FALSE;
	int timeout = 0;
	g_auto(GStrv) env = NULL;
	g_autofree char *workdir = NULL, *detach_keys = NULL;
	const GOptionEntry entries[] = {
		{ "interactive", 'i', 0, G_OPTION_ARG_NONE, &interactive,
		  "Pass our stdin to the command", NULL },
		{ "tty", 't', 0, G_OPTION_ARG_NONE, &tty, "Run the command on a terminal", NULL },
		{ "env", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &env,
		  "Set an environment variable (with -i or -t)", "NAME=VALUE" },
		{ "workdir", 'w', 0, G_OPTION_ARG_STRING, &workdir,
		  "The command's working directory (with -i or -t)", "DIR" },
		{ "timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
		  "Kill the command after SECONDS (without -i and -t; 0: never)", "SECONDS" },
		{ "detach-keys", 0, 0, G_OPTION_ARG_STRING, &detach_keys,
		  "Keys that detach from the command (default: none)", "KEYS" },
		{ NULL },
	};
	g_autofree char *path = NULL, *id = NULL;

	/* Options end at the container: what follows belongs to the command. */
	if (!ocictl_parse("exec", "ID [--] COMMAND [ARG…]",
			  "Runs COMMAND in the running container ID and exits with its exit code "
			  "(127: not found, 126: cannot be run).",
			  entries, TRUE, &argc, &argv, error) ||
	    !ocictl_check_args("exec", argc, argv, 2, -1, "a container and a command", error))
		return OCICTL_EXIT_ERROR;
	if (timeout < 0) {
		ocictl_usage_error(error, "exec", "--timeout takes 0 or more seconds, not %d",
				   timeout);
		return OCICTL_EXIT_ERROR;
	}
	if (!interactive && !tty && (env != NULL || workdir != NULL)) {
		ocictl_usage_error(error, "exec", "--env and --workdir need -i or -t");
		return OCICTL_EXIT_ERROR;
	}
	if (!ocictl_resolve(ctl, argv[1], &path, &id, error))
		return OCICTL_EXIT_ERROR;
	if (!interactive && !tty)
		return exec_sync(ctl, path, argv[1], argv + 2, timeout, error);
	return exec_stream(ctl, path, argv[1], argv + 2, interactive, tty, env, workdir,
			   detach_keys, error);
}
