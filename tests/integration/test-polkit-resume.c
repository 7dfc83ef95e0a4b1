/* A call resumed by polkit's answer (issue 20): sd-bus dispatches it to its method again,
 * which goes on with what it had prepared (a CreateContainer's files are read once), and
 * a call whose caller left while polkit was asked is dropped, not carried out. */
#include "polkit-test.h"

#include <signal.h>
#include <sys/wait.h>

/* A bundle decided privileged, its config.json replaced by bytes that are not JSON while
 * create-privileged is asked: the create goes on with the spec read before the question.
 * A second read would fail to parse. */
void
test_files_read_once(void)
{
	OcidTest *t = setup_private_or_skip();
	const char *const both[] = { CREATE, PRIVILEGED, NULL };
	g_autofree char *bundle = NULL;
	g_autofree char *config = NULL;
	g_autofree char *dir = NULL;
	g_autofree char *effective_path = NULL;
	g_autofree char *effective = NULL;
	const char *args[] = { "read-once", "", NULL, "{}", NULL };
	DelayedCall call = { t, MANAGER_PATH, MANAGER ".CreateContainer", args, { 0 } };
	GThread *caller;
	Authority *a;

	if (t == NULL)
		return;
	bundle = make_host_network_bundle(t, "read-once");
	config = g_build_filename(bundle, "config.json", NULL);
	args[2] = bundle;
	a = authority_start(t);
	authority_set(a, ANSWER_NO, both);
	/* create first, then create-privileged: replace it while the second is asked. */
	caller = call_held_at_second(a, &call);
	g_assert_true(g_file_set_contents(config, "this is not JSON", -1, NULL));
	authority_release(a);
	g_thread_join(caller);
	if (call.result.status != 0)
		g_error("create as %s was refused: %s", NOBODY, call.result.err);
	call_result_clear(&call.result);
	assert_question(authority_question(a, 2, 1), getpwnam(NOBODY)->pw_uid, PRIVILEGED,
			"read-once", "create", 0);

	/* It runs the spec that was read: the host's network, so no network namespace. */
	dir = ocid_test_get_string(t, MANAGER_PATH "/container/read_2donce", "Dir");
	effective_path = g_build_filename(dir, "config.json", NULL);
	effective = ocid_test_read_file(effective_path);
	g_assert_nonnull(strstr(effective, "\"process\""));
	g_assert_null(strstr(effective, "\"network\""));
	ocid_test_delete(t, MANAGER_PATH "/container/read_2donce", TRUE);
	authority_stop(a);
}

/* The pid of the connection polkit was asked about, as the bus knows it. */
static pid_t
pid_of(OcidTest *t, const char *unique_name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
	    t->conn, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
	    "GetConnectionUnixProcessID", g_variant_new("(s)", unique_name), G_VARIANT_TYPE("(u)"),
	    G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
	guint32 pid = 0;

	g_assert_no_error(error);
	g_variant_get(reply, "(u)", &pid);
	return (pid_t)pid;
}

/* Waits until the bus has seen @unique_name leave; it told ocid first. */
static void
wait_gone(OcidTest *t, const char *unique_name)
{
	gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	gboolean has_owner = TRUE;

	while (has_owner && g_get_monotonic_time() < end) {
		g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
		    t->conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
		    "org.freedesktop.DBus", "NameHasOwner", g_variant_new("(s)", unique_name),
		    G_VARIANT_TYPE("(b)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);

		g_assert_nonnull(reply);
		g_variant_get(reply, "(b)", &has_owner);
	}
	g_assert_false(has_owner);
}

/* ocid stopped the way systemd stops it exits 0; in the ASan lane LeakSanitizer's check
 * at exit turns anything the dropped call left behind into an abort. Started again for
 * the tests that follow. */
static void
assert_clean_stop(OcidTest *t)
{
	int status = 0;

	g_assert_cmpint(kill(t->ocid_pid, SIGTERM), ==, 0);
	g_assert_cmpint(waitpid(t->ocid_pid, &status, 0), ==, t->ocid_pid);
	t->ocid_pid = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		g_error("ocid did not stop cleanly (wait status %d); see its log", status);
	g_assert_true(ocid_test_wait_name_owner(t, FALSE, 5000));
	ocid_test_start_daemon(t);
}

/* A caller killed while polkit is asked about her Start: the answer, a yes, comes after
 * she is gone, and nothing is started for nobody; ocid stays up, her next call is asked
 * about and carried out, and nothing of the dropped call is left at exit. */
void
test_caller_leaves(void)
{
	OcidTest *t = setup_private_or_skip();
	const char *const manage[] = { MANAGE, NULL };
	g_autofree char *bundle = NULL;
	g_autofree char *left = NULL;
	g_autofree char *later = NULL;
	g_autofree char *name = NULL;
	g_autofree char *state = NULL;
	g_autoptr(GError) error = NULL;
	DelayedCall call = { t, NULL, CONTAINER ".Start", NULL, { 0 } };
	GThread *caller;
	Authority *a;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "left", "sleep 300");
	left = ocid_test_create(t, "left", "left", bundle, NULL, &error);
	g_assert_no_error(error);
	later = ocid_test_create(t, "later", "later", bundle, NULL, &error);
	g_assert_no_error(error);
	a = authority_start(t);
	authority_set(a, ANSWER_NO, manage);
	authority_hold(a);
	call.path = left;
	caller = g_thread_new("caller", call_as_nobody, &call);
	authority_wait_held(a);
	name = g_strdup(authority_question(a, 1, 0)->subject_name);
	/* gdbus, which setpriv exec'd: a process this test started. */
	g_assert_cmpint(kill(pid_of(t, name), SIGKILL), ==, 0);
	g_thread_join(caller);
	g_assert_cmpint(call.result.status, !=, 0);
	call_result_clear(&call.result);
	wait_gone(t, name);
	authority_release(a);

	/* The bus delivers in order: by the time this answer reaches ocid, the one for the
	 * caller who left has. */
	g_free(assert_allowed(t, NOBODY, later, CONTAINER ".Start", NULL));
	g_assert_true(ocid_test_wait_state(t, later, "running", 5000));
	/* Had her Start gone on, this one would be refused: being started already. */
	state = state_of(t, left);
	g_assert_cmpstr(state, ==, "created");
	ocid_test_start(t, left);
	g_assert_true(ocid_test_wait_state(t, left, "running", 5000));
	ocid_test_delete(t, left, TRUE);
	ocid_test_delete(t, later, TRUE);
	authority_stop(a);
	assert_clean_stop(t);
}
