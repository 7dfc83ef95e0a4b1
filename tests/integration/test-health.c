/* Health checks run by ocid (issue 21, point 3): a check that tests a file goes healthy,
 * then unhealthy once the file is removed, with one PropertiesChanged per change of Health
 * however many checks ran; Healthcheck() runs one now; the check survives a daemon
 * restart; on_failure=restart restarts the
 * container, whatever its restart policy. */
#include "ocid-test.h"

#include <glib/gstdio.h>
#include <string.h>

/* A container that runs until stopped, with @dir bind-mounted at /flag and a check that
 * passes while /flag/ok exists. */
static char *
checked_container(OcidTest *t, const char *id, const char *dir, guint64 interval,
		  const char *on_failure, const char *policy)
{
	GVariantBuilder opts, vols, health;
	const char *const cmd[] = { "/bin/sh", "-c", "test -e /flag/ok", NULL };

	g_variant_builder_init(&vols, G_VARIANT_TYPE("a(ssb)"));
	g_variant_builder_add(&vols, "(ssb)", "/flag", dir, TRUE);
	g_variant_builder_init(&health, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&health, "{sv}", "cmd", g_variant_new_strv(cmd, -1));
	g_variant_builder_add(&health, "{sv}", "interval", g_variant_new_uint64(interval));
	g_variant_builder_add(&health, "{sv}", "timeout", g_variant_new_uint64(5));
	g_variant_builder_add(&health, "{sv}", "retries", g_variant_new_uint32(1));
	g_variant_builder_add(&health, "{sv}", "on_failure", g_variant_new_string(on_failure));
	g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&opts, "{sv}", "volumes", g_variant_builder_end(&vols));
	g_variant_builder_add(&opts, "{sv}", "healthcheck", g_variant_builder_end(&health));
	if (policy != NULL)
		g_variant_builder_add(&opts, "{sv}", "restart_policy",
				      g_variant_new_string(policy));
	/* Its stop signal ends it at once: as PID 1 it would ignore SIGTERM otherwise. */
	return ocid_test_make_container(
	    t, id, "trap 'exit 0' TERM; echo up; while true; do sleep 0.05; done",
	    g_variant_builder_end(&opts), TRUE);
}

static char *
flag_dir(OcidTest *t, const char *name)
{
	g_autofree char *dir = g_build_filename(t->tmpdir, name, NULL);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	return g_steal_pointer(&dir);
}

/* @name's flag dir, with the file "ok" in it that the check tests; returns that file. */
static char *
ok_flag(OcidTest *t, const char *name, char **dir)
{
	char *ok;

	*dir = flag_dir(t, name);
	ok = g_build_filename(*dir, "ok", NULL);
	g_assert_true(g_file_set_contents(ok, "", -1, NULL));
	return ok;
}

/* The Health values the PropertiesChanged signals of @path carried, in order. */
static char *
health_changes(OcidTest *t, const char *path)
{
	g_autoptr(GPtrArray) values = ocid_test_changed_values(t, path, "Health", 0);
	g_autoptr(GPtrArray) streaks = ocid_test_changed_values(t, path, "HealthFailingStreak", 0);
	GString *seen = g_string_new(NULL);

	/* The streak changes with every check: it is read, never announced. */
	g_assert_cmpuint(streaks->len, ==, 0);
	for (guint i = 0; i < values->len; i++)
		g_string_append_printf(seen, "%s%s", seen->len > 0 ? " " : "",
				       g_variant_get_string(g_ptr_array_index(values, i), NULL));
	return g_string_free(seen, FALSE);
}

static char *
healthcheck_now(OcidTest *t, const char *path)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply =
	    ocid_test_call(t, path, CONTAINER, "Healthcheck", NULL, "(s)", &error);
	char *health = NULL;

	g_assert_no_error(error);
	g_variant_get(reply, "(s)", &health);
	return health;
}

static void
test_healthy_then_unhealthy(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *dir = NULL;
	g_autofree char *ok = NULL;
	g_autofree char *path = NULL;
	g_autofree char *changes = NULL;
	g_autoptr(GVariant) log = NULL;

	if (t == NULL)
		return;
	ok = ok_flag(t, "health-flag", &dir);
	/* No timer check during the test: each check is the test's own call. */
	path = checked_container(t, "healthy", dir, 3600, "none", NULL);
	for (int i = 0; i < 3; i++) {
		g_autofree char *health = healthcheck_now(t, path);
		g_assert_cmpstr(health, ==, "healthy");
	}
	g_assert_cmpint(g_unlink(ok), ==, 0);
	for (int i = 0; i < 2; i++) {
		g_autofree char *health = healthcheck_now(t, path);
		g_assert_cmpstr(health, ==, "unhealthy");
	}
	{
		g_autoptr(GVariant) streak = ocid_test_get_property(t, path, "HealthFailingStreak");
		g_assert_cmpuint(g_variant_get_uint32(streak), ==, 2);
	}
	log = ocid_test_get_property(t, path, "HealthLog");
	g_assert_cmpuint(g_variant_n_children(log), ==, 5);
	/* One signal per change, none per check. */
	changes = health_changes(t, path);
	g_assert_cmpstr(changes, ==, "starting healthy unhealthy");

	/* The check survives a daemon restart: kept in state.json, begun again. */
	ocid_test_kill_daemon(t);
	g_assert_true(g_file_set_contents(ok, "", -1, NULL));
	ocid_test_start_daemon(t);
	{
		g_autoptr(GVariant) config = ocid_test_get_property(t, path, "HealthcheckConfig");
		guint64 interval = 0;
		g_assert_true(g_variant_lookup(config, "interval", "t", &interval));
		g_assert_cmpuint(interval, ==, 3600);
	}
	{
		g_autofree char *health = healthcheck_now(t, path);
		g_assert_cmpstr(health, ==, "healthy");
	}
	ocid_test_delete(t, path, TRUE);
}

/* On the timer, unhealthy with on_failure=restart: killed and made again. */
static void
test_on_failure_restart(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *dir = NULL;
	g_autofree char *ok = NULL;
	g_autofree char *path = NULL;
	g_autofree char *state = NULL;
	gint32 pid;

	if (t == NULL)
		return;
	ok = ok_flag(t, "restart-flag", &dir);
	path = checked_container(t, "unhealthy", dir, 1, "restart", NULL);
	pid = ocid_test_get_int(t, path, "Pid");
	g_assert_cmpint(g_unlink(ok), ==, 0);
	g_assert_true(ocid_test_wait_state(t, path, "stopped", 10000 * ocid_test_time_scale()));
	g_assert_true(g_file_set_contents(ok, "", -1, NULL));
	g_assert_true(ocid_test_wait_state(t, path, "running", 10000 * ocid_test_time_scale()));
	g_assert_cmpint(ocid_test_get_int(t, path, "Pid"), !=, pid);
	{
		g_autoptr(GVariant) count = ocid_test_get_property(t, path, "RestartCount");
		g_assert_cmpuint(g_variant_get_uint32(count), >=, 1);
	}
	state = ocid_test_get_string(t, path, "RestartPolicy");
	g_assert_cmpstr(state, ==, "no");
	ocid_test_delete(t, path, TRUE);
}

/* Unhealthy with on_failure=kill: SIGKILL, and its restart policy (on-failure here)
 * applies to that exit as to any other. */
static void
test_on_failure_kill(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *dir = NULL, *ok = NULL, *path = NULL;
	gint32 pid;

	if (t == NULL)
		return;
	ok = ok_flag(t, "kill-flag", &dir);
	path = checked_container(t, "killed", dir, 1, "kill", "on-failure");
	pid = ocid_test_get_int(t, path, "Pid");
	g_assert_cmpint(g_unlink(ok), ==, 0);
	g_assert_true(ocid_test_wait_state(t, path, "stopped", 10000 * ocid_test_time_scale()));
	g_assert_cmpint(ocid_test_get_int(t, path, "ExitCode"), ==, 128 + 9);
	/* Made again by its policy, unhealthy until the file is back. */
	g_assert_true(g_file_set_contents(ok, "", -1, NULL));
	g_assert_true(ocid_test_wait_state(t, path, "running", 10000 * ocid_test_time_scale()));
	g_assert_cmpint(ocid_test_get_int(t, path, "Pid"), !=, pid);
	ocid_test_delete(t, path, TRUE);
}

/* Unhealthy with on_failure=stop: stopped with its stop signal, as by a caller's Stop, so
 * that not even the policy always starts it again. */
static void
test_on_failure_stop(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *dir = NULL, *ok = NULL, *path = NULL, *exited = NULL, *log = NULL;
	g_autofree char *out = NULL;
	g_autoptr(GVariant) count = NULL;

	if (t == NULL)
		return;
	ok = ok_flag(t, "stop-flag", &dir);
	path = checked_container(t, "stopped-unhealthy", dir, 1, "stop", "always");
	g_assert_cmpint(g_unlink(ok), ==, 0);
	g_assert_true(ocid_test_wait_state(t, path, "stopped", 10000 * ocid_test_time_scale()));
	/* It took its stop signal (the trap's exit 0), not a SIGKILL. */
	g_assert_cmpint(ocid_test_get_int(t, path, "ExitCode"), ==, 0);
	count = ocid_test_get_property(t, path, "RestartCount");
	g_assert_cmpuint(g_variant_get_uint32(count), ==, 0);
	/* The restart decision is made with the exit, before its log line. */
	exited = g_strdup_printf("Container %s (%s) exited with code 0", "stopped-unhealthy",
				 "stopped-unhealthy");
	g_assert_true(ocid_test_wait_daemon_log(t, exited, 10000));
	if (!t->system_mode) {
		log = g_build_filename(t->tmpdir, "ocid.out", NULL);
		g_assert_true(g_file_get_contents(log, &out, NULL, NULL));
		g_assert_null(strstr(out, "Container stopped-unhealthy exited with code 0; "
					  "restarting it"));
	}
	{
		g_autofree char *state = ocid_test_get_string(t, path, "State");
		g_assert_cmpstr(state, ==, "stopped");
	}
	ocid_test_delete(t, path, TRUE);
}

static void
update_healthcheck(OcidTest *t, const char *path, GVariant *health)
{
	GVariantBuilder resources;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;

	g_variant_builder_init(&resources, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&resources, "{sv}", "healthcheck", health);
	reply = ocid_test_call(t, path, CONTAINER, "Update",
			       g_variant_new("(@a{sv})", g_variant_builder_end(&resources)), NULL,
			       &error);
	g_assert_no_error(error);
}

/* Update gives a running container a check, then takes it away. */
static void
test_update_healthcheck(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *path = NULL;
	g_autofree char *health = NULL;
	g_autofree char *changes = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	GVariantBuilder check;
	const char *const cmd[] = { "/bin/true", NULL };

	if (t == NULL)
		return;
	path = ocid_test_make_container(t, "later", "echo up; while true; do sleep 0.05; done",
					NULL, TRUE);
	g_variant_builder_init(&check, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&check, "{sv}", "cmd", g_variant_new_strv(cmd, -1));
	g_variant_builder_add(&check, "{sv}", "interval", g_variant_new_uint64(3600));
	update_healthcheck(t, path, g_variant_builder_end(&check));
	health = healthcheck_now(t, path);
	g_assert_cmpstr(health, ==, "healthy");
	update_healthcheck(t, path, g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0));
	changes = health_changes(t, path);
	g_assert_cmpstr(changes, ==, "starting healthy none");
	reply = ocid_test_call(t, path, CONTAINER, "Healthcheck", NULL, "(s)", &error);
	ocid_test_assert_error(error, "InvalidArgument");
	ocid_test_delete(t, path, TRUE);
}

static void
test_bad_healthcheck(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *bundle = NULL;
	g_autoptr(GError) error = NULL;
	GVariantBuilder opts, health;
	g_autofree char *path = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "badhealth", "true");
	g_variant_builder_init(&health, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&health, "{sv}", "on_failure", g_variant_new_string("reboot"));
	g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&opts, "{sv}", "healthcheck", g_variant_builder_end(&health));
	path = ocid_test_create(t, "badhealth", "badhealth", bundle, g_variant_builder_end(&opts),
				&error);
	ocid_test_assert_error(error, "InvalidArgument");
	g_assert_nonnull(strstr(error->message, "cmd"));
	g_assert_null(path);
}

static void
add_tests(void)
{
	g_test_add_func("/health/healthy-then-unhealthy", test_healthy_then_unhealthy);
	g_test_add_func("/health/on-failure-restart", test_on_failure_restart);
	g_test_add_func("/health/on-failure-kill", test_on_failure_kill);
	g_test_add_func("/health/on-failure-stop", test_on_failure_stop);
	g_test_add_func("/health/update-healthcheck", test_update_healthcheck);
	g_test_add_func("/health/bad-healthcheck", test_bad_healthcheck);
}

int
main(int argc, char **argv)
{
	return ocid_test_main(argc, argv, add_tests);
}
