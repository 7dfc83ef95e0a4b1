#include "store.h"

struct OcidStore {
	GHashTable *by_id; /* id -> OcidContainer, owning */
	/* name -> OcidContainer, for the names that are not their container's id: most are,
	 * and a table of thousands costs some 40 bytes a container. No name is another
	 * container's id (create.c checks), so by_id answers for the others. */
	GHashTable *by_name;
};

OcidStore *
ocid_store_new(void)
{
	OcidStore *store = g_new0(OcidStore, 1);

	store->by_id = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					     (GDestroyNotify)ocid_container_free);
	store->by_name = g_hash_table_new(g_str_hash, g_str_equal);
	return store;
}

void
ocid_store_free(OcidStore *store)
{
	if (store == NULL)
		return;
	g_hash_table_unref(store->by_name);
	g_hash_table_unref(store->by_id);
	g_free(store);
}

void
ocid_store_add(OcidStore *store, OcidContainer *container)
{
	g_hash_table_insert(store->by_id, container->id, container);
	if (g_strcmp0(container->name, container->id) != 0)
		g_hash_table_insert(store->by_name, container->name, container);
}

void
ocid_store_remove(OcidStore *store, OcidContainer *container)
{
	g_hash_table_remove(store->by_name, container->name);
	g_hash_table_remove(store->by_id, container->id);
}

OcidContainer *
ocid_store_get(OcidStore *store, const char *id)
{
	return g_hash_table_lookup(store->by_id, id);
}

OcidContainer *
ocid_store_get_by_name(OcidStore *store, const char *name)
{
	OcidContainer *container = g_hash_table_lookup(store->by_name, name);

	if (container == NULL) {
		container = g_hash_table_lookup(store->by_id, name);
		if (container != NULL && g_strcmp0(container->name, container->id) != 0)
			container = NULL;
	}
	return container;
}

OcidContainer *
ocid_store_lookup(OcidStore *store, const char *id_or_name)
{
	OcidContainer *container = ocid_store_get(store, id_or_name);

	if (container == NULL)
		container = ocid_store_get_by_name(store, id_or_name);
	return container != NULL && container->state != OCID_STATE_CREATING ? container : NULL;
}

guint
ocid_store_count(OcidStore *store)
{
	GHashTableIter iter;
	gpointer value;
	guint count = 0;

	g_hash_table_iter_init(&iter, store->by_id);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		if (((OcidContainer *)value)->state != OCID_STATE_CREATING)
			count++;
	return count;
}

static gboolean
labels_match(GHashTable *have, GHashTable *want)
{
	GHashTableIter iter;
	gpointer key, value;

	if (want == NULL)
		return TRUE;
	g_hash_table_iter_init(&iter, want);
	while (g_hash_table_iter_next(&iter, &key, &value))
		if (have == NULL || g_strcmp0(g_hash_table_lookup(have, key), value) != 0)
			return FALSE;
	return TRUE;
}

static gboolean
filter_matches(const OcidStoreFilter *filter, const OcidContainer *c)
{
	if (c->state == OCID_STATE_CREATING)
		return FALSE;
	if (filter == NULL)
		return TRUE;
	if (filter->has_state && c->state != filter->state)
		return FALSE;
	if (filter->name != NULL && g_strcmp0(filter->name, c->name) != 0)
		return FALSE;
	if (filter->sandbox != NULL && g_strcmp0(filter->sandbox, c->sandbox) != 0)
		return FALSE;
	if (filter->has_owner && c->owner_uid != filter->owner_uid)
		return FALSE;
	return labels_match(c->labels, filter->labels);
}

/* The seed's History: newest first; the id breaks ties so the order is stable. */
static int
compare_newest_first(gconstpointer a, gconstpointer b)
{
	const OcidContainer *ca = *(OcidContainer *const *)a;
	const OcidContainer *cb = *(OcidContainer *const *)b;

	if (ca->created_usec != cb->created_usec)
		return ca->created_usec > cb->created_usec ? -1 : 1;
	return g_strcmp0(ca->id, cb->id);
}

GPtrArray *
ocid_store_list(OcidStore *store, const OcidStoreFilter *filter)
{
	GPtrArray *list = g_ptr_array_new();
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, store->by_id);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		if (filter_matches(filter, value))
			g_ptr_array_add(list, value);
	g_ptr_array_sort(list, compare_newest_first);
	return list;
}

void
ocid_store_filter_clear(OcidStoreFilter *filter)
{
	g_clear_pointer(&filter->name, g_free);
	g_clear_pointer(&filter->sandbox, g_free);
	g_clear_pointer(&filter->labels, g_hash_table_unref);
}

GPtrArray *
ocid_store_list_all(OcidStore *store)
{
	GPtrArray *list = g_ptr_array_new();
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, store->by_id);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		g_ptr_array_add(list, value);
	return list;
}
