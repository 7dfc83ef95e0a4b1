/* Readiness (issue 21, point 4): a container created with the option notify=container gets
 * a NOTIFY_SOCKET of its own, as a service under systemd does. Its READY=1 and STATUS=
 * become the Ready and StatusText properties. The socket lives in the container's dir
 * (<dir>/notify/notify.sock) and is bound into the container at /run/notify, so nothing
 * outside the container and root can write to it. ocid reads it on the main loop: no
 * timer, no wake-up until the container says something. */
#pragma once

#include "manager.h"

#include <json-glib/json-glib.h>

typedef enum {
	OCID_NOTIFY_NONE,
	OCID_NOTIFY_CONTAINER,
} OcidNotifyMode;

/* Where the container finds its socket, and what NOTIFY_SOCKET says. */
#define OCID_NOTIFY_DIR_IN_CONTAINER    "/run/notify"
#define OCID_NOTIFY_SOCKET_IN_CONTAINER "/run/notify/notify.sock"

/* How much of a STATUS= line the StatusText property keeps. */
#define OCID_NOTIFY_STATUS_MAX 1024

const char *ocid_notify_mode_to_string(int mode);

/* "none" (or "") and "container"; InvalidArgument naming the option otherwise. */
gboolean ocid_notify_mode_from_string(const char *s, int *out, GError **error);

/* The bind mount of the socket's dir and NOTIFY_SOCKET in process.env. */
void ocid_notify_apply_spec(JsonNode *spec, const OcidContainer *container);

/* Binds the container's socket again (at create, and at restore: the last daemon's socket
 * went with it) and reads it from now on. Nothing for a container without notify. */
gboolean ocid_notify_listen(OcidContainer *container, GError **error);

/* A start begins: not ready, no status, until the container says so again. */
void ocid_notify_starting(OcidContainer *container);

/* Stops reading (the container is freed). */
void ocid_notify_close(OcidContainer *container);
