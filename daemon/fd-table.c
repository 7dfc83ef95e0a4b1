/* The kernel grows a process's fd table when an fd past its end is opened, doubling it
 * each time. In a process with a second thread, each growth waits for an RCU grace period
 * (expand_fdtable() calls synchronize_rcu()), which took 8 to 16 ms on the bench's
 * machine: a restart that opened two pidfds for each of 1,000 containers grew the table
 * five times and spent most of its time waiting there. Grown to size at once, while the
 * daemon has one thread, it costs a few microseconds. */
#include "fd-table.h"

#include "cleanup.h"

#include <fcntl.h>
#include <sys/resource.h>

/* What every process's table holds from the start (NR_OPEN_DEFAULT). */
#define FD_TABLE_INITIAL 64

void
ocid_fd_table_reserve(unsigned n_fds)
{
	_cleanup_close_ int fd = -1;
	_cleanup_close_ int high = -1;
	struct rlimit limit;

	if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
	    n_fds > limit.rlim_cur)
		n_fds = (unsigned)limit.rlim_cur;
	if (n_fds <= FD_TABLE_INITIAL)
		return;
	fd = open("/", O_PATH | O_CLOEXEC);
	/* The table grows to hold the new fd, and keeps its size once it is closed. */
	if (fd >= 0)
		high = fcntl(fd, F_DUPFD_CLOEXEC, (int)n_fds - 1);
}
