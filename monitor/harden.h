/* The monitor's steady state needs little: once the container runs, it gives up every
 * capability but CAP_KILL (the container may run as another user), sets no-new-privs and
 * confines itself to a seccomp allow-list of the syscalls its loop makes.
 *
 * A log with an owner (fs-identity.h) is rotated with her authority, so that monitor also
 * keeps CAP_SETUID and CAP_SETGID for setfsuid, setfsgid and setgroups; a second filter then
 * lets setfsuid and setfsgid name only her ids or root's, and refuses all three to a monitor
 * without an owner. */
#pragma once

#include "fs-identity.h"

/* @owner: the log's owner, or NULL. Returns 0 or -errno. */
int monitor_harden(const FsIdentity *owner);
