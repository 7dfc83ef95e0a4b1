#define G_LOG_DOMAIN "ocid"

#include "polkit.h"

#include "bus-errors.h"

#include "../daemon/cleanup.h"
#include "../daemon/errors.h"

#include <errno.h>

/* The user may be asked for a password: give them time. */
#define INTERACTIVE_TIMEOUT_USEC (5ULL * 60 * 1000 * 1000)

typedef struct {
	OcidBusService *service;
	sd_bus_message *call;
	char *action;
	char *container; /* the detail; may be empty */
	gboolean on_container;
	char *verb;
	sd_bus_message_handler_t handler;
} AuthRequest;

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_creds, sd_bus_creds_unref)

static void
auth_request_free(AuthRequest *r)
{
	sd_bus_message_unref(r->call);
	g_free(r->action);
	g_free(r->container);
	g_free(r->verb);
	g_free(r);
}

static int
deny(sd_bus_message *call, const AuthRequest *r, const char *why)
{
	return sd_bus_reply_method_errorf(
	    call, "org.oci.Runtime.Error.AccessDenied",
	    "Not authorized for %s (%s%s%s)%s%s; ask an administrator, or have a polkit rule "
	    "grant it",
	    r->action, r->verb, r->container[0] != '\0' ? " on container " : "", r->container,
	    why != NULL ? ": " : "", why != NULL ? why : "");
}

/* Runs the real handler now that the caller is allowed, and sends its error if it failed
 * synchronously (as sd-bus would have for a direct call). */
static void
proceed(AuthRequest *r)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	void *userdata = r->service;
	int ret;

	if (r->on_container) {
		userdata = ocid_store_get(r->service->manager->store, r->container);
		if (userdata == NULL) {
			(void)sd_bus_reply_method_errorf(
			    r->call, "org.oci.Runtime.Error.NoSuchContainer",
			    "Container %s was deleted while its caller was being authorized",
			    r->container);
			return;
		}
	}
	(void)sd_bus_message_rewind(r->call, 1);
	ret = r->handler(r->call, userdata, &error);
	if (ret < 0) {
		if (sd_bus_error_is_set(&error))
			(void)sd_bus_reply_method_error(r->call, &error);
		else
			(void)sd_bus_reply_method_errno(r->call, ret, NULL);
	}
	sd_bus_error_free(&error);
}

static int
on_polkit_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	AuthRequest *r = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(reply);
	int authorized = 0, challenge = 0;

	if (e != NULL) {
		g_autofree char *why = g_strdup_printf("polkit could not be asked (%s)", e->name);
		(void)deny(r->call, r, why);
	} else if (sd_bus_message_enter_container(reply, 'r', "bba{ss}") < 0 ||
		   sd_bus_message_read(reply, "bb", &authorized, &challenge) < 0) {
		(void)deny(r->call, r, "polkit's answer was not understood");
	} else if (authorized) {
		proceed(r);
	} else {
		(void)deny(r->call, r,
			   challenge ? "authentication is required and no agent could ask for it"
				     : NULL);
	}
	auth_request_free(r);
	return 0;
}

int
ocid_polkit_require(OcidBusService *service, sd_bus_message *call, const char *action,
		    const char *container, gboolean on_container, const char *verb,
		    sd_bus_message_handler_t handler, sd_bus_error *error)
{
	g_autoptr(sd_bus_creds) creds = NULL;
	g_autoptr(sd_bus_message) m = NULL;
	AuthRequest *r;
	uid_t uid = (uid_t)-1;
	const char *sender = sd_bus_message_get_sender(call);
	int interactive = sd_bus_message_get_allow_interactive_authorization(call);
	int ret;

	ret = sd_bus_query_sender_creds(call, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &creds);
	if (ret >= 0)
		ret = sd_bus_creds_get_euid(creds, &uid);
	if (ret >= 0 && uid == 0)
		return handler(call,
			       on_container
				   ? (void *)ocid_store_get(service->manager->store, container)
				   : (void *)service,
			       error);

	r = g_new0(AuthRequest, 1);
	r->service = service;
	r->call = sd_bus_message_ref(call);
	r->action = g_strdup(action);
	r->container = g_strdup(container != NULL ? container : "");
	r->on_container = on_container;
	r->verb = g_strdup(verb);
	r->handler = handler;
	if (sender == NULL) {
		ret = deny(call, r, "the caller has no bus name");
		auth_request_free(r);
		return ret;
	}
	ret = sd_bus_message_new_method_call(
	    service->bus, &m, "org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority",
	    "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
	if (ret >= 0)
		ret = sd_bus_message_append(m, "(sa{sv})s", "system-bus-name", 1, "name", "s",
					    sender, action);
	if (ret >= 0)
		ret = sd_bus_message_open_container(m, 'a', "{ss}");
	if (ret >= 0)
		ret = sd_bus_message_append(m, "{ss}", "container", r->container);
	if (ret >= 0)
		ret = sd_bus_message_append(m, "{ss}", "verb", verb);
	if (ret >= 0)
		ret = sd_bus_message_close_container(m);
	if (ret >= 0)
		ret = sd_bus_message_append(m, "us", (uint32_t)(interactive > 0 ? 1 : 0), "");
	if (ret >= 0)
		ret = sd_bus_call_async(service->bus, NULL, m, on_polkit_reply, r,
					interactive > 0 ? INTERACTIVE_TIMEOUT_USEC : 0);
	if (ret < 0) {
		auth_request_free(r);
		return sd_bus_error_set_errnof(error, -ret, "Cannot ask polkit: %s",
					       g_strerror(-ret));
	}
	return 1;
}
