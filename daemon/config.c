#include "config.h"
#include "errors.h"
#include "input-limits.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build-config.h"

#define DEFAULT_CONFIG_PATH OCID_SYSCONFDIR "/ocid/ocid.conf"

OcidConfig *
ocid_config_new_default(void)
{
	OcidConfig *config = g_new0(OcidConfig, 1);

	config->runtime_path = g_strdup(OCID_DEFAULT_RUNTIME);
	config->monitor_path = g_strdup(OCID_LIBEXECDIR "/ocid-monitor");
	config->monitor_env = g_strsplit("PATH=/usr/sbin:/usr/bin:/sbin:/bin", ";", -1);
	config->cgroup_manager = OCID_CGROUP_MANAGER_SYSTEMD;
	config->cgroup_parent = g_strdup("machine.slice");
	config->create_timeout_sec = 240;
	config->log_size_max = -1;
	config->state_dir = g_strdup("/var/lib/ocid");
	config->run_dir = g_strdup("/run/ocid");
	config->log_dir = g_strdup("/var/log/ocid");
	config->bind_mount_allowlist = g_new0(char *, 1);
	config->files = g_ptr_array_new_with_free_func(g_free);
	return config;
}

void
ocid_config_free(OcidConfig *config)
{
	if (config == NULL)
		return;
	g_free(config->runtime_path);
	g_free(config->untrusted_runtime_path);
	g_free(config->monitor_path);
	g_strfreev(config->monitor_env);
	g_free(config->cgroup_parent);
	g_free(config->state_dir);
	g_free(config->run_dir);
	g_free(config->log_dir);
	g_strfreev(config->bind_mount_allowlist);
	if (config->files != NULL)
		g_ptr_array_unref(config->files);
	g_free(config);
}

static gboolean set_config_error(GError **error, const char *origin, const char *group,
				 const char *key, const char *fmt, ...) G_GNUC_PRINTF(5, 6);

static gboolean
set_config_error(GError **error, const char *origin, const char *group, const char *key,
		 const char *fmt, ...)
{
	va_list ap;
	g_autofree char *reason = NULL;

	va_start(ap, fmt);
	reason = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT, "%s: [%s] %s: %s", origin,
		    group, key, reason);
	return FALSE;
}

/* Every key this daemon knows; anything else in a file is a mistake worth refusing. */
static const struct {
	const char *group;
	const char *key;
} known_keys[] = {
	{ "runtime", "runtime_path" },   { "runtime", "untrusted_runtime_path" },
	{ "runtime", "trust_level" },    { "runtime", "monitor_path" },
	{ "runtime", "monitor_env" },    { "runtime", "cgroup_manager" },
	{ "runtime", "cgroup_parent" },  { "runtime", "no_pivot" },
	{ "runtime", "create_timeout" }, { "runtime", "log_size_max" },
	{ "paths", "state_dir" },        { "paths", "run_dir" },
	{ "paths", "log_dir" },          { "runtime", "bind_mount_allowlist" },
	{ "runtime", "log_driver" },     { "runtime", "machined" },
};

static gboolean
is_known_key(const char *group, const char *key)
{
	for (gsize i = 0; i < G_N_ELEMENTS(known_keys); i++)
		if (g_str_equal(known_keys[i].group, group) && g_str_equal(known_keys[i].key, key))
			return TRUE;
	return FALSE;
}

static gboolean
is_known_group(const char *group)
{
	return g_str_equal(group, "runtime") || g_str_equal(group, "paths");
}

static gboolean
take_absolute_path(GKeyFile *kf, const char *origin, const char *group, const char *key,
		   gboolean may_be_empty, char **out, GError **error)
{
	g_autofree char *value = NULL;
	g_autofree char *stripped = NULL;

	if (!g_key_file_has_key(kf, group, key, NULL))
		return TRUE;
	value = g_key_file_get_string(kf, group, key, NULL);
	stripped = g_strstrip(g_strdup(value != NULL ? value : ""));
	if (*stripped == '\0') {
		if (!may_be_empty)
			return set_config_error(error, origin, group, key,
						"must not be empty; give an absolute path");
		g_clear_pointer(out, g_free);
		return TRUE;
	}
	if (!g_path_is_absolute(stripped))
		return set_config_error(error, origin, group, key,
					"'%s' is not an absolute path; give one starting with /",
					stripped);
	if (strstr(stripped, "/../") != NULL || g_str_has_suffix(stripped, "/.."))
		return set_config_error(error, origin, group, key,
					"'%s' contains '..'; give a plain absolute path", stripped);
	g_free(*out);
	*out = g_steal_pointer(&stripped);
	return TRUE;
}

/* A list of absolute paths without '..', separated by ';' or white space; empty for none. */
static gboolean
take_path_list(GKeyFile *kf, const char *origin, const char *group, const char *key, char ***out,
	       GError **error)
{
	g_autofree char *value = NULL;
	g_auto(GStrv) entries = NULL;
	g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);

	if (!g_key_file_has_key(kf, group, key, NULL))
		return TRUE;
	value = g_key_file_get_string(kf, group, key, NULL);
	entries = g_strsplit_set(value != NULL ? value : "", "; \t", -1);
	for (int i = 0; entries[i] != NULL; i++) {
		if (*entries[i] == '\0')
			continue;
		if (!ocid_path_is_clean(entries[i]))
			return set_config_error(error, origin, group, key,
						"'%s' is not an absolute path without '..'",
						entries[i]);
		g_ptr_array_add(paths, g_strdup(entries[i]));
	}
	g_ptr_array_add(paths, NULL);
	g_strfreev(*out);
	*out = (char **)g_ptr_array_steal(paths, NULL);
	return TRUE;
}

static gboolean
take_choice(GKeyFile *kf, const char *origin, const char *group, const char *key,
	    const char *const *choices, int *out, GError **error)
{
	g_autofree char *value = NULL;

	if (!g_key_file_has_key(kf, group, key, NULL))
		return TRUE;
	value = g_strstrip(g_key_file_get_string(kf, group, key, NULL));
	for (int i = 0; choices[i] != NULL; i++) {
		if (g_str_equal(value, choices[i])) {
			*out = i;
			return TRUE;
		}
	}
	{
		g_autofree char *joined = g_strjoinv(", ", (char **)choices);
		return set_config_error(error, origin, group, key,
					"'%s' is not one of the allowed values (%s)", value,
					joined);
	}
}

static gboolean
take_int64(GKeyFile *kf, const char *origin, const char *group, const char *key, gint64 min,
	   gint64 max, gint64 *out, GError **error)
{
	g_autofree char *value = NULL;
	gint64 number;
	char *end = NULL;

	if (!g_key_file_has_key(kf, group, key, NULL))
		return TRUE;
	value = g_strstrip(g_key_file_get_string(kf, group, key, NULL));
	errno = 0;
	number = g_ascii_strtoll(value, &end, 10);
	if (*value == '\0' || end == NULL || *end != '\0' || errno != 0)
		return set_config_error(error, origin, group, key, "'%s' is not an integer", value);
	if (number < min || number > max)
		return set_config_error(error, origin, group, key,
					"%" G_GINT64_FORMAT
					" is out of range; use %" G_GINT64_FORMAT
					" to %" G_GINT64_FORMAT,
					number, min, max);
	*out = number;
	return TRUE;
}

/* GKeyFile's escapes are \s, \n, \t, \r and \\; returns the first other backslash. */
static const char *
find_bad_escape(const char *raw)
{
	for (const char *p = strchr(raw, '\\'); p != NULL; p = strchr(p + 2, '\\'))
		if (p[1] == '\0' || strchr("sntr\\", p[1]) == NULL)
			return p;
	return NULL;
}

gboolean
ocid_config_apply_data(OcidConfig *config, const char *data, gsize len, const char *origin,
		       GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) local_error = NULL;
	g_auto(GStrv) groups = NULL;
	static const char *const bools[] = { "false", "true", NULL };
	static const char *const trust_levels[] = { "trusted", "untrusted", NULL };
	static const char *const managers[] = { "systemd", "cgroupfs", NULL };
	static const char *const log_drivers[] = OCID_LOG_DRIVER_NAMES;
	int choice;
	gint64 number;

	if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &local_error)) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT, "%s: %s", origin,
			    local_error->message);
		return FALSE;
	}

	groups = g_key_file_get_groups(kf, NULL);
	for (int g = 0; groups[g] != NULL; g++) {
		g_auto(GStrv) keys = NULL;

		if (!is_known_group(groups[g])) {
			g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
				    "%s: [%s]: unknown section; the known ones are [runtime] and "
				    "[paths]",
				    origin, groups[g]);
			return FALSE;
		}
		keys = g_key_file_get_keys(kf, groups[g], NULL, NULL);
		for (int k = 0; keys[k] != NULL; k++) {
			g_autofree char *raw = NULL;
			g_autofree char *value = NULL;
			g_autoptr(GError) value_error = NULL;
			const char *bad_escape;

			if (!is_known_key(groups[g], keys[k]))
				return set_config_error(error, origin, groups[g], keys[k],
							"unknown key; see ocid.conf(5) for the "
							"keys of this section");
			/* Found by fuzzing: a value with a bad escape (\q) reads as NULL, and
			 * one that also ends in a backslash makes GLib 2.74 set its GError
			 * twice; so escapes are checked on the raw value first. */
			raw = g_key_file_get_value(kf, groups[g], keys[k], NULL);
			bad_escape = raw != NULL ? find_bad_escape(raw) : NULL;
			if (bad_escape != NULL && bad_escape[1] == '\0')
				return set_config_error(error, origin, groups[g], keys[k],
							"a value cannot end in a backslash; write "
							"\\\\ for one");
			if (bad_escape != NULL)
				return set_config_error(error, origin, groups[g], keys[k],
							"'\\%c' is not an escape; write \\\\ for a "
							"backslash",
							bad_escape[1]);
			value = g_key_file_get_string(kf, groups[g], keys[k], &value_error);
			if (value == NULL)
				return set_config_error(error, origin, groups[g], keys[k], "%s",
							value_error->message);
		}
	}

	if (!take_absolute_path(kf, origin, "runtime", "runtime_path", FALSE, &config->runtime_path,
				error))
		return FALSE;
	if (!take_absolute_path(kf, origin, "runtime", "untrusted_runtime_path", TRUE,
				&config->untrusted_runtime_path, error))
		return FALSE;
	choice = config->trust_untrusted ? 1 : 0;
	if (!take_choice(kf, origin, "runtime", "trust_level", trust_levels, &choice, error))
		return FALSE;
	config->trust_untrusted = choice == 1;
	if (!take_absolute_path(kf, origin, "runtime", "monitor_path", FALSE, &config->monitor_path,
				error))
		return FALSE;
	if (g_key_file_has_key(kf, "runtime", "monitor_env", NULL)) {
		g_autofree char *value = g_key_file_get_string(kf, "runtime", "monitor_env", NULL);
		g_auto(GStrv) entries = g_strsplit_set(value, "; \t", -1);
		g_autoptr(GPtrArray) env = g_ptr_array_new_with_free_func(g_free);

		for (int i = 0; entries[i] != NULL; i++) {
			if (*entries[i] == '\0')
				continue;
			if (strchr(entries[i], '=') == NULL || *entries[i] == '=')
				return set_config_error(error, origin, "runtime", "monitor_env",
							"'%s' is not of the form NAME=VALUE",
							entries[i]);
			g_ptr_array_add(env, g_strdup(entries[i]));
		}
		g_ptr_array_add(env, NULL);
		g_strfreev(config->monitor_env);
		config->monitor_env = (char **)g_ptr_array_steal(env, NULL);
	}
	choice = config->cgroup_manager == OCID_CGROUP_MANAGER_CGROUPFS ? 1 : 0;
	if (!take_choice(kf, origin, "runtime", "cgroup_manager", managers, &choice, error))
		return FALSE;
	config->cgroup_manager =
	    choice == 1 ? OCID_CGROUP_MANAGER_CGROUPFS : OCID_CGROUP_MANAGER_SYSTEMD;
	if (g_key_file_has_key(kf, "runtime", "cgroup_parent", NULL)) {
		g_autofree char *value =
		    g_strstrip(g_key_file_get_string(kf, "runtime", "cgroup_parent", NULL));
		if (*value == '\0' || strstr(value, "..") != NULL)
			return set_config_error(error, origin, "runtime", "cgroup_parent",
						"'%s' is not a slice name or cgroup path", value);
		g_free(config->cgroup_parent);
		config->cgroup_parent = g_steal_pointer(&value);
	}
	choice = config->no_pivot ? 1 : 0;
	if (!take_choice(kf, origin, "runtime", "no_pivot", bools, &choice, error))
		return FALSE;
	config->no_pivot = choice == 1;
	number = config->create_timeout_sec;
	if (!take_int64(kf, origin, "runtime", "create_timeout", 1, 86400, &number, error))
		return FALSE;
	config->create_timeout_sec = (guint)number;
	if (!take_int64(kf, origin, "runtime", "log_size_max", -1, G_MAXINT64,
			&config->log_size_max, error))
		return FALSE;
	if (config->log_size_max == 0)
		return set_config_error(error, origin, "runtime", "log_size_max",
					"0 would keep no log at all; use -1 for unlimited or a "
					"size in bytes");

	choice = (int)config->log_driver;
	if (!take_choice(kf, origin, "runtime", "log_driver", log_drivers, &choice, error))
		return FALSE;
	config->log_driver = (OcidLogDriver)choice;
	choice = config->machined ? 1 : 0;
	if (!take_choice(kf, origin, "runtime", "machined", bools, &choice, error))
		return FALSE;
	config->machined = choice == 1;

	if (!take_path_list(kf, origin, "runtime", "bind_mount_allowlist",
			    &config->bind_mount_allowlist, error))
		return FALSE;

	if (!take_absolute_path(kf, origin, "paths", "state_dir", FALSE, &config->state_dir, error))
		return FALSE;
	if (!take_absolute_path(kf, origin, "paths", "run_dir", FALSE, &config->run_dir, error))
		return FALSE;
	if (!take_absolute_path(kf, origin, "paths", "log_dir", FALSE, &config->log_dir, error))
		return FALSE;
	return TRUE;
}

/* The cross-key rule that no single file can check on its own. */
static gboolean
validate_whole(OcidConfig *config, GError **error)
{
	if (config->cgroup_manager == OCID_CGROUP_MANAGER_SYSTEMD &&
	    !g_str_has_suffix(config->cgroup_parent, ".slice")) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "[runtime] cgroup_parent: '%s' is not a slice name; with "
			    "cgroup_manager = systemd use a name ending in .slice",
			    config->cgroup_parent);
		return FALSE;
	}
	return TRUE;
}

static gboolean
apply_file(OcidConfig *config, const char *path, GError **error)
{
	g_autofree char *data = NULL;
	gsize len = 0;
	g_autoptr(GError) local_error = NULL;

	if (!g_file_get_contents(path, &data, &len, &local_error)) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "%s: cannot read configuration: %s", path, local_error->message);
		return FALSE;
	}
	if (!ocid_config_apply_data(config, data, len, path, error))
		return FALSE;
	g_ptr_array_add(config->files, g_strdup(path));
	return TRUE;
}

static int
compare_strings(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

OcidConfig *
ocid_config_load(const char *path, gboolean path_is_default, GError **error)
{
	g_autoptr(OcidConfig) config = ocid_config_new_default();
	g_autofree char *dropin_dir = NULL;
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	if (path == NULL)
		path = DEFAULT_CONFIG_PATH;
	if (g_file_test(path, G_FILE_TEST_EXISTS)) {
		if (!apply_file(config, path, error))
			return NULL;
	} else if (!path_is_default) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "%s: no such configuration file; check the --config argument", path);
		return NULL;
	}

	dropin_dir = g_strconcat(path, ".d", NULL);
	dir = g_dir_open(dropin_dir, 0, NULL);
	if (dir != NULL) {
		while ((name = g_dir_read_name(dir)) != NULL)
			if (g_str_has_suffix(name, ".conf"))
				g_ptr_array_add(names, g_strdup(name));
		g_ptr_array_sort(names, compare_strings);
		for (guint i = 0; i < names->len; i++) {
			g_autofree char *file =
			    g_build_filename(dropin_dir, g_ptr_array_index(names, i), NULL);
			if (!apply_file(config, file, error))
				return NULL;
		}
	}
	if (!validate_whole(config, error))
		return NULL;
	return g_steal_pointer(&config);
}
