/* The Container methods that hand out what only root could reach (OpenLog, Attach,
 * ResizeTerminal) and the ones that wait or read (Wait, GetStatistics): their handlers for
 * the container vtable, and what outlives a handler (pending Waits, log followers, Exec
 * processes' objects), kept on the container and fed with its changes. */
#pragma once

#include "service.h"

#include <systemd/sd-bus.h>

int ocid_container_io_open_log(sd_bus_message *m, void *userdata, sd_bus_error *error);
int ocid_container_io_attach(sd_bus_message *m, void *userdata, sd_bus_error *error);
int ocid_container_io_resize(sd_bus_message *m, void *userdata, sd_bus_error *error);
int ocid_container_io_wait(sd_bus_message *m, void *userdata, sd_bus_error *error);
int ocid_container_io_statistics(sd_bus_message *m, void *userdata, sd_bus_error *error);

/* From the service's listener: a stopped container answers its Waits and ends its
 * followers; a removed one too (Waits get NoSuchContainer). */
void ocid_container_io_changed(OcidBusService *service, OcidContainer *container,
			       const char *const *properties);
void ocid_container_io_removed(OcidBusService *service, OcidContainer *container);

/* The container's Exec processes' objects (process-object.c), which its removal takes
 * away. */
typedef struct OcidProcessObject OcidProcessObject;
void ocid_container_calls_add_process(OcidContainer *container, OcidProcessObject *process);
void ocid_container_calls_remove_process(OcidContainer *container, OcidProcessObject *process);
/* Its processes' objects now (a copy), or NULL. */
GPtrArray *ocid_container_calls_processes(OcidContainer *container);

/* Answers what is pending at shutdown. */
void ocid_container_io_clear(OcidBusService *service);
