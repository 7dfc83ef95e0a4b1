/* cgroup.h: the container's group under cgroup_manager = cgroupfs, which the daemon names
 * (--cgroup-group) and the monitor makes, so that the daemon's main loop pays for none of
 * the mkdirs (a dozen and more per create on a v1 or hybrid host). The layout is
 * docs/cgroups.md's: <group>/supervisor in every hierarchy, the monitor in it, the runtime's
 * <group>/container beside it. The monitor makes that and nothing else. */
#pragma once

#include <stddef.h>

typedef struct {
	char **mounts;         /* every cgroup and cgroup2 mount point */
	unsigned char *cpuset; /* whether mounts[i] is a v1 hierarchy with cpuset */
	size_t n;
} MonitorCgroups;

#define MONITOR_CGROUPS_INIT                                                                       \
	{                                                                                          \
		NULL, NULL, 0                                                                      \
	}

/* Finds the hierarchies in /proc/self/mountinfo. -ENOENT when there is none. */
int monitor_cgroups_find(MonitorCgroups *cgroups);

/* mkdir -p of <mount>/<group>/supervisor in every hierarchy, each new v1 cpuset level with
 * its parent's cpus and mems; before the runtime runs, which makes <group>/container and
 * must never see a half-made cpuset level. On failure, @where (@size bytes) names the dir. */
int monitor_cgroups_make(const MonitorCgroups *cgroups, const char *group, char *where,
			 size_t size);

/* Moves the calling process into <group>/supervisor in every hierarchy. Each write waits
 * for an RCU grace period (some 10 ms): done while the runtime runs, it is the one the
 * runtime's move of the container's init waits for anyway. */
int monitor_cgroups_enter(const MonitorCgroups *cgroups, const char *group, char *where,
			  size_t size);

/* rmdir of <group>/supervisor and <group> in every hierarchy, for a create the daemon no
 * longer waits for; best effort: what is left is the restarted daemon's to remove. */
void monitor_cgroups_remove(const MonitorCgroups *cgroups, const char *group);

void monitor_cgroups_clear(MonitorCgroups *cgroups);
