#include "seccomp-profile.h"

#include "bounded-read.h"
#include "errors.h"

#include <seccomp.h>
#include <string.h>

static const char *const known_actions[] = {
	"SCMP_ACT_KILL",        "SCMP_ACT_KILL_PROCESS",
	"SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
	"SCMP_ACT_ERRNO",       "SCMP_ACT_TRACE",
	"SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
	"SCMP_ACT_NOTIFY",      NULL,
};

static gboolean invalid(GError **error, const char *origin, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static gboolean
invalid(GError **error, const char *origin, const char *fmt, ...)
{
	g_autofree char *reason = NULL;
	va_list ap;

	va_start(ap, fmt);
	reason = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT, "Seccomp profile %s: %s",
		    origin, reason);
	return FALSE;
}

/* "SCMP_ARCH_X86_64" is libseccomp's "x86_64". */
static gboolean
arch_is_known(const char *arch)
{
	g_autofree char *name = NULL;

	if (arch == NULL || !g_str_has_prefix(arch, "SCMP_ARCH_"))
		return FALSE;
	name = g_ascii_strdown(arch + strlen("SCMP_ARCH_"), -1);
	return seccomp_arch_resolve_name(name) != 0;
}

static const char *
string_member(JsonObject *o, const char *key)
{
	JsonNode *n = json_object_get_member(o, key);

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

static JsonArray *
array_member(JsonObject *o, const char *key)
{
	JsonNode *n = json_object_get_member(o, key);

	return n != NULL && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

static gboolean
add_architectures(JsonObject *profile, JsonArray *out, const char *origin, GError **error)
{
	JsonArray *arch_map = array_member(profile, "archMap");
	JsonArray *plain = array_member(profile, "architectures");
	g_autoptr(GPtrArray) names = g_ptr_array_new();

	for (guint i = 0; arch_map != NULL && i < json_array_get_length(arch_map); i++) {
		JsonObject *entry = json_array_get_object_element(arch_map, i);
		JsonArray *subs = entry != NULL ? array_member(entry, "subArchitectures") : NULL;

		if (entry == NULL)
			return invalid(error, origin, "archMap[%u] is not an object", i);
		g_ptr_array_add(names, (gpointer)string_member(entry, "architecture"));
		for (guint j = 0; subs != NULL && j < json_array_get_length(subs); j++)
			g_ptr_array_add(names, (gpointer)json_array_get_string_element(subs, j));
	}
	for (guint i = 0; plain != NULL && i < json_array_get_length(plain); i++)
		g_ptr_array_add(names, (gpointer)json_array_get_string_element(plain, i));
	for (guint i = 0; i < names->len; i++) {
		const char *arch = g_ptr_array_index(names, i);
		if (!arch_is_known(arch))
			return invalid(error, origin,
				       "architecture '%s' is unknown to libseccomp; use names like "
				       "SCMP_ARCH_X86_64",
				       arch != NULL ? arch : "(not a string)");
		json_array_add_string_element(out, arch);
	}
	return TRUE;
}

/* Docker's conditional entries: one that needs capabilities the container was not given,
 * or another architecture, does not apply. */
static gboolean
entry_applies(JsonObject *entry)
{
	JsonNode *includes = json_object_get_member(entry, "includes");
	JsonObject *inc;
	JsonArray *arches;

	if (includes == NULL || !JSON_NODE_HOLDS_OBJECT(includes))
		return TRUE;
	inc = json_node_get_object(includes);
	if (array_member(inc, "caps") != NULL &&
	    json_array_get_length(array_member(inc, "caps")) > 0)
		return FALSE;
	arches = array_member(inc, "arches");
	if (arches != NULL && json_array_get_length(arches) > 0) {
		const char *native = seccomp_arch_native() == SCMP_ARCH_X86_64 ? "amd64" : "";
		for (guint i = 0; i < json_array_get_length(arches); i++)
			if (g_strcmp0(json_array_get_string_element(arches, i), native) == 0)
				return TRUE;
		return FALSE;
	}
	return TRUE;
}

static gboolean
add_syscalls(JsonObject *profile, JsonArray *out, const char *origin, GError **error)
{
	JsonArray *syscalls = array_member(profile, "syscalls");
	g_autoptr(GString) unknown = g_string_new(NULL);

	for (guint i = 0; syscalls != NULL && i < json_array_get_length(syscalls); i++) {
		JsonObject *entry = json_array_get_object_element(syscalls, i);
		JsonObject *rule;
		JsonArray *names, *rule_names;
		const char *action, *single;

		if (entry == NULL)
			return invalid(error, origin, "syscalls[%u] is not an object", i);
		action = string_member(entry, "action");
		if (action == NULL || !g_strv_contains(known_actions, action))
			return invalid(error, origin, "syscalls[%u] has no known action ('%s')", i,
				       action != NULL ? action : "");
		names = array_member(entry, "names");
		single = string_member(entry, "name");
		if (names == NULL && single == NULL)
			return invalid(error, origin, "syscalls[%u] names no syscall", i);
		rule_names = json_array_new();
		for (guint j = 0; names != NULL && j < json_array_get_length(names); j++) {
			JsonNode *n = json_array_get_element(names, j);
			const char *name =
			    JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
				? json_node_get_string(n)
				: NULL;
			if (name == NULL || seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR)
				g_string_append_printf(unknown, "%s%s",
						       unknown->len > 0 ? ", " : "",
						       name != NULL ? name : "(not a string)");
			else
				json_array_add_string_element(rule_names, name);
		}
		if (single != NULL) {
			if (seccomp_syscall_resolve_name(single) == __NR_SCMP_ERROR)
				g_string_append_printf(unknown, "%s%s",
						       unknown->len > 0 ? ", " : "", single);
			else
				json_array_add_string_element(rule_names, single);
		}
		if (!entry_applies(entry)) {
			json_array_unref(rule_names);
			continue;
		}
		rule = json_object_new();
		json_object_set_array_member(rule, "names", rule_names);
		json_object_set_string_member(rule, "action", action);
		if (json_object_has_member(entry, "errnoRet"))
			json_object_set_member(
			    rule, "errnoRet",
			    json_node_copy(json_object_get_member(entry, "errnoRet")));
		if (json_object_has_member(entry, "args") &&
		    JSON_NODE_HOLDS_ARRAY(json_object_get_member(entry, "args")))
			json_object_set_member(
			    rule, "args", json_node_copy(json_object_get_member(entry, "args")));
		json_array_add_object_element(out, rule);
	}
	if (unknown->len > 0)
		return invalid(error, origin,
			       "unknown syscalls: %s; remove them or fix their names",
			       unknown->str);
	return TRUE;
}

JsonNode *
ocid_seccomp_profile_parse(const char *data, gsize len, const char *origin, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) parse_error = NULL;
	g_autoptr(JsonNode) result = NULL;
	JsonObject *profile, *seccomp;
	JsonArray *architectures, *syscalls;
	const char *default_action;
	JsonNode *root;

	if (!ocid_json_check_text(data, len, OCID_JSON_MAX_DEPTH, origin, error))
		return NULL;
	if (!json_parser_load_from_data(parser, data, (gssize)len, &parse_error)) {
		/* json-glib's message quotes the text where parsing stopped: a caller who
		 * names a file she cannot read must not get its first token back. */
		invalid(error, origin, "not valid JSON");
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		invalid(error, origin, "the top level must be an object");
		return NULL;
	}
	profile = json_node_get_object(root);
	default_action = string_member(profile, "defaultAction");
	if (default_action == NULL || !g_strv_contains(known_actions, default_action)) {
		invalid(error, origin, "defaultAction '%s' is not a seccomp action",
			default_action != NULL ? default_action : "");
		return NULL;
	}
	seccomp = json_object_new();
	result = json_node_new(JSON_NODE_OBJECT);
	json_node_take_object(result, seccomp);
	json_object_set_string_member(seccomp, "defaultAction", default_action);
	if (json_object_has_member(profile, "defaultErrnoRet"))
		json_object_set_member(
		    seccomp, "defaultErrnoRet",
		    json_node_copy(json_object_get_member(profile, "defaultErrnoRet")));
	architectures = json_array_new();
	json_object_set_array_member(seccomp, "architectures", architectures);
	if (!add_architectures(profile, architectures, origin, error))
		return NULL;
	syscalls = json_array_new();
	json_object_set_array_member(seccomp, "syscalls", syscalls);
	if (!add_syscalls(profile, syscalls, origin, error))
		return NULL;
	return g_steal_pointer(&result);
}

JsonNode *
ocid_seccomp_profile_load(const char *path, GError **error)
{
	g_autofree char *data = NULL;
	gsize len = 0;

	data = ocid_read_file_path(path, OCID_SECCOMP_PROFILE_MAX_SIZE, &len, error);
	if (data == NULL) {
		g_prefix_error(error, "Cannot use the seccomp profile: ");
		return NULL;
	}
	return ocid_seccomp_profile_parse(data, len, path, error);
}
