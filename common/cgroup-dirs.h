/* The making of a cgroup dir below a v1 or v2 mount, shared by the monitor (a create's
 * group under cgroupfs, monitor/cgroup.c) and the daemon (a supervisor leaf under systemd's
 * scope, daemon/cgroup-tree.c), so that both fill v1 cpuset levels the same way. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* mkdir -p of @path, whose first @mount_len bytes (the mount point) exist; @path is
 * changed while it works and restored. On a v1 cpuset hierarchy (@cpuset), every level
 * without cpus or mems gets its parent's, and cgroup.clone_children: a new cpuset level
 * refuses tasks until it has some. -errno of the first mkdir that failed. */
int ocid_cgroup_make_dirs(char *path, size_t mount_len, bool cpuset);

/* Writes @text to the cgroup file @path, which takes a value in one write; 0 or -errno. */
int ocid_cgroup_write(const char *path, const char *text);
