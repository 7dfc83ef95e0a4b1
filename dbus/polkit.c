/* Polkit inside the method, the sd-bus way (systemd's bus_verify_polkit_async()): a
 * method handler asks ocid_polkit_verify(); while polkit is asked its call stays
 * unreplied, and polkit's answer puts the call back in the connection's read queue, so
 * that sd-bus dispatches it again and the same handler finds the answer. The questions
 * in flight and the answers not yet taken are kept by call, in service->polkit. */
#define G_LOG_DOMAIN "ocid"

#include "polkit.h"

#include "../daemon/cleanup.h"
#include "../daemon/errors.h"

#include <errno.h>

/* The user may be asked for a password: give them time. */
#define INTERACTIVE_TIMEOUT_USEC (5ULL * 60 * 1000 * 1000)

/* CheckAuthorization's flags: polkit may ask the user through their agent. */
#define POLKIT_ALLOW_USER_INTERACTION 1u

typedef struct {
	OcidBusService *service;
	sd_bus_message *call;  /* unreplied until its handler runs again */
	sd_bus_slot *question; /* CheckAuthorization in flight; NULL once answered */
	sd_bus_slot *vanished; /* the caller leaving the bus */
	char *action;
	char *container; /* the detail; empty for a container whose id is not chosen yet */
	char *verb;
	char *reason; /* the "reason" detail, or NULL */
	gboolean interactive;
	gboolean authorized;
	sd_bus_error denial; /* the AccessDenied owed to the caller, once answered no */
	gpointer kept;       /* the handler's own state until it runs again */
	GDestroyNotify kept_free;
	guint sweep; /* drops an answer that no dispatch of the call took */
} Query;

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_creds, sd_bus_creds_unref)

static void
query_free(Query *q)
{
	/* Unreferencing the slots cancels the question and the match. */
	sd_bus_slot_unref(q->question);
	sd_bus_slot_unref(q->vanished);
	g_clear_handle_id(&q->sweep, g_source_remove);
	if (q->kept != NULL)
		q->kept_free(q->kept);
	sd_bus_error_free(&q->denial);
	sd_bus_message_unref(q->call);
	g_free(q->action);
	g_free(q->container);
	g_free(q->verb);
	g_free(q->reason);
	g_free(q);
}

GHashTable *
ocid_polkit_queries_new(void)
{
	/* Keyed by the call itself: a re-dispatch hands the handler the same message. */
	return g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
				     (GDestroyNotify)query_free);
}

/* The error names the action, verb and container, so that an administrator can write the
 * rule; @advice says what the caller can do about it. */
static int
deny(sd_bus_error *error, const OcidPolkitCheck *check, const char *why, const char *advice)
{
	const char *container = check->container != NULL ? check->container : "";

	return sd_bus_error_setf(
	    error, ocid_error_dbus_name(OCID_ERROR_ACCESS_DENIED),
	    "Not authorized for %s (verb %s on %s%s%s%s)%s%s; %s", check->action, check->verb,
	    container[0] != '\0' ? "container " : "a new container", container,
	    check->reason != NULL ? ", because " : "", check->reason != NULL ? check->reason : "",
	    why != NULL ? ": " : "", why != NULL ? why : "",
	    advice != NULL ? advice : "ask an administrator, or have a polkit rule grant it");
}

/* Polkit is missing (not installed, or its activation failed: dbus-daemon's Spawn errors,
 * or systemd's when it activates polkit.service, masked for instance), as opposed to
 * polkit failing to decide. */
static gboolean
polkit_is_absent(const sd_bus_error *e)
{
	return sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN,
				      SD_BUS_ERROR_NAME_HAS_NO_OWNER) ||
	       g_str_has_prefix(e->name, "org.freedesktop.DBus.Error.Spawn.") ||
	       g_str_has_prefix(e->name, "org.freedesktop.systemd1.");
}

/* What polkit's @reply means for @q: authorized, or the refusal its caller is owed. */
static void
read_answer(Query *q, sd_bus_message *reply)
{
	const OcidPolkitCheck check = { q->action, q->container, q->verb, q->reason, (uid_t)-1 };
	const sd_bus_error *e = sd_bus_message_get_error(reply);
	g_autofree char *why = NULL;
	int authorized = 0, challenge = 0;

	if (e != NULL && polkit_is_absent(e)) {
		why = g_strdup_printf("polkit is not available on the system bus (%s)", e->message);
		(void)deny(&q->denial, &check, why,
			   "until polkitd is installed and running only root may do this");
	} else if (e != NULL) {
		why = g_strdup_printf("polkit could not decide (%s: %s)", e->name, e->message);
		(void)deny(&q->denial, &check, why, "try again, or look at polkit's journal");
	} else if (sd_bus_message_enter_container(reply, 'r', "bba{ss}") < 0 ||
		   sd_bus_message_read(reply, "bb", &authorized, &challenge) < 0) {
		(void)deny(&q->denial, &check, "polkit's answer was not understood", NULL);
	} else if (authorized) {
		q->authorized = TRUE;
	} else if (challenge && q->interactive) {
		(void)deny(&q->denial, &check,
			   "authentication is required and no polkit agent could ask for it",
			   "call from a session with a polkit agent (or under pkttyagent), or ask "
			   "an administrator for a polkit rule");
	} else if (challenge) {
		(void)deny(&q->denial, &check, "authentication is required",
			   "allow interactive authorization (ocictl does, as do busctl and "
			   "gdbus call --interactive), or ask an administrator for a polkit rule");
	} else {
		(void)deny(&q->denial, &check, NULL, NULL);
	}
}

/* The answer is taken by the call's next dispatch, which comes first: the connection's
 * source runs at a higher priority than idles. Should no handler have asked for it (the
 * object went away meanwhile, and sd-bus answered for it), it goes here. */
static gboolean
sweep_answer(gpointer user_data)
{
	Query *q = user_data;

	q->sweep = 0;
	g_hash_table_remove(q->service->polkit, q->call);
	return G_SOURCE_REMOVE;
}

/* Puts @q's call back in the read queue: sd-bus dispatches it to its handler again. */
static void
dispatch_again(Query *q)
{
	int r = sd_bus_message_rewind(q->call, 1);

	if (r >= 0)
		r = sd_bus_enqueue_for_read(q->service->bus, q->call);
	if (r < 0) {
		g_warning("Cannot resume a call once polkit answered: %s", g_strerror(-r));
		(void)sd_bus_reply_method_errno(q->call, r, NULL);
		g_hash_table_remove(q->service->polkit, q->call);
		return;
	}
	q->sweep = g_idle_add(sweep_answer, q);
}

static int
on_polkit_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	Query *q = userdata;

	q->question = sd_bus_slot_unref(q->question);
	q->vanished = sd_bus_slot_unref(q->vanished);
	read_answer(q, reply);
	dispatch_again(q);
	return 0;
}

/* The caller left while polkit was being asked: nobody is owed a reply any more. */
static int
on_caller_vanished(sd_bus_message *signal, void *userdata, sd_bus_error *ret_error)
{
	Query *q = userdata;

	if (q->question != NULL) {
		g_debug("The caller %s left while polkit was asked about %s",
			sd_bus_message_get_sender(q->call), q->action);
		g_hash_table_remove(q->service->polkit, q->call);
	}
	return 0;
}

static gboolean
caller_is_root(OcidBusService *service, sd_bus_message *call)
{
	const char *sender = sd_bus_message_get_sender(call);
	uid_t euid = (uid_t)-1;

	if (sender != NULL && g_strcmp0(sender, service->root_sender) == 0)
		return TRUE;
	if (!ocid_polkit_caller_euid(call, &euid) || euid != 0)
		return FALSE;
	if (sender != NULL) {
		g_free(service->root_sender);
		service->root_sender = g_strdup(sender);
	}
	return TRUE;
}

static int
append_question(sd_bus_message *m, const char *sender, const Query *q)
{
	int r;

	/* The unique name, not a pid: polkit resolves it to the caller's credentials itself,
	 * so a caller cannot exit and have its pid reused by a process it impersonates. */
	r = sd_bus_message_append(m, "(sa{sv})s", "system-bus-name", 1, "name", "s", sender,
				  q->action);
	if (r >= 0)
		r = q->reason != NULL
			? sd_bus_message_append(m, "a{ss}", 3, "container", q->container, "verb",
						q->verb, "reason", q->reason)
			: sd_bus_message_append(m, "a{ss}", 2, "container", q->container, "verb",
						q->verb);
	if (r >= 0)
		r = sd_bus_message_append(m, "us",
					  q->interactive ? POLKIT_ALLOW_USER_INTERACTION : 0u, "");
	return r;
}

/* A match the bus refused (a caller with too many calls waiting, say): sd-bus would close
 * the connection for it without this callback. The question is then only dropped once
 * polkit answers: it costs time, not a leak. */
static int
on_watch_installed(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	const sd_bus_error *e = sd_bus_message_get_error(reply);

	if (e != NULL)
		g_debug("Cannot watch a caller leave the bus: %s", e->message);
	return 0;
}

/* Asks the bus to say when @sender leaves. */
static void
watch_caller(OcidBusService *service, const char *sender, Query *q)
{
	g_autofree char *match = g_strdup_printf(
	    "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
	    "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='%s',arg2=''",
	    sender);
	int r = sd_bus_add_match_async(service->bus, &q->vanished, match, on_caller_vanished,
				       on_watch_installed, q);

	if (r < 0)
		g_debug("Cannot watch %s leave the bus: %s", sender, g_strerror(-r));
}

/* Sends CheckAuthorization for @check; the call waits in the registry. */
static int
ask(OcidBusService *service, sd_bus_message *call, const OcidPolkitCheck *check,
    sd_bus_error *error)
{
	g_autoptr(sd_bus_message) m = NULL;
	const char *sender = sd_bus_message_get_sender(call);
	Query *q;
	int r;

	q = g_new0(Query, 1);
	q->service = service;
	q->call = sd_bus_message_ref(call);
	q->action = g_strdup(check->action);
	q->container = g_strdup(check->container != NULL ? check->container : "");
	q->verb = g_strdup(check->verb);
	q->reason = g_strdup(check->reason);
	q->interactive = sd_bus_message_get_allow_interactive_authorization(call) > 0;
	g_hash_table_replace(service->polkit, call, q);

	/* The bus handles our messages in order: the match is in place before polkit is
	 * asked, so a caller that leaves while polkit decides is seen leaving. */
	watch_caller(service, sender, q);
	r = sd_bus_message_new_method_call(
	    service->bus, &m, "org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority",
	    "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
	if (r >= 0)
		r = append_question(m, sender, q);
	if (r >= 0)
		r = sd_bus_call_async(service->bus, &q->question, m, on_polkit_reply, q,
				      q->interactive ? INTERACTIVE_TIMEOUT_USEC : 0);
	if (r < 0) {
		g_hash_table_remove(service->polkit, call);
		return sd_bus_error_set_errnof(error, -r, "Cannot ask polkit: %s", g_strerror(-r));
	}
	return 0;
}

static gboolean
same_question(const Query *q, const OcidPolkitCheck *check)
{
	return g_str_equal(q->action, check->action) &&
	       g_str_equal(q->container, check->container != NULL ? check->container : "") &&
	       g_str_equal(q->verb, check->verb) && g_strcmp0(q->reason, check->reason) == 0;
}

int
ocid_polkit_verify(OcidBusService *service, sd_bus_message *call, const OcidPolkitCheck *check,
		   sd_bus_error *error)
{
	Query *q = g_hash_table_lookup(service->polkit, call);
	uid_t euid = (uid_t)-1;

	/* First the answer to this call, if it has one: what was decided is what holds,
	 * even if the caller became the owner meanwhile. */
	if (q != NULL && q->question == NULL && same_question(q, check)) {
		int r = q->authorized ? 1 : -EACCES;

		if (!q->authorized)
			(void)sd_bus_error_copy(error, &q->denial);
		g_hash_table_remove(service->polkit, call);
		return r;
	}
	if (q != NULL && q->question != NULL)
		return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED,
					 "This call is being authorized already");
	/* An answer to another question (the object changed between the dispatches) is
	 * out of date: asked again. */
	if (q != NULL)
		g_hash_table_remove(service->polkit, call);
	if (caller_is_root(service, call))
		return 1;
	if (check->owner != (uid_t)-1 && ocid_polkit_caller_euid(call, &euid) &&
	    euid == check->owner)
		return 1;
	if (sd_bus_message_get_sender(call) == NULL)
		/* A direct connection, not the bus: polkit has no subject to look at. */
		return deny(error, check, "the caller has no bus name", NULL);
	return ask(service, call, check, error);
}

/* A container's owner acts on it with her own authority, which is all it has: confined,
 * it can reach nothing she cannot; privileged, she was granted create-privileged for it.
 * A container still being created is not hers to act on yet. */
int
ocid_polkit_verify_container(OcidContainer *container, sd_bus_message *call, const char *action,
			     const char *verb, sd_bus_error *error)
{
	OcidPolkitCheck check = { action, container->id, verb, NULL, (uid_t)-1 };

	if (container->state != OCID_STATE_CREATING && container->owner_uid != 0)
		check.owner = container->owner_uid;
	return ocid_polkit_verify(ocid_bus_service_of(container), call, &check, error);
}

void
ocid_polkit_keep(OcidBusService *service, sd_bus_message *call, gpointer data,
		 GDestroyNotify free_data)
{
	Query *q = g_hash_table_lookup(service->polkit, call);

	g_return_if_fail(q != NULL && q->kept == NULL);
	q->kept = data;
	q->kept_free = free_data;
}

gpointer
ocid_polkit_take_kept(OcidBusService *service, sd_bus_message *call)
{
	Query *q = g_hash_table_lookup(service->polkit, call);

	return q != NULL ? g_steal_pointer(&q->kept) : NULL;
}

void
ocid_polkit_forget_container(OcidBusService *service, const char *id)
{
	g_autoptr(GPtrArray) gone = g_ptr_array_new();
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, service->polkit);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		Query *q = value;

		/* Calls on its objects, not a create that asks about its id. */
		if (q->question != NULL && g_str_equal(q->container, id) &&
		    g_strcmp0(sd_bus_message_get_path(q->call), OCID_MANAGER_PATH) != 0)
			g_ptr_array_add(gone, q);
	}
	/* Its question is moot: the caller learns at once that the container is gone. */
	for (guint i = 0; i < gone->len; i++) {
		Query *q = gone->pdata[i];

		(void)sd_bus_reply_method_errorf(
		    q->call, ocid_error_dbus_name(OCID_ERROR_NO_SUCH_CONTAINER),
		    "Container %s was deleted while its caller was being authorized", id);
		g_hash_table_remove(service->polkit, q->call);
	}
}

gboolean
ocid_polkit_caller_euid(sd_bus_message *call, uid_t *euid)
{
	g_autoptr(sd_bus_creds) creds = NULL;

	/* Only what the bus vouches for (dbus-daemon sends the connection's euid): as in
	 * systemd, never credentials augmented from /proc, whose pid may be reused by then. A
	 * caller whose euid the bus does not send goes to polkit. */
	if (sd_bus_query_sender_creds(call, SD_BUS_CREDS_EUID, &creds) < 0 ||
	    (sd_bus_creds_get_augmented_mask(creds) & SD_BUS_CREDS_EUID) != 0)
		return FALSE;
	return sd_bus_creds_get_euid(creds, euid) >= 0;
}
