/* The Container methods for everyone who is not root, on real runc containers: OpenLog
 * (with and without follow, across a rotation, EOF at the exit), Attach (two clients of a
 * cat container), Exec (an interactive sh, with and without a terminal, its exit code
 * through the process object), Wait racing an exit, GetStatistics against the cgroup
 * files, ResizeTerminal, and the log files Delete removes or keeps. */
#include "ocid-test.h"

#include <gio/gunixfdlist.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROCESS "org.oci.Runtime.Process"

#define make(t, id, script, options) ocid_test_make_container(t, id, script, options, FALSE)
#define run(t, id, script, options)  ocid_test_make_container(t, id, script, options, TRUE)

/* Calls a method that returns a file descriptor first; *@reply gets the rest. */
static int
call_fd(OcidTest *t, const char *path, const char *interface, const char *method, GVariant *args,
	const char *reply_type, GVariant **reply, GError **error)
{
	g_autoptr(GUnixFDList) fds = NULL;
	g_autoptr(GVariant) r = g_dbus_connection_call_with_unix_fd_list_sync(
	    t->conn, "org.oci.Runtime", path, interface, method, args, G_VARIANT_TYPE(reply_type),
	    G_DBUS_CALL_FLAGS_NONE, 30000, NULL, &fds, NULL, error);
	gint32 handle = -1;

	if (r == NULL)
		return -1;
	g_variant_get_child(r, 0, "h", &handle);
	if (reply != NULL)
		*reply = g_variant_ref(r);
	return g_unix_fd_list_get(fds, handle, error);
}

/* Reads @fd until @needle has arrived (or EOF with @needle NULL); returns all read. */
static char *
read_until(int fd, const char *needle, guint timeout_ms)
{
	g_autoptr(GString) got = g_string_new(NULL);
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

	while (needle == NULL || strstr(got->str, needle) == NULL) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		gint64 left = (deadline - g_get_monotonic_time()) / 1000;
		char buf[4096];
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			g_error("timed out reading for '%s'; got: %s", needle ? needle : "EOF",
				got->str);
		n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		g_assert_cmpint(n, >=, 0);
		if (n == 0) {
			if (needle != NULL)
				g_error("EOF before '%s'; got: %s", needle, got->str);
			break;
		}
		g_string_append_len(got, buf, n);
	}
	return g_string_free(g_steal_pointer(&got), FALSE);
}

static void
write_all(int fd, const char *text)
{
	g_assert_cmpint(write(fd, text, strlen(text)), ==, (ssize_t)strlen(text));
}

/* ---- Wait ------------------------------------------------------------------------- */

/* The reply or the error of a Wait, whichever comes. */
typedef struct {
	GVariant *reply;
	GError *error;
} WaitOutcome;

static void
on_wait_outcome(GObject *source, GAsyncResult *result, gpointer user_data)
{
	WaitOutcome *out = user_data;

	out->reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &out->error);
}

static gboolean
outcome_is_set(gpointer data)
{
	const WaitOutcome *out = data;

	return out->reply != NULL || out->error != NULL;
}

static void
wait_async(OcidTest *t, const char *path, WaitOutcome *out)
{
	g_dbus_connection_call(t->conn, "org.oci.Runtime", path, CONTAINER, "Wait", NULL,
			       G_VARIANT_TYPE("(ib)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
			       on_wait_outcome, out);
}

/* The exit code a Wait answered with, once it has; -1 for an error. */
static gint32
waited_code(WaitOutcome *out, gboolean *oom)
{
	gint32 code = -1;

	g_assert_true(ocid_test_wait_for(outcome_is_set, out, 10000));
	if (out->reply != NULL)
		g_variant_get(out->reply, "(ib)", &code, oom);
	g_clear_pointer(&out->reply, g_variant_unref);
	return code;
}

static void
test_wait(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *path = NULL;
	g_autoptr(GVariant) late = NULL;
	g_autoptr(GError) error = NULL;
	WaitOutcome early = { 0 }, racing = { 0 };
	gint32 code = -1;
	gboolean oom = TRUE;

	if (t == NULL)
		return;
	/* Before Start, while it runs a moment, and after the exit: the same answer. */
	path = make(t, "waiter", "exit 7", NULL);
	wait_async(t, path, &early);
	ocid_test_start(t, path);
	/* Sent right after Start returned: it races the exit. */
	wait_async(t, path, &racing);
	g_assert_cmpint(waited_code(&early, &oom), ==, 7);
	g_assert_false(oom);
	g_assert_cmpint(waited_code(&racing, NULL), ==, 7);
	late = ocid_test_call(t, path, CONTAINER, "Wait", NULL, "(ib)", &error);
	g_assert_no_error(error);
	g_variant_get(late, "(ib)", &code, &oom);
	g_assert_cmpint(code, ==, 7);
	ocid_test_delete(t, path, FALSE);
}

/* A container deleted before it ever ran: its Wait answers (Delete kills it first, so with
 * its exit; had it gone otherwise, NoSuchContainer), and nothing is there to count or exec
 * in. */
static void
test_wait_deleted(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *path = NULL;
	WaitOutcome waited = { 0 };
	g_autoptr(GError) error = NULL;

	if (t == NULL)
		return;
	path = make(t, "never-run", "true", NULL);
	wait_async(t, path, &waited);
	g_assert_null(ocid_test_call(t, path, CONTAINER, "GetStatistics", NULL, "(a{sv})", &error));
	ocid_test_assert_error(error, "InvalidState");
	g_clear_error(&error);
	g_assert_null(ocid_test_call(t, path, CONTAINER, "Exec",
				     g_variant_new_parsed("(['/bin/true'], @a{sv} {})"), "(ho)",
				     &error));
	ocid_test_assert_error(error, "InvalidState");
	g_clear_error(&error);
	g_assert_null(ocid_test_call(t, path, CONTAINER, "ResizeTerminal",
				     g_variant_new("(uu)", 24, 80), NULL, &error));
	ocid_test_assert_error(error, "InvalidArgument");
	g_clear_error(&error);
	ocid_test_delete(t, path, FALSE);
	if (waited_code(&waited, NULL) != 128 + 9) {
		ocid_test_assert_error(waited.error, "NoSuchContainer");
		g_error_free(waited.error);
	}
}

/* ---- GetStatistics ---------------------------------------------------------------- */

/* A number from the container's cgroup, found as ocid does not: by controller name. */
static guint64
cgroup_number(int pid, const char *controller, const char *v1_file, const char *v2_file,
	      const char *key)
{
	g_autofree char *proc = g_strdup_printf("/proc/%d/cgroup", pid);
	g_autofree char *text = ocid_test_read_file(proc);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autofree char *file = NULL;
	g_autofree char *data = NULL;
	const char *p;

	for (char **l = lines; *l != NULL && file == NULL; l++) {
		g_auto(GStrv) f = g_strsplit(*l, ":", 3);
		g_auto(GStrv) names = NULL;

		if (g_strv_length(f) != 3)
			continue;
		names = g_strsplit(f[1], ",", -1);
		if (g_strv_contains((const char *const *)names, controller))
			file = g_strdup_printf("/sys/fs/cgroup/%s%s/%s", f[1], f[2], v1_file);
	}
	for (char **l = lines; *l != NULL && file == NULL; l++)
		if (g_str_has_prefix(*l, "0::")) {
			gboolean pure =
			    g_file_test("/sys/fs/cgroup/cgroup.controllers", G_FILE_TEST_EXISTS);
			file = g_strdup_printf("/sys/fs/cgroup%s%s/%s", pure ? "" : "/unified",
					       *l + 3, v2_file);
		}
	g_assert_nonnull(file);
	data = ocid_test_read_file(file);
	g_assert_nonnull(data);
	p = data;
	if (key != NULL && strstr(data, key) != NULL)
		p = strstr(data, key) + strlen(key) + 1;
	return g_ascii_strtoull(p, NULL, 10);
}

/* cpuacct.usage counts nanoseconds, cpu.stat's usage_usec microseconds. */
static guint64
cgroup_cpu_usec(int pid)
{
	guint64 v = cgroup_number(pid, "cpuacct", "cpuacct.usage", "cpu.stat", "usage_usec");

	return g_file_test("/sys/fs/cgroup/cgroup.controllers", G_FILE_TEST_EXISTS) ? v : v / 1000;
}

static guint64
stat_of(GVariant *stats, const char *key)
{
	guint64 value = 0;

	if (!g_variant_lookup(stats, key, "t", &value))
		g_error("GetStatistics has no %s", key);
	return value;
}

static void
test_statistics(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *path = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) stats = NULL;
	g_autoptr(GError) error = NULL;
	guint64 cpu_before, cpu_after, pids, memory;
	int pid;

	if (t == NULL)
		return;
	path = run(t, "counted",
		   "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exec sleep 1000", NULL);
	pid = ocid_test_get_int(t, path, "Pid");
	cpu_before = cgroup_cpu_usec(pid);
	reply = ocid_test_call(t, path, CONTAINER, "GetStatistics", NULL, "(a{sv})", &error);
	g_assert_no_error(error);
	cpu_after = cgroup_cpu_usec(pid);
	pids = cgroup_number(pid, "pids", "pids.current", "pids.current", NULL);
	memory = cgroup_number(pid, "memory", "memory.usage_in_bytes", "memory.current", NULL);
	stats = g_variant_get_child_value(reply, 0);
	/* CPU time only grows: the figure lies between the two readings around it. */
	g_assert_cmpuint(stat_of(stats, "cpu_usage_usec"), >=, cpu_before);
	g_assert_cmpuint(stat_of(stats, "cpu_usage_usec"), <=, cpu_after);
	g_assert_cmpuint(stat_of(stats, "pids_current"), ==, pids);
	g_assert_cmpuint(stat_of(stats, "memory_current"), >, 0);
	/* Memory moves a little between two reads of an idle sleep; the same order. */
	g_assert_cmpuint(stat_of(stats, "memory_current"), <=, memory + 1024 * 1024);
	g_assert_cmpuint(stat_of(stats, "memory_current") + 1024 * 1024, >=, memory);
	if (g_variant_lookup_value(stats, "memory_peak", NULL) != NULL)
		g_assert_cmpuint(stat_of(stats, "memory_peak"), >=,
				 stat_of(stats, "memory_current"));
	ocid_test_delete(t, path, TRUE);
}

/* ---- OpenLog ------------------------------------------------------------------------ */

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

static void
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
static void
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
static void
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

static void
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

/* ---- Exec and the process object ---------------------------------------------------- */

static char *
exec_sh(OcidTest *t, const char *path, gboolean tty, int *fd)
{
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GError) error = NULL;
	GVariantBuilder b;
	char *process = NULL;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", "tty", g_variant_new_boolean(tty));
	g_variant_builder_add(
	    &b, "{sv}", "env",
	    g_variant_new_strv((const char *const[]){ "GREETING=hello", NULL }, -1));
	g_variant_builder_add(&b, "{sv}", "cwd", g_variant_new_string("/tmp"));
	*fd = call_fd(t, path, CONTAINER, "Exec",
		      g_variant_new("(^asa{sv})", (const char *const[]){ "/bin/sh", NULL }, &b),
		      "(ho)", &reply, &error);
	g_assert_no_error(error);
	g_variant_get_child(reply, 1, "o", &process);
	return process;
}

static gint32
process_wait(OcidTest *t, const char *process)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply =
	    ocid_test_call(t, process, PROCESS, "Wait", NULL, "(i)", &error);
	gint32 code = -1;

	g_assert_no_error(error);
	g_variant_get(reply, "(i)", &code);
	return code;
}

static void
test_exec(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *path = NULL;
	g_autofree char *process = NULL;
	g_autofree char *got = NULL;
	g_autoptr(GError) error = NULL;
	int fd;

	if (t == NULL)
		return;
	path = run(t, "shell", "exec sleep 1000", NULL);

	/* Without a terminal: the socket is sh's stdin and output. */
	process = exec_sh(t, path, FALSE, &fd);
	ocid_test_assert_interface_matches(t, process, PROCESS);
	write_all(fd, "echo \"$GREETING-$((6*7))-$(pwd)\"\n");
	got = read_until(fd, "hello-42-/tmp\n", 10000);
	write_all(fd, "exit 5\n");
	g_assert_cmpint(process_wait(t, process), ==, 5);
	{
		g_autofree char *now = ocid_test_get_string(t, process, "State");

		g_assert_cmpint(ocid_test_get_int(t, process, "ExitCode"), ==, 5);
		g_assert_cmpstr(now, ==, "exited");
		/* The exit was announced. */
		g_assert_true(ocid_test_saw_signal(t, "PropertiesChanged", process, PROCESS));
	}
	/* The output ends with the process. */
	g_free(got);
	got = read_until(fd, NULL, 10000);
	close(fd);
	g_clear_pointer(&process, g_free);
	g_clear_pointer(&got, g_free);

	/* With one: a terminal that ResizeTerminal sizes; Kill ends it. */
	process = exec_sh(t, path, TRUE, &fd);
	g_assert_null(ocid_test_call(t, process, PROCESS, "ResizeTerminal",
				     g_variant_new("(uu)", 0, 80), NULL, &error));
	ocid_test_assert_error(error, "InvalidArgument");
	g_clear_error(&error);
	g_assert_nonnull(ocid_test_call(t, process, PROCESS, "ResizeTerminal",
					g_variant_new("(uu)", 33, 101), NULL, &error));
	g_assert_no_error(error);
	write_all(fd, "stty size; echo tty-$((2+3))\n");
	got = read_until(fd, "tty-5", 10000);
	g_assert_nonnull(strstr(got, "33 101"));
	g_assert_nonnull(ocid_test_call(t, process, PROCESS, "Kill", g_variant_new("(s)", "KILL"),
					NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpint(process_wait(t, process), ==, 128 + 9);
	close(fd);

	/* A command that does not exist fails the call, with no object left. */
	{
		g_autoptr(GVariant) reply = NULL;
		GVariantBuilder b;

		g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
		g_assert_cmpint(
		    call_fd(t, path, CONTAINER, "Exec",
			    g_variant_new("(^asa{sv})",
					  (const char *const[]){ "/nonexistent", NULL }, &b),
			    "(ho)", &reply, &error),
		    ==, -1);
		ocid_test_assert_error(error, "RuntimeFailed");
		/* The runtime's own reason, for the caller (ocictl's 126 and 127). */
		g_test_message("Exec of /nonexistent: %s", error->message);
		g_assert_nonnull(strstr(error->message, "/nonexistent"));
		g_clear_error(&error);
	}
	ocid_test_delete(t, path, TRUE);
}

/* ---- ResizeTerminal on a terminal container ----------------------------------------- */

static void
test_resize_container(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *path = NULL;
	g_autofree char *got = NULL;
	g_autoptr(GError) error = NULL;
	GVariantBuilder b;
	int fd;

	if (t == NULL)
		return;
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", "terminal", g_variant_new_boolean(TRUE));
	g_variant_builder_add(&b, "{sv}", "stdin", g_variant_new_boolean(TRUE));
	path = run(t, "termed", "exec sh", g_variant_builder_end(&b));
	g_assert_nonnull(ocid_test_call(t, path, CONTAINER, "ResizeTerminal",
					g_variant_new("(uu)", 21, 61), NULL, &error));
	g_assert_no_error(error);
	fd = call_fd(t, path, CONTAINER, "Attach", g_variant_new_parsed("(@a{sv} {},)"), "(h)",
		     NULL, &error);
	g_assert_no_error(error);
	write_all(fd, "stty size; echo sized-$((1+1))\n");
	got = read_until(fd, "sized-2", 10000);
	g_assert_nonnull(strstr(got, "21 61"));
	close(fd);
	ocid_test_delete(t, path, TRUE);
}

/* ---- as another user ------------------------------------------------------------------ */

/* The client half: this binary run again as an ordinary user (through setpriv), doing what
 * a desktop tool would with the fd it gets. Prints what it read; a D-Bus error's name goes
 * to stderr and the exit code is 1. */
static int
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
static void
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

static void
add_tests(void)
{
	/* Small enough that the chatty container's 120 lines rotate its log. */
	ocid_test_set_extra_config("log_size_max = 2048\n");
	g_test_add_func("/api/wait", test_wait);
	g_test_add_func("/api/wait-deleted", test_wait_deleted);
	g_test_add_func("/api/statistics", test_statistics);
	g_test_add_func("/api/logs", test_logs);
	g_test_add_func("/api/log-kept", test_log_kept);
	g_test_add_func("/api/log-sparse-tail", test_log_sparse_tail);
	g_test_add_func("/api/attach", test_attach);
	g_test_add_func("/api/exec", test_exec);
	g_test_add_func("/api/resize-container", test_resize_container);
	g_test_add_func("/api/as-users", test_as_users);
}

int
main(int argc, char **argv)
{
	if (argc == 4 && g_str_equal(argv[1], "--as-client"))
		return client_main(argc, argv);
	return ocid_test_main(argc, argv, add_tests);
}
