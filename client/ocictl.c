/* ocictl: the command-line client of ocid, over the system bus (DBUS_SYSTEM_BUS_ADDRESS
 * honoured). Every command is one or two D-Bus calls; errors print the daemon's own
 * message, which says what to do. */
#include "build-config.h"

#include <gio/gio.h>
#include <glib.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUS_NAME     "org.oci.Runtime"
#define MANAGER_PATH "/org/oci/Runtime"
#define MANAGER      "org.oci.Runtime.Manager"
#define CONTAINER    "org.oci.Runtime.Container"

typedef struct {
	GDBusConnection *bus;
} Ctl;

static GVariant *
call(Ctl *ctl, const char *path, const char *interface, const char *method, GVariant *args,
     const char *reply_type, GError **error)
{
	/* Interactive authorization: polkit may ask the user, as systemctl does. */
	return g_dbus_connection_call_sync(ctl->bus, BUS_NAME, path, interface, method, args,
					   reply_type != NULL ? G_VARIANT_TYPE(reply_type) : NULL,
					   G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
					   G_MAXINT, NULL, error);
}

static char *
container_path(Ctl *ctl, const char *id_or_name, GError **error)
{
	g_autoptr(GVariant) reply = call(ctl, MANAGER_PATH, MANAGER, "GetContainer",
					 g_variant_new("(s)", id_or_name), "(o)", error);
	char *path = NULL;

	if (reply != NULL)
		g_variant_get(reply, "(o)", &path);
	return path;
}

static GVariant *
property(Ctl *ctl, const char *path, const char *name, GError **error)
{
	g_autoptr(GVariant) reply = call(ctl, path, "org.freedesktop.DBus.Properties", "Get",
					 g_variant_new("(ss)", CONTAINER, name), "(v)", error);
	GVariant *value = NULL;

	if (reply != NULL)
		g_variant_get(reply, "(v)", &value);
	return value;
}

static void
add_pair(GVariantBuilder *b, const char *text)
{
	g_auto(GStrv) kv = g_strsplit(text, "=", 2);

	g_variant_builder_add(b, "{ss}", kv[0], kv[1] != NULL ? kv[1] : "");
}

static int
cmd_list(Ctl *ctl, int argc, char **argv, GError **error)
{
	GVariantBuilder filter;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariantIter) iter = NULL;
	const char *id, *name, *state;
	guint64 created;
	gboolean quiet = FALSE;

	g_variant_builder_init(&filter, G_VARIANT_TYPE("a{sv}"));
	for (int i = 0; i < argc; i++) {
		if (g_str_equal(argv[i], "-q")) {
			quiet = TRUE;
		} else if (g_str_has_prefix(argv[i], "--state=")) {
			g_variant_builder_add(&filter, "{sv}", "state",
					      g_variant_new_string(argv[i] + 8));
		} else if (g_str_has_prefix(argv[i], "--label=")) {
			GVariantBuilder labels;
			g_variant_builder_init(&labels, G_VARIANT_TYPE("a{ss}"));
			add_pair(&labels, argv[i] + 8);
			g_variant_builder_add(&filter, "{sv}", "label",
					      g_variant_builder_end(&labels));
		} else {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				    "list takes -q, --state=STATE and --label=KEY=VALUE, not '%s'",
				    argv[i]);
			g_variant_builder_clear(&filter);
			return 2;
		}
	}
	reply =
	    call(ctl, MANAGER_PATH, MANAGER, "ListContainers",
		 g_variant_new("(@a{sv})", g_variant_builder_end(&filter)), "(a(sssto))", error);
	if (reply == NULL)
		return 1;
	if (!quiet)
		g_print("%-20s %-20s %-8s %s\n", "ID", "NAME", "STATE", "CREATED");
	g_variant_get(reply, "(a(sssto))", &iter);
	while (g_variant_iter_loop(iter, "(&s&s&st&o)", &id, &name, &state, &created, NULL)) {
		g_autoptr(GDateTime) when =
		    g_date_time_new_from_unix_local((gint64)created / 1000000);
		g_autofree char *when_text = g_date_time_format(when, "%F %T");

		if (quiet)
			g_print("%s\n", id);
		else
			g_print("%-20s %-20s %-8s %s\n", id, name, state, when_text);
	}
	return 0;
}

/* --stdin-once is the option stdin_once. */
static const char *
cli_option_key(const char *flag)
{
	if (g_str_equal(flag, "stdin-once"))
		return "stdin_once";
	return flag;
}

static int
cmd_create(Ctl *ctl, int argc, char **argv, GError **error)
{
	GVariantBuilder options, labels;
	const char *name = "", *bundle = NULL, *id = "";
	g_autoptr(GVariant) reply = NULL;
	g_autofree char *absolute = NULL;
	gboolean has_labels = FALSE;
	const char *path;

	g_variant_builder_init(&options, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_init(&labels, G_VARIANT_TYPE("a{ss}"));
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (g_str_has_prefix(a, "--name="))
			name = a + 7;
		else if (g_str_has_prefix(a, "--label=")) {
			add_pair(&labels, a + 8);
			has_labels = TRUE;
		} else if (g_str_has_prefix(a, "--log-path="))
			g_variant_builder_add(&options, "{sv}", "log_path",
					      g_variant_new_string(a + 11));
		else if (g_str_has_prefix(a, "--stop-signal="))
			g_variant_builder_add(&options, "{sv}", "stop_signal",
					      g_variant_new_string(a + 14));
		else if (g_str_equal(a, "--terminal") || g_str_equal(a, "--stdin") ||
			 g_str_equal(a, "--stdin-once") || g_str_equal(a, "--privileged"))
			g_variant_builder_add(&options, "{sv}", cli_option_key(a + 2),
					      g_variant_new_boolean(TRUE));
		else if (bundle == NULL)
			bundle = a;
		else
			id = a;
	}
	if (bundle == NULL) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				    "create needs a bundle directory");
		g_variant_builder_clear(&options);
		g_variant_builder_clear(&labels);
		return 2;
	}
	if (has_labels)
		g_variant_builder_add(&options, "{sv}", "labels", g_variant_builder_end(&labels));
	else
		g_variant_builder_clear(&labels);
	absolute = g_canonicalize_filename(bundle, NULL);
	reply =
	    call(ctl, MANAGER_PATH, MANAGER, "CreateContainer",
		 g_variant_new("(sss@a{sv})", id, name, absolute, g_variant_builder_end(&options)),
		 "(o)", error);
	if (reply == NULL)
		return 1;
	g_variant_get(reply, "(&o)", &path);
	{
		g_autoptr(GVariant) created_id = property(ctl, path, "Id", error);
		if (created_id == NULL)
			return 1;
		g_print("%s\n", g_variant_get_string(created_id, NULL));
	}
	return 0;
}

static int
cmd_simple(Ctl *ctl, const char *method, GVariant *args, const char *target, GError **error)
{
	g_autofree char *path = container_path(ctl, target, error);
	g_autoptr(GVariant) reply = NULL;

	if (path == NULL) {
		if (args != NULL)
			g_variant_unref(g_variant_ref_sink(args));
		return 1;
	}
	reply = call(ctl, path, CONTAINER, method, args, NULL, error);
	return reply != NULL ? 0 : 1;
}

static int
cmd_exec(Ctl *ctl, int argc, char **argv, GError **error)
{
	guint64 timeout = 0;
	int first = 0;
	g_autofree char *path = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) out = NULL;
	g_autoptr(GVariant) err = NULL;
	gint32 exit_code;
	gboolean timed_out;
	gsize len;
	const char *data;

	if (argc > 0 && g_str_has_prefix(argv[0], "--timeout=")) {
		timeout = g_ascii_strtoull(argv[0] + 10, NULL, 10);
		first = 1;
	}
	if (argc - first < 2) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				    "exec needs a container and a command");
		return 2;
	}
	path = container_path(ctl, argv[first], error);
	if (path == NULL)
		return 1;
	first++;
	if (g_str_equal(argv[first], "--"))
		first++;
	reply = call(ctl, path, CONTAINER, "ExecSync",
		     g_variant_new("(^ast)", argv + first, timeout), "(ayayib)", error);
	if (reply == NULL)
		return 1;
	out = g_variant_get_child_value(reply, 0);
	err = g_variant_get_child_value(reply, 1);
	g_variant_get_child(reply, 2, "i", &exit_code);
	g_variant_get_child(reply, 3, "b", &timed_out);
	data = g_variant_get_fixed_array(out, &len, 1);
	fwrite(data, 1, len, stdout);
	data = g_variant_get_fixed_array(err, &len, 1);
	fwrite(data, 1, len, stderr);
	if (timed_out)
		g_printerr("ocictl: the command timed out after %" G_GUINT64_FORMAT " s\n",
			   timeout);
	return exit_code;
}

static int
cmd_status(Ctl *ctl, const char *target, GError **error)
{
	static const char *const props[] = { "Id",       "Name",      "State",        "Pid",
					     "ExitCode", "OOMKilled", "Error",        "BundlePath",
					     "LogPath",  "Unit",      "ControlGroup", NULL };
	g_autofree char *path = container_path(ctl, target, error);

	if (path == NULL)
		return 1;
	for (int i = 0; props[i] != NULL; i++) {
		g_autoptr(GVariant) value = property(ctl, path, props[i], error);
		g_autofree char *text = NULL;

		if (value == NULL)
			return 1;
		text = g_variant_is_of_type(value, G_VARIANT_TYPE_STRING)
			   ? g_variant_dup_string(value, NULL)
			   : g_variant_print(value, FALSE);
		g_print("%14s: %s\n", props[i], text);
	}
	return 0;
}

static void
usage(void)
{
	g_printerr("Usage: ocictl COMMAND [ARGS]\n"
		   "  list [-q] [--state=STATE] [--label=KEY=VALUE]\n"
		   "  create [--name=NAME] [--label=K=V] [--log-path=P] [--stop-signal=SIG]\n"
		   "         [--terminal] [--stdin] [--stdin-once] [--privileged] BUNDLE [ID]\n"
		   "  start|pause|unpause|status ID\n"
		   "  stop [--timeout=SEC] ID     (default 10 s)\n"
		   "  kill ID [SIGNAL]            (default SIGTERM)\n"
		   "  rm [-f] ID\n"
		   "  exec [--timeout=SEC] ID [--] COMMAND [ARG...]\n"
		   "  version\n");
}

int
main(int argc, char **argv)
{
	Ctl ctl = { 0 };
	g_autoptr(GError) error = NULL;
	const char *command;
	int status = 2;

	setlocale(LC_ALL, "");
	if (argc < 2) {
		usage();
		return 2;
	}
	command = argv[1];
	argc -= 2;
	argv += 2;
	ctl.bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
	if (ctl.bus == NULL) {
		g_printerr("ocictl: cannot reach the system bus: %s\n", error->message);
		return 1;
	}
	if (g_str_equal(command, "list"))
		status = cmd_list(&ctl, argc, argv, &error);
	else if (g_str_equal(command, "create"))
		status = cmd_create(&ctl, argc, argv, &error);
	else if (g_str_equal(command, "exec"))
		status = cmd_exec(&ctl, argc, argv, &error);
	else if (g_str_equal(command, "version")) {
		g_print("ocictl %s\n", OCID_VERSION);
		status = 0;
	} else if (argc >= 1 && (g_str_equal(command, "start") || g_str_equal(command, "pause") ||
				 g_str_equal(command, "unpause"))) {
		const char *method = g_str_equal(command, "start")   ? "Start"
				     : g_str_equal(command, "pause") ? "Pause"
								     : "Unpause";
		status = cmd_simple(&ctl, method, NULL, argv[0], &error);
	} else if (g_str_equal(command, "status") && argc == 1)
		status = cmd_status(&ctl, argv[0], &error);
	else if (g_str_equal(command, "stop") && argc >= 1) {
		guint64 timeout = 10;
		if (g_str_has_prefix(argv[0], "--timeout=") && argc >= 2) {
			timeout = g_ascii_strtoull(argv[0] + 10, NULL, 10);
			argv++;
		}
		status = cmd_simple(&ctl, "Stop", g_variant_new("(t)", timeout), argv[0], &error);
	} else if (g_str_equal(command, "kill") && argc >= 1)
		status =
		    cmd_simple(&ctl, "Kill", g_variant_new("(s)", argc >= 2 ? argv[1] : "SIGTERM"),
			       argv[0], &error);
	else if (g_str_equal(command, "rm") && argc >= 1) {
		gboolean force = g_str_equal(argv[0], "-f");
		if (force && argc < 2) {
			usage();
			return 2;
		}
		status = cmd_simple(&ctl, "Delete", g_variant_new("(b)", force),
				    force ? argv[1] : argv[0], &error);
	} else {
		usage();
	}
	if (error != NULL) {
		g_autofree char *remote = g_dbus_error_get_remote_error(error);
		g_dbus_error_strip_remote_error(error);
		g_printerr("ocictl: %s%s%s\n", error->message, remote != NULL ? " — " : "",
			   remote != NULL ? remote : "");
	}
	g_object_unref(ctl.bus);
	return status;
}
