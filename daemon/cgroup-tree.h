/* The cgroup filesystem as ocid touches it itself, for whichever hierarchies the host has
 * (pure v2, hybrid, v1), found in /proc/self/mountinfo. Both managers use one layout
 * (docs/cgroups.md): a container's group (its scope under systemd) holds two leaves,
 * `container` (the runtime's, a domain with every controller) and `supervisor` (its
 * monitors), and no process of its own. This module makes and removes those groups, moves
 * a monitor into its leaf, and reads the kernel's files of a container's cgroup. */
#pragma once

#include "container.h"

#include <glib.h>
#include <sys/types.h>

/* The leaf of a container's group where its monitors (create and exec) live. */
#define OCID_CGROUP_SUPERVISOR "supervisor"
/* The leaf the runtime makes for the container itself. */
#define OCID_CGROUP_CONTAINER "container"

/* Whether /sys/fs/cgroup is the unified hierarchy alone (cgroup2fs). */
gboolean ocid_cgroup_is_unified(void);

/* Makes <group>/<leaf> (and what is missing above it) in every hierarchy, then moves @pid
 * there. On v1, a new cpuset cgroup gets its parent's cpus and mems first. */
gboolean ocid_cgroup_enter_leaf(const char *group, const char *leaf, pid_t pid, GError **error);

/* Removes @group and every (empty) cgroup below it, depth first, in every hierarchy. A
 * group that is not there is no error; one that still holds processes is (EBUSY). */
gboolean ocid_cgroup_remove_group(const char *group, GError **error);

/* The directory of the container's own cgroup: in the unified hierarchy when @controller
 * is NULL (cgroup.kill, cgroup.events, memory.events on v2; /sys/fs/cgroup/unified/... on
 * hybrid), else in the v1 hierarchy that has @controller, or the unified one on a pure v2
 * host. NULL when the container has no cgroup path or the hierarchy does not exist. This is
 * what cgroup kills (daemon/cgroup-kill.c) take. */
char *ocid_cgroup_container_dir(const OcidContainer *container, const char *controller);

/* 1 when the container's cgroup is frozen (cgroup.events "frozen 1" on v2,
 * freezer.state FROZEN on v1), 0 when it is not, -errno when neither file can be read. */
int ocid_cgroup_container_frozen(const OcidContainer *container);

/* The value of the container's cgroup file @file in the hierarchy of @controller, stripped;
 * NULL when unreadable. */
char *ocid_cgroup_container_read(const OcidContainer *container, const char *controller,
				 const char *file);
