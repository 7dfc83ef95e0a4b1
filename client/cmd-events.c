/* events: what happens to containers, one line per event, from the daemon's signals
 * (ContainerNew, ContainerRemoved, and PropertiesChanged of State). The JSON objects carry
 * podman's keys: ID, Name, Status, Time, Type. */
#include "ctl.h"

#include <stdio.h>
#include <string.h>

typedef struct {
	Ctl *ctl;
	GHashTable *states; /* path -> last State seen */
	GHashTable *names;  /* path -> (id, name) as "id\nname" */
	gboolean json;
	char **containers; /* --filter container= */
	char **statuses;   /* --filter event= */
} Events;

static gboolean
wanted(char **set, const char *a, const char *b, gboolean prefix)
{
	if (set == NULL || set[0] == NULL)
		return TRUE;
	for (char **s = set; *s != NULL; s++)
		if (g_str_equal(*s, a) || (b != NULL && g_str_equal(*s, b)) ||
		    (prefix && g_str_has_prefix(a, *s)))
			return TRUE;
	return FALSE;
}

/* @health: podman's HealthStatus, for health_status only (else NULL). */
static void
emit(Events *e, const char *path, const char *status, const char *health)
{
	const char *known = g_hash_table_lookup(e->names, path);
	g_auto(GStrv) id_name = g_strsplit(known != NULL ? known : "\n", "\n", 2);
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree char *time_text = g_date_time_format_iso8601(now);

	if (!wanted(e->containers, id_name[0], id_name[1], TRUE) ||
	    !wanted(e->statuses, status, NULL, FALSE))
		return;
	if (e->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		g_autoptr(JsonNode) node = NULL;

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "ID");
		json_builder_add_string_value(b, id_name[0]);
		json_builder_set_member_name(b, "Name");
		json_builder_add_string_value(b, id_name[1] != NULL ? id_name[1] : "");
		json_builder_set_member_name(b, "Status");
		json_builder_add_string_value(b, status);
		json_builder_set_member_name(b, "Time");
		json_builder_add_string_value(b, time_text);
		json_builder_set_member_name(b, "Type");
		json_builder_add_string_value(b, "container");
		if (health != NULL) {
			json_builder_set_member_name(b, "HealthStatus");
			json_builder_add_string_value(b, health);
		}
		json_builder_end_object(b);
		node = json_builder_get_root(b);
		ocictl_print_json(node, FALSE);
	} else {
		g_print("%s container %s %s (name=%s%s%s)\n", time_text, status, id_name[0],
			id_name[1] != NULL ? id_name[1] : "",
			health != NULL ? ", health_status=" : "", health != NULL ? health : "");
	}
	fflush(stdout);
}

static void
remember(Events *e, const char *path, const char *id, const char *name, const char *state)
{
	g_hash_table_replace(e->names, g_strdup(path), g_strdup_printf("%s\n%s", id, name));
	g_hash_table_replace(e->states, g_strdup(path), g_strdup(state));
}

/* The podman word for a change of State. */
static const char *
status_of_change(const char *before, const char *after)
{
	if (g_str_equal(after, "running"))
		return before != NULL && g_str_equal(before, "paused") ? "unpause" : "start";
	if (g_str_equal(after, "paused"))
		return "pause";
	if (g_str_equal(after, "stopped"))
		return "died";
	return NULL;
}

static void
on_signal(GDBusConnection *bus, const char *sender, const char *path, const char *interface,
	  const char *member, GVariant *parameters, gpointer data)
{
	Events *e = data;

	if (g_str_equal(member, "ContainerNew")) {
		const char *id, *object;
		g_autoptr(GVariant) name = NULL;

		g_variant_get(parameters, "(&s&o)", &id, &object);
		name = ocictl_get(e->ctl, object, "Name", NULL);
		remember(e, object, id, name != NULL ? g_variant_get_string(name, NULL) : id,
			 "created");
		emit(e, object, "create", NULL);
	} else if (g_str_equal(member, "ContainerRemoved")) {
		const char *id, *object;

		g_variant_get(parameters, "(&s&o)", &id, &object);
		if (!g_hash_table_contains(e->names, object))
			remember(e, object, id, id, "stopped");
		emit(e, object, "remove", NULL);
		g_hash_table_remove(e->names, object);
		g_hash_table_remove(e->states, object);
	} else if (g_str_equal(member, "Updated") && g_str_equal(interface, OCICTL_CONTAINER)) {
		emit(e, path, "update", NULL);
	} else if (g_str_equal(member, "PropertiesChanged")) {
		const char *changed_interface, *state = NULL, *health = NULL, *status;
		gboolean ready = FALSE;
		g_autoptr(GVariant) changed = NULL;

		g_variant_get(parameters, "(&s@a{sv}@as)", &changed_interface, &changed, NULL);
		if (!g_str_equal(changed_interface, OCICTL_CONTAINER))
			return;
		/* Its restart policy made it again (created; "start" follows). */
		if (g_variant_lookup(changed, "RestartCount", "u", NULL))
			emit(e, path, "restart", NULL);
		/* Health is told only when it changes: one event per change. */
		if (g_variant_lookup(changed, "Health", "&s", &health))
			emit(e, path, "health_status", health);
		/* It said READY=1 on its NOTIFY_SOCKET (not ready again: no event). */
		if (g_variant_lookup(changed, "Ready", "b", &ready) && ready)
			emit(e, path, "ready", NULL);
		if (!g_variant_lookup(changed, "State", "&s", &state))
			return;
		status = status_of_change(g_hash_table_lookup(e->states, path), state);
		g_hash_table_replace(e->states, g_strdup(path), g_strdup(state));
		if (status != NULL)
			emit(e, path, status, NULL);
	}
}

int
ocictl_cmd_events(Ctl *ctl, int argc, char **argv, GError **error)
{
	g_autofree char *format = NULL;
	g_auto(GStrv) filters = NULL;
	const GOptionEntry entries[] = {
		{ "format", 0, 0, G_OPTION_ARG_STRING, &format, "json, or text (default)",
		  "FORMAT" },
		{ "filter", 'f', 0, G_OPTION_ARG_STRING_ARRAY, &filters,
		  "Only events with container=NAME|ID, event=STATUS (create, start, pause, "
		  "unpause, died, restart, health_status, ready, remove, update) or type=container",
		  "KEY=VALUE" },
		{ NULL },
	};
	g_autoptr(GPtrArray) containers = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) statuses = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariantIter) iter = NULL;
	g_autoptr(GMainLoop) loop = NULL;
	Events e = { .ctl = ctl };
	GDBusConnection *bus;
	const char *id, *name, *state, *path;
	guint subscription;

	if (!ocictl_parse("events", "",
			  "Prints one line per event as containers are created, started, updated, "
			  "paused, unpaused, die and are removed, until interrupted.",
			  entries, FALSE, &argc, &argv, error) ||
	    !ocictl_check_args("events", argc, argv, 0, 0, "no arguments, only options", error))
		return OCICTL_EXIT_ERROR;
	if (format != NULL && !g_str_equal(format, "json") && !g_str_equal(format, "text")) {
		ocictl_usage_error(error, "events", "--format takes json or text, not '%s'",
				   format);
		return OCICTL_EXIT_ERROR;
	}
	for (char **f = filters; f != NULL && *f != NULL; f++) {
		const char *eq = strchr(*f, '=');
		g_autofree char *key = eq != NULL ? g_strndup(*f, eq - *f) : NULL;

		if (key != NULL && g_str_equal(key, "container"))
			g_ptr_array_add(containers, g_strdup(eq + 1));
		else if (key != NULL && (g_str_equal(key, "event") || g_str_equal(key, "status")))
			g_ptr_array_add(statuses, g_strdup(eq + 1));
		else if (key != NULL && g_str_equal(key, "type") &&
			 g_str_equal(eq + 1, "container"))
			continue;
		else {
			ocictl_usage_error(
			    error, "events",
			    "unknown filter '%s': the filters are container=, event= "
			    "and type=container",
			    *f);
			return OCICTL_EXIT_ERROR;
		}
	}
	g_ptr_array_add(containers, NULL);
	g_ptr_array_add(statuses, NULL);
	e.containers = (char **)containers->pdata;
	e.statuses = (char **)statuses->pdata;
	e.json = format != NULL && g_str_equal(format, "json");
	e.states = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	e.names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	bus = ocictl_bus(ctl, error);
	if (bus == NULL)
		return OCICTL_EXIT_ERROR;
	subscription =
	    g_dbus_connection_signal_subscribe(bus, OCICTL_BUS_NAME, NULL, NULL, NULL, NULL,
					       G_DBUS_SIGNAL_FLAGS_NONE, on_signal, &e, NULL);
	/* After the subscription, so that nothing falls between the list and the signals. */
	reply = ocictl_call(
	    ctl, OCICTL_MANAGER_PATH, OCICTL_MANAGER, "ListContainers",
	    g_variant_new("(@a{sv})", g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)),
	    "(a(sssto))", FALSE, error);
	if (reply == NULL) {
		g_dbus_connection_signal_unsubscribe(bus, subscription);
		g_hash_table_unref(e.states);
		g_hash_table_unref(e.names);
		return OCICTL_EXIT_ERROR;
	}
	g_variant_get(reply, "(a(sssto))", &iter);
	while (g_variant_iter_loop(iter, "(&s&s&st&o)", &id, &name, &state, NULL, &path))
		remember(&e, path, id, name, state);
	loop = g_main_loop_new(NULL, FALSE);
	g_main_loop_run(loop);
	return 0;
}
