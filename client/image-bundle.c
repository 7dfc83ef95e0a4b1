/* A container's bundle from an image: its own writable copy of the image's rootfs (cp
 * with reflinks where the filesystem has them, so the unpacked image stays as pulled) and a
 * config.json made from the image's config. The spec is the one ocid accepts for a
 * confined container as it is (namespaces of its own, the kernel's filesystems), so the
 * same bundle works for root and for an ordinary user. */
#include "image.h"

#include <string.h>

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* podman's defaults: capabilities, masked and read-only paths, kernel filesystems. */
static const char base_spec[] =
    "{\"ociVersion\": \"1.0.2\","
    " \"process\": {\"terminal\": false, \"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [],"
    "  \"env\": [], \"cwd\": \"/\", \"noNewPrivileges\": false,"
    "  \"capabilities\": {\"bounding\": CAPS, \"effective\": CAPS, \"permitted\": CAPS}},"
    " \"root\": {\"path\": \"rootfs\", \"readonly\": false},"
    " \"hostname\": \"ocid\","
    " \"mounts\": ["
    "  {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
    "  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
    "   \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},"
    "  {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\","
    "   \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", "
    "\"mode=0620\"]},"
    "  {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\","
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},"
    "  {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\","
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]}],"
    " \"annotations\": {},"
    " \"linux\": {\"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]},"
    "  \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"ipc\"}, {\"type\": \"uts\"},"
    "   {\"type\": \"mount\"}, {\"type\": \"network\"}],"
    "  \"maskedPaths\": [\"/proc/acpi\", \"/proc/kcore\", \"/proc/keys\", "
    "\"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\", "
    "\"/proc/sched_debug\", \"/proc/scsi\", \"/sys/firmware\"],"
    "  \"readonlyPaths\": [\"/proc/asound\", \"/proc/bus\", \"/proc/fs\", \"/proc/irq\", "
    "\"/proc/sys\", \"/proc/sysrq-trigger\"]}}";

static const char caps[] =
    "[\"CAP_CHOWN\", \"CAP_DAC_OVERRIDE\", \"CAP_FOWNER\", \"CAP_FSETID\", \"CAP_KILL\", "
    "\"CAP_NET_BIND_SERVICE\", \"CAP_SETFCAP\", \"CAP_SETGID\", \"CAP_SETPCAP\", "
    "\"CAP_SETUID\", \"CAP_SYS_CHROOT\"]";

static void
add_strings(JsonArray *array, JsonArray *from)
{
	for (guint i = 0; from != NULL && i < json_array_get_length(from); i++)
		if (JSON_NODE_HOLDS_VALUE(json_array_get_element(from, i)))
			json_array_add_string_element(array,
						      json_array_get_string_element(from, i));
}

static JsonArray *
member_array(JsonObject *object, const char *name)
{
	JsonNode *node = object != NULL ? json_object_get_member(object, name) : NULL;

	return node != NULL && JSON_NODE_HOLDS_ARRAY(node) ? json_node_get_array(node) : NULL;
}

/* The user as umoci resolved it against the image's /etc/passwd and /etc/group. */
static JsonNode *
resolved_user(const OcictlImage *image)
{
	g_autofree char *path = g_build_filename(image->dir, "bundle", "config.json", NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *process;

	if (!json_parser_load_from_file(parser, path, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
		return NULL;
	process = json_object_get_object_member(json_node_get_object(json_parser_get_root(parser)),
						"process");
	if (process == NULL || json_object_get_member(process, "user") == NULL)
		return NULL;
	return json_node_copy(json_object_get_member(process, "user"));
}

static gboolean
fill_process(JsonObject *process, JsonObject *config, const OcictlImage *image, char **command,
	     GError **error)
{
	JsonArray *args = json_array_new(), *env = json_array_new();
	JsonArray *image_env = member_array(config, "Env");
	JsonNode *user = resolved_user(image);
	const char *cwd = config != NULL
			      ? json_object_get_string_member_with_default(config, "WorkingDir", "")
			      : "";
	gboolean has_path = FALSE;

	json_object_set_array_member(process, "args", args);
	add_strings(args, member_array(config, "Entrypoint"));
	if (command != NULL && command[0] != NULL)
		for (char **c = command; *c != NULL; c++)
			json_array_add_string_element(args, *c);
	else
		add_strings(args, member_array(config, "Cmd"));
	if (json_array_get_length(args) == 0) {
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_USAGE,
			    "image %.12s has no entrypoint and no cmd: give the command to run "
			    "after the image",
			    image->id);
		return FALSE;
	}
	json_object_set_array_member(process, "env", env);
	add_strings(env, image_env);
	for (guint i = 0; i < json_array_get_length(env); i++)
		has_path |= g_str_has_prefix(json_array_get_string_element(env, i), "PATH=");
	if (!has_path)
		json_array_add_string_element(env, DEFAULT_PATH);
	if (cwd[0] == '/')
		json_object_set_string_member(process, "cwd", cwd);
	if (user != NULL)
		json_object_set_member(process, "user", user);
	return TRUE;
}

static gboolean
write_config(const char *bundle, const OcictlImage *image, char **command, const char *hostname,
	     GError **error)
{
	g_autofree char *text = NULL, *json = NULL;
	g_autofree char *path = g_build_filename(bundle, "config.json", NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(JsonNode) holder = NULL;
	g_autoptr(JsonGenerator) generator = json_generator_new();
	g_autoptr(GString) spec = g_string_new(base_spec);
	JsonObject *config, *root;
	const char *stop_signal;

	config = ocictl_image_read_config(image, &holder, error);
	if (holder == NULL)
		return FALSE;
	g_string_replace(spec, "CAPS", caps, 0);
	if (!json_parser_load_from_data(parser, spec->str, -1, error))
		return FALSE;
	root = json_node_get_object(json_parser_get_root(parser));
	if (!fill_process(json_object_get_object_member(root, "process"), config, image, command,
			  error))
		return FALSE;
	if (hostname != NULL)
		json_object_set_string_member(root, "hostname", hostname);
	stop_signal = config != NULL
			  ? json_object_get_string_member_with_default(config, "StopSignal", "")
			  : "";
	/* ocid's default stop signal for the container (daemon/spec.c). */
	if (stop_signal[0] != '\0')
		json_object_set_string_member(json_object_get_object_member(root, "annotations"),
					      "org.opencontainers.image.stopSignal", stop_signal);
	json_generator_set_root(generator, json_parser_get_root(parser));
	json_generator_set_pretty(generator, TRUE);
	json = json_generator_to_data(generator, NULL);
	return g_file_set_contents_full(path, json, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
					error);
}

char *
ocictl_image_bundle_make(OcictlImageStore *store, const OcictlImage *image, char **command,
			 const char *hostname, GError **error)
{
	g_autofree char *prefix = g_strndup(image->id, 12);
	g_autofree char *bundle = ocictl_image_store_mkdtemp(store, "containers", prefix, error);
	g_autofree char *source = NULL, *target = NULL;

	if (bundle == NULL)
		return NULL;
	source = g_build_filename(image->dir, "bundle", "rootfs", NULL);
	target = g_build_filename(bundle, "rootfs", NULL);
	{
		const char *copy[] = { "cp", "-a", "--reflink=auto", source, target, NULL };
		if (ocictl_image_tool(copy, FALSE, "cannot copy the image's rootfs", error) &&
		    write_config(bundle, image, command, hostname, error))
			return g_steal_pointer(&bundle);
	}
	ocictl_remove_tree(bundle, NULL);
	return NULL;
}
