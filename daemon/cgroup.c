#include "cgroup.h"

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
	g_free(manager->parent);
	g_free(manager);
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
