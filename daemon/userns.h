/* The user namespace of a confined container: its root is the owner's uid and primary
 * gid, and ids 1 and up map into the owner's ranges in /etc/subuid and /etc/subgid where
 * she has them, by the rules newuidmap(1) follows (a line names her by user name or by
 * uid); without a range only id 0 is mapped. The runtime, running as root, writes the
 * maps; the kernel then confines whatever the container does to what its owner may do. */
#pragma once

#include "caller.h"

#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct {
	guint32 container_id;
	guint32 host_id;
	guint32 size;
} OcidIdRange;

typedef struct {
	GArray *uids; /* OcidIdRange, the first one container 0 -> the owner */
	GArray *gids;
} OcidIdMap;

/* Reads /etc/subuid and /etc/subgid (or the files named, for tests); a missing file or a
 * line that does not parse only means no range from it. May block: not on the main loop. */
OcidIdMap *ocid_id_map_for(const OcidCaller *owner, const char *subuid_path,
			   const char *subgid_path);
void ocid_id_map_free(OcidIdMap *map);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcidIdMap, ocid_id_map_free)

/* Puts @spec (from ocid_spec_load_bundle()) in a new user namespace with @map: a user
 * namespace without a path, linux.uidMappings and gidMappings, and mount options naming a
 * uid or gid the namespace does not map (runc spec's "gid=5" on devpts) left out, since
 * the kernel would refuse the mount. */
void ocid_userns_apply(JsonNode *spec, const OcidIdMap *map);
