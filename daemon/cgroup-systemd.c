/* cgroup_manager = systemd: every container in a scope ocid-<id>.scope in the configured
 * slice. The runtime is told --systemd-cgroup and a cgroupsPath of the form
 * slice:prefix:name, and asks systemd for the scope itself. */
#include "cgroup.h"

static gboolean
systemd_place(const OcidCgroupManager *manager, OcidContainer *container, GError **error)
{
	g_free(container->cgroups_path);
	container->cgroups_path =
	    g_strdup_printf("%s:ocid:%s", ocid_cgroup_parent_of(manager, container), container->id);
	g_free(container->unit);
	container->unit = g_strdup_printf("ocid-%s.scope", container->id);
	g_free(container->control_group);
	container->control_group =
	    g_strdup_printf("/%s/%s", ocid_cgroup_parent_of(manager, container), container->unit);
	return TRUE;
}

static void
systemd_remove(const OcidCgroupManager *manager, OcidContainer *container)
{
	/* runc delete stops the scope it asked for. */
}

OcidCgroupManager *
ocid_cgroup_systemd_new(const char *slice)
{
	OcidCgroupManager *manager = g_new0(OcidCgroupManager, 1);

	manager->name = "systemd";
	manager->runtime_systemd_cgroup = TRUE;
	manager->parent = g_strdup(slice);
	manager->place = systemd_place;
	manager->remove = systemd_remove;
	return manager;
}
