#include "privilege.h"

#include "input-limits.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Capabilities a container gets without asking for privilege: Docker's default set. */
static const char *const default_capabilities[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_FSETID",
	"CAP_FOWNER",
	"CAP_MKNOD",
	"CAP_NET_RAW",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETFCAP",
	"CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT",
	"CAP_KILL",
	"CAP_AUDIT_WRITE",
	NULL,
};

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
has_dotdot(const char *path)
{
	g_auto(GStrv) components = g_strsplit(path, "/", -1);

	for (int i = 0; components[i] != NULL; i++)
		if (strcmp(components[i], "..") == 0)
			return TRUE;
	return FALSE;
}

/* runc follows symlinks in root.path and in a bind mount's source, so "inside" is decided
 * on the resolved path; what cannot be resolved counts as outside. */
static gboolean
path_outside_bundle(const char *path, const char *bundle_path)
{
	g_autofree char *joined = NULL;
	char real_bundle[PATH_MAX];
	char real_path[PATH_MAX];
	size_t bundle_len;

	if (*path == '\0' || has_dotdot(path))
		return TRUE;
	if (bundle_path == NULL)
		return g_path_is_absolute(path);
	joined =
	    g_path_is_absolute(path) ? g_strdup(path) : g_build_filename(bundle_path, path, NULL);
	if (realpath(bundle_path, real_bundle) == NULL || realpath(joined, real_path) == NULL)
		return TRUE;
	bundle_len = strlen(real_bundle);
	if (strcmp(real_bundle, "/") == 0)
		return FALSE;
	return strncmp(real_path, real_bundle, bundle_len) != 0 ||
	       (real_path[bundle_len] != '\0' && real_path[bundle_len] != '/');
}

/* Inside the bundle or under one of the allowed dirs (both resolved, as runc resolves). */
static gboolean
path_allowed(const char *path, const char *bundle_path, const char *const *allowed)
{
	g_autofree char *resolved = NULL;
	char real_path[PATH_MAX];

	if (!path_outside_bundle(path, bundle_path))
		return TRUE;
	if (allowed == NULL || *path == '\0' || has_dotdot(path) || !g_path_is_absolute(path) ||
	    realpath(path, real_path) == NULL)
		return FALSE;
	for (int i = 0; allowed[i] != NULL; i++)
		if (!path_outside_bundle(real_path, allowed[i]))
			return TRUE;
	return FALSE;
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
adds_capabilities(JsonObject *process, char **reason)
{
	JsonObject *caps = object_member(process, "capabilities");
	g_autoptr(GList) sets = caps != NULL ? json_object_get_members(caps) : NULL;

	/* Every set, not only the five of the spec: runc's parser matches names without
	 * regard to case, and an unknown set costs nothing to count. */
	for (GList *l = sets; l != NULL; l = l->next) {
		JsonArray *set = json_object_get_array_member(caps, l->data);

		for (guint j = 0; j < json_array_get_length(set); j++) {
			const char *name = json_array_get_string_element(set, j);
			if (!g_strv_contains(default_capabilities, name))
				return needs(reason,
					     g_strdup_printf("it adds the capability %s beyond the "
							     "default set",
							     name));
		}
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

static gboolean
is_bind_mount(JsonObject *mount)
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

static gboolean
has_option(JsonObject *mount, const char *wanted)
{
	JsonArray *options = array_member(mount, "options");

	for (guint i = 0; options != NULL && i < json_array_get_length(options); i++)
		if (g_strcmp0(json_array_get_string_element(options, i), wanted) == 0)
			return TRUE;
	return FALSE;
}

/* The kernel's own filesystems reach the host through some of their files: the container's
 * root (the host's uid 0 without a user namespace) could set host sysctls through
 * /proc/sys (kernel.core_pattern runs a program as root), reboot it through
 * /proc/sysrq-trigger, run a uevent helper through /sys, or a release agent through a
 * cgroup mount. So proc is only mounted at /proc, where readonlyPaths and maskedPaths
 * apply, and sysfs and cgroups read-only, as runc's and Docker's defaults have them. */
static gboolean
own_filesystem_reaches_host(JsonObject *mount, char **reason)
{
	const char *type = json_object_get_string_member_with_default(mount, "type", "");
	const char *destination =
	    json_object_get_string_member_with_default(mount, "destination", "");

	if (g_str_equal(type, "proc") && g_strcmp0(destination, "/proc") != 0)
		return needs(reason, g_strdup_printf("it mounts proc at %s, where "
						     "linux.readonlyPaths do not apply",
						     destination));
	if ((g_str_equal(type, "sysfs") || g_str_has_prefix(type, "cgroup")) &&
	    !has_option(mount, "ro"))
		return needs(reason,
			     g_strdup_printf("it mounts %s at %s read-write", type, destination));
	return FALSE;
}

static gboolean
lacks_protected_paths(JsonObject *linux_obj, char **reason)
{
	static const char *const read_only[] = { "/proc/bus",           "/proc/fs",
						 "/proc/irq",           "/proc/sys",
						 "/proc/sysrq-trigger", NULL };
	static const char *const masked[] = { "/proc/kcore", "/sys/firmware", NULL };
	static const struct {
		const char *key;
		const char *const *paths;
	} lists[] = { { "readonlyPaths", read_only }, { "maskedPaths", masked } };

	for (gsize l = 0; l < G_N_ELEMENTS(lists); l++) {
		JsonArray *have = array_member(linux_obj, lists[l].key);

		for (int i = 0; lists[l].paths[i] != NULL; i++) {
			gboolean found = FALSE;

			for (guint j = 0; have != NULL && j < json_array_get_length(have); j++)
				if (g_strcmp0(json_array_get_string_element(have, j),
					      lists[l].paths[i]) == 0)
					found = TRUE;
			if (!found)
				return needs(reason,
					     g_strdup_printf("%s is not in linux.%s",
							     lists[l].paths[i], lists[l].key));
		}
	}
	return FALSE;
}

static gboolean
mounts_from_host(JsonObject *root, const char *bundle_path, const char *const *allowed,
		 char **reason)
{
	JsonArray *mounts = array_member(root, "mounts");

	for (guint i = 0; mounts != NULL && i < json_array_get_length(mounts); i++) {
		JsonObject *mount = json_array_get_object_element(mounts, i);
		const char *source =
		    json_object_get_string_member_with_default(mount, "source", "");
		const char *type = json_object_get_string_member_with_default(mount, "type", "");

		if (is_bind_mount(mount)) {
			if (!path_allowed(source, bundle_path, allowed))
				return needs(
				    reason,
				    g_strdup_printf("it bind-mounts %s from outside the bundle and "
						    "the allowed dirs (bind_mount_allowlist)",
						    *source != '\0' ? source : "(no source)"));
		} else if (!g_strv_contains(own_filesystems, type)) {
			return needs(reason,
				     g_strdup_printf("it mounts %s (type %s) from the host",
						     *source != '\0' ? source : "(no source)",
						     *type != '\0' ? type : "(none)"));
		} else if (own_filesystem_reaches_host(mount, reason)) {
			return TRUE;
		}
	}
	return FALSE;
}

gboolean
ocid_spec_needs_privilege(JsonNode *spec, const char *bundle_path, const char *const *bind_allowed,
			  char **reason)
{
	JsonObject *root, *linux_obj, *root_fs;
	JsonArray *devices;
	const char *root_path;

	g_return_val_if_fail(spec != NULL && JSON_NODE_HOLDS_OBJECT(spec), TRUE);

	if (reason != NULL)
		*reason = NULL;
	root = json_node_get_object(spec);
	linux_obj = object_member(root, "linux");
	if (shares_host_namespace(linux_obj, reason) ||
	    adds_capabilities(object_member(root, "process"), reason) || has_hooks(root, reason))
		return TRUE;
	if (lacks_protected_paths(linux_obj, reason))
		return TRUE;
	devices = array_member(linux_obj, "devices");
	if (devices != NULL && json_array_get_length(devices) > 0)
		return needs(reason, g_strdup("it adds devices (linux.devices)"));
	root_fs = object_member(root, "root");
	root_path = json_object_get_string_member_with_default(root_fs, "path", "");
	if (path_outside_bundle(root_path, bundle_path))
		return needs(reason,
			     g_strdup_printf("its root.path %s is outside the bundle", root_path));
	return mounts_from_host(root, bundle_path, bind_allowed, reason);
}
