/* Every refusal of issue 2's list gets its named error, a message that says what to do,
 * and changes nothing: no container, no dir, no runtime state. */
#include "ocid-test.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static guint
container_count(OcidTest *t)
{
	g_autoptr(GVariant) count = ocid_test_get_property(t, MANAGER_PATH, "ContainerCount");

	return g_variant_get_uint32(count);
}

static guint
dir_entries(const char *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	guint n = 0;

	while (dir != NULL && g_dir_read_name(dir) != NULL)
		n++;
	return n;
}

/* Asserts that creating fails with @error_name, a message containing @hint, and that
 * nothing was left behind. */
static void
assert_create_refused(OcidTest *t, const char *id, const char *name, const char *bundle,
		      GVariant *options, const char *error_name, const char *hint)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	g_autofree char *containers_dir = g_build_filename(t->state_dir, "containers", NULL);
	g_autofree char *runtime_dir = g_build_filename(t->run_dir, "runtime", NULL);
	guint count = container_count(t);
	guint dirs = dir_entries(containers_dir);
	guint runtime_entries = dir_entries(runtime_dir);

	path = ocid_test_create(t, id, name, bundle, options, &error);
	g_assert_null(path);
	ocid_test_assert_error(error, error_name);
	if (strstr(error->message, hint) == NULL)
		g_error("message '%s' lacks '%s'", error->message, hint);
	g_assert_cmpuint(container_count(t), ==, count);
	g_assert_cmpuint(dir_entries(containers_dir), ==, dirs);
	g_assert_cmpuint(dir_entries(runtime_dir), ==, runtime_entries);
}

static GVariant *
one_option(const char *key, GVariant *value)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", key, value);
	return g_variant_builder_end(&b);
}

static void
test_create_refusals(void)
{
	OcidTest *t = ocid_test_get();
	g_autofree char *bundle = NULL;
	g_autofree char *no_config = NULL;
	g_autofree char *bad_json = NULL;
	g_autofree char *bad_json_file = NULL;
	g_autofree char *long_id = NULL;
	g_autofree char *existing = NULL;
	g_autoptr(GError) error = NULL;

	if (t == NULL) {
		g_test_skip("needs root for runc");
		return;
	}
	bundle = ocid_test_make_bundle(t, "good", "sleep 30");

	/* Ids with '/' or '..', and other bad ids. */
	assert_create_refused(t, "a/b", "", bundle, NULL, "InvalidArgument", "not valid");
	assert_create_refused(t, "..", "", bundle, NULL, "InvalidArgument", "not valid");
	assert_create_refused(t, "../../etc", "", bundle, NULL, "InvalidArgument", "not valid");
	assert_create_refused(t, "-x", "", bundle, NULL, "InvalidArgument", "not valid");
	long_id = g_strnfill(129, 'a');
	assert_create_refused(t, long_id, "", bundle, NULL, "InvalidArgument", "not valid");
	assert_create_refused(t, "ok-id", "bad/name", bundle, NULL, "InvalidArgument", "not valid");

	/* Bundles: missing, without config.json, with config.json that is not JSON. */
	assert_create_refused(t, "nobundle", "", "/nonexistent/bundle", NULL, "InvalidArgument",
			      "does not exist");
	assert_create_refused(t, "relbundle", "", "relative/bundle", NULL, "InvalidArgument",
			      "not absolute");
	no_config = g_build_filename(t->tmpdir, "bundles", "empty", NULL);
	g_assert_cmpint(g_mkdir_with_parents(no_config, 0700), ==, 0);
	assert_create_refused(t, "noconfig", "", no_config, NULL, "InvalidArgument",
			      "no config.json");
	bad_json = ocid_test_make_bundle(t, "badjson", "true");
	bad_json_file = g_build_filename(bad_json, "config.json", NULL);
	g_assert_true(g_file_set_contents(bad_json_file, "{ \"process\": ", -1, NULL));
	assert_create_refused(t, "badjson", "", bad_json, NULL, "InvalidArgument",
			      "not valid JSON");

	/* Options: unknown key, wrong type, bad values. */
	assert_create_refused(t, "opt1", "", bundle,
			      one_option("colour", g_variant_new_string("red")), "InvalidArgument",
			      "Unknown option 'colour'");
	assert_create_refused(t, "opt2", "", bundle,
			      one_option("terminal", g_variant_new_string("yes")),
			      "InvalidArgument", "must have type 'b'");
	assert_create_refused(t, "opt3", "", bundle,
			      one_option("labels", g_variant_new_string("a=b")), "InvalidArgument",
			      "must have type 'a{ss}'");
	assert_create_refused(t, "opt4", "", bundle,
			      one_option("log_path", g_variant_new_string("relative.log")),
			      "InvalidArgument", "absolute path");
	assert_create_refused(t, "opt5", "", bundle,
			      one_option("stop_signal", g_variant_new_string("SIGNOPE")),
			      "InvalidArgument", "is not a signal");

	/* Duplicates: the same id, and the same name. */
	existing = ocid_test_create(t, "dup", "dup-name", bundle, NULL, &error);
	g_assert_no_error(error);
	assert_create_refused(t, "dup", "other", bundle, NULL, "ContainerExists", "dup");
	assert_create_refused(t, "other", "dup-name", bundle, NULL, "ContainerExists", "dup-name");
	{
		g_autofree char *state = ocid_test_get_string(t, existing, "State");
		g_assert_cmpstr(state, ==, "created");
	}
	ocid_test_delete(t, existing, FALSE);
}

static void
test_unknown_container(void)
{
	OcidTest *t = ocid_test_get();
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;

	if (t == NULL) {
		g_test_skip("needs root for runc");
		return;
	}
	reply = ocid_test_call(t, MANAGER_PATH, MANAGER, "GetContainer",
			       g_variant_new("(s)", "does-not-exist"), "(o)", &error);
	ocid_test_assert_error(error, "NoSuchContainer");
	g_clear_error(&error);
	reply = ocid_test_call(t, "/org/oci/Runtime/container/does_2dnot", CONTAINER, "Start", NULL,
			       NULL, &error);
	ocid_test_assert_error(error, "NoSuchContainer");
}

/* A runtime that fails: RuntimeFailed with its stderr, nothing left behind. */
static void
test_runtime_failure(void)
{
	OcidTest *t = ocid_test_get();
	g_autofree char *bundle = NULL;
	g_autofree char *config_file = NULL;
	g_autofree char *config = NULL;
	g_autofree char *broken = NULL;
	GString *edited;

	if (t == NULL) {
		g_test_skip("needs root for runc");
		return;
	}
	/* A spec runc refuses: the process runs a binary the rootfs does not have. */
	bundle = ocid_test_make_bundle(t, "nobinary", "true");
	config_file = g_build_filename(bundle, "config.json", NULL);
	config = ocid_test_read_file(config_file);
	edited = g_string_new(config);
	g_string_replace(edited, "\"/bin/sh\"", "\"/bin/does-not-exist\"", 1);
	broken = g_string_free(edited, FALSE);
	g_assert_true(g_file_set_contents(config_file, broken, -1, NULL));
	assert_create_refused(t, "nobinary", "", bundle, NULL, "RuntimeFailed", "does-not-exist");
}

/* A runtime wrapper for the error paths a real runc does not produce on demand: it hangs
 * or fails at one verb and hands everything else to the real runtime. */
static char *
make_fake_runtime(OcidTest *t, const char *name, const char *verb, const char *action)
{
	char *path = g_build_filename(t->tmpdir, name, NULL);
	g_autofree char *script = g_strdup_printf("#!/bin/sh\n"
						  "for arg; do [ \"$arg\" = %s ] && { %s; }; done\n"
						  "exec %s \"$@\"\n",
						  verb, action, g_getenv("OCID_RUNTIME"));

	g_assert_true(g_file_set_contents(path, script, -1, NULL));
	g_assert_cmpint(chmod(path, 0755), ==, 0);
	return path;
}

/* create_timeout: a runtime that hangs on create fails CreateContainer with Timeout and
 * leaves nothing behind, not even the hung process. */
static void
test_create_timeout(void)
{
	OcidTest *t = ocid_test_get();
	g_autofree char *runtime = NULL;
	g_autofree char *bundle = NULL;
	g_autofree char *config = NULL;
	g_autofree char *pid_file = NULL;
	g_autofree char *action = NULL;
	g_autofree char *pid_text = NULL;
	gint64 before;

	if (t == NULL) {
		g_test_skip("needs root for runc");
		return;
	}
	pid_file = g_build_filename(t->tmpdir, "hanging-runtime.pid", NULL);
	action = g_strdup_printf("echo $$ > %s; exec sleep 31337", pid_file);
	runtime = make_fake_runtime(t, "hanging-runtime", "create", action);
	config = g_strdup_printf("runtime_path = %s\ncreate_timeout = 1\n", runtime);
	ocid_test_restart_with_config(t, config);
	bundle = ocid_test_make_bundle(t, "hangs", "true");
	before = g_get_monotonic_time();
	assert_create_refused(t, "hangs", "", bundle, NULL, "Timeout", "create_timeout");
	g_assert_cmpint(g_get_monotonic_time() - before, <, 5 * G_USEC_PER_SEC);
	/* The hung runtime (the shell that became sleep, same pid) goes away. */
	pid_text = ocid_test_read_file(pid_file);
	g_assert_nonnull(pid_text);
	g_assert_true(ocid_test_wait_pid_exit(atoi(pid_text), 5000));
	g_assert_cmpuint(ocid_test_count_processes("sleep 31337", NULL), ==, 0);
	ocid_test_restart_with_config(t, NULL);
}

/* SetStartFailed: the runtime refuses to start; the container is stopped with Error. */
static void
test_start_failed(void)
{
	OcidTest *t = ocid_test_get();
	g_autofree char *runtime = NULL;
	g_autofree char *bundle = NULL;
	g_autofree char *config = NULL;
	g_autofree char *path = NULL;
	g_autofree char *message = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;

	if (t == NULL) {
		g_test_skip("needs root for runc");
		return;
	}
	runtime = make_fake_runtime(t, "refusing-runtime", "start",
				    "echo 'start refused by the test runtime' >&2; exit 1");
	config = g_strdup_printf("runtime_path = %s\n", runtime);
	ocid_test_restart_with_config(t, config);
	bundle = ocid_test_make_bundle(t, "refused", "true");
	/* A poststart hook keeps Start on the runtime's own start (not the exec fifo). */
	ocid_test_add_poststart_hook(bundle, "true");
	path = ocid_test_create(t, "refused", "", bundle, NULL, &error);
	g_assert_no_error(error);
	reply = ocid_test_call(t, path, CONTAINER, "Start", NULL, NULL, &error);
	ocid_test_assert_error(error, "RuntimeFailed");
	g_assert_nonnull(strstr(error->message, "start refused by the test runtime"));
	{
		g_autofree char *state = ocid_test_get_string(t, path, "State");
		g_assert_cmpstr(state, ==, "stopped");
	}
	message = ocid_test_get_string(t, path, "Error");
	g_assert_nonnull(strstr(message, "start refused by the test runtime"));
	ocid_test_delete(t, path, TRUE);
	ocid_test_restart_with_config(t, NULL);
}

/* A missing runtime: RuntimeReady false, and creates fail saying what to fix. */
static void
test_runtime_missing(void)
{
	OcidTest *t = ocid_test_get();
	g_autofree char *bundle = NULL;
	g_autoptr(GVariant) ready = NULL;

	if (t == NULL) {
		g_test_skip("needs root for runc");
		return;
	}
	ocid_test_restart_with_config(t, "runtime_path = /nonexistent/runc\n");
	ready = ocid_test_get_property(t, MANAGER_PATH, "RuntimeReady");
	g_assert_false(g_variant_get_boolean(ready));
	bundle = ocid_test_make_bundle(t, "noruntime", "true");
	assert_create_refused(t, "noruntime", "", bundle, NULL, "RuntimeFailed", "runtime_path");
	ocid_test_restart_with_config(t, NULL);
	g_clear_pointer(&ready, g_variant_unref);
	ready = ocid_test_get_property(t, MANAGER_PATH, "RuntimeReady");
	g_assert_true(g_variant_get_boolean(ready));
}

/* With cgroupfs the monitor makes the container's group (monitor/cgroup.h): a group it
 * cannot make is ocid's own failure, told as Failed with the dir and the reason, not as
 * the runtime's, and nothing is left of the create. A parent below a cgroup's control
 * file cannot be made in any hierarchy (ENOTDIR). */
static void
test_cgroup_failure(void)
{
	OcidTest *t = ocid_test_get();
	g_autofree char *bundle = NULL;
	g_autofree char *config = NULL;

	if (t == NULL) {
		g_test_skip("needs root for runc");
		return;
	}
	config = g_strdup_printf("cgroup_parent = /%s/cgroup.procs\n", t->cgroup_parent);
	ocid_test_restart_with_config(t, config);
	bundle = ocid_test_make_bundle(t, "nogroup", "true");
	assert_create_refused(t, "nogroup", "", bundle, NULL, "Failed",
			      "/cgroup.procs/ocid-nogroup/supervisor: Not a directory");
	ocid_test_restart_with_config(t, NULL);
}

/* The monitor makes a first create's dir (monitor/bundle.h); one that is there already
 * (left over, with no container of its id loaded) is told as ContainerExists, in ocid's
 * words, not as the runtime's failure. */
static void
test_dir_left_over(void)
{
	OcidTest *t = ocid_test_get();
	g_autofree char *bundle = NULL;
	g_autofree char *dir = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	guint count;

	if (t == NULL) {
		g_test_skip("needs root for runc");
		return;
	}
	bundle = ocid_test_make_bundle(t, "leftover", "true");
	dir = g_build_filename(t->state_dir, "containers", "leftover", NULL);
	g_assert_cmpint(mkdir(dir, 0700), ==, 0);
	count = container_count(t);
	path = ocid_test_create(t, "leftover", "", bundle, NULL, &error);
	g_assert_null(path);
	ocid_test_assert_error(error, "ContainerExists");
	if (strstr(error->message, "already exists but no container of that id is loaded") == NULL)
		g_error("message '%s' lacks the reason", error->message);
	g_assert_nonnull(strstr(error->message, dir));
	g_assert_cmpuint(container_count(t), ==, count);
}

/* crun on a hybrid host whose cgroup2 has controllers (this machine kind): the runtime
 * runs (its version is reported) but cannot create containers, so RuntimeReady is false
 * and a create says why. Where crun can run (a pure v2 host), the VM lane runs every
 * suite with it instead. */
static void
test_runtime_host_unsupported(void)
{
	OcidTest *t = ocid_test_get();
	g_autofree char *bundle = NULL;
	g_autofree char *controllers = NULL;
	g_autofree char *name = NULL;
	g_autofree char *version = NULL;
	g_autoptr(GVariant) ready = NULL;
	const char *crun = "/usr/bin/crun";

	if (t == NULL) {
		g_test_skip("needs root for runc");
		return;
	}
	if (!g_file_test(crun, G_FILE_TEST_IS_EXECUTABLE) ||
	    !g_file_get_contents("/sys/fs/cgroup/unified/cgroup.controllers", &controllers, NULL,
				 NULL) ||
	    *g_strstrip(controllers) == '\0') {
		g_test_skip("needs crun on a hybrid host whose cgroup2 has controllers");
		return;
	}
	ocid_test_restart_with_config(t, "runtime_path = /usr/bin/crun\n");
	ready = ocid_test_get_property(t, MANAGER_PATH, "RuntimeReady");
	g_assert_false(g_variant_get_boolean(ready));
	name = ocid_test_get_string(t, MANAGER_PATH, "RuntimeName");
	version = ocid_test_get_string(t, MANAGER_PATH, "RuntimeVersion");
	g_assert_cmpstr(name, ==, "crun");
	g_assert_true(g_str_has_prefix(version, "crun version "));
	bundle = ocid_test_make_bundle(t, "nocrun", "true");
	assert_create_refused(t, "nocrun", "", bundle, NULL, "RuntimeFailed", "hybrid");
	ocid_test_restart_with_config(t, NULL);
}

/* The seed's Path(): privileged containers always use the trusted runtime; untrusted
 * ones, or all under trust_level = untrusted, the untrusted runtime when configured. */
static void
test_runtime_choice(void)
{
	OcidTest *t = ocid_test_get();
	g_autofree char *untrusted = NULL;
	g_autofree char *bundle = NULL;
	g_autofree char *config = NULL;
	g_autoptr(GVariant) untrusted_prop = NULL;
	const char *trusted = g_getenv("OCID_RUNTIME");
	struct {
		const char *id;
		gboolean trusted, privileged, level_untrusted;
		gboolean expect_untrusted;
	} cases[] = {
		{ "trusted-default", TRUE, FALSE, FALSE, FALSE },
		{ "untrusted", FALSE, FALSE, FALSE, TRUE },
		{ "untrusted-priv", FALSE, TRUE, FALSE, FALSE },
		{ "level-untrusted", TRUE, FALSE, TRUE, TRUE },
		{ "level-untrusted-priv", TRUE, TRUE, TRUE, FALSE },
	};

	if (t == NULL) {
		g_test_skip("needs root for runc");
		return;
	}
	untrusted = make_fake_runtime(t, "untrusted-runtime", "never-used-verb", "exit 1");
	bundle = ocid_test_make_bundle(t, "choice", "echo ran; true");
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *path = NULL;
		g_autofree char *runtime_path = NULL;
		GVariantBuilder opts;

		g_free(config);
		config =
		    g_strdup_printf("untrusted_runtime_path = %s\ntrust_level = %s\n", untrusted,
				    cases[i].level_untrusted ? "untrusted" : "trusted");
		if (i == 0 || cases[i].level_untrusted != cases[i - 1].level_untrusted)
			ocid_test_restart_with_config(t, config);
		g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
		g_variant_builder_add(&opts, "{sv}", "trusted",
				      g_variant_new_boolean(cases[i].trusted));
		g_variant_builder_add(&opts, "{sv}", "privileged",
				      g_variant_new_boolean(cases[i].privileged));
		path = ocid_test_create(t, cases[i].id, "", bundle, g_variant_builder_end(&opts),
					&error);
		g_assert_no_error(error);
		runtime_path = ocid_test_get_string(t, path, "RuntimePath");
		g_assert_cmpstr(runtime_path, ==, cases[i].expect_untrusted ? untrusted : trusted);
		/* The chosen runtime really runs it. */
		ocid_test_start(t, path);
		g_assert_true(ocid_test_wait_state(t, path, "stopped", 5000));
		g_assert_cmpint(ocid_test_get_int(t, path, "ExitCode"), ==, 0);
		ocid_test_delete(t, path, FALSE);
	}
	untrusted_prop = ocid_test_get_property(t, MANAGER_PATH, "UntrustedRuntimePath");
	g_assert_cmpstr(g_variant_get_string(untrusted_prop, NULL), ==, untrusted);
	ocid_test_restart_with_config(t, NULL);
}

static GVariant *
map_option(const char *key, guint entries, gsize key_len, gsize value_len)
{
	GVariantBuilder map;
	g_autofree char *value = g_strnfill(value_len, 'v');

	g_variant_builder_init(&map, G_VARIANT_TYPE("a{ss}"));
	for (guint i = 0; i < entries; i++) {
		g_autofree char *k = g_strnfill(key_len, 'k');
		g_autofree char *numbered = g_strdup_printf("%u%s", i, k);
		numbered[key_len] = '\0';
		g_variant_builder_add(&map, "{ss}", numbered, value);
	}
	return one_option(key, g_variant_builder_end(&map));
}

/* Bounded sizes for labels and annotations, symlinks refused for logs, private state. */
static void
test_input_bounds_and_modes(void)
{
	OcidTest *t = ocid_test_get();
	g_autofree char *bundle = NULL;
	g_autofree char *target = NULL;
	g_autofree char *link = NULL;
	g_autofree char *path = NULL;
	g_autofree char *target_text = NULL;
	g_autoptr(GError) error = NULL;
	struct stat st;

	if (t == NULL) {
		g_test_skip("needs root for runc");
		return;
	}
	bundle = ocid_test_make_bundle(t, "bounded", "sleep 30");
	assert_create_refused(t, "big1", "", bundle, map_option("labels", 1, 300, 1),
			      "InvalidArgument", "keys must be 1 to 253 bytes");
	assert_create_refused(t, "big2", "", bundle, map_option("annotations", 1, 8, 20000),
			      "InvalidArgument", "values at most 16384");
	assert_create_refused(t, "big3", "", bundle, map_option("labels", 1100, 8, 1),
			      "InvalidArgument", "more than 1024 entries");
	assert_create_refused(t, "big4", "", bundle, map_option("metadata", 1, 0, 1),
			      "InvalidArgument", "keys must be 1 to 253 bytes");
	assert_create_refused(t, "path1", "", bundle,
			      one_option("log_path", g_variant_new_string("/var/log/../../etc/x")),
			      "InvalidArgument", "without '..'");

	/* A log path that is a symlink is not followed: the create is refused at once, the
	 * target is untouched. */
	target = g_build_filename(t->tmpdir, "precious", NULL);
	link = g_build_filename(t->tmpdir, "sneaky.log", NULL);
	g_assert_true(g_file_set_contents(target, "do not touch\n", -1, NULL));
	g_assert_cmpint(symlink(target, link), ==, 0);
	assert_create_refused(t, "sneaky", "", bundle,
			      one_option("log_path", g_variant_new_string(link)), "InvalidArgument",
			      "sneaky.log");
	target_text = ocid_test_read_file(target);
	g_assert_cmpstr(target_text, ==, "do not touch\n");

	/* State files 0600, their dirs 0700. */
	path = ocid_test_create(t, "private", "", bundle, NULL, &error);
	g_assert_no_error(error);
	{
		g_autofree char *dir = ocid_test_get_string(t, path, "Dir");
		g_autofree char *state = ocid_test_get_string(t, path, "StatePath");
		g_autofree char *containers = g_build_filename(t->state_dir, "containers", NULL);
		g_autofree char *exits = g_build_filename(t->run_dir, "exits", NULL);
		const char *dirs[] = { t->state_dir, containers, dir, t->run_dir,
				       exits,        t->log_dir, NULL };
		for (int i = 0; dirs[i] != NULL; i++) {
			g_assert_cmpint(stat(dirs[i], &st), ==, 0);
			g_assert_cmpint(st.st_mode & 0777, ==, 0700);
		}
		g_assert_cmpint(stat(state, &st), ==, 0);
		g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	}
	ocid_test_delete(t, path, FALSE);
}

static void
add_tests(void)
{
	g_test_add_func("/errors/input-bounds-and-modes", test_input_bounds_and_modes);
	g_test_add_func("/errors/create-timeout", test_create_timeout);
	g_test_add_func("/errors/start-failed", test_start_failed);
	g_test_add_func("/errors/runtime-missing", test_runtime_missing);
	g_test_add_func("/errors/cgroup-failure", test_cgroup_failure);
	g_test_add_func("/errors/dir-left-over", test_dir_left_over);
	g_test_add_func("/errors/runtime-host-unsupported", test_runtime_host_unsupported);
	g_test_add_func("/errors/runtime-choice", test_runtime_choice);
	g_test_add_func("/errors/create-refusals", test_create_refusals);
	g_test_add_func("/errors/unknown-container", test_unknown_container);
	g_test_add_func("/errors/runtime-failure", test_runtime_failure);
}

int
main(int argc, char **argv)
{
	return ocid_test_main(argc, argv, add_tests);
}
