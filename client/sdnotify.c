/* run --sdnotify: ocictl, the main process of a Type=notify unit, tells systemd READY=1
 * when its container reaches the point asked for: it runs (Start returned), it said
 * READY=1 itself (the container's own NOTIFY_SOCKET, the create option notify), or its
 * health check passed. The waiting runs in a thread of its own, on its own main context,
 * while the main thread copies the container's output as it comes. */
#include "ctl.h"

#include <systemd/sd-daemon.h>

gboolean
ocictl_sdnotify_parse(const char *command, const char *mode, gboolean detach, gboolean has_health,
		      OcictlSdnotify *out, GError **error)
{
	gboolean run = g_str_equal(command, "run");

	/* "container" is podman's word for a container that speaks for itself. */
	if (g_str_equal(mode, "ready") || g_str_equal(mode, "container")) {
		*out = OCICTL_SDNOTIFY_READY;
	} else if (g_str_equal(mode, "running")) {
		*out = OCICTL_SDNOTIFY_RUNNING;
	} else if (g_str_equal(mode, "healthy")) {
		*out = OCICTL_SDNOTIFY_HEALTHY;
	} else {
		ocictl_usage_error(error, command,
				   "--sdnotify takes running, ready or healthy, not '%s'", mode);
		return FALSE;
	}
	if (!run && *out != OCICTL_SDNOTIFY_READY) {
		ocictl_usage_error(error, command,
				   "--sdnotify=%s is for 'ocictl run', which waits for the "
				   "container; 'ocictl create --sdnotify=ready' only gives it a "
				   "NOTIFY_SOCKET",
				   mode);
		return FALSE;
	}
	if (*out == OCICTL_SDNOTIFY_HEALTHY && !has_health) {
		ocictl_usage_error(error, command,
				   "--sdnotify=healthy needs a health check: add --health-cmd");
		return FALSE;
	}
	if (run && detach) {
		ocictl_usage_error(error, command,
				   "--sdnotify and --detach do not go together: ocictl run is "
				   "the unit's main process until the container exits");
		return FALSE;
	}
	return TRUE;
}

typedef struct {
	GDBusConnection *bus;
	char *owner;
	char *path;
	char *id;
	OcictlSdnotify mode;
	char *status; /* the StatusText passed on last */
	GMainContext *context;
	gboolean over;
} Waiter;

static void
waiter_free(Waiter *w)
{
	g_object_unref(w->bus);
	g_free(w->owner);
	g_free(w->path);
	g_free(w->id);
	g_free(w->status);
	g_free(w);
}

/* One look at what the container says now: READY=1 to systemd once it is there. A
 * container that stopped before is never ready: ocictl returns its exit code, and the unit
 * fails to start. */
static void
look(Waiter *w, GVariant *properties)
{
	const char *state = NULL, *health = NULL, *status = NULL;
	gboolean ready = FALSE, there;

	(void)g_variant_lookup(properties, "State", "&s", &state);
	(void)g_variant_lookup(properties, "Health", "&s", &health);
	(void)g_variant_lookup(properties, "Ready", "b", &ready);
	(void)g_variant_lookup(properties, "StatusText", "&s", &status);
	/* The container's own status, once per change: the first look and a signal may
	 * both carry it. */
	if (status != NULL && *status != '\0' && w->mode == OCICTL_SDNOTIFY_READY &&
	    g_strcmp0(status, w->status) != 0) {
		(void)sd_notifyf(0, "STATUS=Container %s: %s", w->id, status);
		g_free(w->status);
		w->status = g_strdup(status);
	}
	there = w->mode == OCICTL_SDNOTIFY_READY ? ready
						 : health != NULL && g_str_equal(health, "healthy");
	if (there) {
		(void)sd_notifyf(0, "READY=1\nSTATUS=Container %s is %s", w->id,
				 w->mode == OCICTL_SDNOTIFY_READY ? "ready" : "healthy");
		w->over = TRUE;
	} else if (state != NULL && g_str_equal(state, "stopped")) {
		w->over = TRUE;
	}
}

static void
on_changed(GDBusConnection *bus, const char *sender, const char *path, const char *interface,
	   const char *member, GVariant *parameters, gpointer data)
{
	const char *changed_interface;
	g_autoptr(GVariant) changed = NULL;

	g_variant_get(parameters, "(&s@a{sv}@as)", &changed_interface, &changed, NULL);
	if (g_str_equal(changed_interface, OCICTL_CONTAINER))
		look(data, changed);
}

static gpointer
wait_thread(gpointer data)
{
	Waiter *w = data;
	g_autoptr(GVariant) all = NULL;
	g_autoptr(GVariant) properties = NULL;
	guint subscription;

	g_main_context_push_thread_default(w->context);
	/* Subscribed first, then read: nothing said in between is missed. */
	subscription = g_dbus_connection_signal_subscribe(
	    w->bus, w->owner, "org.freedesktop.DBus.Properties", "PropertiesChanged", w->path,
	    OCICTL_CONTAINER, G_DBUS_SIGNAL_FLAGS_NONE, on_changed, w, NULL);
	all = g_dbus_connection_call_sync(
	    w->bus, OCICTL_BUS_NAME, w->path, "org.freedesktop.DBus.Properties", "GetAll",
	    g_variant_new("(s)", OCICTL_CONTAINER), G_VARIANT_TYPE("(a{sv})"),
	    G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
	if (all != NULL) {
		properties = g_variant_get_child_value(all, 0);
		look(w, properties);
	} else {
		w->over = TRUE; /* gone already: the main thread says how */
	}
	while (!w->over)
		g_main_context_iteration(w->context, TRUE);
	g_dbus_connection_signal_unsubscribe(w->bus, subscription);
	g_main_context_pop_thread_default(w->context);
	g_main_context_unref(w->context);
	waiter_free(w);
	return NULL;
}

void
ocictl_sdnotify_begin(Ctl *ctl, const char *path, const char *id, OcictlSdnotify mode)
{
	g_autoptr(GVariant) state = NULL;
	Waiter *w;

	if (mode == OCICTL_SDNOTIFY_RUNNING) {
		/* Start has returned, so the container has run (it may already have exited:
		 * then its exit code, which run returns, is the unit's result). */
		state = ocictl_get(ctl, path, "State", NULL);
		(void)sd_notifyf(0, "READY=1\nSTATUS=Container %s is %s", id,
				 state != NULL ? g_variant_get_string(state, NULL) : "started");
		return;
	}
	(void)sd_notifyf(0, "STATUS=Container %s runs; waiting until it is %s", id,
			 mode == OCICTL_SDNOTIFY_READY ? "ready" : "healthy");
	w = g_new0(Waiter, 1);
	w->bus = g_object_ref(ocictl_bus(ctl, NULL));
	/* Only the daemon's own signals count: anyone on the bus may send one. */
	w->owner = ocictl_daemon_owner(ctl);
	w->path = g_strdup(path);
	w->id = g_strdup(id);
	w->mode = mode;
	w->context = g_main_context_new();
	/* Not joined: once the container has exited, ocictl is done whether or not it was
	 * ever ready. */
	g_thread_unref(g_thread_new("sdnotify", wait_thread, w));
}
