/* The in-memory store of containers: owns them, finds them by id or name, lists them
 * newest first with the seed's StoreFilter (state, name, sandbox, labels) and the owner. A
 * container being created (CREATING) holds its id and name here, so ocid_store_get() and
 * ocid_store_get_by_name() find it, but it is not announced yet: lookup, count and list
 * leave it out. */
#pragma once

#include "container.h"

#include <glib.h>

typedef struct OcidStore OcidStore;

typedef struct {
	gboolean has_state;
	OcidContainerState state;
	char *name;
	char *sandbox;
	gboolean has_owner;
	uint32_t owner_uid;
	GHashTable *labels; /* all must match; NULL for none */
} OcidStoreFilter;

OcidStore *ocid_store_new(void);
void ocid_store_free(OcidStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcidStore, ocid_store_free)

/* Takes ownership. The id and name must be free (checked by the caller). */
void ocid_store_add(OcidStore *store, OcidContainer *container);
/* Frees the container. */
void ocid_store_remove(OcidStore *store, OcidContainer *container);

OcidContainer *ocid_store_get(OcidStore *store, const char *id);
OcidContainer *ocid_store_get_by_name(OcidStore *store, const char *name);
OcidContainer *ocid_store_lookup(OcidStore *store, const char *id_or_name);
/* The announced containers (none being created), and of them those in @state: walks, no
 * list. */
guint ocid_store_count(OcidStore *store);
guint ocid_store_count_in_state(OcidStore *store, OcidContainerState state);

/* Newest first; the array does not own the containers. @filter may be NULL. */
GPtrArray *ocid_store_list(OcidStore *store, const OcidStoreFilter *filter);

/* Every container, CREATING ones included, in no order. */
GPtrArray *ocid_store_list_all(OcidStore *store);

void ocid_store_filter_clear(OcidStoreFilter *filter);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OcidStoreFilter, ocid_store_filter_clear)
