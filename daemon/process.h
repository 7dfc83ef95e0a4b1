/* Processes by pidfd (opened and signalled with common/pidfd.h): check it is the process
 * we think (start time), reap it when it is our child. Wrappers return -errno. */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <sys/types.h>

/* Field 22 of /proc/PID/stat (start time in clock ticks since boot); 0 when the process
 * is gone. */
uint64_t ocid_process_start_time(pid_t pid);

/* Who a process is, so that a recycled pid is never taken for it. */
typedef struct {
	/* Its pidfd's inode number, unique for the boot where pidfds live in pidfs (Linux
	 * 6.9+): checked with one fstat. 0 where pidfds are anonymous inodes. */
	uint64_t inode;
	/* Field 22 of /proc/PID/stat, read only when there is no inode: reading it costs
	 * more than the rest of a container's restore (20-50 us). */
	uint64_t start_time;
} OcidProcessIdentity;

/* The pidfs inode number behind @pidfd; 0 when pidfds have none. */
uint64_t ocid_pidfd_inode(int pidfd);

/* @pidfd's identity, @pid being the process behind it. */
OcidProcessIdentity ocid_process_identify(pid_t pid, int pidfd);

/* Opens a pidfd on @pid only if it is still the process @identity names (a zero identity
 * checks nothing). */
int ocid_pidfd_open_verified(pid_t pid, const OcidProcessIdentity *identity);

/* Reaps the exited child behind @pidfd without blocking. Returns 1 and the exit code
 * (128+N for a signal) when reaped, 0 when it still runs, -ECHILD when it is not our
 * child. */
int ocid_pidfd_reap(int pidfd, int *exit_code);

/* The exit status the kernel keeps for any pidfd holder (PIDFD_GET_INFO with
 * PIDFD_INFO_EXIT, Linux 6.15+), once the process has been reaped by its parent, whoever
 * that is. Returns 1 and the exit code (128+N for a signal), 0 when the process has not
 * been reaped yet (its pidfd reports POLLHUP once it is), -EOPNOTSUPP when the kernel keeps
 * no exit status. */
int ocid_pidfd_exit_status(int pidfd, int *exit_code);

/* Signal numbers from names ("TERM", "SIGTERM", "15"); -1 when unknown. */
int ocid_signal_from_string(const char *s);

/* Takes @pidfd (of a child) and reaps the child from the main loop once it exits, so no
 * zombie is left behind by a process we no longer care about. */
void ocid_reap_in_background(int pidfd);
