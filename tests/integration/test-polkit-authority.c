/* What ocid asks a polkit authority (subject, action, details, the interactive flag), and
 * that it follows the answer: a stand-in authority on the private bus. */
#include "polkit-test.h"

static const char authority_xml[] = "<node><interface name='org.freedesktop.PolicyKit1.Authority'>"
				    "<method name='CheckAuthorization'>"
				    "<arg type='(sa{sv})' name='subject' direction='in'/>"
				    "<arg type='s' name='action_id' direction='in'/>"
				    "<arg type='a{ss}' name='details' direction='in'/>"
				    "<arg type='u' name='flags' direction='in'/>"
				    "<arg type='s' name='cancellation_id' direction='in'/>"
				    "<arg type='(bba{ss})' name='result' direction='out'/>"
				    "</method></interface></node>";

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

Authority *
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

void
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
void
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
void
authority_hold(Authority *a)
{
	g_mutex_lock(&a->lock);
	a->hold = TRUE;
	g_mutex_unlock(&a->lock);
}

/* Waits until a question is held, so that the test can act while the caller waits. */
void
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

void
authority_release(Authority *a)
{
	release(a, FALSE);
}

/* Answers the held question and holds the next one back. */
void
authority_pass_on(Authority *a)
{
	release(a, TRUE);
}

/* Asserts that the authority was asked exactly @n questions and returns question @i. */
const Question *
authority_question(Authority *a, guint n, guint i)
{
	const Question *q;

	g_mutex_lock(&a->lock);
	g_assert_cmpuint(a->questions->len, ==, n);
	q = n > 0 ? g_ptr_array_index(a->questions, i) : NULL;
	g_mutex_unlock(&a->lock);
	return q;
}

void
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

/* @call as nobody from a thread of its own; the first question (create) is answered, the
 * second (create-privileged) held until authority_release(). */
GThread *
call_held_at_second(Authority *a, DelayedCall *call)
{
	GThread *caller;

	authority_hold(a);
	caller = g_thread_new("caller", call_as_nobody, call);
	authority_wait_held(a);
	authority_pass_on(a);
	authority_wait_held(a);
	return caller;
}

gpointer
call_as_nobody(gpointer data)
{
	DelayedCall *call = data;

	call_as(call->t, NOBODY, FALSE, call->path, call->method, call->args, &call->result);
	return NULL;
}

void
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
