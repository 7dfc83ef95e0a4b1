/* The seam between the daemon and the two cgroup managers (the seed's
 * CgroupfsCgroupsManager and SystemdCgroupsManager): create a container's unit, update its
 * resources, remove it. One is chosen from the configuration at start; the rest of the
 * daemon only sees this interface. */
#pragma once

#include "config.h"
#include "container.h"
#include "resources.h"

#include <glib.h>
#include <json-glib/json-glib.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

typedef struct OcidCgroupManager OcidCgroupManager;

/* @error is NULL on success. */
typedef void (*OcidCgroupDoneFunc)(GError *error, gpointer user_data);

struct OcidCgroupManager {
	const char *name;
	char *parent;
	sd_bus *bus; /* the system bus, for the systemd manager */
	/* Tells the runtime to use its systemd driver. */
	gboolean runtime_systemd_cgroup;
	/* Decides where the container goes: fills cgroups_path (for the spec), unit and
	 * control_group (the container's properties). */
	gboolean (*place)(OcidCgroupManager *manager, OcidContainer *container, GError **error);
	/* cgroupfs: the monitor makes the group that place chose and moves itself into
	 * <group>/supervisor (monitor/cgroup.h, --cgroup-group), so that the daemon's main loop
	 * pays for none of the mkdirs; there is no attach. */
	gboolean monitor_makes_group;
	/* systemd: makes the unit, with @spec's resources, with @monitor_pid in it, then puts
	 * the monitor in <group>/supervisor. The monitor waits, in the daemon's cgroup, until
	 * this is done before it runs the runtime: the unit must exist before the runtime makes
	 * its leaf in it. The create is done only once it is. NULL when there is no unit. */
	void (*attach)(OcidCgroupManager *manager, OcidContainer *container, pid_t monitor_pid,
		       JsonNode *spec, OcidCgroupDoneFunc done, gpointer user_data);
	/* Applies new limits to the unit too (the runtime applies them to the container). */
	void (*update)(OcidCgroupManager *manager, OcidContainer *container,
		       const OcidResources *resources, OcidCgroupDoneFunc done, gpointer user_data);
	/* Removes the unit once the container is deleted; done when it is gone. */
	void (*remove)(OcidCgroupManager *manager, OcidContainer *container,
		       OcidCgroupDoneFunc done, gpointer user_data);
	void (*free_data)(OcidCgroupManager *manager);
	/* Called once the bus is set. */
	void (*on_bus)(OcidCgroupManager *manager);
	gpointer data;
};

OcidCgroupManager *ocid_cgroup_manager_new(const OcidConfig *config);

void ocid_cgroup_manager_free(OcidCgroupManager *manager);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcidCgroupManager, ocid_cgroup_manager_free)

/* The systemd manager talks to systemd over the daemon's system bus connection. */
void ocid_cgroup_manager_set_bus(OcidCgroupManager *manager, sd_bus *bus);

/* The constructors of the two managers, for ocid_cgroup_manager_new. */
OcidCgroupManager *ocid_cgroup_fs_new(const char *parent);
OcidCgroupManager *ocid_cgroup_systemd_new(const char *slice);

/* The parent a container goes under: its own cgroup_parent option, else the configured
 * one, without leading slashes. */
const char *ocid_cgroup_parent_of(const OcidCgroupManager *manager, const OcidContainer *container);

/* Whether the kernel's OOM killer struck in the container's memory cgroup or below it (v2
 * memory.events, hierarchical; v1 memory.oom_control). */
gboolean ocid_cgroup_oom_killed(const OcidContainer *container);

/* Moves @pid (an exec monitor, before it runs the runtime) into the container's
 * <group>/supervisor, where its create monitor is: never in the daemon's own cgroup. */
gboolean ocid_cgroup_enter_supervisor(const OcidContainer *container, pid_t pid, GError **error);
/* The container's own cgroup as a path below the hierarchies' roots, for killing through
 * it (cgroup-kill.h); NULL when the runtime was given no such path. */
char *ocid_cgroup_container_path(const OcidContainer *container); /* caller frees */
