/* Looking at containers: list (ps) as a table, JSON or a template, inspect as a JSON array
 * of every property, status as a few lines for people. */
#include "ctl.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>

typedef struct {
	char *id, *name, *state, *path;
	guint64 created;
} Row;

/* {{.Field}} of a template, for one container (list) or its properties (inspect). */
static char *
expand_template(const char *template, GVariant *properties, gboolean no_trunc)
{
	GString *out = g_string_new(NULL);
	const char *p = template;

	while (*p != '\0') {
		const char *open = strstr(p, "{{"), *close;
		g_autofree char *field = NULL;
		g_autoptr(GVariant) value = NULL;

		if (open == NULL || (close = strstr(open, "}}")) == NULL) {
			g_string_append(out, p);
			break;
		}
		g_string_append_len(out, p, open - p);
		field = g_strstrip(g_strndup(open + 2, close - open - 2));
		p = close + 2;
		if (field[0] == '.')
			memmove(field, field + 1, strlen(field));
		/* podman's spellings of the list's columns. */
		if (g_str_equal(field, "ID")) {
			g_autofree char *id = NULL, *shown = NULL;
			g_variant_lookup(properties, "Id", "s", &id);
			shown = ocictl_short_id(id != NULL ? id : "", no_trunc);
			g_string_append(out, shown);
			continue;
		}
		if (g_str_equal(field, "Names"))
			g_free(field), field = g_strdup("Name");
		if (g_str_equal(field, "Status"))
			g_free(field), field = g_strdup("State");
		value = g_variant_lookup_value(properties, field, NULL);
		if (value == NULL)
			continue;
		if (g_variant_is_of_type(value, G_VARIANT_TYPE_STRING))
			g_string_append(out, g_variant_get_string(value, NULL));
		else {
			g_autofree char *text = g_variant_print(value, FALSE);
			g_string_append(out, text);
		}
	}
	/* "\t" and "\n" as podman's templates take them. */
	{
		g_autofree char *text = g_string_free(out, FALSE);
		return g_strcompress(text);
	}
}

/* A user as ps shows it: her name in the passwd database, else the uid. */
static char *
user_name(guint32 uid)
{
	struct passwd *pw = getpwuid((uid_t)uid);

	return pw != NULL ? g_strdup(pw->pw_name) : g_strdup_printf("%u", uid);
}

/* owner=NAME|UID: a user name of the passwd database, else a number. The daemon checks
 * nothing about the uid: an unknown one matches no container. */
static gboolean
parse_owner(const char *text, guint32 *uid, GError **error)
{
	struct passwd *pw;
	guint64 number;

	if (text[0] == '\0') {
		ocictl_usage_error(error, "list", "owner= takes a user name or a uid");
		return FALSE;
	}
	pw = getpwnam(text);
	if (pw != NULL) {
		*uid = (guint32)pw->pw_uid;
		return TRUE;
	}
	if (g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT32 - 1, &number, NULL)) {
		*uid = (guint32)number;
		return TRUE;
	}
	ocictl_usage_error(error, "list",
			   "owner '%s' is neither a user of this host (getent passwd) nor a uid",
			   text);
	return FALSE;
}

/* Parses --filter KEY=VALUE items into the daemon's filter and ours. */
static gboolean
build_filter(GPtrArray *filters, GVariantBuilder *daemon_filter, GPtrArray *states,
	     GPtrArray *names, GPtrArray *ids, GArray *owners, GError **error)
{
	GVariantBuilder labels;
	gboolean has_labels = FALSE;

	g_variant_builder_init(&labels, G_VARIANT_TYPE("a{ss}"));
	for (guint i = 0; i < filters->len; i++) {
		char **f = (char **)&filters->pdata[i];
		const char *eq = strchr(*f, '=');
		g_autofree char *key = eq != NULL ? g_strndup(*f, eq - *f) : g_strdup(*f);

		if (eq == NULL) {
			ocictl_usage_error(error, "list", "--filter takes KEY=VALUE, not '%s'", *f);
			g_variant_builder_clear(&labels);
			return FALSE;
		}
		if (g_str_equal(key, "label")) {
			ocictl_add_pair(&labels, eq + 1);
			has_labels = TRUE;
		} else if (g_str_equal(key, "state") || g_str_equal(key, "status")) {
			g_ptr_array_add(states, g_strdup(eq + 1));
		} else if (g_str_equal(key, "name")) {
			g_ptr_array_add(names, g_strdup(eq + 1));
		} else if (g_str_equal(key, "id")) {
			g_ptr_array_add(ids, g_strdup(eq + 1));
		} else if (g_str_equal(key, "owner")) {
			guint32 uid;
			if (!parse_owner(eq + 1, &uid, error)) {
				g_variant_builder_clear(&labels);
				return FALSE;
			}
			g_array_append_val(owners, uid);
		} else {
			ocictl_usage_error(error, "list",
					   "unknown filter '%s': the filters are state, name, id, "
					   "label and owner",
					   key);
			g_variant_builder_clear(&labels);
			return FALSE;
		}
	}
	if (has_labels)
		g_variant_builder_add(daemon_filter, "{sv}", "label",
				      g_variant_builder_end(&labels));
	else
		g_variant_builder_clear(&labels);
	/* The daemon takes one owner; either of several is ours to check. */
	if (owners->len == 1)
		g_variant_builder_add(daemon_filter, "{sv}", "owner",
				      g_variant_new_uint32(g_array_index(owners, guint32, 0)));
	return TRUE;
}

static gboolean
owner_admitted(GArray *owners, guint32 uid)
{
	if (owners->len <= 1)
		return TRUE;
	for (guint i = 0; i < owners->len; i++)
		if (g_array_index(owners, guint32, i) == uid)
			return TRUE;
	return FALSE;
}

/* The container's owner, G_MAXUINT32 when it cannot be read (it was deleted meanwhile,
 * or a daemon from before owners does not say). */
static guint32
owner_of(Ctl *ctl, const char *path)
{
	g_autoptr(GVariant) value = ocictl_get(ctl, path, "Owner", NULL);

	if (value == NULL || !g_variant_is_of_type(value, G_VARIANT_TYPE_UINT32))
		return G_MAXUINT32;
	return g_variant_get_uint32(value);
}

/* Whether @text is one of @set, or contains one of it (@substring); an empty set admits. */
static gboolean
admitted(GPtrArray *set, const char *text, gboolean substring, gboolean prefix)
{
	if (set->len == 0)
		return TRUE;
	for (guint i = 0; i < set->len; i++) {
		const char *want = g_ptr_array_index(set, i);
		if (g_str_equal(text, want) || (substring && strstr(text, want) != NULL) ||
		    (prefix && g_str_has_prefix(text, want)))
			return TRUE;
	}
	return FALSE;
}

static void
add_all(GPtrArray *to, char **items, const char *prefix)
{
	for (char **i = items; i != NULL && *i != NULL; i++)
		g_ptr_array_add(to, g_strconcat(prefix, *i, NULL));
}

/* One container of the list as JSON: podman's keys where they apply. */
static JsonNode *
row_to_json(Ctl *ctl, const Row *row)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(GVariant) properties = ocictl_get_all(ctl, row->path, OCICTL_CONTAINER, NULL);
	g_autofree char *created_at = ocictl_format_time(row->created);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "Id");
	json_builder_add_string_value(b, row->id);
	json_builder_set_member_name(b, "Names");
	json_builder_begin_array(b);
	json_builder_add_string_value(b, row->name);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "State");
	json_builder_add_string_value(b, row->state);
	json_builder_set_member_name(b, "Created");
	json_builder_add_int_value(b, (gint64)(row->created / G_USEC_PER_SEC));
	json_builder_set_member_name(b, "CreatedAt");
	json_builder_add_string_value(b, created_at);
	if (properties != NULL) {
		static const char *const more[] = { "Pid",   "ExitCode", "Labels",
						    "Owner", "Confined", NULL };
		for (int i = 0; more[i] != NULL; i++) {
			g_autoptr(GVariant) value =
			    g_variant_lookup_value(properties, more[i], NULL);
			if (value == NULL)
				continue;
			json_builder_set_member_name(b, more[i]);
			json_builder_add_value(b, ocictl_properties_to_json(value));
		}
	}
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

int
ocictl_cmd_list(Ctl *ctl, int argc, char **argv, GError **error)
{
	gboolean all = FALSE, quiet = FALSE, no_trunc = FALSE;
	g_autofree char *format = NULL;
	g_auto(GStrv) filter_args = NULL;
	g_auto(GStrv) label_args = NULL;
	g_autofree char *state_arg = NULL;
	const GOptionEntry entries[] = {
		{ "all", 'a', 0, G_OPTION_ARG_NONE, &all,
		  "All containers, not only running and paused ones", NULL },
		{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Only the ids", NULL },
		{ "format", 0, 0, G_OPTION_ARG_STRING, &format,
		  "table (default), json, or a template such as '{{.ID}} {{.Names}}'", "FORMAT" },
		{ "no-trunc", 0, 0, G_OPTION_ARG_NONE, &no_trunc, "Whole ids", NULL },
		{ "filter", 'f', 0, G_OPTION_ARG_STRING_ARRAY, &filter_args,
		  "Only containers with state=STATE, name=TEXT (in the name), id=PREFIX, "
		  "label=KEY=VALUE or owner=USER (a name or a uid); a key given twice: either "
		  "value (labels: both)",
		  "KEY=VALUE" },
		{ "label", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING_ARRAY, &label_args,
		  "Same as --filter label=KEY=VALUE", "KEY=VALUE" },
		{ "state", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &state_arg,
		  "Same as --filter state=STATE", "STATE" },
		{ NULL },
	};
	GVariantBuilder daemon_filter;
	g_autoptr(GPtrArray) filters = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) states = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) owners = g_array_new(FALSE, FALSE, sizeof(guint32));
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariantIter) iter = NULL;
	g_autoptr(JsonArray) json = NULL;
	gboolean as_json, as_template;
	Row row;

	if (!ocictl_parse("list", "", "Lists containers, newest first.", entries, FALSE, &argc,
			  &argv, error) ||
	    !ocictl_check_args("list", argc, argv, 0, 0, "no arguments, only options", error))
		return OCICTL_EXIT_ERROR;
	as_json = format != NULL && g_str_equal(format, "json");
	as_template = format != NULL && strstr(format, "{{") != NULL;
	if (format != NULL && !as_json && !as_template && !g_str_equal(format, "table")) {
		ocictl_usage_error(error, "list",
				   "--format takes table, json or a template with {{.Field}}, "
				   "not '%s'",
				   format);
		return OCICTL_EXIT_ERROR;
	}
	add_all(filters, filter_args, "");
	add_all(filters, label_args, "label=");
	if (state_arg != NULL)
		g_ptr_array_add(filters, g_strconcat("state=", state_arg, NULL));
	g_variant_builder_init(&daemon_filter, G_VARIANT_TYPE("a{sv}"));
	if (!build_filter(filters, &daemon_filter, states, names, ids, owners, error)) {
		g_variant_builder_clear(&daemon_filter);
		return OCICTL_EXIT_ERROR;
	}
	reply = ocictl_call(ctl, OCICTL_MANAGER_PATH, OCICTL_MANAGER, "ListContainers",
			    g_variant_new("(@a{sv})", g_variant_builder_end(&daemon_filter)),
			    "(a(sssto))", FALSE, error);
	if (reply == NULL)
		return OCICTL_EXIT_ERROR;
	if (as_json)
		json = json_array_new();
	else if (!quiet && !as_template)
		/* STATE has room for "running (unhealthy)". */
		g_print("%-*s  %-20s  %-19s  %-12s  %s\n", no_trunc ? 64 : 12, "CONTAINER ID",
			"NAME", "STATE", "OWNER", "CREATED");
	g_variant_get(reply, "(a(sssto))", &iter);
	while (g_variant_iter_loop(iter, "(sssto)", &row.id, &row.name, &row.state, &row.created,
				   &row.path)) {
		g_autofree char *short_id = ocictl_short_id(row.id, no_trunc);
		gboolean live =
		    g_str_equal(row.state, "running") || g_str_equal(row.state, "paused");
		guint32 owner = G_MAXUINT32;

		if ((!all && states->len == 0 && !live) ||
		    !admitted(states, row.state, FALSE, FALSE) ||
		    !admitted(names, row.name, TRUE, FALSE) || !admitted(ids, row.id, FALSE, TRUE))
			continue;
		/* One Get per row only where the owner is shown or checked here. */
		if (owners->len > 1 || (!as_json && !quiet && !as_template))
			owner = owner_of(ctl, row.path);
		if (!owner_admitted(owners, owner))
			continue;
		if (as_json) {
			json_array_add_element(json, row_to_json(ctl, &row));
		} else if (quiet) {
			g_print("%s\n", short_id);
		} else if (as_template) {
			g_autoptr(GVariant) properties =
			    ocictl_get_all(ctl, row.path, OCICTL_CONTAINER, NULL);
			g_autofree char *line = properties != NULL
						    ? expand_template(format, properties, no_trunc)
						    : NULL;
			if (line != NULL)
				g_print("%s\n", line);
		} else {
			g_autofree char *when = ocictl_format_time(row.created);
			/* A container created without a name is named by its id. */
			g_autofree char *shown_name = g_str_equal(row.name, row.id)
							  ? ocictl_short_id(row.name, no_trunc)
							  : g_strdup(row.name);
			g_autofree char *shown_owner =
			    owner != G_MAXUINT32 ? user_name(owner) : g_strdup("-");
			/* podman's (healthy) beside a running one with a health check. */
			g_autofree char *health = g_str_equal(row.state, "running")
						      ? ocictl_health_of(ctl, row.path)
						      : NULL;
			g_autofree char *shown_state =
			    health != NULL ? g_strdup_printf("%s (%s)", row.state, health)
					   : g_strdup(row.state);
			g_print("%-*s  %-20s  %-19s  %-12s  %s\n", no_trunc ? 64 : 12, short_id,
				shown_name, shown_state, shown_owner, when);
		}
	}
	if (as_json) {
		g_autoptr(JsonNode) node = json_node_new(JSON_NODE_ARRAY);
		json_node_set_array(node, json);
		ocictl_print_json(node, TRUE);
	}
	return 0;
}

int
ocictl_cmd_inspect(Ctl *ctl, int argc, char **argv, GError **error)
{
	g_autofree char *format = NULL;
	const GOptionEntry entries[] = {
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format,
		  "A template such as '{{.State}} {{.Pid}}' instead of JSON", "TEMPLATE" },
		{ NULL },
	};
	g_autoptr(JsonArray) json = json_array_new();
	g_autoptr(JsonNode) node = NULL;
	int status = 0;

	if (!ocictl_parse("inspect", "ID…",
			  "Prints a JSON array with one object per container, holding every "
			  "D-Bus property of org.oci.Runtime.Container under its D-Bus name.",
			  entries, FALSE, &argc, &argv, error) ||
	    !ocictl_check_args("inspect", argc, argv, 1, -1, "a container", error))
		return OCICTL_EXIT_ERROR;
	for (int i = 1; i < argc; i++) {
		g_autoptr(GError) local = NULL;
		g_autofree char *path = NULL, *id = NULL;
		g_autoptr(GVariant) properties = NULL;

		if (ocictl_resolve(ctl, argv[i], &path, &id, &local))
			properties = ocictl_get_all(ctl, path, OCICTL_CONTAINER, &local);
		if (properties == NULL) {
			ocictl_phrase_error(ctl, argv[i], local);
			g_printerr("ocictl inspect: %s\n", local->message);
			status = OCICTL_EXIT_ERROR;
		} else if (format != NULL) {
			g_autofree char *line = expand_template(format, properties, TRUE);
			g_print("%s\n", line);
		} else {
			json_array_add_element(json, ocictl_properties_to_json(properties));
		}
	}
	if (format == NULL) {
		node = json_node_new(JSON_NODE_ARRAY);
		json_node_set_array(node, json);
		ocictl_print_json(node, TRUE);
	}
	return status;
}

int
ocictl_cmd_status(Ctl *ctl, int argc, char **argv, GError **error)
{
	static const char *const props[] = {
		"Id",       "Name",          "State",        "Pid",  "ExitCode",     "OOMKilled",
		"Error",    "BundlePath",    "LogPath",      "Unit", "ControlGroup", "Owner",
		"Confined", "RestartPolicy", "RestartCount", NULL
	};
	g_autofree char *path = NULL, *id = NULL, *state = NULL;
	g_autoptr(GVariant) properties = NULL;

	if (!ocictl_parse("status", "ID", "Shows a container's state in a few lines.", NULL, FALSE,
			  &argc, &argv, error) ||
	    !ocictl_check_args("status", argc, argv, 1, 1, "one container", error))
		return OCICTL_EXIT_ERROR;
	if (!ocictl_resolve(ctl, argv[1], &path, &id, error))
		return OCICTL_EXIT_ERROR;
	properties = ocictl_get_all(ctl, path, OCICTL_CONTAINER, error);
	if (properties == NULL)
		return OCICTL_EXIT_ERROR;
	g_variant_lookup(properties, "State", "s", &state);
	for (int i = 0; props[i] != NULL; i++) {
		g_autoptr(GVariant) value = g_variant_lookup_value(properties, props[i], NULL);
		g_autofree char *text = NULL;
		gboolean live = state != NULL &&
				(g_str_equal(state, "running") || g_str_equal(state, "paused"));

		/* A pid means something only while it runs, an exit code once it stopped. */
		if (value == NULL || (g_str_equal(props[i], "Pid") && !live) ||
		    ((g_str_equal(props[i], "ExitCode") || g_str_equal(props[i], "OOMKilled")) &&
		     (state == NULL || !g_str_equal(state, "stopped"))))
			continue;
		if (g_str_equal(props[i], "Owner") &&
		    g_variant_is_of_type(value, G_VARIANT_TYPE_UINT32)) {
			g_autofree char *name = user_name(g_variant_get_uint32(value));
			text = g_strdup_printf("%s (uid %u)", name, g_variant_get_uint32(value));
		} else if (g_variant_is_of_type(value, G_VARIANT_TYPE_STRING)) {
			text = g_variant_dup_string(value, NULL);
		} else {
			text = g_variant_print(value, FALSE);
		}
		if (text[0] != '\0')
			g_print("%14s: %s\n", props[i], text);
	}
	return 0;
}
