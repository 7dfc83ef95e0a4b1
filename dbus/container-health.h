/* The health check's D-Bus face (daemon/health.h): the create option `healthcheck` read at
 * the edge, the Health* properties' getters, and Healthcheck(). */
#pragma once

#include "../daemon/health.h"

#include <systemd/sd-bus.h>

/* Reads the a{sv} of the create option `healthcheck` (the message inside its variant):
 * cmd as, interval t, timeout t, start_period t (seconds), retries u, on_failure s. */
int ocid_bus_read_healthcheck(sd_bus_message *m, OcidHealthConfig **out, sd_bus_error *error);

/* Health (s), HealthLog a(ttis), HealthcheckConfig a{sv}; userdata is the container. */
int ocid_container_health_get_health(sd_bus *bus, const char *path, const char *interface,
				     const char *property, sd_bus_message *reply, void *userdata,
				     sd_bus_error *error);
int ocid_container_health_get_log(sd_bus *bus, const char *path, const char *interface,
				  const char *property, sd_bus_message *reply, void *userdata,
				  sd_bus_error *error);
int ocid_container_health_get_config(sd_bus *bus, const char *path, const char *interface,
				     const char *property, sd_bus_message *reply, void *userdata,
				     sd_bus_error *error);

/* Healthcheck(): one check now, polkit's org.oci.Runtime.exec as for ExecSync; replies the
 * Health it left. */
int ocid_container_health_check(sd_bus_message *m, void *userdata, sd_bus_error *error);
