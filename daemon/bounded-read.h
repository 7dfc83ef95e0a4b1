/* Reading files and checking directories that a caller names (a bundle's config.json, a
 * seccomp profile, the directory of a log_path). The daemon runs as root and a caller
 * chooses the path, so nothing here follows a final symlink, opens anything but a regular
 * file for reading, blocks, or reads more than a documented cap. Every refusal is
 * OCID_ERROR_INVALID_ARGUMENT and says what was wrong and what to do. The caps are listed
 * in docs/limits.md. */
#pragma once

#include <glib.h>

/* A bundle's config.json. Real specs are a few KiB; runc's default is under 3 KiB. */
#define OCID_CONFIG_JSON_MAX_SIZE (1024 * 1024)

/* A seccomp profile (seccomp_profile_path). Docker's default profile is about 20 KiB. */
#define OCID_SECCOMP_PROFILE_MAX_SIZE (1024 * 1024)

/* Nesting of JSON arrays and objects a caller may send. json-glib parses recursively,
 * so a deeply nested document would overflow the daemon's stack; a runtime spec needs
 * about 6 levels, a seccomp profile 5. */
#define OCID_JSON_MAX_DEPTH 64

/* Reads the regular file @name in @dirfd (AT_FDCWD allowed), at most @max_size bytes.
 * @name is opened without following a symlink; a FIFO, device, socket, directory or
 * symlink is refused before it is opened for reading, so a device's open has no side
 * effect and a FIFO cannot block. Returns the contents, NUL-terminated, with their length
 * in @length (may be NULL). */
char *ocid_read_file_at(int dirfd, const char *name, gsize max_size, gsize *length, GError **error);

/* The same for an absolute @path: its directory is opened (symlinks in the directory part
 * are followed, as for any path), then the last component as above. */
char *ocid_read_file_path(const char *path, gsize max_size, gsize *length, GError **error);

/* Checks a directory a caller names, e.g. the directory of its log_path: @path must be
 * absolute without '..' components and, if it exists, be a real directory (not a symlink)
 * that is not writable by others unless sticky (as /tmp is). A directory that does not
 * exist yet is accepted: the daemon creates it. */
gboolean ocid_dir_check_caller(const char *path, GError **error);

/* Checks JSON text a caller sent before a parser sees it, and refuses it
 * - when its arrays and objects nest deeper than @max_depth (brackets inside strings,
 *   with their escapes, do not count);
 * - when it has a comment or a single-quoted string: json-glib accepts both, runc's Go
 *   parser neither, and a quote inside a comment would hide nesting from this scan;
 * - when it has a NUL byte or a \u0000 escape: json-glib cuts a key or a string there
 *   while Go keeps it whole, so "linux\u0000" would be "linux" to ocid and an unknown
 *   key to runc, and ocid would check a different document from the one runc runs.
 * @origin names the text in the error. Says nothing about its validity otherwise. */
gboolean ocid_json_check_text(const char *data, gsize len, guint max_depth, const char *origin,
			      GError **error);
