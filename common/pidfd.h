/* pidfd.h: the pidfd syscalls, which older C libraries do not wrap. Named sys_* so that
 * they do not clash with <sys/pidfd.h> of newer ones. Both return -errno on failure. */
#pragma once

#include <sys/types.h>

/* A pidfd for @pid (close-on-exec, as pidfds always are), or -errno. */
int sys_pidfd_open(pid_t pid);

int sys_pidfd_send_signal(int pidfd, int sig);
