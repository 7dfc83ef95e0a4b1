#include "privilege.h"

#include "input-limits.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* A reason quotes the spec (a mount's source, a capability): cut, it stays a short polkit
 * detail and log field. */
#define REASON_MAX 512

static gboolean
needs(char **reason, char *phrase)
{
	if (reason != NULL)
		*reason = g_strndup(phrase, ocid_utf8_cut_length(phrase, REASON_MAX));
	g_free(phrase);
	return TRUE;
}

/* The members below were type-checked by ocid_spec_load_bundle(), so a present member
 * has the right type. */
static JsonObject *
object_member(JsonObject *obj, const char *key)
{
	return obj != NULL && json_object_has_member(obj, key)
		   ? json_object_get_object_member(obj, key)
		   : NULL;
}

static JsonArray *
array_member(JsonObject *obj, const char *key)
{
	return obj != NULL && json_object_has_member(obj, key)
		   ? json_object_get_array_member(obj, key)
		   : NULL;
}

static gboolean
shares_host_namespace(JsonObject *linux_obj, char **reason)
{
	static const char *const isolated[] = { "pid", "ipc", "uts", "mount", "network", NULL };
	JsonArray *namespaces = array_member(linux_obj, "namespaces");

	for (guint j = 0; namespaces != NULL && j < json_array_get_length(namespaces); j++) {
		JsonObject *ns = json_array_get_object_element(namespaces, j);
		const char *path = json_object_get_string_member_with_default(ns, "path", NULL);

		/* A path joins a namespace that exists already: the host's, or another
		 * container's. */
		if (path != NULL && *path != '\0')
			return needs(reason, g_strdup_printf(
						 "it joins the existing %s namespace at %s",
						 json_object_get_string_member(ns, "type"), path));
	}
	for (int i = 0; isolated[i] != NULL; i++) {
		gboolean found = FALSE;

		for (guint j = 0; namespaces != NULL && j < json_array_get_length(namespaces);
		     j++) {
			JsonObject *ns = json_array_get_object_element(namespaces, j);
			if (g_strcmp0(json_object_get_string_member(ns, "type"), isolated[i]) == 0)
				found = TRUE;
		}
		if (!found)
			return needs(reason, g_strdup_printf("it shares the host's %s namespace",
							     isolated[i]));
	}
	return FALSE;
}

static gboolean
has_hooks(JsonObject *root, char **reason)
{
	JsonObject *hooks = object_member(root, "hooks");
	g_autoptr(GList) kinds = hooks != NULL ? json_object_get_members(hooks) : NULL;

	for (GList *l = kinds; l != NULL; l = l->next)
		if (json_array_get_length(json_object_get_array_member(hooks, l->data)) > 0)
			return needs(reason,
				     g_strdup_printf("it has OCI hooks (%s)", (char *)l->data));
	return FALSE;
}

gboolean
ocid_mount_is_bind(JsonObject *mount)
{
	JsonArray *options = array_member(mount, "options");

	if (g_ascii_strcasecmp(json_object_get_string_member_with_default(mount, "type", ""),
			       "bind") == 0)
		return TRUE;
	for (guint i = 0; options != NULL && i < json_array_get_length(options); i++) {
		const char *option = json_array_get_string_element(options, i);
		if (g_ascii_strcasecmp(option, "bind") == 0 ||
		    g_ascii_strcasecmp(option, "rbind") == 0)
			return TRUE;
	}
	return FALSE;
}

/* Filesystems the kernel makes for the container's own namespaces, from nothing on the
 * host; any other type (ext4 from a host device, overlay of host dirs, nfs, ...) mounts
 * something of the host's. */
static const char *const own_filesystems[] = { "proc",   "sysfs",  "tmpfs",   "devpts",
					       "mqueue", "cgroup", "cgroup2", NULL };

/* ---- a confined container's allow-list -------------------------------------------- */

static gboolean
allows_devices(JsonObject *linux_obj, char **reason)
{
	JsonArray *rules = array_member(object_member(linux_obj, "resources"), "devices");

	for (guint i = 0; rules != NULL && i < json_array_get_length(rules); i++) {
		JsonNode *rule = json_array_get_element(rules, i);

		if (JSON_NODE_HOLDS_OBJECT(rule) && json_object_get_boolean_member_with_default(
							json_node_get_object(rule), "allow", FALSE))
			return needs(reason, g_strdup("it allows device access "
						      "(linux.resources.devices)"));
	}
	return FALSE;
}

/* Members the runtime acts on as host root, before or outside the user namespace. */
static gboolean
asks_for_host_root(JsonObject *root, JsonObject *linux_obj, char **reason)
{
	JsonObject *seccomp = object_member(linux_obj, "seccomp");
	JsonObject *resources = object_member(linux_obj, "resources");
	JsonObject *process = object_member(root, "process");
	JsonArray *devices = array_member(linux_obj, "devices");

	if (has_hooks(root, reason))
		return TRUE;
	if (seccomp != NULL &&
	    *json_object_get_string_member_with_default(seccomp, "listenerPath", "") != '\0')
		return needs(reason, g_strdup("it has a seccomp listener (listenerPath)"));
	if (devices != NULL && json_array_get_length(devices) > 0)
		return needs(reason, g_strdup("it adds devices (linux.devices)"));
	if (allows_devices(linux_obj, reason))
		return TRUE;
	if (process != NULL && json_object_has_member(process, "oomScoreAdj") &&
	    json_object_get_int_member_with_default(process, "oomScoreAdj", 0) < 0)
		return needs(reason, g_strdup("it lowers its OOM score (process.oomScoreAdj)"));
	if (object_member(linux_obj, "intelRdt") != NULL)
		return needs(reason, g_strdup("it asks for Intel RDT (linux.intelRdt)"));
	if (object_member(resources, "unified") != NULL &&
	    json_object_get_size(object_member(resources, "unified")) > 0)
		return needs(reason, g_strdup("it writes raw cgroup files "
					      "(linux.resources.unified)"));
	return FALSE;
}

gboolean
ocid_annotation_is_runtimes(const char *key)
{
	/* runc turns org.systemd.property.* into properties of the container's unit; crun
	 * reads run.oci.* (hook output files, cgroup delegation, a VM handler). Both act
	 * as host root. */
	return g_str_has_prefix(key, "org.systemd.property.") || g_str_has_prefix(key, "run.oci.");
}

static gboolean
sets_runtime_annotations(JsonObject *root, char **reason)
{
	JsonObject *annotations = object_member(root, "annotations");
	g_autoptr(GList) keys = annotations != NULL ? json_object_get_members(annotations) : NULL;

	for (GList *l = keys; l != NULL; l = l->next)
		if (ocid_annotation_is_runtimes(l->data))
			return needs(reason, g_strdup_printf("its annotation %s is an instruction "
							     "to the runtime",
							     (char *)l->data));
	return FALSE;
}

static gboolean
caller_cannot_reach(const OcidCaller *caller, const char *path, const char *what, char **reason)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *resolved = ocid_caller_resolve_readable(caller, path, what, &error);

	if (resolved != NULL)
		return FALSE;
	return needs(reason, g_strdup_printf("its %s %s is not reachable with your own "
					     "authority",
					     what, path));
}

gboolean
ocid_spec_confined_needs_privilege(JsonNode *spec, const char *bundle_path,
				   const OcidCaller *caller, char **reason)
{
	JsonObject *root, *linux_obj;
	JsonArray *mounts;
	const char *root_path;
	g_autofree char *absolute_root = NULL;

	g_return_val_if_fail(spec != NULL && JSON_NODE_HOLDS_OBJECT(spec), TRUE);

	if (reason != NULL)
		*reason = NULL;
	root = json_node_get_object(spec);
	linux_obj = object_member(root, "linux");
	if (shares_host_namespace(linux_obj, reason) ||
	    asks_for_host_root(root, linux_obj, reason) || sets_runtime_annotations(root, reason))
		return TRUE;
	root_path =
	    json_object_get_string_member_with_default(object_member(root, "root"), "path", "");
	absolute_root = g_path_is_absolute(root_path)
			    ? g_strdup(root_path)
			    : g_build_filename(bundle_path, root_path, NULL);
	if (caller_cannot_reach(caller, absolute_root, "root.path", reason))
		return TRUE;
	mounts = array_member(root, "mounts");
	for (guint i = 0; mounts != NULL && i < json_array_get_length(mounts); i++) {
		JsonObject *mount = json_array_get_object_element(mounts, i);
		const char *source =
		    json_object_get_string_member_with_default(mount, "source", "");
		const char *type = json_object_get_string_member_with_default(mount, "type", "");

		if (ocid_mount_is_bind(mount)) {
			if (caller_cannot_reach(caller, source, "bind source", reason))
				return TRUE;
		} else if (!g_strv_contains(own_filesystems, type)) {
			return needs(reason,
				     g_strdup_printf("it mounts %s (type %s) from the host",
						     *source != '\0' ? source : "(no source)",
						     *type != '\0' ? type : "(none)"));
		}
	}
	return FALSE;
}
