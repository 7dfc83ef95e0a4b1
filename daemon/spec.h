/* The effective OCI spec: the caller's bundle config.json, read and never rewritten,
 * plus what ocid decides (root.path made absolute, cgroupsPath, volumes as bind mounts,
 * annotations, network namespace, terminal), written into the container's own dir. */
#pragma once

#include "container.h"

#include <glib.h>
#include <json-glib/json-glib.h>

/* Reads and checks <bundle>/config.json. Errors are OCID_ERROR_INVALID_ARGUMENT and name
 * the file and what is wrong. */
JsonNode *ocid_spec_load_bundle(const char *bundle_path, GError **error);

/* Applies the container's settings to @spec (a copy of the bundle's). */
gboolean ocid_spec_apply(JsonNode *spec, const OcidContainer *container, GError **error);

/* Writes @spec to <dir>/config.json atomically. */
gboolean ocid_spec_write(JsonNode *spec, const char *dir, GError **error);

/* The stop signal the image asked for (annotation org.opencontainers.image.stopSignal),
 * or NULL. */
char *ocid_spec_image_stop_signal(JsonNode *spec);
