/* Authorization of every method that changes state: root is allowed at once, anyone else
 * is asked about through polkit's CheckAuthorization (asynchronously, with the caller's
 * bus name as subject and the container and verb as details, and interactive
 * authentication when the caller's message allows it), from inside the method handler,
 * which sd-bus calls again once polkit has answered. Without polkit on the bus only root
 * gets through. */
#pragma once

#include "service.h"

#include <systemd/sd-bus.h>

#define OCID_ACTION_CREATE            "org.oci.Runtime.create"
#define OCID_ACTION_MANAGE            "org.oci.Runtime.manage"
#define OCID_ACTION_EXEC              "org.oci.Runtime.exec"
#define OCID_ACTION_CREATE_PRIVILEGED "org.oci.Runtime.create-privileged"
#define OCID_ACTION_LOGS              "org.oci.Runtime.logs"
#define OCID_ACTION_ATTACH            "org.oci.Runtime.attach"

/* One question: may the caller do @action with @verb on @container (the detail: an id,
 * or "" for a container whose id the daemon will choose)? @reason, when not NULL, is
 * passed to polkit as the detail "reason" (for rules: action.lookup("reason")) and said
 * in the refusal. A caller whose bus-vouched euid is @owner ((uid_t)-1: nobody) is not
 * asked about. */
typedef struct {
	const char *action;
	const char *container;
	const char *verb;
	const char *reason;
	uid_t owner;
} OcidPolkitCheck;

/* Called by a method handler before it changes anything, each time sd-bus dispatches
 * @call to it. Returns 1: the caller may (root, the owner, or polkit said yes), go on;
 * 0: polkit is being asked, so the handler leaves @call unreplied and returns 1 (handled;
 * 0 would make sd-bus answer UnknownMethod): once
 * polkit answers, sd-bus dispatches @call to the handler again, which calls this again
 * with the same @check and gets the answer; negative with @error set: reply with it (an
 * AccessDenied that says why and what to do). Should the caller leave the bus, or the
 * container go away, while polkit is asked, the question is dropped. */
int ocid_polkit_verify(OcidBusService *service, sd_bus_message *call, const OcidPolkitCheck *check,
		       sd_bus_error *error);

/* ocid_polkit_verify() about @container, whose owner is not asked about once it is
 * created. */
int ocid_polkit_verify_container(OcidContainer *container, sd_bus_message *call, const char *action,
				 const char *verb, sd_bus_error *error);

/* After ocid_polkit_verify() returned 0: @data is kept with @call until its handler runs
 * again and takes it (ocid_polkit_take_kept()); freed by @free_data if it never does. */
void ocid_polkit_keep(OcidBusService *service, sd_bus_message *call, gpointer data,
		      GDestroyNotify free_data);
gpointer ocid_polkit_take_kept(OcidBusService *service, sd_bus_message *call);

/* The container @id is going away: questions of calls on its objects are dropped, and
 * their callers told that it is gone. */
void ocid_polkit_forget_container(OcidBusService *service, const char *id);

/* service->polkit: the questions in flight and answers not yet taken, by call. */
GHashTable *ocid_polkit_queries_new(void);

/* The caller's euid as the bus vouches for it; FALSE when the bus does not say. */
gboolean ocid_polkit_caller_euid(sd_bus_message *call, uid_t *euid);
