/* The seed's LinuxResources as Update() takes them: which are set, their checks, and the
 * runtime arguments that apply them. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
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
	/* Not a resource, but changed by the same Update: the restart policy (restart.h),
	 * whose name ocid_manager_update() checks. */
	gboolean has_restart_policy, has_restart_max, has_healthcheck;
	char *restart_policy;
	uint32_t restart_max;
	/* The health check from now on (health.h); one without cmd removes it. */
	struct OcidHealthConfig *healthcheck;
} OcidResources;

void ocid_resources_clear(OcidResources *resources);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OcidResources, ocid_resources_clear)

/* Range and format checks; InvalidArgument naming the key. */
gboolean ocid_resources_validate(const OcidResources *resources, GError **error);

/* Whether no limit for the runtime is set (the restart policy aside). */
gboolean ocid_resources_is_empty(const OcidResources *resources);

/* Appends `runc update` options for the set values to @args (strings owned by @args). */
void ocid_resources_to_runtime_args(const OcidResources *resources, GPtrArray *args);

/* The resources of a spec's linux.resources (memory limit and swap, cpu shares, quota and
 * period, pids limit, blockIO weight), as Update would set them. */
void ocid_resources_from_spec(JsonNode *spec, OcidResources *resources);

/* cgroup v2's values for the v1-style keys, converted as runc and crun convert them (so a
 * unit's properties agree with the files the runtime writes): */
/* cpu.weight (1-10000) for cpu_shares (2-262144); 0 for 0. */
uint64_t ocid_resources_cpu_weight(uint64_t shares);
/* io.weight (1-10000) for blkio_weight (10-1000); 0 for 0. */
uint64_t ocid_resources_io_weight(uint64_t blkio_weight);
/* memory.swap.max for memory_swap (memory plus swap, -1 unlimited) over memory_limit:
 * swap minus memory, G_MAXUINT64 for unlimited, as runc's ConvertMemorySwapToCgroupV2Value.
 * FALSE when it has no v2 meaning (0, which is unset; a swap limit without a memory limit, or
 * below it). */
gboolean ocid_resources_swap_max(int64_t memory_swap, int64_t memory_limit, uint64_t *swap_max);
