/* The daemon's one error domain. Each code maps to exactly one D-Bus error name
 * (org.oci.Runtime.Error.*); dbus/bus-errors.c does that mapping at the edge. */
#pragma once

#include <glib.h>

#define OCID_ERROR (ocid_error_quark())

typedef enum {
	OCID_ERROR_NO_SUCH_CONTAINER,
	OCID_ERROR_CONTAINER_EXISTS,
	OCID_ERROR_INVALID_ARGUMENT,
	OCID_ERROR_INVALID_STATE,
	OCID_ERROR_RUNTIME_FAILED,
	OCID_ERROR_TIMEOUT,
	OCID_ERROR_ACCESS_DENIED,
	OCID_ERROR_FAILED,
} OcidError;

GQuark ocid_error_quark(void);

/* The D-Bus error name for an OcidError code. */
const char *ocid_error_dbus_name(OcidError code);

/* The (positive) errno that goes with an OcidError code at the D-Bus edge. */
int ocid_error_errno(OcidError code);

/* Sets @error (may be NULL) to @code with a printf message; returns FALSE, so that a
 * refusal is one statement: return ocid_error_set(error, ...). */
gboolean ocid_error_set(GError **error, OcidError code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
