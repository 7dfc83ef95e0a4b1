#include "create-request.h"

#include "bounded-read.h"
#include "cleanup.h"
#include "errors.h"
#include "health.h"
#include "input-limits.h"
#include "machined.h"
#include "privilege.h"
#include "seccomp-profile.h"
#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

OcidCreateRequest *
ocid_create_request_new(const char *id, const char *name, const char *bundle)
{
	OcidCreateRequest *request = g_new0(OcidCreateRequest, 1);

	request->id = g_strdup(id);
	request->name = g_strdup(name);
	request->bundle = g_strdup(bundle);
	request->labels = ocid_string_map_new();
	request->annotations = ocid_string_map_new();
	request->metadata = ocid_string_map_new();
	request->volumes = g_ptr_array_new_with_free_func((GDestroyNotify)ocid_volume_free);
	request->env = g_ptr_array_new_with_free_func(g_free);
	/* The seed's default: a container is trusted unless the caller says otherwise. */
	request->trusted = TRUE;
	request->machined = -1;
	return request;
}

void
ocid_create_request_free(OcidCreateRequest *request)
{
	if (request == NULL)
		return;
	g_free(request->id);
	g_free(request->name);
	g_free(request->bundle);
	g_clear_pointer(&request->labels, g_hash_table_unref);
	g_clear_pointer(&request->annotations, g_hash_table_unref);
	g_clear_pointer(&request->metadata, g_hash_table_unref);
	g_free(request->image);
	g_free(request->image_name);
	g_free(request->image_ref);
	g_free(request->sandbox);
	g_free(request->log_path);
	g_free(request->netns_path);
	g_free(request->mount_point);
	g_free(request->stop_signal);
	g_free(request->restart_policy);
	g_free(request->notify_name);
	ocid_health_config_free(request->healthcheck);
	g_free(request->seccomp_profile_path);
	g_free(request->cgroup_parent);
	g_free(request->log_driver_name);
	g_clear_pointer(&request->volumes, g_ptr_array_unref);
	g_clear_pointer(&request->env, g_ptr_array_unref);
	g_clear_pointer(&request->spec, json_node_unref);
	g_clear_pointer(&request->seccomp, json_node_unref);
	ocid_caller_free(request->caller);
	g_free(request->privilege_reason);
	ocid_id_map_free(request->id_map);
	g_free(request->log_path_resolved);
	g_free(request);
}

gboolean
ocid_create_request_apply_config(OcidCreateRequest *r, const OcidConfig *config, GError **error)
{
	r->log_driver = config->log_driver;
	if (r->log_driver_name != NULL &&
	    !ocid_log_driver_from_string(r->log_driver_name, &r->log_driver))
		return ocid_error_set(error, OCID_ERROR_INVALID_ARGUMENT,
				      "Log driver '%s' is unknown; use k8s-file or journald",
				      r->log_driver_name);
	if (r->log_driver == OCID_LOG_DRIVER_JOURNALD && r->log_path != NULL)
		return ocid_error_set(error, OCID_ERROR_INVALID_ARGUMENT,
				      "log_path is for the k8s-file log driver; leave it out with "
				      "log_driver journald");
	if (r->machined < 0)
		r->machined = config->machined;
	if (r->machined && !ocid_machined_name_is_valid(ocid_machined_name(r->id, r->name)))
		return ocid_error_set(error, OCID_ERROR_INVALID_ARGUMENT,
				      "Neither the name '%s' nor the id of the container is a "
				      "valid machine name for machined (a host name of up to 64 "
				      "letters, digits, '-' and '.'); choose such a name or leave "
				      "machined off",
				      r->name);
	return TRUE;
}

gboolean
ocid_create_request_load_files(OcidCreateRequest *request, GError **error)
{
	if (request->spec == NULL) {
		request->spec = ocid_spec_load_bundle(request->bundle, error);
		if (request->spec == NULL)
			return FALSE;
	}
	if (request->seccomp == NULL && request->seccomp_profile_path != NULL &&
	    *request->seccomp_profile_path != '\0') {
		request->seccomp = ocid_seccomp_profile_load(request->seccomp_profile_path, error);
		if (request->seccomp == NULL)
			return FALSE;
	}
	return TRUE;
}

/* Root's log_path: the monitor opens it with O_NOFOLLOW and appends, so anything but a
 * regular file (or nothing yet) could only fail there, later and less clearly. */
static gboolean
check_root_log_path(OcidCreateRequest *r, GError **error)
{
	g_autofree char *dir = g_path_get_dirname(r->log_path);
	char resolved[PATH_MAX];
	struct stat st;

	if (lstat(r->log_path, &st) == 0 && !S_ISREG(st.st_mode))
		return ocid_error_set(error, OCID_ERROR_INVALID_ARGUMENT,
				      "log_path '%s' exists and is not a regular file; name a file "
				      "(it is created if missing)",
				      r->log_path);
	if (!ocid_dir_check_caller(dir, error))
		return FALSE;
	if (realpath(dir, resolved) != NULL) {
		g_autofree char *base = g_path_get_basename(r->log_path);
		r->log_path_resolved = g_build_filename(resolved, base, NULL);
	}
	return TRUE;
}

/* A non-root caller's log_path is hers: it is created here if missing, as hers, and must
 * be a regular file she can append to. The monitor opens it again as her. */
static gboolean
check_callers_log_path(OcidCreateRequest *r, GError **error)
{
	_cleanup_close_ int fd = open(
	    r->log_path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
	char resolved[PATH_MAX];
	struct stat st;

	if (fd < 0)
		return ocid_caller_path_error(error, errno, "log_path", r->log_path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return ocid_error_set(error, OCID_ERROR_INVALID_ARGUMENT,
				      "log_path '%s' is not a regular file; name a file (it is "
				      "created if missing)",
				      r->log_path);
	if (realpath(r->log_path, resolved) != NULL)
		r->log_path_resolved = g_strdup(resolved);
	return TRUE;
}

static gboolean
check_callers_netns(OcidCreateRequest *r, GError **error)
{
	_cleanup_close_ int fd = open(r->netns_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return ocid_caller_path_error(error, errno, "netns_path", r->netns_path);
	return TRUE;
}

/* A volume's host path, resolved as she resolves it: what she cannot reach herself is
 * refused, and the spec gets the path her lookup found. */
static gboolean
resolve_callers_volumes(OcidCreateRequest *r, GError **error)
{
	for (guint i = 0; i < r->volumes->len; i++) {
		OcidVolume *v = g_ptr_array_index(r->volumes, i);
		char *resolved =
		    ocid_caller_resolve_readable(r->caller, v->host_path, "Volume", error);

		if (resolved == NULL)
			return FALSE;
		g_free(v->host_path);
		v->host_path = resolved;
	}
	return TRUE;
}

static gboolean
read_as_caller(OcidCreateRequest *r, GError **error)
{
	g_auto(OcidCallerScope) scope = { 0 };

	if (!ocid_caller_enter(r->caller, &scope, error) ||
	    !ocid_create_request_load_files(r, error))
		return FALSE;
	if (r->log_path != NULL && !ocid_check_caller_path(r->log_path, "log_path", error))
		return FALSE;
	if (ocid_caller_is_root(r->caller))
		return r->log_path == NULL || check_root_log_path(r, error);
	if (r->log_path != NULL && !check_callers_log_path(r, error))
		return FALSE;
	if (r->netns_path != NULL && !check_callers_netns(r, error))
		return FALSE;
	ocid_caller_leave(&scope);
	return resolve_callers_volumes(r, error);
}

/* What the caller's own options ask of the runtime as host root. */
static char *
options_need_privilege(const OcidCreateRequest *r)
{
	GHashTableIter iter;
	gpointer key;

	if (r->privileged)
		return g_strdup("it asks for a privileged container (privileged)");
	if (r->netns_path != NULL)
		return g_strdup_printf("it joins the network namespace at %s", r->netns_path);
	/* Another cgroup parent than the configured one would take the container out of
	 * the limits the administrator set for containers. */
	if (r->cgroup_parent != NULL && *r->cgroup_parent != '\0')
		return g_strdup_printf("it chooses its cgroup parent %s (cgroup_parent)",
				       r->cgroup_parent);
	g_hash_table_iter_init(&iter, r->annotations);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		if (ocid_annotation_is_runtimes(key))
			return g_strdup_printf("its annotation %s is an instruction to the runtime",
					       (char *)key);
	return NULL;
}

gboolean
ocid_create_request_prepare(OcidCreateRequest *r, GError **error)
{
	if (!read_as_caller(r, error))
		return FALSE;
	r->prepared = TRUE;
	if (ocid_caller_is_root(r->caller))
		return TRUE;
	/* Her options first, then the bundle as it will run (her volumes were resolved as
	 * hers above, and may be bound). */
	r->privilege_reason = options_need_privilege(r);
	if (r->privilege_reason == NULL)
		(void)ocid_spec_confined_needs_privilege(r->spec, r->bundle, r->caller,
							 &r->privilege_reason);
	r->confined = r->privilege_reason == NULL;
	if (r->confined)
		r->id_map = ocid_id_map_for(r->caller, "/etc/subuid", "/etc/subgid");
	return TRUE;
}
