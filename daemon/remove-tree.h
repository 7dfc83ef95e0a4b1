/* rm -r of one directory, never through a symlink: the runtime's state dir, a container's
 * dir, and what Delete set aside for the flusher to remove (flusher.h). */
#pragma once

#include <glib.h>

/* Removes @name below @parent_fd (AT_FDCWD: @name is a path) and everything in it: files,
 * fifos, sockets and the dirs below. One already gone is removed. FALSE with errno set
 * when something could not be removed. */
gboolean ocid_remove_tree_at(int parent_fd, const char *name);
