#include "faults-common.h"

#include "process.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char *
faults_ctl_dir(OcidTest *t, const char *id)
{
	char *dir = g_build_filename(t->tmpdir, "ctl", id, NULL);
	g_autofree char *fifo = g_build_filename(dir, "go", NULL);
	g_autofree char *name = g_build_filename(dir, "name", NULL);
	g_autofree char *text = g_strdup_printf("%s\n", id);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_assert_true(mkfifo(fifo, 0600) == 0 || errno == EEXIST);
	g_assert_true(g_file_set_contents(name, text, -1, NULL));
	return dir;
}

GVariant *
faults_ctl_options(const char *ctl_dir)
{
	GVariantBuilder opts, vols;

	g_variant_builder_init(&vols, G_VARIANT_TYPE("a(ssb)"));
	g_variant_builder_add(&vols, "(ssb)", "/ctl", ctl_dir, FALSE);
	g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&opts, "{sv}", "volumes", g_variant_builder_end(&vols));
	return g_variant_builder_end(&opts);
}

void
faults_tell_exit(const char *ctl_dir, int code)
{
	g_autofree char *fifo = g_build_filename(ctl_dir, "go", NULL);
	g_autofree char *text = g_strdup_printf("%d\n", code);
	int fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

	/* ENXIO would mean no reader: the container has not logged "up" yet, or is gone. */
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, text, strlen(text)), ==, (gssize)strlen(text));
	close(fd);
}

gboolean
faults_kernel_keeps_exit_status(void)
{
	pid_t pid = fork();
	int pidfd, exit_code = 0, r;

	g_assert_cmpint(pid, >=, 0);
	if (pid == 0)
		_exit(3);
	pidfd = ocid_test_pidfd_open(pid); /* a zombie is fine */
	g_assert_cmpint(pidfd, >=, 0);
	g_assert_cmpint(waitpid(pid, NULL, 0), ==, pid);
	r = ocid_pidfd_exit_status(pidfd, &exit_code);
	close(pidfd);
	return r == 1 && exit_code == 3;
}

void
faults_assert_exit_after_loss(OcidTest *t, const char *path, int code)
{
	g_autofree char *state = ocid_test_get_string(t, path, "State");
	g_autofree char *error = ocid_test_get_string(t, path, "Error");

	g_assert_cmpstr(state, ==, "stopped");
	if (faults_kernel_keeps_exit_status()) {
		g_assert_cmpint(ocid_test_get_int(t, path, "ExitCode"), ==, code);
		g_assert_cmpstr(error, ==, "");
	} else {
		g_test_message("this kernel keeps no exit status for pidfds (Linux 6.15+): "
			       "ocid can only say it is unknown");
		g_assert_cmpint(ocid_test_get_int(t, path, "ExitCode"), ==, 255);
		g_assert_nonnull(strstr(error, "unknown"));
	}
}

static const char *restart_dropin = "/run/systemd/system/ocid.service.d/60-faults-restart.conf";

void
faults_slow_restart(const char *delay)
{
	const char *argv[] = { "systemctl", "daemon-reload", NULL };
	int status = 0;

	if (delay != NULL) {
		g_autofree char *text = g_strdup_printf("[Service]\nRestartSec=%s\n", delay);
		g_assert_cmpint(g_mkdir_with_parents("/run/systemd/system/ocid.service.d", 0755),
				==, 0);
		g_assert_true(g_file_set_contents(restart_dropin, text, -1, NULL));
	} else {
		(void)unlink(restart_dropin);
	}
	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
				   NULL, &status, NULL));
	g_assert_true(g_spawn_check_wait_status(status, NULL));
}

void
faults_kill_daemon(OcidTest *t)
{
	int pid, pidfd;

	if (!t->system_mode) {
		ocid_test_kill_daemon(t);
		return;
	}
	/* systemctl start would only join the pending restart job: systemd brings ocid back
	 * by itself, once the test is done with it down. */
	faults_slow_restart(FAULTS_RESTART_DELAY);
	pid = (int)ocid_test_daemon_pid(t);
	pidfd = ocid_test_pidfd_open(pid);
	g_assert_cmpint(pidfd, >=, 0);
	g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
	g_assert_true(ocid_test_wait_pidfd(pidfd, 10000));
	close(pidfd);
	g_assert_true(ocid_test_wait_name_owner(t, FALSE, 10000));
}

void
faults_restart_daemon(OcidTest *t)
{
	if (!t->system_mode) {
		ocid_test_start_daemon(t);
		return;
	}
	/* Still down: what the test did happened while nothing of ocid lived. */
	if (ocid_test_name_has_owner(t))
		g_error("ocid.service came back (after " FAULTS_RESTART_DELAY ") before the test "
			"was done with it down; raise FAULTS_RESTART_DELAY");
	g_assert_true(ocid_test_wait_name_owner(t, TRUE, 120000));
	faults_slow_restart(NULL);
}
