/* The container's CRI log as the daemon sees it: who owns the file (ocid removes the logs
 * it named itself on Delete; a log_path the caller chose is the caller's), and readers
 * for OpenLog, either the file itself from the start or the last lines, or a follower that
 * copies the file into a pipe as it grows, across rotation (the monitor renames it to
 * "<path>.1" and starts a new one), until the container has stopped. */
#pragma once

#include "config.h"
#include "container.h"

#include <glib.h>

/* Removes the log and its rotated copy when ocid named it. */
void ocid_container_log_remove_owned(const OcidConfig *config, const OcidContainer *container);

/* Opens the log for reading, positioned at the start or, with @has_tail, at the first of
 * its last @tail lines. The fd is the file itself, shared with nobody. */
int ocid_container_log_open(const OcidContainer *container, gboolean has_tail, guint64 tail,
			    GError **error);

typedef struct OcidLogFollow OcidLogFollow;

/* Called once, when the reader went away or got its EOF; it may free the follower. */
typedef void (*OcidLogFollowClosedFunc)(OcidLogFollow *follow, gpointer user_data);

/* Follows @path from @fd's position (takes @fd); *@reader_fd is the pipe's read end for
 * the client. */
OcidLogFollow *ocid_log_follow_new(const char *path, int fd, OcidLogFollowClosedFunc closed,
				   gpointer user_data, int *reader_fd, GError **error);

/* The container has stopped and its monitor has written everything: the reader gets EOF
 * once it has read the rest (closed may run, and free the follower, before this returns). */
void ocid_log_follow_finish(OcidLogFollow *follow);

void ocid_log_follow_free(OcidLogFollow *follow);
