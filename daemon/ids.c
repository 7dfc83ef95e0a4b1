#include "ids.h"

#include "errors.h"

#include "common/container-id.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

gboolean
ocid_id_is_valid(const char *id)
{
	G_STATIC_ASSERT(OCID_ID_MAX == CONTAINER_ID_MAX);

	return container_id_is_valid(id);
}

gboolean
ocid_check_id(const char *id, GError **error)
{
	if (ocid_id_is_valid(id))
		return TRUE;
	g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
		    "Container id '%s' is not valid: use 1 to %d characters of A-Z a-z 0-9 _ . -, "
		    "not starting with '.' or '-', or an empty id to have one generated",
		    id != NULL ? id : "", OCID_ID_MAX);
	return FALSE;
}

gboolean
ocid_check_name(const char *name, GError **error)
{
	/* Names follow the id alphabet too: they appear in logs, journal fields and
	 * GetContainer lookups, where a '/' or a control character would mislead. */
	if (name != NULL && strlen(name) <= OCID_NAME_MAX && ocid_id_is_valid(name))
		return TRUE;
	g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
		    "Container name '%s' is not valid: use 1 to %d characters of A-Z a-z 0-9 _ . "
		    "-, not starting with '.' or '-', or an empty name to use the id",
		    name != NULL ? name : "", OCID_NAME_MAX);
	return FALSE;
}

char *
ocid_id_generate(void)
{
	guint8 bytes[32];
	GString *id = g_string_sized_new(64);
	size_t got = 0;

	while (got < sizeof bytes) {
		ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
		if (n < 0)
			g_error("getrandom failed: %s", g_strerror(errno));
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof bytes; i++)
		g_string_append_printf(id, "%02x", bytes[i]);
	return g_string_free(id, FALSE);
}
