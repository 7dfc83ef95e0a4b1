/* Whether a bundle's spec asks for more than its creator's own authority, so that
 * creating it needs the polkit action org.oci.Runtime.create-privileged (and it then runs
 * as host root). The decision is an allow-list, made on the spec as
 * ocid_spec_load_bundle() parsed and type-checked it, the same object the container is
 * then created from, so the bundle is read once and cannot change in between. Root's
 * containers need no decision: they run as host root, as CRI-O's do. */
#pragma once

#include "caller.h"

#include <glib.h>
#include <json-glib/json-glib.h>

/* The allow-list of a confined container (one that runs in a user namespace whose root is
 * its non-root owner, @caller): returns TRUE when @spec asks for something the runtime
 * would do as host root on her behalf, which then needs create-privileged. That is: OCI
 * hooks, a seccomp listener, linux.devices, device access in linux.resources.devices, a
 * negative oomScoreAdj, intelRdt or raw cgroup files (linux.resources.unified), a host
 * namespace (one of pid, ipc, uts, mount, network left out, or any joined by path), a
 * runtime's own annotations (ocid_annotation_is_runtimes()), a
 * filesystem type other than the kernel's own (proc, sysfs, tmpfs, devpts, mqueue,
 * cgroup), and a root.path or bind source @caller cannot reach herself. Everything else
 * (capabilities, sysctls, rlimits, proc and sysfs mounts) the kernel confines to her user
 * namespace. Paths are resolved with @caller's authority: call it in a worker thread. */
gboolean ocid_spec_confined_needs_privilege(JsonNode *spec, const char *bundle_path,
					    const OcidCaller *caller, char **reason);

/* Whether the runtime makes @mount (an element of the spec's mounts, type-checked) a bind
 * mount: type "bind", or a "bind" or "rbind" option whatever the type, as runc and crun
 * read it (here without regard to case, which only errs towards "bind"). */
gboolean ocid_mount_is_bind(JsonObject *mount);

/* Whether annotation @key instructs the runtime (runc's org.systemd.property.*, crun's
 * run.oci.*) rather than describing the container. */
gboolean ocid_annotation_is_runtimes(const char *key);
