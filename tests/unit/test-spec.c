/* A bundle's config.json is read once, bounded, type-checked and refused when in doubt;
 * the privilege decision is made on the parsed spec. */
#include "bounded-read.h"
#include "caller.h"
#include "create-request.h"
#include "errors.h"
#include "privilege.h"
#include "seccomp-profile.h"
#include "spec.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The unprivileged caller of these tests. */
#define NOBODY ((uid_t)65534)

/* The shape of tests/make-bundle.sh's config.json. */
static const char default_spec[] =
    "{\"ociVersion\":\"1.0.2\","
    "\"process\":{\"terminal\":false,\"user\":{\"uid\":0,\"gid\":0},"
    "\"args\":[\"/bin/sh\",\"-c\",\"echo hello\"],\"env\":[\"PATH=/bin\",\"TERM=xterm\"],"
    "\"cwd\":\"/\",\"capabilities\":{"
    "\"bounding\":[\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\",\"CAP_AUDIT_WRITE\"],"
    "\"effective\":[\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\",\"CAP_AUDIT_WRITE\"],"
    "\"permitted\":[\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\",\"CAP_AUDIT_WRITE\"]},"
    "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
    "\"noNewPrivileges\":true},"
    "\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
    "\"hostname\":\"busybox\","
    "\"mounts\":["
    "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
    "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
    "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
    "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
    "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]}],"
    "\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
    "\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
    "{\"type\":\"mount\"},{\"type\":\"network\"}],"
    "\"maskedPaths\":[\"/proc/kcore\",\"/sys/firmware\"],"
    "\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\","
    "\"/proc/sysrq-trigger\"]}}";

typedef struct {
	char *bundle;
	char *config;
} Bundle;

static void
bundle_setup(Bundle *b, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *rootfs = NULL;

	b->bundle = g_dir_make_tmp("ocid-test-spec-XXXXXX", &error);
	g_assert_no_error(error);
	/* The unprivileged caller reaches it, as her own bundle. */
	g_assert_cmpint(g_chmod(b->bundle, 0755), ==, 0);
	b->config = g_build_filename(b->bundle, "config.json", NULL);
	rootfs = g_build_filename(b->bundle, "rootfs", NULL);
	g_assert_cmpint(g_mkdir(rootfs, 0755), ==, 0);
}

static void
remove_tree(const char *path)
{
	g_autoptr(GDir) dir = NULL;
	const char *name;
	struct stat st;

	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		dir = g_dir_open(path, 0, NULL);
		while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
			g_autofree char *child = g_build_filename(path, name, NULL);
			remove_tree(child);
		}
		g_rmdir(path);
	} else {
		g_unlink(path);
	}
}

static void
bundle_teardown(Bundle *b, gconstpointer data)
{
	remove_tree(b->bundle);
	g_free(b->bundle);
	g_free(b->config);
}

static JsonNode *
parse(const char *text)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;

	json_parser_load_from_data(parser, text, -1, &error);
	g_assert_no_error(error);
	return json_node_copy(json_parser_get_root(parser));
}

/* Sets the member at the dotted @where of @spec to the JSON @value, or removes it when
 * @value is NULL. */
static void
set_member(JsonNode *spec, const char *where, const char *value)
{
	g_auto(GStrv) keys = g_strsplit(where, ".", -1);
	JsonObject *obj = json_node_get_object(spec);
	guint n = g_strv_length(keys);

	for (guint i = 0; i + 1 < n; i++)
		obj = json_object_get_object_member(obj, keys[i]);
	if (value == NULL)
		json_object_remove_member(obj, keys[n - 1]);
	else
		json_object_set_member(obj, keys[n - 1], parse(value));
}

static void
write_spec(const Bundle *b, JsonNode *spec)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree char *text = NULL;

	json_generator_set_root(gen, spec);
	text = json_generator_to_data(gen, NULL);
	g_assert_true(g_file_set_contents(b->config, text, -1, NULL));
}

static void
write_text(const Bundle *b, const char *text, gssize len)
{
	g_assert_true(g_file_set_contents(b->config, text, len, NULL));
}

static void
assert_refused(const Bundle *b, const char *hint)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) spec = ocid_spec_load_bundle(b->bundle, &error);

	g_assert_null(spec);
	g_assert_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT);
	if (strstr(error->message, hint) == NULL)
		g_error("expected '%s' in: %s", hint, error->message);
}

static JsonNode *
load(const Bundle *b)
{
	g_autoptr(GError) error = NULL;
	JsonNode *spec = ocid_spec_load_bundle(b->bundle, &error);

	g_assert_no_error(error);
	g_assert_nonnull(spec);
	return spec;
}

static void
test_default(Bundle *b, gconstpointer data)
{
	g_autoptr(JsonNode) spec = NULL;
	g_autofree char *reason = NULL;

	g_autoptr(OcidCaller) nobody = ocid_caller_new(NOBODY, (gid_t)-1);

	write_text(b, default_spec, -1);
	spec = load(b);
	g_assert_false(ocid_spec_confined_needs_privilege(spec, b->bundle, nobody, &reason));
	g_assert_null(reason);
}

static void
test_deep_nesting(Bundle *b, gconstpointer data)
{
	const gsize levels = 100000;
	g_autoptr(GString) text = g_string_new("{\"process\":{},\"root\":{\"path\":\"r\"},\"x\":");
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) seccomp = NULL;

	for (gsize i = 0; i < levels; i++)
		g_string_append_c(text, '[');
	for (gsize i = 0; i < levels; i++)
		g_string_append_c(text, ']');
	g_string_append_c(text, '}');
	write_text(b, text->str, (gssize)text->len);
	assert_refused(b, "deeper than 64 levels");

	seccomp = ocid_seccomp_profile_parse(text->str, text->len, "deep.json", &error);
	g_assert_null(seccomp);
	g_assert_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "deeper than"));
	g_clear_error(&error);

	/* Brackets in strings do not count, escaped quotes do not end them. */
	g_assert_true(ocid_json_check_text("[\"[[[[\\\"[[[[\"]", 14, 1, "t", &error));
	g_assert_no_error(error);
	g_assert_false(ocid_json_check_text("[[\"]]\"]", 7, 1, "t", &error));
	g_clear_error(&error);
	/* json-glib takes comments and single quotes; a quote in a comment would hide the
	 * nesting from the scan, so both are refused. */
	write_text(b, "{\"process\":{}, /* \" */ \"root\":{\"path\":\"r\"}}", -1);
	assert_refused(b, "comment or single-quoted string");
	write_text(b, "{'process':{},\"root\":{\"path\":\"r\"}}", -1);
	assert_refused(b, "comment or single-quoted string");
}

/* json-glib cuts a key at U+0000 while runc keeps it: "linux\u0000" would overwrite the
 * linux ocid checks but be ignored by runc. */
static void
test_nul(Bundle *b, gconstpointer data)
{
	static const char with_nul[] = "{\"process\":{},\"root\":{\"path\":\"r\"}}\0";
	g_autoptr(GString) text = g_string_new(default_spec);

	g_string_truncate(text, text->len - 1);
	g_string_append(text, ",\"linux\\u0000\":{}}");
	write_text(b, text->str, -1);
	assert_refused(b, "\\u0000");
	write_text(b, with_nul, sizeof(with_nul) - 1);
	assert_refused(b, "NUL byte");
}

static void
test_size(Bundle *b, gconstpointer data)
{
	g_autoptr(GString) text = g_string_new(default_spec);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) spec = NULL;
	g_autofree char *small = g_build_filename(b->bundle, "small", NULL);
	g_autofree char *read_back = NULL;
	gsize len = 0;

	/* Exactly at the cap is fine, one byte past it is not. */
	while (text->len < OCID_CONFIG_JSON_MAX_SIZE)
		g_string_append_c(text, ' ');
	write_text(b, text->str, (gssize)text->len);
	spec = load(b);
	g_string_append_c(text, ' ');
	write_text(b, text->str, (gssize)text->len);
	assert_refused(b, "limit of 1048576 bytes");

	g_assert_true(g_file_set_contents(small, "0123456789", -1, NULL));
	read_back = ocid_read_file_path(small, 10, &len, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(read_back, ==, "0123456789");
	g_assert_cmpuint(len, ==, 10);
	g_clear_pointer(&read_back, g_free);
	read_back = ocid_read_file_path(small, 9, &len, &error);
	g_assert_null(read_back);
	g_assert_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "limit of 9 bytes"));
}

static void
test_not_regular(Bundle *b, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *other = g_build_filename(b->bundle, "other.json", NULL);
	g_autofree char *seccomp_link = g_build_filename(b->bundle, "seccomp.json", NULL);
	g_autoptr(JsonNode) seccomp = NULL;
	g_autofree char *data_read = NULL;

	/* A FIFO with no writer: the open must neither block nor read. */
	g_assert_cmpint(mkfifo(b->config, 0600), ==, 0);
	assert_refused(b, "a FIFO, not a regular file");
	g_unlink(b->config);

	g_assert_cmpint(symlink("/dev/zero", b->config), ==, 0);
	assert_refused(b, "symbolic link");
	g_unlink(b->config);

	/* A symlink to a valid spec is refused as well: the bundle names the file itself. */
	g_assert_true(g_file_set_contents(other, default_spec, -1, NULL));
	g_assert_cmpint(symlink("other.json", b->config), ==, 0);
	assert_refused(b, "symbolic link");
	g_unlink(b->config);

	g_assert_cmpint(g_mkdir(b->config, 0700), ==, 0);
	assert_refused(b, "a directory, not a regular file");
	g_rmdir(b->config);

	assert_refused(b, "has no config.json");

	data_read = ocid_read_file_path("/dev/zero", 1024, NULL, &error);
	g_assert_null(data_read);
	g_assert_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "a character device"));
	g_clear_error(&error);

	seccomp = ocid_seccomp_profile_load("/dev/zero", &error);
	g_assert_null(seccomp);
	g_assert_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "a character device"));
	g_clear_error(&error);
	g_assert_cmpint(symlink("/dev/zero", seccomp_link), ==, 0);
	seccomp = ocid_seccomp_profile_load(seccomp_link, &error);
	g_assert_null(seccomp);
	g_assert_nonnull(strstr(error->message, "symbolic link"));
	g_clear_error(&error);
	seccomp = ocid_seccomp_profile_load("seccomp.json", &error);
	g_assert_null(seccomp);
	g_assert_nonnull(strstr(error->message, "not an absolute path"));
	g_clear_error(&error);
	data_read = ocid_read_file_path("/nonexistent-ocid-dir/x", 1024, NULL, &error);
	g_assert_null(data_read);
	g_assert_nonnull(strstr(error->message, "does not exist"));
}

static void
test_unparseable(Bundle *b, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) spec = NULL;

	write_text(b, "{\"process\":{},", -1);
	assert_refused(b, "not valid JSON");
	write_text(b, "", 0);
	assert_refused(b, "must hold a JSON object");
	write_text(b, "[1]", -1);
	assert_refused(b, "must hold a JSON object");
	spec = ocid_spec_load_bundle("relative/bundle", &error);
	g_assert_null(spec);
	g_assert_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	/* Bundle paths with '..' were accepted while volumes and log paths refused them. */
	write_text(b, default_spec, -1);
	{
		g_autofree char *base = g_path_get_basename(b->bundle);
		g_autofree char *dotdot = g_strdup_printf("%s/../%s", b->bundle, base);
		g_autoptr(JsonNode) good = NULL;

		spec = ocid_spec_load_bundle(dotdot, &error);
		g_assert_null(spec);
		g_assert_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT);
		g_assert_nonnull(strstr(error->message, "without '..'"));
		g_clear_error(&error);
		good = ocid_spec_load_bundle(b->bundle, &error);
		g_assert_no_error(error);
		g_assert_nonnull(good);
	}
}

typedef struct {
	const char *where;
	const char *value; /* NULL removes the member */
	const char *hint;
} WrongType;

static const WrongType wrong_types[] = {
	{ "process", "\"garbage\"", "'process' must be an object, not a string" },
	{ "process", NULL, "no process object" },
	{ "process.args", "\"sh\"", "'process.args' must be an array, not a string" },
	{ "process.args", "[\"sh\",1]", "'process.args[1]' must be a string, not a number" },
	{ "process.env", "{}", "'process.env' must be an array, not an object" },
	{ "process.env", "[null]", "'process.env[0]' must be a string, not null" },
	{ "process.capabilities", "[]", "'process.capabilities' must be an object, not an array" },
	{ "process.capabilities.bounding", "\"CAP_KILL\"",
	  "'process.capabilities.bounding' must be an array" },
	{ "process.capabilities.ambient", "[true]",
	  "'process.capabilities.ambient[0]' must be a string, not a boolean" },
	{ "root", "\"rootfs\"", "'root' must be an object, not a string" },
	{ "root", NULL, "no root.path" },
	{ "root.path", "1", "'root.path' must be a string, not a number" },
	{ "root.path", NULL, "no root.path" },
	{ "linux", "\"garbage\"", "'linux' must be an object, not a string" },
	{ "linux", "null", "'linux' must be an object, not null" },
	{ "linux.namespaces", "{}", "'linux.namespaces' must be an array, not an object" },
	{ "linux.namespaces", "[\"pid\"]", "'linux.namespaces[0]' must be an object" },
	{ "linux.namespaces", "[{\"type\":1}]", "'linux.namespaces[0].type' must be a string" },
	{ "linux.namespaces", "[{}]", "'linux.namespaces[0]' has no type" },
	{ "linux.namespaces", "[{\"type\":\"pid\",\"path\":[]}]",
	  "'linux.namespaces[0].path' must be a string" },
	{ "linux.resources", "[]", "'linux.resources' must be an object, not an array" },
	{ "linux.devices", "{}", "'linux.devices' must be an array" },
	{ "linux.readonlyPaths", "\"/proc/sys\"", "'linux.readonlyPaths' must be an array" },
	{ "linux.maskedPaths", "[1]", "'linux.maskedPaths[0]' must be a string" },
	/* The cgroup managers compute quota * 1000000 / period (issue 10: signed overflow). */
	{ "linux.resources", "{\"cpu\":{\"quota\":9223372036854775807,\"period\":1}}",
	  "'linux.resources.cpu.quota' is 9223372036854775807" },
	{ "linux.resources", "{\"cpu\":{\"quota\":100000,\"period\":0.5}}",
	  "'linux.resources.cpu.period' must be an integer, not a number" },
	{ "linux.resources", "{\"cpu\":{\"period\":-5}}", "'linux.resources.cpu.period' is -5" },
	{ "linux.resources", "{\"cpu\":\"fast\"}", "'linux.resources.cpu' must be an object" },
	{ "linux.resources", "{\"memory\":{\"limit\":\"1G\"}}",
	  "'linux.resources.memory.limit' must be an integer, not a string" },
	{ "mounts", "{}", "'mounts' must be an array, not an object" },
	{ "mounts", "[\"/proc\"]", "'mounts[0]' must be an object, not a string" },
	{ "mounts", "[{\"destination\":\"/x\",\"source\":7}]",
	  "'mounts[0].source' must be a string" },
	{ "mounts", "[{\"destination\":\"/x\",\"options\":\"rbind\"}]",
	  "'mounts[0].options' must be an array" },
	{ "annotations", "[]", "'annotations' must be an object, not an array" },
	{ "annotations", "{\"a\":\"b\",\"c\":1}", "'annotations.c' must be a string" },
	{ "hooks", "[]", "'hooks' must be an object, not an array" },
	{ "hooks", "{\"prestart\":{}}", "'hooks.prestart' must be an array, not an object" },
	{ "hooks", "{\"prestart\":[\"/bin/x\"]}", "'hooks.prestart[0]' must be an object" },
	/* Go's parser would take these for the members ocid checks. */
	{ "Linux", "{}", "'Linux' differs from 'linux' only in case" },
	{ "proce\xc5\xbfs", "{}", "differs from 'process' only in case" },
	{ "linux.Namespaces", "[]", "'linux.Namespaces' differs from 'namespaces'" },
	{ "process.capabilities.Bounding", "[]", "differs from 'bounding' only in case" },
	{ "hooks", "{\"Prestart\":[]}", "differs from 'prestart' only in case" },
};

static void
test_wrong_types(Bundle *b, gconstpointer data)
{
	for (gsize i = 0; i < G_N_ELEMENTS(wrong_types); i++) {
		g_autoptr(JsonNode) spec = parse(default_spec);

		g_test_message("%s = %s", wrong_types[i].where,
			       wrong_types[i].value != NULL ? wrong_types[i].value : "(removed)");
		set_member(spec, wrong_types[i].where, wrong_types[i].value);
		write_spec(b, spec);
		assert_refused(b, wrong_types[i].hint);
	}
}

typedef struct {
	const char *where;
	const char *value;
	const char *reason;
} Privileged;

static const Privileged privileged[] = {
	{ "linux.namespaces",
	  "[{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"},"
	  "{\"type\":\"network\"}]",
	  "it shares the host's pid namespace" },
	{ "linux.namespaces",
	  "[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
	  "{\"type\":\"network\"}]",
	  "it shares the host's mount namespace" },
	{ "linux.namespaces",
	  "[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
	  "{\"type\":\"mount\"}]",
	  "it shares the host's network namespace" },
	{ "linux.namespaces",
	  "[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
	  "{\"type\":\"mount\"},{\"type\":\"network\","
	  "\"path\":\"/proc/1/ns/net\"}]",
	  "it joins the existing network namespace at /proc/1/ns/net" },
	{ "linux", NULL, "it shares the host's pid namespace" },
	{ "hooks", "{\"prestart\":[{\"path\":\"/bin/true\"}]}", "it has OCI hooks (prestart)" },
	{ "hooks", "{\"createRuntime\":[{\"path\":\"/bin/true\"}]}",
	  "it has OCI hooks (createRuntime)" },
	{ "linux.devices", "[{\"path\":\"/dev/sda\",\"type\":\"b\",\"major\":8,\"minor\":0}]",
	  "it adds devices (linux.devices)" },
	{ "linux.resources", "{\"devices\":[{\"allow\":true,\"access\":\"rwm\"}]}",
	  "it allows device access (linux.resources.devices)" },
	{ "linux.resources", "{\"unified\":{\"memory.high\":\"1\"}}",
	  "it writes raw cgroup files" },
	{ "linux.seccomp",
	  "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/l.sock\"}",
	  "it has a seccomp listener" },
	{ "linux.intelRdt", "{\"closID\":\"x\"}", "it asks for Intel RDT" },
	{ "process.oomScoreAdj", "-500", "it lowers its OOM score" },
	{ "annotations", "{\"org.systemd.property.DeviceAllow\":\"'/dev/sda rw'\"}",
	  "its annotation org.systemd.property.DeviceAllow is an instruction to the runtime" },
	{ "annotations", "{\"run.oci.handler\":\"krun\"}", "its annotation run.oci.handler" },
	/* Paths she cannot reach: /root is 0700 root's. */
	{ "root.path", "\"/root\"", "its root.path /root is not reachable" },
	{ "mounts", "[{\"destination\":\"/h\",\"type\":\"bind\",\"source\":\"/root\"}]",
	  "its bind source /root is not reachable" },
	{ "mounts",
	  "[{\"destination\":\"/h\",\"type\":\"none\",\"source\":\"/root/x\","
	  "\"options\":[\"rbind\",\"rw\"]}]",
	  "its bind source /root/x is not reachable" },
	{ "mounts", "[{\"destination\":\"/h\",\"source\":\"/root\",\"options\":[\"bind\"]}]",
	  "its bind source /root is not reachable" },
	/* Filesystems of the host's: a block device, an overlay of host dirs. */
	{ "mounts", "[{\"destination\":\"/h\",\"type\":\"ext4\",\"source\":\"/dev/sda1\"}]",
	  "it mounts /dev/sda1 (type ext4) from the host" },
	{ "mounts",
	  "[{\"destination\":\"/h\",\"type\":\"overlay\",\"source\":\"overlay\","
	  "\"options\":[\"lowerdir=/etc\"]}]",
	  "it mounts overlay (type overlay) from the host" },
};

/* What the kernel confines to the user namespace needs no privilege. */
static const struct {
	const char *where;
	const char *value;
} confined_ok[] = {
	{ "process.capabilities.bounding", "[\"CAP_KILL\",\"CAP_SYS_ADMIN\"]" },
	{ "linux.readonlyPaths", "[]" },
	{ "mounts", "[{\"destination\":\"/p\",\"type\":\"proc\",\"source\":\"proc\"}]" },
	{ "mounts", "[{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\"}]" },
	{ "mounts", "[{\"destination\":\"/h\",\"type\":\"bind\",\"source\":\"/etc\"}]" },
	{ "linux.resources", "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}" },
};

static void
test_privilege(Bundle *b, gconstpointer data)
{
	g_autoptr(OcidCaller) nobody = ocid_caller_new(NOBODY, (gid_t)-1);

	for (gsize i = 0; i < G_N_ELEMENTS(privileged); i++) {
		g_autoptr(JsonNode) spec = parse(default_spec);
		g_autoptr(JsonNode) loaded = NULL;
		g_autofree char *reason = NULL;

		g_test_message("%s = %s", privileged[i].where,
			       privileged[i].value != NULL ? privileged[i].value : "(removed)");
		set_member(spec, privileged[i].where, privileged[i].value);
		write_spec(b, spec);
		loaded = load(b);
		g_assert_true(
		    ocid_spec_confined_needs_privilege(loaded, b->bundle, nobody, &reason));
		if (strstr(reason, privileged[i].reason) == NULL)
			g_error("expected '%s', got '%s'", privileged[i].reason, reason);
		g_assert_true(ocid_spec_confined_needs_privilege(loaded, b->bundle, nobody, NULL));
	}
	for (gsize i = 0; i < G_N_ELEMENTS(confined_ok); i++) {
		g_autoptr(JsonNode) spec = parse(default_spec);
		g_autoptr(JsonNode) loaded = NULL;
		g_autofree char *reason = NULL;

		set_member(spec, confined_ok[i].where, confined_ok[i].value);
		write_spec(b, spec);
		loaded = load(b);
		if (ocid_spec_confined_needs_privilege(loaded, b->bundle, nobody, &reason))
			g_error("%s = %s: confined, yet '%s'", confined_ok[i].where,
				confined_ok[i].value, reason);
	}
}

/* Paths are resolved as the caller resolves them: symlinks followed, as runc follows
 * them, and what she cannot reach needs privilege; a relative bind source is refused. */
static void
test_privilege_paths(Bundle *b, gconstpointer data)
{
	g_autoptr(OcidCaller) nobody = ocid_caller_new(NOBODY, (gid_t)-1);
	g_autoptr(JsonNode) spec = parse(default_spec);
	g_autoptr(JsonNode) loaded = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *host = g_build_filename(b->bundle, "host", NULL);
	g_autofree char *mounts =
	    g_strdup_printf("[{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"%s\"}]", host);
	g_autofree char *reason = NULL;

	/* A symlink in the bundle that leads where she cannot go. */
	g_assert_cmpint(symlink("/root", host), ==, 0);
	set_member(spec, "mounts", mounts);
	write_spec(b, spec);
	loaded = load(b);
	g_assert_true(ocid_spec_confined_needs_privilege(loaded, b->bundle, nobody, &reason));
	g_assert_nonnull(strstr(reason, "is not reachable with your own authority"));
	g_clear_pointer(&reason, g_free);
	g_clear_pointer(&loaded, json_node_unref);

	set_member(spec, "mounts", "[]");
	set_member(spec, "root.path", "\"host\"");
	write_spec(b, spec);
	loaded = load(b);
	g_assert_true(ocid_spec_confined_needs_privilege(loaded, b->bundle, nobody, &reason));
	g_assert_nonnull(strstr(reason, "root.path"));
	g_clear_pointer(&loaded, json_node_unref);

	/* The runtime would resolve "." against ocid's own dir for the container. */
	set_member(spec, "root.path", "\"rootfs\"");
	set_member(spec, "mounts", "[{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\".\"}]");
	write_spec(b, spec);
	g_assert_null(ocid_spec_load_bundle(b->bundle, &error));
	g_assert_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "relative source"));
}

/* What a non-root caller's own options ask of the runtime as host root needs
 * create-privileged too; without any of it, the container is confined. */
static void
test_options_need_privilege(Bundle *b, gconstpointer data)
{
	static const struct {
		const char *option;
		const char *reason;
	} cases[] = {
		{ NULL, NULL },
		{ "privileged", "it asks for a privileged container" },
		{ "cgroup_parent", "it chooses its cgroup parent other.slice" },
		{ "annotation", "its annotation org.systemd.property.DeviceAllow" },
		{ "netns_path", "it joins the network namespace at /proc/self/ns/net" },
	};

	if (geteuid() != 0) {
		g_test_skip("needs root to act as another user");
		return;
	}
	write_text(b, default_spec, -1);
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(OcidCreateRequest) r = ocid_create_request_new("c", "c", b->bundle);
		g_autoptr(GError) error = NULL;
		const char *option = cases[i].option != NULL ? cases[i].option : "";

		r->caller = ocid_caller_new(NOBODY, (gid_t)-1);
		if (g_str_equal(option, "privileged"))
			r->privileged = TRUE;
		else if (g_str_equal(option, "cgroup_parent"))
			r->cgroup_parent = g_strdup("other.slice");
		else if (g_str_equal(option, "annotation"))
			g_hash_table_insert(r->annotations,
					    g_strdup("org.systemd.property.DeviceAllow"),
					    g_strdup("/dev/sda rw"));
		else if (g_str_equal(option, "netns_path"))
			r->netns_path = g_strdup("/proc/self/ns/net");
		g_assert_true(ocid_create_request_prepare(r, &error));
		g_assert_no_error(error);
		if (cases[i].reason == NULL) {
			g_assert_null(r->privilege_reason);
			g_assert_true(r->confined);
			g_assert_nonnull(r->id_map);
		} else {
			g_assert_nonnull(r->privilege_reason);
			if (strstr(r->privilege_reason, cases[i].reason) == NULL)
				g_error("%s: expected '%s', got '%s'", option, cases[i].reason,
					r->privilege_reason);
			g_assert_false(r->confined);
		}
	}
}

static void
test_dir_check(Bundle *b, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *logs = g_build_filename(b->bundle, "logs", NULL);
	g_autofree char *link = g_build_filename(b->bundle, "logs-link", NULL);
	g_autofree char *missing = g_build_filename(b->bundle, "not-yet", NULL);
	g_autofree char *dotdot = g_build_filename(b->bundle, "logs", "..", "logs", NULL);

	g_assert_cmpint(g_mkdir(logs, 0700), ==, 0);
	g_assert_true(ocid_dir_check_caller(logs, &error));
	g_assert_no_error(error);
	g_assert_true(ocid_dir_check_caller(missing, &error));
	g_assert_no_error(error);
	g_assert_true(ocid_dir_check_caller("/tmp", &error));
	g_assert_no_error(error);

	g_assert_cmpint(symlink("logs", link), ==, 0);
	g_assert_false(ocid_dir_check_caller(link, &error));
	g_assert_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "symbolic link"));
	g_clear_error(&error);

	write_text(b, "{}", -1);
	g_assert_false(ocid_dir_check_caller(b->config, &error));
	g_assert_nonnull(strstr(error->message, "not a directory"));
	g_clear_error(&error);

	g_assert_false(ocid_dir_check_caller(dotdot, &error));
	g_assert_nonnull(strstr(error->message, "'..'"));
	g_clear_error(&error);

	g_assert_false(ocid_dir_check_caller("logs", &error));
	g_assert_nonnull(strstr(error->message, "not an absolute path"));
	g_clear_error(&error);

	g_assert_cmpint(chmod(logs, 0777), ==, 0);
	g_assert_false(ocid_dir_check_caller(logs, &error));
	g_assert_nonnull(strstr(error->message, "writable by every user"));
	g_clear_error(&error);
	g_assert_cmpint(chmod(logs, 01777), ==, 0);
	g_assert_true(ocid_dir_check_caller(logs, &error));
	g_assert_no_error(error);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, func) g_test_add(path, Bundle, NULL, bundle_setup, func, bundle_teardown)
	ADD("/spec/default", test_default);
	ADD("/spec/deep-nesting", test_deep_nesting);
	ADD("/spec/nul", test_nul);
	ADD("/spec/size", test_size);
	ADD("/spec/not-regular", test_not_regular);
	ADD("/spec/unparseable", test_unparseable);
	ADD("/spec/wrong-types", test_wrong_types);
	ADD("/spec/privilege", test_privilege);
	ADD("/spec/privilege-paths", test_privilege_paths);
	ADD("/spec/options-need-privilege", test_options_need_privilege);
	ADD("/spec/dir-check", test_dir_check);
#undef ADD
	return g_test_run();
}
