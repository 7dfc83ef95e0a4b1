/* kill -9 of the daemon: containers keep running and stay controllable, and one that
 * exits while the daemon is down, or as soon as it is back, reports its real exit code
 * afterwards. Also a monitor killed under a running container, bad configuration refused
 * at start, a broken record skipped while the others are restored, and the paths ocid
 * derives the same before and after. */
#include "ocid-test.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* FDSize in the daemon's /proc status: the slots its fd table has. */
static unsigned
daemon_fd_table_size(OcidTest *t)
{
	g_autofree char *size = ocid_test_status_field((int)ocid_test_daemon_pid(t), "FDSize");

	g_assert_nonnull(size);
	return (unsigned)strtoul(size, NULL, 10);
}

static void
test_daemon_killed(void)
{
	OcidTest *t = ocid_test_get();
	g_autofree char *runner = NULL;
	g_autofree char *quitter = NULL;
	g_autofree char *fresh = NULL;
	g_autofree char *p_run = NULL;
	g_autofree char *p_quit = NULL;
	g_autofree char *p_fresh = NULL;
	g_autofree char *flag = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	gint32 run_pid;

	if (t == NULL) {
		g_test_skip("needs root for runc");
		return;
	}
	flag = g_build_filename(t->tmpdir, "bundles", "quit-now", NULL);
	runner = ocid_test_make_bundle(t, "runner",
				       "trap 'echo bye; exit 9' TERM; echo up; "
				       "while true; do sleep 0.05; done");
	/* Exits with 23 once the test creates the flag file (bind-mounted in). */
	quitter = ocid_test_make_bundle(t, "quitter",
					"while [ ! -e /flag/quit-now ]; do sleep 0.05; done; "
					"echo leaving; exit 23");
	fresh = ocid_test_make_bundle(t, "fresh", "sleep 30");
	p_run = ocid_test_create(t, "runner", "runner", runner, NULL, &error);
	g_assert_no_error(error);
	{
		GVariantBuilder opts, vols;
		g_autofree char *flag_dir = g_path_get_dirname(flag);
		g_variant_builder_init(&vols, G_VARIANT_TYPE("a(ssb)"));
		g_variant_builder_add(&vols, "(ssb)", "/flag", flag_dir, TRUE);
		g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
		g_variant_builder_add(&opts, "{sv}", "volumes", g_variant_builder_end(&vols));
		p_quit = ocid_test_create(t, "quitter", "quitter", quitter,
					  g_variant_builder_end(&opts), &error);
		g_assert_no_error(error);
	}
	p_fresh = ocid_test_create(t, "fresh", "fresh", fresh, NULL, &error);
	g_assert_no_error(error);
	ocid_test_start(t, p_run);
	ocid_test_start(t, p_quit);
	g_assert_true(ocid_test_wait_state(t, p_run, "running", 5000));
	g_assert_true(ocid_test_wait_state(t, p_quit, "running", 5000));
	run_pid = ocid_test_get_int(t, p_run, "Pid");

	ocid_test_kill_daemon(t);
	/* While the daemon is down, one container exits. */
	g_assert_true(g_file_set_contents(flag, "", -1, NULL));
	{
		/* Its monitor, alone now, records the exit: the file is the event. */
		g_autofree char *exit_file = g_build_filename(t->run_dir, "exits", "quitter", NULL);
		g_assert_true(ocid_test_wait_file(exit_file, 10000));
	}
	g_assert_cmpint(kill(run_pid, 0), ==, 0);
	ocid_test_start_daemon(t);
	/* Its fd table was grown for the containers on disk while it had one thread, past
	 * the 64 slots a process starts with, which these few do not fill (fd-table.c). */
	g_assert_cmpuint(daemon_fd_table_size(t), >, 64);

	{
		g_autofree char *state = ocid_test_get_string(t, p_run, "State");
		g_autofree char *quit_state = ocid_test_get_string(t, p_quit, "State");
		g_autofree char *fresh_state = ocid_test_get_string(t, p_fresh, "State");
		g_assert_cmpstr(state, ==, "running");
		g_assert_cmpint(ocid_test_get_int(t, p_run, "Pid"), ==, run_pid);
		g_assert_cmpstr(quit_state, ==, "stopped");
		g_assert_cmpint(ocid_test_get_int(t, p_quit, "ExitCode"), ==, 23);
		g_assert_cmpstr(fresh_state, ==, "created");
	}

	/* Still controllable: a created one starts, a running one stops with its code. */
	ocid_test_start(t, p_fresh);
	g_assert_true(ocid_test_wait_state(t, p_fresh, "running", 5000));
	reply = ocid_test_call(t, p_run, CONTAINER, "Stop", g_variant_new("(t)", (guint64)10), NULL,
			       &error);
	g_assert_no_error(error);
	g_assert_cmpint(ocid_test_get_int(t, p_run, "ExitCode"), ==, 9);
	{
		g_autofree char *log_path = ocid_test_get_string(t, p_run, "LogPath");
		g_autofree char *log = ocid_test_read_file(log_path);
		/* The monitor kept logging across the daemon's death. */
		g_assert_nonnull(strstr(log, " stdout F up\n"));
		g_assert_nonnull(strstr(log, " stdout F bye\n"));
	}
	ocid_test_delete(t, p_run, FALSE);
	ocid_test_delete(t, p_quit, FALSE);
	ocid_test_delete(t, p_fresh, TRUE);
}

/* A monitor killed with SIGKILL: the daemon takes over watching and still gets the
 * container's exit code, since orphans of its monitors are reparented to it. */
static void
test_monitor_killed(void)
{
	OcidTest *t = ocid_test_get();
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	int monitor_pid;
	int monitor_pidfd;

	if (t == NULL) {
		g_test_skip("needs root for runc");
		return;
	}
	bundle = ocid_test_make_bundle(
	    t, "orphan", "trap 'exit 5' TERM; echo ready; while true; do sleep 0.05; done");
	path = ocid_test_create(t, "orphan", "orphan", bundle, NULL, &error);
	g_assert_no_error(error);
	ocid_test_start(t, path);
	g_assert_true(ocid_test_wait_state(t, path, "running", 5000));
	/* The trap is set (Start may return before): the TERM of the Stop below must count. */
	g_assert_true(ocid_test_wait_output(t, path, "ready", 5000));
	monitor_pid = ocid_test_monitor_pid(t, path);
	g_assert_cmpint(monitor_pid, >, 1);
	monitor_pidfd = ocid_test_pidfd_open(monitor_pid);
	g_assert_cmpint(monitor_pidfd, >=, 0);
	g_assert_cmpint(kill(monitor_pid, SIGKILL), ==, 0);
	g_assert_true(ocid_test_wait_pidfd(monitor_pidfd, 5000));
	close(monitor_pidfd);
	/* The daemon says when it has taken over (daemon/manager.c monitor_gone()). */
	g_assert_true(ocid_test_wait_daemon_log(t, "is gone while the container runs", 5000));
	{
		g_autofree char *now = ocid_test_get_string(t, path, "State");
		g_assert_cmpstr(now, ==, "running");
	}
	reply = ocid_test_call(t, path, CONTAINER, "Stop", g_variant_new("(t)", (guint64)10), NULL,
			       &error);
	g_assert_no_error(error);
	g_assert_cmpint(ocid_test_get_int(t, path, "ExitCode"), ==, 5);
	ocid_test_delete(t, path, FALSE);
}

/* Bad configuration is refused at start with the file, key and reason. */
static void
test_bad_config_refused(void)
{
	OcidTest *t = ocid_test_get();
	g_autofree char *config = NULL;
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	g_autoptr(GError) error = NULL;
	int status = 0;
	const char *argv[] = { g_getenv("OCID_BINARY"), "--config", NULL, NULL };

	if (t == NULL) {
		g_test_skip("needs root for runc");
		return;
	}
	config = g_build_filename(t->tmpdir, "bad.conf", NULL);
	g_assert_true(g_file_set_contents(config, "[runtime]\ncreate_timeout = soon\n", -1, NULL));
	argv[2] = config;
	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
				   &err, &status, &error));
	g_assert_false(g_spawn_check_wait_status(status, NULL));
	g_assert_nonnull(strstr(err, config));
	g_assert_nonnull(strstr(err, "create_timeout"));
	g_assert_nonnull(strstr(err, "not an integer"));
	g_clear_pointer(&err, g_free);
	g_clear_pointer(&out, g_free);

	g_assert_true(
	    g_file_set_contents(config, "[runtime]\nruntime_pth = /usr/bin/runc\n", -1, NULL));
	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
				   &err, &status, &error));
	g_assert_false(g_spawn_check_wait_status(status, NULL));
	g_assert_nonnull(strstr(err, "runtime_pth"));
	g_assert_nonnull(strstr(err, "unknown key"));
}

/* Whether ListContainers holds the container @id. */
static gboolean
listed(OcidTest *t, const char *id)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) list = ocid_test_call(
	    t, MANAGER_PATH, MANAGER, "ListContainers",
	    g_variant_new("(@a{sv})", g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)),
	    "(a(sssto))", &error);
	g_autoptr(GVariantIter) iter = NULL;
	const char *listed_id;

	g_assert_no_error(error);
	g_variant_get(list, "(a(sssto))", &iter);
	while (g_variant_iter_loop(iter, "(&s&s&st&o)", &listed_id, NULL, NULL, NULL, NULL))
		if (g_str_equal(listed_id, id))
			return TRUE;
	return FALSE;
}

/* A record that cannot be read is skipped with a warning that names it, and the records
 * around it, loaded on the same threads, are restored all the same; once fixed, it is
 * restored at the next start. */
static void
test_broken_record(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	const char *ids[] = { "before-broken", "broken", "after-broken" };
	char *paths[G_N_ELEMENTS(ids)];
	g_autofree char *bundle = NULL;
	g_autofree char *record = NULL;
	g_autofree char *saved = NULL;
	gint32 pids[G_N_ELEMENTS(ids)];

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "steady", "sleep 60");
	for (gsize i = 0; i < G_N_ELEMENTS(ids); i++) {
		paths[i] = ocid_test_bring_up(t, ids[i], bundle, NULL, TRUE, NULL);
		pids[i] = ocid_test_get_int(t, paths[i], "Pid");
	}
	record = g_build_filename(t->state_dir, "containers", "broken", "state.json", NULL);
	g_assert_true(g_file_get_contents(record, &saved, NULL, NULL));

	ocid_test_kill_daemon(t);
	g_assert_true(g_file_set_contents(record, "{\n  \"version\" : 1,\n  \"id\" : ", -1, NULL));
	ocid_test_start_daemon(t);
	g_assert_true(ocid_test_wait_daemon_log(t, "/broken: ", 5000));
	g_assert_true(ocid_test_wait_daemon_log(t, "Fix or remove the file", 5000));
	g_assert_false(listed(t, "broken"));
	for (gsize i = 0; i < G_N_ELEMENTS(ids); i += 2) {
		g_autofree char *state = ocid_test_get_string(t, paths[i], "State");

		g_assert_true(listed(t, ids[i]));
		g_assert_cmpstr(state, ==, "running");
		g_assert_cmpint(ocid_test_get_int(t, paths[i], "Pid"), ==, pids[i]);
	}

	/* Fixed while the daemon is down, it is back: running, the same process. */
	ocid_test_kill_daemon(t);
	g_assert_true(g_file_set_contents(record, saved, -1, NULL));
	ocid_test_start_daemon(t);
	for (gsize i = 0; i < G_N_ELEMENTS(ids); i++) {
		g_autofree char *state = ocid_test_get_string(t, paths[i], "State");

		g_assert_cmpstr(state, ==, "running");
		g_assert_cmpint(ocid_test_get_int(t, paths[i], "Pid"), ==, pids[i]);
		ocid_test_delete(t, paths[i], TRUE);
		g_free(paths[i]);
	}
}

/* Containers that exit as soon as a restarted daemon answers, while it still takes up the
 * watch of their monitors: each is reported stopped with its code and its last output, and
 * its Delete leaves nothing behind. */
static void
test_exits_at_restart(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	const char *ids[] = { "leaver-a", "leaver-b", "leaver-c", "leaver-d", "leaver-e" };
	char *paths[G_N_ELEMENTS(ids)];
	g_autofree char *bundle = NULL;
	g_autofree char *flag = NULL;
	g_autofree char *flag_dir = NULL;

	if (t == NULL)
		return;
	flag = g_build_filename(t->tmpdir, "bundles", "leave-now", NULL);
	flag_dir = g_path_get_dirname(flag);
	bundle = ocid_test_make_bundle(t, "leaver",
				       "echo up; while [ ! -e /flag/leave-now ]; do sleep 0.01; "
				       "done; echo leaving; exit 23");
	for (gsize i = 0; i < G_N_ELEMENTS(ids); i++) {
		GVariantBuilder opts, vols;

		g_variant_builder_init(&vols, G_VARIANT_TYPE("a(ssb)"));
		g_variant_builder_add(&vols, "(ssb)", "/flag", flag_dir, TRUE);
		g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
		g_variant_builder_add(&opts, "{sv}", "volumes", g_variant_builder_end(&vols));
		paths[i] =
		    ocid_test_bring_up(t, ids[i], bundle, g_variant_builder_end(&opts), TRUE, "up");
	}

	ocid_test_kill_daemon(t);
	ocid_test_start_daemon(t);
	g_assert_true(g_file_set_contents(flag, "", -1, NULL));
	for (gsize i = 0; i < G_N_ELEMENTS(ids); i++) {
		g_assert_true(ocid_test_wait_state(t, paths[i], "stopped", 10000));
		g_assert_cmpint(ocid_test_get_int(t, paths[i], "ExitCode"), ==, 23);
		g_assert_true(ocid_test_wait_output(t, paths[i], "leaving", 5000));
		ocid_test_delete(t, paths[i], FALSE);
		ocid_test_assert_nothing_left(t, ids[i]);
		g_free(paths[i]);
	}
}

/* @record (state.json's text) has the string member @name set to @value. */
static void
assert_record_has(const char *record, const char *name, const char *value)
{
	g_autofree char *field = g_strdup_printf("\"%s\" : \"%s\"", name, value);

	g_assert_nonnull(strstr(record, field));
}

/* The paths a container derives from ocid's config and its id rather than keeps (its dir,
 * state.json, the log ocid names, the runtime's cgroup, SIGTERM) read as they always did,
 * over the bus and in its record, which keeps every field; and so after a restart from
 * that record. A log_path and stop signal the caller chose stay hers. */
static void
assert_paths(OcidTest *t, const char *path, const char *id, const char *log_path,
	     const char *stop_signal)
{
	g_autofree char *dir = ocid_test_get_string(t, path, "Dir");
	g_autofree char *state_path = ocid_test_get_string(t, path, "StatePath");
	g_autofree char *log = ocid_test_get_string(t, path, "LogPath");
	g_autofree char *signal = ocid_test_get_string(t, path, "StopSignal");
	g_autofree char *runtime = ocid_test_get_string(t, path, "RuntimePath");
	g_autofree char *group = ocid_test_get_string(t, path, "ControlGroup");
	g_autofree char *expected_dir = g_build_filename(t->state_dir, "containers", id, NULL);
	g_autofree char *expected_state = g_build_filename(expected_dir, "state.json", NULL);
	g_autofree char *record = NULL;
	g_autofree char *cgroups_path = NULL;

	g_assert_cmpstr(dir, ==, expected_dir);
	g_assert_cmpstr(state_path, ==, expected_state);
	g_assert_cmpstr(log, ==, log_path);
	g_assert_cmpstr(signal, ==, stop_signal);
	g_assert_cmpstr(runtime, ==, g_getenv("OCID_RUNTIME"));
	g_assert_true(g_file_get_contents(state_path, &record, NULL, NULL));
	assert_record_has(record, "dir", expected_dir);
	assert_record_has(record, "log_path", log_path);
	assert_record_has(record, "stop_signal", stop_signal);
	assert_record_has(record, "runtime_path", runtime);
	cgroups_path = g_strconcat(group, "/container", NULL);
	assert_record_has(record, "cgroups_path", cgroups_path);
}

static void
test_derived_paths(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *p_default = NULL;
	g_autofree char *p_own = NULL;
	g_autofree char *default_log = NULL;
	g_autofree char *own_log = NULL;
	GVariantBuilder opts;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "paths", "echo hello; sleep 60");
	default_log = g_build_filename(t->log_dir, "paths.log", NULL);
	own_log = g_build_filename(t->tmpdir, "own-paths.log", NULL);
	p_default = ocid_test_bring_up(t, "paths", bundle, NULL, TRUE, NULL);
	g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&opts, "{sv}", "log_path", g_variant_new_string(own_log));
	g_variant_builder_add(&opts, "{sv}", "stop_signal", g_variant_new_string("SIGINT"));
	p_own =
	    ocid_test_bring_up(t, "own-paths", bundle, g_variant_builder_end(&opts), TRUE, NULL);
	g_assert_true(ocid_test_wait_file_contains(default_log, "hello", 5000));
	g_assert_true(ocid_test_wait_file_contains(own_log, "hello", 5000));
	assert_paths(t, p_default, "paths", default_log, "SIGTERM");
	assert_paths(t, p_own, "own-paths", own_log, "SIGINT");

	ocid_test_kill_daemon(t);
	ocid_test_start_daemon(t);
	assert_paths(t, p_default, "paths", default_log, "SIGTERM");
	assert_paths(t, p_own, "own-paths", own_log, "SIGINT");

	/* Delete removes the log ocid named, and leaves hers. */
	ocid_test_delete(t, p_default, TRUE);
	ocid_test_delete(t, p_own, TRUE);
	g_assert_false(g_file_test(default_log, G_FILE_TEST_EXISTS));
	g_assert_true(g_file_test(own_log, G_FILE_TEST_EXISTS));
}

static void
add_tests(void)
{
	g_test_add_func("/restart/daemon-killed", test_daemon_killed);
	g_test_add_func("/restart/exits-at-restart", test_exits_at_restart);
	g_test_add_func("/restart/monitor-killed", test_monitor_killed);
	g_test_add_func("/restart/bad-config-refused", test_bad_config_refused);
	g_test_add_func("/restart/broken-record", test_broken_record);
	g_test_add_func("/restart/derived-paths", test_derived_paths);
}

int
main(int argc, char **argv)
{
	return ocid_test_main(argc, argv, add_tests);
}
