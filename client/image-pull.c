/* Pulls: skopeo copies the image into a temporary OCI layout in the store (its own auth
 * files and policy.json apply), umoci unpacks it once per image id, and the whole
 * directory is renamed into images/ only when both succeeded. Both run as the caller, as
 * child processes; what they say on failure becomes the error, classified by its cause. */
#include "image.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LAYOUT_TAG "image"

void
ocictl_pull_flags_clear(OcictlPullFlags *flags)
{
	g_free(flags->policy);
	g_free(flags->tls_verify);
	g_free(flags->authfile);
}

gboolean
ocictl_pull_options_from_flags(const OcictlPullFlags *flags, OcictlPullOptions *options,
			       GError **error)
{
	const char *policy = flags->policy;

	*options = (OcictlPullOptions){ .authfile = flags->authfile, .quiet = flags->quiet };
	if (policy == NULL || g_str_equal(policy, "missing"))
		options->policy = OCICTL_PULL_MISSING;
	else if (g_str_equal(policy, "always"))
		options->policy = OCICTL_PULL_ALWAYS;
	else if (g_str_equal(policy, "never"))
		options->policy = OCICTL_PULL_NEVER;
	else {
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_USAGE,
			    "--pull takes missing, always or never, not '%s'", policy);
		return FALSE;
	}
	if (flags->tls_verify != NULL) {
		if (!g_str_equal(flags->tls_verify, "true") &&
		    !g_str_equal(flags->tls_verify, "false")) {
			g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_USAGE,
				    "--tls-verify takes true or false, not '%s'",
				    flags->tls_verify);
			return FALSE;
		}
		options->tls_verify = flags->tls_verify;
	}
	return TRUE;
}

/* skopeo's and umoci's messages name the cause in words; each cause has its exit code. */
static OcictlError
classify(const char *text)
{
	static const char *const no_space[] = { "no space left on device", "disk quota exceeded",
						NULL };
	static const char *const registry[] = { "connection refused",
						"no such host",
						"dial tcp",
						"i/o timeout",
						"network is unreachable",
						"server gave HTTP response",
						"x509:",
						"tls:",
						"pinging container registry",
						NULL };
	static const char *const corrupt[] = { "unexpected eof",
					       "untarring",
					       "invalid tar header",
					       "digest did not match",
					       "gzip: invalid",
					       "archive/tar",
					       "/index.json: no such file",
					       "invalid checksum",
					       "corrupt",
					       "unpack rootfs",
					       "unpack layer",
					       NULL };
	static const char *const unknown[] = { "manifest unknown",
					       "name unknown",
					       "not found",
					       "no such file or directory",
					       "no descriptor found",
					       "does not exist",
					       "denied",
					       "unauthorized",
					       NULL };
	const struct {
		const char *const *words;
		OcictlError code;
	} causes[] = { { no_space, OCICTL_ERROR_NO_SPACE },
		       { registry, OCICTL_ERROR_REGISTRY },
		       { corrupt, OCICTL_ERROR_IMAGE_CORRUPT },
		       { unknown, OCICTL_ERROR_IMAGE_UNKNOWN } };
	g_autofree char *lower = g_ascii_strdown(text, -1);

	for (size_t i = 0; i < G_N_ELEMENTS(causes); i++)
		for (const char *const *w = causes[i].words; *w != NULL; w++)
			if (strstr(lower, *w) != NULL)
				return causes[i].code;
	return OCICTL_ERROR_FAILED;
}

/* The last thing a Go tool said: logrus's msg="..." when it is there. */
static char *
last_words(const char *text)
{
	g_autofree char *copy = g_strstrip(g_strdup(text != NULL ? text : ""));
	const char *line = strrchr(copy, '\n');
	const char *msg;

	line = line != NULL ? line + 1 : copy;
	msg = strstr(line, "msg=\"");
	if (msg != NULL) {
		g_autofree char *inner = g_strdup(msg + strlen("msg=\""));
		char *end = strrchr(inner, '"');
		if (end != NULL)
			*end = '\0';
		return g_strcompress(inner);
	}
	return g_strdup(line);
}

gboolean
ocictl_image_tool(const char *const *argv, gboolean progress, const char *what, GError **error)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
	    G_SUBPROCESS_FLAGS_STDERR_PIPE | (progress ? 0 : G_SUBPROCESS_FLAGS_STDOUT_SILENCE));
	g_autoptr(GSubprocess) child = NULL;
	g_autofree char *err_text = NULL, *said = NULL;
	g_autoptr(GError) local = NULL;

	/* Progress goes to our stderr: run's stdout is the container's output. */
	if (progress)
		g_subprocess_launcher_take_stdout_fd(launcher, dup(STDERR_FILENO));
	child = g_subprocess_launcher_spawnv(launcher, argv, &local);
	if (child == NULL) {
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_CANNOT_INVOKE,
			    "cannot run %s (%s): install it (Debian: apt install %s)", argv[0],
			    local->message, argv[0]);
		return FALSE;
	}
	if (!g_subprocess_communicate_utf8(child, NULL, NULL, NULL, &err_text, error))
		return FALSE;
	if (g_subprocess_get_if_exited(child) && g_subprocess_get_exit_status(child) == 0)
		return TRUE;
	said = last_words(err_text);
	g_set_error(error, OCICTL_ERROR, classify(err_text != NULL ? err_text : ""), "%s: %s", what,
		    said[0] != '\0' ? said : "failed without saying why");
	return FALSE;
}

static gboolean
is_sha256_digest(const char *digest)
{
	if (digest == NULL || !g_str_has_prefix(digest, "sha256:") || strlen(digest) != 7 + 64)
		return FALSE;
	for (const char *c = digest + 7; *c != '\0'; c++)
		if (!g_ascii_isxdigit(*c) || g_ascii_isupper(*c))
			return FALSE;
	return TRUE;
}

/* A JSON object from @layout: index.json, or the blob of @digest. */
static JsonObject *
read_layout_json(const char *layout, const char *digest, JsonNode **holder, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree char *path = NULL;

	if (digest == NULL)
		path = g_build_filename(layout, "index.json", NULL);
	else if (is_sha256_digest(digest))
		path = g_build_filename(layout, "blobs", "sha256", digest + 7, NULL);
	if (path == NULL || !json_parser_load_from_file(parser, path, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_IMAGE_CORRUPT,
			    "the image's %s does not read as JSON",
			    digest != NULL ? digest : "index.json");
		return NULL;
	}
	*holder = json_node_copy(json_parser_get_root(parser));
	return json_node_get_object(*holder);
}

/* The manifest's digest, the config's (the id) and created, and the blobs' size. */
static gboolean
describe_layout(const char *layout, OcictlImage *image, GError **error)
{
	g_autoptr(JsonNode) index_node = NULL, manifest_node = NULL, config_node = NULL;
	JsonObject *index, *manifest, *config, *descriptor;
	JsonArray *manifests, *layers;
	const char *config_digest;

	index = read_layout_json(layout, NULL, &index_node, error);
	if (index == NULL)
		return FALSE;
	manifests = json_object_get_array_member(index, "manifests");
	if (manifests == NULL || json_array_get_length(manifests) != 1) {
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_IMAGE_CORRUPT,
			    "the pulled layout does not hold exactly one manifest");
		return FALSE;
	}
	descriptor = json_array_get_object_element(manifests, 0);
	image->digest =
	    g_strdup(json_object_get_string_member_with_default(descriptor, "digest", ""));
	manifest = read_layout_json(layout, image->digest, &manifest_node, error);
	if (manifest == NULL)
		return FALSE;
	descriptor = json_object_get_object_member(manifest, "config");
	config_digest = descriptor != NULL
			    ? json_object_get_string_member_with_default(descriptor, "digest", "")
			    : "";
	config = read_layout_json(layout, config_digest, &config_node, error);
	if (config == NULL)
		return FALSE;
	image->id = g_strdup(config_digest + strlen("sha256:"));
	image->created =
	    g_strdup(json_object_get_string_member_with_default(config, "created", ""));
	image->size = json_object_get_int_member_with_default(descriptor, "size", 0);
	layers = json_object_get_array_member(manifest, "layers");
	for (guint i = 0; layers != NULL && i < json_array_get_length(layers); i++)
		image->size += json_object_get_int_member_with_default(
		    json_array_get_object_element(layers, i), "size", 0);
	return TRUE;
}

JsonObject *
ocictl_image_read_config(const OcictlImage *image, JsonNode **holder, GError **error)
{
	g_autofree char *layout = g_build_filename(image->dir, "layout", NULL);
	g_autoptr(JsonNode) index_node = NULL, manifest_node = NULL, config_node = NULL;
	JsonObject *index, *manifest = NULL, *config = NULL, *descriptor;
	JsonArray *manifests;

	index = read_layout_json(layout, NULL, &index_node, error);
	if (index == NULL)
		return NULL;
	manifests = json_object_get_array_member(index, "manifests");
	if (manifests != NULL && json_array_get_length(manifests) == 1)
		manifest =
		    read_layout_json(layout,
				     json_object_get_string_member_with_default(
					 json_array_get_object_element(manifests, 0), "digest", ""),
				     &manifest_node, error);
	descriptor = manifest != NULL ? json_object_get_object_member(manifest, "config") : NULL;
	if (descriptor != NULL)
		config = read_layout_json(
		    layout, json_object_get_string_member_with_default(descriptor, "digest", ""),
		    &config_node, error);
	if (config == NULL) {
		if (error != NULL && *error == NULL)
			g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_IMAGE_CORRUPT,
				    "image %s has no config", image->id);
		return NULL;
	}
	*holder = g_steal_pointer(&config_node);
	return json_object_get_object_member(config, "config");
}

static char *
now_rfc3339(void)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();

	return g_date_time_format_iso8601(now);
}

/* Moves the finished pull @tmp into images/ and gives it @name, under the lock. Another
 * pull of the same image may have won the race: then its copy stays and ours goes. */
static gboolean
commit(OcictlImageStore *store, const char *tmp, const OcictlImage *image, const char *name,
       GError **error)
{
	g_autofree char *target = g_build_filename(store->root, "images", image->id, NULL);
	gboolean ok;

	if (!ocictl_image_store_lock(store, error))
		return FALSE;
	if (rename(tmp, target) < 0 && errno != EEXIST && errno != ENOTEMPTY) {
		int saved = errno;
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_FAILED, "cannot store image %s: %s",
			    image->id, g_strerror(saved));
		ocictl_image_store_unlock(store);
		return FALSE;
	}
	ok = ocictl_image_store_name(store, image->id, name, error);
	ocictl_image_store_unlock(store);
	return ok;
}

static OcictlImage *
pull_into(OcictlImageStore *store, const char *tmp, const OcictlImageRef *ref,
	  const OcictlPullOptions *options, GError **error)
{
	g_autoptr(OcictlImage) image = g_new0(OcictlImage, 1);
	g_autofree char *layout = g_build_filename(tmp, "layout", NULL);
	g_autofree char *destination = g_strdup_printf("oci:%s:%s", layout, LAYOUT_TAG);
	g_autofree char *image_arg = g_strdup_printf("%s:%s", layout, LAYOUT_TAG);
	g_autofree char *bundle = g_build_filename(tmp, "bundle", NULL);
	g_autofree char *existing = NULL;
	g_autofree char *what = g_strdup_printf("cannot pull %s", ref->name);
	g_autofree char *tls = NULL, *authfile = NULL;
	gboolean progress = !options->quiet && isatty(STDERR_FILENO);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();

	g_autofree char *tmpdir = g_strdup_printf("--tmpdir=%s", tmp);

	g_ptr_array_add(argv, "skopeo");
	/* Big temporary files (an archive's unpacked copy) stay in the store, the caller's,
	 * and go with a failed pull. */
	g_ptr_array_add(argv, tmpdir);
	g_ptr_array_add(argv, "copy");
	if (!progress)
		g_ptr_array_add(argv, "--quiet");
	/* An OCI layout cannot keep signatures; policy.json has checked them on the way. */
	g_ptr_array_add(argv, "--remove-signatures");
	if (options->tls_verify != NULL && g_str_has_prefix(ref->source, "docker://")) {
		tls = g_strdup_printf("--src-tls-verify=%s", options->tls_verify);
		g_ptr_array_add(argv, tls);
	}
	if (options->authfile != NULL) {
		authfile = g_strdup_printf("--src-authfile=%s", options->authfile);
		g_ptr_array_add(argv, authfile);
	}
	g_ptr_array_add(argv, ref->source);
	g_ptr_array_add(argv, destination);
	g_ptr_array_add(argv, NULL);
	if (progress)
		g_printerr("Pulling %s\n", ref->name);
	if (!ocictl_image_tool((const char *const *)argv->pdata, progress, what, error) ||
	    !describe_layout(layout, image, error))
		return NULL;
	image->names = g_new0(char *, 2);
	image->names[0] = g_strdup(ref->name);
	image->pulled = now_rfc3339();
	existing = g_build_filename(store->root, "images", image->id, NULL);
	if (!g_file_test(existing, G_FILE_TEST_IS_DIR)) {
		const char *unpack[] = {
			"umoci", "unpack", "--image", image_arg, bundle, NULL, NULL
		};
		if (store->rootless) {
			/* Files the image gives to other ids become the caller's, shown as root's
			 * inside her confined container (docs/authority.md). */
			unpack[2] = "--rootless";
			unpack[3] = "--image";
			unpack[4] = image_arg;
			unpack[5] = bundle;
		}
		if (progress)
			g_printerr("Unpacking %.12s\n", image->id);
		g_free(what);
		what = g_strdup_printf("cannot unpack %s", ref->name);
		if (!ocictl_image_tool(unpack, FALSE, what, error))
			return NULL;
	}
	if (!ocictl_image_store_write(image, tmp, error) ||
	    !commit(store, tmp, image, ref->name, error))
		return NULL;
	g_free(image->dir);
	image->dir = g_steal_pointer(&existing);
	return g_steal_pointer(&image);
}

OcictlImage *
ocictl_image_pull(OcictlImageStore *store, const OcictlImageRef *ref,
		  const OcictlPullOptions *options, GError **error)
{
	g_autofree char *tmp = NULL;
	OcictlImage *image;

	if (options->policy != OCICTL_PULL_ALWAYS) {
		g_autoptr(GError) missing = NULL;
		image = ocictl_image_store_find(store, ref->name, &missing);
		if (image != NULL || options->policy == OCICTL_PULL_NEVER) {
			if (missing != NULL)
				g_propagate_prefixed_error(error, g_steal_pointer(&missing),
							   "--pull=never: ");
			return image;
		}
	}
	tmp = ocictl_image_store_mkdtemp(store, "tmp", "pull", error);
	if (tmp == NULL)
		return NULL;
	image = pull_into(store, tmp, ref, options, error);
	/* Whatever is left there is a failed pull's, or a copy another pull stored first. */
	if (g_file_test(tmp, G_FILE_TEST_EXISTS))
		ocictl_remove_tree(tmp, NULL);
	return image;
}

OcictlImage *
ocictl_image_get(OcictlImageStore *store, const char *word, const OcictlPullOptions *options,
		 char **name, GError **error)
{
	g_autoptr(OcictlImageRef) ref = NULL;
	OcictlImage *image;

	/* Ids and prefixes name images already here; only names are pulled. */
	if (options->policy != OCICTL_PULL_ALWAYS) {
		image = ocictl_image_store_find(store, word, NULL);
		if (image != NULL) {
			g_autofree char *normalized = ocictl_image_name_normalize(word);
			*name =
			    g_strdup(g_strv_contains((const char *const *)image->names, normalized)
					 ? normalized
				     : image->names[0] != NULL ? image->names[0]
							       : word);
			return image;
		}
	}
	ref = ocictl_image_ref_parse(word, error);
	if (ref == NULL)
		return NULL;
	image = ocictl_image_pull(store, ref, options, error);
	if (image != NULL)
		*name = g_strdup(ref->name);
	return image;
}
