/* Authorization of every method that changes state: root is allowed at once, anyone else
 * is asked about through polkit's CheckAuthorization (asynchronously, with the caller's
 * bus name as subject and the container and verb as details, and interactive
 * authentication when the caller's message allows it). Without polkit on the bus only
 * root gets through. */
#pragma once

#include "service.h"

#include <systemd/sd-bus.h>

#define OCID_ACTION_CREATE            "org.oci.Runtime.create"
#define OCID_ACTION_MANAGE            "org.oci.Runtime.manage"
#define OCID_ACTION_EXEC              "org.oci.Runtime.exec"
#define OCID_ACTION_CREATE_PRIVILEGED "org.oci.Runtime.create-privileged"
#define OCID_ACTION_LOGS              "org.oci.Runtime.logs"
#define OCID_ACTION_ATTACH            "org.oci.Runtime.attach"

/* Runs @handler(@call) once the caller may do @action on @container with @verb; the
 * handler reads @call from its start. With @on_container the handler is a container
 * method: the container is looked up again when polkit answers and passed as userdata;
 * otherwise the userdata is @service. @container may be NULL or empty (a container whose
 * id the daemon will choose). Returns what an sd-bus method handler returns: the
 * handler's result for root, 1 while polkit is being asked (the reply comes later). */
int ocid_polkit_require(OcidBusService *service, sd_bus_message *call, const char *action,
			const char *container, gboolean on_container, const char *verb,
			sd_bus_message_handler_t handler, sd_bus_error *error);

/* The caller's euid as the bus vouches for it; FALSE when the bus does not say. */
gboolean ocid_polkit_caller_euid(sd_bus_message *call, uid_t *euid);

/* Called instead of a reply when the caller may not: @container is the one named (NULL
 * if it is gone), @denial the AccessDenied error the caller is owed. */
typedef void (*OcidPolkitDeniedFunc)(sd_bus_message *call, void *container,
				     const sd_bus_error *denial);

/* As ocid_polkit_require with @on_container, but a refusal goes to @denied, which then
 * owns the reply: for an operation that must be undone before its caller hears no.
 * @reason, when not NULL, is passed to polkit as the detail "reason" (for rules:
 * action.lookup("reason")) and said in the refusal. */
int ocid_polkit_require_or(OcidBusService *service, sd_bus_message *call, const char *action,
			   const char *container, const char *verb, const char *reason,
			   sd_bus_message_handler_t handler, OcidPolkitDeniedFunc denied,
			   sd_bus_error *error);
