#define G_LOG_DOMAIN "ocid"

#include "statistics.h"

#include "errors.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The cgroup (relative to @root's hierarchy) of @controller from a /proc/<pid>/cgroup
 * text: the v1 line naming it, or with @controller NULL the v2 line "0::". */
static char *
cgroup_of(const char *proc_cgroup, const char *controller)
{
	g_auto(GStrv) lines = g_strsplit(proc_cgroup, "\n", -1);

	for (char **l = lines; *l != NULL; l++) {
		g_auto(GStrv) fields = g_strsplit(*l, ":", 3);

		if (g_strv_length(fields) != 3)
			continue;
		if (controller == NULL) {
			if (g_str_equal(fields[0], "0") && fields[1][0] == '\0')
				return g_strdup(fields[2]);
			continue;
		}
		{
			g_auto(GStrv) names = g_strsplit(fields[1], ",", -1);

			if (g_strv_contains((const char *const *)names, controller))
				return g_strdup_printf("%s/%s", fields[1], fields[2]);
		}
	}
	return NULL;
}

/* The first number in @file, or the value of @key in a flat-keyed file. */
static gboolean
read_number(const char *dir, const char *file, const char *key, uint64_t *value, GError **error)
{
	g_autofree char *path = g_build_filename(dir, file, NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) local = NULL;
	const char *p;
	char *end = NULL;

	if (!g_file_get_contents(path, &text, NULL, &local))
		return ocid_error_set(error, OCID_ERROR_FAILED, "Cannot read %s: %s", path,
				      local->message);
	p = text;
	if (key != NULL) {
		g_autofree char *needle = g_strconcat("\n", key, " ", NULL);
		g_autofree char *lined = g_strconcat("\n", text, NULL);
		const char *found = strstr(lined, needle);

		if (found == NULL)
			return ocid_error_set(error, OCID_ERROR_FAILED, "%s has no %s", path, key);
		p = text + (found - lined) + strlen(needle) - 1;
	}
	errno = 0;
	*value = g_ascii_strtoull(p, &end, 10);
	if (errno != 0 || end == p)
		return ocid_error_set(error, OCID_ERROR_FAILED, "%s does not hold a number", path);
	return TRUE;
}

static char *
v1_dir(const char *proc_cgroup, const char *root, const char *controller)
{
	g_autofree char *group = cgroup_of(proc_cgroup, controller);

	return group != NULL ? g_build_filename(root, group, NULL) : NULL;
}

gboolean
ocid_statistics_read_from(const char *proc_cgroup, const char *root, OcidStatistics *stats,
			  GError **error)
{
	g_autofree char *v2_group = cgroup_of(proc_cgroup, NULL);
	g_autofree char *memory = v1_dir(proc_cgroup, root, "memory");
	g_autofree char *cpu = v1_dir(proc_cgroup, root, "cpuacct");
	g_autofree char *pids = v1_dir(proc_cgroup, root, "pids");
	g_autofree char *unified = NULL;
	g_autofree char *v2_root = NULL;
	g_autofree char *probe = g_build_filename(root, "cgroup.controllers", NULL);
	uint64_t cpu_nsec = 0;

	*stats = (OcidStatistics){ 0 };
	/* Pure v2 mounts the hierarchy at the root; hybrid hosts at unified/. */
	v2_root = g_file_test(probe, G_FILE_TEST_EXISTS) ? g_strdup(root)
							 : g_build_filename(root, "unified", NULL);
	if (v2_group != NULL)
		unified = g_build_filename(v2_root, v2_group, NULL);
	if (memory == NULL && cpu == NULL && pids == NULL && unified == NULL)
		return ocid_error_set(error, OCID_ERROR_FAILED,
				      "The container's process is in no cgroup ocid can read");

	if (memory != NULL) {
		if (!read_number(memory, "memory.usage_in_bytes", NULL, &stats->memory_current,
				 error) ||
		    !read_number(memory, "memory.max_usage_in_bytes", NULL, &stats->memory_peak,
				 error))
			return FALSE;
		stats->has_memory_peak = TRUE;
	} else if (unified != NULL) {
		g_autoptr(GError) no_peak = NULL;

		if (!read_number(unified, "memory.current", NULL, &stats->memory_current, error))
			return FALSE;
		stats->has_memory_peak =
		    read_number(unified, "memory.peak", NULL, &stats->memory_peak, &no_peak);
	}
	if (cpu != NULL) {
		if (!read_number(cpu, "cpuacct.usage", NULL, &cpu_nsec, error))
			return FALSE;
		stats->cpu_usage_usec = cpu_nsec / 1000;
	} else if (unified != NULL &&
		   !read_number(unified, "cpu.stat", "usage_usec", &stats->cpu_usage_usec, error)) {
		return FALSE;
	}
	if (pids != NULL)
		return read_number(pids, "pids.current", NULL, &stats->pids_current, error);
	if (unified != NULL)
		return read_number(unified, "pids.current", NULL, &stats->pids_current, error);
	return TRUE;
}

gboolean
ocid_statistics_read(const OcidContainer *c, OcidStatistics *stats, GError **error)
{
	g_autofree char *path = NULL;
	g_autofree char *text = NULL;

	if (c->pid <= 0 || (c->state != OCID_STATE_RUNNING && c->state != OCID_STATE_PAUSED))
		return ocid_error_set(error, OCID_ERROR_INVALID_STATE,
				      "Container %s is %s; statistics are kept only for a running "
				      "or paused container",
				      c->id, ocid_container_state_to_string(c->state));
	path = g_strdup_printf("/proc/%d/cgroup", (int)c->pid);
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return ocid_error_set(error, OCID_ERROR_INVALID_STATE,
				      "Container %s has no process any more; it is stopping",
				      c->id);
	return ocid_statistics_read_from(text, "/sys/fs/cgroup", stats, error);
}
