/* Where a container's output goes: the CRI log file (k8s-file, the default, written by
 * monitor/log-writer.c) or the journal (journald, monitor/journal-writer.c, read back by
 * journal-log.h). Chosen per container by the log_driver create option, with [runtime]
 * log_driver in ocid.conf as its default. */
#pragma once

#include <glib.h>

typedef enum {
	OCID_LOG_DRIVER_K8S_FILE,
	OCID_LOG_DRIVER_JOURNALD,
} OcidLogDriver;

/* The names, in the enum's order, NULL-terminated (config.c's choices). */
#define OCID_LOG_DRIVER_NAMES                                                                      \
	{                                                                                          \
		"k8s-file", "journald", NULL                                                       \
	}

static inline const char *
ocid_log_driver_to_string(OcidLogDriver driver)
{
	return driver == OCID_LOG_DRIVER_JOURNALD ? "journald" : "k8s-file";
}

static inline gboolean
ocid_log_driver_from_string(const char *s, OcidLogDriver *out)
{
	if (g_strcmp0(s, "k8s-file") == 0)
		*out = OCID_LOG_DRIVER_K8S_FILE;
	else if (g_strcmp0(s, "journald") == 0)
		*out = OCID_LOG_DRIVER_JOURNALD;
	else
		return FALSE;
	return TRUE;
}
