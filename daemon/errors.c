#include "errors.h"

#include <errno.h>
#include <stdarg.h>

/* clang-format off */
G_DEFINE_QUARK(ocid-error-quark, ocid_error)
/* clang-format on */

/* The one table of the daemon's errors: each code's D-Bus name, which no other file spells,
 * and the errno an sd-bus method handler returns with it. */
static const struct {
	const char *dbus_name;
	int errno_value;
} errors[] = {
	[OCID_ERROR_NO_SUCH_CONTAINER] = { "org.oci.Runtime.Error.NoSuchContainer", ENOENT },
	[OCID_ERROR_CONTAINER_EXISTS] = { "org.oci.Runtime.Error.ContainerExists", EEXIST },
	[OCID_ERROR_INVALID_ARGUMENT] = { "org.oci.Runtime.Error.InvalidArgument", EINVAL },
	[OCID_ERROR_INVALID_STATE] = { "org.oci.Runtime.Error.InvalidState", EBUSY },
	[OCID_ERROR_RUNTIME_FAILED] = { "org.oci.Runtime.Error.RuntimeFailed", EIO },
	[OCID_ERROR_TIMEOUT] = { "org.oci.Runtime.Error.Timeout", ETIMEDOUT },
	[OCID_ERROR_ACCESS_DENIED] = { "org.oci.Runtime.Error.AccessDenied", EACCES },
	[OCID_ERROR_FAILED] = { "org.oci.Runtime.Error.Failed", EIO },
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

/* Codes out of the table read as OCID_ERROR_FAILED. */
static OcidError
known(OcidError code)
{
	if ((size_t)code < G_N_ELEMENTS(errors) && errors[code].dbus_name != NULL)
		return code;
	return OCID_ERROR_FAILED;
}

const char *
ocid_error_dbus_name(OcidError code)
{
	return errors[known(code)].dbus_name;
}

int
ocid_error_errno(OcidError code)
{
	return errors[known(code)].errno_value;
}
