/* OpenLog for a container of the journald log driver: its entries read back from the
 * journal with sd-journal and rendered in the CRI format ocictl and kubelet read
 * ("<RFC3339Nano> stdout|stderr F|P <line>\n"), so that a reader does not care which
 * driver wrote them. A thread of its own reads and writes them into a pipe whose read end
 * is the client's, from the start or the last lines, and with follow keeps going until the
 * monitor's end entry (monitor/journal-writer.h) has been read.
 *
 * Only the container's own entries are read, whoever the caller: the entries must carry
 * CONTAINER_ID_FULL=<id> and come from root (_UID=0, a field journald sets, not the
 * sender: a user logging fields of her own cannot add lines to another's container), and be
 * no older than the container (an earlier container of the same id had its own). */
#pragma once

#include "container-log.h"

#include <glib.h>

typedef struct OcidJournalFollow OcidJournalFollow;

/* Readers open at once, daemon-wide: each holds a thread and the journal's files open. */
#define OCID_JOURNAL_READERS_MAX 64

/* Called on the main loop once the reader has its EOF or went away; it may free the
 * follower. */
typedef void (*OcidJournalFollowClosedFunc)(OcidJournalFollow *follow, gpointer user_data);

/* Starts the reader for @request; *@reader_fd is the pipe's read end for the client. */
OcidJournalFollow *ocid_journal_follow_new(const OcidLogOpen *request,
					   OcidJournalFollowClosedFunc closed, gpointer user_data,
					   int *reader_fd, GError **error);

/* The container has stopped: once the monitor's end entry has been read (or, if the
 * monitor died without one, once the journal has been quiet for a few seconds), the
 * reader gets EOF. */
void ocid_journal_follow_finish(OcidJournalFollow *follow);

/* Stops the thread (the reader gets EOF), without calling closed. */
void ocid_journal_follow_free(OcidJournalFollow *follow);

/* One entry in the CRI format, newline included, appended to @out: @realtime_usec its
 * time, @priority_is_error for stderr, @partial for a P record. Exported for tests. */
void ocid_journal_render_cri(GString *out, guint64 realtime_usec, gboolean priority_is_error,
			     gboolean partial, const char *message, gsize len);
