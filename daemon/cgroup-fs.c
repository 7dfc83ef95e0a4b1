/* cgroup_manager = cgroupfs: ocid makes the container's group <parent>/ocid-<id> in every
 * hierarchy, with its monitors in <group>/supervisor; the create monitor makes both, as
 * the daemon tells it (monitor/cgroup.h), the runtime makes <group>/container itself, and
 * ocid removes the group once the runtime has deleted the container. The same
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

	/* <group>/container, ocid_container_cgroups_path(). */
	g_clear_pointer(&container->cgroups_path, g_free);
	g_free(container->control_group);
	container->control_group = g_steal_pointer(&group);
	g_clear_pointer(&container->unit, g_free);
	return TRUE;
}

static void
fs_remove(OcidCgroupManager *manager, OcidContainer *container, OcidCgroupDoneFunc done,
	  gpointer user_data)
{
	/* No unit: the group is all there is, and the teardown's next step removes it
	 * (teardown.c, OCID_TEARDOWN_UNIT_CGROUP), killing what is left in it. Removing it
	 * here too cost a pass of failed rmdirs over every hierarchy at each exit. */
	done(NULL, user_data);
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
	manager->monitor_makes_group = TRUE;
	manager->remove = fs_remove;
	return manager;
}
