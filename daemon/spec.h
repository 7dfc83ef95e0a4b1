/* The effective OCI spec: the caller's bundle config.json, read and never rewritten,
 * plus what ocid decides (root.path made absolute, cgroupsPath, volumes as bind mounts,
 * annotations, network namespace, terminal), written into the container's own dir. */
#pragma once

#include "container.h"

#include <glib.h>
#include <json-glib/json-glib.h>

/* Reads <bundle>/config.json once, with the bounded reader (a regular file, not a symlink,
 * at most OCID_CONFIG_JSON_MAX_SIZE bytes, nested at most OCID_JSON_MAX_DEPTH levels), and
 * type-checks every member ocid reads or rewrites: process (args and env arrays of strings,
 * capabilities an object of string arrays), root (path a string), linux (namespaces an
 * array of objects with a string type, resources an object, devices an array of objects),
 * mounts (an array of objects with string type and source, string-array options),
 * annotations (an object of strings) and hooks (an object of arrays of objects). Keys that
 * runc would take for one of those (a different case) are refused too. Errors are
 * OCID_ERROR_INVALID_ARGUMENT and name the file and what is wrong; nothing is replaced. */
JsonNode *ocid_spec_load_bundle(const char *bundle_path, GError **error);

/* Sets each NAME=VALUE of @env in @spec's process.env: it replaces an entry of the same
 * name, or is added after the others. */
void ocid_spec_set_env(JsonNode *spec, GPtrArray *env);

/* Applies the container's settings to @spec, which ocid_spec_load_bundle() returned (its
 * checks are what make the members' types safe to assume here). */
gboolean ocid_spec_apply(JsonNode *spec, const OcidContainer *container, JsonNode *seccomp,
			 GError **error);

/* @spec as the text of a config.json, @len bytes long. */
char *ocid_spec_to_data(JsonNode *spec, gsize *len);

/* The stop signal the image asked for (annotation org.opencontainers.image.stopSignal),
 * or NULL. @spec is from ocid_spec_load_bundle(). */
char *ocid_spec_image_stop_signal(JsonNode *spec);
