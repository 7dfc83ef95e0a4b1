/* Whether a bundle's spec can reach the host, so that creating it needs the polkit action
 * org.oci.Runtime.create-privileged. The decision is made on the spec as
 * ocid_spec_load_bundle() parsed and type-checked it, the same object the container is
 * then created from, so the bundle is read once and cannot change in between. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* Returns TRUE when @spec (from ocid_spec_load_bundle()) needs create-privileged: it
 * shares a host namespace (one of pid, ipc, uts, mount, network is left out, or joined by
 * path), adds capabilities beyond Docker's default set, has OCI hooks, has linux.devices,
 * has a root.path outside the bundle, bind-mounts a source outside the bundle and the dirs
 * of @bind_allowed (ocid.conf's bind_mount_allowlist; NULL or empty: none), or mounts a
 * filesystem other than proc, sysfs, tmpfs, devpts, mqueue and cgroup (one of the host's:
 * a device, an overlay of host dirs). @reason,
 * when not NULL, gets one phrase saying which ("it shares the host's pid namespace"), for
 * the polkit and log messages, or NULL.
 *
 * An absolute root.path or bind source is inside when it resolves (symlinks followed, as
 * runc follows them) under the resolved @bundle_path; a relative one is resolved against
 * @bundle_path; one that cannot be resolved counts as outside. Without @bundle_path
 * (NULL), every absolute one, and every one with a '..' component, counts as outside. */
gboolean ocid_spec_needs_privilege(JsonNode *spec, const char *bundle_path,
				   const char *const *bind_allowed, char **reason);
