/* Process identities (daemon/process.c): a pid recorded with its identity opens a pidfd
 * only on that very process, whether the identity is a pidfs inode or a start time. */
#include "process.h"

#include "common/pidfd.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t
spawn_sleeper(void)
{
	pid_t pid = fork();

	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

static void
end_sleeper(pid_t pid)
{
	int status;

	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, &status, 0);
}

static void
test_identity(void)
{
	pid_t a = spawn_sleeper(), b = spawn_sleeper();
	int fd_a = sys_pidfd_open(a), fd_b = sys_pidfd_open(b);
	OcidProcessIdentity id_a, id_b, start_only, none = { 0 };
	int fd;

	g_assert_cmpint(fd_a, >=, 0);
	g_assert_cmpint(fd_b, >=, 0);
	id_a = ocid_process_identify(a, fd_a);
	id_b = ocid_process_identify(b, fd_b);
	/* One or the other, never neither: the inode where pidfds have one. */
	g_assert_true(id_a.inode != 0 || id_a.start_time != 0);
	if (id_a.inode != 0) {
		g_assert_cmpuint(id_a.start_time, ==, 0);
		g_assert_cmpuint(id_a.inode, !=, id_b.inode);
		/* Every pidfd of a process has its inode, whoever opened it and when. */
		fd = sys_pidfd_open(a);
		g_assert_cmpuint(ocid_pidfd_inode(fd), ==, id_a.inode);
		close(fd);
	}

	fd = ocid_pidfd_open_verified(a, &id_a);
	g_assert_cmpint(fd, >=, 0);
	close(fd);
	/* b's pid with a's identity: what a recycled pid looks like. */
	g_assert_cmpint(ocid_pidfd_open_verified(b, &id_a), ==, -ESRCH);
	g_assert_cmpint(ocid_pidfd_open_verified(a, &id_b), ==, -ESRCH);
	/* A state.json of before the inodes (or a kernel without pidfs) has start times. */
	start_only = (OcidProcessIdentity){ .start_time = ocid_process_start_time(a) };
	g_assert_cmpuint(start_only.start_time, !=, 0);
	fd = ocid_pidfd_open_verified(a, &start_only);
	g_assert_cmpint(fd, >=, 0);
	close(fd);
	/* (a and b may well have started in the same clock tick: another time instead.) */
	start_only.start_time++;
	g_assert_cmpint(ocid_pidfd_open_verified(a, &start_only), ==, -ESRCH);
	/* Nothing recorded, nothing checked. */
	fd = ocid_pidfd_open_verified(b, &none);
	g_assert_cmpint(fd, >=, 0);
	close(fd);

	/* Gone: no pidfd at all. */
	end_sleeper(a);
	g_assert_cmpint(ocid_pidfd_open_verified(a, &id_a), <, 0);
	end_sleeper(b);
	close(fd_a);
	close(fd_b);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/process/identity", test_identity);
	return g_test_run();
}
