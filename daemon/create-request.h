/* A CreateContainer call's arguments, parsed once at the D-Bus edge into types: the
 * id, name and bundle, and every a{sv} option (the seed's NewContainer). Nothing reads
 * the message again after this. */
#pragma once

#include "container.h"

#include <glib.h>

typedef struct {
	char *id;     /* "" or NULL: generate one */
	char *name;   /* "" or NULL: the id */
	char *bundle; /* the caller's bundle dir */
	GHashTable *labels;
	GHashTable *annotations;
	GHashTable *metadata;
	char *image;
	char *image_name;
	char *image_ref;
	char *sandbox;
	char *log_path;
	char *netns_path;
	char *mount_point;
	char *stop_signal;
	char *seccomp_profile_path;
	char *cgroup_parent;
	GPtrArray *volumes; /* OcidVolume */
	gboolean terminal;
	gboolean stdin_open;
	gboolean stdin_once;
	gboolean privileged;
	gboolean trusted;
	gboolean start; /* started once created, before the reply: a run in one call */
} OcidCreateRequest;

OcidCreateRequest *ocid_create_request_new(const char *id, const char *name, const char *bundle);
void ocid_create_request_free(OcidCreateRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcidCreateRequest, ocid_create_request_free)
