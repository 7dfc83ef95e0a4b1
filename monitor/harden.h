/* The monitor's steady state needs little: once the container runs, it gives up every
 * capability but CAP_KILL (the container may run as another user), sets no-new-privs and
 * confines itself to a seccomp allow-list of the syscalls its loop makes. */
#pragma once

/* Returns 0 or -errno. */
int monitor_harden(void);
