/* GetStatistics: a container's figures, read from the cgroup its process is in
 * (/proc/<pid>/cgroup, so whichever cgroup manager and layout placed it), on cgroup v1
 * (memory, cpuacct, pids controllers) or v2 (memory.current, memory.peak, cpu.stat,
 * pids.current). */
#pragma once

#include "container.h"

#include <glib.h>
#include <stdint.h>

typedef struct {
	uint64_t memory_current;
	uint64_t memory_peak;
	gboolean has_memory_peak; /* v2 before Linux 5.19 keeps no peak */
	uint64_t cpu_usage_usec;
	uint64_t pids_current;
} OcidStatistics;

/* InvalidState for a container with no live process; FAILED when a cgroup file cannot be
 * read (with its path). */
gboolean ocid_statistics_read(const OcidContainer *container, OcidStatistics *stats,
			      GError **error);

/* The same from the text of a /proc/<pid>/cgroup and a cgroup mount root (for tests):
 * fills @stats from the files below @root. */
gboolean ocid_statistics_read_from(const char *proc_cgroup, const char *root, OcidStatistics *stats,
				   GError **error);
