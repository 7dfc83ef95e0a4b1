#include "cgroup.h"

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

static guint64
read_counter(const char *path, const char *key)
{
	g_autofree char *data = NULL;
	g_auto(GStrv) lines = NULL;
	size_t key_len = strlen(key);

	if (!g_file_get_contents(path, &data, NULL, NULL))
		return 0;
	lines = g_strsplit(data, "\n", -1);
	for (int i = 0; lines[i] != NULL; i++)
		if (strncmp(lines[i], key, key_len) == 0 && lines[i][key_len] == ' ')
			return g_ascii_strtoull(lines[i] + key_len + 1, NULL, 10);
	return 0;
}

gboolean
ocid_cgroup_oom_killed(const OcidContainer *container)
{
	const char *group = container->control_group;
	g_autofree char *v1 = NULL;
	g_autofree char *v2 = NULL;
	g_autofree char *hybrid = NULL;

	if (group == NULL)
		return FALSE;
	v1 = g_strdup_printf("/sys/fs/cgroup/memory%s/memory.oom_control", group);
	v2 = g_strdup_printf("/sys/fs/cgroup%s/memory.events", group);
	hybrid = g_strdup_printf("/sys/fs/cgroup/unified%s/memory.events", group);
	return read_counter(v1, "oom_kill") > 0 || read_counter(v2, "oom_kill") > 0 ||
	       read_counter(hybrid, "oom_kill") > 0;
}

const char *
ocid_cgroup_container_path(const OcidContainer *container)
{
	const char *path = container->cgroups_path;

	/* runc's systemd driver takes "slice:prefix:name" instead of a path. */
	return path != NULL && path[0] == '/' ? path : NULL;
}
