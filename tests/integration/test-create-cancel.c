/* A create that fails, times out or is deleted halfway is undone whole: the caller gets a
 * named error, the daemon lives on (same pid), and nothing of the container is left (no
 * unit, no dir, no runtime state, no process), while processes outside it are untouched.
 * Runs on the private bus with the cgroupfs manager, and under a real systemd with the
 * systemd manager (tests/systemd), where these paths once reached freed memory. */
#include "ocid-test.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

static void
die_with_test(gpointer data)
{
	/* A test that aborts leaves no bystander behind. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* A process of the test's own, outside every container: no cleanup may signal it. */
static GPid
start_bystander(void)
{
	const char *argv[] = { "sleep", "600", NULL };
	g_autoptr(GError) error = NULL;
	GPid pid = 0;

	g_assert_true(g_spawn_async(NULL, (char **)argv, NULL,
				    G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, die_with_test,
				    NULL, &pid, &error));
	g_assert_no_error(error);
	return pid;
}

static void
assert_bystander_alive_and_end(GPid pid)
{
	g_autofree char *stat_path = g_strdup_printf("/proc/%d/stat", pid);
	g_autofree char *stat = ocid_test_read_file(stat_path);
	const char *state;

	g_assert_nonnull(stat);
	state = strrchr(stat, ')');
	g_assert_nonnull(state);
	/* Running or sleeping, not a zombie killed behind our back. */
	g_assert_true(state[2] == 'S' || state[2] == 'R');
	(void)kill(pid, SIGKILL);
	g_spawn_close_pid(pid);
}

/* Nothing of container @id is left anywhere. */
static GVariant *
no_options(void)
{
	return g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0);
}

/* Failing creates in a row: the log_path a directory (refused at once), and a runtime
 * that fails after the monitor started (a failing hook). Each is a named error from the
 * same daemon, and leaves nothing. */
static void
test_failing_creates(void)
{
	OcidTest *t = ocid_test_get();
	g_autofree char *bundle = NULL;
	g_autofree char *hooked = NULL;
	g_autofree char *log_dir = NULL;
	guint32 pid;
	GPid bystander;

	if (t == NULL) {
		g_test_skip("needs root");
		return;
	}
	bundle = ocid_test_make_bundle(t, "fails", "sleep 300");
	hooked = ocid_test_bundle_with_hook(t, "hookfails", "echo the hook refuses >&2; exit 1");
	log_dir = g_build_filename(t->tmpdir, "a-dir.log", NULL);
	g_assert_cmpint(g_mkdir_with_parents(log_dir, 0700), ==, 0);
	pid = ocid_test_daemon_pid(t);
	bystander = start_bystander();
	for (int i = 0; i < 20; i++) {
		g_autofree char *id = g_strdup_printf("core-%d", i);
		g_autoptr(GError) error = NULL;
		g_autofree char *path = NULL;
		GVariantBuilder b;

		g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
		g_variant_builder_add(&b, "{sv}", "log_path", g_variant_new_string(log_dir));
		path = ocid_test_create(t, id, "", bundle, g_variant_builder_end(&b), &error);
		ocid_test_assert_error(error, "InvalidArgument");
		ocid_test_assert_nothing_left(t, id);
	}
	for (int i = 0; i < 20; i++) {
		g_autofree char *id = g_strdup_printf("hook-%d", i);
		g_autoptr(GError) error = NULL;
		g_autofree char *path = ocid_test_create(t, id, "", hooked, NULL, &error);

		ocid_test_assert_error(error, "RuntimeFailed");
		/* runc passes the hook's stderr on; crun names the hook and its exit code. */
		if (g_str_equal(ocid_test_runtime_name(), "crun"))
			g_assert_nonnull(strstr(error->message, "error executing hook"));
		else
			g_assert_nonnull(strstr(error->message, "the hook refuses"));
		ocid_test_assert_nothing_left(t, id);
	}
	g_assert_cmpuint(ocid_test_daemon_pid(t), ==, pid);
	assert_bystander_alive_and_end(bystander);
}

static void
set_create_timeout(OcidTest *t, const char *lines)
{
	ocid_test_set_runtime_config(t, "create-timeout", lines);
}

/* A runtime that hangs past create_timeout (1 s here, far below the unit job's 60 s):
 * Timeout, and the hung runtime and its hook are gone with everything else, reaped. With
 * a terminal, `runc init` sits in a session of its own, which kill(-pgid) of the monitor's
 * group never reached: only the kill through the cgroup does. */
static void
create_times_out(OcidTest *t, const char *id, gboolean terminal)
{
	g_autofree char *hooked = NULL;
	g_autofree char *marker = NULL;
	g_autofree char *script = NULL;
	g_autofree char *path = NULL;
	g_autofree char *name = g_strdup_printf("hangs-%s", id);
	g_autoptr(GError) error = NULL;
	GVariantBuilder b;

	marker = g_build_filename(t->tmpdir, name, NULL);
	script = g_strdup_printf("touch %s; exec sleep 31", marker);
	hooked = ocid_test_bundle_with_hook(t, name, script);
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	if (terminal)
		g_variant_builder_add(&b, "{sv}", "terminal", g_variant_new_boolean(TRUE));
	path = ocid_test_create(t, id, "", hooked, g_variant_builder_end(&b), &error);
	ocid_test_assert_error(error, "Timeout");
	g_assert_true(g_file_test(marker, G_FILE_TEST_EXISTS));
	ocid_test_assert_nothing_left(t, id);
	{
		/* The hook's sleep was the runtime's child: it went with it. */
		const char *argv[] = { "pgrep", "-f", "^sleep 31$", NULL };
		int status = 0;
		g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL,
					   G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
					   NULL, NULL, NULL, &status, NULL));
		g_assert_false(g_spawn_check_wait_status(status, NULL));
	}
}

static void
test_create_timeout(void)
{
	OcidTest *t = ocid_test_get();
	g_autofree char *timeout_line = NULL;
	guint32 pid;
	GPid bystander;

	if (t == NULL) {
		g_test_skip("needs root");
		return;
	}
	/* 1 s, or longer where everything is slower (the emulated guest of tests/vm), so that
	 * the runtime reaches the hook; still below the hook's 31 s. */
	timeout_line = g_strdup_printf("create_timeout = %u", MIN(ocid_test_time_scale(), 20));
	set_create_timeout(t, timeout_line);
	pid = ocid_test_daemon_pid(t);
	bystander = start_bystander();
	create_times_out(t, "slow", FALSE);
	create_times_out(t, "slow-tty", TRUE);
	g_assert_cmpuint(ocid_test_daemon_pid(t), ==, pid);
	assert_bystander_alive_and_end(bystander);
	set_create_timeout(t, NULL);
}

typedef struct {
	gboolean done;
	GError *error;
} CallResult;

static void
on_create_reply(GObject *source, GAsyncResult *result, gpointer user_data)
{
	CallResult *r = user_data;
	g_autoptr(GVariant) reply =
	    g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &r->error);

	r->done = TRUE;
}

/* Delete(true) while the runtime is still creating: the create is cancelled (its caller
 * hears NoSuchContainer), the Delete succeeds, the id is free again; while it was being
 * created, its id and name were taken. */
static void
test_delete_during_create(void)
{
	OcidTest *t = ocid_test_get();
	g_autofree char *hooked = NULL;
	g_autofree char *marker = NULL;
	g_autofree char *script = NULL;
	g_autofree char *path = NULL;
	g_autofree char *plain = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	CallResult create = { 0 };
	guint32 pid;
	GPid bystander;

	if (t == NULL) {
		g_test_skip("needs root");
		return;
	}
	marker = g_build_filename(t->tmpdir, "slow-hook-ran", NULL);
	script = g_strdup_printf("touch %s; exec sleep 32", marker);
	hooked = ocid_test_bundle_with_hook(t, "slowcreate", script);
	plain = ocid_test_make_bundle(t, "plain", "sleep 300");
	pid = ocid_test_daemon_pid(t);
	bystander = start_bystander();
	g_dbus_connection_call(
	    t->conn, "org.oci.Runtime", MANAGER_PATH, MANAGER, "CreateContainer",
	    g_variant_new("(sss@a{sv})", "halfway", "halfname", hooked, no_options()),
	    G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE, 60000, NULL, on_create_reply, &create);
	g_assert_true(ocid_test_wait_file(marker, 20000));
	g_assert_false(create.done);

	/* Taken while it is being created, though not announced. */
	g_free(ocid_test_create(t, "halfway", "", plain, NULL, &error));
	ocid_test_assert_error(error, "ContainerExists");
	g_clear_error(&error);
	g_free(ocid_test_create(t, "other", "halfname", plain, NULL, &error));
	ocid_test_assert_error(error, "ContainerExists");
	g_clear_error(&error);

	path = g_strdup("/org/oci/Runtime/container/halfway");
	reply =
	    ocid_test_call(t, path, CONTAINER, "Delete", g_variant_new("(b)", FALSE), NULL, &error);
	ocid_test_assert_error(error, "InvalidState");
	g_clear_error(&error);
	reply =
	    ocid_test_call(t, path, CONTAINER, "Delete", g_variant_new("(b)", TRUE), NULL, &error);
	g_assert_no_error(error);
	while (!create.done)
		g_main_context_iteration(NULL, TRUE);
	ocid_test_assert_error(create.error, "NoSuchContainer");
	g_clear_error(&create.error);
	ocid_test_assert_nothing_left(t, "halfway");
	g_assert_false(ocid_test_saw_signal(t, "ContainerNew", NULL, "halfway"));

	/* The id is free again. */
	g_free(path);
	path = ocid_test_create(t, "halfway", "", plain, NULL, &error);
	g_assert_no_error(error);
	ocid_test_delete(t, path, TRUE);
	g_assert_cmpuint(ocid_test_daemon_pid(t), ==, pid);
	assert_bystander_alive_and_end(bystander);
}

static void
add_tests(void)
{
	g_test_add_func("/create-cancel/failing-creates", test_failing_creates);
	g_test_add_func("/create-cancel/create-timeout", test_create_timeout);
	g_test_add_func("/create-cancel/delete-during-create", test_delete_during_create);
}

int
main(int argc, char **argv)
{
	return ocid_test_main(argc, argv, add_tests);
}
