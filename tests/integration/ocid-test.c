/* The test environment of ocid-test.h: a private bus (or the system one under systemd), the
 * daemon on it, its configuration, and the clean-up that leaves nothing behind. */
#include "ocid-test-internal.h"

static OcidTest *the_test;
static char *extra_config;

void
ocid_test_set_extra_config(const char *lines)
{
	g_free(extra_config);
	extra_config = g_strdup(lines);
}

const char *
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
