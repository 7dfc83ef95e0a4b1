/* The one place where GErrors become D-Bus errors (org.oci.Runtime.Error.*). */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

/* Fills @bus_error from @error; returns the negative errno sd-bus handlers return. */
int ocid_bus_error_from_gerror(sd_bus_error *bus_error, const GError *error);

/* Replies to @call with @error. */
int ocid_bus_reply_gerror(sd_bus_message *call, const GError *error);

/* Sets an InvalidArgument error; for the D-Bus edge's own input checks. */
int ocid_bus_error_invalid(sd_bus_error *bus_error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* sd_bus_message_unref as a GDestroyNotify, for lists of calls waiting for an answer. */
void ocid_bus_message_release(gpointer message);
