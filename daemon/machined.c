#define G_LOG_DOMAIN "ocid"

#include "machined.h"

#include "cleanup.h"
#include "log.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define MACHINED_DEST     "org.freedesktop.machine1"
#define MACHINED_PATH     "/org/freedesktop/machine1"
#define MACHINED_MANAGER  "org.freedesktop.machine1.Manager"
#define MACHINED_MACHINE  "org.freedesktop.machine1.Machine"
#define MACHINED_NAME_MAX 64 /* HOST_NAME_MAX */

gboolean
ocid_machined_name_is_valid(const char *name)
{
	gboolean after_dot = TRUE; /* the start counts as one: no leading dot or hyphen */
	gboolean after_hyphen = FALSE;
	const char *p;

	if (name == NULL || *name == '\0')
		return FALSE;
	for (p = name; *p != '\0'; p++) {
		if (*p == '.') {
			if (after_dot || after_hyphen)
				return FALSE;
			after_dot = TRUE;
		} else if (*p == '-') {
			if (after_dot)
				return FALSE;
			after_dot = FALSE;
			after_hyphen = TRUE;
		} else if (g_ascii_isalnum(*p)) {
			after_dot = after_hyphen = FALSE;
		} else {
			return FALSE;
		}
	}
	return !after_dot && !after_hyphen && p - name <= MACHINED_NAME_MAX;
}

const char *
ocid_machined_name(const char *id, const char *name)
{
	return ocid_machined_name_is_valid(name) ? name : id;
}

/* The rootfs as the runtime sees it: root.path of the spec ocid wrote (absolute there). */
static char *
rootfs_of(const OcidContainer *c)
{
	g_autofree char *dir = ocid_container_dir(c);
	g_autofree char *spec_path = g_build_filename(dir, "config.json", NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonNode *root;
	JsonObject *fs;

	if (!json_parser_load_from_file(parser, spec_path, NULL))
		return NULL;
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		return NULL;
	fs = json_object_get_object_member(json_node_get_object(root), "root");
	if (fs == NULL || !json_object_has_member(fs, "path"))
		return NULL;
	return g_strdup(json_object_get_string_member(fs, "path"));
}

/* What an answer needs of its container, which may be gone by then. */
typedef struct {
	char *id;
	char *name;
	char *machine;
	char *unit;
} MachineCall;

static void
machine_call_free(MachineCall *call)
{
	g_free(call->id);
	g_free(call->name);
	g_free(call->machine);
	g_free(call->unit);
	g_free(call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MachineCall, machine_call_free)

static MachineCall *
machine_call_new(const OcidContainer *c)
{
	MachineCall *call = g_new0(MachineCall, 1);

	call->id = g_strdup(c->id);
	call->name = g_strdup(c->name);
	call->machine = g_strdup(ocid_machined_name(c->id, c->name));
	call->unit = g_strdup(c->unit);
	return call;
}

static int
on_registered(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	g_autoptr(MachineCall) call = userdata;
	const sd_bus_error *error = sd_bus_message_get_error(reply);

	if (error != NULL)
		ocid_log_container(call, G_LOG_LEVEL_WARNING, OCID_MESSAGE_MACHINE,
				   "Container %s runs without being registered with machined as "
				   "machine %s: %s. Choose another name if it is taken, or check "
				   "that systemd-machined is available.",
				   call->name, call->machine, error->message);
	else
		ocid_log_container(call, G_LOG_LEVEL_INFO, OCID_MESSAGE_MACHINE,
				   "Container %s is registered with machined as machine %s.",
				   call->name, call->machine);
	return 0;
}

void
ocid_machined_register(sd_bus *bus, const OcidContainer *c)
{
	g_autoptr(MachineCall) call = machine_call_new(c);
	g_autofree char *rootfs = rootfs_of(c);
	int r;

	/* No id (an empty array): machined leaves the machine's id unset. */
	r = sd_bus_call_method_async(bus, NULL, MACHINED_DEST, MACHINED_PATH, MACHINED_MANAGER,
				     "RegisterMachine", on_registered, call, "sayssus",
				     call->machine, 0, "ocid", "container", (uint32_t)c->pid,
				     rootfs != NULL ? rootfs : "");
	if (r < 0) {
		ocid_log_container(c, G_LOG_LEVEL_WARNING, OCID_MESSAGE_MACHINE,
				   "Container %s cannot be registered with machined: %s.", c->name,
				   g_strerror(-r));
		return;
	}
	g_steal_pointer(&call);
}

static int
on_unregistered(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	g_autoptr(MachineCall) call = userdata;
	const sd_bus_error *error = sd_bus_message_get_error(reply);

	/* Gone already (its scope stopped first): what Delete wanted. */
	if (error != NULL &&
	    !sd_bus_error_has_name(error, "org.freedesktop.machine1.NoSuchMachine"))
		g_debug("Machine %s of container %s was not unregistered: %s", call->machine,
			call->id, error->message);
	return 0;
}

/* Only a machine that is this container's, by its unit, is unregistered: the name may
 * have been another's all along (the registration failed) or be taken again since. */
static int
on_machine_unit(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	g_autoptr(MachineCall) call = userdata;
	const char *unit = NULL;
	int r;

	if (sd_bus_message_is_method_error(reply, NULL) ||
	    sd_bus_message_read(reply, "v", "s", &unit) < 0 || g_strcmp0(unit, call->unit) != 0)
		return 0;
	r = sd_bus_call_method_async(sd_bus_message_get_bus(reply), NULL, MACHINED_DEST,
				     MACHINED_PATH, MACHINED_MANAGER, "UnregisterMachine",
				     on_unregistered, call, "s", call->machine);
	if (r >= 0)
		g_steal_pointer(&call);
	return 0;
}

void
ocid_machined_unregister(sd_bus *bus, const OcidContainer *c)
{
	g_autoptr(MachineCall) call = NULL;
	g_autofree char *path = NULL;

	if (c->unit == NULL)
		return;
	call = machine_call_new(c);
	if (sd_bus_path_encode(MACHINED_PATH "/machine", call->machine, &path) < 0)
		return;
	if (sd_bus_call_method_async(bus, NULL, MACHINED_DEST, path,
				     "org.freedesktop.DBus.Properties", "Get", on_machine_unit,
				     call, "ss", MACHINED_MACHINE, "Unit") >= 0)
		g_steal_pointer(&call);
}
