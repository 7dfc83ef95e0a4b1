#include "bus-errors.h"

#include "../daemon/errors.h"
#include "../daemon/input-limits.h"

#include <stdarg.h>

/* Messages often quote what the caller sent; cut, one can never outgrow the bus's limit. */
static void
set_cut(sd_bus_error *bus_error, const char *name, const char *message)
{
	g_autofree char *cut =
	    g_strndup(message, ocid_utf8_cut_length(message, OCID_ERROR_MESSAGE_MAX));

	sd_bus_error_set(bus_error, name, cut);
}

int
ocid_bus_error_from_gerror(sd_bus_error *bus_error, const GError *error)
{
	OcidError code = error->domain == OCID_ERROR ? (OcidError)error->code : OCID_ERROR_FAILED;

	set_cut(bus_error, ocid_error_dbus_name(code), error->message);
	return -ocid_error_errno(code);
}

int
ocid_bus_reply_gerror(sd_bus_message *call, const GError *error)
{
	sd_bus_error bus_error = SD_BUS_ERROR_NULL;
	int r;

	ocid_bus_error_from_gerror(&bus_error, error);
	r = sd_bus_reply_method_error(call, &bus_error);
	sd_bus_error_free(&bus_error);
	return r;
}

int
ocid_bus_error_invalid(sd_bus_error *bus_error, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *message = NULL;

	va_start(ap, fmt);
	message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	set_cut(bus_error, ocid_error_dbus_name(OCID_ERROR_INVALID_ARGUMENT), message);
	return -ocid_error_errno(OCID_ERROR_INVALID_ARGUMENT);
}

void
ocid_bus_message_release(gpointer message)
{
	sd_bus_message_unref(message);
}
