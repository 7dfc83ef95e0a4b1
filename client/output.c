/* What ocictl prints: short ids for tables, JSON for scripts (every D-Bus property under
 * its D-Bus name), times as RFC 3339. */
#include "ctl.h"

#include <stdio.h>

#define SHORT_ID_LENGTH 12

char *
ocictl_short_id(const char *id, gboolean no_trunc)
{
	if (no_trunc || strlen(id) <= SHORT_ID_LENGTH)
		return g_strdup(id);
	return g_strndup(id, SHORT_ID_LENGTH);
}

void
ocictl_print_json(JsonNode *node, gboolean pretty)
{
	g_autoptr(JsonGenerator) generator = json_generator_new();
	g_autofree char *text = NULL;

	json_generator_set_pretty(generator, pretty);
	json_generator_set_indent(generator, 4);
	json_generator_set_root(generator, node);
	text = json_generator_to_data(generator, NULL);
	fputs(text, stdout);
	fputc('\n', stdout);
}

/* GVariant to JSON, the way a script expects it: dictionaries as objects, tuples and
 * arrays as arrays, 64-bit numbers as numbers. */
static JsonNode *
variant_to_json(GVariant *value)
{
	JsonNode *node;

	if (g_variant_is_of_type(value, G_VARIANT_TYPE_VARIANT)) {
		g_autoptr(GVariant) inner = g_variant_get_variant(value);
		return variant_to_json(inner);
	}
	switch (g_variant_classify(value)) {
	case G_VARIANT_CLASS_BOOLEAN:
		node = json_node_new(JSON_NODE_VALUE);
		json_node_set_boolean(node, g_variant_get_boolean(value));
		return node;
	case G_VARIANT_CLASS_BYTE:
	case G_VARIANT_CLASS_INT16:
	case G_VARIANT_CLASS_UINT16:
	case G_VARIANT_CLASS_INT32:
	case G_VARIANT_CLASS_UINT32:
	case G_VARIANT_CLASS_INT64:
	case G_VARIANT_CLASS_UINT64:
	case G_VARIANT_CLASS_HANDLE:
	case G_VARIANT_CLASS_DOUBLE:
		return json_gvariant_serialize(value);
	case G_VARIANT_CLASS_STRING:
	case G_VARIANT_CLASS_OBJECT_PATH:
	case G_VARIANT_CLASS_SIGNATURE:
		node = json_node_new(JSON_NODE_VALUE);
		json_node_set_string(node, g_variant_get_string(value, NULL));
		return node;
	case G_VARIANT_CLASS_ARRAY:
		if (g_variant_type_is_dict_entry(
			g_variant_type_element(g_variant_get_type(value)))) {
			JsonObject *object = json_object_new();
			GVariantIter iter;
			GVariant *entry;

			g_variant_iter_init(&iter, value);
			while ((entry = g_variant_iter_next_value(&iter)) != NULL) {
				g_autoptr(GVariant) key = g_variant_get_child_value(entry, 0);
				g_autoptr(GVariant) item = g_variant_get_child_value(entry, 1);
				g_autofree char *name =
				    g_variant_is_of_type(key, G_VARIANT_TYPE_STRING)
					? g_variant_dup_string(key, NULL)
					: g_variant_print(key, FALSE);
				json_object_set_member(object, name, variant_to_json(item));
				g_variant_unref(entry);
			}
			node = json_node_new(JSON_NODE_OBJECT);
			json_node_take_object(node, object);
			return node;
		}
		/* Other arrays as tuples are. */
		G_GNUC_FALLTHROUGH;
	case G_VARIANT_CLASS_TUPLE:
	case G_VARIANT_CLASS_DICT_ENTRY: {
		JsonArray *array = json_array_new();
		GVariantIter iter;
		GVariant *child;

		g_variant_iter_init(&iter, value);
		while ((child = g_variant_iter_next_value(&iter)) != NULL) {
			json_array_add_element(array, variant_to_json(child));
			g_variant_unref(child);
		}
		node = json_node_new(JSON_NODE_ARRAY);
		json_node_take_array(node, array);
		return node;
	}
	case G_VARIANT_CLASS_MAYBE:
	case G_VARIANT_CLASS_VARIANT:
		break;
	}
	return json_node_new(JSON_NODE_NULL);
}

JsonNode *
ocictl_properties_to_json(GVariant *properties)
{
	return variant_to_json(properties);
}

char *
ocictl_format_time(guint64 usec)
{
	g_autoptr(GDateTime) when = NULL;

	if (usec == 0)
		return g_strdup("");
	when = g_date_time_new_from_unix_local((gint64)(usec / G_USEC_PER_SEC));
	return when != NULL ? g_date_time_format(when, "%FT%T%:z") : g_strdup("");
}
