/* The daemon's cleanups: g_autoptr for the foreign types it holds, defined once for the
 * whole daemon, and the tree's fd, pointer and FILE cleanups (_cleanup_close_ and kin) of
 * common/cleanup.h, which the GLib-free monitor shares. */
#pragma once

#include "common/cleanup.h"

#include <glib.h>
#include <dirent.h>
#include <json-glib/json-glib.h>
#include <systemd/sd-bus.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DIR, closedir)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus, sd_bus_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_message, sd_bus_message_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_slot, sd_bus_slot_unref)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(sd_bus_error, sd_bus_error_free)
