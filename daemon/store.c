#include "store.h"

#include <stdlib.h>

struct OcidStore {
	GHashTable *by_id; /* id -> OcidContainer, owning */
	/* name -> OcidContainer, for the names that are not their container's id: most are,
	 * and a table of thousands costs some 40 bytes a container. No name is another
	 * container's id (create.c checks), so by_id answers for the others. */
	GHashTable *by_name;
	/* Every container, oldest first once sorted: a list is a walk, not a sort of the
	 * whole store (at 1,000 containers that was a fifth of each ListContainers). A create
	 * adds the newest, so the order holds; a restore adds in the dir's order, and the
	 * first list sorts once. */
	GPtrArray *by_age;
	gboolean by_age_sorted;
};

OcidStore *
ocid_store_new(void)
{
	OcidStore *store = g_new0(OcidStore, 1);

	store->by_id = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					     (GDestroyNotify)ocid_container_free);
	store->by_name = g_hash_table_new(g_str_hash, g_str_equal);
	store->by_age = g_ptr_array_new();
	store->by_age_sorted = TRUE;
	return store;
}

void
ocid_store_free(OcidStore *store)
{
	if (store == NULL)
		return;
	g_ptr_array_unref(store->by_age);
	g_hash_table_unref(store->by_name);
	g_hash_table_unref(store->by_id);
	g_free(store);
}

/* The seed's History, newest first, read from the oldest end: the id breaks ties so the
 * order is stable. */
static int
compare_age(const OcidContainer *a, const OcidContainer *b)
{
	if (a->created_usec != b->created_usec)
		return a->created_usec < b->created_usec ? -1 : 1;
	return -g_strcmp0(a->id, b->id);
}

void
ocid_store_add(OcidStore *store, OcidContainer *container)
{
	g_hash_table_insert(store->by_id, container->id, container);
	if (g_strcmp0(container->name, container->id) != 0)
		g_hash_table_insert(store->by_name, container->name, container);
	if (store->by_age->len > 0 &&
	    compare_age(g_ptr_array_index(store->by_age, store->by_age->len - 1), container) > 0)
		store->by_age_sorted = FALSE;
	g_ptr_array_add(store->by_age, container);
}

/* Where @container is in the sorted by_age. */
static guint
age_index(OcidStore *store, const OcidContainer *container)
{
	guint low = 0, high = store->by_age->len;

	while (low < high) {
		guint mid = low + (high - low) / 2;

		if (compare_age(g_ptr_array_index(store->by_age, mid), container) < 0)
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}

void
ocid_store_remove(OcidStore *store, OcidContainer *container)
{
	guint i = store->by_age_sorted ? age_index(store, container) : store->by_age->len;

	if (i < store->by_age->len && g_ptr_array_index(store->by_age, i) == container)
		g_ptr_array_remove_index(store->by_age, i);
	else
		g_ptr_array_remove(store->by_age, container);
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
ocid_store_count_in_state(OcidStore *store, OcidContainerState state)
{
	guint count = 0;

	for (guint i = 0; i < store->by_age->len; i++)
		if (((OcidContainer *)store->by_age->pdata[i])->state == state)
			count++;
	return count;
}

guint
ocid_store_count(OcidStore *store)
{
	return store->by_age->len - ocid_store_count_in_state(store, OCID_STATE_CREATING);
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

typedef struct {
	uint64_t created_usec;
	OcidContainer *container;
} AgeKey;

static int
compare_age_keys(gconstpointer a, gconstpointer b)
{
	const AgeKey *ka = a, *kb = b;

	if (ka->created_usec != kb->created_usec)
		return ka->created_usec < kb->created_usec ? -1 : 1;
	return compare_age(ka->container, kb->container);
}

/* Sorted on keys copied out once: a sort through the pointers reads a container from
 * memory at each of its n log n comparisons. */
static void
sort_by_age(OcidStore *store)
{
	guint n = store->by_age->len;
	g_autofree AgeKey *keys = NULL;

	/* qsort() takes no NULL array, which an empty GPtrArray has. */
	store->by_age_sorted = TRUE;
	if (n < 2)
		return;
	keys = g_new(AgeKey, n);
	for (guint i = 0; i < n; i++) {
		keys[i].container = store->by_age->pdata[i];
		keys[i].created_usec = keys[i].container->created_usec;
	}
	qsort(keys, n, sizeof *keys, compare_age_keys);
	for (guint i = 0; i < n; i++)
		store->by_age->pdata[i] = keys[i].container;
}

GPtrArray *
ocid_store_list(OcidStore *store, const OcidStoreFilter *filter)
{
	GPtrArray *list = g_ptr_array_new();

	if (!store->by_age_sorted)
		sort_by_age(store);
	for (guint i = store->by_age->len; i-- > 0;)
		if (filter_matches(filter, store->by_age->pdata[i]))
			g_ptr_array_add(list, store->by_age->pdata[i]);
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
	GPtrArray *list = g_ptr_array_sized_new(store->by_age->len);

	for (guint i = 0; i < store->by_age->len; i++)
		g_ptr_array_add(list, store->by_age->pdata[i]);
	return list;
}
