/* ExecSync and ExecSyncEx on org.oci.Runtime.Container: the arguments read at the edge,
 * the reply built from the exec's result. Each output stream is cut to
 * OCID_EXEC_OUTPUT_MAX bytes so that the reply always fits the bus; ExecSync (the seed's
 * signature) says nothing of the cut, ExecSyncEx says it in its result's a{sv}. */
#pragma once

#include <systemd/sd-bus.h>

/* sd-bus method handlers, which ask polkit for org.oci.Runtime.exec themselves (and are
 * called again with its answer); userdata is the container. */
int ocid_container_exec_sync(sd_bus_message *m, void *userdata, sd_bus_error *error);
int ocid_container_exec_sync_ex(sd_bus_message *m, void *userdata, sd_bus_error *error);
