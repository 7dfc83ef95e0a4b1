/* attach: the terminal (or stdin and output) of a container created with --tty or
 * --interactive, through the daemon's Attach socket; podman's detach keys; the exit code
 * is the container's once it ends. Also version, which asks the daemon for its own. */
#include "build-config.h"
#include "ctl.h"

#include <unistd.h>

static void
resize(gpointer data, guint rows, guint cols)
{
	void **pair = data;

	g_autoptr(GVariant) reply =
	    ocictl_call(pair[0], pair[1], OCICTL_CONTAINER, "ResizeTerminal",
			g_variant_new("(uu)", rows, cols), NULL, FALSE, NULL);
}

static gboolean
bool_property(Ctl *ctl, const char *path, const char *name)
{
	g_autoptr(GVariant) value = ocictl_get(ctl, path, name, NULL);

	return value != NULL && g_variant_get_boolean(value);
}

int
ocictl_cmd_attach(Ctl *ctl, int argc, char **argv, GError **error)
{
	gboolean no_stdin = FALSE, detached = FALSE, oom, ok;
	g_autofree char *detach_keys = NULL;
	const GOptionEntry entries[] = {
		{ "no-stdin", 0, 0, G_OPTION_ARG_NONE, &no_stdin, "Do not pass our stdin on",
		  NULL },
		{ "detach-keys", 0, 0, G_OPTION_ARG_STRING, &detach_keys,
		  "Keys that detach (default ctrl-p,ctrl-q; empty: none)", "KEYS" },
		{ NULL },
	};
	g_autofree char *path = NULL, *id = NULL;
	g_autoptr(GUnixFDList) fds = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GByteArray) keys = NULL;
	gint32 index, exit_code;
	gboolean terminal;
	int fd;

	if (!ocictl_parse("attach", "ID",
			  "Attaches to a running container created with --tty or --interactive: "
			  "our stdin goes to it, its output comes back. The detach keys leave it "
			  "running.",
			  entries, FALSE, &argc, &argv, error) ||
	    !ocictl_check_args("attach", argc, argv, 1, 1, "one container", error))
		return OCICTL_EXIT_ERROR;
	if (detach_keys != NULL && !ocictl_parse_detach_keys(detach_keys, &keys, error)) {
		(*error)->code = OCICTL_ERROR_USAGE;
		return OCICTL_EXIT_ERROR;
	}
	if (!ocictl_resolve(ctl, argv[1], &path, &id, error))
		return OCICTL_EXIT_ERROR;
	reply = ocictl_call_fds(
	    ctl, path, OCICTL_CONTAINER, "Attach",
	    g_variant_new("(@a{sv})", g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)), "(h)",
	    &fds, error);
	if (reply == NULL) {
		ocictl_phrase_error(ctl, argv[1], *error);
		return OCICTL_EXIT_ERROR;
	}
	g_variant_get(reply, "(h)", &index);
	fd = g_unix_fd_list_get(fds, index, error);
	if (fd < 0)
		return OCICTL_EXIT_ERROR;
	terminal = bool_property(ctl, path, "Terminal");
	{
		void *pair[] = { ctl, path };
		OcictlStream how = {
			.send_stdin = !no_stdin && (terminal || bool_property(ctl, path, "Stdin")),
			.raw = terminal && isatty(STDIN_FILENO),
			.detach_keys = detach_keys != NULL ? detach_keys : "ctrl-p,ctrl-q",
			.resize = terminal ? resize : NULL,
			.resize_data = pair,
		};
		ok = ocictl_stream_run(fd, &how, &detached, error);
	}
	close(fd);
	if (!ok)
		return OCICTL_EXIT_ERROR;
	if (detached) {
		g_printerr("\r\nocictl attach: detached from %s; it keeps running\n", argv[1]);
		return 0;
	}
	if (!ocictl_wait(ctl, path, &exit_code, &oom, error))
		return OCICTL_EXIT_ERROR;
	return exit_code;
}

int
ocictl_cmd_version(Ctl *ctl, int argc, char **argv, GError **error)
{
	g_autoptr(GVariant) manager = NULL;
	g_autofree char *version = NULL, *runtime = NULL, *runtime_version = NULL;

	if (!ocictl_parse("version", "", "Shows the versions of ocictl, ocid and its runtime.",
			  NULL, FALSE, &argc, &argv, error) ||
	    !ocictl_check_args("version", argc, argv, 0, 0, "no arguments", error))
		return OCICTL_EXIT_ERROR;
	g_print("ocictl %s\n", OCID_VERSION);
	manager = ocictl_get_all(ctl, OCICTL_MANAGER_PATH, OCICTL_MANAGER, error);
	if (manager == NULL)
		return OCICTL_EXIT_ERROR;
	g_variant_lookup(manager, "Version", "s", &version);
	g_variant_lookup(manager, "RuntimeName", "s", &runtime);
	g_variant_lookup(manager, "RuntimeVersion", "s", &runtime_version);
	g_print("ocid %s\n%s %s\n", version != NULL ? version : "?",
		runtime != NULL ? runtime : "?", runtime_version != NULL ? runtime_version : "?");
	return 0;
}
