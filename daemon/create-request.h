/* A CreateContainer call's arguments, parsed once at the D-Bus edge into types: the
 * id, name and bundle, and every a{sv} option (the seed's NewContainer). Nothing reads
 * the message again after this. */
#pragma once

#include "caller.h"
#include "config.h"
#include "container.h"
#include "userns.h"

#include <glib.h>
#include <json-glib/json-glib.h>

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
	GPtrArray *env;     /* NAME=VALUE: set in process.env, replacing the bundle's */
	gboolean terminal;
	gboolean stdin_open;
	gboolean stdin_once;
	gboolean privileged;
	gboolean trusted;
	gboolean start;           /* started once created, before the reply: a run in one call */
	char *restart_policy;     /* restart.h's names; checked by ocid_manager_create_check */
	uint32_t restart_max;     /* for on-failure; 0: no limit */
	int restart_policy_value; /* an OcidRestartPolicy, once checked */
	struct OcidHealthConfig *healthcheck; /* checked by ocid_manager_create_check */
	char *log_driver_name;                /* the log_driver option; NULL: the configured one */
	int machined;                         /* the machined option; -1: the configured default */
	char *notify_name;                    /* the notify option (notify.h) */
	int notify_value;                     /* an OcidNotifyMode, once checked */
	/* Decided by ocid_create_request_apply_config() from the two above. */
	OcidLogDriver log_driver;
	/* The files the caller named, read by ocid_create_request_load_files() off the main
	 * loop: the bundle's config.json, and the seccomp profile (NULL without one). */
	JsonNode *spec;
	JsonNode *seccomp;

	/* Who asked; NULL for root. Every file named above is opened with her authority. */
	OcidCaller *caller;
	/* Decided by ocid_create_request_prepare() for a non-root caller: why the container
	 * needs create-privileged (NULL: it does not), or else that it is confined, in a
	 * user namespace mapped by @id_map. */
	char *privilege_reason;
	gboolean confined;
	OcidIdMap *id_map;
	/* log_path as the caller's own lookup resolved it: compared with other containers'
	 * logs, which it may not be. */
	char *log_path_resolved;
	gboolean prepared; /* ocid_create_request_prepare() has run */
} OcidCreateRequest;

OcidCreateRequest *ocid_create_request_new(const char *id, const char *name, const char *bundle);
void ocid_create_request_free(OcidCreateRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcidCreateRequest, ocid_create_request_free)

/* The options whose default is the configuration's (log_driver, machined), resolved and
 * checked against the rest of the request once its id and name are final: log_path goes
 * with the k8s-file driver only, and a container registered with machined needs a name or
 * id that is a valid machine name (machined.h). */
gboolean ocid_create_request_apply_config(OcidCreateRequest *request, const OcidConfig *config,
					  GError **error);

/* Reads and parses the files the request names (bounded, regular files only). It
 * touches nothing but @request, so it may run in a worker thread: a caller's files
 * never hold up the main loop. */
gboolean ocid_create_request_load_files(OcidCreateRequest *request, GError **error);

/* Everything about the request that touches the caller's files, in a worker thread: the
 * files are read (ocid_create_request_load_files()), log_path checked (and, for a
 * non-root caller, created if missing, as hers), volumes, netns_path, root.path and bind
 * sources resolved, all with @request->caller's authority; then, for a non-root caller,
 * the allow-list decides whether the container can be confined. Nothing here runs on the
 * main loop or reads another request. */
gboolean ocid_create_request_prepare(OcidCreateRequest *request, GError **error);
