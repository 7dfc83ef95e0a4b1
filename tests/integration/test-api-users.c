/* The API as another user: what she may call on root's containers and on her own. */
#include "api-test.h"

/* The client half: this binary run again as an ordinary user (through setpriv), doing what
 * a desktop tool would with the fd it gets. Prints what it read; a D-Bus error's name goes
 * to stderr and the exit code is 1. */
int
client_main(int argc, char **argv)
{
	const char *verb = argv[2], *path = argv[3];
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) conn = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
	g_autoptr(GUnixFDList) fds = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autofree char *got = NULL;
	gint32 handle = -1;
	int fd;

	if (conn == NULL) {
		fprintf(stderr, "%s\n", error->message);
		return 2;
	}
	if (g_str_equal(verb, "wait") || g_str_equal(verb, "stats")) {
		reply = g_dbus_connection_call_sync(
		    conn, "org.oci.Runtime", path, CONTAINER,
		    g_str_equal(verb, "wait") ? "Wait" : "GetStatistics", NULL, NULL,
		    G_DBUS_CALL_FLAGS_NONE, 30000, NULL, &error);
	} else if (g_str_equal(verb, "kill")) {
		reply = g_dbus_connection_call_sync(conn, "org.oci.Runtime", path, PROCESS, "Kill",
						    g_variant_new("(s)", "KILL"), NULL,
						    G_DBUS_CALL_FLAGS_NONE, 30000, NULL, &error);
	} else if (g_str_equal(verb, "resize")) {
		reply =
		    g_dbus_connection_call_sync(conn, "org.oci.Runtime", path, CONTAINER,
						"ResizeTerminal", g_variant_new("(uu)", 24, 80),
						NULL, G_DBUS_CALL_FLAGS_NONE, 30000, NULL, &error);
	} else {
		GVariant *args = NULL;

		if (g_str_equal(verb, "logs"))
			args = g_variant_new_parsed("({'follow': <true>},)");
		else if (g_str_equal(verb, "attach"))
			args = g_variant_new_parsed("(@a{sv} {},)");
		else
			args = g_variant_new_parsed("(['/bin/sh'], @a{sv} {})");
		reply = g_dbus_connection_call_with_unix_fd_list_sync(
		    conn, "org.oci.Runtime", path, CONTAINER,
		    g_str_equal(verb, "logs")     ? "OpenLog"
		    : g_str_equal(verb, "attach") ? "Attach"
						  : "Exec",
		    args, NULL, G_DBUS_CALL_FLAGS_NONE, 30000, NULL, &fds, NULL, &error);
	}
	if (reply == NULL) {
		g_autofree char *name = g_dbus_error_get_remote_error(error);
		fprintf(stderr, "%s: %s\n", name != NULL ? name : "?", error->message);
		return 1;
	}
	if (g_str_equal(verb, "wait") || g_str_equal(verb, "stats") || g_str_equal(verb, "kill")) {
		g_autofree char *text = g_variant_print(reply, TRUE);
		printf("%s\n", text);
		return 0;
	}
	g_variant_get_child(reply, 0, "h", &handle);
	fd = g_unix_fd_list_get(fds, handle, &error);
	g_assert_no_error(error);
	if (g_str_equal(verb, "logs")) {
		/* The test stops the container once it sees this. */
		fprintf(stderr, "opened\n");
		fflush(stderr);
		got = read_until(fd, NULL, 30000);
	} else if (g_str_equal(verb, "attach")) {
		write_all(fd, "as-user\n");
		got = read_until(fd, "as-user\n", 10000);
	} else {
		const char *process;
		g_autoptr(GVariant) code = NULL;

		g_variant_get_child(reply, 1, "&o", &process);
		if (g_str_equal(verb, "exec")) {
			write_all(fd, "echo exec-$((40+2))\nexit 6\n");
		} else {
			/* exec-kill: its own process, which the rule's verb exec does not cover. */
			g_autoptr(GVariant) killed = NULL;

			write_all(fd, "echo exec-$((40+2))\n");
			g_free(read_until(fd, "exec-42", 10000));
			killed = g_dbus_connection_call_sync(
			    conn, "org.oci.Runtime", process, PROCESS, "Kill",
			    g_variant_new("(s)", "KILL"), NULL, G_DBUS_CALL_FLAGS_NONE, 30000, NULL,
			    &error);
			g_assert_no_error(error);
		}
		got = read_until(fd, NULL, 10000);
		code = g_dbus_connection_call_sync(conn, "org.oci.Runtime", process, PROCESS,
						   "Wait", NULL, G_VARIANT_TYPE("(i)"),
						   G_DBUS_CALL_FLAGS_NONE, 30000, NULL, &error);
		g_assert_no_error(error);
		printf("exit=%d\n", g_variant_get_int32(g_variant_get_child_value(code, 0)));
	}
	printf("%s", got);
	return 0;
}

/* The client as @user, started: stdout and stderr are pipes. */
static GSubprocess *
spawn_as_user(OcidTest *t, const char *user, const char *verb, const char *path)
{
	const struct passwd *pw = getpwnam(user);
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
	    G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autofree char *reuid = NULL;
	g_autofree char *regid = NULL;
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	g_autoptr(GError) error = NULL;
	GSubprocess *p;

	g_assert_nonnull(pw);
	reuid = g_strdup_printf("--reuid=%u", (unsigned)pw->pw_uid);
	regid = g_strdup_printf("--regid=%u", (unsigned)pw->pw_gid);
	if (!t->system_mode)
		g_subprocess_launcher_setenv(launcher, "DBUS_SYSTEM_BUS_ADDRESS", t->bus_address,
					     TRUE);
	p = g_subprocess_launcher_spawn(launcher, &error, "setpriv", reuid, regid, "--init-groups",
					self, "--as-client", verb, path, NULL);
	g_assert_no_error(error);
	return p;
}

/* Runs the client as @user; its exit code, output and error output. */
static int
as_user(OcidTest *t, const char *user, const char *verb, const char *path, char **out, char **err)
{
	g_autoptr(GSubprocess) p = spawn_as_user(t, user, verb, path);
	g_autoptr(GError) error = NULL;

	g_assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, out, err, &error));
	g_assert_no_error(error);
	return g_subprocess_get_if_exited(p) ? g_subprocess_get_exit_status(p) : -1;
}

static void
assert_user_denied(OcidTest *t, const char *user, const char *verb, const char *path,
		   const char *action)
{
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;

	if (as_user(t, user, verb, path, &out, &err) != 1 ||
	    strstr(err, "org.oci.Runtime.Error.AccessDenied") == NULL ||
	    strstr(err, action) == NULL)
		g_error("%s %s as %s: expected AccessDenied for %s, got: %s%s", verb, path, user,
			action, out, err);
}

static char *
assert_user_allowed(OcidTest *t, const char *user, const char *verb, const char *path)
{
	g_autofree char *err = NULL;
	char *out = NULL;

	if (as_user(t, user, verb, path, &out, &err) != 0)
		g_error("%s %s as %s was refused: %s", verb, path, user, err);
	return out;
}

/* systemctl status shows ocid's STATUS= line. */
static gboolean
status_says(gpointer data)
{
	const char *argv[] = { "systemctl", "show",         "-p", "StatusText",
			       "--value",   "ocid.service", NULL };
	g_autofree char *out = NULL;

	if (!g_spawn_sync(NULL, (char **)argv, NULL,
			  G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
			  NULL, NULL))
		return FALSE;
	return strstr(out, data) != NULL;
}

/* Users without a rule get none of the fds (on the private bus there is no polkit at all;
 * under systemd polkitd says no), and Wait and GetStatistics are open to them. With a rule
 * (tests/systemd/inside.sh: group ocidio, container io-granted), they get all three. */
void
test_as_users(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	const char *denied_user = t != NULL && t->system_mode ? "ocidtest1" : "nobody";
	g_autofree char *path = NULL;
	g_autofree char *out = NULL;
	GVariantBuilder b;

	if (t == NULL)
		return;
	/* Other users reach the bus socket and the bundles in it. */
	g_assert_cmpint(chmod(t->tmpdir, 0755), ==, 0);
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", "stdin", g_variant_new_boolean(TRUE));
	path = run(t, "io-granted", "echo started; exec cat", g_variant_builder_end(&b));
	g_assert_true(ocid_test_wait_output(t, path, "started", 10000));

	assert_user_denied(t, denied_user, "logs", path, "org.oci.Runtime.logs");
	assert_user_denied(t, denied_user, "attach", path, "org.oci.Runtime.attach");
	assert_user_denied(t, denied_user, "exec", path, "org.oci.Runtime.exec");
	assert_user_denied(t, denied_user, "resize", path, "org.oci.Runtime.attach");
	out = assert_user_allowed(t, denied_user, "stats", path);
	g_assert_nonnull(strstr(out, "pids_current"));
	/* Root's process is not another user's to signal. */
	{
		g_autoptr(GVariant) reply = NULL;
		g_autoptr(GError) error = NULL;
		g_autofree char *process = NULL;
		int fd = call_fd(t, path, CONTAINER, "Exec",
				 g_variant_new_parsed("(['/bin/sleep', '1000'], @a{sv} {})"),
				 "(ho)", &reply, &error);

		g_assert_no_error(error);
		g_variant_get_child(reply, 1, "o", &process);
		assert_user_denied(t, denied_user, "kill", process, "org.oci.Runtime.exec");
		if (t->system_mode)
			assert_user_denied(t, "ocidtest4", "kill", process, "org.oci.Runtime.exec");
		g_assert_nonnull(ocid_test_call(t, process, PROCESS, "Kill",
						g_variant_new("(s)", "KILL"), NULL, &error));
		g_assert_no_error(error);
		g_assert_cmpint(process_wait(t, process), ==, 128 + 9);
		close(fd);
	}

	if (t->system_mode) {
		g_autofree char *log = NULL;
		g_autofree char *attached = NULL;
		g_autofree char *exec = NULL;
		g_autofree char *waited = NULL;

		/* Authorized, the call gets as far as the container: it has no terminal. */
		{
			g_autofree char *r_out = NULL;
			g_autofree char *r_err = NULL;

			g_assert_cmpint(as_user(t, "ocidtest4", "resize", path, &r_out, &r_err), ==,
					1);
			g_assert_nonnull(strstr(r_err, "org.oci.Runtime.Error.InvalidArgument"));
		}
		attached = assert_user_allowed(t, "ocidtest4", "attach", path);
		g_assert_nonnull(strstr(attached, "as-user"));
		exec = assert_user_allowed(t, "ocidtest4", "exec", path);
		g_assert_nonnull(strstr(exec, "exit=6"));
		g_assert_nonnull(strstr(exec, "exec-42"));
		/* The user who ran it may kill it without a rule for kill-exec. */
		g_free(exec);
		exec = assert_user_allowed(t, "ocidtest4", "exec-kill", path);
		g_assert_nonnull(strstr(exec, "exit=137"));
		g_assert_true(ocid_test_wait_for(status_says, "1 containers (1 running)", 10000));
		/* Following: the container stops while the user reads, who then gets EOF. */
		{
			g_autoptr(GSubprocess) reader = spawn_as_user(t, "ocidtest4", "logs", path);
			g_autoptr(GDataInputStream) err =
			    g_data_input_stream_new(g_subprocess_get_stderr_pipe(reader));
			g_autofree char *opened =
			    g_data_input_stream_read_line(err, NULL, NULL, NULL);
			g_autoptr(GError) error = NULL;

			g_assert_cmpstr(opened, ==, "opened");
			/* KILL: cat is the container's pid 1, which ignores TERM. */
			g_assert_nonnull(ocid_test_call(t, path, CONTAINER, "Kill",
							g_variant_new("(s)", "KILL"), NULL,
							&error));
			g_assert_no_error(error);
			g_assert_true(
			    g_subprocess_communicate_utf8(reader, NULL, NULL, &log, NULL, &error));
			g_assert_no_error(error);
			g_assert_cmpint(g_subprocess_get_exit_status(reader), ==, 0);
		}
		g_assert_nonnull(strstr(log, " stdout F started\n"));
		g_assert_nonnull(strstr(log, " stdout F as-user\n"));
		waited = assert_user_allowed(t, denied_user, "wait", path);
		g_assert_nonnull(strstr(waited, "137"));
		/* The daemon's status follows the counts: one container, none running now. */
		g_assert_true(ocid_test_wait_for(status_says, "1 containers (0 running)", 10000));
	}
	ocid_test_delete(t, path, TRUE);
}
