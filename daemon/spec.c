#include "spec.h"

#include "bounded-read.h"
#include "cleanup.h"
#include "errors.h"
#include "input-limits.h"
#include "privilege.h"
#include "seccomp-profile.h"

#include <sys/capability.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define invalid(error, ...) ocid_error_set(error, OCID_ERROR_INVALID_ARGUMENT, __VA_ARGS__)

typedef enum {
	KIND_OBJECT,
	KIND_ARRAY,
	KIND_STRING,
} Kind;

static const char *const kind_names[] = { "an object", "an array", "a string" };

static const char *
node_kind_name(JsonNode *node)
{
	switch (json_node_get_node_type(node)) {
	case JSON_NODE_OBJECT:
		return "an object";
	case JSON_NODE_ARRAY:
		return "an array";
	case JSON_NODE_NULL:
		return "null";
	case JSON_NODE_VALUE:
		break;
	}
	switch (json_node_get_value_type(node)) {
	case G_TYPE_STRING:
		return "a string";
	case G_TYPE_BOOLEAN:
		return "a boolean";
	default:
		return "a number";
	}
}

static gboolean
node_is(JsonNode *node, Kind kind)
{
	switch (kind) {
	case KIND_OBJECT:
		return JSON_NODE_HOLDS_OBJECT(node);
	case KIND_ARRAY:
		return JSON_NODE_HOLDS_ARRAY(node);
	case KIND_STRING:
		return JSON_NODE_HOLDS_VALUE(node) &&
		       json_node_get_value_type(node) == G_TYPE_STRING;
	}
	return FALSE;
}

static gboolean
check_kind(JsonNode *node, Kind kind, const char *field, GError **error)
{
	if (node_is(node, kind))
		return TRUE;
	return invalid(error, "config.json: '%s' must be %s, not %s; fix the bundle's spec", field,
		       kind_names[kind], node_kind_name(node));
}

/* Checks @obj's member @key, when present, is of @kind. */
static gboolean
check_member(JsonObject *obj, const char *where, const char *key, Kind kind, GError **error)
{
	JsonNode *node = json_object_get_member(obj, key);
	g_autofree char *field = NULL;

	if (node == NULL)
		return TRUE;
	field = where != NULL ? g_strdup_printf("%s.%s", where, key) : g_strdup(key);
	return check_kind(node, kind, field, error);
}

static gboolean
check_array_of(JsonObject *obj, const char *where, const char *key, Kind element_kind,
	       GError **error)
{
	JsonNode *node = json_object_get_member(obj, key);
	g_autofree char *field = NULL;
	JsonArray *array;

	if (node == NULL)
		return TRUE;
	field = where != NULL ? g_strdup_printf("%s.%s", where, key) : g_strdup(key);
	if (!check_kind(node, KIND_ARRAY, field, error))
		return FALSE;
	array = json_node_get_array(node);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		g_autofree char *element = g_strdup_printf("%s[%u]", field, i);
		if (!check_kind(json_array_get_element(array, i), element_kind, element, error))
			return FALSE;
	}
	return TRUE;
}

/* runc reads the spec with Go's encoding/json, which matches keys without regard to case
 * (and folds U+017F to 's' and U+212A to 'k'): "Linux" would be runc's linux but not the
 * member ocid checks. Such near-misses of the keys ocid reads are refused. */
static gboolean
check_key_spelling(JsonObject *obj, const char *where, const char *const *keys, GError **error)
{
	g_autoptr(GList) members = json_object_get_members(obj);

	for (GList *l = members; l != NULL; l = l->next) {
		const char *name = l->data;
		g_autofree char *folded = g_utf8_casefold(name, -1);

		for (int i = 0; keys[i] != NULL; i++) {
			g_autofree char *key_folded = g_ascii_strdown(keys[i], -1);
			if (strcmp(folded, key_folded) == 0 && strcmp(name, keys[i]) != 0)
				return invalid(error,
					       "config.json: '%s%s%s' differs from '%s' only in "
					       "case; runc would read it as '%s', so spell it so",
					       where != NULL ? where : "", where != NULL ? "." : "",
					       name, keys[i], keys[i]);
		}
	}
	return TRUE;
}

static gboolean
check_process(JsonObject *process, GError **error)
{
	static const char *const keys[] = { "args", "env", "capabilities", "terminal", NULL };
	static const char *const cap_sets[] = { "bounding",    "effective", "permitted",
						"inheritable", "ambient",   NULL };
	JsonObject *caps;
	g_autoptr(GList) sets = NULL;

	if (!check_key_spelling(process, "process", keys, error) ||
	    !check_array_of(process, "process", "args", KIND_STRING, error) ||
	    !check_array_of(process, "process", "env", KIND_STRING, error) ||
	    !check_member(process, "process", "capabilities", KIND_OBJECT, error))
		return FALSE;
	if (!json_object_has_member(process, "capabilities"))
		return TRUE;
	caps = json_object_get_object_member(process, "capabilities");
	if (!check_key_spelling(caps, "process.capabilities", cap_sets, error))
		return FALSE;
	/* Every member, not only the known sets: an unknown one is an array of names to runc
	 * or an error, never a place to hide a capability. */
	sets = json_object_get_members(caps);
	for (GList *l = sets; l != NULL; l = l->next)
		if (!check_array_of(caps, "process.capabilities", l->data, KIND_STRING, error))
			return FALSE;
	return TRUE;
}

/* linux.resources.<group>.<key>, when present: an integer in [@min, @max]. The cgroup
 * managers compute with these (quota * 1000000 / period), so they are bounded here. */
static gboolean
check_resource_int(JsonObject *resources, const char *group, const char *key, gint64 min,
		   gint64 max, GError **error)
{
	JsonObject *section;
	JsonNode *node;
	gint64 value;

	if (!json_object_has_member(resources, group))
		return TRUE;
	node = json_object_get_member(resources, group);
	if (!JSON_NODE_HOLDS_OBJECT(node))
		return invalid(error, "config.json: 'linux.resources.%s' must be an object", group);
	section = json_node_get_object(node);
	node = json_object_get_member(section, key);
	if (node == NULL)
		return TRUE;
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64)
		return invalid(error,
			       "config.json: 'linux.resources.%s.%s' must be an integer, not %s",
			       group, key, node_kind_name(node));
	value = json_node_get_int(node);
	if (value < min || value > max)
		return invalid(error,
			       "config.json: 'linux.resources.%s.%s' is %" G_GINT64_FORMAT
			       "; it must be between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT,
			       group, key, value, min, max);
	return TRUE;
}

static gboolean
check_resources(JsonObject *resources, GError **error)
{
	return check_resource_int(resources, "cpu", "quota", -1, OCID_CPU_QUOTA_MAX, error) &&
	       check_resource_int(resources, "cpu", "period", 0, 1000000, error) &&
	       check_resource_int(resources, "cpu", "shares", 0, 262144, error) &&
	       check_resource_int(resources, "memory", "limit", -1, G_MAXINT64, error) &&
	       check_resource_int(resources, "pids", "limit", -1, G_MAXINT64, error);
}

static gboolean
check_linux(JsonObject *linux_obj, GError **error)
{
	static const char *const keys[] = { "namespaces",    "resources",   "devices",
					    "seccomp",       "cgroupsPath", "maskedPaths",
					    "readonlyPaths", NULL };
	static const char *const ns_keys[] = { "type", "path", NULL };
	JsonArray *namespaces;

	if (!check_key_spelling(linux_obj, "linux", keys, error) ||
	    !check_array_of(linux_obj, "linux", "namespaces", KIND_OBJECT, error) ||
	    !check_member(linux_obj, "linux", "resources", KIND_OBJECT, error) ||
	    !check_array_of(linux_obj, "linux", "devices", KIND_OBJECT, error) ||
	    !check_array_of(linux_obj, "linux", "maskedPaths", KIND_STRING, error) ||
	    !check_array_of(linux_obj, "linux", "readonlyPaths", KIND_STRING, error) ||
	    (json_object_has_member(linux_obj, "resources") &&
	     !check_resources(json_object_get_object_member(linux_obj, "resources"), error)))
		return FALSE;
	if (!json_object_has_member(linux_obj, "namespaces"))
		return TRUE;
	namespaces = json_object_get_array_member(linux_obj, "namespaces");
	for (guint i = 0; i < json_array_get_length(namespaces); i++) {
		JsonObject *ns = json_array_get_object_element(namespaces, i);
		g_autofree char *where = g_strdup_printf("linux.namespaces[%u]", i);

		if (!check_key_spelling(ns, where, ns_keys, error) ||
		    !check_member(ns, where, "path", KIND_STRING, error))
			return FALSE;
		if (!json_object_has_member(ns, "type"))
			return invalid(error, "config.json: '%s' has no type; name the namespace",
				       where);
		if (!check_member(ns, where, "type", KIND_STRING, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
check_mounts(JsonArray *mounts, GError **error)
{
	static const char *const keys[] = { "destination", "type", "source", "options", NULL };

	for (guint i = 0; i < json_array_get_length(mounts); i++) {
		JsonObject *mount = json_array_get_object_element(mounts, i);
		g_autofree char *where = g_strdup_printf("mounts[%u]", i);

		if (!check_key_spelling(mount, where, keys, error) ||
		    !check_member(mount, where, "destination", KIND_STRING, error) ||
		    !check_member(mount, where, "type", KIND_STRING, error) ||
		    !check_member(mount, where, "source", KIND_STRING, error) ||
		    !check_array_of(mount, where, "options", KIND_STRING, error))
			return FALSE;
		/* The runtime resolves a relative source against its working directory,
		 * which is the container's own dir under ocid's state dir, not the bundle. */
		if (ocid_mount_is_bind(mount) &&
		    !g_path_is_absolute(
			json_object_get_string_member_with_default(mount, "source", "")))
			return invalid(
			    error,
			    "%s is a bind mount with a relative source '%s'; name the "
			    "source by its absolute path",
			    where, json_object_get_string_member_with_default(mount, "source", ""));
	}
	return TRUE;
}

static gboolean
check_hooks(JsonObject *hooks, GError **error)
{
	static const char *const keys[] = { "prestart",
					    "createRuntime",
					    "createContainer",
					    "startContainer",
					    "poststart",
					    "poststop",
					    NULL };
	g_autoptr(GList) members = json_object_get_members(hooks);

	if (!check_key_spelling(hooks, "hooks", keys, error))
		return FALSE;
	for (GList *l = members; l != NULL; l = l->next)
		if (!check_array_of(hooks, "hooks", l->data, KIND_OBJECT, error))
			return FALSE;
	return TRUE;
}

/* Every member ocid reads or rewrites is checked here, once, so that no later reader
 * meets a wrong type and nothing is silently replaced. */
static gboolean
check_spec(JsonObject *root, GError **error)
{
	static const char *const keys[] = { "process", "root",        "linux", "mounts",
					    "hooks",   "annotations", NULL };
	JsonNode *node;

	if (!check_key_spelling(root, NULL, keys, error))
		return FALSE;
	node = json_object_get_member(root, "root");
	if (node == NULL)
		return invalid(error, "config.json has no root.path; an OCI spec names its root "
				      "filesystem there");
	if (!check_kind(node, KIND_OBJECT, "root", error) ||
	    !check_key_spelling(json_node_get_object(node), "root",
				(const char *const[]){ "path", NULL }, error))
		return FALSE;
	node = json_object_get_member(json_node_get_object(node), "path");
	if (node == NULL)
		return invalid(error, "config.json has no root.path; an OCI spec names its root "
				      "filesystem there");
	if (!check_kind(node, KIND_STRING, "root.path", error))
		return FALSE;

	node = json_object_get_member(root, "process");
	if (node == NULL)
		return invalid(error,
			       "config.json has no process object; an OCI spec says what to run "
			       "there");
	if (!check_kind(node, KIND_OBJECT, "process", error) ||
	    !check_process(json_node_get_object(node), error))
		return FALSE;

	if (!check_member(root, NULL, "linux", KIND_OBJECT, error) ||
	    (json_object_has_member(root, "linux") &&
	     !check_linux(json_object_get_object_member(root, "linux"), error)))
		return FALSE;
	if (!check_array_of(root, NULL, "mounts", KIND_OBJECT, error) ||
	    (json_object_has_member(root, "mounts") &&
	     !check_mounts(json_object_get_array_member(root, "mounts"), error)))
		return FALSE;
	if (!check_member(root, NULL, "annotations", KIND_OBJECT, error))
		return FALSE;
	if (json_object_has_member(root, "annotations")) {
		JsonObject *annotations = json_object_get_object_member(root, "annotations");
		g_autoptr(GList) names = json_object_get_members(annotations);

		for (GList *l = names; l != NULL; l = l->next)
			if (!check_member(annotations, "annotations", l->data, KIND_STRING, error))
				return FALSE;
	}
	if (!check_member(root, NULL, "hooks", KIND_OBJECT, error) ||
	    (json_object_has_member(root, "hooks") &&
	     !check_hooks(json_object_get_object_member(root, "hooks"), error)))
		return FALSE;
	return TRUE;
}

JsonNode *
ocid_spec_load_bundle(const char *bundle_path, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) local_error = NULL;
	g_autofree char *data = NULL;
	_cleanup_close_ int bundle_fd = -1;
	gsize len = 0;
	JsonNode *root;

	if (bundle_path == NULL || !g_path_is_absolute(bundle_path)) {
		invalid(error,
			"Bundle path '%s' is not absolute; pass the full path of the bundle "
			"directory",
			bundle_path != NULL ? bundle_path : "");
		return NULL;
	}
	/* As volumes and log paths: what the privilege check resolves is what was named. */
	if (!ocid_check_caller_path(bundle_path, "Bundle path", error))
		return NULL;
	bundle_fd = open(bundle_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (bundle_fd < 0) {
		invalid(error,
			"Bundle '%s' does not exist or is not a directory (%s); create the "
			"bundle (rootfs and config.json) first",
			bundle_path, g_strerror(errno));
		return NULL;
	}
	data = ocid_read_file_at(bundle_fd, "config.json", OCID_CONFIG_JSON_MAX_SIZE, &len,
				 &local_error);
	if (data == NULL) {
		struct stat st;

		if (fstatat(bundle_fd, "config.json", &st, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno == ENOENT)
			invalid(error,
				"Bundle '%s' has no config.json; generate one with 'runc spec' "
				"in the bundle directory",
				bundle_path);
		else
			invalid(error, "Bundle '%s': %s", bundle_path, local_error->message);
		return NULL;
	}
	if (!ocid_json_check_text(data, len, OCID_JSON_MAX_DEPTH, "config.json", &local_error) ||
	    !json_parser_load_from_data(parser, data, (gssize)len, &local_error)) {
		invalid(error, "%s/config.json is not valid JSON (%s); fix or regenerate it",
			bundle_path, local_error->message);
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		invalid(error, "%s/config.json must hold a JSON object (an OCI runtime spec)",
			bundle_path);
		return NULL;
	}
	if (!check_spec(json_node_get_object(root), &local_error)) {
		invalid(error, "Bundle '%s': %s", bundle_path, local_error->message);
		return NULL;
	}
	return json_node_copy(root);
}

/* ocid_spec_load_bundle() checked every member read below, so a present member has the
 * right type and only an absent one is added. */
static JsonObject *
ensure_object(JsonObject *obj, const char *key)
{
	if (!json_object_has_member(obj, key))
		json_object_set_object_member(obj, key, json_object_new());
	return json_object_get_object_member(obj, key);
}

static JsonArray *
ensure_array(JsonObject *obj, const char *key)
{
	if (!json_object_has_member(obj, key))
		json_object_set_array_member(obj, key, json_array_new());
	return json_object_get_array_member(obj, key);
}

static void
set_network_namespace(JsonObject *linux_obj, const char *netns_path)
{
	JsonArray *namespaces = ensure_array(linux_obj, "namespaces");
	JsonObject *ns = NULL;

	for (guint i = 0; i < json_array_get_length(namespaces); i++) {
		JsonObject *element = json_array_get_object_element(namespaces, i);
		if (g_strcmp0(json_object_get_string_member(element, "type"), "network") == 0)
			ns = element;
	}
	if (ns == NULL) {
		ns = json_object_new();
		json_object_set_string_member(ns, "type", "network");
		json_array_add_object_element(namespaces, ns);
	}
	json_object_set_string_member(ns, "path", netns_path);
}

/* Capability names are checked with libcap: a typo would otherwise surface as a runtime
 * error at create, or not at all. */
static gboolean
check_capabilities(JsonObject *process, GError **error)
{
	JsonObject *caps;
	g_autoptr(GList) sets = NULL;

	if (!json_object_has_member(process, "capabilities"))
		return TRUE;
	caps = json_object_get_object_member(process, "capabilities");
	sets = json_object_get_members(caps);
	for (GList *l = sets; l != NULL; l = l->next) {
		JsonArray *set = json_object_get_array_member(caps, l->data);

		for (guint j = 0; j < json_array_get_length(set); j++) {
			const char *name = json_array_get_string_element(set, j);
			g_autofree char *lower = g_ascii_strdown(name, -1);
			cap_value_t value;

			if (cap_from_name(lower, &value) < 0)
				return invalid(error,
					       "Capability '%s' in process.capabilities.%s is "
					       "unknown; use names like CAP_NET_BIND_SERVICE",
					       name, (const char *)l->data);
		}
	}
	return TRUE;
}

void
ocid_spec_set_env(JsonNode *spec, GPtrArray *env)
{
	JsonObject *process = json_object_get_object_member(json_node_get_object(spec), "process");
	JsonArray *list;

	if (env->len == 0)
		return;
	if (!json_object_has_member(process, "env") ||
	    !JSON_NODE_HOLDS_ARRAY(json_object_get_member(process, "env")))
		json_object_set_array_member(process, "env", json_array_new());
	list = json_object_get_array_member(process, "env");
	for (guint i = 0; i < env->len; i++) {
		const char *entry = env->pdata[i];
		size_t name_len = (size_t)(strchr(entry, '=') - entry) + 1;
		guint j;

		for (j = 0; j < json_array_get_length(list); j++) {
			JsonNode *old = json_array_get_element(list, j);
			if (JSON_NODE_HOLDS_VALUE(old) &&
			    json_node_get_value_type(old) == G_TYPE_STRING &&
			    strncmp(json_node_get_string(old), entry, name_len) == 0)
				break;
		}
		if (j < json_array_get_length(list))
			json_node_set_string(json_array_get_element(list, j), entry);
		else
			json_array_add_string_element(list, entry);
	}
}

gboolean
ocid_spec_apply(JsonNode *spec, const OcidContainer *c, JsonNode *seccomp, GError **error)
{
	JsonObject *root = json_node_get_object(spec);
	JsonObject *root_fs = json_object_get_object_member(root, "root");
	JsonObject *process = json_object_get_object_member(root, "process");
	JsonObject *linux_obj = ensure_object(root, "linux");
	JsonObject *annotations = ensure_object(root, "annotations");
	const char *rootfs_path = json_object_get_string_member(root_fs, "path");
	g_autofree char *cgroups_path = ocid_container_cgroups_path(c);
	GHashTableIter iter;
	gpointer key, value;

	/* The spec is moved into the container's dir, so a relative root must be anchored
	 * at the caller's bundle. */
	if (!g_path_is_absolute(rootfs_path)) {
		g_autofree char *absolute = g_build_filename(c->bundle_path, rootfs_path, NULL);
		json_object_set_string_member(root_fs, "path", absolute);
	}
	json_object_set_boolean_member(process, "terminal", c->terminal);
	if (cgroups_path != NULL)
		json_object_set_string_member(linux_obj, "cgroupsPath", cgroups_path);
	if (c->netns_path != NULL && *c->netns_path != '\0')
		set_network_namespace(linux_obj, c->netns_path);

	if (c->annotations != NULL) {
		g_hash_table_iter_init(&iter, c->annotations);
		while (g_hash_table_iter_next(&iter, &key, &value))
			json_object_set_string_member(annotations, key, value);
	}
	json_object_set_string_member(annotations, "org.oci.ocid.id", c->id);
	json_object_set_string_member(annotations, "org.oci.ocid.name", c->name);

	if (c->volumes != NULL) {
		JsonArray *mounts = ensure_array(root, "mounts");
		for (guint i = 0; i < c->volumes->len; i++) {
			const OcidVolume *v = g_ptr_array_index(c->volumes, i);
			JsonObject *mount = json_object_new();
			JsonArray *options = json_array_new();

			json_object_set_string_member(mount, "destination", v->container_path);
			json_object_set_string_member(mount, "type", "bind");
			json_object_set_string_member(mount, "source", v->host_path);
			json_array_add_string_element(options, "rbind");
			json_array_add_string_element(options, v->readonly ? "ro" : "rw");
			json_object_set_array_member(mount, "options", options);
			json_array_add_object_element(mounts, mount);
		}
	}
	/* The profile replaces whatever the bundle asked for: it is the caller's choice for
	 * this container. It was read with the request (@seccomp); read here otherwise. */
	if (c->seccomp_profile_path != NULL && *c->seccomp_profile_path != '\0') {
		JsonNode *profile = seccomp != NULL
					? json_node_copy(seccomp)
					: ocid_seccomp_profile_load(c->seccomp_profile_path, error);
		if (profile == NULL)
			return FALSE;
		json_object_set_member(linux_obj, "seccomp", profile);
	}
	return check_capabilities(process, error);
}

char *
ocid_spec_to_data(JsonNode *spec, gsize *len)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();

	json_generator_set_root(gen, spec);
	return json_generator_to_data(gen, len);
}

char *
ocid_spec_image_stop_signal(JsonNode *spec)
{
	JsonObject *root = json_node_get_object(spec);

	if (!json_object_has_member(root, "annotations"))
		return NULL;
	return g_strdup(json_object_get_string_member_with_default(
	    json_object_get_object_member(root, "annotations"),
	    "org.opencontainers.image.stopSignal", NULL));
}
