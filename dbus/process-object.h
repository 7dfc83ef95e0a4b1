/* org.oci.Runtime.Process objects at /org/oci/Runtime/process/<n>, one per Exec: the
 * Exec handler itself, Wait, Kill, ResizeTerminal, and the State and ExitCode properties.
 * An object stays for a while after its process exited, so that a late Wait still gets the
 * exit code, and goes with its container. */
#pragma once

#include "service.h"

#include <systemd/sd-bus.h>

#define OCID_PROCESS_PREFIX    "/org/oci/Runtime/process"
#define OCID_PROCESS_INTERFACE "org.oci.Runtime.Process"

typedef struct OcidProcessObject OcidProcessObject;

/* Container.Exec(as argv, a{sv} options) -> (h fd, o process). */
int ocid_process_object_exec(sd_bus_message *m, void *userdata, sd_bus_error *error);

void ocid_process_object_free(OcidProcessObject *process);

/* The container is gone: its processes' objects too. */
void ocid_process_objects_container_removed(OcidBusService *service, OcidContainer *container);
