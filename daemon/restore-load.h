/* The records of a restart, loaded on worker threads: each container's state.json read and
 * parsed, and the pidfds of its live processes opened, while the main thread starts the
 * daemon (the runtime's version, the bus) and then takes the records one by one, in the
 * order of the dir, and reconciles them. Only the loading is shared out: nothing here
 * touches the store, the main loop or the bus. */
#pragma once

#include "container.h"

#include <glib.h>

typedef struct OcidRestoreLoad OcidRestoreLoad;

typedef struct {
	const char *name; /* the container's dir in containers_dir */
	/* The container, its monitor_pidfd and container_pidfd open if it is alive and its
	 * processes are the ones its record names; NULL if its record could not be read, and
	 * @error says why (G_FILE_ERROR_NOENT: the dir has no state.json). */
	OcidContainer *container;
	GError *error;
} OcidRestoreRecord;

/* Starts loading the records of the valid ids in @containers_dir. @open_pidfds: open the
 * pidfds of live containers (not after a boot, when none is alive); @stored_ids: ids whose
 * container pidfd the caller already holds, so none is opened for them (read-only while the
 * load runs; NULL for none). */
OcidRestoreLoad *ocid_restore_load_start(const char *containers_dir, gboolean open_pidfds,
					 GHashTable *stored_ids);

/* The next record in the dir's order, waiting for it if need be; NULL after the last. The
 * record is the load's, and its container the caller's to take (g_steal_pointer). */
OcidRestoreRecord *ocid_restore_load_next(OcidRestoreLoad *load);

/* Waits for the workers, and frees what the caller did not take. */
void ocid_restore_load_free(OcidRestoreLoad *load);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcidRestoreLoad, ocid_restore_load_free)
