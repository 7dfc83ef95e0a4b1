/* state.json: one file per container in its dir, written atomically (write, fsync,
 * exchange with the record before, fsync the dir) with mode 0600, read back at daemon
 * start. */
#pragma once

#include "container.h"

#include <glib.h>

/* Serializes @container to JSON text. */
char *ocid_persist_to_json(const OcidContainer *container);

/* Parses state.json text into a new container; @origin names the file in errors. */
OcidContainer *ocid_persist_from_json(const char *data, gsize len, const char *origin,
				      GError **error);

/* @durable: fsync'ed before it returns, so the record survives a crash of the host, not
 * only of the daemon. */
gboolean ocid_persist_save(OcidContainer *container, gboolean durable, GError **error);

OcidContainer *ocid_persist_load(const char *path, GError **error);
/* The same for @name in the dir @dir_fd (a restart opens its dir once), which is @path
 * for the record and its errors. */
OcidContainer *ocid_persist_load_at(int dir_fd, const char *name, const char *path, GError **error);

/* Writes @data to @path through a temporary file, fsync and rename, then fsyncs the dir. */
gboolean ocid_write_file_atomic(const char *path, const char *data, gsize len, int mode,
				GError **error);

/* The same without the fsyncs: a reader sees the old file or the new one whole, also after
 * the daemon crashes; after the host crashes it may find the old one. For what only matters
 * while the host is up, or what a later durable write covers. */
gboolean ocid_write_file_replace(const char *path, const char *data, gsize len, int mode,
				 GError **error);
