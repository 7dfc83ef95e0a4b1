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
	sd_bus_message *call;
	char *action;
	char *container; /* the detail; empty for a container whose id is not chosen yet */
	gboolean on_container;
	char *verb;
	char *reason; /* the "reason" detail, or NULL */
	gboolean interactive;
	sd_bus_message_handler_t handler;
	OcidPolkitDeniedFunc denied; /* NULL: the refusal is the reply */
} AuthRequest;

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_creds, sd_bus_creds_unref)

static void
auth_request_free(AuthRequest *r)
{
	sd_bus_message_unref(r->call);
	g_free(r->action);
	g_free(r->container);
	g_free(r->verb);
	g_free(r->reason);
	g_free(r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(AuthRequest, auth_request_free)

/* The error names the action, verb and container, so that an administrator can write the
 * rule; @advice says what the caller can do about it. */
static int
deny(const AuthRequest *r, const char *why, const char *advice)
{
	g_auto(sd_bus_error) error = SD_BUS_ERROR_NULL;

	(void)sd_bus_error_setf(
	    &error, ocid_error_dbus_name(OCID_ERROR_ACCESS_DENIED),
	    "Not authorized for %s (verb %s on %s%s%s%s)%s%s; %s", r->action, r->verb,
	    r->container[0] != '\0' ? "container " : "a new container", r->container,
	    r->reason != NULL ? ", because " : "", r->reason != NULL ? r->reason : "",
	    why != NULL ? ": " : "", why != NULL ? why : "",
	    advice != NULL ? advice : "ask an administrator, or have a polkit rule grant it");
	if (r->denied != NULL) {
		r->denied(r->call, ocid_manager_get(r->service->manager, r->container), &error);
		return 0;
	}
	return sd_bus_reply_method_error(r->call, &error);
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

/* Runs the handler with the container (or service) it is for, once the caller may. */
static int
run_handler(OcidBusService *service, sd_bus_message *call, gboolean on_container,
	    const char *container, sd_bus_message_handler_t handler, sd_bus_error *error)
{
	void *userdata = service;
	int ret;

	if (on_container) {
		/* By id again: the container may have been deleted while polkit was asked. */
		userdata = ocid_manager_get(service->manager, container);
		if (userdata == NULL)
			return sd_bus_error_setf(
			    error, ocid_error_dbus_name(OCID_ERROR_NO_SUCH_CONTAINER),
			    "Container %s was deleted while its caller was being authorized",
			    container);
	}
	ret = sd_bus_message_rewind(call, 1);
	if (ret < 0)
		return ret;
	return handler(call, userdata, error);
}

/* After polkit's yes: sends the handler's error if it failed synchronously, as sd-bus
 * would have for a direct call. */
static void
proceed(AuthRequest *r)
{
	g_auto(sd_bus_error) error = SD_BUS_ERROR_NULL;
	int ret =
	    run_handler(r->service, r->call, r->on_container, r->container, r->handler, &error);

	if (ret >= 0)
		return;
	if (sd_bus_error_is_set(&error))
		(void)sd_bus_reply_method_error(r->call, &error);
	else
		(void)sd_bus_reply_method_errno(r->call, ret, NULL);
}

static int
on_polkit_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	g_autoptr(AuthRequest) r = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(reply);
	int authorized = 0, challenge = 0;

	if (e != NULL && polkit_is_absent(e)) {
		g_autofree char *why =
		    g_strdup_printf("polkit is not available on the system bus (%s)", e->message);
		(void)deny(r, why, "until polkitd is installed and running only root may do this");
	} else if (e != NULL) {
		g_autofree char *why =
		    g_strdup_printf("polkit could not decide (%s: %s)", e->name, e->message);
		(void)deny(r, why, "try again, or look at polkit's journal");
	} else if (sd_bus_message_enter_container(reply, 'r', "bba{ss}") < 0 ||
		   sd_bus_message_read(reply, "bb", &authorized, &challenge) < 0) {
		(void)deny(r, "polkit's answer was not understood", NULL);
	} else if (authorized) {
		proceed(r);
	} else if (challenge && r->interactive) {
		(void)deny(r, "authentication is required and no polkit agent could ask for it",
			   "call from a session with a polkit agent (or under pkttyagent), or ask "
			   "an administrator for a polkit rule");
	} else if (challenge) {
		(void)deny(r, "authentication is required",
			   "allow interactive authorization (ocictl does, as do busctl and "
			   "gdbus call --interactive), or ask an administrator for a polkit rule");
	} else {
		(void)deny(r, NULL, NULL);
	}
	return 0;
}

static gboolean
caller_is_root(OcidBusService *service, sd_bus_message *call)
{
	g_autoptr(sd_bus_creds) creds = NULL;
	const char *sender = sd_bus_message_get_sender(call);
	uid_t euid = (uid_t)-1;

	if (sender != NULL && g_strcmp0(sender, service->root_sender) == 0)
		return TRUE;
	/* Only what the bus vouches for (dbus-daemon sends the connection's euid): as in
	 * systemd, never credentials augmented from /proc, whose pid may be reused by then. A
	 * caller whose euid the bus does not send goes to polkit. */
	if (sd_bus_query_sender_creds(call, SD_BUS_CREDS_EUID, &creds) < 0 ||
	    (sd_bus_creds_get_augmented_mask(creds) & SD_BUS_CREDS_EUID) != 0)
		return FALSE;
	if (sd_bus_creds_get_euid(creds, &euid) < 0 || euid != 0)
		return FALSE;
	if (sender != NULL) {
		g_free(service->root_sender);
		service->root_sender = g_strdup(sender);
	}
	return TRUE;
}

static int
require(OcidBusService *service, sd_bus_message *call, const char *action, const char *container,
	gboolean on_container, const char *verb, const char *reason,
	sd_bus_message_handler_t handler, OcidPolkitDeniedFunc denied, sd_bus_error *error)
{
	g_autoptr(sd_bus_message) m = NULL;
	g_autoptr(AuthRequest) r = NULL;
	const char *sender = sd_bus_message_get_sender(call);
	int ret;

	if (container == NULL)
		container = "";
	if (caller_is_root(service, call))
		return run_handler(service, call, on_container, container, handler, error);

	r = g_new0(AuthRequest, 1);
	r->service = service;
	r->call = sd_bus_message_ref(call);
	r->action = g_strdup(action);
	r->container = g_strdup(container);
	r->on_container = on_container;
	r->verb = g_strdup(verb);
	r->reason = g_strdup(reason);
	r->interactive = sd_bus_message_get_allow_interactive_authorization(call) > 0;
	r->handler = handler;
	r->denied = denied;
	if (sender == NULL)
		/* A direct connection, not the bus: polkit has no subject to look at. */
		return deny(r, "the caller has no bus name", NULL);

	ret = sd_bus_message_new_method_call(
	    service->bus, &m, "org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority",
	    "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
	/* The unique name, not a pid: polkit resolves it to the caller's credentials itself,
	 * so a caller cannot exit and have its pid reused by a process it impersonates. */
	if (ret >= 0)
		ret = sd_bus_message_append(m, "(sa{sv})s", "system-bus-name", 1, "name", "s",
					    sender, action);
	if (ret >= 0)
		ret = reason != NULL ? sd_bus_message_append(m, "a{ss}", 3, "container", container,
							     "verb", verb, "reason", reason)
				     : sd_bus_message_append(m, "a{ss}", 2, "container", container,
							     "verb", verb);
	if (ret >= 0)
		ret = sd_bus_message_append(
		    m, "us", r->interactive ? POLKIT_ALLOW_USER_INTERACTION : 0u, "");
	if (ret >= 0)
		ret = sd_bus_call_async(service->bus, NULL, m, on_polkit_reply, r,
					r->interactive ? INTERACTIVE_TIMEOUT_USEC : 0);
	if (ret < 0)
		return sd_bus_error_set_errnof(error, -ret, "Cannot ask polkit: %s",
					       g_strerror(-ret));
	/* on_polkit_reply owns it now. */
	(void)g_steal_pointer(&r);
	return 1;
}

/* A container's owner acts on it with her own authority, which is all it has: confined,
 * it can reach nothing she cannot; privileged, she was granted create-privileged for it.
 * A container still being created is not hers to act on yet (its create-privileged
 * question may be pending). */
static gboolean
caller_owns(OcidBusService *service, sd_bus_message *call, const char *container)
{
	OcidContainer *c = container != NULL ? ocid_manager_get(service->manager, container) : NULL;
	uid_t euid;

	return c != NULL && c->state != OCID_STATE_CREATING && c->owner_uid != 0 &&
	       ocid_polkit_caller_euid(call, &euid) && euid == c->owner_uid;
}

int
ocid_polkit_require(OcidBusService *service, sd_bus_message *call, const char *action,
		    const char *container, gboolean on_container, const char *verb,
		    sd_bus_message_handler_t handler, sd_bus_error *error)
{
	if (on_container && caller_owns(service, call, container))
		return run_handler(service, call, on_container, container, handler, error);
	return require(service, call, action, container, on_container, verb, NULL, handler, NULL,
		       error);
}

int
ocid_polkit_require_or(OcidBusService *service, sd_bus_message *call, const char *action,
		       const char *container, const char *verb, const char *reason,
		       sd_bus_message_handler_t handler, OcidPolkitDeniedFunc denied,
		       sd_bus_error *error)
{
	return require(service, call, action, container, TRUE, verb, reason, handler, denied,
		       error);
}

gboolean
ocid_polkit_caller_euid(sd_bus_message *call, uid_t *euid)
{
	g_autoptr(sd_bus_creds) creds = NULL;

	/* As caller_is_root: what the bus vouches for, nothing augmented from /proc. */
	if (sd_bus_query_sender_creds(call, SD_BUS_CREDS_EUID, &creds) < 0 ||
	    (sd_bus_creds_get_augmented_mask(creds) & SD_BUS_CREDS_EUID) != 0)
		return FALSE;
	return sd_bus_creds_get_euid(creds, euid) >= 0;
}
