/* org.oci.Runtime.Container objects, one per container, served from one fallback vtable:
 * the path's last element is the sd_bus_path_encode()d id, looked up in the store. */
#define G_LOG_DOMAIN "ocid"

#include "bus-dict.h"
#include "container-exec.h"
#include "container-health.h"
#include "container-io.h"
#include "process-object.h"
#include "bus-errors.h"
#include "polkit.h"
#include "service.h"

#include "../daemon/cleanup.h"
#include "../daemon/errors.h"
#include "../daemon/ids.h"
#include "../daemon/notify.h"
#include "../daemon/restart.h"

#include <errno.h>

char *
ocid_container_object_path(const char *id)
{
	char *sd_path = NULL;
	char *path;

	if (sd_bus_path_encode(OCID_CONTAINER_PREFIX, id, &sd_path) < 0)
		g_error("Out of memory");
	/* Freed by g_free from here on. */
	path = g_strdup(sd_path);
	free(sd_path);
	return path;
}

static int
container_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
	       sd_bus_error *error)
{
	OcidBusService *service = userdata;
	g_autofree char *id = NULL;
	char *sd_id = NULL;
	OcidContainer *c;

	if (sd_bus_path_decode(path, OCID_CONTAINER_PREFIX, &sd_id) <= 0)
		return 0;
	id = g_strdup(sd_id);
	free(sd_id);
	if (!ocid_id_is_valid(id))
		return 0; /* the prefix node itself, or a path no container can have */
	/* One being created answers too: Delete(true) cancels it, the rest say so. */
	c = ocid_manager_get(service->manager, id);
	if (c == NULL)
		/* A named error rather than sd-bus's generic UnknownObject: callers learn
		 * the container is gone, not that they mistyped an interface. */
		return sd_bus_error_setf(error, ocid_error_dbus_name(OCID_ERROR_NO_SUCH_CONTAINER),
					 "No container has the id '%s'; it was deleted or never "
					 "existed. ListContainers shows the existing ones",
					 id);
	*found = c;
	return 1;
}

/* Calls to a path no container has, answered before sd-bus's own dispatch: for a method
 * the vtable does not know, sd-bus would reply with the errno of container_find's error
 * (IOError) instead of that error. Ping and Introspect go on as for any path. */
static int
missing_container_filter(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	OcidBusService *service = userdata;
	g_auto(sd_bus_error) error = SD_BUS_ERROR_NULL;
	const char *interface = sd_bus_message_get_interface(m);
	char *sd_id = NULL;
	gboolean missing;

	if (!sd_bus_message_is_method_call(m, NULL, NULL) ||
	    g_strcmp0(interface, "org.freedesktop.DBus.Peer") == 0 ||
	    g_strcmp0(interface, "org.freedesktop.DBus.Introspectable") == 0 ||
	    sd_bus_path_decode(sd_bus_message_get_path(m), OCID_CONTAINER_PREFIX, &sd_id) <= 0)
		return 0;
	missing = ocid_id_is_valid(sd_id) && ocid_manager_get(service->manager, sd_id) == NULL;
	if (missing)
		(void)sd_bus_error_setf(&error, ocid_error_dbus_name(OCID_ERROR_NO_SUCH_CONTAINER),
					"No container has the id '%s'; it was deleted or never "
					"existed. ListContainers shows the existing ones",
					sd_id);
	free(sd_id);
	if (!missing)
		return 0;
	(void)sd_bus_reply_method_error(m, &error);
	return 1;
}

static int
container_enumerate(sd_bus *bus, const char *path, void *userdata, char ***nodes,
		    sd_bus_error *error)
{
	OcidBusService *service = userdata;
	g_autoptr(GPtrArray) list = ocid_manager_list(service->manager, NULL);
	char **result = calloc(list->len + 1, sizeof(char *));

	if (result == NULL)
		return -ENOMEM;
	for (guint i = 0; i < list->len; i++) {
		const OcidContainer *c = g_ptr_array_index(list, i);
		if (sd_bus_path_encode(OCID_CONTAINER_PREFIX, c->id, &result[i]) < 0) {
			for (guint j = 0; j < i; j++)
				free(result[j]);
			free(result);
			return -ENOMEM;
		}
	}
	*nodes = result;
	return 1;
}

/* ---- methods -------------------------------------------------------------------- */

static void
on_done_reply_empty(OcidContainer *container, GError *error, gpointer user_data)
{
	g_autoptr(sd_bus_message) call = user_data;

	if (error != NULL)
		(void)ocid_bus_reply_gerror(call, error);
	else
		(void)sd_bus_reply_method_return(call, NULL);
}

static int
method_start(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	OcidContainer *c = userdata;
	OcidBusService *service = ocid_bus_service_of(c);
	g_autoptr(GError) local_error = NULL;
	int r;

	r = ocid_polkit_verify_container(c, m, OCID_ACTION_MANAGE, "start", error);
	if (r < 0)
		return r;
	if (r == 0)
		return 1; /* polkit is asked; sd-bus calls again with its answer */
	if (!ocid_manager_start(service->manager, c, on_done_reply_empty, sd_bus_message_ref(m),
				&local_error)) {
		sd_bus_message_unref(m);
		return ocid_bus_error_from_gerror(error, local_error);
	}
	return 1;
}

static int
method_stop(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	OcidContainer *c = userdata;
	OcidBusService *service = ocid_bus_service_of(c);
	g_autoptr(GError) local_error = NULL;
	uint64_t timeout;
	int r;

	r = ocid_polkit_verify_container(c, m, OCID_ACTION_MANAGE, "stop", error);
	if (r < 0)
		return r;
	if (r == 0)
		return 1; /* polkit is asked; sd-bus calls again with its answer */
	r = sd_bus_message_read(m, "t", &timeout);
	if (r < 0)
		return r;
	if (!ocid_manager_stop(service->manager, c, timeout, on_done_reply_empty,
			       sd_bus_message_ref(m), &local_error)) {
		sd_bus_message_unref(m);
		return ocid_bus_error_from_gerror(error, local_error);
	}
	return 1;
}

static int
method_kill(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	OcidContainer *c = userdata;
	OcidBusService *service = ocid_bus_service_of(c);
	g_autoptr(GError) local_error = NULL;
	const char *signal;
	int r;

	r = ocid_polkit_verify_container(c, m, OCID_ACTION_MANAGE, "kill", error);
	if (r < 0)
		return r;
	if (r == 0)
		return 1; /* polkit is asked; sd-bus calls again with its answer */
	r = sd_bus_message_read(m, "s", &signal);
	if (r < 0)
		return r;
	if (!ocid_manager_kill(service->manager, c, signal, &local_error))
		return ocid_bus_error_from_gerror(error, local_error);
	return sd_bus_reply_method_return(m, NULL);
}

static int
method_delete(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	OcidContainer *c = userdata;
	OcidBusService *service = ocid_bus_service_of(c);
	g_autoptr(GError) local_error = NULL;
	int force;
	int r;

	r = ocid_polkit_verify_container(c, m, OCID_ACTION_MANAGE, "delete", error);
	if (r < 0)
		return r;
	if (r == 0)
		return 1; /* polkit is asked; sd-bus calls again with its answer */
	r = sd_bus_message_read(m, "b", &force);
	if (r < 0)
		return r;
	if (!ocid_manager_delete(service->manager, c, force, on_done_reply_empty,
				 sd_bus_message_ref(m), &local_error)) {
		sd_bus_message_unref(m);
		return ocid_bus_error_from_gerror(error, local_error);
	}
	return 1;
}

static int
method_update_status(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	OcidContainer *c = userdata;
	OcidBusService *service = ocid_bus_service_of(c);
	g_autoptr(GError) local_error = NULL;

	if (!ocid_manager_update_status(service->manager, c, &local_error))
		return ocid_bus_error_from_gerror(error, local_error);
	return sd_bus_reply_method_return(m, NULL);
}

static int
pause_or_unpause(sd_bus_message *m, OcidContainer *c, gboolean pause, sd_bus_error *error)
{
	OcidBusService *service = ocid_bus_service_of(c);
	g_autoptr(GError) local_error = NULL;
	int r;

	r = ocid_polkit_verify_container(c, m, OCID_ACTION_MANAGE, pause ? "pause" : "unpause",
					 error);
	if (r < 0)
		return r;
	if (r == 0)
		return 1; /* polkit is asked; sd-bus calls again with its answer */
	if (!ocid_manager_pause(service->manager, c, pause, on_done_reply_empty,
				sd_bus_message_ref(m), &local_error)) {
		sd_bus_message_unref(m);
		return ocid_bus_error_from_gerror(error, local_error);
	}
	return 1;
}

static int
method_pause(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	return pause_or_unpause(m, userdata, TRUE, error);
}

static int
method_unpause(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	return pause_or_unpause(m, userdata, FALSE, error);
}

/* One Update key: its D-Bus type, where it goes, and its has_ flag. */
typedef struct {
	const char *key;
	const char *signature;
	size_t value_offset;
	size_t flag_offset;
} ResourceKey;

#define RESOURCE_KEY(name, sig)                                                                    \
	{                                                                                          \
#name, sig, offsetof(OcidResources, name), offsetof(OcidResources, has_##name)     \
	}

static const ResourceKey resource_keys[] = {
	RESOURCE_KEY(cpu_shares, "t"),   RESOURCE_KEY(cpu_quota, "x"),
	RESOURCE_KEY(cpu_period, "t"),   RESOURCE_KEY(cpuset_cpus, "s"),
	RESOURCE_KEY(cpuset_mems, "s"),  RESOURCE_KEY(memory_limit, "x"),
	RESOURCE_KEY(memory_swap, "x"),  RESOURCE_KEY(pids_limit, "x"),
	RESOURCE_KEY(blkio_weight, "q"), RESOURCE_KEY(restart_policy, "s"),
	RESOURCE_KEY(restart_max, "u"),  RESOURCE_KEY(healthcheck, "a{sv}"),
};

static const ResourceKey *
find_resource(const char *key)
{
	for (size_t i = 0; i < G_N_ELEMENTS(resource_keys); i++)
		if (g_str_equal(resource_keys[i].key, key))
			return &resource_keys[i];
	return NULL;
}

static const char *
resource_signature(const char *key, void *data)
{
	const ResourceKey *spec = find_resource(key);

	return spec != NULL ? spec->signature : NULL;
}

static int
read_resource(sd_bus_message *m, const char *key, void *data, sd_bus_error *error)
{
	const ResourceKey *spec = find_resource(key);
	char *base = data;
	int r;

	if (spec->signature[0] == 'a') {
		r = ocid_bus_read_healthcheck(m, (OcidHealthConfig **)(base + spec->value_offset),
					      error);
	} else if (spec->signature[0] == 's') {
		const char *s;
		r = sd_bus_message_read(m, "s", &s);
		if (r >= 0) {
			g_free(*(char **)(base + spec->value_offset));
			*(char **)(base + spec->value_offset) = g_strdup(s);
		}
	} else {
		r = sd_bus_message_read_basic(m, spec->signature[0], base + spec->value_offset);
	}
	if (r >= 0)
		*(gboolean *)(base + spec->flag_offset) = TRUE;
	return r;
}

static const OcidBusDictReader resource_reader = {
	.what = "resource",
	.known = "use cpu_shares, cpu_quota, cpu_period, cpuset_cpus, cpuset_mems, "
		 "memory_limit, memory_swap, pids_limit, blkio_weight, restart_policy, "
		 "restart_max or healthcheck",
	.signature_of = resource_signature,
	.read = read_resource,
};

static int
read_resources(sd_bus_message *m, OcidResources *resources, sd_bus_error *error)
{
	return ocid_bus_read_dict(m, &resource_reader, resources, error);
}

/* Update changes no property, so watchers (ocictl events) learn of it from the Updated
 * signal, which carries the resources exactly as the caller sent them. */
static void
on_updated(OcidContainer *container, GError *error, gpointer user_data)
{
	g_autoptr(sd_bus_message) call = user_data;
	g_autoptr(sd_bus_message) updated = NULL;
	sd_bus *bus = sd_bus_message_get_bus(call);
	g_autofree char *path = NULL;

	if (error != NULL) {
		(void)ocid_bus_reply_gerror(call, error);
		return;
	}
	(void)sd_bus_reply_method_return(call, NULL);
	path = ocid_container_object_path(container->id);
	if (sd_bus_message_new_signal(bus, &updated, path, OCID_CONTAINER_INTERFACE, "Updated") <
		0 ||
	    sd_bus_message_rewind(call, 1) < 0 || sd_bus_message_copy(updated, call, 1) < 0)
		return;
	(void)sd_bus_send(bus, updated, NULL);
}

static int
method_update(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	OcidContainer *c = userdata;
	OcidBusService *service = ocid_bus_service_of(c);
	g_autoptr(GError) local_error = NULL;
	g_auto(OcidResources) resources = { 0 };
	int r;

	r = ocid_polkit_verify_container(c, m, OCID_ACTION_MANAGE, "update", error);
	if (r < 0)
		return r;
	if (r == 0)
		return 1; /* polkit is asked; sd-bus calls again with its answer */
	r = read_resources(m, &resources, error);
	if (r < 0)
		return r;
	if (!ocid_manager_update(service->manager, c, &resources, on_updated, sd_bus_message_ref(m),
				 &local_error)) {
		sd_bus_message_unref(m);
		return ocid_bus_error_from_gerror(error, local_error);
	}
	return 1;
}

/* ---- properties ----------------------------------------------------------------- */

static int
property_get_state(sd_bus *bus, const char *path, const char *interface, const char *property,
		   sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	const OcidContainer *c = userdata;

	return sd_bus_message_append(reply, "s", ocid_container_state_to_string(c->state));
}

static int
property_get_log_driver(sd_bus *bus, const char *path, const char *interface, const char *property,
			sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	const OcidContainer *c = userdata;

	return sd_bus_message_append(reply, "s", ocid_log_driver_to_string(c->log_driver));
}

static int
append_string_map(sd_bus_message *reply, GHashTable *map)
{
	g_autoptr(GList) keys = map != NULL ? g_hash_table_get_keys(map) : NULL;
	int r;

	keys = g_list_sort(keys, (GCompareFunc)g_strcmp0);
	r = sd_bus_message_open_container(reply, 'a', "{ss}");
	if (r < 0)
		return r;
	for (GList *l = keys; l != NULL; l = l->next) {
		r = sd_bus_message_append(reply, "{ss}", l->data,
					  g_hash_table_lookup(map, l->data));
		if (r < 0)
			return r;
	}
	return sd_bus_message_close_container(reply);
}

static int
property_get_map(sd_bus *bus, const char *path, const char *interface, const char *property,
		 sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	GHashTable *map = *(GHashTable **)userdata;

	return append_string_map(reply, map);
}

static int
property_get_volumes(sd_bus *bus, const char *path, const char *interface, const char *property,
		     sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	const OcidContainer *c = userdata;
	int r;

	r = sd_bus_message_open_container(reply, 'a', "(ssb)");
	if (r < 0)
		return r;
	for (guint i = 0; c->volumes != NULL && i < c->volumes->len; i++) {
		const OcidVolume *v = g_ptr_array_index(c->volumes, i);
		r = sd_bus_message_append(reply, "(ssb)", v->container_path, v->host_path,
					  v->readonly);
		if (r < 0)
			return r;
	}
	return sd_bus_message_close_container(reply);
}

static int
property_get_notify(sd_bus *bus, const char *path, const char *interface, const char *property,
		    sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	const OcidContainer *c = userdata;

	return sd_bus_message_append(reply, "s", ocid_notify_mode_to_string(c->notify));
}

static int
property_get_restart_policy(sd_bus *bus, const char *path, const char *interface,
			    const char *property, sd_bus_message *reply, void *userdata,
			    sd_bus_error *error)
{
	const OcidContainer *c = userdata;

	return sd_bus_message_append(reply, "s", ocid_restart_policy_to_string(c->restart_policy));
}

/* A path the container derives rather than keeps (container.h). */
static int
property_get_path(sd_bus *bus, const char *path, const char *interface, const char *property,
		  sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	const OcidContainer *c = userdata;
	g_autofree char *value = NULL;

	if (g_str_equal(property, "LogPath"))
		value = ocid_container_log_path(c);
	else if (g_str_equal(property, "Dir"))
		value = ocid_container_dir(c);
	else
		value = ocid_container_state_path(c);
	return sd_bus_message_append(reply, "s", value != NULL ? value : "");
}

static int
property_get_stop_signal(sd_bus *bus, const char *path, const char *interface, const char *property,
			 sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	return sd_bus_message_append(reply, "s", ocid_container_stop_signal(userdata));
}

#define PATH_PROP(name)                                                                            \
	SD_BUS_PROPERTY(name, "s", property_get_path, 0, SD_BUS_VTABLE_PROPERTY_CONST)
#define CONST_PROP(name, sig, field)                                                               \
	SD_BUS_PROPERTY(name, sig, NULL, offsetof(OcidContainer, field),                           \
			SD_BUS_VTABLE_PROPERTY_CONST)
#define CHANGING_PROP(name, sig, field)                                                            \
	SD_BUS_PROPERTY(name, sig, NULL, offsetof(OcidContainer, field),                           \
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)

static const sd_bus_vtable container_vtable[] = {
	SD_BUS_VTABLE_START(0),
	CONST_PROP("Id", "s", id),
	CONST_PROP("Name", "s", name),
	SD_BUS_PROPERTY("State", "s", property_get_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	CHANGING_PROP("Pid", "i", pid),
	CHANGING_PROP("ExitCode", "i", exit_code),
	CHANGING_PROP("OOMKilled", "b", oom_killed),
	CHANGING_PROP("Error", "s", error),
	CONST_PROP("CreatedTimestamp", "t", created_usec),
	CHANGING_PROP("StartedTimestamp", "t", started_usec),
	CHANGING_PROP("FinishedTimestamp", "t", finished_usec),
	CONST_PROP("BundlePath", "s", bundle_path),
	PATH_PROP("LogPath"),
	SD_BUS_PROPERTY("LogDriver", "s", property_get_log_driver, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	CONST_PROP("Machined", "b", machined),
	PATH_PROP("Dir"),
	PATH_PROP("StatePath"),
	CONST_PROP("MountPoint", "s", mount_point),
	CONST_PROP("Image", "s", image),
	CONST_PROP("ImageName", "s", image_name),
	CONST_PROP("ImageRef", "s", image_ref),
	CONST_PROP("Sandbox", "s", sandbox),
	SD_BUS_PROPERTY("Labels", "a{ss}", property_get_map, offsetof(OcidContainer, labels),
			SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Annotations", "a{ss}", property_get_map,
			offsetof(OcidContainer, annotations), SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Metadata", "a{ss}", property_get_map, offsetof(OcidContainer, metadata),
			SD_BUS_VTABLE_PROPERTY_CONST),
	CONST_PROP("Terminal", "b", terminal),
	CONST_PROP("Stdin", "b", stdin_open),
	CONST_PROP("StdinOnce", "b", stdin_once),
	CONST_PROP("Privileged", "b", privileged),
	CONST_PROP("Trusted", "b", trusted),
	SD_BUS_PROPERTY("StopSignal", "s", property_get_stop_signal, 0,
			SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Volumes", "a(ssb)", property_get_volumes, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	CONST_PROP("SeccompProfilePath", "s", seccomp_profile_path),
	CONST_PROP("NetNsPath", "s", netns_path),
	CONST_PROP("RuntimePath", "s", runtime_path),
	CONST_PROP("Unit", "s", unit),
	CONST_PROP("ControlGroup", "s", control_group),
	CONST_PROP("Owner", "u", owner_uid),
	CONST_PROP("Confined", "b", confined),
	SD_BUS_PROPERTY("RestartPolicy", "s", property_get_restart_policy, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	CHANGING_PROP("RestartMax", "u", restart_max),
	CHANGING_PROP("RestartCount", "u", restart_count),
	SD_BUS_PROPERTY("Health", "s", ocid_container_health_get_health, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	/* Not told on every check: only Health changes are (issue 21). */
	SD_BUS_PROPERTY("HealthFailingStreak", "u", NULL,
			offsetof(OcidContainer, health_failing_streak), 0),
	SD_BUS_PROPERTY("HealthLog", "a(ttis)", ocid_container_health_get_log, 0, 0),
	SD_BUS_PROPERTY("HealthcheckConfig", "a{sv}", ocid_container_health_get_config, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
	SD_BUS_PROPERTY("Notify", "s", property_get_notify, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	CHANGING_PROP("Ready", "b", ready),
	CHANGING_PROP("StatusText", "s", status_text),
	SD_BUS_METHOD("Start", NULL, NULL, method_start, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Stop", SD_BUS_ARGS("t", timeout_sec), SD_BUS_NO_RESULT,
				method_stop, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Kill", SD_BUS_ARGS("s", signal), SD_BUS_NO_RESULT, method_kill,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Delete", SD_BUS_ARGS("b", force), SD_BUS_NO_RESULT, method_delete,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("Pause", NULL, NULL, method_pause, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("Unpause", NULL, NULL, method_unpause, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Update", SD_BUS_ARGS("a{sv}", resources), SD_BUS_NO_RESULT,
				method_update, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS(
	    "ExecSync", SD_BUS_ARGS("as", argv, "t", timeout_sec),
	    SD_BUS_RESULT("ay", stdout, "ay", stderr, "i", exit_code, "b", timed_out),
	    ocid_container_exec_sync, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ExecSyncEx",
				SD_BUS_ARGS("as", argv, "t", timeout_sec, "a{sv}", options),
				SD_BUS_RESULT("ay", stdout, "ay", stderr, "i", exit_code, "b",
					      timed_out, "a{sv}", info),
				ocid_container_exec_sync_ex, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Healthcheck", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", health),
				ocid_container_health_check, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("UpdateStatus", NULL, NULL, method_update_status, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("OpenLog", SD_BUS_ARGS("a{sv}", options), SD_BUS_RESULT("h", fd),
				ocid_container_io_open_log, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Attach", SD_BUS_ARGS("a{sv}", options), SD_BUS_RESULT("h", fd),
				ocid_container_io_attach, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ResizeTerminal", SD_BUS_ARGS("u", rows, "u", cols),
				SD_BUS_NO_RESULT, ocid_container_io_resize,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Exec", SD_BUS_ARGS("as", argv, "a{sv}", options),
				SD_BUS_RESULT("h", fd, "o", process), ocid_process_object_exec,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Wait", SD_BUS_NO_ARGS,
				SD_BUS_RESULT("i", exit_code, "b", oom_killed),
				ocid_container_io_wait, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("GetStatistics", SD_BUS_NO_ARGS, SD_BUS_RESULT("a{sv}", stats),
				ocid_container_io_statistics, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL_WITH_ARGS("Updated", SD_BUS_ARGS("a{sv}", resources), 0),
	SD_BUS_VTABLE_END,
};

int
ocid_container_objects_register(OcidBusService *service)
{
	int r;

	r = sd_bus_add_fallback_vtable(service->bus, &service->container_slot,
				       OCID_CONTAINER_PREFIX, OCID_CONTAINER_INTERFACE,
				       container_vtable, container_find, service);
	if (r < 0)
		return r;
	/* Floating: it lives as long as the connection. */
	r = sd_bus_add_filter(service->bus, NULL, missing_container_filter, service);
	if (r < 0)
		return r;
	return sd_bus_add_node_enumerator(service->bus, &service->enumerator_slot,
					  OCID_CONTAINER_PREFIX, container_enumerate, service);
}

void
ocid_container_object_emit_changed(OcidBusService *service, OcidContainer *container,
				   const char *const *properties)
{
	g_autofree char *path = ocid_container_object_path(container->id);

	(void)sd_bus_emit_properties_changed_strv(service->bus, path, OCID_CONTAINER_INTERFACE,
						  (char **)properties);
}
