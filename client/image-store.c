/* The caller's image store, a directory she owns:
 *   ROOT/images/ID/{layout,bundle,image.json}  an OCI layout of the image (skopeo's copy),
 *                                              its rootfs unpacked once (umoci), the record
 *   ROOT/containers/NAME-XXXXXX/               each container's bundle: a copy of the rootfs
 *                                              and the config.json made for it
 *   ROOT/tmp/                                  pulls under way; renamed into images/ when done
 *   ROOT/lock                                  flock'd while names and images change
 * An image directory appears by rename only, so a failed pull leaves nothing behind. */
#include "image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROOT_STORE "/var/lib/ocid/images"

void
ocictl_image_free(OcictlImage *image)
{
	if (image == NULL)
		return;
	g_free(image->id);
	g_free(image->digest);
	g_strfreev(image->names);
	g_free(image->created);
	g_free(image->pulled);
	g_free(image->dir);
	g_free(image);
}

void
ocictl_image_store_free(OcictlImageStore *store)
{
	if (store == NULL)
		return;
	ocictl_image_store_unlock(store);
	g_free(store->root);
	g_free(store);
}

OcictlImageStore *
ocictl_image_store_open(gboolean create, GError **error)
{
	g_autoptr(OcictlImageStore) store = g_new0(OcictlImageStore, 1);
	const char *given = g_getenv("OCID_IMAGE_STORE");
	const char *subs[] = { "images", "containers", "tmp" };

	store->lock_fd = -1;
	store->rootless = geteuid() != 0;
	if (given != NULL && given[0] != '\0')
		store->root = g_canonicalize_filename(given, NULL);
	else if (!store->rootless)
		store->root = g_strdup(ROOT_STORE);
	else
		store->root = g_build_filename(g_get_user_data_dir(), "ocid", "images", NULL);
	for (size_t i = 0; create && i < G_N_ELEMENTS(subs); i++) {
		g_autofree char *dir = g_build_filename(store->root, subs[i], NULL);
		if (g_mkdir_with_parents(dir, 0700) < 0) {
			int saved = errno;
			g_set_error(error, OCICTL_ERROR,
				    saved == ENOSPC ? OCICTL_ERROR_NO_SPACE : OCICTL_ERROR_FAILED,
				    "cannot make the image store %s: %s", dir, g_strerror(saved));
			return NULL;
		}
	}
	return g_steal_pointer(&store);
}

gboolean
ocictl_image_store_lock(OcictlImageStore *store, GError **error)
{
	g_autofree char *path = g_build_filename(store->root, "lock", NULL);

	if (store->lock_fd >= 0)
		return TRUE;
	store->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (store->lock_fd < 0 || flock(store->lock_fd, LOCK_EX) < 0) {
		int saved = errno;
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_FAILED,
			    "cannot lock the image store (%s): %s", path, g_strerror(saved));
		ocictl_image_store_unlock(store);
		return FALSE;
	}
	return TRUE;
}

void
ocictl_image_store_unlock(OcictlImageStore *store)
{
	if (store->lock_fd >= 0)
		close(store->lock_fd);
	store->lock_fd = -1;
}

static OcictlImage *
read_record(const char *dir, GError **error)
{
	g_autofree char *path = g_build_filename(dir, "image.json", NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(OcictlImage) image = g_new0(OcictlImage, 1);
	g_autoptr(GStrvBuilder) names = g_strv_builder_new();
	JsonObject *record;
	JsonArray *array;

	if (!json_parser_load_from_file(parser, path, error))
		return NULL;
	if (!JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_FAILED, "%s is not an object", path);
		return NULL;
	}
	record = json_node_get_object(json_parser_get_root(parser));
	image->id = g_strdup(json_object_get_string_member_with_default(record, "Id", ""));
	image->digest = g_strdup(json_object_get_string_member_with_default(record, "Digest", ""));
	image->created =
	    g_strdup(json_object_get_string_member_with_default(record, "Created", ""));
	image->pulled = g_strdup(json_object_get_string_member_with_default(record, "Pulled", ""));
	image->size = json_object_get_int_member_with_default(record, "Size", 0);
	image->dir = g_strdup(dir);
	array = json_object_get_array_member(record, "Names");
	for (guint i = 0; array != NULL && i < json_array_get_length(array); i++)
		g_strv_builder_add(names, json_array_get_string_element(array, i));
	image->names = g_strv_builder_end(names);
	return g_steal_pointer(&image);
}

static void
add_string(JsonBuilder *b, const char *name, const char *value)
{
	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, value != NULL ? value : "");
}

void
ocictl_image_add_members(JsonBuilder *b, const OcictlImage *image)
{
	add_string(b, "Id", image->id);
	add_string(b, "Digest", image->digest);
	json_builder_set_member_name(b, "Names");
	json_builder_begin_array(b);
	for (char **n = image->names; n != NULL && *n != NULL; n++)
		json_builder_add_string_value(b, *n);
	json_builder_end_array(b);
	add_string(b, "Created", image->created);
	add_string(b, "Pulled", image->pulled);
	json_builder_set_member_name(b, "Size");
	json_builder_add_int_value(b, image->size);
}

gboolean
ocictl_image_store_write(const OcictlImage *image, const char *dir, GError **error)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) generator = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;
	g_autofree char *path =
	    g_build_filename(dir != NULL ? dir : image->dir, "image.json", NULL);

	json_builder_begin_object(b);
	ocictl_image_add_members(b, image);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(generator, root);
	json_generator_set_pretty(generator, TRUE);
	text = json_generator_to_data(generator, NULL);
	if (!g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
				      error)) {
		if (*error != NULL && (*error)->code == G_FILE_ERROR_NOSPC)
			(*error)->domain = OCICTL_ERROR, (*error)->code = OCICTL_ERROR_NO_SPACE;
		return FALSE;
	}
	return TRUE;
}

static gint
newest_first(gconstpointer a, gconstpointer b)
{
	const OcictlImage *x = *(OcictlImage *const *)a, *y = *(OcictlImage *const *)b;

	return -g_strcmp0(x->pulled, y->pulled);
}

GPtrArray *
ocictl_image_store_list(OcictlImageStore *store, GError **error)
{
	g_autofree char *images = g_build_filename(store->root, "images", NULL);
	g_autoptr(GPtrArray) list =
	    g_ptr_array_new_with_free_func((GDestroyNotify)ocictl_image_free);
	g_autoptr(GDir) dir = NULL;
	const char *entry;

	/* A store never made holds nothing (listing does not make it). */
	if (!g_file_test(images, G_FILE_TEST_IS_DIR))
		return g_steal_pointer(&list);
	dir = g_dir_open(images, 0, error);
	if (dir == NULL)
		return NULL;
	while ((entry = g_dir_read_name(dir)) != NULL) {
		g_autofree char *path = g_build_filename(images, entry, NULL);
		OcictlImage *image = read_record(path, NULL);
		if (image != NULL)
			g_ptr_array_add(list, image);
	}
	g_ptr_array_sort(list, newest_first);
	return g_steal_pointer(&list);
}

static gboolean
is_hex(const char *text)
{
	if (text[0] == '\0')
		return FALSE;
	for (; *text != '\0'; text++)
		if (!g_ascii_isxdigit(*text) || g_ascii_isupper(*text))
			return FALSE;
	return TRUE;
}

OcictlImage *
ocictl_image_store_find(OcictlImageStore *store, const char *word, GError **error)
{
	g_autoptr(GPtrArray) list = ocictl_image_store_list(store, error);
	g_autofree char *normalized = ocictl_image_name_normalize(word);
	const char *hex = g_str_has_prefix(word, "sha256:") ? word + strlen("sha256:") : word;
	OcictlImage *prefixed = NULL;
	guint prefixes = 0;

	if (list == NULL)
		return NULL;
	for (guint i = 0; i < list->len; i++) {
		OcictlImage *image = g_ptr_array_index(list, i);
		if (g_strv_contains((const char *const *)image->names, word) ||
		    g_strv_contains((const char *const *)image->names, normalized) ||
		    g_str_equal(image->id, hex))
			return g_ptr_array_steal_index(list, i);
		if (is_hex(hex) && g_str_has_prefix(image->id, hex)) {
			prefixed = image;
			prefixes++;
		}
	}
	if (prefixes == 1) {
		guint index;
		g_ptr_array_find(list, prefixed, &index);
		return g_ptr_array_steal_index(list, index);
	}
	if (prefixes > 1) {
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_FAILED,
			    "'%s' is the start of %u image ids; give more of the id", word,
			    prefixes);
		return NULL;
	}
	g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_IMAGE_UNKNOWN,
		    "no image '%s' in the store (%s); 'ocictl images' lists them, 'ocictl pull' "
		    "brings one",
		    word, store->root);
	return NULL;
}

gboolean
ocictl_image_store_name(OcictlImageStore *store, const char *id, const char *name, GError **error)
{
	g_autoptr(GPtrArray) list = ocictl_image_store_list(store, error);

	if (list == NULL)
		return FALSE;
	for (guint i = 0; i < list->len; i++) {
		OcictlImage *image = g_ptr_array_index(list, i);
		gboolean has = g_strv_contains((const char *const *)image->names, name);
		gboolean wanted = g_str_equal(image->id, id);
		g_autoptr(GStrvBuilder) names = NULL;

		if (has == wanted)
			continue;
		names = g_strv_builder_new();
		for (char **n = image->names; *n != NULL; n++)
			if (!g_str_equal(*n, name))
				g_strv_builder_add(names, *n);
		if (wanted)
			g_strv_builder_add(names, name);
		g_strfreev(image->names);
		image->names = g_strv_builder_end(names);
		if (!ocictl_image_store_write(image, NULL, error))
			return FALSE;
	}
	return TRUE;
}

char *
ocictl_image_store_mkdtemp(OcictlImageStore *store, const char *sub, const char *prefix,
			   GError **error)
{
	g_autofree char *base = g_strdup_printf("%s-XXXXXX", prefix);
	g_autofree char *path = g_build_filename(store->root, sub, base, NULL);

	if (g_mkdtemp_full(path, 0700) == NULL) {
		int saved = errno;
		g_set_error(error, OCICTL_ERROR,
			    saved == ENOSPC ? OCICTL_ERROR_NO_SPACE : OCICTL_ERROR_FAILED,
			    "cannot make a directory in %s: %s", store->root, g_strerror(saved));
		return NULL;
	}
	return g_steal_pointer(&path);
}

/* Removes @name in @dir_fd and everything under it, without following symlinks; a
 * directory the unpack left read-only (0555 in the image) is made writable first, which
 * its owner may do. */
static int
remove_at(int dir_fd, const char *name)
{
	struct stat st;
	DIR *dir;
	int fd, result = 0;
	struct dirent *entry;

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	if ((st.st_mode & S_IRWXU) != S_IRWXU)
		(void)fchmodat(dir_fd, name, (st.st_mode | S_IRWXU) & 07777, 0);
	fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (dir == NULL) {
		result = -errno;
		close(fd);
		return result;
	}
	while ((entry = readdir(dir)) != NULL) {
		if (g_str_equal(entry->d_name, ".") || g_str_equal(entry->d_name, ".."))
			continue;
		result = remove_at(dirfd(dir), entry->d_name);
		if (result < 0)
			break;
	}
	closedir(dir);
	if (result == 0 && unlinkat(dir_fd, name, AT_REMOVEDIR) < 0)
		result = -errno;
	return result;
}

gboolean
ocictl_remove_tree(const char *path, GError **error)
{
	int result = remove_at(AT_FDCWD, path);

	if (result < 0) {
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_FAILED, "cannot remove %s: %s", path,
			    g_strerror(-result));
		return FALSE;
	}
	return TRUE;
}

gboolean
ocictl_image_store_remove(OcictlImageStore *store, const OcictlImage *image, GError **error)
{
	g_autofree char *doomed = ocictl_image_store_mkdtemp(store, "tmp", "removing", error);

	/* Out of images/ in one step, so that no half-removed image is ever listed. */
	if (doomed == NULL || !ocictl_remove_tree(doomed, error))
		return FALSE;
	if (rename(image->dir, doomed) < 0) {
		int saved = errno;
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_FAILED, "cannot remove image %s: %s",
			    image->id, g_strerror(saved));
		return FALSE;
	}
	return ocictl_remove_tree(doomed, error);
}

gboolean
ocictl_image_store_owns_bundle(OcictlImageStore *store, const char *bundle)
{
	g_autofree char *containers = g_build_filename(store->root, "containers", "", NULL);

	return g_str_has_prefix(bundle, containers) && strstr(bundle, "/..") == NULL;
}
