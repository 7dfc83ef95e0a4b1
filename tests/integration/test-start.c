/* Start's two paths with a real runc behind a wrapper that logs every call: through the
 * exec fifo (no `runc start` at all), and through `runc start` for a spec with a poststart
 * hook. Either way the runtime's own state agrees afterwards, and a container that dies at
 * once, before or right after its release, reports its real exit code. */
#include "ocid-test.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Restarts ocid with a runtime that appends its arguments to a log, then runs runc; its
 * `--version` is runc's, so ocid knows the protocol. Returns the log's path. */
static char *
use_logging_runtime(OcidTest *t)
{
	g_autofree char *runtime = g_build_filename(t->tmpdir, "logging-runtime", NULL);
	g_autofree char *config = NULL;
	g_autofree char *script = NULL;
	char *log = g_build_filename(t->tmpdir, "runtime-calls.log", NULL);

	script = g_strdup_printf("#!/bin/sh\necho \"$*\" >> %s\nexec %s \"$@\"\n", log,
				 g_getenv("OCID_RUNTIME"));
	g_assert_true(g_file_set_contents(runtime, script, -1, NULL));
	g_assert_cmpint(chmod(runtime, 0755), ==, 0);
	config = g_strdup_printf("runtime_path = %s\n", runtime);
	ocid_test_restart_with_config(t, config);
	return log;
}

/* Whether the runtime was called with @verb for container @id (its last argument). */
static gboolean
runtime_ran(const char *log, const char *verb, const char *id)
{
	g_autofree char *text = ocid_test_read_file(log);
	g_auto(GStrv) lines = g_strsplit(text != NULL ? text : "", "\n", -1);

	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) words = g_strsplit(lines[i], " ", -1);
		guint n = g_strv_length(words);
		gboolean has_verb = FALSE;

		for (guint w = 0; w + 1 < n; w++)
			has_verb = has_verb || g_str_equal(words[w], verb);
		if (has_verb && n > 0 && g_str_equal(words[n - 1], id))
			return TRUE;
	}
	return FALSE;
}

/* What `runc state` says of @id: its "status". */
static char *
runtime_status(OcidTest *t, const char *id)
{
	g_autofree char *root = g_build_filename(t->run_dir, "runtime", NULL);
	const char *argv[] = { g_getenv("OCID_RUNTIME"), "--root", root, "state", id, NULL };
	g_autofree char *out = NULL;
	g_autoptr(GRegex) re = g_regex_new("\"status\":\\s*\"([a-z]+)\"", 0, 0, NULL);
	g_autoptr(GMatchInfo) match = NULL;
	int status = 0;

	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
				   NULL, &out, NULL, &status, NULL));
	if (!g_regex_match(re, out, 0, &match))
		return NULL;
	return g_match_info_fetch(match, 1);
}

static char *
fifo_path(OcidTest *t, const char *id)
{
	return g_build_filename(t->run_dir, "runtime", id, "exec.fifo", NULL);
}

static void
assert_started_running(OcidTest *t, const char *path, const char *id)
{
	g_autofree char *state = NULL;
	g_autofree char *status = NULL;
	g_autofree char *fifo = fifo_path(t, id);

	ocid_test_start(t, path);
	/* Start replied: the process is released and the change is announced. */
	g_assert_true(ocid_test_wait_state(t, path, "running", 5000));
	state = ocid_test_get_string(t, path, "State");
	g_assert_cmpstr(state, ==, "running");
	status = runtime_status(t, id);
	g_assert_cmpstr(status, ==, "running");
	g_assert_false(g_file_test(fifo, G_FILE_TEST_EXISTS));
}

/* A container of @script, created; a poststart hook (when @hooked) keeps its Start on
 * the runtime's own start. */
static char *
create_container(OcidTest *t, const char *id, const char *script, gboolean hooked)
{
	g_autofree char *bundle = ocid_test_make_bundle(t, id, script);

	if (hooked)
		ocid_test_add_poststart_hook(bundle, "true");
	return ocid_test_bring_up(t, id, bundle, NULL, FALSE, NULL);
}

/* Through the fifo no `runc start` runs at all; with a poststart hook the runtime's own
 * start does. Either way the runtime says running afterwards, and the fifo is gone. */
static void
check_start_path(gboolean hooked)
{
	OcidTest *t = ocid_test_get();
	const char *id = hooked ? "by-runtime" : "by-fifo";
	g_autofree char *log = NULL;
	g_autofree char *path = NULL;
	g_autofree char *fifo = NULL;

	if (t == NULL) {
		g_test_skip("needs root for runc");
		return;
	}
	log = use_logging_runtime(t);
	path = create_container(t, id, "sleep 100", hooked);
	fifo = fifo_path(t, id);
	g_assert_true(g_file_test(fifo, G_FILE_TEST_EXISTS));
	assert_started_running(t, path, id);
	g_assert_true(runtime_ran(log, "create", id));
	g_assert_cmpint(runtime_ran(log, "start", id), ==, hooked);
	ocid_test_delete(t, path, TRUE);
	ocid_test_restart_with_config(t, NULL);
}

static void
test_exec_fifo(void)
{
	check_start_path(FALSE);
}

static void
test_poststart_hook_uses_runtime(void)
{
	check_start_path(TRUE);
}

/* Runs @check on a container started through the fifo, then through the runtime. */
static void
on_both_paths(void (*check)(OcidTest *t, const char *id, gboolean hooked), const char *name)
{
	OcidTest *t = ocid_test_get();

	if (t == NULL) {
		g_test_skip("needs root for runc");
		return;
	}
	for (gboolean hooked = FALSE; hooked <= TRUE; hooked++) {
		g_autofree char *id = g_strdup_printf("%s-%s", name, hooked ? "runtime" : "fifo");
		check(t, id, hooked);
	}
}

/* The process is gone as soon as it is released: Start still succeeds, and the exit code
 * is the process's own. */
static void
check_exits_at_once(OcidTest *t, const char *id, gboolean hooked)
{
	g_autofree char *path = create_container(t, id, "exit 7", hooked);

	ocid_test_start(t, path);
	g_assert_true(ocid_test_wait_state(t, path, "stopped", 10000));
	g_assert_cmpint(ocid_test_get_int(t, path, "ExitCode"), ==, 7);
	ocid_test_delete(t, path, FALSE);
}

/* The init dies just before Start: Start fails (the runtime's start, or the fifo nobody
 * will write), and the exit reported is the real one, SIGKILL's 137, not a failed start's. */
static void
check_dies_before_start(OcidTest *t, const char *id, gboolean hooked)
{
	g_autofree char *path = create_container(t, id, "sleep 100", hooked);
	g_autofree char *status = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GError) error = NULL;
	int pid;

	pid = ocid_test_get_int(t, path, "Pid");
	g_assert_cmpint(pid, >, 0);
	g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
	reply = ocid_test_call(t, path, CONTAINER, "Start", NULL, NULL, &error);
	g_assert_nonnull(error);
	g_assert_true(g_str_has_suffix(g_dbus_error_get_remote_error(error), ".RuntimeFailed") ||
		      g_str_has_suffix(g_dbus_error_get_remote_error(error), ".InvalidState"));
	g_assert_true(ocid_test_wait_state(t, path, "stopped", 10000));
	g_assert_cmpint(ocid_test_get_int(t, path, "ExitCode"), ==, 128 + SIGKILL);
	/* The runtime agrees, or no longer knows it: the cleanup at the exit removed it. */
	status = runtime_status(t, id);
	g_assert_true(status == NULL || g_str_equal(status, "stopped"));
	ocid_test_delete(t, path, FALSE);
}

static void
test_exits_at_once(void)
{
	on_both_paths(check_exits_at_once, "gone-at-once");
}

static void
test_dies_before_start(void)
{
	on_both_paths(check_dies_before_start, "killed");
}

/* CreateContainer with start: one call runs the container; the reply comes once it is
 * released, and a second Start is refused as for any started container. */
static void
test_create_option_start(void)
{
	OcidTest *t = ocid_test_get();
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autofree char *status = NULL;
	g_autofree char *state = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GError) error = NULL;
	GVariantBuilder options;

	if (t == NULL) {
		g_test_skip("needs root for runc");
		return;
	}
	bundle = ocid_test_make_bundle(t, "run-in-one-call", "sleep 100");
	g_variant_builder_init(&options, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&options, "{sv}", "start", g_variant_new_boolean(TRUE));
	path = ocid_test_create(t, "run-in-one-call", "", bundle, g_variant_builder_end(&options),
				&error);
	g_assert_no_error(error);
	state = ocid_test_get_string(t, path, "State");
	g_assert_cmpstr(state, ==, "running");
	status = runtime_status(t, "run-in-one-call");
	g_assert_cmpstr(status, ==, "running");
	reply = ocid_test_call(t, path, CONTAINER, "Start", NULL, NULL, &error);
	ocid_test_assert_error(error, "InvalidState");
	ocid_test_delete(t, path, TRUE);
}

static void
add_tests(void)
{
	g_test_add_func("/start/exec-fifo", test_exec_fifo);
	g_test_add_func("/start/poststart-hook-uses-runtime", test_poststart_hook_uses_runtime);
	g_test_add_func("/start/exits-at-once", test_exits_at_once);
	g_test_add_func("/start/dies-before-start", test_dies_before_start);
	g_test_add_func("/start/create-option-start", test_create_option_start);
}

int
main(int argc, char **argv)
{
	return ocid_test_main(argc, argv, add_tests);
}
