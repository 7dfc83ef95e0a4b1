/* Escapes through files: log_path at root's files, a bundle under /root, a seccomp profile
 * of root's, and OpenLog's tail of a huge log. */
#include "escape-test.h"

void
test_log_path_etc(void)
{
	static const char *const targets[] = { "/etc/ld.so.preload", "/etc/ocid-escape-newfile",
					       "/etc/passwd" };
	OcidTest *t = setup_or_skip();
	gboolean escaped = FALSE;

	if (t == NULL)
		return;
	for (gsize i = 0; i < G_N_ELEMENTS(targets); i++) {
		const char *target = targets[i];
		g_autofree char *id = g_strdup_printf("esc-log-etc-%zu", i);
		g_autofree char *bundle = attacker_bundle(t, id, "echo INJECTED", NULL, NULL);
		g_autofree char *options = g_strdup_printf("{'log_path': <'%s'>}", target);
		g_autofree char *before_text = NULL;
		g_autofree char *before = checksum_of(target);
		g_autofree char *after = NULL;
		g_autofree char *path = NULL;
		g_auto(CallResult) r = { 0 };
		gboolean existed = before != NULL;

		g_test_message("log_path %s", target);
		if (existed)
			g_assert_true(g_file_get_contents(target, &before_text, NULL, NULL));
		create_as(ATTACKER, id, bundle, options, &r);
		path = container_path(t, id);
		/* Not run with /etc/ld.so.preload: its log lines would be preloaded. */
		if (path != NULL && !g_str_equal(target, "/etc/ld.so.preload"))
			run_to_end_as(t, ATTACKER, path);
		after = checksum_of(target);
		/* Put the host back before judging: an /etc/ld.so.preload of log lines would
		 * make every later process complain. */
		if (path != NULL)
			ocid_test_delete(t, path, TRUE);
		if (existed && g_strcmp0(before, after) != 0)
			g_assert_true(g_file_set_contents(target, before_text, -1, NULL));
		if (!existed && after != NULL)
			(void)unlink(target);

		if (!is_refusal(&r)) {
			g_test_message("log_path %s was not refused (exit %d): %s", target,
				       r.status, r.err);
			escaped = TRUE;
		}
		if (g_strcmp0(before, after) != 0) {
			g_test_message("%s was %s by %s's container", target,
				       existed ? "changed" : "created", ATTACKER);
			escaped = TRUE;
		}
		g_assert_null(container_path(t, id));
	}
	g_assert_false(escaped);
}

/* ---- c. log_path at a root-only file, then OpenLog --------------------------------- */

/* OpenLog of @path as @user through this binary's --open-log mode: what it read comes
 * back in @result's out. */
static void
open_log_as(const char *user, const char *path, const char *tail, CallResult *result)
{
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	const char *argv[] = { self, "--open-log", path, tail, NULL };

	run_as(user, argv, result);
}

void
test_log_path_secret(void)
{
	OcidTest *t = setup_or_skip();
	const char *secret_path = "/root/ocid-escape-secret";
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autofree char *before = NULL;
	g_auto(CallResult) r = { 0 };

	if (t == NULL)
		return;
	write_root_secret(secret_path, SECRET "\n");
	before = checksum_of(secret_path);
	bundle = attacker_bundle(t, "esc-log-secret", "echo INJECTED", NULL, NULL);
	create_as(ATTACKER, "esc-log-secret", bundle, "{'log_path': <'/root/ocid-escape-secret'>}",
		  &r);
	assert_no_leak(&r, SECRET, "CreateContainer with log_path /root/...");
	path = container_path(t, "esc-log-secret");
	if (path != NULL) {
		g_auto(CallResult) log = { 0 };
		g_autofree char *after = NULL;

		open_log_as(ATTACKER, path, "0", &log);
		g_test_message("OpenLog as %s (exit %d): %s %s", ATTACKER, log.status, log.out,
			       log.err);
		assert_no_leak(&log, SECRET, "OpenLog of a log_path under /root");
		run_to_end_as(t, ATTACKER, path);
		after = checksum_of(secret_path);
		g_assert_cmpstr(before, ==, after);
		ocid_test_delete(t, path, TRUE);
	}
	assert_refused(&r, "CreateContainer with log_path /root/ocid-escape-secret");
	(void)unlink(secret_path);
}

/* ---- d. log_path at another container's log ------------------------------------- */

/* Creates esc-log-inject as the attacker with log_path @log, runs it if it was created,
 * and returns what was answered. */
static void
inject_into(OcidTest *t, const char *id, const char *log, CallResult *r)
{
	g_autofree char *bundle = attacker_bundle(t, id, "echo INJECTED", NULL, NULL);
	g_autofree char *options = g_strdup_printf("{'log_path': <'%s'>}", log);
	g_autofree char *path = NULL;

	create_as(ATTACKER, id, bundle, options, r);
	path = container_path(t, id);
	if (path != NULL) {
		run_to_end_as(t, ATTACKER, path);
		ocid_test_delete(t, path, TRUE);
	}
}

static void
assert_not_injected(const char *log)
{
	g_autofree char *text = ocid_test_read_file(log);

	if (strstr(text, "INJECTED") != NULL)
		g_error("%s's container wrote into another container's log %s: %s", ATTACKER, log,
			text);
}

void
test_log_path_other_container(void)
{
	OcidTest *t = setup_or_skip();
	g_autofree char *victim = NULL;
	g_autofree char *victim_log = NULL;
	g_autofree char *dir = NULL;
	g_autofree char *own_log = NULL;
	g_autofree char *own_bundle = NULL;
	g_autofree char *own_options = NULL;
	g_autofree char *own = NULL;
	g_auto(CallResult) roots = { 0 };
	g_auto(CallResult) hers = { 0 };
	g_auto(CallResult) r = { 0 };

	if (t == NULL)
		return;
	/* Root's container's log, which she cannot open anyway. */
	victim =
	    ocid_test_make_container(t, "esc-victim", "echo victim-line; sleep 300", NULL, TRUE);
	g_assert_true(ocid_test_wait_output(t, victim, "victim-line", scaled(20000)));
	victim_log = ocid_test_get_string(t, victim, "LogPath");
	inject_into(t, "esc-log-inject", victim_log, &roots);
	assert_not_injected(victim_log);
	ocid_test_delete(t, victim, TRUE);
	assert_refused(&roots, "log_path of root's container's log");

	/* Her own container's log, in a dir of hers: she could open it, but it is taken. */
	dir = g_build_filename(t->tmpdir, "esc-own-logs", NULL);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	chown_tree(dir, uid_of(ATTACKER), gid_of(ATTACKER));
	own_log = g_build_filename(dir, "first.log", NULL);
	own_bundle = attacker_bundle(t, "esc-log-first", "echo first-line; sleep 300", NULL, NULL);
	own_options = g_strdup_printf("{'log_path': <'%s'>}", own_log);
	create_as(ATTACKER, "esc-log-first", own_bundle, own_options, &r);
	if (r.status != 0)
		g_error("create with her own log_path was refused: %s", r.err);
	own = container_path(t, "esc-log-first");
	inject_into(t, "esc-log-inject2", own_log, &hers);
	if (g_file_test(own_log, G_FILE_TEST_EXISTS))
		assert_not_injected(own_log);
	ocid_test_delete(t, own, TRUE);
	if (!is_refusal(&hers) || strstr(hers.err, "InvalidArgument") == NULL)
		g_error("log_path of another container's log: expected InvalidArgument, got "
			"(exit %d): %s",
			hers.status, hers.err);
}

/* ---- e. a bundle under /root ---------------------------------------------------- */

void
test_bundle_under_root(void)
{
	OcidTest *t = setup_or_skip();
	const char *bundle = "/root/ocid-escape-bundle";
	const char *argv[] = { "sh", g_getenv("OCID_MAKE_BUNDLE"), bundle, "/bin/sh",
			       "-c", "echo ROOTMARKER987",         NULL };
	g_autofree char *path = NULL;
	g_auto(CallResult) r = { 0 };
	int status = 0;

	if (t == NULL)
		return;
	g_assert_nonnull(argv[1]);
	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
				   NULL, &status, NULL));
	g_assert_cmpint(status, ==, 0);
	g_assert_cmpint(chmod("/root", 0700), ==, 0);
	create_as(ATTACKER, "esc-root-bundle", bundle, NULL, &r);
	path = container_path(t, "esc-root-bundle");
	if (path != NULL)
		ocid_test_delete(t, path, TRUE);
	{
		const char *rm[] = { "rm", "-rf", bundle, NULL };
		g_assert_true(g_spawn_sync(NULL, (char **)rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
					   NULL, NULL, NULL, NULL));
	}
	assert_no_leak(&r, "ROOTMARKER987", "CreateContainer of a bundle under /root");
	g_assert_null(path);
	assert_refused(&r, "CreateContainer of a bundle under /root");
}

/* ---- f. seccomp_profile_path at root's files -------------------------------------- */

void
test_seccomp_profile_secret(void)
{
	OcidTest *t = setup_or_skip();
	const char *secret_path = "/root/ocid-escape-secret";
	const char *profile_path = "/root/ocid-escape-seccomp.json";
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_auto(CallResult) r = { 0 };
	g_auto(CallResult) valid = { 0 };

	if (t == NULL)
		return;
	write_root_secret(secret_path, SECRET "\n");
	/* A valid profile, readable by root alone: its validity must not matter. */
	write_root_secret(profile_path, "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}\n");
	bundle = attacker_bundle(t, "esc-seccomp", "echo ran", NULL, NULL);
	create_as(ATTACKER, "esc-seccomp", bundle,
		  "{'seccomp_profile_path': <'/root/ocid-escape-secret'>}", &r);
	create_as(ATTACKER, "esc-seccomp-valid", bundle,
		  "{'seccomp_profile_path': <'/root/ocid-escape-seccomp.json'>}", &valid);
	delete_if_there(t, "esc-seccomp");
	delete_if_there(t, "esc-seccomp-valid");
	(void)unlink(secret_path);
	(void)unlink(profile_path);
	assert_no_leak(&r, SECRET, "seccomp_profile_path of a root-only file");
	assert_refused(&r, "seccomp_profile_path of a root-only file");
	assert_refused(&valid, "seccomp_profile_path of a root-only valid profile");
}

/* ---- j. OpenLog's tail of a huge log does not stop the daemon ---------------------- */

typedef struct {
	gboolean done;
	gint64 started;
	gint64 latency;
	GError *error;
} ListCall;

static void
on_listed(GObject *source, GAsyncResult *result, gpointer data)
{
	ListCall *call = data;
	g_autoptr(GVariant) reply =
	    g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &call->error);

	call->latency = g_get_monotonic_time() - call->started;
	call->done = TRUE;
}

static gboolean
list_done(gpointer data)
{
	return ((ListCall *)data)->done;
}

typedef struct {
	gboolean exited;
	int status;
} Child;

static void
on_child_exit(GPid pid, int status, gpointer data)
{
	Child *child = data;

	child->exited = TRUE;
	child->status = status;
	g_spawn_close_pid(pid);
}

static gboolean
child_exited(gpointer data)
{
	return ((Child *)data)->exited;
}

void
test_open_log_huge_tail(void)
{
	OcidTest *t = setup_or_skip();
	g_autofree char *dir = NULL;
	g_autofree char *log = NULL;
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autofree char *options = NULL;
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	g_auto(CallResult) r = { 0 };
	gint64 worst = 0;
	guint lists = 0;
	Child child = { 0 };
	GPid pid;

	if (t == NULL)
		return;
	dir = g_build_filename(t->tmpdir, "esc-huge-log", NULL);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	log = g_build_filename(dir, "huge.log", NULL);
	{
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		g_assert_cmpint(fd, >=, 0);
		g_assert_cmpint(ftruncate(fd, (off_t)16 << 30), ==, 0);
		close(fd);
	}
	chown_tree(dir, uid_of(ATTACKER), gid_of(ATTACKER));
	bundle = attacker_bundle(t, "esc-huge", "echo tiny", NULL, NULL);
	options = g_strdup_printf("{'log_path': <'%s'>}", log);
	create_as(ATTACKER, "esc-huge", bundle, options, &r);
	if (r.status != 0)
		g_error("create with her own log_path was refused: %s", r.err);
	path = container_path(t, "esc-huge");

	{
		g_autofree char *uid = g_strdup_printf("--reuid=%u", (unsigned)uid_of(ATTACKER));
		g_autofree char *gid = g_strdup_printf("--regid=%u", (unsigned)gid_of(ATTACKER));
		const char *argv[] = { "setpriv",   uid,          gid,  "--init-groups",
				       self,        "--open-log", path, "18446744073709551615",
				       "--discard", NULL };
		g_autoptr(GError) error = NULL;

		g_assert_true(g_spawn_async("/", (char **)argv, NULL,
					    G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
						G_SPAWN_STDOUT_TO_DEV_NULL,
					    NULL, NULL, &pid, &error));
		g_assert_no_error(error);
		g_child_watch_add(pid, on_child_exit, &child);
	}
	/* Root lists, one call after another, for as long as her OpenLog is answered and
	 * read (or 60 s): every answer comes within 1 s. */
	{
		gint64 end = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;

		while ((!child.exited || lists < 3) && g_get_monotonic_time() < end) {
			ListCall call = { FALSE, g_get_monotonic_time(), 0, NULL };

			g_dbus_connection_call(
			    t->conn, "org.oci.Runtime", MANAGER_PATH, MANAGER, "ListContainers",
			    g_variant_new_parsed("(@a{sv} {},)"), G_VARIANT_TYPE("(a(sssto))"),
			    G_DBUS_CALL_FLAGS_NONE, 30000, NULL, on_listed, &call);
			g_assert_true(ocid_test_wait_for(list_done, &call, 31000));
			if (call.error != NULL)
				g_error("ListContainers while her OpenLog(tail=2^64-1) ran: %s "
					"after %" G_GINT64_FORMAT " ms",
					call.error->message, call.latency / 1000);
			worst = MAX(worst, call.latency);
			lists++;
		}
	}
	if (!child.exited) {
		kill(pid, SIGKILL);
		g_assert_true(ocid_test_wait_for(child_exited, &child, 10000));
	}
	g_test_message("%u ListContainers while OpenLog(tail=2^64-1) of a 16 GiB log; the "
		       "slowest took %" G_GINT64_FORMAT " ms",
		       lists, worst / 1000);
	ocid_test_delete(t, path, TRUE);
	g_assert_cmpint(worst, <, (gint64)scaled(1000) * 1000);
}
