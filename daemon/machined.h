/* Registration of containers with systemd-machined (org.freedesktop.machine1), opt-in:
 * the machined create option, [runtime] machined in ocid.conf. A registered container is
 * a machine of class "container" and service "ocid", led by its init, rooted at its
 * rootfs, so `machinectl list`, `status`, `terminate` and `kill` and `systemd-cgls` know
 * it. machined tracks it by its unit (the container's scope): when the container stops,
 * its scope and so its machine go away, and `machinectl terminate` stops that scope,
 * which ocid sees as any other exit of the init (its pidfd). Off by default because
 * machined shows every machine to every local user (CVE-2016-6349).
 *
 * The machine's name is the container's name when that is a valid machine name (a host
 * name), else its id; ocid_create_request_apply_config() refuses a container with
 * neither. machined refuses a name already taken (MachineExists); that, and every other
 * failure to register, is logged and leaves the container running unregistered. */
#pragma once

#include "container.h"

#include <glib.h>
#include <systemd/sd-bus.h>

/* As systemd's hostname_is_valid(): 1-64 characters, dot-separated labels of letters,
 * digits and inner hyphens. */
gboolean ocid_machined_name_is_valid(const char *name);

/* The machine name of a container of @id and @name (see above); points into them. */
const char *ocid_machined_name(const char *id, const char *name);

/* Registers @container (running, its pid known), asynchronously on @bus. */
void ocid_machined_register(sd_bus *bus, const OcidContainer *container);

/* Unregisters @container's machine if it is still there and is this container's (its unit
 * is the container's); idempotent. */
void ocid_machined_unregister(sd_bus *bus, const OcidContainer *container);
