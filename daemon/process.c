#include "process.h"

#include "cleanup.h"
#include "reaper.h"

#include "common/pidfd.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

uint64_t
ocid_process_start_time(pid_t pid)
{
	char path[64];
	/* A stat line is a few hundred bytes; its command name at most 64. */
	char stat[1024];
	_cleanup_close_ int fd = -1;
	const char *p;
	ssize_t n;
	int field;

	if (pid <= 0)
		return 0;
	g_snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	/* One open and one read, no stat calls: a restart reads this twice per container. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	do
		n = read(fd, stat, sizeof stat - 1);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 0;
	stat[n] = '\0';
	/* The command name may hold spaces and parentheses: fields start after the last ')'. */
	p = strrchr(stat, ')');
	if (p == NULL || p[1] != ' ')
		return 0;
	p += 2;
	/* Field 3 is the state; a zombie is no longer the process we knew. */
	if (*p == 'Z' || *p == 'X')
		return 0;
	for (field = 3; field < 22 && p != NULL; field++) {
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	if (p == NULL || !g_ascii_isdigit(*p))
		return 0;
	return g_ascii_strtoull(p, NULL, 10);
}

/* statfs(2)'s f_type of pidfs, <linux/magic.h> of Linux 6.9. */
#define OCID_PID_FS_MAGIC 0x50494446

uint64_t
ocid_pidfd_inode(int pidfd)
{
	struct statfs fs;
	struct stat st;

	/* Before pidfs every pidfd shared one anonymous inode: its number says nothing. */
	if (fstatfs(pidfd, &fs) < 0 || fs.f_type != OCID_PID_FS_MAGIC)
		return 0;
	if (fstat(pidfd, &st) < 0)
		return 0;
	return (uint64_t)st.st_ino;
}

OcidProcessIdentity
ocid_process_identify(pid_t pid, int pidfd)
{
	OcidProcessIdentity id = { 0 };

	if (pidfd >= 0)
		id.inode = ocid_pidfd_inode(pidfd);
	if (id.inode == 0)
		id.start_time = ocid_process_start_time(pid);
	return id;
}

int
ocid_pidfd_open_verified(pid_t pid, const OcidProcessIdentity *identity)
{
	_cleanup_close_ int fd = -1;

	if (pid <= 0)
		return -ESRCH;
	fd = sys_pidfd_open(pid);
	if (fd < 0)
		return fd;
	/* Checked after opening: from here on the pidfd pins this very process. An inode
	 * was recorded only on a kernel with pidfs, and a daemon checks only identities
	 * recorded since the boot: pidfs is there, and fstat alone (no fstatfs) tells, which
	 * a restart does twice per container. */
	if (identity->inode != 0) {
		struct stat st;

		if (fstat(fd, &st) < 0 || (uint64_t)st.st_ino != identity->inode)
			return -ESRCH;
	} else if (identity->start_time != 0 &&
		   ocid_process_start_time(pid) != identity->start_time) {
		return -ESRCH;
	}
	return steal_fd(&fd);
}

int
ocid_pidfd_reap(int pidfd, int *exit_code)
{
	siginfo_t info = { 0 };

	if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED | WNOHANG) < 0)
		return -errno;
	if (info.si_pid == 0)
		return 0;
	if (info.si_code == CLD_EXITED)
		*exit_code = info.si_status;
	else
		*exit_code = 128 + info.si_status;
	return 1;
}

/* <linux/pidfd.h> of Linux 6.15; older headers lack it. The kernel fills what it knows
 * of the struct and says so in mask. */
struct ocid_pidfd_info {
	uint64_t mask;
	uint64_t cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	int32_t exit_code;
	uint32_t coredump_mask;
	uint32_t spare;
};
#define OCID_PIDFD_GET_INFO  _IOWR(0xFF, 11, struct ocid_pidfd_info)
#define OCID_PIDFD_INFO_EXIT (1ULL << 3)

int
ocid_pidfd_exit_status(int pidfd, int *exit_code)
{
	struct ocid_pidfd_info info = { .mask = OCID_PIDFD_INFO_EXIT };

	if (ioctl(pidfd, OCID_PIDFD_GET_INFO, &info) < 0) {
		/* Before 6.13 there is no such ioctl; ESRCH: reaped on a 6.13/6.14 kernel,
		 * which keeps nothing of the process. */
		if (errno == ENOTTY || errno == EINVAL || errno == ESRCH)
			return -EOPNOTSUPP;
		return -errno;
	}
	if (!(info.mask & OCID_PIDFD_INFO_EXIT))
		return 0;
	/* A wait status, as waitpid(2) gives it. */
	if (WIFEXITED(info.exit_code))
		*exit_code = WEXITSTATUS(info.exit_code);
	else
		*exit_code = 128 + WTERMSIG(info.exit_code);
	return 1;
}

/* A signal number as kill(1) writes it: 1 to 3 digits, no sign, space or leading zero
 * (strtol would take "", "+3", " 3" and "003"); -1 for anything else. */
static int
small_decimal(const char *s)
{
	size_t len = strspn(s, "0123456789");

	if (len == 0 || len > 3 || s[len] != '\0' || (s[0] == '0' && len > 1))
		return -1;
	return atoi(s);
}

int
ocid_signal_from_string(const char *s)
{
	static const struct {
		const char *name;
		int number;
	} names[] = {
		{ "HUP", SIGHUP },       { "INT", SIGINT },   { "QUIT", SIGQUIT },
		{ "ILL", SIGILL },       { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
		{ "BUS", SIGBUS },       { "FPE", SIGFPE },   { "KILL", SIGKILL },
		{ "USR1", SIGUSR1 },     { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
		{ "PIPE", SIGPIPE },     { "ALRM", SIGALRM }, { "TERM", SIGTERM },
		{ "CHLD", SIGCHLD },     { "CONT", SIGCONT }, { "STOP", SIGSTOP },
		{ "TSTP", SIGTSTP },     { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },
		{ "URG", SIGURG },       { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
		{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
		{ "IO", SIGIO },         { "PWR", SIGPWR },   { "SYS", SIGSYS },
	};
	int number;

	if (s == NULL || *s == '\0')
		return -1;
	if (g_ascii_isdigit(*s)) {
		number = small_decimal(s);
		return number >= 1 && number <= SIGRTMAX ? number : -1;
	}
	if (g_ascii_strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (g_ascii_strcasecmp(s, names[i].name) == 0)
			return names[i].number;
	if (g_ascii_strncasecmp(s, "RTMIN+", 6) == 0 || g_ascii_strncasecmp(s, "RTMAX-", 6) == 0) {
		gboolean from_min = g_ascii_toupper(s[3]) == 'I';

		number = small_decimal(s + 6);
		if (number < 0 || number > SIGRTMAX - SIGRTMIN)
			return -1;
		return from_min ? SIGRTMIN + number : SIGRTMAX - number;
	}
	if (g_ascii_strcasecmp(s, "RTMIN") == 0)
		return SIGRTMIN;
	if (g_ascii_strcasecmp(s, "RTMAX") == 0)
		return SIGRTMAX;
	return -1;
}

static gboolean
on_background_child_exit(int fd, GIOCondition condition, gpointer user_data)
{
	int exit_code = 0;

	(void)ocid_pidfd_reap(fd, &exit_code);
	close(fd);
	/* What it leaves (its children) is ours now. */
	ocid_reaper_adopt_orphans();
	return G_SOURCE_REMOVE;
}

void
ocid_reap_in_background(int pidfd)
{
	if (pidfd >= 0)
		g_unix_fd_add(pidfd, G_IO_IN, on_background_child_exit, NULL);
}
