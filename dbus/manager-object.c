/* org.oci.Runtime.Manager at /org/oci/Runtime: create, find and list containers. */
#define G_LOG_DOMAIN "ocid"

#include "bus-dict.h"
#include "bus-errors.h"
#include "container-health.h"
#include "manager-options.h"
#include "polkit.h"
#include "service.h"

#include "../daemon/cleanup.h"
#include "../daemon/errors.h"
#include "../daemon/input-limits.h"

#include "build-config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define MAX_MAP_ENTRIES 1024
#define MAX_KEY_LEN     253
#define MAX_VALUE_LEN   OCID_STRING_MAX_LEN
#define MAX_PATH_LEN    OCID_PATH_MAX_LEN

/* ---- reading options ------------------------------------------------------------ */

static int
read_string_map(sd_bus_message *m, const char *key, GHashTable *map, sd_bus_error *error)
{
	const char *k, *v;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{ss}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_read(m, "{ss}", &k, &v)) > 0) {
		if (g_hash_table_size(map) >= MAX_MAP_ENTRIES)
			return ocid_bus_error_invalid(error, "Option '%s' has more than %d entries",
						      key, MAX_MAP_ENTRIES);
		if (*k == '\0' || strlen(k) > MAX_KEY_LEN || strlen(v) > MAX_VALUE_LEN)
			return ocid_bus_error_invalid(
			    error, "Option '%s': keys must be 1 to %d bytes and values at most %d",
			    key, MAX_KEY_LEN, MAX_VALUE_LEN);
		g_hash_table_replace(map, g_strdup(k), g_strdup(v));
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

static int
read_volumes(sd_bus_message *m, GPtrArray *volumes, sd_bus_error *error)
{
	const char *container_path, *host_path;
	int readonly;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "(ssb)");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_read(m, "(ssb)", &container_path, &host_path, &readonly)) > 0) {
		OcidVolume *v;

		if (!ocid_path_is_clean(container_path) || !ocid_path_is_clean(host_path))
			return ocid_bus_error_invalid(
			    error,
			    "Volume '%s' -> '%s': both paths must be absolute and without '..'",
			    host_path, container_path);
		if (volumes->len >= MAX_MAP_ENTRIES)
			return ocid_bus_error_invalid(error, "Too many volumes");
		v = g_new0(OcidVolume, 1);
		v->container_path = g_strdup(container_path);
		v->host_path = g_strdup(host_path);
		v->readonly = readonly;
		g_ptr_array_add(volumes, v);
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

/* The env option: NAME=VALUE entries for the container's process.env, each name non-empty
 * and without '=' (as the OCI spec has them). */
static int
read_env(sd_bus_message *m, GPtrArray *env, sd_bus_error *error)
{
	const char *entry;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "s");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_read(m, "s", &entry)) > 0) {
		const char *eq = strchr(entry, '=');

		if (eq == NULL || eq == entry)
			return ocid_bus_error_invalid(error, "Option 'env': '%s' is not NAME=VALUE",
						      entry);
		if (strlen(entry) > MAX_VALUE_LEN)
			return ocid_bus_error_invalid(error, "Option 'env': an entry is too long");
		if (env->len >= MAX_MAP_ENTRIES)
			return ocid_bus_error_invalid(error, "Option 'env': too many entries");
		g_ptr_array_add(env, g_strdup(entry));
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

typedef enum {
	OPT_STRING,
	OPT_PATH,
	OPT_BOOL,
	OPT_UINT32,
	OPT_HEALTHCHECK,
	OPT_MAP,
	OPT_VOLUMES,
	OPT_ENV,            /* as of NAME=VALUE */
	OPT_DEFAULTED_BOOL, /* an int: -1 until given, for a default of the configuration's */
} OptionKind;

typedef struct {
	const char *key;
	OptionKind kind;
	size_t offset;
} OptionSpec;

#define STR_OPT(k, field)                                                                          \
	{                                                                                          \
		k, OPT_STRING, offsetof(OcidCreateRequest, field)                                  \
	}
#define PATH_OPT(k, field)                                                                         \
	{                                                                                          \
		k, OPT_PATH, offsetof(OcidCreateRequest, field)                                    \
	}
#define BOOL_OPT(k, field)                                                                         \
	{                                                                                          \
		k, OPT_BOOL, offsetof(OcidCreateRequest, field)                                    \
	}
#define UINT32_OPT(k, field)                                                                       \
	{                                                                                          \
		k, OPT_UINT32, offsetof(OcidCreateRequest, field)                                  \
	}
#define MAP_OPT(k, field)                                                                          \
	{                                                                                          \
		k, OPT_MAP, offsetof(OcidCreateRequest, field)                                     \
	}

static const OptionSpec create_options[] = {
	MAP_OPT("labels", labels),
	MAP_OPT("annotations", annotations),
	MAP_OPT("metadata", metadata),
	STR_OPT("image", image),
	STR_OPT("image_name", image_name),
	STR_OPT("image_ref", image_ref),
	STR_OPT("sandbox", sandbox),
	PATH_OPT("log_path", log_path),
	PATH_OPT("netns_path", netns_path),
	PATH_OPT("mount_point", mount_point),
	BOOL_OPT("terminal", terminal),
	BOOL_OPT("stdin", stdin_open),
	BOOL_OPT("stdin_once", stdin_once),
	BOOL_OPT("privileged", privileged),
	BOOL_OPT("trusted", trusted),
	BOOL_OPT("start", start),
	STR_OPT("stop_signal", stop_signal),
	{ "volumes", OPT_VOLUMES, offsetof(OcidCreateRequest, volumes) },
	{ "env", OPT_ENV, offsetof(OcidCreateRequest, env) },
	PATH_OPT("seccomp_profile_path", seccomp_profile_path),
	STR_OPT("cgroup_parent", cgroup_parent),
	STR_OPT("log_driver", log_driver_name),
	{ "machined", OPT_DEFAULTED_BOOL, offsetof(OcidCreateRequest, machined) },
	STR_OPT("restart_policy", restart_policy),
	STR_OPT("notify", notify_name),
	UINT32_OPT("restart_max", restart_max),
	{ "healthcheck", OPT_HEALTHCHECK, offsetof(OcidCreateRequest, healthcheck) },
};

static const char *
signature_of(OptionKind kind)
{
	switch (kind) {
	case OPT_STRING:
	case OPT_PATH:
		return "s";
	case OPT_BOOL:
	case OPT_DEFAULTED_BOOL:
		return "b";
	case OPT_UINT32:
		return "u";
	case OPT_HEALTHCHECK:
		return "a{sv}";
	case OPT_MAP:
		return "a{ss}";
	case OPT_VOLUMES:
		return "a(ssb)";
	case OPT_ENV:
		return "as";
	}
	return "";
}

static int
read_option_value(sd_bus_message *m, const OptionSpec *spec, OcidCreateRequest *draft,
		  sd_bus_error *error)
{
	char *base = (char *)draft;
	const char *s;
	int b;
	int r;

	switch (spec->kind) {
	case OPT_STRING:
	case OPT_PATH:
		r = sd_bus_message_read(m, "s", &s);
		if (r < 0)
			return r;
		if (strlen(s) > (spec->kind == OPT_PATH ? MAX_PATH_LEN : MAX_VALUE_LEN))
			return ocid_bus_error_invalid(error, "Option '%s' is too long", spec->key);
		if (spec->kind == OPT_PATH && *s != '\0' && !ocid_path_is_clean(s))
			return ocid_bus_error_invalid(
			    error, "Option '%s' must be an absolute path without '..', not '%s'",
			    spec->key, s);
		g_free(*(char **)(base + spec->offset));
		*(char **)(base + spec->offset) = *s != '\0' ? g_strdup(s) : NULL;
		return 0;
	case OPT_BOOL:
		r = sd_bus_message_read(m, "b", &b);
		if (r < 0)
			return r;
		*(gboolean *)(base + spec->offset) = b;
		return 0;
	case OPT_DEFAULTED_BOOL:
		r = sd_bus_message_read(m, "b", &b);
		if (r < 0)
			return r;
		*(int *)(base + spec->offset) = b != 0;
		return 0;
	case OPT_UINT32:
		return sd_bus_message_read(m, "u", (uint32_t *)(base + spec->offset));
	case OPT_HEALTHCHECK:
		return ocid_bus_read_healthcheck(m, (OcidHealthConfig **)(base + spec->offset),
						 error);
	case OPT_MAP:
		return read_string_map(m, spec->key, *(GHashTable **)(base + spec->offset), error);
	case OPT_VOLUMES:
		return read_volumes(m, *(GPtrArray **)(base + spec->offset), error);
	case OPT_ENV:
		return read_env(m, *(GPtrArray **)(base + spec->offset), error);
	}
	return -EINVAL;
}

static const OptionSpec *
find_option(const char *key)
{
	for (size_t i = 0; i < G_N_ELEMENTS(create_options); i++)
		if (g_str_equal(create_options[i].key, key))
			return &create_options[i];
	return NULL;
}

static const char *
option_signature(const char *key, void *data)
{
	const OptionSpec *spec = find_option(key);

	return spec != NULL ? signature_of(spec->kind) : NULL;
}

static int
read_option(sd_bus_message *m, const char *key, void *data, sd_bus_error *error)
{
	return read_option_value(m, find_option(key), data, error);
}

static const OcidBusDictReader option_reader = {
	.what = "option",
	.known = "the known options are listed in the org.oci.Runtime.Manager documentation",
	.signature_of = option_signature,
	.read = read_option,
};

int
ocid_bus_read_create_options(sd_bus_message *m, OcidCreateRequest *draft, sd_bus_error *error)
{
	return ocid_bus_read_dict(m, &option_reader, draft, error);
}

/* ---- methods -------------------------------------------------------------------- */

static void
on_created(OcidContainer *container, GError *error, gpointer user_data)
{
	g_autoptr(sd_bus_message) call = user_data;
	g_autofree char *path = NULL;

	if (error != NULL) {
		(void)ocid_bus_reply_gerror(call, error);
		return;
	}
	path = ocid_container_object_path(container->id);
	(void)sd_bus_reply_method_return(call, "o", path);
}

/* Once the caller's files are read and her options checked, the decision about
 * privilege comes from that same parsed spec: a privileged container (the option, or a
 * bundle that can reach the host) needs create-privileged as well. The request waits with
 * the question, so that what was read and decided is what runs. */
static int
create_when_allowed(OcidBusService *service, sd_bus_message *m, OcidCreateRequest *request,
		    sd_bus_error *error)
{
	g_autoptr(OcidCreateRequest) r = request;
	g_autoptr(GError) local_error = NULL;
	int ret;

	if (r->privilege_reason != NULL) {
		OcidPolkitCheck check = { .action = OCID_ACTION_CREATE_PRIVILEGED,
					  .container = r->id,
					  .verb = "create",
					  .reason = r->privilege_reason,
					  .owner = (uid_t)-1 };

		ret = ocid_polkit_verify(service, m, &check, error);
		if (ret < 0)
			return ret;
		if (ret == 0) {
			/* polkit is asked; sd-bus calls again with its answer */
			g_debug("Container %s needs create-privileged: %s", r->id,
				r->privilege_reason);
			ocid_polkit_keep(service, m, g_steal_pointer(&r),
					 (GDestroyNotify)ocid_create_request_free);
			return 1;
		}
	}
	if (!ocid_manager_create(service->manager, g_steal_pointer(&r), on_created,
				 sd_bus_message_ref(m), &local_error)) {
		sd_bus_message_unref(m);
		return ocid_bus_error_from_gerror(error, local_error);
	}
	return 1;
}

/* The caller's files (config.json, a seccomp profile) are read in a worker thread:
 * bounded as they are, reading and parsing them must not hold up the main loop. */
typedef struct {
	OcidBusService *service;
	sd_bus_message *call;
	OcidCreateRequest *request;
	uid_t caller_uid;
} CreateLoad;

static void
create_load_free(CreateLoad *load)
{
	sd_bus_message_unref(load->call);
	ocid_create_request_free(load->request);
	g_free(load);
}

static void
load_files_in_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	CreateLoad *load = data;
	GError *error = NULL;

	/* The user database may block too. */
	if (load->caller_uid != 0)
		load->request->caller = ocid_caller_new(load->caller_uid, (gid_t)-1);
	if (ocid_create_request_prepare(load->request, &error))
		g_task_return_boolean(task, TRUE);
	else
		g_task_return_error(task, error);
}

static void
on_files_loaded(GObject *source, GAsyncResult *result, gpointer user_data)
{
	CreateLoad *load = g_task_get_task_data(G_TASK(result));
	g_auto(sd_bus_error) bus_error = SD_BUS_ERROR_NULL;
	g_autoptr(GError) error = NULL;
	int r;

	if (!g_task_propagate_boolean(G_TASK(result), &error)) {
		(void)ocid_bus_reply_gerror(load->call, error);
		return;
	}
	r = create_when_allowed(load->service, load->call, g_steal_pointer(&load->request),
				&bus_error);
	if (r < 0 && sd_bus_error_is_set(&bus_error))
		(void)sd_bus_reply_method_error(load->call, &bus_error);
	else if (r < 0)
		(void)sd_bus_reply_method_errno(load->call, r, NULL);
}

/* The arguments are read once, into a request; what needs no file is checked at once,
 * then the bundle is read once, off the main loop. */
static int
load_files(OcidBusService *service, sd_bus_message *m, sd_bus_error *error)
{
	g_autoptr(OcidCreateRequest) request = NULL;
	g_autoptr(GError) local_error = NULL;
	g_autoptr(GTask) task = NULL;
	const char *id, *name, *bundle;
	CreateLoad *load;
	uid_t caller_uid;
	int r;

	r = sd_bus_message_read(m, "sss", &id, &name, &bundle);
	if (r < 0)
		return r;
	request = ocid_create_request_new(id, name, bundle);
	r = ocid_bus_read_create_options(m, request, error);
	if (r < 0)
		return r;
	if (!ocid_manager_create_check(service->manager, request, &local_error) ||
	    !ocid_create_request_apply_config(request, ocid_manager_get_config(service->manager),
					      &local_error))
		return ocid_bus_error_from_gerror(error, local_error);
	/* Her uid decides what the container may do, so it must be one the bus vouches
	 * for: never assumed. */
	if (!ocid_polkit_caller_euid(m, &caller_uid))
		return sd_bus_error_setf(error, ocid_error_dbus_name(OCID_ERROR_ACCESS_DENIED),
					 "The bus does not say who you are (no uid for your "
					 "connection), so no container can be made for you");
	load = g_new0(CreateLoad, 1);
	load->caller_uid = caller_uid;
	load->service = service;
	load->call = sd_bus_message_ref(m);
	load->request = g_steal_pointer(&request);
	task = g_task_new(NULL, NULL, on_files_loaded, NULL);
	g_task_set_task_data(task, load, (GDestroyNotify)create_load_free);
	g_task_run_in_thread(task, load_files_in_thread);
	return 1;
}

/* Dispatched once, and again after each of polkit's answers: first org.oci.Runtime.create
 * (a confined container, with her own authority), then, once her files are read, the
 * request that waited for create-privileged, if it would be more. */
static int
method_create_container(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	OcidBusService *service = userdata;
	OcidCreateRequest *prepared = ocid_polkit_take_kept(service, m);
	/* Nobody owns a container that does not exist yet. */
	OcidPolkitCheck check = { .action = OCID_ACTION_CREATE,
				  .verb = "create",
				  .owner = (uid_t)-1 };
	int r;

	if (prepared != NULL)
		return create_when_allowed(service, m, prepared, error);
	r = sd_bus_message_read(m, "s", &check.container);
	if (r < 0)
		return r;
	r = ocid_polkit_verify(service, m, &check, error);
	if (r < 0)
		return r;
	if (r == 0)
		return 1; /* polkit is asked; sd-bus calls again with its answer */
	r = sd_bus_message_rewind(m, 1);
	if (r < 0)
		return r;
	return load_files(service, m, error);
}

static OcidContainer *
lookup_or_error(OcidBusService *service, const char *id_or_name, sd_bus_error *error)
{
	OcidContainer *c = ocid_manager_lookup(service->manager, id_or_name);

	if (c == NULL)
		sd_bus_error_setf(error, ocid_error_dbus_name(OCID_ERROR_NO_SUCH_CONTAINER),
				  "No container has the id or name '%s'; ListContainers shows "
				  "the existing ones",
				  id_or_name);
	return c;
}

static int
method_get_container(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	OcidBusService *service = userdata;
	const char *id_or_name;
	g_autofree char *path = NULL;
	OcidContainer *c;
	int r;

	r = sd_bus_message_read(m, "s", &id_or_name);
	if (r < 0)
		return r;
	c = lookup_or_error(service, id_or_name, error);
	if (c == NULL)
		return -ENOENT;
	path = ocid_container_object_path(c->id);
	return sd_bus_reply_method_return(m, "o", path);
}

static const char *
filter_signature(const char *key, void *data)
{
	if (g_str_equal(key, "label"))
		return "a{ss}";
	if (g_str_equal(key, "owner"))
		return "u";
	if (g_str_equal(key, "state") || g_str_equal(key, "name") || g_str_equal(key, "sandbox"))
		return "s";
	return NULL;
}

static int
read_filter(sd_bus_message *m, const char *key, void *data, sd_bus_error *error)
{
	OcidStoreFilter *filter = data;
	const char *s;
	int r;

	if (g_str_equal(key, "label")) {
		if (filter->labels == NULL)
			filter->labels =
			    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		return read_string_map(m, key, filter->labels, error);
	}
	if (g_str_equal(key, "owner")) {
		r = sd_bus_message_read(m, "u", &filter->owner_uid);
		if (r < 0)
			return r;
		filter->has_owner = TRUE;
		return 0;
	}
	r = sd_bus_message_read(m, "s", &s);
	if (r < 0)
		return r;
	if (strlen(s) > MAX_VALUE_LEN)
		return ocid_bus_error_invalid(error, "The filter '%s' is longer than %d bytes", key,
					      MAX_VALUE_LEN);
	if (g_str_equal(key, "state")) {
		if (!ocid_container_state_from_string(s, &filter->state))
			return ocid_bus_error_invalid(
			    error, "State '%s' is not one of created, running, paused, stopped", s);
		filter->has_state = TRUE;
	} else if (g_str_equal(key, "name")) {
		g_free(filter->name);
		filter->name = g_strdup(s);
	} else {
		g_free(filter->sandbox);
		filter->sandbox = g_strdup(s);
	}
	return 0;
}

static const OcidBusDictReader filter_reader = {
	.what = "filter",
	.known = "use state, name, sandbox, label or owner",
	.signature_of = filter_signature,
	.read = read_filter,
};

int
ocid_bus_read_list_filter(sd_bus_message *m, OcidStoreFilter *filter, sd_bus_error *error)
{
	return ocid_bus_read_dict(m, &filter_reader, filter, error);
}

static int
method_list_containers(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	OcidBusService *service = userdata;
	g_auto(OcidStoreFilter) filter = { 0 };
	g_autoptr(GPtrArray) list = NULL;
	g_autoptr(sd_bus_message) reply = NULL;
	int r;

	r = ocid_bus_read_list_filter(m, &filter, error);
	if (r < 0)
		return r;
	list = ocid_manager_list(service->manager, &filter);
	r = sd_bus_message_new_method_return(m, &reply);
	if (r < 0)
		return r;
	r = sd_bus_message_open_container(reply, 'a', "(sssto)");
	if (r < 0)
		return r;
	for (guint i = 0; i < list->len; i++) {
		OcidContainer *c = g_ptr_array_index(list, i);
		g_autofree char *path = ocid_container_object_path(c->id);

		r = sd_bus_message_append(reply, "(sssto)", c->id, c->name,
					  ocid_container_state_to_string(c->state), c->created_usec,
					  path);
		if (r < 0)
			return r;
	}
	r = sd_bus_message_close_container(reply);
	if (r < 0)
		return r;
	return sd_bus_send(NULL, reply, NULL);
}

/* ---- properties ----------------------------------------------------------------- */

static int
property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
	     sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	OcidBusService *service = userdata;
	OcidManager *manager = service->manager;
	const OcidConfig *config = ocid_manager_get_config(manager);
	const char *runtime_version = ocid_manager_get_runtime_version(manager);

	if (g_str_equal(property, "Version"))
		return sd_bus_message_append(reply, "s", OCID_VERSION);
	if (g_str_equal(property, "RuntimeName"))
		return sd_bus_message_append(reply, "s", ocid_manager_get_runtime_name(manager));
	if (g_str_equal(property, "RuntimeVersion"))
		return sd_bus_message_append(reply, "s",
					     runtime_version != NULL ? runtime_version : "");
	if (g_str_equal(property, "RuntimePath"))
		return sd_bus_message_append(reply, "s", config->runtime_path);
	if (g_str_equal(property, "UntrustedRuntimePath"))
		return sd_bus_message_append(
		    reply, "s",
		    config->untrusted_runtime_path != NULL ? config->untrusted_runtime_path : "");
	if (g_str_equal(property, "TrustLevel"))
		return sd_bus_message_append(reply, "s",
					     config->trust_untrusted ? "untrusted" : "trusted");
	if (g_str_equal(property, "CgroupManager"))
		return sd_bus_message_append(reply, "s",
					     ocid_manager_get_cgroup_manager_name(manager));
	if (g_str_equal(property, "RuntimeReady"))
		return sd_bus_message_append(reply, "b", ocid_manager_get_runtime_ready(manager));
	if (g_str_equal(property, "NetworkReady"))
		/* ocid makes no networks; it joins the namespaces it is given (netns_path), which
		 * needs a kernel with network namespaces. */
		return sd_bus_message_append(reply, "b", access("/proc/self/ns/net", F_OK) == 0);
	if (g_str_equal(property, "LogSizeMax"))
		return sd_bus_message_append(reply, "x", config->log_size_max);
	if (g_str_equal(property, "ContainerCount"))
		return sd_bus_message_append(reply, "u", ocid_manager_count(manager));
	return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY, "Unknown property %s",
				 property);
}

static const sd_bus_vtable manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Version", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("RuntimeName", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("RuntimeVersion", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("RuntimePath", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("UntrustedRuntimePath", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("TrustLevel", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("CgroupManager", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	/* Both are decided once, at start (the runtime's probe, the kernel's namespaces). */
	SD_BUS_PROPERTY("RuntimeReady", "b", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("NetworkReady", "b", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("LogSizeMax", "x", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("ContainerCount", "u", property_get, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_METHOD_WITH_ARGS(
	    "CreateContainer", SD_BUS_ARGS("s", id, "s", name, "s", bundle, "a{sv}", options),
	    SD_BUS_RESULT("o", path), method_create_container, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("GetContainer", SD_BUS_ARGS("s", id_or_name),
				SD_BUS_RESULT("o", path), method_get_container,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ListContainers", SD_BUS_ARGS("a{sv}", filter),
				SD_BUS_RESULT("a(sssto)", containers), method_list_containers,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL_WITH_ARGS("ContainerNew", SD_BUS_ARGS("s", id, "o", path), 0),
	SD_BUS_SIGNAL_WITH_ARGS("ContainerRemoved", SD_BUS_ARGS("s", id, "o", path), 0),
	SD_BUS_VTABLE_END,
};

int
ocid_manager_object_register(OcidBusService *service)
{
	return sd_bus_add_object_vtable(service->bus, &service->manager_slot, OCID_MANAGER_PATH,
					OCID_MANAGER_INTERFACE, manager_vtable, service);
}

void
ocid_manager_object_emit_changed(OcidBusService *service, const char *const *properties)
{
	(void)sd_bus_emit_properties_changed_strv(service->bus, OCID_MANAGER_PATH,
						  OCID_MANAGER_INTERFACE, (char **)properties);
}
