#include "privilege.h"

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

/* A bundle that shares a host namespace (one of pid, ipc, uts, mount, network left out)
 * or adds capabilities beyond the default set needs create-privileged. */
gboolean
ocid_spec_needs_privilege(JsonNode *spec, char **reason)
{
	static const char *const isolated[] = { "pid", "ipc", "uts", "mount", "network", NULL };
	static const char *const cap_sets[] = { "bounding",    "effective", "permitted",
						"inheritable", "ambient",   NULL };
	JsonObject *root, *linux_obj, *process, *caps;
	JsonArray *namespaces;

	root = json_node_get_object(spec);
	linux_obj = json_object_get_object_member(root, "linux");
	namespaces = linux_obj != NULL && json_object_has_member(linux_obj, "namespaces")
			 ? json_object_get_array_member(linux_obj, "namespaces")
			 : NULL;
	for (int i = 0; isolated[i] != NULL; i++) {
		gboolean found = FALSE;
		for (guint j = 0; namespaces != NULL && j < json_array_get_length(namespaces);
		     j++) {
			JsonObject *ns = json_array_get_object_element(namespaces, j);
			if (ns != NULL &&
			    g_strcmp0(json_object_get_string_member_with_default(ns, "type", NULL),
				      isolated[i]) == 0)
				found = TRUE;
		}
		if (!found) {
			if (reason != NULL)
				*reason = g_strdup_printf("it shares the host's %s namespace",
							  isolated[i]);
			return TRUE;
		}
	}
	process = json_object_get_object_member(root, "process");
	caps = process != NULL && json_object_has_member(process, "capabilities")
		   ? json_object_get_object_member(process, "capabilities")
		   : NULL;
	for (int i = 0; caps != NULL && cap_sets[i] != NULL; i++) {
		JsonArray *set = json_object_has_member(caps, cap_sets[i])
				     ? json_object_get_array_member(caps, cap_sets[i])
				     : NULL;
		for (guint j = 0; set != NULL && j < json_array_get_length(set); j++)
			if (!g_strv_contains(default_capabilities,
					     json_array_get_string_element(set, j))) {
				if (reason != NULL)
					*reason = g_strdup_printf(
					    "it adds the capability %s",
					    json_array_get_string_element(set, j));
				return TRUE;
			}
	}
	return FALSE;
}
