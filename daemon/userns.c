#include "userns.h"

#include <stdlib.h>
#include <string.h>

/* Enough for any real /etc/subuid; what is beyond is ignored, not an error. */
#define MAX_RANGES     16
#define SUBID_FILE_MAX (1024 * 1024)

static gboolean
parse_id(const char *s, guint32 *out)
{
	char *end;
	guint64 v;

	if (!g_ascii_isdigit(*s))
		return FALSE;
	v = g_ascii_strtoull(s, &end, 10);
	if (*end != '\0' || v >= G_MAXUINT32)
		return FALSE;
	*out = (guint32)v;
	return TRUE;
}

/* The ranges after container id 0 -> @own_id: each of the owner's lines, in file order,
 * mapped from container id 1 on. A range that holds @own_id would map it twice, which
 * the kernel refuses: it is skipped, as is one that would not fit below 2^32. */
static GArray *
ranges_from(const char *path, const OcidCaller *owner, guint32 own_id)
{
	GArray *ranges = g_array_new(FALSE, FALSE, sizeof(OcidIdRange));
	OcidIdRange first = { 0, own_id, 1 };
	g_autofree char *data = NULL;
	g_autofree char *uid_text = g_strdup_printf("%u", (unsigned)owner->uid);
	g_auto(GStrv) lines = NULL;
	gsize len = 0;
	guint32 next = 1;

	g_array_append_val(ranges, first);
	if (!g_file_get_contents(path, &data, &len, NULL) || len > SUBID_FILE_MAX)
		return ranges;
	lines = g_strsplit(data, "\n", -1);
	for (int i = 0; lines[i] != NULL && ranges->len <= MAX_RANGES; i++) {
		g_auto(GStrv) fields = g_strsplit(lines[i], ":", -1);
		OcidIdRange range = { next, 0, 0 };

		if (g_strv_length(fields) != 3 ||
		    (g_strcmp0(fields[0], owner->name) != 0 && strcmp(fields[0], uid_text) != 0) ||
		    !parse_id(fields[1], &range.host_id) || !parse_id(fields[2], &range.size) ||
		    range.size == 0)
			continue;
		if ((guint64)range.host_id + range.size > G_MAXUINT32 ||
		    (guint64)next + range.size > G_MAXUINT32 ||
		    (own_id >= range.host_id && own_id - range.host_id < range.size))
			continue;
		g_array_append_val(ranges, range);
		next += range.size;
	}
	return ranges;
}

OcidIdMap *
ocid_id_map_for(const OcidCaller *owner, const char *subuid_path, const char *subgid_path)
{
	OcidIdMap *map = g_new0(OcidIdMap, 1);

	map->uids = ranges_from(subuid_path, owner, owner->uid);
	map->gids = ranges_from(subgid_path, owner, owner->gid);
	return map;
}

void
ocid_id_map_free(OcidIdMap *map)
{
	if (map == NULL)
		return;
	g_array_unref(map->uids);
	g_array_unref(map->gids);
	g_free(map);
}

static JsonArray *
mappings_json(GArray *ranges)
{
	JsonArray *array = json_array_new();

	for (guint i = 0; i < ranges->len; i++) {
		const OcidIdRange *r = &g_array_index(ranges, OcidIdRange, i);
		JsonObject *m = json_object_new();

		json_object_set_int_member(m, "containerID", r->container_id);
		json_object_set_int_member(m, "hostID", r->host_id);
		json_object_set_int_member(m, "size", r->size);
		json_array_add_object_element(array, m);
	}
	return array;
}

static gboolean
is_mapped(GArray *ranges, guint32 id)
{
	for (guint i = 0; i < ranges->len; i++) {
		const OcidIdRange *r = &g_array_index(ranges, OcidIdRange, i);
		if (id >= r->container_id && id - r->container_id < r->size)
			return TRUE;
	}
	return FALSE;
}

/* "uid=N" or "gid=N" naming an id @map does not map. */
static gboolean
option_names_unmapped_id(const char *option, const OcidIdMap *map)
{
	guint32 id;

	if (g_str_has_prefix(option, "uid=") && parse_id(option + 4, &id))
		return !is_mapped(map->uids, id);
	if (g_str_has_prefix(option, "gid=") && parse_id(option + 4, &id))
		return !is_mapped(map->gids, id);
	return FALSE;
}

static void
drop_unmapped_id_options(JsonObject *root, const OcidIdMap *map)
{
	JsonArray *mounts = json_object_has_member(root, "mounts")
				? json_object_get_array_member(root, "mounts")
				: NULL;

	for (guint i = 0; mounts != NULL && i < json_array_get_length(mounts); i++) {
		JsonObject *mount = json_array_get_object_element(mounts, i);
		JsonArray *options, *kept;

		if (!json_object_has_member(mount, "options"))
			continue;
		options = json_object_get_array_member(mount, "options");
		kept = json_array_new();
		for (guint j = 0; j < json_array_get_length(options); j++) {
			const char *option = json_array_get_string_element(options, j);
			if (!option_names_unmapped_id(option, map))
				json_array_add_string_element(kept, option);
		}
		json_object_set_array_member(mount, "options", kept);
	}
}

void
ocid_userns_apply(JsonNode *spec, const OcidIdMap *map)
{
	JsonObject *root = json_node_get_object(spec);
	JsonObject *linux_obj, *user_ns = NULL;
	JsonArray *namespaces;

	if (!json_object_has_member(root, "linux"))
		json_object_set_object_member(root, "linux", json_object_new());
	linux_obj = json_object_get_object_member(root, "linux");
	if (!json_object_has_member(linux_obj, "namespaces"))
		json_object_set_array_member(linux_obj, "namespaces", json_array_new());
	namespaces = json_object_get_array_member(linux_obj, "namespaces");
	for (guint i = 0; i < json_array_get_length(namespaces); i++) {
		JsonObject *ns = json_array_get_object_element(namespaces, i);
		if (g_strcmp0(json_object_get_string_member(ns, "type"), "user") == 0)
			user_ns = ns;
	}
	if (user_ns == NULL) {
		user_ns = json_object_new();
		json_object_set_string_member(user_ns, "type", "user");
		json_array_add_object_element(namespaces, user_ns);
	}
	/* A path would join an existing namespace: the allow-list sent that to
	 * create-privileged already, so this one is always new. */
	json_object_remove_member(user_ns, "path");
	json_object_set_array_member(linux_obj, "uidMappings", mappings_json(map->uids));
	json_object_set_array_member(linux_obj, "gidMappings", mappings_json(map->gids));
	drop_unmapped_id_options(root, map);
}
