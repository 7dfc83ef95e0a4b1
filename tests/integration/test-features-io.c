/* Features: ExecSync, the log's size limit, Attach and terminals. */
#include "features-test.h"

/* The seed's ExecSync: results, timeouts, runtime failures, large outputs, concurrency. */
void
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
void
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

GSocketConnection *
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
void
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
gboolean
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

static void
on_exec_error(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GError **error = user_data;
	g_autoptr(GVariant) reply =
	    g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, error);

	g_assert_null(reply);
}

static gboolean
exec_started(gpointer data)
{
	return ocid_test_count_processes("sleep 27182", NULL) > 0;
}

/* A Delete(force) ends the ExecSync calls running in the container: they answer
 * NoSuchContainer at once, not when their command or timeout ends (issue 20). */
void
test_exec_sync_deleted(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	const char *argv[] = { "/bin/sh", "-c", "exec sleep 27182", NULL };
	g_autofree char *path = NULL;
	GError *error = NULL;
	gint64 before;

	if (t == NULL)
		return;
	path = ocid_test_make_container(t, "exec-deleted", "sleep 600", NULL, TRUE);
	g_dbus_connection_call(t->conn, "org.oci.Runtime", path, CONTAINER, "ExecSync",
			       g_variant_new("(^ast)", argv, (guint64)600),
			       G_VARIANT_TYPE("(ayayib)"), G_DBUS_CALL_FLAGS_NONE, 600000, NULL,
			       on_exec_error, &error);
	g_assert_true(ocid_test_wait_for(exec_started, NULL, 10000 * ocid_test_time_scale()));
	before = g_get_monotonic_time();
	ocid_test_delete(t, path, TRUE);
	while (error == NULL)
		g_main_context_iteration(NULL, TRUE);
	ocid_test_assert_error(error, "NoSuchContainer");
	g_assert_nonnull(strstr(error->message, "deleted while the command ran"));
	g_assert_cmpint(g_get_monotonic_time() - before, <, 30 * G_USEC_PER_SEC);
	g_clear_error(&error);
	g_assert_cmpuint(ocid_test_count_processes("sleep 27182", NULL), ==, 0);
}
