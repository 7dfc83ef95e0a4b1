#include "errors.h"

#include <stdarg.h>

/* clang-format off */
G_DEFINE_QUARK(ocid-error-quark, ocid_error)
/* clang-format on */

/* The one table of the daemon's D-Bus error names: no other file spells them. */
static const char *const dbus_names[] = {
	[OCID_ERROR_NO_SUCH_CONTAINER] = "org.oci.Runtime.Error.NoSuchContainer",
	[OCID_ERROR_CONTAINER_EXISTS] = "org.oci.Runtime.Error.ContainerExists",
	[OCID_ERROR_INVALID_ARGUMENT] = "org.oci.Runtime.Error.InvalidArgument",
	[OCID_ERROR_INVALID_STATE] = "org.oci.Runtime.Error.InvalidState",
	[OCID_ERROR_RUNTIME_FAILED] = "org.oci.Runtime.Error.RuntimeFailed",
	[OCID_ERROR_TIMEOUT] = "org.oci.Runtime.Error.Timeout",
	[OCID_ERROR_ACCESS_DENIED] = "org.oci.Runtime.Error.AccessDenied",
	[OCID_ERROR_FAILED] = "org.oci.Runtime.Error.Failed",
};

gboolean
ocid_error_set(GError **error, OcidError code, const char *fmt, ...)
{
	va_list ap;

	if (error == NULL)
		return FALSE;
	g_return_val_if_fail(*error == NULL, FALSE);
	va_start(ap, fmt);
	*error = g_error_new_valist(OCID_ERROR, code, fmt, ap);
	va_end(ap);
	return FALSE;
}

const char *
ocid_error_dbus_name(OcidError code)
{
	if ((size_t)code < G_N_ELEMENTS(dbus_names) && dbus_names[code] != NULL)
		return dbus_names[code];
	return dbus_names[OCID_ERROR_FAILED];
}

OcidError
ocid_error_from_dbus_name(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(dbus_names); i++)
		if (g_strcmp0(name, dbus_names[i]) == 0)
			return (OcidError)i;
	return OCID_ERROR_FAILED;
}
