/* sd-bus inside the GLib main loop: a GSource that polls the bus fd with the events and
 * timeout sd-bus asks for, and runs sd_bus_process() a bounded number of times per loop
 * iteration (a flood of calls cannot starve pidfds and timers). When the connection is
 * lost, the source's callback (g_source_set_callback) runs once and the source goes. */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

/* Attaches @bus to @context (NULL for the default); returns the source id. */
guint ocid_bus_attach_glib(sd_bus *bus, GMainContext *context);
