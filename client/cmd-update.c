/* update and stats: a container's cgroup, changed (Update, sizes in podman's 64m style)
 * and read (GetStatistics). */
#include "ctl.h"

#include <stdio.h>
#include <unistd.h>

#define UNSET G_MININT64

int
ocictl_cmd_update(Ctl *ctl, int argc, char **argv, GError **error)
{
	g_autofree char *memory = NULL, *memory_swap = NULL, *cpuset_cpus = NULL,
			*cpuset_mems = NULL;
	gint64 pids_limit = UNSET, cpu_shares = UNSET, cpu_quota = UNSET, cpu_period = UNSET,
	       blkio_weight = UNSET;
	const GOptionEntry entries[] = {
		{ "memory", 'm', 0, G_OPTION_ARG_STRING, &memory,
		  "Memory limit (64m, 1g; -1: none)", "SIZE" },
		{ "memory-swap", 0, 0, G_OPTION_ARG_STRING, &memory_swap,
		  "Memory plus swap limit (-1: none)", "SIZE" },
		{ "pids-limit", 0, 0, G_OPTION_ARG_INT64, &pids_limit,
		  "Most processes at once (-1: no limit)", "N" },
		{ "cpu-shares", 'c', 0, G_OPTION_ARG_INT64, &cpu_shares,
		  "CPU shares (relative weight)", "N" },
		{ "cpu-quota", 0, 0, G_OPTION_ARG_INT64, &cpu_quota,
		  "CPU time per period, in microseconds (-1: none)", "USEC" },
		{ "cpu-period", 0, 0, G_OPTION_ARG_INT64, &cpu_period,
		  "The CPU quota's period, in microseconds", "USEC" },
		{ "cpuset-cpus", 0, 0, G_OPTION_ARG_STRING, &cpuset_cpus, "CPUs allowed (0-3, 0,1)",
		  "CPUS" },
		{ "cpuset-mems", 0, 0, G_OPTION_ARG_STRING, &cpuset_mems, "Memory nodes allowed",
		  "NODES" },
		{ "blkio-weight", 0, 0, G_OPTION_ARG_INT64, &blkio_weight,
		  "Block IO weight, 10 to 1000", "N" },
		{ NULL },
	};
	GVariantBuilder resources;
	g_autofree char *path = NULL, *id = NULL;
	g_autoptr(GVariant) reply = NULL;
	gboolean any = FALSE;
	gint64 bytes;

	if (!ocictl_parse("update", "ID",
			  "Changes the resource limits of a running or paused container.", entries,
			  FALSE, &argc, &argv, error) ||
	    !ocictl_check_args("update", argc, argv, 1, 1, "one container", error))
		return OCICTL_EXIT_ERROR;
	g_variant_builder_init(&resources, G_VARIANT_TYPE("a{sv}"));
#define SIZE(text, key)                                                                            \
	if (text != NULL) {                                                                        \
		if (g_str_equal(text, "-1"))                                                       \
			bytes = -1;                                                                \
		else if (!ocictl_parse_size(text, &bytes, error))                                  \
			goto bad;                                                                  \
		g_variant_builder_add(&resources, "{sv}", key, g_variant_new_int64(bytes));        \
		any = TRUE;                                                                        \
	}
	SIZE(memory, "memory_limit");
	SIZE(memory_swap, "memory_swap");
#undef SIZE
	if (pids_limit != UNSET)
		g_variant_builder_add(&resources, "{sv}", "pids_limit",
				      g_variant_new_int64(pids_limit)),
		    any = TRUE;
	if (cpu_quota != UNSET)
		g_variant_builder_add(&resources, "{sv}", "cpu_quota",
				      g_variant_new_int64(cpu_quota)),
		    any = TRUE;
	if (cpu_shares != UNSET) {
		if (cpu_shares < 0)
			goto negative;
		g_variant_builder_add(&resources, "{sv}", "cpu_shares",
				      g_variant_new_uint64((guint64)cpu_shares));
		any = TRUE;
	}
	if (cpu_period != UNSET) {
		if (cpu_period < 0)
			goto negative;
		g_variant_builder_add(&resources, "{sv}", "cpu_period",
				      g_variant_new_uint64((guint64)cpu_period));
		any = TRUE;
	}
	if (blkio_weight != UNSET) {
		if (blkio_weight < 10 || blkio_weight > 1000) {
			ocictl_usage_error(error, "update",
					   "--blkio-weight takes 10 to 1000, not %" G_GINT64_FORMAT,
					   blkio_weight);
			goto bad_usage;
		}
		g_variant_builder_add(&resources, "{sv}", "blkio_weight",
				      g_variant_new_uint16((guint16)blkio_weight));
		any = TRUE;
	}
	if (cpuset_cpus != NULL)
		g_variant_builder_add(&resources, "{sv}", "cpuset_cpus",
				      g_variant_new_string(cpuset_cpus)),
		    any = TRUE;
	if (cpuset_mems != NULL)
		g_variant_builder_add(&resources, "{sv}", "cpuset_mems",
				      g_variant_new_string(cpuset_mems)),
		    any = TRUE;
	if (!any) {
		ocictl_usage_error(error, "update", "'ocictl update' needs at least one limit");
		goto bad_usage;
	}
	if (!ocictl_resolve(ctl, argv[1], &path, &id, error)) {
		g_variant_builder_clear(&resources);
		return OCICTL_EXIT_ERROR;
	}
	reply = ocictl_call(ctl, path, OCICTL_CONTAINER, "Update",
			    g_variant_new("(@a{sv})", g_variant_builder_end(&resources)), NULL,
			    TRUE, error);
	if (reply == NULL) {
		ocictl_phrase_error(ctl, argv[1], *error);
		return OCICTL_EXIT_ERROR;
	}
	g_print("%s\n", argv[1]);
	return 0;
negative:
	ocictl_usage_error(error, "update", "--cpu-shares and --cpu-period take 0 or more");
	goto bad_usage;
bad:
	(*error)->code = OCICTL_ERROR_USAGE;
bad_usage:
	g_variant_builder_clear(&resources);
	return OCICTL_EXIT_ERROR;
}

static char *
format_bytes(guint64 bytes)
{
	return g_format_size_full(bytes, G_FORMAT_SIZE_IEC_UNITS);
}

static guint64
stat_of(GVariant *stats, const char *key)
{
	guint64 value = 0;

	g_variant_lookup(stats, key, "t", &value);
	return value;
}

int
ocictl_cmd_stats(Ctl *ctl, int argc, char **argv, GError **error)
{
	gboolean no_stream = FALSE, no_trunc = FALSE;
	g_autofree char *format = NULL;
	const GOptionEntry entries[] = {
		{ "no-stream", 0, 0, G_OPTION_ARG_NONE, &no_stream, "Print once and exit", NULL },
		{ "format", 0, 0, G_OPTION_ARG_STRING, &format, "json, or table (default)",
		  "FORMAT" },
		{ "no-trunc", 0, 0, G_OPTION_ARG_NONE, &no_trunc, "Whole ids", NULL },
		{ NULL },
	};
	g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	gboolean json;

	if (!ocictl_parse("stats", "ID…",
			  "Shows memory, CPU time and the number of processes of containers, "
			  "from their cgroups; every second unless --no-stream.",
			  entries, FALSE, &argc, &argv, error) ||
	    !ocictl_check_args("stats", argc, argv, 1, -1, "a container", error))
		return OCICTL_EXIT_ERROR;
	json = format != NULL && g_str_equal(format, "json");
	if (format != NULL && !json && !g_str_equal(format, "table")) {
		ocictl_usage_error(error, "stats", "--format takes json or table, not '%s'",
				   format);
		return OCICTL_EXIT_ERROR;
	}
	for (int i = 1; i < argc; i++) {
		char *path = NULL, *id = NULL;
		if (!ocictl_resolve(ctl, argv[i], &path, &id, error))
			return OCICTL_EXIT_ERROR;
		g_ptr_array_add(paths, path);
		g_ptr_array_add(ids, id);
	}
	for (;;) {
		g_autoptr(JsonArray) array = json ? json_array_new() : NULL;

		if (!json)
			g_print("%-*s  %-12s  %-12s  %-12s  %s\n", no_trunc ? 64 : 12, "ID",
				"CPU TIME", "MEM USAGE", "MEM PEAK", "PIDS");
		for (guint i = 0; i < paths->len; i++) {
			g_autoptr(GVariant) reply =
			    ocictl_call(ctl, g_ptr_array_index(paths, i), OCICTL_CONTAINER,
					"GetStatistics", NULL, "(a{sv})", FALSE, error);
			g_autoptr(GVariant) stats = NULL;
			g_autofree char *short_id = NULL, *cpu = NULL, *mem = NULL, *peak = NULL;
			g_autoptr(GVariant) has_peak = NULL;

			if (reply == NULL) {
				ocictl_phrase_error(ctl, argv[i + 1], *error);
				return OCICTL_EXIT_ERROR;
			}
			stats = g_variant_get_child_value(reply, 0);
			if (json) {
				JsonNode *node = ocictl_properties_to_json(stats);
				json_object_set_string_member(json_node_get_object(node), "ID",
							      g_ptr_array_index(ids, i));
				json_array_add_element(array, node);
				continue;
			}
			short_id = ocictl_short_id(g_ptr_array_index(ids, i), no_trunc);
			cpu = g_strdup_printf("%.3fs",
					      (double)stat_of(stats, "cpu_usage_usec") / 1e6);
			mem = format_bytes(stat_of(stats, "memory_current"));
			has_peak = g_variant_lookup_value(stats, "memory_peak", NULL);
			peak = has_peak != NULL ? format_bytes(stat_of(stats, "memory_peak"))
						: g_strdup("-");
			g_print("%-*s  %-12s  %-12s  %-12s  %" G_GUINT64_FORMAT "\n",
				no_trunc ? 64 : 12, short_id, cpu, mem, peak,
				stat_of(stats, "pids_current"));
		}
		if (json) {
			g_autoptr(JsonNode) node = json_node_new(JSON_NODE_ARRAY);
			json_node_set_array(node, array);
			ocictl_print_json(node, TRUE);
		}
		fflush(stdout);
		if (no_stream)
			return 0;
		/* A refresh interval, as podman's: not a wait for an event. */
		g_usleep(G_USEC_PER_SEC);
	}
}
