/* Features: the monitor hardens itself, and a container that exits before its monitor. */
#include "features-test.h"

/* The monitor hardens itself once the container runs: no-new-privs, only CAP_KILL left,
 * a seccomp allow-list that refuses what it does not need (a network socket). */
void
test_monitor_hardened(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *probe = NULL;
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autofree char *probe_text = NULL;
	g_autofree char *no_new_privs = NULL;
	g_autofree char *seccomp = NULL;
	g_autofree char *cap_eff = NULL;
	g_autofree char *cap_bnd = NULL;
	int monitor;

	if (t == NULL)
		return;
	probe = g_build_filename(t->tmpdir, "monitor-probe", NULL);
	if (!restart_with_test_monitor(t, "OCID_MONITOR_PROBE", probe))
		return;
	/* Stopped only once its shell runs: a stop signal that reaches `runc init` (Go, pid 1
	 * with handlers) before its exec of the shell ends it with Go's exit code 2. */
	bundle = ocid_test_make_bundle(t, "guarded-monitor", "echo still logging; sleep 30");
	path = ocid_test_bring_up(t, "guarded-monitor", bundle, NULL, TRUE, "still logging");
	monitor = ocid_test_monitor_pid(t, path);
	g_assert_true(ocid_test_wait_file_contains(probe, "\n", 5000)); /* written whole */
	probe_text = ocid_test_read_file(probe);
	g_assert_cmpstr(probe_text, ==, "socket: Operation not permitted\n");
	no_new_privs = ocid_test_status_field(monitor, "NoNewPrivs");
	seccomp = ocid_test_status_field(monitor, "Seccomp");
	cap_eff = ocid_test_status_field(monitor, "CapEff");
	cap_bnd = ocid_test_status_field(monitor, "CapBnd");
	g_assert_cmpstr(no_new_privs, ==, "1");
	g_assert_cmpstr(seccomp, ==, "2");
	g_assert_cmpstr(cap_eff, ==, "0000000000000020"); /* CAP_KILL alone */
	g_assert_cmpstr(cap_bnd, ==, "0000000000000020");
	/* And it still does its job under the filter: stop, exit code, log. */
	{
		g_autoptr(GVariant) reply =
		    call_ok(t, path, "Stop", g_variant_new("(t)", (guint64)1));
		g_autofree char *log_path = ocid_test_get_string(t, path, "LogPath");
		g_autofree char *log = ocid_test_read_file(log_path);
		g_assert_cmpint(ocid_test_get_int(t, path, "ExitCode"), ==, 137);
		g_assert_nonnull(strstr(log, " stdout F still logging\n"));
	}
	ocid_test_delete(t, path, FALSE);
	ocid_test_restart_with_config(t, NULL);
}

/* An exit is told once the monitor has written the exit file, not once the monitor is
 * gone: here the monitor lingers after writing it (a test hook), and Stop returns, with
 * the exit code, while it is still there. The daemon then reaps it all the same. */
void
test_exit_before_monitor_exit(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *release = NULL;
	g_autofree char *path = NULL;
	g_autofree char *stopped = NULL;
	int monitor;

	if (t == NULL)
		return;
	release = g_build_filename(t->tmpdir, "monitor-release", NULL);
	if (!restart_with_test_monitor(t, "OCID_MONITOR_LINGER", release))
		return;
	path = ocid_test_make_container(
	    t, "lingering-monitor",
	    "trap 'exit 7' TERM; echo ready; while true; do sleep 0.05; done", NULL, TRUE);
	g_assert_true(ocid_test_wait_output(t, path, "ready", 5000)); /* the trap is set */
	monitor = ocid_test_monitor_pid(t, path);

	{
		g_autoptr(GVariant) reply =
		    call_ok(t, path, "Stop", g_variant_new("(t)", (guint64)30));
	}
	stopped = ocid_test_get_string(t, path, "State");
	g_assert_cmpstr(stopped, ==, "stopped");
	g_assert_cmpint(ocid_test_get_int(t, path, "ExitCode"), ==, 7);
	g_assert_cmpint(kill(monitor, 0), ==, 0); /* still there, waiting for the release */

	g_assert_true(g_file_set_contents(release, "", -1, NULL));
	g_assert_true(ocid_test_wait_pid_exit(monitor, 15000));
	g_assert_true(ocid_test_wait_no_zombies((int)ocid_test_daemon_pid(t), 5000));
	ocid_test_delete(t, path, FALSE);
	ocid_test_restart_with_config(t, NULL);
}
