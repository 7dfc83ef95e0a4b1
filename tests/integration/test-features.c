/* The seed's API beyond the life cycle, on real runc containers: pause, update, OOM,
 * stop signals, trusted and untrusted runtimes. */
#include "features-test.h"

GVariant *
call_ok(OcidTest *t, const char *path, const char *method, GVariant *args)
{
	g_autoptr(GError) error = NULL;
	GVariant *reply = ocid_test_call(t, path, CONTAINER, method, args, NULL, &error);

	g_assert_no_error(error);
	return reply;
}

gsize
file_size(const char *path)
{
	struct stat st;

	g_assert_cmpint(stat(path, &st), ==, 0);
	return (gsize)st.st_size;
}

/* A file of the container's own cgroup, found through /proc/<pid>/cgroup in the
 * hierarchy of @controller (the unified one on a pure v2 host). */
char *
cgroup_file(OcidTest *t, const char *path, const char *controller, const char *file)
{
	return ocid_test_cgroup_read(ocid_test_get_int(t, path, "Pid"), controller, file);
}

typedef struct {
	const char *path;
	gsize size;
} LogGrowth;

static gboolean
log_grew(gpointer data)
{
	LogGrowth *g = data;

	return file_size(g->path) > g->size;
}

/* Every task in the container's freezer cgroup is frozen: /proc says "D", the state the
 * v1 freezer leaves them in; on v2 the kernel reports the whole cgroup frozen in
 * cgroup.events only once every task is. */
static void
assert_all_tasks_frozen(OcidTest *t, const char *path)
{
	g_autofree char *tasks = NULL;

	if (ocid_test_cgroup_v2()) {
		g_autofree char *events = cgroup_file(t, path, NULL, "cgroup.events");
		g_assert_nonnull(strstr(events != NULL ? events : "", "frozen 1"));
		return;
	}
	tasks = cgroup_file(t, path, "freezer", "tasks");
	g_auto(GStrv) pids = g_strsplit(tasks != NULL ? tasks : "", "\n", -1);
	guint checked = 0;

	for (int i = 0; pids[i] != NULL; i++) {
		g_autofree char *status_path = NULL;
		g_autofree char *status = NULL;
		const char *state;

		if (*pids[i] == '\0')
			continue;
		status_path = g_strdup_printf("/proc/%s/status", pids[i]);
		status = ocid_test_read_file(status_path);
		if (status == NULL)
			continue;
		state = strstr(status, "\nState:\t");
		g_assert_nonnull(state);
		state += strlen("\nState:\t");
		if (*state != 'D')
			g_error("task %s of a paused container is not frozen: %.20s", pids[i],
				state);
		checked++;
	}
	g_assert_cmpuint(checked, >, 0);
}

/* A paused container's processes are really frozen: its counter stops advancing. */
static void
test_pause(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *path = NULL;
	g_autofree char *log = NULL;
	g_autofree char *freezer = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	gsize frozen_size;

	if (t == NULL)
		return;
	path = ocid_test_make_container(
	    t, "counter", "i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done", NULL, TRUE);
	log = ocid_test_get_string(t, path, "LogPath");
	reply = ocid_test_call(t, path, CONTAINER, "Unpause", NULL, NULL, &error);
	ocid_test_assert_error(error, "InvalidState");
	g_clear_error(&error);

	g_clear_pointer(&reply, g_variant_unref);
	reply = call_ok(t, path, "Pause", NULL);
	{
		g_autofree char *state = ocid_test_get_string(t, path, "State");
		g_assert_cmpstr(state, ==, "paused");
	}
	g_assert_true(ocid_test_saw_state_change(t, path, "paused"));
	if (ocid_test_cgroup_v2()) {
		freezer = cgroup_file(t, path, NULL, "cgroup.freeze");
		g_assert_cmpstr(freezer, ==, "1");
	} else {
		freezer = cgroup_file(t, path, "freezer", "freezer.state");
		g_assert_cmpstr(freezer, ==, "FROZEN");
	}
	/* Frozen, not merely quiet: the kernel holds every task of the cgroup in the
	 * refrigerator, so no amount of waiting would see the counter advance. */
	assert_all_tasks_frozen(t, path);
	frozen_size = file_size(log);

	g_clear_pointer(&reply, g_variant_unref);
	reply = ocid_test_call(t, path, CONTAINER, "Pause", NULL, NULL, &error);
	ocid_test_assert_error(error, "InvalidState");
	g_clear_error(&error);

	g_clear_pointer(&reply, g_variant_unref);
	reply = call_ok(t, path, "Unpause", NULL);
	g_assert_true(ocid_test_wait_state(t, path, "running", 10));
	if (ocid_test_cgroup_v2()) {
		g_autofree char *events = cgroup_file(t, path, NULL, "cgroup.events");
		g_assert_nonnull(strstr(events != NULL ? events : "", "frozen 0"));
	}
	{
		LogGrowth growth = { log, frozen_size };
		g_assert_true(ocid_test_wait_for(log_grew, &growth, 5000));
	}

	/* A paused container still stops: it is thawed so that it can act on the signal. */
	g_clear_pointer(&reply, g_variant_unref);
	reply = call_ok(t, path, "Pause", NULL);
	g_clear_pointer(&reply, g_variant_unref);
	reply = call_ok(t, path, "Stop", g_variant_new("(t)", (guint64)1));
	{
		g_autofree char *state = ocid_test_get_string(t, path, "State");
		g_assert_cmpstr(state, ==, "stopped");
	}
	ocid_test_delete(t, path, FALSE);
}

GVariant *
resources(const char *first_key, ...)
{
	GVariantBuilder b;
	va_list ap;
	const char *key = first_key;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	va_start(ap, first_key);
	while (key != NULL) {
		GVariant *value = va_arg(ap, GVariant *);
		g_variant_builder_add(&b, "{sv}", key, value);
		key = va_arg(ap, const char *);
	}
	va_end(ap);
	return g_variant_new("(@a{sv})", g_variant_builder_end(&b));
}

void
assert_update_refused(OcidTest *t, const char *path, GVariant *args, const char *hint)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply =
	    ocid_test_call(t, path, CONTAINER, "Update", args, NULL, &error);

	ocid_test_assert_error(error, "InvalidArgument");
	if (strstr(error->message, hint) == NULL)
		g_error("'%s' lacks '%s'", error->message, hint);
}

/* The stop signal: the option, else the image's annotation, else SIGTERM. */
static void
test_stop_signal(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *path = NULL;
	g_autofree char *image_bundle = NULL;
	g_autofree char *image_path = NULL;
	g_autofree char *config_file = NULL;
	g_autofree char *config = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	GVariantBuilder opts;
	GString *edited;

	if (t == NULL)
		return;
	g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&opts, "{sv}", "stop_signal", g_variant_new_string("SIGUSR2"));
	path = ocid_test_make_container(
	    t, "usr2",
	    "trap 'exit 12' USR2; trap '' TERM; echo ready; while true; do sleep 0.05; done",
	    g_variant_builder_end(&opts), TRUE);
	{
		g_autofree char *sig = ocid_test_get_string(t, path, "StopSignal");
		g_assert_cmpstr(sig, ==, "SIGUSR2");
	}
	g_assert_true(ocid_test_wait_output(t, path, "ready", 5000)); /* the traps are set */
	reply = call_ok(t, path, "Stop", g_variant_new("(t)", (guint64)10));
	g_assert_cmpint(ocid_test_get_int(t, path, "ExitCode"), ==, 12);
	ocid_test_delete(t, path, FALSE);

	/* The image config's stop signal, carried as the OCI annotation. */
	image_bundle = ocid_test_make_bundle(t, "imagesig", "sleep 30");
	config_file = g_build_filename(image_bundle, "config.json", NULL);
	config = ocid_test_read_file(config_file);
	edited = g_string_new(config);
	g_string_replace(edited, "\"hostname\"",
			 "\"annotations\": {\"org.opencontainers.image.stopSignal\": \"SIGINT\"}, "
			 "\"hostname\"",
			 1);
	g_assert_true(g_file_set_contents(config_file, edited->str, -1, NULL));
	g_string_free(edited, TRUE);
	image_path = ocid_test_create(t, "imagesig", "", image_bundle, NULL, &error);
	g_assert_no_error(error);
	{
		g_autofree char *sig = ocid_test_get_string(t, image_path, "StopSignal");
		g_assert_cmpstr(sig, ==, "SIGINT");
	}
	ocid_test_delete(t, image_path, FALSE);
}

/* Volumes become bind mounts (read-only honoured), netns_path joins that network
 * namespace, MountPoint and SeccompProfilePath are kept, across a restart too. */
static void
test_volumes_netns_kept(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *rw = NULL;
	g_autofree char *ro = NULL;
	g_autofree char *default_profile = NULL;
	g_autofree char *netns = NULL;
	g_autofree char *path = NULL;
	g_autofree char *log_path = NULL;
	g_autofree char *log = NULL;
	g_autofree char *written = NULL;
	g_autofree char *written_path = NULL;
	g_autofree char *expected_ns = NULL;
	g_autoptr(GError) error = NULL;
	GVariantBuilder opts, vols;
	struct stat st;
	int status = 0;
	const char *unshare_argv[] = { "unshare", NULL, "true", NULL };

	if (t == NULL)
		return;
	default_profile =
	    g_build_filename(g_getenv("OCID_SOURCE_DIR"), "data", "seccomp.json", NULL);
	rw = g_build_filename(t->tmpdir, "vol-rw", NULL);
	ro = g_build_filename(t->tmpdir, "vol-ro", NULL);
	g_assert_cmpint(g_mkdir_with_parents(rw, 0755), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(ro, 0755), ==, 0);
	/* A network namespace of our own, kept alive by a bind mount on a file. */
	netns = g_build_filename(t->tmpdir, "netns", NULL);
	g_assert_true(g_file_set_contents(netns, "", -1, NULL));
	unshare_argv[1] = g_strdup_printf("--net=%s", netns);
	g_assert_true(g_spawn_sync(NULL, (char **)unshare_argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
				   NULL, NULL, NULL, &status, &error));
	g_free((char *)unshare_argv[1]);
	g_assert_true(g_spawn_check_wait_status(status, NULL));
	g_assert_cmpint(stat(netns, &st), ==, 0);
	expected_ns = g_strdup_printf("net:[%lu]", (unsigned long)st.st_ino);

	g_variant_builder_init(&vols, G_VARIANT_TYPE("a(ssb)"));
	g_variant_builder_add(&vols, "(ssb)", "/rw", rw, FALSE);
	g_variant_builder_add(&vols, "(ssb)", "/ro", ro, TRUE);
	g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&opts, "{sv}", "volumes", g_variant_builder_end(&vols));
	g_variant_builder_add(&opts, "{sv}", "netns_path", g_variant_new_string(netns));
	g_variant_builder_add(&opts, "{sv}", "mount_point", g_variant_new_string("/srv/mnt/x"));
	g_variant_builder_add(&opts, "{sv}", "seccomp_profile_path",
			      g_variant_new_string(default_profile));
	path = ocid_test_make_container(t, "volumes",
					"echo data > /rw/file && echo rw-ok; "
					"echo data > /ro/file 2>/dev/null || echo ro-refused; "
					"readlink /proc/self/ns/net; sleep 30",
					g_variant_builder_end(&opts), TRUE);
	log_path = ocid_test_get_string(t, path, "LogPath");
	g_assert_true(ocid_test_wait_file_contains(log_path, "net:[", 5000));
	log = ocid_test_read_file(log_path);
	g_assert_nonnull(strstr(log, " stdout F rw-ok\n"));
	g_assert_nonnull(strstr(log, " stdout F ro-refused\n"));
	g_assert_nonnull(strstr(log, expected_ns));
	written_path = g_build_filename(rw, "file", NULL);
	written = ocid_test_read_file(written_path);
	g_assert_cmpstr(written, ==, "data\n");

	ocid_test_restart_with_config(t, NULL);
	{
		g_autofree char *mount_point = ocid_test_get_string(t, path, "MountPoint");
		g_autofree char *seccomp = ocid_test_get_string(t, path, "SeccompProfilePath");
		g_autofree char *ns = ocid_test_get_string(t, path, "NetNsPath");
		g_autoptr(GVariant) volumes = ocid_test_get_property(t, path, "Volumes");
		g_assert_cmpstr(mount_point, ==, "/srv/mnt/x");
		g_assert_cmpstr(seccomp, ==, default_profile);
		g_assert_cmpstr(ns, ==, netns);
		g_assert_cmpuint(g_variant_n_children(volumes), ==, 2);
	}
	ocid_test_delete(t, path, TRUE);
	g_assert_cmpint(umount(netns), ==, 0);
}

GVariant *
exec_sync(OcidTest *t, const char *path, const char *const *argv, guint64 timeout, GError **error)
{
	return ocid_test_call(t, path, CONTAINER, "ExecSync",
			      g_variant_new("(^ast)", (char **)argv, timeout), "(ayayib)", error);
}

void
exec_result_clear(ExecResult *r)
{
	g_clear_pointer(&r->out, g_bytes_unref);
	g_clear_pointer(&r->err, g_bytes_unref);
}

void
unpack_exec(GVariant *reply, ExecResult *r)
{
	g_autoptr(GVariant) out = g_variant_get_child_value(reply, 0);
	g_autoptr(GVariant) err = g_variant_get_child_value(reply, 1);

	r->out = g_variant_get_data_as_bytes(out);
	r->err = g_variant_get_data_as_bytes(err);
	g_variant_get_child(reply, 2, "i", &r->exit_code);
	g_variant_get_child(reply, 3, "b", &r->timed_out);
}

gboolean
bytes_equal_str(GBytes *b, const char *s)
{
	gsize len;
	const char *data = g_bytes_get_data(b, &len);

	return len == strlen(s) && (len == 0 || memcmp(data, s, len) == 0);
}

void
on_exec_reply(GObject *source, GAsyncResult *res, gpointer user_data)
{
	ExecResult *r = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply =
	    g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);

	g_assert_no_error(error);
	unpack_exec(reply, r);
}

/* seccomp_profile_path: a Docker/CRI profile becomes the container's filter; the shipped
 * default runs ordinary programs; bad profiles and capability names are refused. */
static void
test_seccomp_profiles(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *profile = NULL;
	g_autofree char *default_profile = NULL;
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autofree char *plain = NULL;
	g_autofree char *log_path = NULL;
	g_autofree char *log = NULL;
	g_autofree char *dir = NULL;
	g_autofree char *spec_file = NULL;
	g_autofree char *spec = NULL;
	g_autoptr(GError) error = NULL;
	GVariantBuilder opts;

	if (t == NULL)
		return;
	profile = g_build_filename(t->tmpdir, "no-mkdir.json", NULL);
	g_assert_true(g_file_set_contents(
	    profile,
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
	    "[\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
	    -1, NULL));
	bundle = ocid_test_make_bundle(
	    t, "filtered", "mkdir /tmp/made && echo mkdir-worked || echo mkdir-refused");
	g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&opts, "{sv}", "seccomp_profile_path", g_variant_new_string(profile));
	path = ocid_test_create(t, "filtered", "", bundle, g_variant_builder_end(&opts), &error);
	g_assert_no_error(error);
	dir = ocid_test_get_string(t, path, "Dir");
	spec_file = g_build_filename(dir, "config.json", NULL);
	spec = ocid_test_read_file(spec_file);
	g_assert_nonnull(strstr(spec, "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\""));
	ocid_test_start(t, path);
	g_assert_true(ocid_test_wait_state(t, path, "stopped", 10000));
	log_path = ocid_test_get_string(t, path, "LogPath");
	log = ocid_test_read_file(log_path);
	g_assert_nonnull(strstr(log, " stdout F mkdir-refused\n"));
	ocid_test_delete(t, path, FALSE);

	/* The shipped default profile lets an ordinary container do its work. */
	default_profile =
	    g_build_filename(g_getenv("OCID_SOURCE_DIR"), "data", "seccomp.json", NULL);
	g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&opts, "{sv}", "seccomp_profile_path",
			      g_variant_new_string(default_profile));
	plain = ocid_test_create(t, "defaulted", "", bundle, g_variant_builder_end(&opts), &error);
	g_assert_no_error(error);
	ocid_test_start(t, plain);
	g_assert_true(ocid_test_wait_state(t, plain, "stopped", 10000));
	g_assert_cmpint(ocid_test_get_int(t, plain, "ExitCode"), ==, 0);
	ocid_test_delete(t, plain, FALSE);

	/* Refusals. */
	g_assert_true(g_file_set_contents(
	    profile,
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
	    "[\"mkdir\", \"makedir\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
	    -1, NULL));
	g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&opts, "{sv}", "seccomp_profile_path", g_variant_new_string(profile));
	g_assert_null(
	    ocid_test_create(t, "badprofile", "", bundle, g_variant_builder_end(&opts), &error));
	ocid_test_assert_error(error, "InvalidArgument");
	g_assert_nonnull(strstr(error->message, "unknown syscalls: makedir"));
	g_clear_error(&error);
	{
		g_autofree char *config_file = g_build_filename(bundle, "config.json", NULL);
		g_autofree char *config = ocid_test_read_file(config_file);
		GString *edited = g_string_new(config);
		g_string_replace(edited, "\"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"",
				 "\"CAP_KILL\", \"CAP_FLY\"", 1);
		g_assert_true(g_file_set_contents(config_file, edited->str, -1, NULL));
		g_string_free(edited, TRUE);
		g_assert_null(ocid_test_create(t, "badcap", "", bundle, NULL, &error));
		ocid_test_assert_error(error, "InvalidArgument");
		g_assert_nonnull(strstr(error->message, "CAP_FLY"));
	}
}

static void
add_tests(void)
{
	g_test_add_func("/features/seccomp-profiles", test_seccomp_profiles);
	g_test_add_func("/features/monitor-hardened", test_monitor_hardened);
	g_test_add_func("/features/exit-before-monitor-exit", test_exit_before_monitor_exit);
	g_test_add_func("/features/attach-and-terminal", test_attach_and_terminal);
	g_test_add_func("/features/log-size-max", test_log_size_max);
	g_test_add_func("/features/exec-sync", test_exec_sync);
	g_test_add_func("/features/exec-sync-deleted", test_exec_sync_deleted);
	g_test_add_func("/features/volumes-netns-kept", test_volumes_netns_kept);
	g_test_add_func("/features/pause", test_pause);
	g_test_add_func("/features/update", test_update);
	g_test_add_func("/features/env", test_env);
	g_test_add_func("/features/oom-killed", test_oom_killed);
	g_test_add_func("/features/stop-signal", test_stop_signal);
}

int
main(int argc, char **argv)
{
	return ocid_test_main(argc, argv, add_tests);
}
