#include "bus-glib.h"

#include <errno.h>
#include <time.h>

typedef struct {
	GSource source;
	sd_bus *bus;
	GPollFD poll_fd;
} BusSource;

static gint64
now_usec_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gboolean
bus_source_prepare(GSource *source, gint *timeout_ms)
{
	BusSource *s = (BusSource *)source;
	uint64_t deadline = UINT64_MAX;
	int events;

	/* The fd may change across reconnects, and the events with every message queued. */
	s->poll_fd.fd = sd_bus_get_fd(s->bus);
	events = sd_bus_get_events(s->bus);
	s->poll_fd.events = (gushort)((events > 0 ? events : 0) | G_IO_ERR | G_IO_HUP);
	*timeout_ms = -1;
	if (sd_bus_get_timeout(s->bus, &deadline) >= 0 && deadline != UINT64_MAX) {
		gint64 now = now_usec_monotonic();
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

	if (s->poll_fd.revents != 0)
		return TRUE;
	return sd_bus_get_timeout(s->bus, &deadline) >= 0 && deadline != UINT64_MAX &&
	       (gint64)deadline <= now_usec_monotonic();
}

static gboolean
bus_source_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
	BusSource *s = (BusSource *)source;
	int r;

	/* sd-bus wants to be called until it has nothing more to do: it may have read
	 * several messages into its queue with one read(2). */
	do
		r = sd_bus_process(s->bus, NULL);
	while (r > 0);
	if (r < 0 && r != -ECONNRESET && r != -ENOTCONN)
		g_warning("Processing the D-Bus connection failed: %s", g_strerror(-r));
	if (r == -ECONNRESET || r == -ENOTCONN) {
		g_warning("Lost the D-Bus connection; exiting");
		if (callback != NULL)
			return callback(user_data);
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
