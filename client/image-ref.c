/* Image references as people type them, turned into what skopeo copies from and the name
 * the store keeps: registry names are normalized as podman does (a default registry, a
 * "library/" on docker.io, ":latest"), paths of layouts and archives made absolute. */
#include "image.h"

#include <string.h>

static const char *const local_transports[] = { "oci:", "oci-archive:", "docker-archive:" };

void
ocictl_image_ref_free(OcictlImageRef *ref)
{
	if (ref == NULL)
		return;
	g_free(ref->source);
	g_free(ref->name);
	g_free(ref);
}

gboolean
ocictl_is_bundle(const char *arg)
{
	g_autofree char *config = NULL;

	if (arg[0] == '/' || arg[0] == '.')
		return TRUE;
	config = g_build_filename(arg, "config.json", NULL);
	return g_file_test(config, G_FILE_TEST_IS_REGULAR);
}

/* The first of unqualified-search-registries in containers-registries.conf(5): the
 * caller's own file first, as podman reads it. */
static char *
default_registry(void)
{
	g_autofree char *user =
	    g_build_filename(g_get_user_config_dir(), "containers", "registries.conf", NULL);
	const char *files[] = { g_getenv("CONTAINERS_REGISTRIES_CONF"), user,
				"/etc/containers/registries.conf" };

	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *text = NULL;
		g_auto(GStrv) lines = NULL;

		if (files[i] == NULL || !g_file_get_contents(files[i], &text, NULL, NULL))
			continue;
		lines = g_strsplit(text, "\n", -1);
		for (char **l = lines; *l != NULL; l++) {
			const char *open;
			char *first = g_strstrip(*l);
			if (!g_str_has_prefix(first, "unqualified-search-registries"))
				continue;
			open = strchr(first, '"');
			if (open != NULL && strchr(open + 1, '"') != NULL)
				return g_strndup(open + 1, strcspn(open + 1, "\""));
		}
		/* The first file found is the one in force, as for podman. */
		break;
	}
	return g_strdup("docker.io");
}

static gboolean
is_registry_host(const char *component)
{
	return strchr(component, '.') != NULL || strchr(component, ':') != NULL ||
	       g_str_equal(component, "localhost");
}

/* host/path:tag from a registry reference, or NULL when it cannot be one. */
static char *
normalize_registry_name(const char *text)
{
	g_autofree char *lower = NULL, *host = NULL, *path = NULL;
	const char *slash = strchr(text, '/');
	const char *last;

	if (text[0] == '\0' || strpbrk(text, " \t\n\\") != NULL)
		return NULL;
	if (slash != NULL) {
		g_autofree char *first = g_strndup(text, (gsize)(slash - text));
		if (is_registry_host(first)) {
			host = g_steal_pointer(&first);
			path = g_strdup(slash + 1);
		}
	}
	if (host == NULL) {
		host = default_registry();
		path = (slash == NULL && g_str_equal(host, "docker.io"))
			   ? g_strconcat("library/", text, NULL)
			   : g_strdup(text);
	}
	if (path[0] == '\0' || path[0] == '/')
		return NULL;
	last = strrchr(path, '/');
	last = last != NULL ? last + 1 : path;
	if (strchr(last, '@') == NULL && strchr(last, ':') == NULL)
		return g_strdup_printf("%s/%s:latest", host, path);
	return g_strdup_printf("%s/%s", host, path);
}

/* DIR[:TAG] or FILE[:REF] of a local transport, its path made absolute. The path is the
 * longest part before a ':' that exists, so that a tag after it is kept apart. */
static char *
normalize_local(const char *transport, const char *rest)
{
	g_autofree char *path = g_strdup(rest);
	const char *suffix = "";

	for (char *colon = strrchr(path, ':'); colon != NULL; colon = strrchr(path, ':')) {
		if (g_file_test(path, G_FILE_TEST_EXISTS))
			break;
		*colon = '\0';
		suffix = rest + (colon - path);
	}
	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_free(path);
		path = g_strdup(rest);
		suffix = "";
	}
	{
		g_autofree char *absolute = g_canonicalize_filename(path, NULL);
		return g_strconcat(transport, absolute, suffix, NULL);
	}
}

OcictlImageRef *
ocictl_image_ref_parse(const char *text, GError **error)
{
	g_autoptr(OcictlImageRef) ref = g_new0(OcictlImageRef, 1);

	for (size_t i = 0; i < G_N_ELEMENTS(local_transports); i++) {
		const char *transport = local_transports[i];
		if (g_str_has_prefix(text, transport) && text[strlen(transport)] != '\0') {
			ref->name = normalize_local(transport, text + strlen(transport));
			ref->source = g_strdup(ref->name);
			return g_steal_pointer(&ref);
		}
	}
	if (g_str_has_prefix(text, "docker://"))
		ref->name = normalize_registry_name(text + strlen("docker://"));
	else if (strstr(text, "://") == NULL)
		ref->name = normalize_registry_name(text);
	if (ref->name == NULL) {
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_USAGE,
			    "'%s' is not an image reference: give NAME[:TAG], docker://NAME[:TAG], "
			    "oci:DIR[:TAG], oci-archive:FILE or docker-archive:FILE",
			    text);
		return NULL;
	}
	ref->source = g_strconcat("docker://", ref->name, NULL);
	return g_steal_pointer(&ref);
}

char *
ocictl_image_name_normalize(const char *text)
{
	g_autoptr(OcictlImageRef) ref = ocictl_image_ref_parse(text, NULL);

	return ref != NULL ? g_strdup(ref->name) : g_strdup(text);
}

void
ocictl_image_name_split(const char *name, char **repository, char **tag)
{
	const char *slash = strrchr(name, '/');
	const char *base = slash != NULL ? slash + 1 : name;
	const char *at = strchr(base, '@');
	const char *colon = strrchr(base, ':');

	if (at != NULL) {
		*repository = g_strndup(name, (gsize)(at - name));
		*tag = g_strdup("<none>");
	} else if (colon != NULL) {
		*repository = g_strndup(name, (gsize)(colon - name));
		*tag = g_strdup(colon + 1);
	} else {
		*repository = g_strdup(name);
		*tag = g_strdup("<none>");
	}
}
