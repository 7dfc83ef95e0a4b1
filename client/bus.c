/* The daemon, seen from ocictl: the connection, calls, containers named the way people
 * name them (name, id, id prefix), and D-Bus errors rewritten to name ocictl commands. */
#include "ctl.h"

#include <string.h>

GDBusConnection *
ocictl_bus(Ctl *ctl, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (ctl->bus != NULL)
		return ctl->bus;
	if (ctl->host != NULL)
		return ctl->bus = ocictl_remote_bus(ctl->host, error);
	if (ctl->address != NULL)
		ctl->bus = g_dbus_connection_new_for_address_sync(
		    ctl->address,
		    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		    NULL, NULL, &local);
	else
		ctl->bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &local);
	if (ctl->bus == NULL) {
		g_dbus_error_strip_remote_error(local);
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_FAILED,
			    "cannot reach the bus %s: %s (--address or DBUS_SYSTEM_BUS_ADDRESS "
			    "names another one, e.g. the demo's)",
			    ctl->address != NULL ? ctl->address : "(the system bus)",
			    local->message);
	}
	return ctl->bus;
}

GVariant *
ocictl_call_fds(Ctl *ctl, const char *path, const char *interface, const char *method,
		GVariant *args, const char *reply_type, GUnixFDList **fds_out, GError **error)
{
	GDBusConnection *bus = NULL;
	GDBusCallFlags flags = G_DBUS_CALL_FLAGS_NONE;

	if (fds_out == NULL || ocictl_check_local(ctl, error))
		bus = ocictl_bus(ctl, error);
	if (bus == NULL) {
		if (args != NULL)
			g_variant_unref(g_variant_ref_sink(args));
		return NULL;
	}
	if (ctl->ask_password) {
		ocictl_agent_start(ctl);
		flags |= G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION;
	}
	return g_dbus_connection_call_with_unix_fd_list_sync(
	    bus, OCICTL_BUS_NAME, path, interface, method, args,
	    reply_type != NULL ? G_VARIANT_TYPE(reply_type) : NULL, flags, G_MAXINT, NULL, fds_out,
	    NULL, error);
}

GVariant *
ocictl_call(Ctl *ctl, const char *path, const char *interface, const char *method, GVariant *args,
	    const char *reply_type, gboolean interactive, GError **error)
{
	GDBusConnection *bus;

	if (interactive)
		return ocictl_call_fds(ctl, path, interface, method, args, reply_type, NULL, error);
	bus = ocictl_bus(ctl, error);
	if (bus == NULL) {
		if (args != NULL)
			g_variant_unref(g_variant_ref_sink(args));
		return NULL;
	}
	return g_dbus_connection_call_sync(bus, OCICTL_BUS_NAME, path, interface, method, args,
					   reply_type != NULL ? G_VARIANT_TYPE(reply_type) : NULL,
					   G_DBUS_CALL_FLAGS_NONE, G_MAXINT, NULL, error);
}

/* How long a restart of ocid (an upgrade, a crash and Restart=on-failure) may take before a
 * call that survives it gives up. */
#define DAEMON_RETURN_SEC 120

gboolean
ocictl_daemon_away(const GError *error)
{
	static const char *const away[] = {
		"org.freedesktop.DBus.Error.NoReply",        /* it left with our call */
		"org.freedesktop.DBus.Error.ServiceUnknown", /* not there, not activatable yet */
		"org.freedesktop.DBus.Error.NameHasNoOwner", /* between two owners */
		"org.freedesktop.DBus.Error.UnknownObject",  /* back, restoring containers */
		NULL,
	};
	g_autofree char *remote = error != NULL ? g_dbus_error_get_remote_error(error) : NULL;

	return remote != NULL && g_strv_contains(away, remote);
}

GVariant *
ocictl_call_through_restart(Ctl *ctl, const char *path, const char *interface, const char *method,
			    GVariant *args, const char *reply_type, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + DAEMON_RETURN_SEC * G_USEC_PER_SEC;
	g_autoptr(GVariant) owned = args != NULL ? g_variant_ref_sink(args) : NULL;

	for (;;) {
		g_autoptr(GError) local = NULL;
		GVariant *reply = ocictl_call(ctl, path, interface, method,
					      owned != NULL ? g_variant_ref(owned) : NULL,
					      reply_type, FALSE, &local);

		if (reply != NULL)
			return reply;
		if (!ocictl_daemon_away(local) || g_get_monotonic_time() > deadline) {
			g_propagate_error(error, g_steal_pointer(&local));
			return NULL;
		}
		g_usleep(200 * 1000);
	}
}

char *
ocictl_daemon_owner(Ctl *ctl)
{
	GDBusConnection *bus = ocictl_bus(ctl, NULL);
	g_autoptr(GVariant) reply =
	    bus != NULL
		? g_dbus_connection_call_sync(
		      bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
		      "GetNameOwner", g_variant_new("(s)", OCICTL_BUS_NAME), G_VARIANT_TYPE("(s)"),
		      G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL)
		: NULL;
	char *owner = NULL;

	if (reply != NULL)
		g_variant_get(reply, "(s)", &owner);
	return owner;
}

gboolean
ocictl_error_is(const GError *error, OcidError code)
{
	g_autofree char *remote = error != NULL ? g_dbus_error_get_remote_error(error) : NULL;

	return g_strcmp0(remote, ocid_error_dbus_name(code)) == 0;
}

/* The daemon's error names come from its one table (daemon/errors.c). */
static gboolean
remote_is(const char *remote, OcidError code)
{
	return g_strcmp0(remote, ocid_error_dbus_name(code)) == 0;
}

/* Replaces every @from in @text by @to. */
static char *
replace(char *text, const char *from, const char *to)
{
	g_auto(GStrv) parts = g_strsplit(text, from, -1);

	g_free(text);
	return g_strjoinv(to, parts);
}

/* What to run instead, for a container in the wrong state, by command. */
static const char *
state_hint(const char *command)
{
	static const struct {
		const char *command, *hint;
	} hints[] = {
		{ "start", "only a created container starts; 'ocictl run' creates and starts a "
			   "new one" },
		{ "rm",
		  "stop it with 'ocictl stop %s', or remove it anyway with 'ocictl rm -f %s'" },
		{ "pause", "only a running container can be paused" },
		{ "unpause", "only a paused container can be unpaused" },
		{ "exec", "exec needs a running container" },
		{ "update", "only a running or paused container can be updated" },
		{ "stats", "only a running or paused container has statistics" },
		{ "attach", "attach needs a running container created with --terminal or --stdin" },
		{ "kill", "it has no process to signal" },
		{ "stop", "it has no process to stop" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(hints); i++)
		if (g_str_equal(hints[i].command, command))
			return hints[i].hint;
	return NULL;
}

void
ocictl_phrase_error(Ctl *ctl, const char *target, GError *error)
{
	g_autofree char *remote = g_dbus_error_get_remote_error(error);
	g_autofree char *rm_force = NULL;
	char *message;
	int code = OCICTL_ERROR_FAILED;
	const char *who = target != NULL ? target : "ID";

	if (error->domain == OCICTL_ERROR)
		return;
	g_dbus_error_strip_remote_error(error);
	message = g_strdup(error->message);
	rm_force = g_strdup_printf("'ocictl rm -f %s'", who);
	/* The daemon's messages name D-Bus methods; a CLI user needs the command. */
	message = replace(message, "delete it with force=true", "remove it anyway with RMF");
	message = replace(message, "cancel it with Delete(true)", "cancel it with RMF");
	message = replace(message, "Delete(true) cancels", "RMF cancels");
	message = replace(message, "RMF", rm_force);
	message = replace(message, "or delete that container",
			  "or remove that one with 'ocictl rm' ('ocictl ps -a' lists them)");
	message =
	    replace(message, "ListContainers shows the existing ones", "'ocictl ps -a' lists them");
	message = replace(message, "ListContainers", "'ocictl ps -a'");
	message = replace(message, "wait for CreateContainer to return",
			  "wait for 'ocictl create' to finish");
	if (remote == NULL) {
		/* A local failure (the bus itself): keep it. */
	} else if (g_str_equal(remote, "org.freedesktop.DBus.Error.ServiceUnknown") ||
		   g_str_equal(remote, "org.freedesktop.DBus.Error.NameHasNoOwner")) {
		g_free(message);
		message = g_strdup("ocid is not running on this bus; start it with 'systemctl "
				   "start ocid' (or point ocictl at another bus with --address)");
	} else if (g_str_equal(remote, "org.freedesktop.DBus.Error.UnknownMethod")) {
		g_free(message);
		message = g_strdup_printf("this ocid is older than ocictl and cannot '%s' (%s)",
					  ctl->command, error->message);
	} else if (remote_is(remote, OCID_ERROR_ACCESS_DENIED) ||
		   g_str_equal(remote, "org.freedesktop.DBus.Error.AccessDenied")) {
		char *with_hint = g_strdup_printf(
		    "%s\nRun 'ocictl %s' as root, from a terminal where polkit can ask for a "
		    "password, or after a polkit rule grants it",
		    message, ctl->command);
		g_free(message);
		message = with_hint;
	} else if (remote_is(remote, OCID_ERROR_INVALID_STATE)) {
		const char *hint = state_hint(ctl->command);
		g_autofree char *state = NULL, *text = NULL;
		const char *is = strstr(message, " is ");

		/* "Container ID is STATE; what to do over D-Bus": the state is what counts. */
		if (is != NULL && g_str_has_prefix(message, "Container "))
			state = g_strndup(is + 4, strcspn(is + 4, ";, "));
		if (hint != NULL) {
			/* The hints name the container with %s, at most twice. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			text = g_strdup_printf(hint, who, who);
#pragma GCC diagnostic pop
			char *with_hint = state != NULL ? g_strdup_printf("container %s is %s: %s",
									  who, state, text)
							: g_strdup_printf("%s (%s)", message, text);
			g_free(message);
			message = with_hint;
		}
	} else if (remote_is(remote, OCID_ERROR_NO_SUCH_CONTAINER)) {
		if (strstr(message, "ocictl") == NULL) {
			char *with_hint =
			    g_strdup_printf("%s; 'ocictl ps -a' lists the others", message);
			g_free(message);
			message = with_hint;
		}
	}
	g_free(error->message);
	error->message = message;
	error->domain = OCICTL_ERROR;
	error->code = code;
}

gboolean
ocictl_resolve(Ctl *ctl, const char *name, char **path, char **id, GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariantIter) iter = NULL;
	g_autoptr(GPtrArray) matches = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *match_path = NULL;
	const char *cid, *cname, *cpath;
	g_autoptr(GVariant) direct = NULL;

	reply = ocictl_call(
	    ctl, OCICTL_MANAGER_PATH, OCICTL_MANAGER, "ListContainers",
	    g_variant_new("(@a{sv})", g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)),
	    "(a(sssto))", FALSE, error);
	if (reply == NULL) {
		ocictl_phrase_error(ctl, name, *error);
		return FALSE;
	}
	g_variant_get(reply, "(a(sssto))", &iter);
	while (g_variant_iter_loop(iter, "(&s&s&st&o)", &cid, &cname, NULL, NULL, &cpath)) {
		if (g_str_equal(cid, name) || g_str_equal(cname, name)) {
			*path = g_strdup(cpath);
			*id = g_strdup(cid);
			return TRUE;
		}
		if (g_str_has_prefix(cid, name)) {
			g_ptr_array_add(matches, g_strdup(cid));
			g_free(match_path);
			match_path = g_strdup(cpath);
		}
	}
	if (matches->len == 1 && name[0] != '\0') {
		*path = g_steal_pointer(&match_path);
		*id = g_strdup(g_ptr_array_index(matches, 0));
		return TRUE;
	}
	if (matches->len > 1 && name[0] != '\0') {
		g_autofree char *list = NULL;
		g_ptr_array_add(matches, NULL);
		list = g_strjoinv(", ", (char **)matches->pdata);
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_FAILED,
			    "'%s' is the start of %u container ids: %s; give more of the id", name,
			    matches->len - 1, list);
		return FALSE;
	}
	/* A container still being created is not listed, but answers by id or name. */
	direct = ocictl_call(ctl, OCICTL_MANAGER_PATH, OCICTL_MANAGER, "GetContainer",
			     g_variant_new("(s)", name), "(o)", FALSE, NULL);
	if (direct != NULL) {
		g_autoptr(GVariant) value = NULL;
		g_variant_get(direct, "(o)", path);
		value = ocictl_get(ctl, *path, "Id", NULL);
		*id = g_strdup(value != NULL ? g_variant_get_string(value, NULL) : name);
		return TRUE;
	}
	g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_NO_SUCH_CONTAINER,
		    "no container is named '%s' or has an id starting with it; 'ocictl ps -a' "
		    "lists them",
		    name);
	return FALSE;
}

GVariant *
ocictl_get_all(Ctl *ctl, const char *path, const char *interface, GError **error)
{
	g_autoptr(GVariant) reply =
	    ocictl_call(ctl, path, "org.freedesktop.DBus.Properties", "GetAll",
			g_variant_new("(s)", interface), "(a{sv})", FALSE, error);

	if (reply == NULL)
		return NULL;
	return g_variant_get_child_value(reply, 0);
}

GVariant *
ocictl_get(Ctl *ctl, const char *path, const char *name, GError **error)
{
	g_autoptr(GVariant) reply =
	    ocictl_call(ctl, path, "org.freedesktop.DBus.Properties", "Get",
			g_variant_new("(ss)", OCICTL_CONTAINER, name), "(v)", FALSE, error);
	GVariant *value = NULL;

	if (reply != NULL)
		g_variant_get(reply, "(v)", &value);
	return value;
}
