#include "errors.h"

/* clang-format off */
G_DEFINE_QUARK(ocid-error-quark, ocid_error)
/* clang-format on */

const char *
ocid_error_dbus_name(OcidError code)
{
	switch (code) {
	case OCID_ERROR_NO_SUCH_CONTAINER:
		return "org.oci.Runtime.Error.NoSuchContainer";
	case OCID_ERROR_CONTAINER_EXISTS:
		return "org.oci.Runtime.Error.ContainerExists";
	case OCID_ERROR_INVALID_ARGUMENT:
		return "org.oci.Runtime.Error.InvalidArgument";
	case OCID_ERROR_INVALID_STATE:
		return "org.oci.Runtime.Error.InvalidState";
	case OCID_ERROR_RUNTIME_FAILED:
		return "org.oci.Runtime.Error.RuntimeFailed";
	case OCID_ERROR_TIMEOUT:
		return "org.oci.Runtime.Error.Timeout";
	case OCID_ERROR_ACCESS_DENIED:
		return "org.oci.Runtime.Error.AccessDenied";
	case OCID_ERROR_FAILED:
		break;
	}
	return "org.oci.Runtime.Error.Failed";
}
