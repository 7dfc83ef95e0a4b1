/* Cleanup helpers for types that are not GLib's own, defined once for the whole tree.
 * GLib 2.74 (Debian 12) has no g_autofd, so file descriptors get ours. */
#pragma once

#include <errno.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

static inline void
ocid_close_fdp(int *fdp)
{
	if (*fdp >= 0) {
		int saved_errno = errno;
		close(*fdp);
		errno = saved_errno;
	}
	*fdp = -1;
}

#define ocid_autofd __attribute__((cleanup(ocid_close_fdp)))

/* Hands an fd out of an ocid_autofd variable. */
static inline int
ocid_steal_fd(int *fdp)
{
	int fd = *fdp;
	*fdp = -1;
	return fd;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus, sd_bus_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_message, sd_bus_message_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_slot, sd_bus_slot_unref)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(sd_bus_error, sd_bus_error_free)
