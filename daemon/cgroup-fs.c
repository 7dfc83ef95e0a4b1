/* cgroup_manager = cgroupfs: ocid makes the container's group <parent>/ocid-<id> in every
 * hierarchy, with its monitors in <group>/supervisor; the runtime makes <group>/container
 * itself, and ocid removes the group once the runtime has deleted the container. The same
 * layout as the systemd manager's scope (docs/cgroups.md), so that on cgroup v2 the
 * container's cgroup can have every controller, and no monitor stays in the daemon's own
 * cgroup (ocid.service's, which a restart with KillMode=mixed empties). */
#include "cgroup.h"

#include "cgroup-tree.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static gboolean
fs_place(OcidCgroupManager *manager, OcidContainer *container, GError **error)
{
	g_autofree char *group = g_strdup_printf(
	    "/%s/ocid-%s", ocid_cgroup_parent_of(manager, container), container->id);

	g_free(container->cgroups_path);
	container->cgroups_path = g_build_filename(group, OCID_CGROUP_CONTAINER, NULL);
	g_free(container->control_group);
	container->control_group = g_steal_pointer(&group);
	g_clear_pointer(&container->unit, g_free);
	return TRUE;
}

static void
fs_attach(OcidCgroupManager *manager, OcidContainer *container, pid_t monitor_pid, JsonNode *spec,
	  OcidCgroupDoneFunc done, gpointer user_data)
{
	g_autoptr(GError) error = NULL;

	(void)ocid_cgroup_enter_leaf(container->control_group, OCID_CGROUP_SUPERVISOR, monitor_pid,
				     &error);
	done(error, user_data);
}

static void
fs_remove(OcidCgroupManager *manager, OcidContainer *container, OcidCgroupDoneFunc done,
	  gpointer user_data)
{
	g_autoptr(GError) error = NULL;

	/* The runtime's delete removed <group>/container; the rest is ours. */
	(void)ocid_cgroup_remove_group(container->control_group, &error);
	done(error, user_data);
}

OcidCgroupManager *
ocid_cgroup_fs_new(const char *parent)
{
	OcidCgroupManager *manager = g_new0(OcidCgroupManager, 1);
	const char *p = parent;

	while (*p == '/')
		p++;
	manager->name = "cgroupfs";
	manager->parent = g_strdup(p);
	while (manager->parent[0] != '\0' && g_str_has_suffix(manager->parent, "/"))
		manager->parent[strlen(manager->parent) - 1] = '\0';
	manager->place = fs_place;
	manager->attach = fs_attach;
	manager->remove = fs_remove;
	return manager;
}
