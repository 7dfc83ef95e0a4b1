/* The API's OpenLog (a log's fd, kept after the container, a sparse tail) and Attach. */
#include "api-test.h"

static void
assert_lines_in_order(const char *log, int count)
{
	const char *p = log;

	for (int i = 0; i < count; i++) {
		g_autofree char *needle = g_strdup_printf(" stdout F line-%d\n", i);
		const char *found = strstr(p, needle);

		if (found == NULL)
			g_error("line-%d missing (or out of order) in: %s", i, log);
		p = found + strlen(needle);
	}
}

void
test_logs(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *path = NULL;
	g_autofree char *log_path = NULL;
	g_autofree char *rotated = NULL;
	g_autofree char *followed = NULL;
	g_autofree char *whole = NULL;
	g_autofree char *tail = NULL;
	g_autofree char *file = NULL;
	g_autoptr(GError) error = NULL;
	GVariantBuilder b;
	int fd;

	if (t == NULL)
		return;
	/* Small enough that 120 lines rotate the log (on the private bus the config has it
	 * from the start, see add_tests). */
	if (t->system_mode)
		ocid_test_set_runtime_config(t, "log-size", "log_size_max = 2048");
	/* Slowly, so that the follower sees the file grow and rotate. */
	path = make(t, "chatty",
		    "i=0; while [ $i -lt 120 ]; do echo line-$i; i=$((i+1)); "
		    "[ $((i % 10)) = 0 ] && sleep 0.1; done",
		    NULL);
	log_path = ocid_test_get_string(t, path, "LogPath");
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", "follow", g_variant_new_boolean(TRUE));
	fd = call_fd(t, path, CONTAINER, "OpenLog", g_variant_new("(a{sv})", &b), "(h)", NULL,
		     &error);
	g_assert_no_error(error);
	ocid_test_start(t, path);
	/* EOF comes once the container has stopped and everything is read. */
	followed = read_until(fd, NULL, 30000);
	close(fd);
	g_assert_true(ocid_test_wait_state(t, path, "stopped", 10000));
	assert_lines_in_order(followed, 120);
	rotated = g_strconcat(log_path, ".1", NULL);
	g_assert_true(g_file_test(rotated, G_FILE_TEST_EXISTS));

	/* Without follow: the file itself, from the start; with tail, its last lines. */
	fd = call_fd(t, path, CONTAINER, "OpenLog", g_variant_new_parsed("(@a{sv} {},)"), "(h)",
		     NULL, &error);
	g_assert_no_error(error);
	whole = read_until(fd, NULL, 5000);
	close(fd);
	file = ocid_test_read_file(log_path);
	g_assert_cmpstr(whole, ==, file);
	g_assert_true(g_str_has_suffix(whole, " stdout F line-119\n"));
	fd = call_fd(t, path, CONTAINER, "OpenLog", g_variant_new_parsed("({'tail': <uint64 2>},)"),
		     "(h)", NULL, &error);
	g_assert_no_error(error);
	tail = read_until(fd, NULL, 5000);
	close(fd);
	g_assert_nonnull(strstr(tail, " stdout F line-118\n"));
	g_assert_true(g_str_has_suffix(tail, " stdout F line-119\n"));
	g_assert_cmpint(g_strv_length((char **)g_strsplit(tail, "\n", -1)), ==, 3);

	/* Following a stopped container: what there is, then EOF at once. */
	g_free(followed);
	fd = call_fd(t, path, CONTAINER, "OpenLog", g_variant_new_parsed("({'follow': <true>},)"),
		     "(h)", NULL, &error);
	g_assert_no_error(error);
	followed = read_until(fd, NULL, 10000);
	close(fd);
	g_assert_cmpstr(followed, ==, file);
	/* Both: from the last line on. */
	g_free(followed);
	fd = call_fd(t, path, CONTAINER, "OpenLog",
		     g_variant_new_parsed("({'follow': <true>, 'tail': <uint64 1>},)"), "(h)", NULL,
		     &error);
	g_assert_no_error(error);
	followed = read_until(fd, NULL, 10000);
	close(fd);
	g_assert_true(g_str_has_suffix(followed, " stdout F line-119\n"));
	/* One line: its newline is the last byte. */
	g_assert_true(strchr(followed, '\n') == followed + strlen(followed) - 1);

	/* Unknown options are refused by name. */
	g_assert_cmpint(call_fd(t, path, CONTAINER, "OpenLog",
				g_variant_new_parsed("({'lines': <uint64 2>},)"), "(h)", NULL,
				&error),
			==, -1);
	ocid_test_assert_error(error, "InvalidArgument");
	g_clear_error(&error);

	/* Delete removes the log ocid named, and its rotated copy. */
	ocid_test_delete(t, path, FALSE);
	g_assert_false(g_file_test(log_path, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(rotated, G_FILE_TEST_EXISTS));
	if (t->system_mode)
		ocid_test_set_runtime_config(t, "log-size", NULL);
}

/* A log_path the caller chose is the caller's: it stays. */
void
test_log_kept(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *path = NULL;
	g_autofree char *own = NULL;
	g_autofree char *text = NULL;
	GVariantBuilder b;

	if (t == NULL)
		return;
	own = g_build_filename(t->tmpdir, "kubelet-owned.log", NULL);
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", "log_path", g_variant_new_string(own));
	path = make(t, "owned", "echo mine", g_variant_builder_end(&b));
	ocid_test_start(t, path);
	g_assert_true(ocid_test_wait_state(t, path, "stopped", 10000));
	ocid_test_delete(t, path, FALSE);
	text = ocid_test_read_file(own);
	g_assert_nonnull(text);
	g_assert_nonnull(strstr(text, " stdout F mine\n"));
}

typedef struct {
	gboolean done;
	int fd;
	GError *error;
} LogReply;

static void
on_open_log_reply(GObject *source, GAsyncResult *result, gpointer user_data)
{
	LogReply *reply = user_data;
	g_autoptr(GUnixFDList) fds = NULL;
	g_autoptr(GVariant) r = g_dbus_connection_call_with_unix_fd_list_finish(
	    G_DBUS_CONNECTION(source), &fds, result, &reply->error);
	gint32 handle = -1;

	if (r != NULL) {
		g_variant_get_child(r, 0, "h", &handle);
		reply->fd = g_unix_fd_list_get(fds, handle, &reply->error);
	}
	reply->done = TRUE;
}

static gboolean
log_replied(gpointer data)
{
	return ((LogReply *)data)->done;
}

#define SPARSE_LOG_SIZE ((off_t)16 << 30)

/* OpenLog with a tail larger than any log, on a 16 GiB log that is almost all hole: the
 * search runs off the main loop and skips the hole, so another call is answered meanwhile,
 * and the log is positioned at its start. Tails of one and two lines land past the hole
 * and at its start. */
void
test_log_sparse_tail(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *path = NULL;
	g_autofree char *log_path = NULL;
	g_autofree char *state = NULL;
	g_autoptr(GError) error = NULL;
	LogReply reply = { .fd = -1 };
	/* The hole (zeros, no newline) ends as a line of its own; the last line follows. */
	const char last[] = "\n2025-01-01T00:00:00.000000000Z stdout F last\n";
	struct stat st;
	gint64 asked;
	int log_fd;
	int fd;

	if (t == NULL)
		return;
	path = run(t, "sparse-log", "echo first", NULL);
	g_assert_true(ocid_test_wait_state(t, path, "stopped", 10000));
	log_path = ocid_test_get_string(t, path, "LogPath");
	log_fd = open(log_path, O_WRONLY | O_CLOEXEC);
	g_assert_cmpint(log_fd, >=, 0);
	g_assert_cmpint(fstat(log_fd, &st), ==, 0); /* the first line */
	if (ftruncate(log_fd, SPARSE_LOG_SIZE) < 0) {
		g_test_skip("the log's filesystem has no room for a 16 GiB sparse file");
		close(log_fd);
		ocid_test_delete(t, path, FALSE);
		return;
	}
	g_assert_cmpint(pwrite(log_fd, last, strlen(last), SPARSE_LOG_SIZE), ==, strlen(last));
	close(log_fd);

	g_dbus_connection_call_with_unix_fd_list(
	    t->conn, "org.oci.Runtime", path, CONTAINER, "OpenLog",
	    g_variant_new_parsed("({'tail': <uint64 18446744073709551615>},)"),
	    G_VARIANT_TYPE("(h)"), G_DBUS_CALL_FLAGS_NONE, 120000, NULL, NULL, on_open_log_reply,
	    &reply);
	/* Another caller, while that search may still run. */
	asked = g_get_monotonic_time();
	state = ocid_test_get_string(t, path, "State");
	g_assert_cmpstr(state, ==, "stopped");
	g_assert_cmpint(g_get_monotonic_time() - asked, <,
			(gint64)G_USEC_PER_SEC * ocid_test_time_scale());

	g_assert_true(ocid_test_wait_for(log_replied, &reply, 60000));
	g_assert_no_error(reply.error);
	g_assert_cmpint(lseek(reply.fd, 0, SEEK_CUR), ==, 0);
	close(reply.fd);

	fd = call_fd(t, path, CONTAINER, "OpenLog", g_variant_new_parsed("({'tail': <uint64 1>},)"),
		     "(h)", NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(lseek(fd, 0, SEEK_CUR), ==, SPARSE_LOG_SIZE + 1);
	close(fd);
	fd = call_fd(t, path, CONTAINER, "OpenLog", g_variant_new_parsed("({'tail': <uint64 2>},)"),
		     "(h)", NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(lseek(fd, 0, SEEK_CUR), ==, st.st_size);
	close(fd);
	ocid_test_delete(t, path, FALSE);
}

/* ---- Attach ------------------------------------------------------------------------ */

void
test_attach(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *path = NULL;
	g_autofree char *a_got = NULL;
	g_autofree char *b_got = NULL;
	g_autofree char *a_again = NULL;
	g_autoptr(GError) error = NULL;
	GVariantBuilder b;
	int a, c;

	if (t == NULL)
		return;
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", "stdin", g_variant_new_boolean(TRUE));
	path = run(t, "catty", "exec cat", g_variant_builder_end(&b));
	a = call_fd(t, path, CONTAINER, "Attach", g_variant_new_parsed("(@a{sv} {},)"), "(h)", NULL,
		    &error);
	g_assert_no_error(error);
	c = call_fd(t, path, CONTAINER, "Attach", g_variant_new_parsed("(@a{sv} {},)"), "(h)", NULL,
		    &error);
	g_assert_no_error(error);
	/* One writes; cat's answer reaches both. */
	write_all(a, "from-a\n");
	a_got = read_until(a, "from-a\n", 10000);
	b_got = read_until(c, "from-a\n", 10000);
	/* The other writes; and closing one detaches it alone. */
	write_all(c, "from-b\n");
	a_again = read_until(a, "from-b\n", 10000);
	close(c);
	write_all(a, "after\n");
	g_free(a_again);
	a_again = read_until(a, "after\n", 10000);
	close(a);
	g_assert_true(ocid_test_wait_output(t, path, "after", 10000));
	ocid_test_delete(t, path, TRUE);
}
