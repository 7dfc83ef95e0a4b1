#include "create-request.h"

#include "seccomp-profile.h"
#include "spec.h"

static GHashTable *
string_map_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

OcidCreateRequest *
ocid_create_request_new(const char *id, const char *name, const char *bundle)
{
	OcidCreateRequest *request = g_new0(OcidCreateRequest, 1);

	request->id = g_strdup(id);
	request->name = g_strdup(name);
	request->bundle = g_strdup(bundle);
	request->labels = string_map_new();
	request->annotations = string_map_new();
	request->metadata = string_map_new();
	request->volumes = g_ptr_array_new_with_free_func((GDestroyNotify)ocid_volume_free);
	/* The seed's default: a container is trusted unless the caller says otherwise. */
	request->trusted = TRUE;
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
	g_free(request->seccomp_profile_path);
	g_free(request->cgroup_parent);
	g_clear_pointer(&request->volumes, g_ptr_array_unref);
	g_clear_pointer(&request->spec, json_node_unref);
	g_clear_pointer(&request->seccomp, json_node_unref);
	g_free(request);
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
