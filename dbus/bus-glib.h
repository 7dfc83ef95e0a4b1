/* sd-bus inside the GLib main loop: a GSource that polls the bus fd with the events and
 * timeout sd-bus asks for, and runs sd_bus_process() until it has nothing left. */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

/* Attaches @bus to @context (NULL for the default); returns the source id. */
guint ocid_bus_attach_glib(sd_bus *bus, GMainContext *context);
