/* The size of the daemon's file descriptor table, set while it has one thread. */
#pragma once

/* Grows this process's fd table to hold @n_fds descriptors, as far as RLIMIT_NOFILE
 * allows; opens nothing that outlives the call. */
void ocid_fd_table_reserve(unsigned n_fds);
