/* Health checks run by ocid (issue 21, point 3): a command run in the container through
 * ExecSync's machinery on a GLib timer of its own, no unit per check. A container without
 * a health check has no timer, so an idle daemon never wakes for it. Its Health changes,
 * and only those, are told as PropertiesChanged. */
#pragma once

#include "manager.h"

typedef enum {
	OCID_HEALTH_NONE,
	OCID_HEALTH_STARTING,
	OCID_HEALTH_HEALTHY,
	OCID_HEALTH_UNHEALTHY,
} OcidHealth;

typedef enum {
	OCID_HEALTH_ON_FAILURE_NONE,
	OCID_HEALTH_ON_FAILURE_KILL,
	OCID_HEALTH_ON_FAILURE_RESTART,
	OCID_HEALTH_ON_FAILURE_STOP,
} OcidHealthOnFailure;

/* The create option `healthcheck`, as checked; kept in state.json. */
typedef struct OcidHealthConfig {
	char **cmd;
	guint64 interval_sec;     /* default 30 */
	guint64 timeout_sec;      /* default 30 */
	guint64 start_period_sec; /* failures before it are not counted; default 0 */
	guint32 retries;          /* failures in a row that make it unhealthy; default 3 */
	int on_failure;           /* OcidHealthOnFailure */
	char *on_failure_name;    /* as given, until checked */
} OcidHealthConfig;

/* How many results the log keeps, and how much of each one's output. */
#define OCID_HEALTH_LOG_MAX    5
#define OCID_HEALTH_OUTPUT_MAX 4096

typedef struct {
	guint64 start_usec;
	guint64 end_usec;
	int exit_code; /* -1: it timed out or could not run */
	char *output;  /* stdout then stderr, at most OCID_HEALTH_OUTPUT_MAX bytes */
} OcidHealthResult;

OcidHealthConfig *ocid_health_config_new(void);
void ocid_health_config_free(OcidHealthConfig *config);
OcidHealthConfig *ocid_health_config_copy(const OcidHealthConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcidHealthConfig, ocid_health_config_free)

/* Defaults filled in, ranges and names checked: InvalidArgument naming the key. */
gboolean ocid_health_config_check(OcidHealthConfig *config, GError **error);

const char *ocid_health_to_string(int health);
const char *ocid_health_on_failure_to_string(int on_failure);

void ocid_health_result_free(OcidHealthResult *result);

/* It runs now (started, restarted, found running at restore): checks begin, `starting`. */
void ocid_health_begin(OcidManager *manager, OcidContainer *container);

/* Update: @config (taken; NULL: none) from now on; a running container's checks begin
 * again, from `starting`. */
void ocid_health_set_config(OcidManager *manager, OcidContainer *container,
			    OcidHealthConfig *config);

/* It stopped: no more checks, no timer. */
void ocid_health_end(OcidContainer *container);

/* Healthcheck(): one check now; @done gets the container once it has run (its Health is
 * then the outcome). InvalidState unless it runs; InvalidArgument without a check. */
gboolean ocid_health_run_now(OcidManager *manager, OcidContainer *container, OcidDoneFunc done,
			     gpointer user_data, GError **error);
