#include "persist.h"

#include "cleanup.h"
#include "errors.h"
#include "ids.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define STATE_VERSION 1

static void
add_string(JsonBuilder *b, const char *key, const char *value)
{
	json_builder_set_member_name(b, key);
	if (value != NULL)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

static void
add_int(JsonBuilder *b, const char *key, gint64 value)
{
	json_builder_set_member_name(b, key);
	json_builder_add_int_value(b, value);
}

static void
add_bool(JsonBuilder *b, const char *key, gboolean value)
{
	json_builder_set_member_name(b, key);
	json_builder_add_boolean_value(b, value);
}

static void
add_map(JsonBuilder *b, const char *key, GHashTable *map)
{
	GHashTableIter iter;
	gpointer k, v;

	json_builder_set_member_name(b, key);
	json_builder_begin_object(b);
	g_hash_table_iter_init(&iter, map);
	while (g_hash_table_iter_next(&iter, &k, &v)) {
		json_builder_set_member_name(b, k);
		json_builder_add_string_value(b, v);
	}
	json_builder_end_object(b);
}

char *
ocid_persist_to_json(const OcidContainer *c)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object(b);
	add_int(b, "version", STATE_VERSION);
	add_string(b, "id", c->id);
	add_string(b, "name", c->name);
	add_string(b, "bundle_path", c->bundle_path);
	add_string(b, "log_path", c->log_path);
	add_string(b, "dir", c->dir);
	add_string(b, "mount_point", c->mount_point);
	add_string(b, "image", c->image);
	add_string(b, "image_name", c->image_name);
	add_string(b, "image_ref", c->image_ref);
	add_string(b, "sandbox", c->sandbox);
	add_string(b, "stop_signal", c->stop_signal);
	add_string(b, "seccomp_profile_path", c->seccomp_profile_path);
	add_string(b, "netns_path", c->netns_path);
	add_string(b, "runtime_path", c->runtime_path);
	add_string(b, "unit", c->unit);
	add_string(b, "control_group", c->control_group);
	add_string(b, "cgroups_path", c->cgroups_path);
	add_map(b, "labels", c->labels);
	add_map(b, "annotations", c->annotations);
	add_map(b, "metadata", c->metadata);
	json_builder_set_member_name(b, "volumes");
	json_builder_begin_array(b);
	for (guint i = 0; i < c->volumes->len; i++) {
		const OcidVolume *v = g_ptr_array_index(c->volumes, i);
		json_builder_begin_object(b);
		add_string(b, "container_path", v->container_path);
		add_string(b, "host_path", v->host_path);
		add_bool(b, "readonly", v->readonly);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	add_bool(b, "terminal", c->terminal);
	add_bool(b, "stdin", c->stdin_open);
	add_bool(b, "stdin_once", c->stdin_once);
	add_bool(b, "privileged", c->privileged);
	add_bool(b, "trusted", c->trusted);
	add_bool(b, "fifo_start", c->fifo_start);
	if (c->log_owned >= 0)
		add_bool(b, "log_owned", c->log_owned);
	add_int(b, "created_usec", (gint64)c->created_usec);
	add_string(b, "state", ocid_container_state_to_string(c->state));
	add_int(b, "pid", c->pid);
	add_int(b, "exit_code", c->exit_code);
	add_bool(b, "oom_killed", c->oom_killed);
	add_string(b, "error", c->error);
	add_int(b, "started_usec", (gint64)c->started_usec);
	add_int(b, "finished_usec", (gint64)c->finished_usec);
	add_int(b, "monitor_pid", c->monitor_pid);
	add_int(b, "monitor_start_time", (gint64)c->monitor_start_time);
	add_int(b, "pid_start_time", (gint64)c->pid_start_time);
	json_builder_end_object(b);

	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	return json_generator_to_data(gen, NULL);
}

/* Typed readers: a member of the wrong type is an error, an absent one keeps the default. */
static gboolean
read_string(JsonObject *o, const char *key, char **out, const char *origin, GError **error)
{
	JsonNode *node = json_object_get_member(o, key);

	if (node == NULL || JSON_NODE_HOLDS_NULL(node))
		return TRUE;
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "%s: member '%s' must be a string", origin, key);
		return FALSE;
	}
	g_free(*out);
	*out = g_strdup(json_node_get_string(node));
	return TRUE;
}

static gboolean
read_int(JsonObject *o, const char *key, gint64 min, gint64 max, gint64 *out, const char *origin,
	 GError **error)
{
	JsonNode *node = json_object_get_member(o, key);
	gint64 value;

	if (node == NULL)
		return TRUE;
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "%s: member '%s' must be an integer", origin, key);
		return FALSE;
	}
	value = json_node_get_int(node);
	if (value < min || value > max) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "%s: member '%s' is out of range", origin, key);
		return FALSE;
	}
	*out = value;
	return TRUE;
}

static gboolean
read_bool(JsonObject *o, const char *key, int *out, const char *origin, GError **error)
{
	JsonNode *node = json_object_get_member(o, key);

	if (node == NULL)
		return TRUE;
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "%s: member '%s' must be true or false", origin, key);
		return FALSE;
	}
	*out = json_node_get_boolean(node);
	return TRUE;
}

static gboolean
read_map(JsonObject *o, const char *key, GHashTable *map, const char *origin, GError **error)
{
	JsonNode *node = json_object_get_member(o, key);
	JsonObject *obj;
	g_autoptr(GList) members = NULL;

	if (node == NULL || JSON_NODE_HOLDS_NULL(node))
		return TRUE;
	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "%s: member '%s' must be an object of strings", origin, key);
		return FALSE;
	}
	obj = json_node_get_object(node);
	members = json_object_get_members(obj);
	for (GList *l = members; l != NULL; l = l->next) {
		JsonNode *value = json_object_get_member(obj, l->data);
		if (!JSON_NODE_HOLDS_VALUE(value) ||
		    json_node_get_value_type(value) != G_TYPE_STRING) {
			g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
				    "%s: '%s.%s' must be a string", origin, key,
				    (const char *)l->data);
			return FALSE;
		}
		g_hash_table_replace(map, g_strdup(l->data), g_strdup(json_node_get_string(value)));
	}
	return TRUE;
}

static gboolean
read_volumes(JsonObject *o, GPtrArray *volumes, const char *origin, GError **error)
{
	JsonNode *node = json_object_get_member(o, "volumes");
	JsonArray *array;

	if (node == NULL || JSON_NODE_HOLDS_NULL(node))
		return TRUE;
	if (!JSON_NODE_HOLDS_ARRAY(node))
		goto bad;
	array = json_node_get_array(node);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonNode *element = json_array_get_element(array, i);
		g_autoptr(OcidVolume) volume = g_new0(OcidVolume, 1);
		JsonObject *vo;

		if (!JSON_NODE_HOLDS_OBJECT(element))
			goto bad;
		vo = json_node_get_object(element);
		if (!read_string(vo, "container_path", &volume->container_path, origin, error) ||
		    !read_string(vo, "host_path", &volume->host_path, origin, error) ||
		    !read_bool(vo, "readonly", &volume->readonly, origin, error))
			return FALSE;
		if (volume->container_path == NULL || volume->host_path == NULL)
			goto bad;
		g_ptr_array_add(volumes, g_steal_pointer(&volume));
	}
	return TRUE;
bad:
	g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
		    "%s: member 'volumes' must be a list of {container_path, host_path, readonly}",
		    origin);
	return FALSE;
}

OcidContainer *
ocid_persist_from_json(const char *data, gsize len, const char *origin, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) parse_error = NULL;
	g_autoptr(OcidContainer) c = NULL;
	g_autofree char *id = NULL;
	g_autofree char *name = NULL;
	g_autofree char *state = NULL;
	JsonNode *root;
	JsonObject *o;
	gint64 number = 0;

	if (!json_parser_load_from_data(parser, data, (gssize)len, &parse_error)) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "%s: not valid JSON: %s", origin, parse_error->message);
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "%s: the top level must be an object", origin);
		return NULL;
	}
	o = json_node_get_object(root);
	if (!read_int(o, "version", STATE_VERSION, STATE_VERSION, &number, origin, error))
		return NULL;
	if (!read_string(o, "id", &id, origin, error) ||
	    !read_string(o, "name", &name, origin, error) ||
	    !read_string(o, "state", &state, origin, error))
		return NULL;
	if (!ocid_id_is_valid(id) || !ocid_id_is_valid(name)) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "%s: missing or invalid 'id' or 'name'", origin);
		return NULL;
	}
	c = ocid_container_new(id, name);
	if (!ocid_container_state_from_string(state, &c->state)) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "%s: 'state' must be created, running, paused or stopped", origin);
		return NULL;
	}

#define STR(key, field)                                                                            \
	if (!read_string(o, key, &c->field, origin, error))                                        \
	return NULL
	STR("bundle_path", bundle_path);
	STR("log_path", log_path);
	STR("dir", dir);
	STR("mount_point", mount_point);
	STR("image", image);
	STR("image_name", image_name);
	STR("image_ref", image_ref);
	STR("sandbox", sandbox);
	STR("stop_signal", stop_signal);
	STR("seccomp_profile_path", seccomp_profile_path);
	STR("netns_path", netns_path);
	STR("runtime_path", runtime_path);
	STR("unit", unit);
	STR("control_group", control_group);
	STR("cgroups_path", cgroups_path);
	STR("error", error);
#undef STR

	if (!read_map(o, "labels", c->labels, origin, error) ||
	    !read_map(o, "annotations", c->annotations, origin, error) ||
	    !read_map(o, "metadata", c->metadata, origin, error) ||
	    !read_volumes(o, c->volumes, origin, error))
		return NULL;
	if (!read_bool(o, "terminal", &c->terminal, origin, error) ||
	    !read_bool(o, "stdin", &c->stdin_open, origin, error) ||
	    !read_bool(o, "stdin_once", &c->stdin_once, origin, error) ||
	    !read_bool(o, "privileged", &c->privileged, origin, error) ||
	    !read_bool(o, "trusted", &c->trusted, origin, error) ||
	    !read_bool(o, "fifo_start", &c->fifo_start, origin, error) ||
	    !read_bool(o, "log_owned", &c->log_owned, origin, error) ||
	    !read_bool(o, "oom_killed", &c->oom_killed, origin, error))
		return NULL;

#define INT(key, field, min, max)                                                                  \
	number = (gint64)c->field;                                                                 \
	if (!read_int(o, key, min, max, &number, origin, error))                                   \
		return NULL;                                                                       \
	c->field = (__typeof__(c->field))number
	INT("created_usec", created_usec, 0, G_MAXINT64);
	INT("started_usec", started_usec, 0, G_MAXINT64);
	INT("finished_usec", finished_usec, 0, G_MAXINT64);
	INT("pid", pid, 0, G_MAXINT32);
	INT("exit_code", exit_code, G_MININT32, G_MAXINT32);
	INT("monitor_pid", monitor_pid, 0, G_MAXINT32);
	INT("monitor_start_time", monitor_start_time, 0, G_MAXINT64);
	INT("pid_start_time", pid_start_time, 0, G_MAXINT64);
#undef INT

	if (c->dir == NULL || c->bundle_path == NULL) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "%s: missing 'dir' or 'bundle_path'", origin);
		return NULL;
	}
	return g_steal_pointer(&c);
}

static gboolean
write_file(const char *path, const char *data, gsize len, int mode, gboolean durable,
	   GError **error)
{
	g_autofree char *tmp = g_strdup_printf("%s.tmp", path);
	g_autofree char *dirname = g_path_get_dirname(path);
	ocid_autofd int fd = -1;
	ocid_autofd int dirfd = -1;
	gsize done = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		goto fail;
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		done += (gsize)n;
	}
	if (durable && fsync(fd) < 0)
		goto fail;
	if (rename(tmp, path) < 0)
		goto fail;
	if (!durable)
		return TRUE;
	dirfd = open(dirname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd >= 0)
		(void)fsync(dirfd);
	return TRUE;
fail : {
	int saved_errno = errno;
	(void)unlink(tmp);
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved_errno), "Cannot write %s: %s",
		    path, g_strerror(saved_errno));
	return FALSE;
}
}

gboolean
ocid_write_file_atomic(const char *path, const char *data, gsize len, int mode, GError **error)
{
	return write_file(path, data, len, mode, TRUE, error);
}

gboolean
ocid_write_file_replace(const char *path, const char *data, gsize len, int mode, GError **error)
{
	return write_file(path, data, len, mode, FALSE, error);
}

gboolean
ocid_persist_save(OcidContainer *container, gboolean durable, GError **error)
{
	g_autofree char *json = ocid_persist_to_json(container);

	return write_file(container->state_path, json, strlen(json), 0600, durable, error);
}

OcidContainer *
ocid_persist_load(const char *path, GError **error)
{
	g_autofree char *data = NULL;
	gsize len = 0;
	OcidContainer *c;

	if (!g_file_get_contents(path, &data, &len, error))
		return NULL;
	c = ocid_persist_from_json(data, len, path, error);
	if (c != NULL) {
		g_free(c->state_path);
		c->state_path = g_strdup(path);
	}
	return c;
}
