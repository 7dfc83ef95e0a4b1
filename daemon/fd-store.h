/* The service manager's file descriptor store (sd_notify FDSTORE=1, systemd.service(5)
 * FileDescriptorStoreMax=): each running container's pidfd waits there while the daemon
 * is down, so that a container that dies while neither its monitor nor the daemon lives
 * still has a pidfd holder, and the restarted daemon reads its status from it
 * (PIDFD_INFO_EXIT). Outside systemd (no NOTIFY_SOCKET) these do nothing. */
#pragma once

#include <glib.h>

/* Hands a duplicate of @pidfd to the store under the name pidfd-<id>; the store drops a
 * duplicate of an fd it already holds. FDPOLL=0: a pidfd turns POLLHUP once its process
 * is reaped, which would otherwise make systemd drop it just when it is needed. */
void ocid_fd_store_add_pidfd(const char *id, int pidfd);

/* The container is gone (deleted, or its exit recorded): the store forgets its pidfd. */
void ocid_fd_store_remove_pidfd(const char *id);

/* The pidfds the service manager passed at start (LISTEN_FDS), by container id; the
 * caller owns the fds. Empty when none were passed. */
GHashTable *ocid_fd_store_take_pidfds(void);
