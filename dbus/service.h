/* The D-Bus face of the daemon: the connection, the Manager object at /org/oci/Runtime
 * and the container objects below /org/oci/Runtime/container, the well-known name. */
#pragma once

#include "../daemon/manager.h"

#include <glib.h>
#include <systemd/sd-bus.h>

#define OCID_BUS_NAME            "org.oci.Runtime"
#define OCID_MANAGER_PATH        "/org/oci/Runtime"
#define OCID_CONTAINER_PREFIX    "/org/oci/Runtime/container"
#define OCID_MANAGER_INTERFACE   "org.oci.Runtime.Manager"
#define OCID_CONTAINER_INTERFACE "org.oci.Runtime.Container"

typedef struct {
	sd_bus *bus;
	OcidManager *manager;
	sd_bus_slot *manager_slot;
	sd_bus_slot *container_slot;
	sd_bus_slot *enumerator_slot;
	sd_bus_slot *object_manager_slot;
	sd_bus_slot *process_slot;
	sd_bus_slot *process_enumerator_slot;
	/* Object path -> Exec's process objects (process-object.c): the index the fallback
	 * vtable looks them up in; each is also listed on its container's calls. */
	GHashTable *processes;
	guint64 next_process;
	guint journal_readers; /* journald logs being read (container-io.c), bounded */
	guint bus_source;      /* the connection's GSource in the default main context */
	/* The unique name of the last caller the bus vouched for as root. A unique name is
	 * never given to another connection, and a connection's euid never changes, so its
	 * next call needs no round trip to the bus to ask again. */
	char *root_sender;
	GHashTable *polkit; /* call -> its polkit question or answer, polkit.c */
} OcidBusService;

/* Connects to the system bus (DBUS_SYSTEM_BUS_ADDRESS honoured), exports the objects and
 * wires the manager's listener. The name is requested separately, once restored. */
OcidBusService *ocid_bus_service_new(OcidManager *manager, GError **error);

/* The service a container's objects belong to: its manager's listener. Completions run
 * long after the handler's dispatch, so they find the service from the container rather
 * than from the current slot. */
OcidBusService *ocid_bus_service_of(OcidContainer *container);

gboolean ocid_bus_service_request_name(OcidBusService *service, GError **error);

/* @lost runs once, from the main loop, when the bus connection is gone for good. */
void ocid_bus_service_on_lost(OcidBusService *service, GSourceFunc lost, gpointer user_data);

void ocid_bus_service_free(OcidBusService *service);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcidBusService, ocid_bus_service_free)

/* Registration of the two object kinds, in manager-object.c and container-object.c. */
int ocid_manager_object_register(OcidBusService *service);
int ocid_container_objects_register(OcidBusService *service);
int ocid_process_objects_register(OcidBusService *service);

/* The object path of a container id (caller frees). Computed at each use rather than kept
 * on the container: the daemon keeps thousands, and the path is their id's. */
char *ocid_container_object_path(const char *id);

/* Emitters used by the listener. */
void ocid_container_object_emit_changed(OcidBusService *service, OcidContainer *container,
					const char *const *properties);
void ocid_manager_object_emit_changed(OcidBusService *service, const char *const *properties);
