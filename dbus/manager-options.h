/* The Manager's a{sv} arguments as the edge reads them: CreateContainer's options into a
 * request, ListContainers' filter into a store filter. Exported for tests/fuzz. */
#pragma once

#include "../daemon/create-request.h"
#include "../daemon/store.h"

#include <systemd/sd-bus.h>

/* Each reads the a{sv} at @m's position; an unknown key, a wrong type or a bad value is
 * InvalidArgument in @error (and a negative return). */
int ocid_bus_read_create_options(sd_bus_message *m, OcidCreateRequest *draft, sd_bus_error *error);
int ocid_bus_read_list_filter(sd_bus_message *m, OcidStoreFilter *filter, sd_bus_error *error);
