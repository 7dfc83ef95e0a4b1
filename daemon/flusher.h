/* Durability off the main loop: fsyncs of files already renamed into place (and of their
 * dirs), and removals of dirs already set aside, run on a thread of their own in the order
 * they were asked for. A record is visible,
 * and survives a crash of the daemon, from its rename on; it survives a crash of the host
 * once its flush ran, a few milliseconds later, without the caller's reply waiting for the
 * disk. Freeing the flusher waits for everything queued. */
#pragma once

#include <glib.h>

typedef struct OcidFlusher OcidFlusher;

OcidFlusher *ocid_flusher_new(void);

void ocid_flusher_free(OcidFlusher *flusher);

/* Queues an fsync of @path, then of its dir. A file gone by then (its container deleted) is
 * nothing to flush. */
void ocid_flusher_push(OcidFlusher *flusher, const char *path);

/* Queues the removal of @path and everything in it (remove-tree.h): a dir that nobody
 * names any more, renamed out of the way first, so that nobody waits for the unlinks. Its
 * files' pending flushes run first: an unlink of a file being written back waits for the
 * disk. */
void ocid_flusher_push_removal(OcidFlusher *flusher, const char *path);
