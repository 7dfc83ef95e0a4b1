/* The daemon killed inside each step of a teardown (daemon/teardown.h), for the two ways
 * down that a user starts: a Delete(force) of a running container, and a create whose
 * runtime fails. The daemon is told which step to die in (OCID_TEST_CRASH_IN_TEARDOWN),
 * dies there by SIGKILL, and comes back without it; then nothing of the container may be
 * left: no dir, runtime state, exit file, log, cgroup, unit, monitor or object. Runs on the
 * private bus with the cgroupfs manager, and under a real systemd with the systemd manager
 * (tests/systemd/inside.sh), where ocid.service gets the variable from a drop-in. The
 * create's monitor making the container's dir, and its group (cgroupfs), are crash points
 * too: there the monitor is held (ocid-monitor-test) while the daemon is killed. */
#include "faults-common.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const steps[] = { "runtime", "cgroup", "unit", "unit-cgroup", "files" };

static const char crash_dropin[] = "/run/systemd/system/ocid.service.d/60-crash.conf";

static void
systemctl_or_die(const char *verb)
{
	const char *argv[] = { "systemctl", verb, "ocid.service", NULL };
	int status = 0;

	if (g_str_equal(verb, "daemon-reload"))
		argv[2] = NULL;
	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
				   NULL, &status, NULL));
	g_assert_true(g_spawn_check_wait_status(status, NULL));
}

/* A daemon that dies inside @step of its next teardown (NULL: a daemon that does not). */
static void
daemon_dying_in(OcidTest *t, const char *step)
{
	if (!t->system_mode) {
		ocid_test_kill_daemon(t);
		if (step != NULL)
			g_setenv("OCID_TEST_CRASH_IN_TEARDOWN", step, TRUE);
		else
			g_unsetenv("OCID_TEST_CRASH_IN_TEARDOWN");
		ocid_test_start_daemon(t);
		return;
	}
	if (step != NULL) {
		/* No restart of its own: the test brings it back without the variable. */
		g_autofree char *text = g_strdup_printf(
		    "[Service]\nEnvironment=OCID_TEST_CRASH_IN_TEARDOWN=%s\nRestartSec=1h\n", step);
		g_assert_cmpint(g_mkdir_with_parents("/run/systemd/system/ocid.service.d", 0755),
				==, 0);
		g_assert_true(g_file_set_contents(crash_dropin, text, -1, NULL));
	} else {
		(void)unlink(crash_dropin);
	}
	systemctl_or_die("daemon-reload");
	/* stop first: it also ends a restart pending after the crash. */
	systemctl_or_die("stop");
	systemctl_or_die("start");
	g_assert_true(ocid_test_wait_name_owner(t, TRUE, 30000));
}

/* The daemon killed itself where it was told: its name goes. */
static void
wait_daemon_died(OcidTest *t)
{
	int status;

	g_assert_true(ocid_test_wait_name_owner(t, FALSE, 30000));
	if (!t->system_mode) {
		g_assert_cmpint(waitpid(t->ocid_pid, &status, 0), ==, t->ocid_pid);
		g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		t->ocid_pid = 0;
	}
}

/* Its object is gone, and its dir, the teardown's last step (a create being undone never
 * had an object). */
static gboolean
container_gone(gpointer data)
{
	OcidTest *t = ((gpointer *)data)[0];
	const char *id = ((gpointer *)data)[1];
	g_autofree char *dir = g_build_filename(t->state_dir, "containers", id, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) found = ocid_test_call(t, MANAGER_PATH, MANAGER, "GetContainer",
						   g_variant_new("(s)", id), "(o)", &error);

	return found == NULL && !g_file_test(dir, G_FILE_TEST_EXISTS);
}

/* Back without the crash: the teardown the dead daemon began is finished unasked. */
static void
assert_finished_after_restart(OcidTest *t, const char *id)
{
	gpointer data[] = { t, (gpointer)id };

	daemon_dying_in(t, NULL);
	g_assert_true(ocid_test_wait_for(container_gone, data, 30000));
	ocid_test_assert_nothing_left(t, id);
}

static void
test_delete(void)
{
	OcidTest *t = ocid_test_get();

	if (t == NULL) {
		g_test_skip("needs root");
		return;
	}
	for (guint i = 0; i < G_N_ELEMENTS(steps); i++) {
		g_autofree char *id = g_strdup_printf("down-%s", steps[i]);
		g_autofree char *path = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(GVariant) reply = NULL;

		daemon_dying_in(t, steps[i]);
		path = ocid_test_make_container(t, id, "sleep 300", NULL, TRUE);
		g_assert_true(ocid_test_wait_state(t, path, "running", 10000));
		reply = ocid_test_call(t, path, CONTAINER, "Delete", g_variant_new("(b)", TRUE),
				       NULL, &error);
		g_assert_nonnull(error); /* the daemon died before it could answer */
		wait_daemon_died(t);
		assert_finished_after_restart(t, id);
	}
}

static void
test_failed_create(void)
{
	OcidTest *t = ocid_test_get();
	g_autofree char *bundle = NULL;

	if (t == NULL) {
		g_test_skip("needs root");
		return;
	}
	bundle = ocid_test_bundle_with_hook(t, "hookdown", "echo the hook refuses >&2; exit 1");
	for (guint i = 0; i < G_N_ELEMENTS(steps); i++) {
		g_autofree char *id = g_strdup_printf("undo-%s", steps[i]);
		g_autoptr(GError) error = NULL;
		g_autofree char *path = NULL;

		daemon_dying_in(t, steps[i]);
		path = ocid_test_create(t, id, "", bundle, NULL, &error);
		g_assert_nonnull(error);
		wait_daemon_died(t);
		assert_finished_after_restart(t, id);
	}
}

/* A Delete of a container that exited on its own, once its exit's part of the teardown
 * is done (cgroupfs: its runtime state and cgroup are gone): only ocid's files are left,
 * and no removing mark is written first. The step sets the dir aside in removed/, record
 * and all, for the flusher; killed right after that, the daemon comes back to no container
 * and a dir in removed/, which it removes unasked. */
static void
test_delete_exited(void)
{
	OcidTest *t = ocid_test_get();
	g_autofree char *bundle = NULL, *path = NULL, *runtime = NULL, *left = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;

	if (t == NULL) {
		g_test_skip("needs root");
		return;
	}
	daemon_dying_in(t, "files");
	bundle = ocid_test_make_bundle(t, "gone-by-itself", "echo bye");
	path = ocid_test_bring_up(t, "gone-by-itself", bundle, NULL, TRUE, "bye");
	g_assert_true(ocid_test_wait_state(t, path, "stopped", 10000));
	if (!t->system_mode) {
		runtime = g_build_filename(t->run_dir, "runtime", "gone-by-itself", NULL);
		left = ocid_test_wait_cgroup_gone(t, "gone-by-itself", 10000);
		g_assert_null(left);
		g_assert_false(g_file_test(runtime, G_FILE_TEST_EXISTS));
	}
	reply =
	    ocid_test_call(t, path, CONTAINER, "Delete", g_variant_new("(b)", FALSE), NULL, &error);
	g_assert_nonnull(error); /* the daemon died before it could answer */
	wait_daemon_died(t);
	assert_finished_after_restart(t, "gone-by-itself");
}

static gboolean
file_exists(gpointer path)
{
	return g_file_test(path, G_FILE_TEST_EXISTS);
}

static gboolean
no_monitor_of(gpointer id_arg)
{
	return ocid_test_count_monitors(id_arg) == 0;
}

/* The create's monitor makes the container's dir (monitor/bundle.h) and, with cgroupfs, its
 * group (monitor/cgroup.h). The daemon killed while it does (ocid-monitor-test holds it
 * where @hold_variable says): the restarted daemon takes the create down, the dir without a
 * record too; the monitor, let go on, finds its dir or its daemon gone before it runs the
 * runtime and removes what it made. Then nothing is left: no dir, group, monitor or
 * container. */
static void
killed_while_monitor_makes(const char *id, const char *hold_variable)
{
	OcidTest *t = ocid_test_get();
	g_autofree char *hold = NULL, *held = NULL, *config = NULL, *bundle = NULL;
	g_autofree char *id_arg = g_strdup_printf("--id %s ", id);
	gboolean answered = FALSE;
	gpointer data[] = { t, (gpointer)id };

	if (t == NULL) {
		g_test_skip("needs root");
		return;
	}
	if (t->system_mode || g_getenv("OCID_MONITOR_TEST") == NULL) {
		g_test_skip("needs the cgroupfs manager and ocid-monitor-test");
		return;
	}
	hold = g_build_filename(t->tmpdir, id, NULL);
	held = g_strconcat(hold, ".held", NULL);
	config = g_strdup_printf("monitor_path = %s\n"
				 "monitor_env = PATH=/usr/sbin:/usr/bin:/sbin:/bin;%s=%s\n",
				 g_getenv("OCID_MONITOR_TEST"), hold_variable, hold);
	ocid_test_restart_with_config(t, config);
	bundle = ocid_test_make_bundle(t, id, "sleep 300");
	g_dbus_connection_call(t->conn, "org.oci.Runtime", MANAGER_PATH, MANAGER, "CreateContainer",
			       g_variant_new("(sss@a{sv})", id, "", bundle,
					     g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)),
			       G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE, 30000, NULL,
			       ocid_test_call_answered, &answered);
	g_assert_true(ocid_test_wait_for(file_exists, held, 10000));
	g_assert_cmpuint(ocid_test_count_monitors(id_arg), ==, 1);
	ocid_test_kill_daemon(t);
	ocid_test_restart_with_config(t, NULL);
	g_assert_true(ocid_test_wait_for(container_gone, data, 30000));
	/* Let go: the monitor makes the rest, sees its daemon gone and takes it all back. */
	g_assert_true(g_file_set_contents(hold, "", 0, NULL));
	g_assert_true(ocid_test_wait_for(no_monitor_of, id_arg, 10000));
	g_assert_true(answered);
	ocid_test_assert_nothing_left(t, id);
}

static void
test_killed_while_monitor_makes_group(void)
{
	killed_while_monitor_makes("held-group", "OCID_MONITOR_HOLD_CGROUP");
}

/* Held with the dir made and no record in it yet. */
static void
test_killed_while_monitor_makes_dir(void)
{
	killed_while_monitor_makes("held-dir", "OCID_MONITOR_HOLD_BUNDLE");
}

static void
add_tests(void)
{
	g_test_add_func("/faults/teardown/killed-while-monitor-makes-group",
			test_killed_while_monitor_makes_group);
	g_test_add_func("/faults/teardown/killed-while-monitor-makes-dir",
			test_killed_while_monitor_makes_dir);
	g_test_add_func("/faults/teardown/delete", test_delete);
	g_test_add_func("/faults/teardown/delete-exited", test_delete_exited);
	g_test_add_func("/faults/teardown/failed-create", test_failed_create);
}

int
main(int argc, char **argv)
{
	return ocid_test_main(argc, argv, add_tests);
}
