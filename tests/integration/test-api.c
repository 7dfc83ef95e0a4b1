/* The Container methods for everyone who is not root, on real runc containers: OpenLog
 * (with and without follow, across a rotation, EOF at the exit), Attach (two clients of a
 * cat container), Exec (an interactive sh, with and without a terminal, its exit code
 * through the process object), Wait racing an exit, GetStatistics against the cgroup
 * files, ResizeTerminal, and the log files Delete removes or keeps. */
#include "api-test.h"

/* Calls a method that returns a file descriptor first; *@reply gets the rest. */
int
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
char *
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

void
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

/* The container's process has become `sleep` (its shell's exec): from then on its memory
 * and pids stay put between the reads compared below. */
static gboolean
runs_sleep(gpointer data)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/comm", GPOINTER_TO_INT(data));
	g_autofree char *comm = NULL;

	return g_file_get_contents(path, &comm, NULL, NULL) && g_str_equal(comm, "sleep\n");
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
	g_assert_true(ocid_test_wait_for(runs_sleep, GINT_TO_POINTER(pid), 10000));
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
