#include "resources.h"

#include "health.h"

#include "errors.h"
#include "input-limits.h"

#include <string.h>

void
ocid_resources_clear(OcidResources *resources)
{
	g_clear_pointer(&resources->cpuset_cpus, g_free);
	g_clear_pointer(&resources->cpuset_mems, g_free);
	g_clear_pointer(&resources->restart_policy, g_free);
	g_clear_pointer(&resources->healthcheck, ocid_health_config_free);
}

static gboolean
invalid(GError **error, const char *key, const char *what)
{
	g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT, "Resource '%s' %s", key, what);
	return FALSE;
}

/* "0-3,5": comma-separated numbers and ranges, as the cpuset controller takes them. */
static gboolean
is_cpu_list(const char *s)
{
	g_auto(GStrv) parts = NULL;

	if (s == NULL || *s == '\0')
		return FALSE;
	parts = g_strsplit(s, ",", -1);
	for (int i = 0; parts[i] != NULL; i++) {
		g_auto(GStrv) range = g_strsplit(parts[i], "-", 3);
		guint n = g_strv_length(range);
		guint64 bounds[2] = { 0, 0 };

		if (n < 1 || n > 2)
			return FALSE;
		for (guint j = 0; j < n; j++) {
			if (*range[j] == '\0' ||
			    strspn(range[j], "0123456789") != strlen(range[j]) ||
			    strlen(range[j]) > 6)
				return FALSE;
			bounds[j] = g_ascii_strtoull(range[j], NULL, 10);
		}
		if (n == 2 && bounds[1] < bounds[0])
			return FALSE;
	}
	return TRUE;
}

gboolean
ocid_resources_validate(const OcidResources *r, GError **error)
{
	if (r->has_cpu_shares && (r->cpu_shares < 2 || r->cpu_shares > 262144))
		return invalid(error, "cpu_shares", "must be between 2 and 262144");
	if (r->has_cpu_quota && r->cpu_quota != -1 &&
	    (r->cpu_quota < 1000 || r->cpu_quota > OCID_CPU_QUOTA_MAX))
		return invalid(error, "cpu_quota",
			       "must be -1 (no limit) or between 1000 and 4096000000 (µs)");
	if (r->has_cpu_period && (r->cpu_period < 1000 || r->cpu_period > 1000000))
		return invalid(error, "cpu_period", "must be between 1000 and 1000000 (µs)");
	if (r->has_cpuset_cpus && !is_cpu_list(r->cpuset_cpus))
		return invalid(error, "cpuset_cpus", "must be a list like 0-3,5");
	if (r->has_cpuset_mems && !is_cpu_list(r->cpuset_mems))
		return invalid(error, "cpuset_mems", "must be a list like 0-1");
	if (r->has_memory_limit && r->memory_limit != -1 && r->memory_limit < 4 * 1024 * 1024)
		return invalid(error, "memory_limit",
			       "must be -1 (no limit) or at least 4194304 bytes");
	if (r->has_memory_swap && r->memory_swap != -1 && r->memory_swap < 4 * 1024 * 1024)
		return invalid(error, "memory_swap",
			       "must be -1 (no limit) or at least 4194304 bytes");
	if (r->has_memory_swap && r->has_memory_limit && r->memory_swap != -1 &&
	    r->memory_limit != -1 && r->memory_swap < r->memory_limit)
		return invalid(error, "memory_swap",
			       "must be at least memory_limit (it counts memory plus swap)");
	if (r->has_pids_limit && r->pids_limit != -1 && r->pids_limit < 1)
		return invalid(error, "pids_limit", "must be -1 (no limit) or at least 1");
	if (r->has_blkio_weight && (r->blkio_weight < 10 || r->blkio_weight > 1000))
		return invalid(error, "blkio_weight", "must be between 10 and 1000");
	return TRUE;
}

gboolean
ocid_resources_is_empty(const OcidResources *r)
{
	return !(r->has_cpu_shares || r->has_cpu_quota || r->has_cpu_period || r->has_cpuset_cpus ||
		 r->has_cpuset_mems || r->has_memory_limit || r->has_memory_swap ||
		 r->has_pids_limit || r->has_blkio_weight);
}

void
ocid_resources_to_runtime_args(const OcidResources *r, GPtrArray *args)
{
#define OPT(flag, fmt, value)                                                                      \
	do {                                                                                       \
		g_ptr_array_add(args, g_strdup(flag));                                             \
		g_ptr_array_add(args, g_strdup_printf(fmt, value));                                \
	} while (0)
	if (r->has_cpu_shares)
		OPT("--cpu-share", "%" G_GUINT64_FORMAT, r->cpu_shares);
	if (r->has_cpu_period)
		OPT("--cpu-period", "%" G_GUINT64_FORMAT, r->cpu_period);
	if (r->has_cpu_quota)
		OPT("--cpu-quota", "%" G_GINT64_FORMAT, r->cpu_quota);
	if (r->has_cpuset_cpus)
		OPT("--cpuset-cpus", "%s", r->cpuset_cpus);
	if (r->has_cpuset_mems)
		OPT("--cpuset-mems", "%s", r->cpuset_mems);
	if (r->has_memory_limit)
		OPT("--memory", "%" G_GINT64_FORMAT, r->memory_limit);
	if (r->has_memory_swap)
		OPT("--memory-swap", "%" G_GINT64_FORMAT, r->memory_swap);
	if (r->has_pids_limit)
		OPT("--pids-limit", "%" G_GINT64_FORMAT, r->pids_limit);
	if (r->has_blkio_weight)
		OPT("--blkio-weight", "%u", (unsigned)r->blkio_weight);
#undef OPT
}

static JsonObject *
object_member(JsonObject *o, const char *key)
{
	JsonNode *node = o != NULL ? json_object_get_member(o, key) : NULL;

	return node != NULL && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

/* A number member of @o, FALSE when missing or not an integer. */
static gboolean
int_member(JsonObject *o, const char *key, gint64 *value)
{
	JsonNode *node = o != NULL ? json_object_get_member(o, key) : NULL;

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_INT64)
		return FALSE;
	*value = json_node_get_int(node);
	return TRUE;
}

void
ocid_resources_from_spec(JsonNode *spec, OcidResources *r)
{
	JsonObject *root =
	    spec != NULL && JSON_NODE_HOLDS_OBJECT(spec) ? json_node_get_object(spec) : NULL;
	JsonObject *res = object_member(object_member(root, "linux"), "resources");
	JsonObject *memory = object_member(res, "memory");
	JsonObject *cpu = object_member(res, "cpu");
	JsonObject *pids = object_member(res, "pids");
	JsonObject *block_io = object_member(res, "blockIO");
	gint64 v;

	memset(r, 0, sizeof *r);
	if (int_member(memory, "limit", &v) && v != 0) {
		r->has_memory_limit = TRUE;
		r->memory_limit = v;
	}
	if (int_member(memory, "swap", &v) && v != 0) {
		r->has_memory_swap = TRUE;
		r->memory_swap = v;
	}
	if (int_member(cpu, "shares", &v) && v > 0) {
		r->has_cpu_shares = TRUE;
		r->cpu_shares = (uint64_t)v;
	}
	if (int_member(cpu, "quota", &v) && v != 0) {
		r->has_cpu_quota = TRUE;
		r->cpu_quota = v;
	}
	if (int_member(cpu, "period", &v) && v > 0) {
		r->has_cpu_period = TRUE;
		r->cpu_period = (uint64_t)v;
	}
	if (int_member(pids, "limit", &v) && v != 0) {
		r->has_pids_limit = TRUE;
		r->pids_limit = v;
	}
	if (int_member(block_io, "weight", &v) && v > 0 && v <= G_MAXUINT16) {
		r->has_blkio_weight = TRUE;
		r->blkio_weight = (uint16_t)v;
	}
}

uint64_t
ocid_resources_cpu_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	shares = CLAMP(shares, 2, 262144);
	return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t
ocid_resources_io_weight(uint64_t blkio_weight)
{
	if (blkio_weight == 0)
		return 0;
	blkio_weight = CLAMP(blkio_weight, 10, 1000);
	return 1 + ((blkio_weight - 10) * 9999) / 990;
}

gboolean
ocid_resources_swap_max(int64_t memory_swap, int64_t memory_limit, uint64_t *swap_max)
{
	if (memory_swap == -1) {
		*swap_max = G_MAXUINT64;
		return TRUE;
	}
	if (memory_limit <= 0 || memory_swap < memory_limit)
		return FALSE;
	*swap_max = (uint64_t)(memory_swap - memory_limit);
	return TRUE;
}
