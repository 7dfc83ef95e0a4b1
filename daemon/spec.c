#include "spec.h"

#include "errors.h"
#include "persist.h"
#include "seccomp-profile.h"

#include <sys/capability.h>

#include <string.h>

static gboolean invalid(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static gboolean
invalid(GError **error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (error != NULL)
		*error = g_error_new_valist(OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT, fmt, ap);
	va_end(ap);
	return FALSE;
}

JsonNode *
ocid_spec_load_bundle(const char *bundle_path, GError **error)
{
	g_autofree char *config_path = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) parse_error = NULL;
	JsonNode *root;
	JsonObject *root_obj;
	JsonNode *rootfs;

	if (bundle_path == NULL || !g_path_is_absolute(bundle_path)) {
		invalid(error,
			"Bundle path '%s' is not absolute; pass the full path of the bundle "
			"directory",
			bundle_path != NULL ? bundle_path : "");
		return NULL;
	}
	if (!g_file_test(bundle_path, G_FILE_TEST_IS_DIR)) {
		invalid(error,
			"Bundle '%s' does not exist or is not a directory; create the "
			"bundle (rootfs and config.json) first",
			bundle_path);
		return NULL;
	}
	config_path = g_build_filename(bundle_path, "config.json", NULL);
	if (!g_file_test(config_path, G_FILE_TEST_IS_REGULAR)) {
		invalid(error,
			"Bundle '%s' has no config.json; generate one with 'runc spec' "
			"in the bundle directory",
			bundle_path);
		return NULL;
	}
	if (!json_parser_load_from_mapped_file(parser, config_path, &parse_error)) {
		invalid(error, "%s is not valid JSON (%s); fix or regenerate it", config_path,
			parse_error->message);
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		invalid(error, "%s must hold a JSON object (an OCI runtime spec)", config_path);
		return NULL;
	}
	root_obj = json_node_get_object(root);
	rootfs = json_object_get_member(root_obj, "root");
	if (rootfs == NULL || !JSON_NODE_HOLDS_OBJECT(rootfs) ||
	    json_object_get_string_member_with_default(json_node_get_object(rootfs), "path",
						       NULL) == NULL) {
		invalid(error, "%s has no root.path; an OCI spec names its root filesystem there",
			config_path);
		return NULL;
	}
	if (!json_object_has_member(root_obj, "process") ||
	    !JSON_NODE_HOLDS_OBJECT(json_object_get_member(root_obj, "process"))) {
		invalid(error, "%s has no process object; an OCI spec says what to run there",
			config_path);
		return NULL;
	}
	return json_node_copy(root);
}

/* Returns the object member @key of @obj, creating it when absent. */
static JsonObject *
ensure_object(JsonObject *obj, const char *key)
{
	JsonNode *node = json_object_get_member(obj, key);

	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
		json_object_set_object_member(obj, key, json_object_new());
		node = json_object_get_member(obj, key);
	}
	return json_node_get_object(node);
}

static JsonArray *
ensure_array(JsonObject *obj, const char *key)
{
	JsonNode *node = json_object_get_member(obj, key);

	if (node == NULL || !JSON_NODE_HOLDS_ARRAY(node)) {
		json_object_set_array_member(obj, key, json_array_new());
		node = json_object_get_member(obj, key);
	}
	return json_node_get_array(node);
}

static void
set_network_namespace(JsonObject *linux_obj, const char *netns_path)
{
	JsonArray *namespaces = ensure_array(linux_obj, "namespaces");
	JsonObject *ns = NULL;

	for (guint i = 0; i < json_array_get_length(namespaces); i++) {
		JsonNode *element = json_array_get_element(namespaces, i);
		if (JSON_NODE_HOLDS_OBJECT(element) &&
		    g_strcmp0(json_object_get_string_member_with_default(
				  json_node_get_object(element), "type", NULL),
			      "network") == 0)
			ns = json_node_get_object(element);
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
	static const char *const sets[] = { "bounding",    "effective", "permitted",
					    "inheritable", "ambient",   NULL };
	JsonNode *caps_node = json_object_get_member(process, "capabilities");
	JsonObject *caps;

	if (caps_node == NULL || !JSON_NODE_HOLDS_OBJECT(caps_node))
		return TRUE;
	caps = json_node_get_object(caps_node);
	for (int i = 0; sets[i] != NULL; i++) {
		JsonNode *set_node = json_object_get_member(caps, sets[i]);
		JsonArray *set;

		if (set_node == NULL || !JSON_NODE_HOLDS_ARRAY(set_node))
			continue;
		set = json_node_get_array(set_node);
		for (guint j = 0; j < json_array_get_length(set); j++) {
			const char *name = json_array_get_string_element(set, j);
			g_autofree char *lower = name != NULL ? g_ascii_strdown(name, -1) : NULL;
			cap_value_t value;

			if (lower == NULL || cap_from_name(lower, &value) < 0)
				return invalid(error,
					       "Capability '%s' in process.capabilities.%s is "
					       "unknown; use names like CAP_NET_BIND_SERVICE",
					       name != NULL ? name : "(not a string)", sets[i]);
		}
	}
	return TRUE;
}

gboolean
ocid_spec_apply(JsonNode *spec, const OcidContainer *c, GError **error)
{
	JsonObject *root = json_node_get_object(spec);
	JsonObject *root_fs = ensure_object(root, "root");
	JsonObject *process = ensure_object(root, "process");
	JsonObject *linux_obj = ensure_object(root, "linux");
	JsonObject *annotations = ensure_object(root, "annotations");
	const char *rootfs_path = json_object_get_string_member(root_fs, "path");
	GHashTableIter iter;
	gpointer key, value;

	/* The spec is moved into the container's dir, so a relative root must be anchored
	 * at the caller's bundle. */
	if (!g_path_is_absolute(rootfs_path)) {
		g_autofree char *absolute = g_build_filename(c->bundle_path, rootfs_path, NULL);
		json_object_set_string_member(root_fs, "path", absolute);
	}
	json_object_set_boolean_member(process, "terminal", c->terminal);
	if (c->cgroups_path != NULL)
		json_object_set_string_member(linux_obj, "cgroupsPath", c->cgroups_path);
	if (c->netns_path != NULL && *c->netns_path != '\0')
		set_network_namespace(linux_obj, c->netns_path);

	g_hash_table_iter_init(&iter, c->annotations);
	while (g_hash_table_iter_next(&iter, &key, &value))
		json_object_set_string_member(annotations, key, value);
	json_object_set_string_member(annotations, "org.oci.ocid.id", c->id);
	json_object_set_string_member(annotations, "org.oci.ocid.name", c->name);

	if (c->volumes->len > 0) {
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
	 * this container. */
	if (c->seccomp_profile_path != NULL && *c->seccomp_profile_path != '\0') {
		JsonNode *seccomp = ocid_seccomp_profile_load(c->seccomp_profile_path, error);
		if (seccomp == NULL)
			return FALSE;
		json_object_set_member(linux_obj, "seccomp", seccomp);
	}
	return check_capabilities(process, error);
}

gboolean
ocid_spec_write(JsonNode *spec, const char *dir, GError **error)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree char *path = g_build_filename(dir, "config.json", NULL);
	g_autofree char *data = NULL;
	gsize len = 0;

	json_generator_set_root(gen, spec);
	data = json_generator_to_data(gen, &len);
	return ocid_write_file_atomic(path, data, len, 0600, error);
}

char *
ocid_spec_image_stop_signal(JsonNode *spec)
{
	JsonObject *root = json_node_get_object(spec);
	JsonNode *annotations = json_object_get_member(root, "annotations");

	if (annotations == NULL || !JSON_NODE_HOLDS_OBJECT(annotations))
		return NULL;
	return g_strdup(json_object_get_string_member_with_default(
	    json_node_get_object(annotations), "org.opencontainers.image.stopSignal", NULL));
}
