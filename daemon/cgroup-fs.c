/* cgroup_manager = cgroupfs: the runtime makes <parent>/ocid-<id> in every hierarchy
 * itself; ocid only chooses the path. */
#include "cgroup.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static gboolean
fs_place(OcidCgroupManager *manager, OcidContainer *container, GError **error)
{
	g_autofree char *path = g_strdup_printf(
	    "/%s/ocid-%s", ocid_cgroup_parent_of(manager, container), container->id);

	g_free(container->cgroups_path);
	container->cgroups_path = g_strdup(path);
	g_free(container->control_group);
	container->control_group = g_steal_pointer(&path);
	g_clear_pointer(&container->unit, g_free);
	return TRUE;
}

static void
fs_remove(OcidCgroupManager *manager, OcidContainer *container, OcidCgroupDoneFunc done,
	  gpointer user_data)
{
	/* runc delete removes the cgroups it made; nothing of ours is left to remove. */
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
	manager->remove = fs_remove;
	return manager;
}
