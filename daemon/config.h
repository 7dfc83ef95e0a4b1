/* The daemon's configuration: compiled-in defaults, then /etc/ocid/ocid.conf (or
 * --config FILE), then <config>.d/ (asterisk).conf in name order. Owns parsing and
 * validation; a bad file is refused with its path, key and reason. */
#pragma once

#include "log-driver.h"

#include <glib.h>

typedef enum {
	OCID_CGROUP_MANAGER_SYSTEMD,
	OCID_CGROUP_MANAGER_CGROUPFS,
} OcidCgroupManagerKind;

typedef struct {
	char *runtime_path;
	char *untrusted_runtime_path; /* NULL when unset */
	gboolean trust_untrusted;     /* trust_level = untrusted */
	char *monitor_path;
	char **monitor_env;
	OcidCgroupManagerKind cgroup_manager;
	char *cgroup_parent;
	gboolean no_pivot;
	guint create_timeout_sec;
	gint64 log_size_max;
	OcidLogDriver log_driver; /* a container's default (the log_driver create option) */
	/* Containers are registered with systemd-machined unless they say otherwise (the
	 * machined create option); off by default, see ocid.conf(5). */
	gboolean machined;
	/* Host dirs a container may bind-mount from without create-privileged; NULL-terminated,
	 * empty by default. */
	char **bind_mount_allowlist;

	char *state_dir;
	char *run_dir;
	char *log_dir;

	/* The files read, for the log line at start. */
	GPtrArray *files;
} OcidConfig;

OcidConfig *ocid_config_new_default(void);

/* Loads @path and its drop-ins on top of the defaults. A missing @path is fine when
 * @path_is_default, an error otherwise. */
OcidConfig *ocid_config_load(const char *path, gboolean path_is_default, GError **error);

/* Parses one file's contents on top of @config; @origin names it in errors. */
gboolean ocid_config_apply_data(OcidConfig *config, const char *data, gsize len, const char *origin,
				GError **error);

void ocid_config_free(OcidConfig *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcidConfig, ocid_config_free)
