#include "bus-glib.h"

#include <errno.h>

/* Messages processed per dispatch: enough to drain a normal burst in one go, few enough
 * that a flood of calls leaves pidfds and timers their turn in every loop iteration. */
#define MESSAGES_PER_DISPATCH 16

typedef struct {
	GSource source;
	sd_bus *bus;
	GPollFD poll_fd;
	gboolean more; /* the last dispatch stopped at its bound with work left */
	gboolean lost;
} BusSource;

static gboolean
bus_source_prepare(GSource *source, gint *timeout_ms)
{
	BusSource *s = (BusSource *)source;
	uint64_t deadline = UINT64_MAX;
	int events;

	/* A closed connection has no fd to poll: dispatch at once, which reports the loss. */
	if (s->more || sd_bus_is_open(s->bus) <= 0) {
		*timeout_ms = 0;
		return TRUE;
	}
	/* The fd may change across reconnects, and the events with every message queued. */
	s->poll_fd.fd = sd_bus_get_fd(s->bus);
	events = sd_bus_get_events(s->bus);
	s->poll_fd.events = (gushort)((events > 0 ? events : 0) | G_IO_ERR | G_IO_HUP);
	*timeout_ms = -1;
	/* sd-bus deadlines are CLOCK_MONOTONIC, GLib's monotonic clock on Linux. */
	if (sd_bus_get_timeout(s->bus, &deadline) >= 0 && deadline != UINT64_MAX) {
		gint64 now = g_get_monotonic_time();
		if ((gint64)deadline <= now) {
			*timeout_ms = 0;
			return TRUE;
		}
		*timeout_ms = (gint)MIN(((gint64)deadline - now + 999) / 1000, G_MAXINT);
	}
	return FALSE;
}

static gboolean
bus_source_check(GSource *source)
{
	BusSource *s = (BusSource *)source;
	uint64_t deadline = UINT64_MAX;

	if (s->more || s->poll_fd.revents != 0)
		return TRUE;
	return sd_bus_get_timeout(s->bus, &deadline) >= 0 && deadline != UINT64_MAX &&
	       (gint64)deadline <= g_get_monotonic_time();
}

static gboolean
connection_lost(int r)
{
	return r == -ECONNRESET || r == -ENOTCONN || r == -EPIPE || r == -ESHUTDOWN;
}

static gboolean
bus_source_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
	BusSource *s = (BusSource *)source;
	int r = 0;

	/* sd-bus wants to be called until it has nothing more to do (it may have read
	 * several messages with one read(2)), but only up to the bound: the rest waits for
	 * the next iteration, after the other sources ready now. */
	s->more = FALSE;
	for (int i = 0; i < MESSAGES_PER_DISPATCH; i++) {
		r = sd_bus_process(s->bus, NULL);
		if (r <= 0)
			break;
	}
	if (r > 0)
		s->more = TRUE;
	if (r < 0 && !connection_lost(r))
		g_warning("Processing the D-Bus connection failed: %s", g_strerror(-r));
	if (connection_lost(r) || (r == 0 && sd_bus_is_open(s->bus) <= 0)) {
		/* A daemon nobody can reach must not look alive: the callback ends it, so
		 * that systemd restarts it and bus activation works again. */
		if (!s->lost)
			g_warning("Lost the D-Bus connection; exiting");
		s->lost = TRUE;
		s->more = FALSE;
		if (callback != NULL)
			(void)callback(user_data);
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static void
bus_source_finalize(GSource *source)
{
	BusSource *s = (BusSource *)source;

	sd_bus_unref(s->bus);
}

static GSourceFuncs bus_source_funcs = {
	.prepare = bus_source_prepare,
	.check = bus_source_check,
	.dispatch = bus_source_dispatch,
	.finalize = bus_source_finalize,
};

guint
ocid_bus_attach_glib(sd_bus *bus, GMainContext *context)
{
	GSource *source = g_source_new(&bus_source_funcs, sizeof(BusSource));
	BusSource *s = (BusSource *)source;
	guint id;

	s->bus = sd_bus_ref(bus);
	s->poll_fd.fd = sd_bus_get_fd(bus);
	s->poll_fd.events = G_IO_IN;
	g_source_add_poll(source, &s->poll_fd);
	g_source_set_name(source, "sd-bus");
	id = g_source_attach(source, context);
	g_source_unref(source);
	return id;
}
