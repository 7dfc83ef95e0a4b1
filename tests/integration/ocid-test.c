#include "ocid-test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static OcidTest *the_test;
static char *extra_config;

void
ocid_test_set_extra_config(const char *lines)
{
	g_free(extra_config);
	extra_config = g_strdup(lines);
}

char *
ocid_test_read_file(const char *path)
{
	char *data = NULL;

	if (!g_file_get_contents(path, &data, NULL, NULL))
		return NULL;
	return data;
}

gboolean
ocid_test_cgroup_v2(void)
{
	struct statfs fs;

	return statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

/* Lines "ID:CONTROLLERS:PATH": v2's is "0::PATH"; v1's name their controllers
 * ("4:cpu,cpuacct:/x") or a named hierarchy ("1:name=systemd:/x"). */
char *
ocid_test_cgroup_of(int pid, const char *controller)
{
	g_autofree char *file = g_strdup_printf("/proc/%d/cgroup", pid);
	g_autofree char *text = ocid_test_read_file(file);
	g_auto(GStrv) lines = NULL;
	gboolean unified = controller == NULL || ocid_test_cgroup_v2();
	g_autofree char *named = controller != NULL ? g_strdup_printf("name=%s", controller) : NULL;

	if (text == NULL)
		return NULL;
	lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) parts = g_strsplit(lines[i], ":", 3);
		g_auto(GStrv) controllers = NULL;

		if (g_strv_length(parts) != 3)
			continue;
		if (unified) {
			if (g_str_equal(parts[0], "0") && *parts[1] == '\0')
				return g_strdup(parts[2]);
			continue;
		}
		controllers = g_strsplit(parts[1], ",", -1);
		if (g_strv_contains((const char *const *)controllers, controller) ||
		    g_strv_contains((const char *const *)controllers, named))
			return g_strdup(parts[2]);
	}
	return NULL;
}

char *
ocid_test_cgroup_dir(int pid, const char *controller)
{
	g_autofree char *path = ocid_test_cgroup_of(pid, controller);
	g_autofree char *mount_dir = NULL;
	g_autofree char *comounted = NULL;
	const char *mount;

	if (path == NULL)
		return NULL;
	if (ocid_test_cgroup_v2())
		return g_strdup_printf("/sys/fs/cgroup%s", g_str_equal(path, "/") ? "" : path);
	mount = controller != NULL ? controller : "unified";
	/* Co-mounted controllers have one dir ("cpu,cpuacct"), with symlinks or not. */
	mount_dir = g_build_filename("/sys/fs/cgroup", mount, NULL);
	if (!g_file_test(mount_dir, G_FILE_TEST_IS_DIR)) {
		g_autoptr(GDir) all = g_dir_open("/sys/fs/cgroup", 0, NULL);
		const char *name;

		while (all != NULL && (name = g_dir_read_name(all)) != NULL) {
			g_auto(GStrv) names = g_strsplit(name, ",", -1);

			if (g_strv_contains((const char *const *)names, controller)) {
				mount = comounted = g_strdup(name);
				break;
			}
		}
	}
	return g_strdup_printf("/sys/fs/cgroup/%s%s", mount, g_str_equal(path, "/") ? "" : path);
}

char *
ocid_test_cgroup_read(int pid, const char *controller, const char *file)
{
	g_autofree char *dir = ocid_test_cgroup_dir(pid, controller);
	g_autofree char *path = NULL;
	char *data;

	if (dir == NULL)
		return NULL;
	path = g_build_filename(dir, file, NULL);
	data = ocid_test_read_file(path);
	return data != NULL ? g_strstrip(data) : NULL;
}

gboolean
ocid_test_cgroup_exists(const char *path)
{
	g_autoptr(GDir) hierarchies = g_dir_open("/sys/fs/cgroup", 0, NULL);
	g_autofree char *top = g_build_filename("/sys/fs/cgroup", path, NULL);
	const char *h;

	if (g_file_test(top, G_FILE_TEST_IS_DIR))
		return TRUE;
	while (!ocid_test_cgroup_v2() && hierarchies != NULL &&
	       (h = g_dir_read_name(hierarchies)) != NULL) {
		g_autofree char *dir = g_build_filename("/sys/fs/cgroup", h, path, NULL);

		if (g_file_test(dir, G_FILE_TEST_IS_DIR))
			return TRUE;
	}
	return FALSE;
}

const char *
ocid_test_runtime_name(void)
{
	static char *name;
	const char *path = g_getenv("OCID_RUNTIME");

	if (name == NULL)
		name = g_path_get_basename(path != NULL ? path : "runc");
	return name;
}

guint
ocid_test_time_scale(void)
{
	const char *scale = g_getenv("OCID_TEST_TIME_SCALE");
	guint value = scale != NULL ? (guint)atoi(scale) : 1;

	return value > 0 ? value : 1;
}

static const char *
env_or_die(const char *name)
{
	const char *value = g_getenv(name);

	if (value == NULL)
		g_error("%s is not set; run the tests through meson test", name);
	return value;
}

static void
on_signal(GDBusConnection *conn, const char *sender, const char *path, const char *interface,
	  const char *member, GVariant *params, gpointer user_data)
{
	OcidTest *t = user_data;

	g_ptr_array_add(t->signals, g_variant_ref_sink(
					g_variant_new("(sss@*)", path, interface, member, params)));
}

/* Pids for the guard process, which cleans up when a test aborts. */
static void
write_pid(OcidTest *t, const char *name, GPid pid)
{
	g_autofree char *path = g_build_filename(t->tmpdir, name, NULL);
	g_autofree char *text = g_strdup_printf("%d\n", (int)pid);

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void
start_bus(OcidTest *t)
{
	g_autofree char *conf_path = g_build_filename(t->tmpdir, "bus.conf", NULL);
	g_autofree char *socket = g_build_filename(t->tmpdir, "bus.sock", NULL);
	g_autofree char *conf = NULL;
	g_autofree char *out = NULL;
	g_autoptr(GError) error = NULL;
	const char *argv[] = { "dbus-daemon", NULL, "--nofork", "--print-pid", NULL };
	int out_fd = -1;
	char buf[64] = { 0 };
	ssize_t n;

	/* A system-type bus of its own: ocid owns its name there as on the real one. */
	conf =
	    g_strdup_printf("<busconfig><type>system</type><listen>unix:path=%s</listen>"
			    "<auth>EXTERNAL</auth><policy context=\"default\">"
			    "<allow user=\"*\"/><allow own=\"*\"/><allow send_destination=\"*\"/>"
			    "<allow receive_sender=\"*\"/></policy></busconfig>",
			    socket);
	g_assert_true(g_file_set_contents(conf_path, conf, -1, NULL));
	argv[1] = g_strdup_printf("--config-file=%s", conf_path);
	g_assert_true(g_spawn_async_with_pipes(
	    NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
	    &t->bus_pid, NULL, &out_fd, NULL, &error));
	g_free((char *)argv[1]);
	n = read(out_fd, buf, sizeof buf - 1); /* the pid line means it listens */
	g_assert_cmpint(n, >, 0);
	close(out_fd);
	t->bus_address = g_strdup_printf("unix:path=%s", socket);
}

static void
connect_bus(OcidTest *t)
{
	g_autoptr(GError) error = NULL;

	t->conn = g_dbus_connection_new_for_address_sync(
	    t->bus_address,
	    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
		G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
	    NULL, NULL, &error);
	g_assert_no_error(error);
	t->signal_sub = g_dbus_connection_signal_subscribe(
	    t->conn, NULL, NULL, NULL, NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_signal, t, NULL);
}

void
ocid_test_kill_bus(OcidTest *t)
{
	int status;

	g_assert_false(t->system_mode);
	g_dbus_connection_signal_unsubscribe(t->conn, t->signal_sub);
	g_clear_object(&t->conn);
	g_assert_cmpint(kill(t->bus_pid, SIGKILL), ==, 0);
	g_assert_cmpint(waitpid(t->bus_pid, &status, 0), ==, t->bus_pid);
	t->bus_pid = 0;
}

void
ocid_test_start_bus(OcidTest *t)
{
	g_autofree char *socket = g_build_filename(t->tmpdir, "bus.sock", NULL);

	/* dbus-daemon will not listen on a path that is taken. */
	(void)g_unlink(socket);
	g_clear_pointer(&t->bus_address, g_free);
	start_bus(t);
	write_pid(t, "bus.pid", t->bus_pid);
	connect_bus(t);
}

gboolean
ocid_test_name_has_owner(OcidTest *t)
{
	g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
	    t->conn, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
	    "NameHasOwner", g_variant_new("(s)", "org.oci.Runtime"), G_VARIANT_TYPE("(b)"),
	    G_DBUS_CALL_FLAGS_NONE, 2000, NULL, NULL);
	gboolean owned = FALSE;

	if (reply != NULL)
		g_variant_get(reply, "(b)", &owned);
	return owned;
}

guint32
ocid_test_daemon_pid(OcidTest *t)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
	    t->conn, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
	    "GetConnectionUnixProcessID", g_variant_new("(s)", "org.oci.Runtime"),
	    G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
	guint32 pid = 0;

	g_assert_no_error(error);
	g_variant_get(reply, "(u)", &pid);
	return pid;
}

void
ocid_test_start_daemon(OcidTest *t)
{
	const char *argv[] = { env_or_die("OCID_BINARY"), "--config", t->config_path, NULL };
	g_auto(GStrv) envp = g_get_environ();
	g_autoptr(GError) error = NULL;
	g_autofree char *log = g_build_filename(t->tmpdir, "ocid.out", NULL);
	int log_fd;

	envp = g_environ_setenv(envp, "DBUS_SYSTEM_BUS_ADDRESS", t->bus_address, TRUE);
	envp = g_environ_setenv(envp, "G_MESSAGES_DEBUG", "ocid", TRUE);
	/* Only this daemon's signals tell what it announced. */
	ocid_test_dispatch_pending();
	t->signals_epoch = t->signals->len;
	log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	g_assert_cmpint(log_fd, >=, 0);
	g_assert_true(g_spawn_async_with_pipes_and_fds(
	    NULL, argv, (const char *const *)envp, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, -1,
	    log_fd, log_fd, NULL, NULL, 0, &t->ocid_pid, NULL, NULL, NULL, &error));
	close(log_fd);
	write_pid(t, "ocid.pid", t->ocid_pid);
	g_assert_true(ocid_test_wait_name_owner(t, TRUE, 10000));
}

void
ocid_test_kill_daemon(OcidTest *t)
{
	int status;

	if (t->ocid_pid <= 0)
		return;
	kill(t->ocid_pid, SIGKILL);
	waitpid(t->ocid_pid, &status, 0);
	t->ocid_pid = 0;
	/* The bus has noticed when the name is gone. */
	g_assert_true(ocid_test_wait_name_owner(t, FALSE, 5000));
}

static void
write_config(OcidTest *t, const char *runtime_lines)
{
	g_autofree char *config = NULL;

	/* Later keys win in a key file, so runtime_lines may override the defaults. */
	config = g_strdup_printf("[runtime]\nruntime_path = %s\nmonitor_path = %s\n"
				 "cgroup_manager = cgroupfs\ncgroup_parent = /%s\n%s\n"
				 "[paths]\nstate_dir = %s\nrun_dir = %s\nlog_dir = %s\n",
				 env_or_die("OCID_RUNTIME"), env_or_die("OCID_MONITOR"),
				 t->cgroup_parent, runtime_lines != NULL ? runtime_lines : "",
				 t->state_dir, t->run_dir, t->log_dir);
	g_assert_true(g_file_set_contents(t->config_path, config, -1, NULL));
}

void
ocid_test_restart_with_config(OcidTest *t, const char *runtime_lines)
{
	ocid_test_kill_daemon(t);
	write_config(t, runtime_lines);
	ocid_test_start_daemon(t);
}

void
ocid_test_set_runtime_config(OcidTest *t, const char *name, const char *lines)
{
	g_autofree char *dropin = NULL;

	if (!t->system_mode) {
		ocid_test_restart_with_config(t, lines);
		return;
	}
	dropin = g_strdup_printf("/etc/ocid/ocid.conf.d/50-%s.conf", name);
	if (lines != NULL) {
		g_autofree char *text = g_strdup_printf("[runtime]\n%s\n", lines);
		g_assert_cmpint(g_mkdir_with_parents("/etc/ocid/ocid.conf.d", 0755), ==, 0);
		g_assert_true(g_file_set_contents(dropin, text, -1, NULL));
	} else {
		(void)unlink(dropin);
	}
	g_assert_cmpint(ocid_test_systemctl("restart", "ocid.service"), ==, 0);
	g_assert_true(ocid_test_wait_name_owner(t, TRUE, 30000));
}

/* Under a real systemd (tests/systemd): ocid.service on the real system bus, with the
 * installed configuration. */
static OcidTest *
system_test_new(OcidTest *t)
{
	g_autoptr(GError) error = NULL;

	t->system_mode = TRUE;
	t->tmpdir = g_strdup(g_getenv("OCID_TEST_TMPDIR"));
	if (t->tmpdir == NULL)
		t->tmpdir = g_dir_make_tmp("ocid-test-XXXXXX", &error);
	g_assert_no_error(error);
	t->state_dir = g_strdup("/var/lib/ocid");
	t->run_dir = g_strdup("/run/ocid");
	t->log_dir = g_strdup("/var/log/ocid");
	t->conn = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
	g_assert_no_error(error);
	t->signals = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
	t->signal_sub =
	    g_dbus_connection_signal_subscribe(t->conn, "org.oci.Runtime", NULL, NULL, NULL, NULL,
					       G_DBUS_SIGNAL_FLAGS_NONE, on_signal, t, NULL);
	/* So that a wait for ocid.service's name wakes when the name moves. */
	t->owner_sub = g_dbus_connection_signal_subscribe(
	    t->conn, "org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
	    "/org/freedesktop/DBus", "org.oci.Runtime", G_DBUS_SIGNAL_FLAGS_NONE, on_signal, t,
	    NULL);
	return t;
}

int
ocid_test_systemctl(const char *verb, const char *unit)
{
	const char *argv[] = { "systemctl", verb, unit, NULL };
	int status = 0;

	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL,
				   G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
				       G_SPAWN_STDERR_TO_DEV_NULL,
				   NULL, NULL, NULL, NULL, &status, NULL));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

OcidTest *
ocid_test_get_or_skip(void)
{
	OcidTest *t = ocid_test_get();

	if (t == NULL)
		g_test_skip("needs root for runc");
	return t;
}

OcidTest *
ocid_test_get_system_or_skip(const char *why)
{
	OcidTest *t;

	if (g_getenv("OCID_TEST_SYSTEM_BUS") == NULL) {
		g_test_skip(why);
		return NULL;
	}
	t = ocid_test_get();
	if (t == NULL)
		g_test_skip("needs root");
	return t;
}

OcidTest *
ocid_test_get(void)
{
	OcidTest *t;
	g_autoptr(GError) error = NULL;

	if (the_test != NULL)
		return the_test;
	if (geteuid() != 0)
		return NULL;

	t = g_new0(OcidTest, 1);
	if (g_getenv("OCID_TEST_SYSTEM_BUS") != NULL)
		return the_test = system_test_new(t);
	t->tmpdir = g_strdup(g_getenv("OCID_TEST_TMPDIR"));
	if (t->tmpdir == NULL)
		t->tmpdir = g_dir_make_tmp("ocid-test-XXXXXX", &error);
	g_assert_no_error(error);
	t->state_dir = g_build_filename(t->tmpdir, "state", NULL);
	t->run_dir = g_build_filename(t->tmpdir, "run", NULL);
	t->log_dir = g_build_filename(t->tmpdir, "log", NULL);
	t->cgroup_parent = g_path_get_basename(t->tmpdir);
	t->config_path = g_build_filename(t->tmpdir, "ocid.conf", NULL);
	write_config(t, extra_config);
	start_bus(t);
	t->signals = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
	connect_bus(t);
	ocid_test_start_daemon(t);
	write_pid(t, "bus.pid", t->bus_pid);
	the_test = t;
	return t;
}

static void
remove_tree(const char *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const char *name;

	if (dir == NULL) {
		(void)g_unlink(path);
		return;
	}
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *child = g_build_filename(path, name, NULL);
		if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
		    !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
			remove_tree(child);
		else
			(void)g_unlink(child);
	}
	(void)g_rmdir(path);
}

/* Removes an empty cgroup and the empty ones below it; cgroupfs lists only dirs and
 * control files, and rmdir is all it allows. */
static void
remove_cgroup_tree(const char *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const char *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *child = g_build_filename(path, name, NULL);
		if (g_file_test(child, G_FILE_TEST_IS_DIR))
			remove_cgroup_tree(child);
	}
	(void)g_rmdir(path);
}

/* Deletes every container left over (forced) so the host keeps no runc state. */
static void
delete_all(OcidTest *t)
{
	g_autoptr(GVariant) list = ocid_test_call(
	    t, "/org/oci/Runtime", "org.oci.Runtime.Manager", "ListContainers",
	    g_variant_new("(@a{sv})", g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)),
	    "(a(sssto))", NULL);
	g_autoptr(GVariantIter) iter = NULL;
	const char *path;

	if (list == NULL)
		return;
	g_variant_get(list, "(a(sssto))", &iter);
	while (g_variant_iter_loop(iter, "(&s&s&st&o)", NULL, NULL, NULL, NULL, &path)) {
		g_autoptr(GVariant) r =
		    ocid_test_call(t, path, "org.oci.Runtime.Container", "Delete",
				   g_variant_new("(b)", TRUE), NULL, NULL);
	}
}

void
ocid_test_teardown(void)
{
	OcidTest *t = the_test;
	int status;

	if (t == NULL)
		return;
	delete_all(t);
	if (t->system_mode) {
		g_dbus_connection_signal_unsubscribe(t->conn, t->signal_sub);
		g_dbus_connection_signal_unsubscribe(t->conn, t->owner_sub);
		g_object_unref(t->conn);
		g_ptr_array_unref(t->signals);
		the_test = NULL;
		return;
	}
	ocid_test_kill_daemon(t);
	g_dbus_connection_signal_unsubscribe(t->conn, t->signal_sub);
	g_dbus_connection_close_sync(t->conn, NULL, NULL);
	g_object_unref(t->conn);
	kill(t->bus_pid, SIGTERM);
	waitpid(t->bus_pid, &status, 0);
	g_ptr_array_unref(t->signals);
	the_test = NULL;
}

char *
ocid_test_make_bundle(OcidTest *t, const char *name, const char *script)
{
	char *dir = g_build_filename(t->tmpdir, "bundles", name, NULL);
	const char *argv[] = { env_or_die("OCID_MAKE_BUNDLE"), dir, "/bin/sh", "-c", script, NULL };
	g_autoptr(GError) error = NULL;
	int status = 0;

	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
				   NULL, &status, &error));
	g_assert_no_error(error);
	g_assert_true(g_spawn_check_wait_status(status, NULL));
	return dir;
}

void
ocid_test_add_poststart_hook(const char *bundle, const char *command)
{
	g_autofree char *config_path = g_build_filename(bundle, "config.json", NULL);
	g_autofree char *config = ocid_test_read_file(config_path);
	g_autofree char *hooked = NULL;

	/* Spliced in as text: the command is the test's own, without quotes to escape. */
	g_assert_null(strpbrk(command, "\"\\"));
	g_assert_nonnull(config);
	g_assert_cmpint(config[0], ==, '{');
	hooked = g_strdup_printf("{\n  \"hooks\": { \"poststart\": [ { \"path\": \"/bin/sh\", "
				 "\"args\": [ \"sh\", \"-c\", \"%s\" ] } ] },%s",
				 command, config + 1);
	g_assert_true(g_file_set_contents(config_path, hooked, -1, NULL));
}

GVariant *
ocid_test_call(OcidTest *t, const char *path, const char *interface, const char *method,
	       GVariant *args, const char *reply_type, GError **error)
{
	return g_dbus_connection_call_sync(
	    t->conn, "org.oci.Runtime", path, interface, method, args,
	    reply_type ? G_VARIANT_TYPE(reply_type) : NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START,
	    (int)MIN(60000 * ocid_test_time_scale(), G_MAXINT), NULL, error);
}

char *
ocid_test_create(OcidTest *t, const char *id, const char *name, const char *bundle,
		 GVariant *options, GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	char *path = NULL;

	if (options == NULL)
		options = g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0);
	reply =
	    ocid_test_call(t, "/org/oci/Runtime", "org.oci.Runtime.Manager", "CreateContainer",
			   g_variant_new("(sss@a{sv})", id, name, bundle, options), "(o)", error);
	if (reply != NULL)
		g_variant_get(reply, "(o)", &path);
	return path;
}

GVariant *
ocid_test_get_property(OcidTest *t, const char *path, const char *name)
{
	g_autoptr(GError) error = NULL;
	const char *interface = g_str_equal(path, "/org/oci/Runtime") ? "org.oci.Runtime.Manager"
				: g_str_has_prefix(path, "/org/oci/Runtime/process/")
				    ? "org.oci.Runtime.Process"
				    : "org.oci.Runtime.Container";
	g_autoptr(GVariant) reply =
	    ocid_test_call(t, path, "org.freedesktop.DBus.Properties", "Get",
			   g_variant_new("(ss)", interface, name), "(v)", &error);
	GVariant *value = NULL;

	g_assert_no_error(error);
	g_variant_get(reply, "(v)", &value);
	return value;
}

char *
ocid_test_get_string(OcidTest *t, const char *path, const char *name)
{
	g_autoptr(GVariant) value = ocid_test_get_property(t, path, name);

	return g_variant_dup_string(value, NULL);
}

gint32
ocid_test_get_int(OcidTest *t, const char *path, const char *name)
{
	g_autoptr(GVariant) value = ocid_test_get_property(t, path, name);

	return g_variant_get_int32(value);
}

void
ocid_test_dispatch_pending(void)
{
	while (g_main_context_iteration(NULL, FALSE))
		;
}

/* Ends every blocking iteration within this long, so a condition that no event announces
 * is still seen and a deadline is kept. */
#define WAIT_TICK_MS 10

static gboolean
keep_ticking(gpointer data)
{
	return G_SOURCE_CONTINUE;
}

gboolean
ocid_test_wait_for(gboolean (*cond)(gpointer data), gpointer data, guint timeout_ms)
{
	gint64 end =
	    g_get_monotonic_time() + (gint64)timeout_ms * 1000 * (gint64)ocid_test_time_scale();
	guint tick = g_timeout_add(WAIT_TICK_MS, keep_ticking, NULL);
	gboolean done;

	ocid_test_dispatch_pending();
	while (!(done = cond(data)) && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(tick);
	return done;
}

static gboolean
child_string_is(GVariant *params, gsize index, const char *want)
{
	g_autoptr(GVariant) child = NULL;

	if (!g_variant_is_container(params) || g_variant_n_children(params) <= index)
		return FALSE;
	child = g_variant_get_child_value(params, index);
	if (!g_variant_is_of_type(child, G_VARIANT_TYPE_STRING) &&
	    !g_variant_is_of_type(child, G_VARIANT_TYPE_OBJECT_PATH))
		return FALSE;
	return g_str_equal(g_variant_get_string(child, NULL), want);
}

const char *
ocid_test_announced_state(OcidTest *t, const char *path)
{
	const char *state = NULL;

	for (guint i = t->signals_epoch; i < t->signals->len; i++) {
		GVariant *s = g_ptr_array_index(t->signals, i);
		const char *spath, *smember;
		g_autoptr(GVariant) params = NULL;

		g_variant_get(s, "(&s&s&s@*)", &spath, NULL, &smember, &params);
		if (g_str_equal(smember, "PropertiesChanged") && g_str_equal(spath, path) &&
		    g_variant_is_of_type(params, G_VARIANT_TYPE("(sa{sv}as)"))) {
			g_autoptr(GVariant) changed = g_variant_get_child_value(params, 1);
			const char *value = NULL;

			if (g_variant_lookup(changed, "State", "&s", &value))
				state = value;
		} else if (g_str_equal(smember, "InterfacesRemoved") &&
			   child_string_is(params, 0, path)) {
			state = NULL; /* an id used again starts a new history */
		} else if (g_str_equal(smember, "ContainerRemoved") &&
			   child_string_is(params, 1, path)) {
			state = NULL;
		}
	}
	return state;
}

typedef struct {
	OcidTest *t;
	const char *path;
	const char *state;
} StateWait;

static gboolean
state_announced(gpointer data)
{
	StateWait *w = data;

	return g_strcmp0(ocid_test_announced_state(w->t, w->path), w->state) == 0;
}

gboolean
ocid_test_wait_state(OcidTest *t, const char *path, const char *state, guint timeout_ms)
{
	StateWait w = { t, path, state };
	g_autofree char *now = NULL;

	if (ocid_test_wait_for(state_announced, &w, timeout_ms))
		return TRUE;
	/* Get only to explain the failure, never to pass. */
	now = ocid_test_get_string(t, path, "State");
	g_printerr("# no PropertiesChanged set State of %s to %s within %u ms (the latest "
		   "announced: %s; Get says: %s)\n",
		   path, state, timeout_ms, ocid_test_announced_state(t, path), now);
	return FALSE;
}

typedef struct {
	OcidTest *t;
	gboolean owned;
} OwnerWait;

static gboolean
owner_is(gpointer data)
{
	OwnerWait *w = data;

	return ocid_test_name_has_owner(w->t) == w->owned;
}

gboolean
ocid_test_wait_name_owner(OcidTest *t, gboolean owned, guint timeout_ms)
{
	OwnerWait w = { t, owned };

	return ocid_test_wait_for(owner_is, &w, timeout_ms);
}

static gboolean
file_exists(gpointer data)
{
	return g_file_test(data, G_FILE_TEST_EXISTS);
}

static void
on_file_event(GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event,
	      gpointer data)
{
	/* Only here to end the wait's iteration early. */
}

/* A monitor that wakes the main context when @path changes; NULL where none can be made. */
static GFileMonitor *
monitor_path(const char *path)
{
	g_autoptr(GFile) file = g_file_new_for_path(path);
	GFileMonitor *monitor = g_file_monitor_file(file, G_FILE_MONITOR_NONE, NULL, NULL);

	if (monitor != NULL)
		g_signal_connect(monitor, "changed", G_CALLBACK(on_file_event), NULL);
	return monitor;
}

gboolean
ocid_test_wait_file(const char *path, guint timeout_ms)
{
	g_autoptr(GFileMonitor) monitor = monitor_path(path);

	return ocid_test_wait_for(file_exists, (gpointer)path, timeout_ms);
}

typedef struct {
	const char *path;
	const char *needle;
} ContentWait;

static gboolean
file_holds(gpointer data)
{
	ContentWait *w = data;
	g_autofree char *text = ocid_test_read_file(w->path);

	return text != NULL && strstr(text, w->needle) != NULL;
}

gboolean
ocid_test_wait_file_contains(const char *path, const char *needle, guint timeout_ms)
{
	g_autoptr(GFileMonitor) monitor = monitor_path(path);
	ContentWait w = { path, needle };

	if (ocid_test_wait_for(file_holds, &w, timeout_ms))
		return TRUE;
	g_printerr("# %s did not come to hold '%s' within %u ms\n", path, needle, timeout_ms);
	return FALSE;
}

gboolean
ocid_test_wait_output(OcidTest *t, const char *path, const char *line, guint timeout_ms)
{
	g_autofree char *log_path = ocid_test_get_string(t, path, "LogPath");
	g_autofree char *needle = g_strdup_printf(" stdout F %s\n", line);

	return ocid_test_wait_file_contains(log_path, needle, timeout_ms);
}

static gboolean
journal_holds(gpointer data)
{
	const char *argv[] = { "journalctl", "--no-pager", "-q", "-u", "ocid.service", NULL };
	g_autofree char *out = NULL;

	if (!g_spawn_sync(NULL, (char **)argv, NULL,
			  G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
			  NULL, NULL))
		return FALSE;
	return out != NULL && strstr(out, data) != NULL;
}

gboolean
ocid_test_wait_daemon_log(OcidTest *t, const char *needle, guint timeout_ms)
{
	g_autofree char *log = NULL;

	if (t->system_mode)
		return ocid_test_wait_for(journal_holds, (gpointer)needle, timeout_ms);
	log = g_build_filename(t->tmpdir, "ocid.out", NULL);
	return ocid_test_wait_file_contains(log, needle, timeout_ms);
}

int
ocid_test_pidfd_open(int pid)
{
	return (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
}

static gboolean
on_pidfd(int fd, GIOCondition condition, gpointer data)
{
	*(gboolean *)data = TRUE;
	return G_SOURCE_REMOVE;
}

static gboolean
flag_set(gpointer data)
{
	return *(gboolean *)data;
}

gboolean
ocid_test_wait_pidfd(int pidfd, guint timeout_ms)
{
	gboolean exited = FALSE;
	guint watch = g_unix_fd_add(pidfd, G_IO_IN, on_pidfd, &exited);

	if (!ocid_test_wait_for(flag_set, &exited, timeout_ms))
		g_source_remove(watch);
	return exited;
}

gboolean
ocid_test_wait_pid_exit(int pid, guint timeout_ms)
{
	int pidfd = ocid_test_pidfd_open(pid);
	gboolean exited;

	if (pidfd < 0)
		return errno == ESRCH;
	exited = ocid_test_wait_pidfd(pidfd, timeout_ms);
	close(pidfd);
	return exited;
}

void
ocid_test_start(OcidTest *t, const char *path)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply =
	    ocid_test_call(t, path, "org.oci.Runtime.Container", "Start", NULL, NULL, &error);

	g_assert_no_error(error);
}

void
ocid_test_delete(OcidTest *t, const char *path, gboolean force)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = ocid_test_call(t, path, "org.oci.Runtime.Container", "Delete",
						   g_variant_new("(b)", force), NULL, &error);

	g_assert_no_error(error);
}

void
ocid_test_assert_error(GError *error, const char *name)
{
	g_autofree char *remote = NULL;
	g_autofree char *expected = g_strconcat("org.oci.Runtime.Error.", name, NULL);

	g_assert_nonnull(error);
	remote = g_dbus_error_get_remote_error(error);
	if (g_strcmp0(remote, expected) != 0)
		g_error("expected %s, got %s: %s", expected, remote, error->message);
}

gboolean
ocid_test_saw_signal(OcidTest *t, const char *member, const char *path, const char *arg0)
{
	ocid_test_dispatch_pending();
	for (guint i = 0; i < t->signals->len; i++) {
		GVariant *s = g_ptr_array_index(t->signals, i);
		const char *spath, *smember;
		g_autoptr(GVariant) params = NULL;

		g_variant_get(s, "(&s&s&s@*)", &spath, NULL, &smember, &params);
		if (!g_str_equal(smember, member) || (path != NULL && !g_str_equal(spath, path)))
			continue;
		if (arg0 == NULL)
			return TRUE;
		if (g_variant_n_children(params) > 0) {
			g_autoptr(GVariant) first = g_variant_get_child_value(params, 0);
			if (g_variant_is_of_type(first, G_VARIANT_TYPE_STRING) &&
			    g_str_equal(g_variant_get_string(first, NULL), arg0))
				return TRUE;
		}
	}
	return FALSE;
}

gboolean
ocid_test_saw_state_change(OcidTest *t, const char *path, const char *state)
{
	ocid_test_dispatch_pending();
	for (guint i = 0; i < t->signals->len; i++) {
		GVariant *s = g_ptr_array_index(t->signals, i);
		const char *spath, *smember;
		g_autoptr(GVariant) params = NULL;
		g_autoptr(GVariant) changed = NULL;
		const char *value = NULL;

		g_variant_get(s, "(&s&s&s@*)", &spath, NULL, &smember, &params);
		if (!g_str_equal(smember, "PropertiesChanged") || !g_str_equal(spath, path))
			continue;
		changed = g_variant_get_child_value(params, 1);
		if (g_variant_lookup(changed, "State", "&s", &value) && g_str_equal(value, state))
			return TRUE;
	}
	return FALSE;
}

/* A test that aborted may leave mounts (a network namespace bound to a file). */
static void
unmount_below(const char *tmpdir)
{
	g_autofree char *mountinfo = ocid_test_read_file("/proc/self/mountinfo");
	g_auto(GStrv) lines = g_strsplit(mountinfo != NULL ? mountinfo : "", "\n", -1);

	for (int i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) fields = g_strsplit(lines[i], " ", 6);
		if (g_strv_length(fields) >= 5 && g_str_has_prefix(fields[4], tmpdir))
			(void)umount2(fields[4], MNT_DETACH);
	}
}

static void
kill_pid_file(const char *tmpdir, const char *name)
{
	g_autofree char *path = g_build_filename(tmpdir, name, NULL);
	g_autofree char *text = ocid_test_read_file(path);

	if (text != NULL && atoi(text) > 1)
		kill(atoi(text), SIGKILL);
}

/* Whatever a test left behind, even after an abort: runtime containers (and so their
 * processes), monitors, the daemon, the bus, cgroups, the temporary dir. */
static void
guard_cleanup(const char *tmpdir)
{
	g_autofree char *root = g_build_filename(tmpdir, "run", "runtime", NULL);
	g_autofree char *cgroup_parent = g_path_get_basename(tmpdir);
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	const char *entry;

	kill_pid_file(tmpdir, "ocid.pid");
	/* Monitors name the tmpdir in their command line. */
	while (proc != NULL && (entry = g_dir_read_name(proc)) != NULL) {
		g_autofree char *cmdline_path = NULL;
		g_autofree char *cmdline = NULL;
		gsize len = 0;

		if (!g_ascii_isdigit(entry[0]) || atoi(entry) == (int)getpid())
			continue;
		cmdline_path = g_strdup_printf("/proc/%s/cmdline", entry);
		if (!g_file_get_contents(cmdline_path, &cmdline, &len, NULL))
			continue;
		for (gsize i = 0; i + 1 < len; i++)
			if (cmdline[i] == '\0')
				cmdline[i] = ' ';
		if (strstr(cmdline, "ocid-monitor") != NULL && strstr(cmdline, tmpdir) != NULL)
			kill(atoi(entry), SIGKILL);
	}
	if (g_file_test(root, G_FILE_TEST_IS_DIR)) {
		g_autoptr(GDir) dir = g_dir_open(root, 0, NULL);
		const char *id;

		while (dir != NULL && (id = g_dir_read_name(dir)) != NULL) {
			const char *argv[] = { g_getenv("OCID_RUNTIME"),
					       "--root",
					       root,
					       "delete",
					       "--force",
					       id,
					       NULL };
			if (argv[0] != NULL)
				(void)g_spawn_sync(NULL, (char **)argv, NULL,
						   G_SPAWN_STDOUT_TO_DEV_NULL |
						       G_SPAWN_STDERR_TO_DEV_NULL,
						   NULL, NULL, NULL, NULL, NULL, NULL);
		}
	}
	kill_pid_file(tmpdir, "bus.pid");
	{
		g_autoptr(GDir) hierarchies = g_dir_open("/sys/fs/cgroup", 0, NULL);
		g_autofree char *top = g_build_filename("/sys/fs/cgroup", cgroup_parent, NULL);
		const char *h;

		/* A pure v2 host has the one hierarchy at /sys/fs/cgroup itself. */
		remove_cgroup_tree(top);
		while (hierarchies != NULL && (h = g_dir_read_name(hierarchies)) != NULL) {
			g_autofree char *dir =
			    g_build_filename("/sys/fs/cgroup", h, cgroup_parent, NULL);
			/* Depth first: a daemon that died mid-test leaves its containers'
			 * (empty) cgroups below ours. */
			remove_cgroup_tree(dir);
		}
	}
	unmount_below(tmpdir);
	if (g_getenv("OCID_TEST_KEEP") == NULL)
		remove_tree(tmpdir);
	else
		g_printerr("# kept %s\n", tmpdir);
}

int
ocid_test_main(int argc, char **argv, void (*add_tests)(void))
{
	g_autoptr(GError) error = NULL;
	g_autofree char *tmpdir = NULL;
	pid_t child;
	int status = 0;

	if (geteuid() != 0) {
		g_test_init(&argc, &argv, NULL);
		add_tests();
		return g_test_run();
	}
	tmpdir = g_dir_make_tmp("ocid-test-XXXXXX", &error);
	g_assert_no_error(error);
	g_setenv("OCID_TEST_TMPDIR", tmpdir, TRUE);
	fflush(NULL);
	child = fork();
	g_assert_cmpint(child, >=, 0);
	if (child == 0) {
		int result;

		g_test_init(&argc, &argv, NULL);
		add_tests();
		result = g_test_run();
		ocid_test_teardown();
		fflush(NULL);
		_exit(result);
	}
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	guard_cleanup(tmpdir);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

char *
ocid_test_cgroup_left(OcidTest *t, const char *id)
{
	g_autoptr(GDir) hierarchies = g_dir_open("/sys/fs/cgroup", 0, NULL);
	g_autofree char *leaf = NULL;
	const char *h;

	leaf = t->system_mode ? g_strdup_printf("machine.slice/ocid-%s.scope", id)
			      : g_strdup_printf("%s/ocid-%s", t->cgroup_parent, id);
	while (hierarchies != NULL && (h = g_dir_read_name(hierarchies)) != NULL) {
		char *dir = g_build_filename("/sys/fs/cgroup", h, leaf, NULL);
		if (g_file_test(dir, G_FILE_TEST_IS_DIR))
			return dir;
		g_free(dir);
	}
	return NULL;
}

typedef struct {
	OcidTest *t;
	const char *id;
} CgroupWait;

static gboolean
cgroup_gone(gpointer data)
{
	CgroupWait *w = data;
	g_autofree char *left = ocid_test_cgroup_left(w->t, w->id);

	return left == NULL;
}

char *
ocid_test_wait_cgroup_gone(OcidTest *t, const char *id, guint timeout_ms)
{
	CgroupWait w = { t, id };

	if (ocid_test_wait_for(cgroup_gone, &w, timeout_ms))
		return NULL;
	return ocid_test_cgroup_left(t, id);
}

int
ocid_test_count_zombie_children(int pid)
{
	g_autofree char *task_dir = g_strdup_printf("/proc/%d/task", pid);
	g_autoptr(GDir) tasks = g_dir_open(task_dir, 0, NULL);
	const char *tid;
	int zombies = 0;

	while (tasks != NULL && (tid = g_dir_read_name(tasks)) != NULL) {
		g_autofree char *file = g_build_filename(task_dir, tid, "children", NULL);
		g_autofree char *text = ocid_test_read_file(file);
		g_auto(GStrv) pids = g_strsplit(text != NULL ? text : "", " ", -1);

		for (int i = 0; pids[i] != NULL; i++) {
			g_autofree char *stat_path = NULL;
			g_autofree char *stat = NULL;
			const char *end;

			if (atoi(pids[i]) <= 0)
				continue;
			stat_path = g_strdup_printf("/proc/%d/stat", atoi(pids[i]));
			stat = ocid_test_read_file(stat_path);
			end = stat != NULL ? strrchr(stat, ')') : NULL;
			if (end != NULL && end[1] == ' ' && end[2] == 'Z')
				zombies++;
		}
	}
	return zombies;
}

static gboolean
no_zombie_children(gpointer data)
{
	return ocid_test_count_zombie_children(GPOINTER_TO_INT(data)) == 0;
}

gboolean
ocid_test_wait_no_zombies(int pid, guint timeout_ms)
{
	if (ocid_test_wait_for(no_zombie_children, GINT_TO_POINTER(pid), timeout_ms))
		return TRUE;
	g_printerr("# process %d still has %d zombie children after %u ms\n", pid,
		   ocid_test_count_zombie_children(pid), timeout_ms);
	return FALSE;
}

static void
assert_documented(const char *interface, const char *kind, const char *name,
		  GDBusAnnotationInfo **annotations)
{
	const char *doc = g_dbus_annotation_info_lookup(annotations, "org.gtk.GDBus.DocString");

	if (doc == NULL || *doc == '\0')
		g_error("%s %s.%s has no org.gtk.GDBus.DocString in dbus/%s.xml", kind, interface,
			name, interface);
}

void
ocid_test_assert_interface_matches(OcidTest *t, const char *path, const char *interface)
{
	g_autofree char *file =
	    g_strdup_printf("%s/dbus/%s.xml", g_getenv("OCID_SOURCE_DIR"), interface);
	g_autofree char *documented_xml = ocid_test_read_file(file);
	g_autofree char *undocumented_xml = NULL;
	g_autoptr(GRegex) doc_string = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GDBusNodeInfo) documented = NULL;
	g_autoptr(GDBusNodeInfo) stripped = NULL;
	g_autoptr(GDBusNodeInfo) live = NULL;
	g_autoptr(GString) documented_text = g_string_new(NULL);
	g_autoptr(GString) live_text = g_string_new(NULL);
	GDBusInterfaceInfo *info;
	const char *live_xml;

	g_assert_nonnull(documented_xml);
	documented = g_dbus_node_info_new_for_xml(documented_xml, &error);
	g_assert_no_error(error);
	info = g_dbus_node_info_lookup_interface(documented, interface);
	g_assert_nonnull(info);
	for (GDBusMethodInfo **m = info->methods; m != NULL && *m != NULL; m++)
		assert_documented(interface, "method", (*m)->name, (*m)->annotations);
	for (GDBusPropertyInfo **p = info->properties; p != NULL && *p != NULL; p++)
		assert_documented(interface, "property", (*p)->name, (*p)->annotations);
	for (GDBusSignalInfo **s = info->signals; s != NULL && *s != NULL; s++)
		assert_documented(interface, "signal", (*s)->name, (*s)->annotations);

	doc_string = g_regex_new("\\s*<annotation name=\"org\\.gtk\\.GDBus\\.DocString\" "
				 "value=\"[^\"]*\"/>",
				 0, 0, &error);
	g_assert_no_error(error);
	undocumented_xml =
	    g_regex_replace_literal(doc_string, documented_xml, -1, 0, "", 0, &error);
	g_assert_no_error(error);
	stripped = g_dbus_node_info_new_for_xml(undocumented_xml, &error);
	g_assert_no_error(error);
	reply = ocid_test_call(t, path, "org.freedesktop.DBus.Introspectable", "Introspect", NULL,
			       "(s)", &error);
	g_assert_no_error(error);
	g_variant_get(reply, "(&s)", &live_xml);
	live = g_dbus_node_info_new_for_xml(live_xml, &error);
	g_assert_no_error(error);
	g_assert_nonnull(g_dbus_node_info_lookup_interface(live, interface));
	g_dbus_interface_info_generate_xml(g_dbus_node_info_lookup_interface(stripped, interface),
					   0, documented_text);
	g_dbus_interface_info_generate_xml(g_dbus_node_info_lookup_interface(live, interface), 0,
					   live_text);
	g_assert_cmpstr(live_text->str, ==, documented_text->str);
}

char *
ocid_test_bring_up(OcidTest *t, const char *id, const char *bundle, GVariant *options,
		   gboolean start, const char *up_line)
{
	g_autoptr(GError) error = NULL;
	char *path = ocid_test_create(t, id, id, bundle, options, &error);

	g_assert_no_error(error);
	if (start) {
		ocid_test_start(t, path);
		if (up_line != NULL)
			g_assert_true(ocid_test_wait_output(t, path, up_line, 10000));
		else
			g_assert_true(ocid_test_wait_state(t, path, "running", 10000));
	}
	return path;
}

char *
ocid_test_make_container(OcidTest *t, const char *id, const char *script, GVariant *options,
			 gboolean start)
{
	g_autofree char *bundle = ocid_test_make_bundle(t, id, script);

	return ocid_test_bring_up(t, id, bundle, options, start, NULL);
}

guint
ocid_test_count_monitors(const char *needle)
{
	return ocid_test_count_processes("ocid-monitor", needle);
}

guint
ocid_test_count_processes(const char *needle, const char *also)
{
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	const char *entry;
	guint n = 0;

	while (proc != NULL && (entry = g_dir_read_name(proc)) != NULL) {
		g_autofree char *path = g_strdup_printf("/proc/%s/cmdline", entry);
		g_autofree char *cmdline = NULL;
		gsize len = 0;

		if (!g_ascii_isdigit(entry[0]) || !g_file_get_contents(path, &cmdline, &len, NULL))
			continue;
		for (gsize i = 0; i + 1 < len; i++)
			if (cmdline[i] == '\0')
				cmdline[i] = ' ';
		if (strstr(cmdline, needle) != NULL &&
		    (also == NULL || strstr(cmdline, also) != NULL))
			n++;
	}
	return n;
}

int
ocid_test_monitor_pid(OcidTest *t, const char *path)
{
	g_autofree char *dir = ocid_test_get_string(t, path, "Dir");
	g_autofree char *state_file = g_build_filename(dir, "state.json", NULL);
	g_autofree char *state = ocid_test_read_file(state_file);
	const char *key = "\"monitor_pid\" : ";
	const char *p;

	g_assert_nonnull(state);
	p = strstr(state, key);
	g_assert_nonnull(p);
	return atoi(p + strlen(key));
}
