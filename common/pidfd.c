#include "pidfd.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

int
sys_pidfd_open(pid_t pid)
{
	long fd = syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0)
		return -errno;
	return (int)fd;
}

int
sys_pidfd_send_signal(int pidfd, int sig)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return -errno;
	return 0;
}
