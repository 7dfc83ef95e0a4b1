#define G_LOG_DOMAIN "ocid"

#include "service.h"

#include "bus-glib.h"
#include "container-io.h"
#include "polkit.h"
#include "process-object.h"

#include <systemd/sd-daemon.h>

#include <string.h>

#include "../daemon/cleanup.h"
#include "../daemon/errors.h"
#include "../daemon/machined.h"

/* systemctl status shows what ocid supervises, kept current as containers come, go and
 * change: counted, not listed (a list is sorted), a few times per create at a thousand. */
static void
notify_status(OcidBusService *service)
{
	(void)sd_notifyf(0, "STATUS=Supervising %u containers (%u running)",
			 ocid_manager_count(service->manager),
			 ocid_manager_count_running(service->manager));
}

static void
on_container_added(OcidContainer *container, gpointer data)
{
	OcidBusService *service = data;
	g_autofree char *path = ocid_container_object_path(container->id);

	(void)sd_bus_emit_signal(service->bus, OCID_MANAGER_PATH, OCID_MANAGER_INTERFACE,
				 "ContainerNew", "so", container->id, path);
	(void)sd_bus_emit_object_added(service->bus, path);
	notify_status(service);
}

static void
on_container_removed(OcidContainer *container, gpointer data)
{
	OcidBusService *service = data;
	g_autofree char *path = ocid_container_object_path(container->id);

	/* Still in the store here, so sd-bus can list the interfaces that go away. */
	(void)sd_bus_emit_object_removed(service->bus, path);
	(void)sd_bus_emit_signal(service->bus, OCID_MANAGER_PATH, OCID_MANAGER_INTERFACE,
				 "ContainerRemoved", "so", container->id, path);
	if (container->machined)
		ocid_machined_unregister(service->bus, container);
	/* Its processes' objects first: they are listed in what io_removed frees. */
	ocid_process_objects_container_removed(service, container);
	ocid_container_io_removed(service, container);
	ocid_polkit_forget_container(service, container->id);
}

static void
on_container_changed(OcidContainer *container, const char *const *properties, gpointer data)
{
	OcidBusService *service = data;

	ocid_container_object_emit_changed(service, container, properties);
	ocid_container_io_changed(service, container, properties);
	if (g_strv_contains(properties, "State"))
		notify_status(service);
	/* Started, not resumed: a paused container was registered when it started. */
	if (container->machined && container->state == OCID_STATE_RUNNING &&
	    g_strv_contains(properties, "StartedTimestamp"))
		ocid_machined_register(service->bus, container);
}

static void
on_manager_changed(const char *const *properties, gpointer data)
{
	ocid_manager_object_emit_changed(data, properties);
	if (g_strv_contains(properties, "ContainerCount"))
		notify_status(data);
}

static gboolean
bus_failed(GError **error, int r, const char *what)
{
	g_set_error(error, OCID_ERROR, OCID_ERROR_FAILED, "%s: %s", what, g_strerror(-r));
	return FALSE;
}

OcidBusService *
ocid_bus_service_new(OcidManager *manager, GError **error)
{
	g_autoptr(OcidBusService) service = g_new0(OcidBusService, 1);
	OcidManagerListener listener = {
		.container_added = on_container_added,
		.container_removed = on_container_removed,
		.container_changed = on_container_changed,
		.manager_changed = on_manager_changed,
	};
	int r;

	service->manager = manager;
	service->processes = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
						   (GDestroyNotify)ocid_process_object_free);
	service->polkit = ocid_polkit_queries_new();
	listener.data = service;
	r = sd_bus_open_system(&service->bus);
	if (r < 0) {
		bus_failed(error, r,
			   "Cannot connect to the system bus (is dbus running? "
			   "DBUS_SYSTEM_BUS_ADDRESS names another bus)");
		return NULL;
	}
	r = ocid_manager_object_register(service);
	if (r < 0) {
		bus_failed(error, r, "Cannot export the manager object");
		return NULL;
	}
	r = ocid_container_objects_register(service);
	if (r < 0) {
		bus_failed(error, r, "Cannot export the container objects");
		return NULL;
	}
	r = ocid_process_objects_register(service);
	if (r < 0) {
		bus_failed(error, r, "Cannot export the process objects");
		return NULL;
	}
	r = sd_bus_add_object_manager(service->bus, &service->object_manager_slot,
				      OCID_MANAGER_PATH);
	if (r < 0) {
		bus_failed(error, r, "Cannot export the object manager");
		return NULL;
	}
	ocid_manager_set_bus(manager, service->bus);
	ocid_manager_set_listener(manager, &listener);
	service->bus_source = ocid_bus_attach_glib(service->bus, NULL);
	return g_steal_pointer(&service);
}

OcidBusService *
ocid_bus_service_of(OcidContainer *container)
{
	return ocid_manager_get_listener_data(container->manager);
}

gboolean
ocid_bus_service_request_name(OcidBusService *service, GError **error)
{
	int r = sd_bus_request_name(service->bus, OCID_BUS_NAME, 0);

	if (r < 0) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_FAILED,
			    "Cannot own the name %s on the system bus: %s (is another ocid "
			    "running, or does the bus policy not allow root to own it?)",
			    OCID_BUS_NAME, g_strerror(-r));
		return FALSE;
	}
	return TRUE;
}

void
ocid_bus_service_on_lost(OcidBusService *service, GSourceFunc lost, gpointer user_data)
{
	GSource *source = g_main_context_find_source_by_id(NULL, service->bus_source);

	if (source != NULL)
		g_source_set_callback(source, lost, user_data, NULL);
}

void
ocid_bus_service_free(OcidBusService *service)
{
	if (service == NULL)
		return;
	if (service->manager != NULL)
		ocid_manager_set_listener(service->manager, NULL);
	sd_bus_slot_unref(service->manager_slot);
	sd_bus_slot_unref(service->container_slot);
	sd_bus_slot_unref(service->enumerator_slot);
	sd_bus_slot_unref(service->object_manager_slot);
	sd_bus_slot_unref(service->process_slot);
	sd_bus_slot_unref(service->process_enumerator_slot);
	ocid_container_io_clear(service);
	/* Before the bus: a question's slots belong to it. */
	g_clear_pointer(&service->polkit, g_hash_table_unref);
	g_clear_pointer(&service->processes, g_hash_table_unref);
	g_free(service->root_sender);
	if (service->bus != NULL) {
		sd_bus_flush(service->bus);
		sd_bus_close(service->bus);
		sd_bus_unref(service->bus);
	}
	g_free(service);
}
