/* The seam between the daemon and the two cgroup managers (the seed's
 * CgroupfsCgroupsManager and SystemdCgroupsManager). One is chosen from the configuration
 * at start; the rest of the daemon only sees this interface. */
#pragma once

#include "config.h"
#include "container.h"

#include <glib.h>

typedef struct OcidCgroupManager OcidCgroupManager;

struct OcidCgroupManager {
	const char *name;
	/* Whether the runtime must be told --systemd-cgroup. */
	gboolean runtime_systemd_cgroup;
	/* Decides where the container goes: fills cgroups_path (for the spec), unit and
	 * control_group (the container's properties). */
	gboolean (*place)(const OcidCgroupManager *manager, OcidContainer *container,
			  GError **error);
	/* Removes what the runtime may leave behind after delete. */
	void (*remove)(const OcidCgroupManager *manager, OcidContainer *container);
	char *parent;
};

OcidCgroupManager *ocid_cgroup_manager_new(const OcidConfig *config);

void ocid_cgroup_manager_free(OcidCgroupManager *manager);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcidCgroupManager, ocid_cgroup_manager_free)

/* The constructors of the two managers, for ocid_cgroup_manager_new. */
OcidCgroupManager *ocid_cgroup_fs_new(const char *parent);
OcidCgroupManager *ocid_cgroup_systemd_new(const char *slice);

/* The parent a container goes under: its own cgroup_parent option, else the configured
 * one, without leading slashes. */
const char *ocid_cgroup_parent_of(const OcidCgroupManager *manager, const OcidContainer *container);

/* Whether the kernel's OOM killer struck in the container's memory cgroup (v1
 * memory.oom_control or v2 memory.events). */
gboolean ocid_cgroup_oom_killed(const OcidContainer *container);
