/* Exit codes are never lost (issue 10, point 8). A container whose monitor is gone, and
 * which is not the daemon's child (the daemon restarted since), still reports its real
 * code: the daemon reads it from its own pidfd once the container's parent has reaped it
 * (PIDFD_INFO_EXIT, Linux 6.15+). And under systemd, where the container dies while both
 * its monitor and the daemon are dead, the pidfd waited in ocid.service's file descriptor
 * store, and the restarted daemon takes it back and reports the real code. On an older
 * kernel (Debian 12's 6.1, the cgroup v2 guest) no one keeps that code: the daemon says
 * it is unknown, and the tests check that instead. */
#include "faults-common.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static char *
running_container(OcidTest *t, const char *id, char **ctl)
{
	g_autofree char *bundle = ocid_test_make_bundle(t, id, FAULTS_SCRIPT);
	g_autofree char *line = g_strdup_printf("up %s", id);

	*ctl = faults_ctl_dir(t, id);
	return ocid_test_bring_up(t, id, bundle, faults_ctl_options(*ctl), TRUE, line);
}

/* SIGKILL of @pid and the wait for its end (reaped too when it is the test's child). */
static void
kill_and_wait(int pid)
{
	int pidfd = ocid_test_pidfd_open(pid);

	g_assert_cmpint(pidfd, >=, 0);
	g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
	g_assert_true(ocid_test_wait_pidfd(pidfd, 10000));
	close(pidfd);
	(void)waitpid(pid, NULL, WNOHANG);
}

/* Private bus: the test is the subreaper above the daemon, so it stands where init
 * stands for a real ocid, and it reaps the orphaned container as init would. */
static void
test_from_own_pidfd(void)
{
	OcidTest *t;
	g_autofree char *path = NULL;
	g_autofree char *ctl = NULL;
	int pid, pidfd;

	if (g_getenv("OCID_TEST_SYSTEM_BUS") != NULL) {
		g_test_skip("the private-bus variant; under systemd see fd-store");
		return;
	}
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	t = ocid_test_get();
	if (t == NULL) {
		g_test_skip("needs root");
		return;
	}
	path = running_container(t, "own-pidfd", &ctl);
	pid = ocid_test_get_int(t, path, "Pid");
	/* A new daemon is no ancestor of the container: it cannot reap it. */
	ocid_test_restart_with_config(t, NULL);
	kill_and_wait(ocid_test_monitor_pid(t, path));
	g_assert_true(ocid_test_wait_daemon_log(t, "is gone while the container runs", 10000));
	pidfd = ocid_test_pidfd_open(pid);
	faults_tell_exit(ctl, 42);
	g_assert_true(ocid_test_wait_pidfd(pidfd, 10000));
	close(pidfd);
	/* Not the daemon's child: the test, its parent now, reaps it. */
	g_assert_cmpint(waitpid(pid, NULL, 0), ==, pid);
	g_assert_true(ocid_test_wait_state(t, path, "stopped", 10000));
	faults_assert_exit_after_loss(t, path, 42);
	ocid_test_delete(t, path, FALSE);
}

static void
test_through_fd_store(void)
{
	OcidTest *t = ocid_test_get_system_or_skip("needs ocid.service's fd store (tests/systemd)");
	g_autofree char *path = NULL;
	g_autofree char *ctl = NULL;
	int pid, pidfd, monitor;
	guint32 daemon;

	if (t == NULL)
		return;
	path = running_container(t, "fd-store", &ctl);
	pid = ocid_test_get_int(t, path, "Pid");
	monitor = ocid_test_monitor_pid(t, path);
	daemon = ocid_test_daemon_pid(t);
	faults_slow_restart("5s");
	kill_and_wait((int)daemon);
	kill_and_wait(monitor);
	pidfd = ocid_test_pidfd_open(pid);
	faults_tell_exit(ctl, 42);
	g_assert_true(ocid_test_wait_pidfd(pidfd, 10000));
	close(pidfd);
	/* It died while nothing of ocid lived: only the store held its pidfd. */
	g_assert_false(ocid_test_name_has_owner(t));
	g_assert_true(ocid_test_wait_name_owner(t, TRUE, 30000));
	g_assert_cmpuint(ocid_test_daemon_pid(t), !=, daemon);
	faults_slow_restart(NULL);
	faults_assert_exit_after_loss(t, path, 42);
	ocid_test_delete(t, path, FALSE);
}

static void
add_tests(void)
{
	g_test_add_func("/faults/exit-code/own-pidfd", test_from_own_pidfd);
	g_test_add_func("/faults/exit-code/fd-store", test_through_fd_store);
}

int
main(int argc, char **argv)
{
	return ocid_test_main(argc, argv, add_tests);
}
