/* Authorization. On the private bus (meson test): without polkit only root changes
 * anything, and a stand-in polkit authority shows what ocid asks (subject, action,
 * details, the interactive flag) and that it follows the answer. Under a real systemd and
 * polkitd (tests/systemd/run.sh): callers other than root create nothing and change no
 * other user's container without polkit's yes; a rule can grant managing but not exec,
 * per verb and per container; reads are open to everyone. Issue 19: a non-root caller's
 * container runs confined in a user namespace as her, unless it needs create-privileged
 * by the allow-list, and its owner acts on it without asking polkit. Other users' calls
 * are gdbus run through setpriv. */
#include "ocid-test.h"

#include <glib/gstdio.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define CREATE     "org.oci.Runtime.create"
#define MANAGE     "org.oci.Runtime.manage"
#define EXEC       "org.oci.Runtime.exec"
#define PRIVILEGED "org.oci.Runtime.create-privileged"
#define NOBODY     "nobody"
/* A second user without a session, for a container that is not nobody's own. */
#define OTHER "daemon"

static OcidTest *
setup_system_or_skip(void)
{
	return ocid_test_get_system_or_skip(
	    "runs under a real systemd with polkitd: tests/systemd/run.sh");
}

/* The private bus has no polkitd; under systemd the real one answers instead. */
static OcidTest *
setup_private_or_skip(void)
{
	OcidTest *t;

	if (g_getenv("OCID_TEST_SYSTEM_BUS") != NULL) {
		g_test_skip("needs the private bus, where polkit is absent or stood in for");
		return NULL;
	}
	t = ocid_test_get();
	if (t == NULL) {
		g_test_skip("needs root");
		return NULL;
	}
	/* Other users reach the bus socket and the bundles in it. */
	g_assert_cmpint(chmod(t->tmpdir, 0755), ==, 0);
	return t;
}

typedef struct {
	int status; /* gdbus's exit code */
	char *out;
	char *err;
} CallResult;

static void
call_result_clear(CallResult *r)
{
	g_free(r->out);
	g_free(r->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CallResult, call_result_clear)

/* Calls @method on ocid as @user (with the user's own groups), the way any local user's
 * tool would: gdbus, on the test's bus, optionally allowing interactive authorization. */
static void
call_as(OcidTest *t, const char *user, gboolean interactive, const char *path, const char *method,
	const char *const *args, CallResult *result)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	const struct passwd *pw = getpwnam(user);
	int status = 0;

	g_assert_nonnull(pw);
	g_ptr_array_add(argv, g_strdup("setpriv"));
	g_ptr_array_add(argv, g_strdup_printf("--reuid=%u", (unsigned)pw->pw_uid));
	g_ptr_array_add(argv, g_strdup_printf("--regid=%u", (unsigned)pw->pw_gid));
	g_ptr_array_add(argv, g_strdup("--init-groups"));
	g_ptr_array_add(argv, g_strdup("gdbus"));
	g_ptr_array_add(argv, g_strdup("call"));
	if (t->system_mode) {
		g_ptr_array_add(argv, g_strdup("--system"));
	} else {
		g_ptr_array_add(argv, g_strdup("--address"));
		g_ptr_array_add(argv, g_strdup(t->bus_address));
	}
	if (interactive)
		g_ptr_array_add(argv, g_strdup("--interactive"));
	g_ptr_array_add(argv, g_strdup("--dest=org.oci.Runtime"));
	g_ptr_array_add(argv, g_strdup_printf("--object-path=%s", path));
	g_ptr_array_add(argv, g_strdup_printf("--method=%s", method));
	for (int i = 0; args != NULL && args[i] != NULL; i++)
		g_ptr_array_add(argv, g_strdup(args[i]));
	g_ptr_array_add(argv, NULL);
	g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL,
				   NULL, &result->out, &result->err, &status, &error));
	g_assert_no_error(error);
	result->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Asserts AccessDenied naming @action (and @also, when given) and returns the message. */
static void
assert_denied_full(OcidTest *t, const char *user, gboolean interactive, const char *path,
		   const char *method, const char *const *args, const char *action,
		   const char *also)
{
	g_auto(CallResult) r = { 0 };

	call_as(t, user, interactive, path, method, args, &r);
	if (r.status == 0 || strstr(r.err, "org.oci.Runtime.Error.AccessDenied") == NULL ||
	    strstr(r.err, action) == NULL || (also != NULL && strstr(r.err, also) == NULL))
		g_error("%s %s as %s: expected AccessDenied for %s%s%s, got: %s%s", path, method,
			user, action, also != NULL ? " saying " : "", also != NULL ? also : "",
			r.out, r.err);
}

static void
assert_denied(OcidTest *t, const char *user, const char *path, const char *method,
	      const char *const *args, const char *action)
{
	assert_denied_full(t, user, FALSE, path, method, args, action, NULL);
}

static char *
assert_allowed(OcidTest *t, const char *user, const char *path, const char *method,
	       const char *const *args)
{
	g_auto(CallResult) r = { 0 };

	call_as(t, user, FALSE, path, method, args, &r);
	if (r.status != 0)
		g_error("%s %s as %s was refused: %s", path, method, user, r.err);
	return g_steal_pointer(&r.out);
}

static char *
state_of(OcidTest *t, const char *path)
{
	return ocid_test_get_string(t, path, "State");
}

static guint32
container_count(OcidTest *t)
{
	g_autoptr(GVariant) count = ocid_test_get_property(t, MANAGER_PATH, "ContainerCount");

	return g_variant_get_uint32(count);
}

/* A bundle that would need create-privileged: it shares the host's network namespace. */
static char *
make_host_network_bundle(OcidTest *t, const char *name)
{
	g_autofree char *bundle = ocid_test_make_bundle(t, name, "sleep 300");
	g_autofree char *config_path = g_build_filename(bundle, "config.json", NULL);
	g_autofree char *config = ocid_test_read_file(config_path);
	g_autoptr(GString) edited = g_string_new(config);

	g_assert_cmpuint(g_string_replace(edited, ", { \"type\": \"network\" }", "", 0), ==, 1);
	g_assert_true(g_file_set_contents(config_path, edited->str, -1, NULL));
	return g_steal_pointer(&bundle);
}

/* Every mutating method, as @user on the running container @path: all denied, naming
 * the action; CreateContainer too. Afterwards the container still runs and nothing was
 * added. */
static void
assert_every_change_denied(OcidTest *t, const char *user, const char *path, const char *bundle,
			   const char *also)
{
	const char *create_args[] = { "intruder", "", bundle, "{}", NULL };
	const char *privileged_args[] = { "intruder2", "", bundle, "{'privileged': <true>}", NULL };
	const char *stop_args[] = { "1", NULL };
	const char *kill_args[] = { "SIGKILL", NULL };
	const char *delete_args[] = { "true", NULL };
	const char *update_args[] = { "{'pids_limit': <int64 10>}", NULL };
	const char *exec_args[] = { "['/bin/true']", "5", NULL };
	guint32 count = container_count(t);
	g_autofree char *state = NULL;

	/* Creating needs create first, whether or not the container is privileged. */
	assert_denied_full(t, user, FALSE, MANAGER_PATH, MANAGER ".CreateContainer", create_args,
			   CREATE, also);
	assert_denied_full(t, user, FALSE, MANAGER_PATH, MANAGER ".CreateContainer",
			   privileged_args, CREATE, also);
	/* Authorization comes before the state check: Start of a running one is denied too. */
	assert_denied_full(t, user, FALSE, path, CONTAINER ".Start", NULL, MANAGE, also);
	assert_denied_full(t, user, FALSE, path, CONTAINER ".Stop", stop_args, MANAGE, also);
	assert_denied_full(t, user, FALSE, path, CONTAINER ".Kill", kill_args, MANAGE, also);
	assert_denied_full(t, user, FALSE, path, CONTAINER ".Pause", NULL, MANAGE, also);
	assert_denied_full(t, user, FALSE, path, CONTAINER ".Unpause", NULL, MANAGE, also);
	assert_denied_full(t, user, FALSE, path, CONTAINER ".Update", update_args, MANAGE, also);
	assert_denied_full(t, user, FALSE, path, CONTAINER ".Delete", delete_args, MANAGE, also);
	assert_denied_full(t, user, FALSE, path, CONTAINER ".ExecSync", exec_args, EXEC, also);

	/* Nothing was announced either: the State the daemon last announced is unchanged. */
	state = state_of(t, path);
	g_assert_cmpstr(state, ==, "running");
	ocid_test_dispatch_pending();
	g_assert_cmpstr(ocid_test_announced_state(t, path), ==, "running");
	g_assert_cmpuint(container_count(t), ==, count);
}

/* Reads are open to @user: the manager's methods and properties, the container's
 * properties, introspection. */
static void
assert_reads_open(OcidTest *t, const char *user, const char *path, const char *id)
{
	const char *list_args[] = { "{}", NULL };
	const char *get_args[] = { id, NULL };
	const char *prop_args[] = { CONTAINER, "State", NULL };
	const char *all_args[] = { CONTAINER, NULL };
	const char *manager_all_args[] = { MANAGER, NULL };
	g_autofree char *list = NULL;
	g_autofree char *state = NULL;
	g_autofree char *all = NULL;
	g_autofree char *manager_all = NULL;
	g_autofree char *xml = NULL;
	g_autofree char *got = NULL;

	list = assert_allowed(t, user, MANAGER_PATH, MANAGER ".ListContainers", list_args);
	g_assert_nonnull(strstr(list, id));
	got = assert_allowed(t, user, MANAGER_PATH, MANAGER ".GetContainer", get_args);
	g_assert_nonnull(strstr(got, path));
	state = assert_allowed(t, user, path, "org.freedesktop.DBus.Properties.Get", prop_args);
	g_assert_nonnull(strstr(state, "running"));
	all = assert_allowed(t, user, path, "org.freedesktop.DBus.Properties.GetAll", all_args);
	g_assert_nonnull(strstr(all, "'BundlePath'"));
	manager_all = assert_allowed(t, user, MANAGER_PATH,
				     "org.freedesktop.DBus.Properties.GetAll", manager_all_args);
	g_assert_nonnull(strstr(manager_all, "'ContainerCount'"));
	xml = assert_allowed(t, user, path, "org.freedesktop.DBus.Introspectable.Introspect", NULL);
	g_assert_nonnull(strstr(xml, "ExecSync"));
}

/* ---- the private bus: no polkit ----------------------------------------------------- */

static void
test_no_polkit_fails_closed(void)
{
	OcidTest *t = setup_private_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "lonely", "sleep 300");
	path = ocid_test_create(t, "lonely", "lonely", bundle, NULL, &error);
	g_assert_no_error(error);
	ocid_test_start(t, path);
	g_assert_true(ocid_test_wait_state(t, path, "running", 5000));

	assert_every_change_denied(t, NOBODY, path, bundle, "polkit is not available");
	assert_reads_open(t, NOBODY, path, "lonely");
	/* Root is still served without polkit. */
	ocid_test_delete(t, path, TRUE);
}

/* ---- the private bus: a stand-in polkit authority ----------------------------------- */

static const char authority_xml[] = "<node><interface name='org.freedesktop.PolicyKit1.Authority'>"
				    "<method name='CheckAuthorization'>"
				    "<arg type='(sa{sv})' name='subject' direction='in'/>"
				    "<arg type='s' name='action_id' direction='in'/>"
				    "<arg type='a{ss}' name='details' direction='in'/>"
				    "<arg type='u' name='flags' direction='in'/>"
				    "<arg type='s' name='cancellation_id' direction='in'/>"
				    "<arg type='(bba{ss})' name='result' direction='out'/>"
				    "</method></interface></node>";

typedef enum {
	ANSWER_NO,
	ANSWER_CHALLENGE,
	ANSWER_ERROR,
} Refusal;

/* What the authority was asked, in order. */
typedef struct {
	char *subject_kind;
	char *subject_name;
	guint32 caller_uid; /* of subject_name, asked of the bus while the call waits */
	char *action;
	char *container;
	char *verb;
	char *reason; /* the "reason" detail of create-privileged */
	guint32 flags;
	char *cancellation_id;
} Question;

static void
question_free(Question *q)
{
	g_free(q->subject_kind);
	g_free(q->subject_name);
	g_free(q->action);
	g_free(q->container);
	g_free(q->verb);
	g_free(q->reason);
	g_free(q->cancellation_id);
	g_free(q);
}

/* Owns org.freedesktop.PolicyKit1 on the private bus from a thread of its own, so that it
 * answers while the test waits for a gdbus child. */
typedef struct {
	char *address;
	GThread *thread;
	GMainContext *context;
	GMainLoop *loop;
	GDBusConnection *conn;
	GMutex lock;
	GCond ready_cond;
	gboolean ready;
	/* Under lock: */
	GPtrArray *questions;
	GStrv granted; /* actions answered yes */
	Refusal refusal;
	gboolean hold; /* keep the next answer until authority_release() */
	GDBusMethodInvocation *held;
	gboolean held_yes;
	GCond held_cond; /* signalled when an answer is held */
} Authority;

static void
authority_call(GDBusConnection *conn, const char *sender, const char *object_path,
	       const char *interface_name, const char *method_name, GVariant *parameters,
	       GDBusMethodInvocation *invocation, gpointer user_data)
{
	Authority *a = user_data;
	Question *q = g_new0(Question, 1);
	g_autoptr(GVariant) subject_details = NULL;
	g_autoptr(GVariant) details = NULL;
	g_autoptr(GVariant) uid = NULL;
	g_autoptr(GVariantBuilder) none = g_variant_builder_new(G_VARIANT_TYPE("a{ss}"));
	gboolean yes;
	Refusal refusal;

	g_variant_get(parameters, "((s@a{sv})s@a{ss}us)", &q->subject_kind, &subject_details,
		      &q->action, &details, &q->flags, &q->cancellation_id);
	(void)g_variant_lookup(subject_details, "name", "s", &q->subject_name);
	(void)g_variant_lookup(details, "container", "s", &q->container);
	(void)g_variant_lookup(details, "verb", "s", &q->verb);
	(void)g_variant_lookup(details, "reason", "s", &q->reason);
	q->caller_uid = G_MAXUINT32;
	if (q->subject_name != NULL)
		uid = g_dbus_connection_call_sync(
		    conn, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
		    "GetConnectionUnixUser", g_variant_new("(s)", q->subject_name),
		    G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
	if (uid != NULL)
		g_variant_get(uid, "(u)", &q->caller_uid);

	g_mutex_lock(&a->lock);
	yes = a->granted != NULL && g_strv_contains((const char *const *)a->granted, q->action);
	refusal = a->refusal;
	g_ptr_array_add(a->questions, q);
	if (a->hold && a->held == NULL) {
		a->held = invocation;
		a->held_yes = yes;
		g_cond_broadcast(&a->held_cond);
		g_mutex_unlock(&a->lock);
		return;
	}
	g_mutex_unlock(&a->lock);

	if (!yes && refusal == ANSWER_ERROR)
		g_dbus_method_invocation_return_dbus_error(
		    invocation, "org.freedesktop.PolicyKit1.Error.Failed",
		    "the stand-in authority fails on purpose");
	else
		g_dbus_method_invocation_return_value(
		    invocation,
		    g_variant_new("((bb@a{ss}))", yes, !yes && refusal == ANSWER_CHALLENGE,
				  g_variant_builder_end(none)));
}

static const GDBusInterfaceVTable authority_vtable = { authority_call, NULL, NULL, { 0 } };

static gpointer
authority_thread(gpointer data)
{
	Authority *a = data;
	g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml(authority_xml, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	guint32 owner = 0;
	guint registration;

	g_main_context_push_thread_default(a->context);
	a->conn = g_dbus_connection_new_for_address_sync(
	    a->address,
	    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
		G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
	    NULL, NULL, &error);
	g_assert_no_error(error);
	registration = g_dbus_connection_register_object(
	    a->conn, "/org/freedesktop/PolicyKit1/Authority", info->interfaces[0],
	    &authority_vtable, a, NULL, &error);
	g_assert_no_error(error);
	/* DBUS_NAME_FLAG_DO_NOT_QUEUE; 1 is "primary owner". */
	reply = g_dbus_connection_call_sync(
	    a->conn, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
	    "RequestName", g_variant_new("(su)", "org.freedesktop.PolicyKit1", 4u),
	    G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
	g_assert_no_error(error);
	g_variant_get(reply, "(u)", &owner);
	g_assert_cmpuint(owner, ==, 1);

	g_mutex_lock(&a->lock);
	a->ready = TRUE;
	g_cond_signal(&a->ready_cond);
	g_mutex_unlock(&a->lock);

	g_main_loop_run(a->loop);

	g_dbus_connection_unregister_object(a->conn, registration);
	g_dbus_connection_close_sync(a->conn, NULL, NULL);
	g_clear_object(&a->conn);
	g_main_context_pop_thread_default(a->context);
	return NULL;
}

static Authority *
authority_start(OcidTest *t)
{
	Authority *a = g_new0(Authority, 1);

	a->address = g_strdup(t->bus_address);
	a->context = g_main_context_new();
	a->loop = g_main_loop_new(a->context, FALSE);
	a->questions = g_ptr_array_new_with_free_func((GDestroyNotify)question_free);
	g_mutex_init(&a->lock);
	g_cond_init(&a->ready_cond);
	g_cond_init(&a->held_cond);
	a->thread = g_thread_new("polkit-stand-in", authority_thread, a);
	g_mutex_lock(&a->lock);
	while (!a->ready)
		g_cond_wait(&a->ready_cond, &a->lock);
	g_mutex_unlock(&a->lock);
	return a;
}

static void
authority_stop(Authority *a)
{
	g_main_loop_quit(a->loop);
	g_thread_join(a->thread);
	g_main_loop_unref(a->loop);
	g_main_context_unref(a->context);
	g_ptr_array_unref(a->questions);
	g_strfreev(a->granted);
	g_mutex_clear(&a->lock);
	g_cond_clear(&a->ready_cond);
	g_cond_clear(&a->held_cond);
	g_free(a->address);
	g_free(a);
}

/* Answers yes to @granted (NULL-terminated, may be empty), else @refusal; forgets what
 * was asked so far. */
static void
authority_set(Authority *a, Refusal refusal, const char *const *granted)
{
	g_mutex_lock(&a->lock);
	g_strfreev(a->granted);
	a->granted = g_strdupv((char **)granted);
	a->refusal = refusal;
	g_ptr_array_set_size(a->questions, 0);
	g_mutex_unlock(&a->lock);
}

/* Holds the next answer back until authority_release(). */
static void
authority_hold(Authority *a)
{
	g_mutex_lock(&a->lock);
	a->hold = TRUE;
	g_mutex_unlock(&a->lock);
}

/* Waits until a question is held, so that the test can act while the caller waits. */
static void
authority_wait_held(Authority *a)
{
	gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	gboolean held;

	g_mutex_lock(&a->lock);
	while (a->held == NULL && g_cond_wait_until(&a->held_cond, &a->lock, end))
		;
	held = a->held != NULL;
	g_mutex_unlock(&a->lock);
	g_assert_true(held);
}

static void
release(Authority *a, gboolean keep_holding)
{
	GDBusMethodInvocation *invocation;
	gboolean yes;

	g_mutex_lock(&a->lock);
	invocation = g_steal_pointer(&a->held);
	yes = a->held_yes;
	a->hold = keep_holding;
	g_mutex_unlock(&a->lock);
	g_dbus_method_invocation_return_value(
	    invocation, g_variant_new("((bb@a{ss}))", yes, FALSE,
				      g_variant_new_array(G_VARIANT_TYPE("{ss}"), NULL, 0)));
}

static void
authority_release(Authority *a)
{
	release(a, FALSE);
}

/* Answers the held question and holds the next one back. */
static void
authority_pass_on(Authority *a)
{
	release(a, TRUE);
}

/* Asserts that the authority was asked exactly @n questions and returns question @i. */
static const Question *
authority_question(Authority *a, guint n, guint i)
{
	const Question *q;

	g_mutex_lock(&a->lock);
	g_assert_cmpuint(a->questions->len, ==, n);
	q = n > 0 ? g_ptr_array_index(a->questions, i) : NULL;
	g_mutex_unlock(&a->lock);
	return q;
}

static void
assert_question(const Question *q, uid_t caller, const char *action, const char *container,
		const char *verb, guint32 flags)
{
	g_assert_cmpstr(q->subject_kind, ==, "system-bus-name");
	g_assert_nonnull(q->subject_name);
	g_assert_true(q->subject_name[0] == ':'); /* the unique name, not a well-known one */
	g_assert_cmpuint(q->caller_uid, ==, caller);
	g_assert_cmpstr(q->action, ==, action);
	g_assert_cmpstr(q->container, ==, container);
	g_assert_cmpstr(q->verb, ==, verb);
	g_assert_cmpuint(q->flags, ==, flags);
	g_assert_cmpstr(q->cancellation_id, ==, "");
}

/* A call as nobody from a thread of its own, so that the test can act while it waits. */
typedef struct {
	OcidTest *t;
	const char *path;
	const char *method;
	const char *const *args;
	CallResult result;
} DelayedCall;

static gpointer
call_as_nobody(gpointer data)
{
	DelayedCall *call = data;

	call_as(call->t, NOBODY, FALSE, call->path, call->method, call->args, &call->result);
	return NULL;
}

static void
test_stand_in_authority(void)
{
	OcidTest *t = setup_private_or_skip();
	const char *const nothing[] = { NULL };
	const char *const manage[] = { MANAGE, NULL };
	const char *const create[] = { CREATE, NULL };
	const char *const everything[] = { MANAGE, CREATE, EXEC, PRIVILEGED, NULL };
	const char *stop_args[] = { "1", NULL };
	const char *exec_args[] = { "['/bin/echo', 'inside']", "5", NULL };
	const char *delete_args[] = { "true", NULL };
	g_autofree char *bundle = NULL;
	g_autofree char *host_net = NULL;
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;
	uid_t nobody;
	Authority *a;

	if (t == NULL)
		return;
	nobody = getpwnam(NOBODY)->pw_uid;
	bundle = ocid_test_make_bundle(t, "asked", "sleep 300");
	host_net = make_host_network_bundle(t, "host-net");
	a = authority_start(t);

	/* Root is not asked about. */
	authority_set(a, ANSWER_NO, nothing);
	path = ocid_test_create(t, "asked", "asked", bundle, NULL, &error);
	g_assert_no_error(error);
	ocid_test_start(t, path);
	g_assert_true(ocid_test_wait_state(t, path, "running", 5000));
	(void)authority_question(a, 0, 0);

	/* No: denied, and the question names the caller, the action, container and verb;
	 * without --interactive the flags are 0. */
	assert_denied(t, NOBODY, path, CONTAINER ".Stop", stop_args, MANAGE);
	assert_question(authority_question(a, 1, 0), nobody, MANAGE, "asked", "stop", 0);
	{
		g_autofree char *state = state_of(t, path);
		g_assert_cmpstr(state, ==, "running");
	}

	/* A challenge: the caller learns how to get asked. With --interactive, the flag
	 * AllowUserInteraction reaches polkit. */
	authority_set(a, ANSWER_CHALLENGE, nothing);
	assert_denied_full(t, NOBODY, FALSE, path, CONTAINER ".Pause", NULL, MANAGE,
			   "allow interactive authorization");
	assert_question(authority_question(a, 1, 0), nobody, MANAGE, "asked", "pause", 0);
	authority_set(a, ANSWER_CHALLENGE, nothing);
	assert_denied_full(t, NOBODY, TRUE, path, CONTAINER ".Pause", NULL, MANAGE,
			   "no polkit agent");
	assert_question(authority_question(a, 1, 0), nobody, MANAGE, "asked", "pause", 1);

	/* polkit failing is a denial too. */
	authority_set(a, ANSWER_ERROR, nothing);
	assert_denied_full(t, NOBODY, FALSE, path, CONTAINER ".Pause", NULL, MANAGE,
			   "polkit could not decide");

	/* Yes: the call goes on, and its own result comes back. */
	authority_set(a, ANSWER_NO, manage);
	g_free(assert_allowed(t, NOBODY, path, CONTAINER ".Pause", NULL));
	g_assert_true(ocid_test_wait_state(t, path, "paused", 5000));
	assert_question(authority_question(a, 1, 0), nobody, MANAGE, "asked", "pause", 0);
	g_free(assert_allowed(t, NOBODY, path, CONTAINER ".Unpause", NULL));
	g_assert_true(ocid_test_wait_state(t, path, "running", 5000));
	assert_denied(t, NOBODY, path, CONTAINER ".ExecSync", exec_args, EXEC);
	assert_question(authority_question(a, 3, 2), nobody, EXEC, "asked", "exec", 0);

	authority_set(a, ANSWER_NO, everything);
	{
		g_autofree char *out =
		    assert_allowed(t, NOBODY, path, CONTAINER ".ExecSync", exec_args);
		/* gdbus prints the ay of "inside\n" (no NUL) byte by byte. */
		if (strstr(out, "0x69, 0x6e, 0x73, 0x69, 0x64, 0x65, 0x0a") == NULL)
			g_error("ExecSync's output is not 'inside': %s", out);
	}

	/* Creating asks create (manage is not enough); a privileged container (by option or
	 * by its bundle) also create-privileged, with the requested id as the container and
	 * the reason as a detail. */
	{
		const char *plain[] = { "plain", "", bundle, "{}", NULL };
		const char *by_option[] = { "by-option", "", bundle, "{'privileged': <true>}",
					    NULL };
		const char *by_bundle[] = { "by-bundle", "", host_net, "{}", NULL };
		const char *unnamed[] = { "", "", bundle, "{}", NULL };
		guint32 count = container_count(t);
		const Question *q;

		authority_set(a, ANSWER_NO, manage);
		assert_denied(t, NOBODY, MANAGER_PATH, MANAGER ".CreateContainer", plain, CREATE);
		assert_question(authority_question(a, 1, 0), nobody, CREATE, "plain", "create", 0);
		authority_set(a, ANSWER_NO, create);
		g_free(assert_allowed(t, NOBODY, MANAGER_PATH, MANAGER ".CreateContainer", plain));
		assert_question(authority_question(a, 1, 0), nobody, CREATE, "plain", "create", 0);
		authority_set(a, ANSWER_NO, create);
		assert_denied(t, NOBODY, MANAGER_PATH, MANAGER ".CreateContainer", by_option,
			      PRIVILEGED);
		assert_question(authority_question(a, 2, 0), nobody, CREATE, "by-option", "create",
				0);
		q = authority_question(a, 2, 1);
		assert_question(q, nobody, PRIVILEGED, "by-option", "create", 0);
		g_assert_cmpstr(q->reason, ==, "it asks for a privileged container (privileged)");
		authority_set(a, ANSWER_NO, create);
		assert_denied(t, NOBODY, MANAGER_PATH, MANAGER ".CreateContainer", by_bundle,
			      PRIVILEGED);
		q = authority_question(a, 2, 1);
		assert_question(q, nobody, PRIVILEGED, "by-bundle", "create", 0);
		g_assert_cmpstr(q->reason, ==, "it shares the host's network namespace");
		g_assert_cmpuint(container_count(t), ==, count + 1);

		authority_set(a, ANSWER_NO, everything);
		g_free(
		    assert_allowed(t, NOBODY, MANAGER_PATH, MANAGER ".CreateContainer", by_bundle));
		(void)authority_question(a, 2, 0);
		authority_set(a, ANSWER_NO, create);
		g_free(
		    assert_allowed(t, NOBODY, MANAGER_PATH, MANAGER ".CreateContainer", unnamed));
		assert_question(authority_question(a, 1, 0), nobody, CREATE, "", "create", 0);
		g_assert_cmpuint(container_count(t), ==, count + 3);
	}

	/* Her own containers, confined or privileged, she deletes without being asked. */
	authority_set(a, ANSWER_NO, nothing);
	g_free(assert_allowed(t, NOBODY, "/org/oci/Runtime/container/plain", CONTAINER ".Delete",
			      delete_args));
	g_free(assert_allowed(t, NOBODY, "/org/oci/Runtime/container/by_2dbundle",
			      CONTAINER ".Delete", delete_args));
	(void)authority_question(a, 0, 0);
	/* Root's container is not hers. */
	assert_denied(t, NOBODY, path, CONTAINER ".Delete", delete_args, MANAGE);
	assert_question(authority_question(a, 1, 0), nobody, MANAGE, "asked", "delete", 0);

	/* A container deleted while its caller was being authorized is not acted on. */
	{
		g_autofree char *doomed =
		    ocid_test_create(t, "doomed", "doomed", bundle, NULL, &error);
		DelayedCall call = { t, doomed, CONTAINER ".Start", NULL, { 0 } };
		GThread *caller;

		g_assert_no_error(error);
		authority_set(a, ANSWER_NO, manage);
		authority_hold(a);
		caller = g_thread_new("caller", call_as_nobody, &call);
		authority_wait_held(a);
		ocid_test_delete(t, doomed, TRUE);
		authority_release(a);
		g_thread_join(caller);
		g_assert_cmpint(call.result.status, !=, 0);
		g_assert_nonnull(strstr(call.result.err, "org.oci.Runtime.Error.NoSuchContainer"));
		g_assert_nonnull(strstr(call.result.err, "being authorized"));
		call_result_clear(&call.result);
	}

	authority_stop(a);
	/* With polkit gone again, ocid fails closed. */
	assert_denied_full(t, NOBODY, FALSE, path, CONTAINER ".Stop", stop_args, MANAGE,
			   "polkit is not available");
	ocid_test_delete(t, path, TRUE);
}

/* The path of container @id, asserting that it exists. */
static char *
path_of(OcidTest *t, const char *id)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = ocid_test_call(t, MANAGER_PATH, MANAGER, "GetContainer",
						   g_variant_new("(s)", id), "(o)", &error);
	char *path = NULL;

	g_assert_no_error(error);
	g_variant_get(reply, "(o)", &path);
	return path;
}

/* The running container @path runs in a user namespace whose root is @uid, and no id of it
 * is host root (ids from 1 on are the owner's /etc/subuid ranges, if she has any); or,
 * with @uid 0, in the host's user namespace. */
static void
assert_runs_as(OcidTest *t, const char *path, uid_t uid)
{
	int pid = ocid_test_get_int(t, path, "Pid");
	g_autofree char *map_path = g_strdup_printf("/proc/%d/uid_map", pid);
	g_autofree char *map = NULL;
	g_auto(GStrv) lines = NULL;

	g_assert_cmpint(pid, >, 0);
	map = ocid_test_read_file(map_path);
	g_assert_nonnull(map);
	lines = g_strsplit(g_strstrip(map), "\n", -1);
	for (int i = 0; lines[i] != NULL; i++) {
		guint64 inside, host, size;

		g_assert_cmpint(sscanf(lines[i],
				       "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
				       " %" G_GUINT64_FORMAT,
				       &inside, &host, &size),
				==, 3);
		if (i == 0) {
			g_assert_cmpuint(inside, ==, 0);
			g_assert_cmpuint(host, ==, uid);
			g_assert_cmpuint(size, ==, uid == 0 ? G_MAXUINT32 : 1);
		} else {
			g_assert_cmpuint(uid, !=, 0);
			g_assert_cmpuint(host, >, 0);
		}
	}
}

/* Issue 19: a container's owner acts on it with her own authority, and polkit is not
 * asked; another user's container (root's or another non-root user's) needs the verb's
 * action as before. */
static void
test_owner_acts_on_own(void)
{
	OcidTest *t = setup_private_or_skip();
	const char *const nothing[] = { NULL };
	const char *const create[] = { CREATE, NULL };
	const char *const manage[] = { MANAGE, NULL };
	const char *stop_args[] = { "1", NULL };
	const char *delete_args[] = { "true", NULL };
	const char *exec_args[] = { "['/bin/echo', 'inside']", "5", NULL };
	g_autofree char *bundle = NULL;
	g_autofree char *mine = NULL;
	g_autofree char *theirs = NULL;
	uid_t nobody, other;
	guint32 count;
	Authority *a;

	if (t == NULL)
		return;
	nobody = getpwnam(NOBODY)->pw_uid;
	other = getpwnam(OTHER)->pw_uid;
	bundle = ocid_test_make_bundle(t, "owned", "sleep 300");
	count = container_count(t);
	a = authority_start(t);
	{
		const char *mine_args[] = { "mine", "", bundle, "{}", NULL };
		const char *theirs_args[] = { "theirs", "", bundle, "{}", NULL };

		authority_set(a, ANSWER_NO, create);
		g_free(
		    assert_allowed(t, NOBODY, MANAGER_PATH, MANAGER ".CreateContainer", mine_args));
		assert_question(authority_question(a, 1, 0), nobody, CREATE, "mine", "create", 0);
		authority_set(a, ANSWER_NO, create);
		g_free(assert_allowed(t, OTHER, MANAGER_PATH, MANAGER ".CreateContainer",
				      theirs_args));
		assert_question(authority_question(a, 1, 0), other, CREATE, "theirs", "create", 0);
	}
	mine = path_of(t, "mine");
	theirs = path_of(t, "theirs");

	/* Nothing granted: she starts, pauses, execs in and stops her own, unasked. */
	authority_set(a, ANSWER_NO, nothing);
	g_free(assert_allowed(t, NOBODY, mine, CONTAINER ".Start", NULL));
	g_assert_true(ocid_test_wait_state(t, mine, "running", 5000));
	assert_runs_as(t, mine, nobody);
	g_free(assert_allowed(t, NOBODY, mine, CONTAINER ".Pause", NULL));
	g_assert_true(ocid_test_wait_state(t, mine, "paused", 5000));
	g_free(assert_allowed(t, NOBODY, mine, CONTAINER ".Unpause", NULL));
	g_assert_true(ocid_test_wait_state(t, mine, "running", 5000));
	{
		g_autofree char *out =
		    assert_allowed(t, NOBODY, mine, CONTAINER ".ExecSync", exec_args);
		if (strstr(out, "0x69, 0x6e, 0x73, 0x69, 0x64, 0x65, 0x0a") == NULL)
			g_error("ExecSync's output is not 'inside': %s", out);
	}
	(void)authority_question(a, 0, 0);

	/* The other user's container: each verb asks its action, for her, and is refused. */
	authority_set(a, ANSWER_NO, nothing);
	assert_denied(t, NOBODY, theirs, CONTAINER ".Start", NULL, MANAGE);
	assert_question(authority_question(a, 1, 0), nobody, MANAGE, "theirs", "start", 0);
	authority_set(a, ANSWER_NO, nothing);
	assert_denied(t, NOBODY, theirs, CONTAINER ".Delete", delete_args, MANAGE);
	assert_question(authority_question(a, 1, 0), nobody, MANAGE, "theirs", "delete", 0);
	authority_set(a, ANSWER_NO, nothing);
	assert_denied(t, OTHER, mine, CONTAINER ".Stop", stop_args, MANAGE);
	assert_question(authority_question(a, 1, 0), other, MANAGE, "mine", "stop", 0);
	authority_set(a, ANSWER_NO, nothing);
	assert_denied(t, OTHER, mine, CONTAINER ".ExecSync", exec_args, EXEC);
	assert_question(authority_question(a, 1, 0), other, EXEC, "mine", "exec", 0);
	{
		g_autofree char *state = state_of(t, mine);
		g_autofree char *their_state = state_of(t, theirs);
		g_assert_cmpstr(state, ==, "running");
		g_assert_cmpstr(their_state, ==, "created");
	}
	/* Granted manage, the other user starts her own without asking, and nobody's
	 * container only once polkit said yes. */
	authority_set(a, ANSWER_NO, manage);
	g_free(assert_allowed(t, OTHER, theirs, CONTAINER ".Start", NULL));
	g_assert_true(ocid_test_wait_state(t, theirs, "running", 5000));
	assert_runs_as(t, theirs, other);
	(void)authority_question(a, 0, 0);
	g_free(assert_allowed(t, OTHER, mine, CONTAINER ".Stop", stop_args));
	g_assert_true(ocid_test_wait_state(t, mine, "stopped", 10000));
	assert_question(authority_question(a, 1, 0), other, MANAGE, "mine", "stop", 0);

	/* Each deletes her own, unasked. */
	authority_set(a, ANSWER_NO, nothing);
	g_free(assert_allowed(t, NOBODY, mine, CONTAINER ".Delete", delete_args));
	g_free(assert_allowed(t, OTHER, theirs, CONTAINER ".Delete", delete_args));
	(void)authority_question(a, 0, 0);
	g_assert_cmpuint(container_count(t), ==, count);
	authority_stop(a);
}

/* The bundle @name with its config.json's first @from replaced by @to. */
static char *
make_edited_bundle(OcidTest *t, const char *name, const char *from, const char *to)
{
	g_autofree char *bundle = ocid_test_make_bundle(t, name, "sleep 300");
	g_autofree char *config_path = g_build_filename(bundle, "config.json", NULL);
	g_autofree char *config = ocid_test_read_file(config_path);
	g_autoptr(GString) edited = g_string_new(config);

	g_assert_cmpuint(g_string_replace(edited, from, to, 1), ==, 1);
	g_assert_true(g_file_set_contents(config_path, edited->str, -1, NULL));
	return g_steal_pointer(&bundle);
}

/* A bundle of root's that other users cannot reach (mode 0700): its rootfs and files are
 * what a bind source or root.path of someone else's would be. */
static char *
make_unreachable_bundle(OcidTest *t)
{
	g_autofree char *secret = g_build_filename(t->tmpdir, "bundles", "secret", NULL);

	if (!g_file_test(secret, G_FILE_TEST_IS_DIR))
		g_free(ocid_test_make_bundle(t, "secret", "sleep 300"));
	g_assert_cmpint(chmod(secret, 0700), ==, 0);
	return g_steal_pointer(&secret);
}

/* Files named in the options are opened as the caller: volumes she can read are bind
 * mounts of a confined container (ocid.conf's bind_mount_allowlist is accepted and
 * ignored); one she cannot read is refused, create-privileged or not, without saying
 * what it holds. A bind mount in the bundle of a source she cannot read needs
 * create-privileged; a relative bind source is refused for everyone. */
static void
test_files_as_caller(void)
{
	OcidTest *t = setup_private_or_skip();
	const char *const create[] = { CREATE, NULL };
	const char *const both[] = { CREATE, PRIVILEGED, NULL };
	const char *delete_args[] = { "true", NULL };
	g_autofree char *bundle = NULL;
	g_autofree char *secret = NULL;
	g_autofree char *secret_volume = NULL;
	g_autofree char *secret_bind = NULL;
	g_autofree char *relative = NULL;
	g_autofree char *hidden = NULL;
	uid_t nobody;
	guint32 count;
	Authority *a;

	if (t == NULL)
		return;
	nobody = getpwnam(NOBODY)->pw_uid;
	bundle = ocid_test_make_bundle(t, "volumes", "sleep 300");
	/* Confined, the runtime creates no mount point in root's rootfs: nobody may not. */
	{
		g_autofree char *mount_point = g_build_filename(bundle, "rootfs", "d", NULL);
		g_assert_cmpint(g_mkdir(mount_point, 0755), ==, 0);
	}
	secret = make_unreachable_bundle(t);
	hidden = g_build_filename(secret, "rootfs", "etc", NULL);
	secret_volume = g_strdup_printf("{'volumes': <[('/d', '%s', true)]>}", hidden);
	{
		g_autofree char *to = g_strdup_printf(
		    "\"mounts\": [{\"destination\": \"/h\", \"type\": \"bind\", \"source\": "
		    "\"%s\", \"options\": [\"rbind\", \"ro\"]},",
		    hidden);
		secret_bind = make_edited_bundle(t, "secret-bind", "\"mounts\": [", to);
	}
	relative = make_edited_bundle(
	    t, "relative-bind", "\"mounts\": [",
	    "\"mounts\": [{\"destination\": \"/h\", \"type\": \"bind\", \"source\": "
	    "\"rootfs/etc\", \"options\": [\"rbind\", \"ro\"]},");
	ocid_test_restart_with_config(t, "bind_mount_allowlist = /nonexistent /usr/share");
	count = container_count(t);
	a = authority_start(t);
	{
		const char *inside[] = { "volume-allowed", "", bundle,
					 "{'volumes': <[('/d', '/usr/share', true)]>}", NULL };
		const char *outside[] = { "volume-outside", "", bundle,
					  "{'volumes': <[('/d', '/usr/lib', true)]>}", NULL };
		const char *unreadable[] = { "volume-secret", "", bundle, secret_volume, NULL };
		const char *bind_args[] = { "bind-secret", "", secret_bind, "{}", NULL };
		const char *relative_args[] = { "bind-relative", "", relative, "{}", NULL };
		g_autofree char *why = g_strdup_printf(
		    "its bind source %s is not reachable with your own authority", hidden);
		const Question *q;

		/* create only, on both sides of what was the allow-list. */
		authority_set(a, ANSWER_NO, create);
		g_free(assert_allowed(t, NOBODY, MANAGER_PATH, MANAGER ".CreateContainer", inside));
		assert_question(authority_question(a, 1, 0), nobody, CREATE, "volume-allowed",
				"create", 0);
		authority_set(a, ANSWER_NO, create);
		g_free(
		    assert_allowed(t, NOBODY, MANAGER_PATH, MANAGER ".CreateContainer", outside));
		assert_question(authority_question(a, 1, 0), nobody, CREATE, "volume-outside",
				"create", 0);

		/* Her volume she cannot read: refused, even with create-privileged granted,
		 * which is not asked. */
		authority_set(a, ANSWER_NO, both);
		assert_denied_full(t, NOBODY, FALSE, MANAGER_PATH, MANAGER ".CreateContainer",
				   unreadable, "Volume", "is not accessible to you");
		(void)authority_question(a, 1, 0);

		/* The bundle's bind mount of it: create-privileged, saying why. */
		authority_set(a, ANSWER_NO, create);
		assert_denied_full(t, NOBODY, FALSE, MANAGER_PATH, MANAGER ".CreateContainer",
				   bind_args, PRIVILEGED, why);
		q = authority_question(a, 2, 1);
		assert_question(q, nobody, PRIVILEGED, "bind-secret", "create", 0);
		g_assert_cmpstr(q->reason, ==, why);
		authority_set(a, ANSWER_NO, both);
		g_free(
		    assert_allowed(t, NOBODY, MANAGER_PATH, MANAGER ".CreateContainer", bind_args));
		(void)authority_question(a, 2, 0);

		/* A relative source: refused, root's too, before polkit is asked more. */
		authority_set(a, ANSWER_NO, both);
		{
			g_auto(CallResult) r = { 0 };
			call_as(t, NOBODY, FALSE, MANAGER_PATH, MANAGER ".CreateContainer",
				relative_args, &r);
			g_assert_cmpint(r.status, !=, 0);
			g_assert_nonnull(strstr(r.err, "org.oci.Runtime.Error.InvalidArgument"));
			g_assert_nonnull(strstr(r.err, "relative source 'rootfs/etc'"));
		}
		(void)authority_question(a, 1, 0);
		{
			g_autoptr(GError) error = NULL;
			g_autofree char *root_path =
			    ocid_test_create(t, "bind-relative", "", relative, NULL, &error);
			g_assert_null(root_path);
			ocid_test_assert_error(error, "InvalidArgument");
		}

		authority_set(a, ANSWER_NO, NULL);
		for (int i = 0; i < 3; i++) {
			const char *ids[] = { "volume-allowed", "volume-outside", "bind-secret" };
			g_autofree char *path = path_of(t, ids[i]);
			g_free(assert_allowed(t, NOBODY, path, CONTAINER ".Delete", delete_args));
		}
		(void)authority_question(a, 0, 0);
		g_assert_cmpuint(container_count(t), ==, count);
	}
	authority_stop(a);
	ocid_test_restart_with_config(t, NULL);
}

/* Swaps @bundle's config.json for @replacement's, in place (same path, new bytes). */
static void
swap_config(const char *bundle, const char *replacement)
{
	g_autofree char *from = g_build_filename(replacement, "config.json", NULL);
	g_autofree char *to = g_build_filename(bundle, "config.json", NULL);
	g_autofree char *text = ocid_test_read_file(from);

	g_assert_true(g_file_set_contents(to, text, -1, NULL));
}

/* The privilege decision and the container come from the same bytes of config.json: a
 * caller who swaps it while ocid waits for polkit gets neither a privileged container
 * on create alone, nor a container other than the one that was decided on. */
static void
test_swapped_bundle(void)
{
	OcidTest *t = setup_private_or_skip();
	const char *const create[] = { CREATE, NULL };
	const char *const both[] = { CREATE, PRIVILEGED, NULL };
	g_autofree char *benign = NULL;
	g_autofree char *host_net = NULL;
	g_autofree char *path = NULL;
	g_autofree char *dir = NULL;
	g_autofree char *effective_path = NULL;
	g_autofree char *effective = NULL;
	Authority *a;

	if (t == NULL)
		return;
	benign = ocid_test_make_bundle(t, "benign", "echo benign; sleep 300");
	host_net = make_host_network_bundle(t, "swap-host-net");
	a = authority_start(t);

	/* A create-only caller whose benign bundle turns privileged while create is being
	 * asked: the one read comes after, sees the privileged spec, asks create-privileged,
	 * is refused; nothing is created. */
	{
		g_autofree char *bundle = ocid_test_make_bundle(t, "swap-a", "sleep 300");
		const char *args[] = { "swap-a", "", bundle, "{}", NULL };
		DelayedCall call = { t, MANAGER_PATH, MANAGER ".CreateContainer", args, { 0 } };
		GThread *caller;

		authority_set(a, ANSWER_NO, create);
		authority_hold(a);
		caller = g_thread_new("caller", call_as_nobody, &call);
		authority_wait_held(a);
		swap_config(bundle, host_net);
		authority_release(a);
		g_thread_join(caller);
		g_assert_cmpint(call.result.status, !=, 0);
		g_assert_nonnull(strstr(call.result.err, "org.oci.Runtime.Error.AccessDenied"));
		g_assert_nonnull(strstr(call.result.err, PRIVILEGED));
		assert_question(authority_question(a, 2, 1), getpwnam(NOBODY)->pw_uid, PRIVILEGED,
				"swap-a", "create", 0);
		call_result_clear(&call.result);
	}

	/* A bundle decided privileged, swapped for another while create-privileged is being
	 * asked: the container runs the spec that was decided on, not the swapped one. */
	{
		g_autofree char *bundle = make_host_network_bundle(t, "swap-b");
		const char *args[] = { "swap-b", "", bundle, "{}", NULL };
		DelayedCall call = { t, MANAGER_PATH, MANAGER ".CreateContainer", args, { 0 } };
		GThread *caller;

		authority_set(a, ANSWER_NO, both);
		authority_hold(a);
		caller = g_thread_new("caller", call_as_nobody, &call);
		/* create first, then create-privileged: swap while the second is asked. */
		authority_wait_held(a);
		authority_pass_on(a);
		authority_wait_held(a);
		swap_config(bundle, benign);
		authority_release(a);
		g_thread_join(caller);
		if (call.result.status != 0)
			g_error("create as %s was refused: %s", NOBODY, call.result.err);
		call_result_clear(&call.result);
		path = g_strdup(MANAGER_PATH "/container/swap_2db");
		dir = ocid_test_get_string(t, path, "Dir");
		effective_path = g_build_filename(dir, "config.json", NULL);
		effective = ocid_test_read_file(effective_path);
		g_assert_null(strstr(effective, "echo benign"));
		g_assert_null(strstr(effective, "\"network\""));
		ocid_test_delete(t, path, TRUE);
	}
	authority_stop(a);
}

/* ---- a real systemd and polkitd (tests/systemd/inside.sh sets up users and rules) --- */

static void
test_unprivileged_denied(void)
{
	OcidTest *t = setup_system_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "guarded", "sleep 300");
	path = ocid_test_create(t, "guarded", "guarded", bundle, NULL, &error);
	g_assert_no_error(error);
	ocid_test_start(t, path);
	g_assert_true(ocid_test_wait_state(t, path, "running", 5000));
	g_assert_cmpint(chmod(t->tmpdir, 0755), ==, 0);

	/* The defaults are auth_admin: a non-interactive call is refused with what to do. */
	assert_every_change_denied(t, "ocidtest1", path, bundle, "authentication is required");
	{
		const char *stop_args[] = { "1", NULL };
		assert_denied_full(t, "ocidtest1", FALSE, path, CONTAINER ".Stop", stop_args,
				   MANAGE, "verb stop on container guarded");
	}
	assert_reads_open(t, "ocidtest1", path, "guarded");
	ocid_test_delete(t, path, TRUE);
}

/* A rules file granting a group: its members create and manage, but do not exec nor
 * create privileged containers; another rule decides by verb and container. Whoever
 * created a container acts on it without any rule (issue 19); on another user's she is
 * refused as before. */
static void
test_rules_by_group_verb_container(void)
{
	OcidTest *t = setup_system_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *host_net = NULL;
	g_autofree char *path = NULL;
	g_autofree char *other = NULL;
	g_autoptr(GError) error = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "granted", "sleep 300");
	host_net = make_host_network_bundle(t, "host-net");
	g_assert_cmpint(chmod(t->tmpdir, 0755), ==, 0);
	path = ocid_test_create(t, "granted", "granted", bundle, NULL, &error);
	g_assert_no_error(error);
	other = ocid_test_create(t, "other", "other", bundle, NULL, &error);
	g_assert_no_error(error);

	/* ocidtest2 is in ocidmgr: create and manage yes, exec and create-privileged no. */
	g_free(assert_allowed(t, "ocidtest2", path, CONTAINER ".Start", NULL));
	g_assert_true(ocid_test_wait_state(t, path, "running", 5000));
	{
		const char *exec_args[] = { "['/bin/true']", "5", NULL };
		assert_denied(t, "ocidtest2", path, CONTAINER ".ExecSync", exec_args, EXEC);
	}
	{
		const char *args[] = { "mine", "", bundle, "{}", NULL };
		const char *by_option[] = { "mine2", "", bundle, "{'privileged': <true>}", NULL };
		const char *by_bundle[] = { "mine3", "", host_net, "{}", NULL };
		g_free(
		    assert_allowed(t, "ocidtest2", MANAGER_PATH, MANAGER ".CreateContainer", args));
		assert_denied(t, "ocidtest2", MANAGER_PATH, MANAGER ".CreateContainer", by_option,
			      PRIVILEGED);
		assert_denied(t, "ocidtest2", MANAGER_PATH, MANAGER ".CreateContainer", by_bundle,
			      PRIVILEGED);
		g_assert_cmpuint(container_count(t), ==, 3);
	}
	/* Her own container she runs and execs in, though no rule grants her exec; confined,
	 * it runs as her. */
	{
		const char *exec_args[] = { "['/bin/true']", "5", NULL };
		const char *mine = "/org/oci/Runtime/container/mine";

		g_free(assert_allowed(t, "ocidtest2", mine, CONTAINER ".Start", NULL));
		g_assert_true(ocid_test_wait_state(t, mine, "running", 5000));
		assert_runs_as(t, mine, getpwnam("ocidtest2")->pw_uid);
		g_free(assert_allowed(t, "ocidtest2", mine, CONTAINER ".ExecSync", exec_args));
	}
	/* ocidtest3 may create, and manage only by stopping the container named
	 * "granted": not others' containers, her own wholly. */
	{
		const char *stop_args[] = { "1", NULL };
		const char *delete_args[] = { "true", NULL };
		const char *create_args[] = { "own3", "", bundle, "{}", NULL };
		const char *own3 = "/org/oci/Runtime/container/own3";

		assert_denied(t, "ocidtest3", other, CONTAINER ".Start", NULL, MANAGE);
		assert_denied(t, "ocidtest3", other, CONTAINER ".Stop", stop_args, MANAGE);
		assert_denied(t, "ocidtest3", "/org/oci/Runtime/container/mine", CONTAINER ".Stop",
			      stop_args, MANAGE);
		assert_denied(t, "ocidtest3", "/org/oci/Runtime/container/mine",
			      CONTAINER ".Delete", delete_args, MANAGE);
		g_free(assert_allowed(t, "ocidtest3", path, CONTAINER ".Stop", stop_args));
		g_free(assert_allowed(t, "ocidtest3", MANAGER_PATH, MANAGER ".CreateContainer",
				      create_args));
		g_free(assert_allowed(t, "ocidtest3", own3, CONTAINER ".Start", NULL));
		g_assert_true(ocid_test_wait_state(t, own3, "running", 5000));
		g_free(assert_allowed(t, "ocidtest3", own3, CONTAINER ".Stop", stop_args));
		g_assert_true(ocid_test_wait_state(t, own3, "stopped", 10000));
		g_free(assert_allowed(t, "ocidtest3", own3, CONTAINER ".Delete", delete_args));
		/* ocidtest2's own is untouched by all that. */
		{
			g_autofree char *state = state_of(t, "/org/oci/Runtime/container/mine");
			g_assert_cmpstr(state, ==, "running");
		}
	}
	{
		g_autofree char *state = state_of(t, path);
		g_autofree char *other_state = state_of(t, other);
		g_assert_cmpstr(state, ==, "stopped");
		g_assert_cmpstr(other_state, ==, "created");
	}
	/* Members delete what root created and what they created themselves. */
	{
		const char *delete_args[] = { "true", NULL };
		g_free(assert_allowed(t, "ocidtest2", path, CONTAINER ".Delete", delete_args));
		g_free(assert_allowed(t, "ocidtest2", other, CONTAINER ".Delete", delete_args));
		g_free(assert_allowed(t, "ocidtest2", "/org/oci/Runtime/container/mine",
				      CONTAINER ".Delete", delete_args));
		g_assert_cmpuint(container_count(t), ==, 0);
	}
}

typedef struct {
	const char *name;
	const char *from, *to; /* the edit of config.json, or NULL */
	const char *options;   /* gdbus's text of the a{sv} */
	const char *reason;    /* what the refusal (and polkit's "reason" detail) says */
	/* runc creates it here, given create-privileged: not with a seccomp listener nobody
	 * listens on, Intel RDT or unified on a cgroup v1 host, nor a negative oomScoreAdj
	 * where the tests' own bounding set lacks CAP_SYS_RESOURCE (some CI sandboxes). */
	gboolean creatable;
} PrivilegeCase;

/* In a case's texts, @REACHABLE@ is a bundle of root's that other users can read, and
 * @SECRET@ one they cannot (make_unreachable_bundle()). */
#define REACHABLE "@REACHABLE@"
#define SECRET    "@SECRET@"

/* Issue 10: with only org.oci.Runtime.manage a caller became root on the host through
 * the bundle or the options. Issue 19: a non-root caller's container is confined in a user
 * namespace as her, and only what the runtime would do as host root on her behalf needs
 * create-privileged: each of these, saying why. */
static const PrivilegeCase privileged_cases[] = {
	{ "hook-prestart", "\"linux\": {",
	  "\"hooks\": {\"prestart\": [{\"path\": \"/bin/true\"}]}, \"linux\": {", "{}",
	  "it has OCI hooks (prestart)", TRUE },
	{ "hook-poststop", "\"linux\": {",
	  "\"hooks\": {\"poststop\": [{\"path\": \"/bin/true\"}]}, \"linux\": {", "{}",
	  "it has OCI hooks (poststop)", TRUE },
	{ "bind-unreachable", "\"mounts\": [",
	  "\"mounts\": [{\"destination\": \"/h\", \"type\": \"bind\", \"source\": \"" SECRET
	  "/rootfs/etc\", \"options\": [\"rbind\", \"ro\"]},",
	  "{}", "its bind source " SECRET "/rootfs/etc is not reachable with your own authority",
	  TRUE },
	{ "root-unreachable", "\"path\": \"rootfs\"", "\"path\": \"" SECRET "/rootfs\"", "{}",
	  "its root.path " SECRET "/rootfs is not reachable with your own authority", TRUE },
	{ "host-fs", "\"mounts\": [",
	  "\"mounts\": [{\"destination\": \"/h\", \"type\": \"ramfs\", \"source\": "
	  "\"ramfs\"},",
	  "{}", "it mounts ramfs (type ramfs) from the host", TRUE },
	{ "devices", "\"linux\": {",
	  "\"linux\": {\"devices\": [{\"path\": \"/dev/null2\", \"type\": \"c\", "
	  "\"major\": 1, \"minor\": 3}],",
	  "{}", "it adds devices (linux.devices)", TRUE },
	{ "device-access", "{ \"allow\": false, \"access\": \"rwm\" }",
	  "{ \"allow\": false, \"access\": \"rwm\" }, { \"allow\": true, \"type\": \"c\", "
	  "\"major\": 1, \"minor\": 3, \"access\": \"rwm\" }",
	  "{}", "it allows device access (linux.resources.devices)", TRUE },
	{ "no-pid-ns", "{ \"type\": \"pid\" }, ", "", "{}", "it shares the host's pid namespace",
	  TRUE },
	{ "joined-ipc-ns", "{ \"type\": \"ipc\" }",
	  "{ \"type\": \"ipc\", \"path\": \"/proc/self/ns/ipc\" }", "{}",
	  "it joins the existing ipc namespace at /proc/self/ns/ipc", TRUE },
	{ "host-netns", NULL, NULL, "{'netns_path': <'/proc/self/ns/net'>}",
	  "it joins the network namespace at /proc/self/ns/net", TRUE },
	{ "oom-score", "\"noNewPrivileges\": true",
	  "\"noNewPrivileges\": true, \"oomScoreAdj\": -10", "{}",
	  "it lowers its OOM score (process.oomScoreAdj)", FALSE },
	{ "seccomp-listener", "\"linux\": {",
	  "\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": "
	  "\"/run/ocid-test-no-listener\"},",
	  "{}", "it has a seccomp listener (listenerPath)", FALSE },
	{ "intel-rdt", "\"linux\": {", "\"linux\": {\"intelRdt\": {\"closID\": \"ocid\"},", "{}",
	  "it asks for Intel RDT (linux.intelRdt)", FALSE },
	{ "cgroup-unified", "\"resources\": {",
	  "\"resources\": {\"unified\": {\"pids.max\": \"10\"},", "{}",
	  "it writes raw cgroup files (linux.resources.unified)", FALSE },
	{ "privileged", NULL, NULL, "{'privileged': <true>}",
	  "it asks for a privileged container (privileged)", TRUE },
};

/* What the old deny-list sent to create-privileged and a user namespace now confines:
 * created with create alone, and run as its owner. */
static const PrivilegeCase confined_cases[] = {
	{ "bind-etc", "\"mounts\": [",
	  "\"mounts\": [{\"destination\": \"/h\", \"type\": \"bind\", \"source\": "
	  "\"/etc\", \"options\": [\"rbind\", \"ro\"]},",
	  "{}", NULL, TRUE },
	{ "volume-root", NULL, NULL, "{'volumes': <[('/h', '/', true)]>}", NULL, TRUE },
	{ "root-reachable", "\"path\": \"rootfs\"", "\"path\": \"" REACHABLE "/rootfs\"", "{}",
	  NULL, TRUE },
	{ "capability", "\"bounding\": [ \"CAP_KILL\"",
	  "\"bounding\": [ \"CAP_SYS_ADMIN\", \"CAP_KILL\"", "{}", NULL, TRUE },
	{ "proc-sys-writable", "\"/proc/sys\", ", "", "{}", NULL, TRUE },
	{ "proc-elsewhere", "\"mounts\": [",
	  "\"mounts\": [{\"destination\": \"/h\", \"type\": \"proc\", \"source\": \"proc\"},", "{}",
	  NULL, TRUE },
	{ "sysfs-writable", "\"nosuid\", \"noexec\", \"nodev\", \"ro\"",
	  "\"nosuid\", \"noexec\", \"nodev\"", "{}", NULL, TRUE },
};

/* @text with @REACHABLE@ and @SECRET@ filled in. */
static char *
case_text(const char *text, const char *reachable, const char *secret)
{
	g_autoptr(GString) filled = g_string_new(text);

	g_string_replace(filled, REACHABLE, reachable, 0);
	g_string_replace(filled, SECRET, secret, 0);
	return g_string_free(g_steal_pointer(&filled), FALSE);
}

/* The bundle of case @c, with a mount point /h in its rootfs: confined, the runtime may
 * not make one in root's rootfs. */
static char *
case_bundle(OcidTest *t, const PrivilegeCase *c, const char *reachable, const char *secret)
{
	g_autofree char *to = c->to != NULL ? case_text(c->to, reachable, secret) : NULL;
	g_autofree char *bundle = c->from != NULL ? make_edited_bundle(t, c->name, c->from, to)
						  : ocid_test_make_bundle(t, c->name, "sleep 300");
	g_autofree char *mount_point = g_build_filename(bundle, "rootfs", "h", NULL);

	g_assert_cmpint(g_mkdir(mount_point, 0755), ==, 0);
	return g_steal_pointer(&bundle);
}

/* The same cases with the stand-in authority: as nobody, granted create alone, each
 * privileged case is refused naming create-privileged and its reason, which is also the
 * detail polkit got; granted create-privileged too, it is created and runs as host root.
 * Each confined case is created with create alone, and runs as nobody. */
static void
test_allow_list(void)
{
	OcidTest *t = setup_private_or_skip();
	const char *const create[] = { CREATE, NULL };
	const char *const both[] = { CREATE, PRIVILEGED, NULL };
	const char *delete_args[] = { "true", NULL };
	g_autofree char *reachable = NULL;
	g_autofree char *secret = NULL;
	uid_t nobody;
	Authority *a;

	if (t == NULL)
		return;
	nobody = getpwnam(NOBODY)->pw_uid;
	reachable = ocid_test_make_bundle(t, "reachable", "sleep 300");
	secret = make_unreachable_bundle(t);
	a = authority_start(t);
	for (gsize i = 0; i < G_N_ELEMENTS(privileged_cases); i++) {
		const PrivilegeCase *c = &privileged_cases[i];
		g_autofree char *bundle = case_bundle(t, c, reachable, secret);
		g_autofree char *options = case_text(c->options, reachable, secret);
		g_autofree char *reason = case_text(c->reason, reachable, secret);
		g_autofree char *denied_id = g_strdup_printf("%s-denied", c->name);
		const char *denied_args[] = { denied_id, "", bundle, options, NULL };
		const char *allowed_args[] = { c->name, "", bundle, options, NULL };
		guint32 count = container_count(t);
		const Question *q;

		g_test_message("%s", c->name);
		authority_set(a, ANSWER_NO, create);
		assert_denied_full(t, NOBODY, FALSE, MANAGER_PATH, MANAGER ".CreateContainer",
				   denied_args, PRIVILEGED, reason);
		assert_question(authority_question(a, 2, 0), nobody, CREATE, denied_id, "create",
				0);
		q = authority_question(a, 2, 1);
		assert_question(q, nobody, PRIVILEGED, denied_id, "create", 0);
		g_assert_cmpstr(q->reason, ==, reason);
		g_assert_cmpuint(container_count(t), ==, count);
		if (!c->creatable)
			continue;
		authority_set(a, ANSWER_NO, both);
		g_free(assert_allowed(t, NOBODY, MANAGER_PATH, MANAGER ".CreateContainer",
				      allowed_args));
		(void)authority_question(a, 2, 0);
		{
			g_autofree char *path = path_of(t, c->name);
			/* Hers, privileged: she deletes it unasked. */
			authority_set(a, ANSWER_NO, NULL);
			g_free(assert_allowed(t, NOBODY, path, CONTAINER ".Delete", delete_args));
			(void)authority_question(a, 0, 0);
		}
		g_assert_cmpuint(container_count(t), ==, count);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(confined_cases); i++) {
		const PrivilegeCase *c = &confined_cases[i];
		g_autofree char *bundle = case_bundle(t, c, reachable, secret);
		const char *args[] = { c->name, "", bundle, c->options, NULL };
		g_autofree char *path = NULL;
		guint32 count = container_count(t);

		g_test_message("%s", c->name);
		authority_set(a, ANSWER_NO, create);
		g_free(assert_allowed(t, NOBODY, MANAGER_PATH, MANAGER ".CreateContainer", args));
		assert_question(authority_question(a, 1, 0), nobody, CREATE, c->name, "create", 0);
		path = path_of(t, c->name);
		authority_set(a, ANSWER_NO, NULL);
		g_free(assert_allowed(t, NOBODY, path, CONTAINER ".Start", NULL));
		g_assert_true(ocid_test_wait_state(t, path, "running", 5000));
		assert_runs_as(t, path, nobody);
		g_free(assert_allowed(t, NOBODY, path, CONTAINER ".Delete", delete_args));
		(void)authority_question(a, 0, 0);
		g_assert_cmpuint(container_count(t), ==, count);
	}
	authority_stop(a);
}

/* The same under polkitd, with the rules of tests/systemd/inside.sh: ocidtest2 (create
 * and manage) is refused each privileged case, saying why; ocidtest5 (create-privileged
 * too, granted only when polkit got the "reason" detail) creates it. ocidtest2 creates
 * and runs each confined case, as herself. */
static void
test_privileged_each(void)
{
	OcidTest *t = setup_system_or_skip();
	g_autofree char *reachable = NULL;
	g_autofree char *secret = NULL;
	uid_t ocidtest2;

	if (t == NULL)
		return;
	g_assert_cmpint(chmod(t->tmpdir, 0755), ==, 0);
	ocidtest2 = getpwnam("ocidtest2")->pw_uid;
	reachable = ocid_test_make_bundle(t, "reachable", "sleep 300");
	secret = make_unreachable_bundle(t);
	for (gsize i = 0; i < G_N_ELEMENTS(privileged_cases); i++) {
		const PrivilegeCase *c = &privileged_cases[i];
		g_autofree char *bundle = case_bundle(t, c, reachable, secret);
		g_autofree char *options = case_text(c->options, reachable, secret);
		g_autofree char *reason = case_text(c->reason, reachable, secret);
		g_autofree char *denied_id = g_strdup_printf("%s-denied", c->name);
		const char *denied_args[] = { denied_id, "", bundle, options, NULL };
		const char *allowed_args[] = { c->name, "", bundle, options, NULL };
		guint32 count;

		g_test_message("%s", c->name);
		count = container_count(t);
		/* ocidtest2 may create and manage, not create privileged containers. */
		assert_denied_full(t, "ocidtest2", FALSE, MANAGER_PATH, MANAGER ".CreateContainer",
				   denied_args, PRIVILEGED, reason);
		g_assert_cmpuint(container_count(t), ==, count);
		if (!c->creatable)
			continue;
		/* ocidtest5 may, and the container is created. */
		g_free(assert_allowed(t, "ocidtest5", MANAGER_PATH, MANAGER ".CreateContainer",
				      allowed_args));
		{
			g_autofree char *path = path_of(t, c->name);
			ocid_test_delete(t, path, TRUE);
		}
		g_assert_cmpuint(container_count(t), ==, count);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(confined_cases); i++) {
		const PrivilegeCase *c = &confined_cases[i];
		g_autofree char *bundle = case_bundle(t, c, reachable, secret);
		const char *args[] = { c->name, "", bundle, c->options, NULL };
		const char *delete_args[] = { "true", NULL };
		g_autofree char *path = NULL;
		guint32 count = container_count(t);

		g_test_message("%s", c->name);
		g_free(
		    assert_allowed(t, "ocidtest2", MANAGER_PATH, MANAGER ".CreateContainer", args));
		path = path_of(t, c->name);
		g_free(assert_allowed(t, "ocidtest2", path, CONTAINER ".Start", NULL));
		g_assert_true(ocid_test_wait_state(t, path, "running", 5000));
		assert_runs_as(t, path, ocidtest2);
		g_free(assert_allowed(t, "ocidtest2", path, CONTAINER ".Delete", delete_args));
		g_assert_cmpuint(container_count(t), ==, count);
	}
}

static void
add_tests(void)
{
	g_test_add_func("/polkit/no-polkit-fails-closed", test_no_polkit_fails_closed);
	g_test_add_func("/polkit/stand-in-authority", test_stand_in_authority);
	g_test_add_func("/polkit/swapped-bundle", test_swapped_bundle);
	g_test_add_func("/polkit/owner-acts-on-own", test_owner_acts_on_own);
	g_test_add_func("/polkit/files-as-caller", test_files_as_caller);
	g_test_add_func("/polkit/allow-list", test_allow_list);
	g_test_add_func("/polkit/unprivileged-denied", test_unprivileged_denied);
	g_test_add_func("/polkit/rules-by-group-verb-container",
			test_rules_by_group_verb_container);
	g_test_add_func("/polkit/privileged-each", test_privileged_each);
}

int
main(int argc, char **argv)
{
	return ocid_test_main(argc, argv, add_tests);
}
