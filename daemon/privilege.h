/* Whether a parsed spec can reach the host, so that creating it needs
 * org.oci.Runtime.create-privileged on top of manage. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* TRUE when @spec needs privilege; @reason (may be NULL) then says why in a phrase. */
gboolean ocid_spec_needs_privilege(JsonNode *spec, char **reason);
