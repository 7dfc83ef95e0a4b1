/* The seed's LinuxResources as Update() takes them: which are set, their checks, and the
 * runtime arguments that apply them. */
#pragma once

#include <glib.h>
#include <stdint.h>

typedef struct {
	gboolean has_cpu_shares, has_cpu_quota, has_cpu_period, has_cpuset_cpus, has_cpuset_mems,
	    has_memory_limit, has_memory_swap, has_pids_limit, has_blkio_weight;
	uint64_t cpu_shares;
	int64_t cpu_quota;
	uint64_t cpu_period;
	char *cpuset_cpus;
	char *cpuset_mems;
	int64_t memory_limit;
	int64_t memory_swap;
	int64_t pids_limit;
	uint16_t blkio_weight;
} OcidResources;

void ocid_resources_clear(OcidResources *resources);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OcidResources, ocid_resources_clear)

/* Range and format checks; InvalidArgument naming the key. */
gboolean ocid_resources_validate(const OcidResources *resources, GError **error);

gboolean ocid_resources_is_empty(const OcidResources *resources);

/* Appends `runc update` options for the set values to @args (strings owned by @args). */
void ocid_resources_to_runtime_args(const OcidResources *resources, GPtrArray *args);
