#include "cgroup.h"

#include "cgroup-tree.h"

#include <string.h>

OcidCgroupManager *
ocid_cgroup_manager_new(const OcidConfig *config)
{
	switch (config->cgroup_manager) {
	case OCID_CGROUP_MANAGER_CGROUPFS:
		return ocid_cgroup_fs_new(config->cgroup_parent);
	case OCID_CGROUP_MANAGER_SYSTEMD:
		return ocid_cgroup_systemd_new(config->cgroup_parent);
	}
	g_assert_not_reached();
}

void
ocid_cgroup_manager_free(OcidCgroupManager *manager)
{
	if (manager == NULL)
		return;
	if (manager->free_data != NULL)
		manager->free_data(manager);
	if (manager->bus != NULL)
		sd_bus_unref(manager->bus);
	g_free(manager->parent);
	g_free(manager);
}

void
ocid_cgroup_manager_set_bus(OcidCgroupManager *manager, sd_bus *bus)
{
	manager->bus = sd_bus_ref(bus);
	if (manager->on_bus != NULL)
		manager->on_bus(manager);
}

const char *
ocid_cgroup_parent_of(const OcidCgroupManager *manager, const OcidContainer *container)
{
	const char *parent =
	    container->cgroup_parent != NULL ? container->cgroup_parent : manager->parent;

	while (*parent == '/')
		parent++;
	return parent;
}

gboolean
ocid_cgroup_oom_killed(const OcidContainer *container)
{
	g_autofree char *text = ocid_cgroup_container_read(
	    container, "memory", ocid_cgroup_is_unified() ? "memory.events" : "memory.oom_control");
	g_auto(GStrv) lines = NULL;

	if (text == NULL)
		return FALSE;
	lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i] != NULL; i++)
		if (g_str_has_prefix(lines[i], "oom_kill "))
			return g_ascii_strtoull(lines[i] + strlen("oom_kill "), NULL, 10) > 0;
	return FALSE;
}

gboolean
ocid_cgroup_enter_supervisor(const OcidContainer *container, pid_t pid, GError **error)
{
	return ocid_cgroup_enter_leaf(container->control_group, OCID_CGROUP_SUPERVISOR, pid, error);
}

char *
ocid_cgroup_container_path(const OcidContainer *container)
{
	g_autofree char *path = ocid_container_cgroups_path(container);

	/* runc's systemd driver takes "slice:prefix:name" instead of a path. */
	return path != NULL && path[0] == '/' ? g_steal_pointer(&path) : NULL;
}
