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

/* What opening a container's log needs, copied off the container so that a worker thread
 * can use it while the container changes (or goes) on the main loop. */
typedef struct {
	char *id;
	char *path;
	gboolean as_owner; /* ocid_container_log_is_owners(): open it with her authority */
	uid_t owner_uid;
	gid_t owner_gid;
	gboolean has_tail;
	guint64 tail;
	gboolean follow;
	OcidLogDriver driver;
	guint64 created_usec; /* journald: entries older than the container are not its own */
} OcidLogOpen;

OcidLogOpen *ocid_log_open_new(const OcidContainer *container, gboolean has_tail, guint64 tail,
			       gboolean follow);
OcidLogOpen *ocid_log_open_copy(const OcidLogOpen *request);
void ocid_log_open_free(OcidLogOpen *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcidLogOpen, ocid_log_open_free)

/* In a worker thread, never on the main loop: it may read a lot and takes the owner's
 * identity (caller.h). Opens the log for reading, positioned at the start or, with
 * has_tail, at the first of its last tail lines (holes are skipped, and at most
 * OCID_LOG_TAIL_SCAN_MAX bytes of data are read: a longer tail starts at the first whole
 * line within them). The fd is the file itself, shared with nobody. With follow,
 * *@ret_dir_fd is the log's directory, opened with the same authority, for
 * ocid_log_follow_new(). */
int ocid_container_log_open(const OcidLogOpen *request, int *ret_dir_fd, GError **error);

#define OCID_LOG_TAIL_SCAN_MAX (64 * 1024 * 1024)

typedef struct OcidLogFollow OcidLogFollow;

/* Called once, when the reader went away or got its EOF; it may free the follower. */
typedef void (*OcidLogFollowClosedFunc)(OcidLogFollow *follow, gpointer user_data);

/* Follows the log @name in the directory @dir_fd (from ocid_container_log_open()) from
 * @fd's position; takes both fds. With @owner_only, a file the monitor starts after a
 * rotation is only read if @owner_uid owns it. *@reader_fd is the pipe's read end for the
 * client. */
OcidLogFollow *ocid_log_follow_new(const char *name, int dir_fd, int fd, gboolean owner_only,
				   uid_t owner_uid, OcidLogFollowClosedFunc closed,
				   gpointer user_data, int *reader_fd, GError **error);

/* The container has stopped and its monitor has written everything: the reader gets EOF
 * once it has read the rest (closed may run, and free the follower, before this returns). */
void ocid_log_follow_finish(OcidLogFollow *follow);

void ocid_log_follow_free(OcidLogFollow *follow);
