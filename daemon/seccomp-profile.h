/* Seccomp profiles in the Docker/CRI JSON format (what seccomp_profile_path names), turned
 * into the OCI spec's linux.seccomp. Every syscall name and architecture is checked with
 * libseccomp: an unknown one is an error that names it, never silently dropped. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* Parses profile text, first checked by ocid_json_check_text() (at most
 * OCID_JSON_MAX_DEPTH levels deep); @origin names it in errors. Returns the linux.seccomp
 * object. */
JsonNode *ocid_seccomp_profile_parse(const char *data, gsize len, const char *origin,
				     GError **error);

/* Reads the profile at the absolute @path with the bounded reader (a regular file, no
 * final symlink, at most OCID_SECCOMP_PROFILE_MAX_SIZE bytes) and parses it. */
JsonNode *ocid_seccomp_profile_load(const char *path, GError **error);
