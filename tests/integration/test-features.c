/* The seed's API beyond the life cycle, on real runc containers: pause, update, OOM,
 * stop signals, trusted and untrusted runtimes. */
#include "ocid-test.h"

#include <gio/gunixsocketaddress.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static GVariant *
call_ok(OcidTest *t, const char *path, const char *method, GVariant *args)
{
	g_autoptr(GError) error = NULL;
	GVariant *reply = ocid_test_call(t, path, CONTAINER, method, args, NULL, &error);

	g_assert_no_error(error);
	return reply;
}

static gsize
file_size(const char *path)
{
	struct stat st;

	g_assert_cmpint(stat(path, &st), ==, 0);
	return (gsize)st.st_size;
}

/* A file of the container's own cgroup, found through /proc/<pid>/cgroup in the
 * hierarchy of @controller (the unified one on a pure v2 host). */
static char *
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

static GVariant *
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

static void
assert_update_refused(OcidTest *t, const char *path, GVariant *args, const char *hint)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply =
	    ocid_test_call(t, path, CONTAINER, "Update", args, NULL, &error);

	ocid_test_assert_error(error, "InvalidArgument");
	if (strstr(error->message, hint) == NULL)
		g_error("'%s' lacks '%s'", error->message, hint);
}

/* Update applies the seed's LinuxResources; the cgroup shows them. */
static void
test_update(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *path = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autofree char *memory = NULL;
	g_autofree char *shares = NULL;
	g_autofree char *quota = NULL;
	g_autofree char *period = NULL;
	g_autofree char *pids = NULL;
	g_autofree char *cpus = NULL;

	if (t == NULL)
		return;
	path = ocid_test_make_container(t, "limited", "sleep 30", NULL, TRUE);
	reply = call_ok(
	    t, path, "Update",
	    resources("memory_limit", g_variant_new_int64(64 * 1024 * 1024), "cpu_shares",
		      g_variant_new_uint64(512), "cpu_quota", g_variant_new_int64(50000),
		      "cpu_period", g_variant_new_uint64(100000), "pids_limit",
		      g_variant_new_int64(50), "cpuset_cpus", g_variant_new_string("0"), NULL));
	pids = cgroup_file(t, path, "pids", "pids.max");
	cpus = cgroup_file(t, path, "cpuset", "cpuset.cpus");
	g_assert_cmpstr(pids, ==, "50");
	g_assert_cmpstr(cpus, ==, "0");
	if (ocid_test_cgroup_v2()) {
		/* The v1-style keys converted as runc and crun convert them: cpu.weight
		 * 1 + (512 - 2) * 9999 / 262142 = 20, io.weight 1 + (100 - 10) * 9999 / 990 =
		 * 910, memory.swap.max = memory_swap - memory_limit. A memory_swap alone, which
		 * runc and crun refuse on v2, goes with the current memory limit. */
		g_autofree char *weight = NULL;
		g_autofree char *max = NULL;
		g_autofree char *io = NULL;
		g_autofree char *swap = NULL;

		memory = cgroup_file(t, path, NULL, "memory.max");
		weight = cgroup_file(t, path, NULL, "cpu.weight");
		max = cgroup_file(t, path, NULL, "cpu.max");
		g_assert_cmpstr(memory, ==, "67108864");
		g_assert_cmpstr(weight, ==, "20");
		g_assert_cmpstr(max, ==, "50000 100000");
		g_clear_pointer(&reply, g_variant_unref);
		reply = call_ok(t, path, "Update",
				resources("blkio_weight", g_variant_new_uint16(100), "memory_swap",
					  g_variant_new_int64(96 * 1024 * 1024), NULL));
		io = cgroup_file(t, path, NULL, "io.weight");
		swap = cgroup_file(t, path, NULL, "memory.swap.max");
		g_assert_cmpstr(io, ==, "default 910");
		g_assert_cmpstr(swap, ==, "33554432");
	} else {
		memory = cgroup_file(t, path, "memory", "memory.limit_in_bytes");
		shares = cgroup_file(t, path, "cpu", "cpu.shares");
		quota = cgroup_file(t, path, "cpu", "cpu.cfs_quota_us");
		period = cgroup_file(t, path, "cpu", "cpu.cfs_period_us");
		g_assert_cmpstr(memory, ==, "67108864");
		g_assert_cmpstr(shares, ==, "512");
		g_assert_cmpstr(quota, ==, "50000");
		g_assert_cmpstr(period, ==, "100000");
	}

	assert_update_refused(t, path, resources("memory", g_variant_new_int64(1), NULL),
			      "Unknown resource 'memory'");
	assert_update_refused(t, path, resources("memory_limit", g_variant_new_string("64M"), NULL),
			      "must have type 'x'");
	assert_update_refused(t, path, resources("blkio_weight", g_variant_new_uint16(5000), NULL),
			      "between 10 and 1000");
	assert_update_refused(t, path, resources("cpuset_cpus", g_variant_new_string("0-x"), NULL),
			      "list like");
	assert_update_refused(t, path, resources(NULL, NULL), "No resources given");
	ocid_test_delete(t, path, TRUE);
}

/* A container that exceeds its memory limit: stopped, OOMKilled, exit code 137. */
static void
test_oom_killed(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *path = NULL;
	g_autofree char *flag_dir = NULL;
	g_autofree char *flag = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) oom = NULL;
	GVariantBuilder opts, vols;

	if (t == NULL)
		return;
	flag_dir = g_build_filename(t->tmpdir, "oom-flag", NULL);
	g_assert_cmpint(g_mkdir_with_parents(flag_dir, 0700), ==, 0);
	flag = g_build_filename(flag_dir, "go", NULL);
	g_variant_builder_init(&vols, G_VARIANT_TYPE("a(ssb)"));
	g_variant_builder_add(&vols, "(ssb)", "/flag", flag_dir, TRUE);
	g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&opts, "{sv}", "volumes", g_variant_builder_end(&vols));
	/* tail keeps a line without newlines whole in memory: it grows until killed. */
	path = ocid_test_make_container(
	    t, "hungry", "while [ ! -e /flag/go ]; do sleep 0.05; done; tail /dev/zero",
	    g_variant_builder_end(&opts), TRUE);
	reply = call_ok(t, path, "Update",
			resources("memory_limit", g_variant_new_int64(16 * 1024 * 1024),
				  "memory_swap", g_variant_new_int64(16 * 1024 * 1024), NULL));
	g_assert_true(g_file_set_contents(flag, "", -1, NULL));
	g_assert_true(ocid_test_wait_state(t, path, "stopped", 20000));
	g_assert_cmpint(ocid_test_get_int(t, path, "ExitCode"), ==, 137);
	oom = ocid_test_get_property(t, path, "OOMKilled");
	g_assert_true(g_variant_get_boolean(oom));
	ocid_test_delete(t, path, FALSE);
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

static GVariant *
exec_sync(OcidTest *t, const char *path, const char *const *argv, guint64 timeout, GError **error)
{
	return ocid_test_call(t, path, CONTAINER, "ExecSync",
			      g_variant_new("(^ast)", (char **)argv, timeout), "(ayayib)", error);
}

typedef struct {
	GBytes *out;
	GBytes *err;
	gint32 exit_code;
	gboolean timed_out;
} ExecResult;

static void
exec_result_clear(ExecResult *r)
{
	g_clear_pointer(&r->out, g_bytes_unref);
	g_clear_pointer(&r->err, g_bytes_unref);
}

static void
unpack_exec(GVariant *reply, ExecResult *r)
{
	g_autoptr(GVariant) out = g_variant_get_child_value(reply, 0);
	g_autoptr(GVariant) err = g_variant_get_child_value(reply, 1);

	r->out = g_variant_get_data_as_bytes(out);
	r->err = g_variant_get_data_as_bytes(err);
	g_variant_get_child(reply, 2, "i", &r->exit_code);
	g_variant_get_child(reply, 3, "b", &r->timed_out);
}

static gboolean
bytes_equal_str(GBytes *b, const char *s)
{
	gsize len;
	const char *data = g_bytes_get_data(b, &len);

	return len == strlen(s) && (len == 0 || memcmp(data, s, len) == 0);
}

static void
on_exec_reply(GObject *source, GAsyncResult *res, gpointer user_data)
{
	ExecResult *r = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply =
	    g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);

	g_assert_no_error(error);
	unpack_exec(reply, r);
}

/* The seed's ExecSync: results, timeouts, runtime failures, large outputs, concurrency. */
static void
test_exec_sync(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	ExecResult r = { 0 };
	gint64 before;

	if (t == NULL)
		return;
	path = ocid_test_make_container(t, "execd", "sleep 60", NULL, TRUE);

	{
		const char *argv[] = { "/bin/sh", "-c", "echo hello; echo oops >&2", NULL };
		reply = exec_sync(t, path, argv, 10, &error);
		g_assert_no_error(error);
		unpack_exec(reply, &r);
		g_assert_true(bytes_equal_str(r.out, "hello\n"));
		g_assert_true(bytes_equal_str(r.err, "oops\n"));
		g_assert_cmpint(r.exit_code, ==, 0);
		g_assert_false(r.timed_out);
		exec_result_clear(&r);
		g_clear_pointer(&reply, g_variant_unref);
	}
	{
		/* A non-zero exit is a result, not an error. */
		const char *argv[] = { "/bin/sh", "-c", "echo failing; exit 3", NULL };
		reply = exec_sync(t, path, argv, 10, &error);
		g_assert_no_error(error);
		unpack_exec(reply, &r);
		g_assert_cmpint(r.exit_code, ==, 3);
		g_assert_true(bytes_equal_str(r.out, "failing\n"));
		exec_result_clear(&r);
		g_clear_pointer(&reply, g_variant_unref);
	}
	{
		/* A timeout is a result too: killed, output so far, timed_out, non-zero. (1 s
		 * here; the emulated guest of tests/vm needs more to start the command at all.) */
		const char *argv[] = { "/bin/sh", "-c", "echo started; exec sleep 31415", NULL };
		guint scale = ocid_test_time_scale();
		before = g_get_monotonic_time();
		reply = exec_sync(t, path, argv, scale, &error);
		g_assert_no_error(error);
		unpack_exec(reply, &r);
		g_assert_cmpint(g_get_monotonic_time() - before, <, 10 * scale * G_USEC_PER_SEC);
		g_assert_true(r.timed_out);
		g_assert_cmpint(r.exit_code, !=, 0);
		g_assert_true(bytes_equal_str(r.out, "started\n"));
		exec_result_clear(&r);
		g_clear_pointer(&reply, g_variant_unref);
		/* No exec process outlives its call. */
		{
			const char *ps[] = { "/bin/sh", "-c",
					     "for p in /proc/[0-9]*; do cat $p/cmdline; echo; done",
					     NULL };
			reply = exec_sync(t, path, ps, 10, &error);
			g_assert_no_error(error);
			unpack_exec(reply, &r);
			g_assert_null(g_strstr_len(g_bytes_get_data(r.out, NULL),
						   g_bytes_get_size(r.out), "31415"));
			exec_result_clear(&r);
			g_clear_pointer(&reply, g_variant_unref);
		}
	}
	{
		/* Large outputs come back whole up to 8 MiB a stream (the reply must fit the
		 * bus: docs/limits.md), and the command runs to its end. */
		const char *argv[] = { "/bin/sh", "-c",
				       "head -c 8388608 /dev/zero; "
				       "head -c 16777216 /dev/zero >&2; echo done",
				       NULL };
		reply = exec_sync(t, path, argv, 60, &error);
		g_assert_no_error(error);
		unpack_exec(reply, &r);
		g_assert_cmpuint(g_bytes_get_size(r.out), ==, 8388608);
		g_assert_cmpuint(g_bytes_get_size(r.err), ==, 8388608);
		g_assert_cmpint(r.exit_code, ==, 0);
		exec_result_clear(&r);
		g_clear_pointer(&reply, g_variant_unref);
	}
	{
		/* A runtime failure is RuntimeFailed with the runtime's words, which differ:
		 * runc stats the binary, crun looks it up in $PATH. */
		const char *argv[] = { "/no/such/binary", NULL };
		reply = exec_sync(t, path, argv, 10, &error);
		ocid_test_assert_error(error, "RuntimeFailed");
		g_assert_nonnull(strstr(error->message, "/no/such/binary"));
		if (g_str_equal(ocid_test_runtime_name(), "crun"))
			g_assert_nonnull(strstr(error->message, "not found in $PATH"));
		else
			g_assert_nonnull(strstr(error->message, "no such file or directory"));
		g_clear_error(&error);
	}
	{
		/* Concurrent ExecSyncs on one container. */
		ExecResult results[4] = { { 0 } };
		for (int i = 0; i < 4; i++) {
			g_autofree char *script = g_strdup_printf("sleep 0.3; echo call %d", i);
			const char *argv[] = { "/bin/sh", "-c", script, NULL };
			g_dbus_connection_call(
			    t->conn, "org.oci.Runtime", path, CONTAINER, "ExecSync",
			    g_variant_new("(^ast)", argv, (guint64)10), G_VARIANT_TYPE("(ayayib)"),
			    G_DBUS_CALL_FLAGS_NONE, 30000, NULL, on_exec_reply, &results[i]);
		}
		for (int i = 0; i < 4; i++) {
			g_autofree char *expected = g_strdup_printf("call %d\n", i);
			while (results[i].out == NULL)
				g_main_context_iteration(NULL, TRUE);
			g_assert_true(bytes_equal_str(results[i].out, expected));
			exec_result_clear(&results[i]);
		}
	}
	g_clear_pointer(&reply, g_variant_unref);
	reply = call_ok(t, path, "Stop", g_variant_new("(t)", (guint64)0));
	g_clear_pointer(&reply, g_variant_unref);
	{
		const char *argv[] = { "/bin/true", NULL };
		reply = exec_sync(t, path, argv, 10, &error);
		ocid_test_assert_error(error, "InvalidState");
	}
	ocid_test_delete(t, path, FALSE);
}

/* log_size_max: the log never grows past it, and the most recent output is kept (the
 * full log rotates to <log>.1). */
static void
test_log_size_max(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *path = NULL;
	g_autofree char *log_path = NULL;
	g_autofree char *rotated_path = NULL;
	g_autofree char *log = NULL;
	g_autofree char *rotated = NULL;
	g_autoptr(GVariant) max = NULL;

	if (t == NULL)
		return;
	ocid_test_restart_with_config(t, "log_size_max = 4096\n");
	max = ocid_test_get_property(t, MANAGER_PATH, "LogSizeMax");
	g_assert_cmpint(g_variant_get_int64(max), ==, 4096);
	/* About 20 KiB: five times the limit. */
	{
		/* It exits at once: no waiting for "running". */
		g_autofree char *bundle = ocid_test_make_bundle(
		    t, "chatty",
		    "i=0; while [ $i -lt 200 ]; do i=$((i+1)); "
		    "echo \"line $i ....................................................\"; "
		    "done; echo last-line");
		g_autoptr(GError) error = NULL;
		path = ocid_test_create(t, "chatty", "chatty", bundle, NULL, &error);
		g_assert_no_error(error);
		ocid_test_start(t, path);
	}
	g_assert_true(ocid_test_wait_state(t, path, "stopped", 10000));
	log_path = ocid_test_get_string(t, path, "LogPath");
	rotated_path = g_strconcat(log_path, ".1", NULL);
	g_assert_cmpuint(file_size(log_path), <=, 4096);
	g_assert_cmpuint(file_size(rotated_path), <=, 4096);
	g_assert_cmpuint(file_size(rotated_path), >, 2048);
	log = ocid_test_read_file(log_path);
	rotated = ocid_test_read_file(rotated_path);
	g_assert_nonnull(strstr(log, " stdout F last-line\n"));
	/* What rotated away is the output just before: nothing recent is lost. */
	g_assert_nonnull(strstr(rotated, " stdout F line "));
	ocid_test_delete(t, path, FALSE);
	ocid_test_restart_with_config(t, NULL);
}

static GSocketConnection *
attach(OcidTest *t, const char *id)
{
	g_autofree char *path = g_build_filename(t->run_dir, "attach", id, NULL);
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketAddress) address = g_unix_socket_address_new(path);
	g_autoptr(GError) error = NULL;
	GSocketConnection *conn =
	    g_socket_client_connect(client, G_SOCKET_CONNECTABLE(address), NULL, &error);

	g_assert_no_error(error);
	return conn;
}

/* Reads from the attach socket until @needle has been seen (or 10 s passed). */
static void
read_until(GSocketConnection *conn, const char *needle)
{
	GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
	GSocket *socket = g_socket_connection_get_socket(conn);
	g_autoptr(GString) seen = g_string_new(NULL);
	gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

	g_socket_set_timeout(socket, 10);
	while (strstr(seen->str, needle) == NULL && g_get_monotonic_time() < end) {
		char buf[1024];
		g_autoptr(GError) error = NULL;
		gssize n = g_input_stream_read(in, buf, sizeof buf, NULL, &error);

		g_assert_no_error(error);
		if (n <= 0)
			break;
		g_string_append_len(seen, buf, n);
	}
	if (strstr(seen->str, needle) == NULL)
		g_error("attach output '%s' lacks '%s'", seen->str, needle);
}

static void
send_text(GSocketConnection *conn, const char *text)
{
	GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
	g_autoptr(GError) error = NULL;

	g_assert_true(g_output_stream_write_all(out, text, strlen(text), NULL, NULL, &error));
	g_assert_no_error(error);
}

/* stdin and stdin_once: the attach socket streams stdin in and output out; stdin closes
 * when the first client leaves. terminal: the monitor holds the pty and logs its output. */
static void
test_attach_and_terminal(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *path = NULL;
	g_autofree char *tty_path = NULL;
	g_autofree char *log_path = NULL;
	g_autofree char *log = NULL;
	GVariantBuilder opts;
	GSocketConnection *conn;

	if (t == NULL)
		return;
	g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&opts, "{sv}", "stdin", g_variant_new_boolean(TRUE));
	g_variant_builder_add(&opts, "{sv}", "stdin_once", g_variant_new_boolean(TRUE));
	path =
	    ocid_test_make_container(t, "talker",
				     "[ -t 0 ] || echo no-tty; read line; echo \"got $line\"; cat; "
				     "echo stdin-closed",
				     g_variant_builder_end(&opts), TRUE);
	conn = attach(t, "talker");
	send_text(conn, "hello\n");
	read_until(conn, "got hello");
	send_text(conn, "echoed by cat\n");
	read_until(conn, "echoed by cat");
	g_object_unref(conn); /* detaching ends stdin (stdin_once): cat sees EOF */
	g_assert_true(ocid_test_wait_state(t, path, "stopped", 10000));
	g_assert_cmpint(ocid_test_get_int(t, path, "ExitCode"), ==, 0);
	log_path = ocid_test_get_string(t, path, "LogPath");
	log = ocid_test_read_file(log_path);
	g_assert_nonnull(strstr(log, " stdout F no-tty\n"));
	g_assert_nonnull(strstr(log, " stdout F got hello\n"));
	g_assert_nonnull(strstr(log, " stdout F stdin-closed\n"));
	ocid_test_delete(t, path, FALSE);
	g_clear_pointer(&log, g_free);
	g_clear_pointer(&log_path, g_free);

	g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&opts, "{sv}", "terminal", g_variant_new_boolean(TRUE));
	g_variant_builder_add(&opts, "{sv}", "stdin", g_variant_new_boolean(TRUE));
	tty_path = ocid_test_make_container(
	    t, "console", "[ -t 0 ] && echo has-a-tty; read x; echo \"answer $x\"; exit 5",
	    g_variant_builder_end(&opts), TRUE);
	{
		g_autoptr(GVariant) terminal = ocid_test_get_property(t, tty_path, "Terminal");
		g_assert_true(g_variant_get_boolean(terminal));
	}
	conn = attach(t, "console");
	send_text(conn, "42\n");
	read_until(conn, "answer 42");
	g_object_unref(conn);
	g_assert_true(ocid_test_wait_state(t, tty_path, "stopped", 10000));
	g_assert_cmpint(ocid_test_get_int(t, tty_path, "ExitCode"), ==, 5);
	log_path = ocid_test_get_string(t, tty_path, "LogPath");
	log = ocid_test_read_file(log_path);
	g_assert_nonnull(strstr(log, "has-a-tty"));
	g_assert_nonnull(strstr(log, "answer 42"));
	ocid_test_delete(t, tty_path, FALSE);
}

/* Restarts the daemon with ocid-monitor-test as its monitor, the test hook @hook set to
 * @value in the monitor's environment; FALSE (the test skipped) without that monitor. */
static gboolean
restart_with_test_monitor(OcidTest *t, const char *hook, const char *value)
{
	g_autofree char *config = NULL;

	if (g_getenv("OCID_MONITOR_TEST") == NULL) {
		g_test_skip("needs ocid-monitor-test (OCID_MONITOR_TEST)");
		return FALSE;
	}
	/* The hooks are in ocid-monitor-test only, the installed monitor has none. */
	config = g_strdup_printf("monitor_path = %s\n"
				 "monitor_env = PATH=/usr/sbin:/usr/bin:/sbin:/bin;%s=%s\n",
				 g_getenv("OCID_MONITOR_TEST"), hook, value);
	ocid_test_restart_with_config(t, config);
	return TRUE;
}

static char *
status_field(int pid, const char *field)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/status", pid);
	g_autofree char *status = ocid_test_read_file(path);
	g_auto(GStrv) lines = g_strsplit(status != NULL ? status : "", "\n", -1);
	g_autofree char *prefix = g_strconcat(field, ":", NULL);

	for (int i = 0; lines[i] != NULL; i++)
		if (g_str_has_prefix(lines[i], prefix))
			return g_strstrip(g_strdup(lines[i] + strlen(prefix)));
	return NULL;
}

/* The monitor hardens itself once the container runs: no-new-privs, only CAP_KILL left,
 * a seccomp allow-list that refuses what it does not need (a network socket). */
static void
test_monitor_hardened(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *probe = NULL;
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
	path = ocid_test_make_container(t, "guarded-monitor", "echo still logging; sleep 30", NULL,
					TRUE);
	monitor = ocid_test_monitor_pid(t, path);
	g_assert_true(ocid_test_wait_file_contains(probe, "\n", 5000)); /* written whole */
	probe_text = ocid_test_read_file(probe);
	g_assert_cmpstr(probe_text, ==, "socket: Operation not permitted\n");
	no_new_privs = status_field(monitor, "NoNewPrivs");
	seccomp = status_field(monitor, "Seccomp");
	cap_eff = status_field(monitor, "CapEff");
	cap_bnd = status_field(monitor, "CapBnd");
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
static void
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
	g_test_add_func("/features/volumes-netns-kept", test_volumes_netns_kept);
	g_test_add_func("/features/pause", test_pause);
	g_test_add_func("/features/update", test_update);
	g_test_add_func("/features/oom-killed", test_oom_killed);
	g_test_add_func("/features/stop-signal", test_stop_signal);
}

int
main(int argc, char **argv)
{
	return ocid_test_main(argc, argv, add_tests);
}
