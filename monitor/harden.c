#include "harden.h"

#include <errno.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/capability.h>
#include <sys/prctl.h>

/* What the epoll loop, the log writer (rotation included), the attach socket, signal
 * forwarding, the exit file and libc's own housekeeping call; nothing that opens
 * sockets, maps executable memory, changes credentials or starts processes. */
static const char *const allowed_syscalls[] = {
	"accept",
	"accept4",
	"brk",
	"clock_gettime",
	"clock_nanosleep",
	"close",
	"close_range",
	"dup",
	"dup2",
	"dup3",
	"epoll_ctl",
	"epoll_pwait",
	"epoll_wait",
	"exit",
	"exit_group",
	"fcntl",
	"fdatasync",
	"fstat",
	"fstatfs",
	"fsync",
	"futex",
	"getegid",
	"geteuid",
	"getgid",
	"getpid",
	"getppid",
	"getrandom",
	"gettid",
	"gettimeofday",
	"getuid",
	"ioctl",
	"kill",
	"lseek",
	"madvise",
	"mmap",
	"mremap",
	"munmap",
	"newfstatat",
	"open",
	"openat",
	"pidfd_send_signal",
	"poll",
	"ppoll",
	"read",
	"readv",
	"recvfrom",
	"recvmsg",
	"rename",
	"renameat",
	"renameat2",
	"restart_syscall",
	"rt_sigaction",
	"rt_sigprocmask",
	"rt_sigreturn",
	"sendmsg",
	"sendto",
	"shutdown",
	"stat",
	"statx",
	"tgkill",
	"timerfd_gettime",
	"timerfd_settime",
	"umask",
	"unlink",
	"unlinkat",
	"wait4",
	"waitid",
	"write",
	"writev",
};

static int
drop_capabilities(void)
{
	cap_t caps = cap_init();
	cap_value_t kill_cap = CAP_KILL;
	int r = 0;

	if (caps == NULL)
		return -errno;
	/* The bounding set first: dropping from it needs CAP_SETPCAP, which goes next. */
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		if (c != CAP_KILL && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			r = -errno;
	if (r == 0 && (cap_set_flag(caps, CAP_EFFECTIVE, 1, &kill_cap, CAP_SET) < 0 ||
		       cap_set_flag(caps, CAP_PERMITTED, 1, &kill_cap, CAP_SET) < 0 ||
		       cap_set_proc(caps) < 0))
		r = -errno;
	cap_free(caps);
	return r;
}

static int
install_seccomp(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int r = 0;

	if (ctx == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof allowed_syscalls / sizeof allowed_syscalls[0]; i++) {
		int nr = seccomp_syscall_resolve_name(allowed_syscalls[i]);

		/* Not every architecture has every legacy name (open, stat on arm64). */
		if (nr == __NR_SCMP_ERROR)
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (r < 0)
			break;
	}
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r;
}

int
monitor_harden(void)
{
	int r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	r = drop_capabilities();
	if (r < 0)
		return r;
	return install_seccomp();
}
