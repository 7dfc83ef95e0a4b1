/* pull, images, rmi and image (inspect, prune, ls, rm, pull): the caller's own image
 * store, managed as the caller. The daemon is asked only which containers use an image
 * (their ImageRef and BundlePath), so that rmi refuses to pull the floor from under them. */
#include "ctl.h"
#include "image.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A container bundle this young may be one another ocictl is creating a container from. */
#define BUNDLE_GRACE_SECONDS 60

void
ocictl_image_release_bundle(const char *bundle)
{
	g_autoptr(OcictlImageStore) store = NULL;
	g_autoptr(GError) error = NULL;

	if (bundle == NULL || bundle[0] != '/')
		return;
	store = ocictl_image_store_open(FALSE, NULL);
	if (store == NULL || !ocictl_image_store_owns_bundle(store, bundle))
		return;
	if (!ocictl_remove_tree(bundle, &error))
		g_printerr("ocictl: %s\n", error->message);
}

/* The containers on the daemon: their ids, ImageRef and BundlePath. */
typedef struct {
	GPtrArray *ids, *image_refs, *bundles;
} Users;

static void
users_clear(Users *users)
{
	g_clear_pointer(&users->ids, g_ptr_array_unref);
	g_clear_pointer(&users->image_refs, g_ptr_array_unref);
	g_clear_pointer(&users->bundles, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Users, users_clear)

static gboolean
list_users(Ctl *ctl, Users *users, GError **error)
{
	g_autoptr(GVariant) reply = ocictl_call(
	    ctl, OCICTL_MANAGER_PATH, OCICTL_MANAGER, "ListContainers",
	    g_variant_new("(@a{sv})", g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)),
	    "(a(sssto))", FALSE, error);
	g_autoptr(GVariantIter) iter = NULL;
	const char *id, *path;

	if (reply == NULL)
		return FALSE;
	users->ids = g_ptr_array_new_with_free_func(g_free);
	users->image_refs = g_ptr_array_new_with_free_func(g_free);
	users->bundles = g_ptr_array_new_with_free_func(g_free);
	g_variant_get(reply, "(a(sssto))", &iter);
	while (g_variant_iter_loop(iter, "(&s&s&st&o)", &id, NULL, NULL, NULL, &path)) {
		g_autoptr(GVariant) ref = ocictl_get(ctl, path, "ImageRef", NULL);
		g_autoptr(GVariant) bundle = ocictl_get(ctl, path, "BundlePath", NULL);
		g_ptr_array_add(users->ids, g_strdup(id));
		g_ptr_array_add(users->image_refs,
				g_strdup(ref != NULL ? g_variant_get_string(ref, NULL) : ""));
		g_ptr_array_add(users->bundles,
				g_strdup(bundle != NULL ? g_variant_get_string(bundle, NULL) : ""));
	}
	return TRUE;
}

/* The store, locked, for changes. */
static OcictlImageStore *
open_locked(GError **error)
{
	g_autoptr(OcictlImageStore) store = ocictl_image_store_open(TRUE, error);

	if (store == NULL || !ocictl_image_store_lock(store, error))
		return NULL;
	return g_steal_pointer(&store);
}

/* The ids of the containers made from @image out of @store; the daemon is asked once, when
 * first needed (rmi of a name that is not the image's last needs no daemon). */
static GPtrArray *
users_of(Ctl *ctl, Users *users, OcictlImageStore *store, const OcictlImage *image, GError **error)
{
	g_autofree char *ref = g_strconcat("sha256:", image->id, NULL);
	GPtrArray *ids;

	if (users->ids == NULL && !list_users(ctl, users, error))
		return NULL;
	ids = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < users->ids->len; i++)
		if (g_str_equal(g_ptr_array_index(users->image_refs, i), ref) &&
		    ocictl_image_store_owns_bundle(store, g_ptr_array_index(users->bundles, i)))
			g_ptr_array_add(ids, g_strdup(g_ptr_array_index(users->ids, i)));
	return ids;
}

int
ocictl_cmd_pull(Ctl *ctl, int argc, char **argv, GError **error)
{
	g_auto(OcictlPullFlags) flags = { 0 };
	const GOptionEntry entries[] = { OCICTL_PULL_SOURCE_ENTRIES(&flags), { NULL } };
	g_autoptr(OcictlImageStore) store = NULL;
	OcictlPullOptions options;
	int status = 0;

	(void)ctl;
	if (!ocictl_parse("pull", "IMAGE…",
			  "Brings images into your store: NAME[:TAG] or docker://NAME[:TAG] from "
			  "a registry, oci:DIR[:TAG], oci-archive:FILE[:TAG] or "
			  "docker-archive:FILE. Prints each image's id.",
			  entries, FALSE, &argc, &argv, error) ||
	    !ocictl_check_args("pull", argc, argv, 1, -1, "an image", error) ||
	    !ocictl_pull_options_from_flags(&flags, &options, error))
		return OCICTL_EXIT_ERROR;
	options.policy = OCICTL_PULL_ALWAYS;
	store = ocictl_image_store_open(TRUE, error);
	if (store == NULL)
		return OCICTL_EXIT_ERROR;
	for (int i = 1; i < argc; i++) {
		g_autoptr(OcictlImageRef) ref = ocictl_image_ref_parse(argv[i], error);
		g_autoptr(OcictlImage) image = NULL;

		if (ref != NULL)
			image = ocictl_image_pull(store, ref, &options, error);
		if (image == NULL)
			return OCICTL_EXIT_ERROR;
		g_print("%s\n", image->id);
	}
	return status;
}

static JsonNode *
image_to_json(const OcictlImage *image, GPtrArray *users, gboolean with_config)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	ocictl_image_add_members(b, image);
	json_builder_set_member_name(b, "Directory");
	json_builder_add_string_value(b, image->dir);
	if (users != NULL) {
		json_builder_set_member_name(b, "Containers");
		json_builder_begin_array(b);
		for (guint i = 0; i < users->len; i++)
			json_builder_add_string_value(b, g_ptr_array_index(users, i));
		json_builder_end_array(b);
	}
	if (with_config) {
		g_autoptr(JsonNode) holder = NULL;
		JsonObject *config = ocictl_image_read_config(image, &holder, NULL);
		json_builder_set_member_name(b, "Config");
		if (config != NULL)
			json_builder_add_value(b, json_node_init_object(json_node_alloc(), config));
		else
			json_builder_add_null_value(b);
	}
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

static char *
format_created(const char *created)
{
	g_autoptr(GDateTime) time = g_date_time_new_from_iso8601(created, NULL);

	if (time == NULL)
		return g_strdup("");
	return ocictl_format_time((guint64)g_date_time_to_unix(time) * G_USEC_PER_SEC);
}

typedef struct {
	char *repository, *tag;
	const OcictlImage *image;
} Row;

static void
row_clear(gpointer data)
{
	Row *row = data;

	g_free(row->repository);
	g_free(row->tag);
}

/* One row a name (an image without one has a row of <none>), columns as wide as their
 * widest repository and tag. */
static void
print_table(GPtrArray *list, gboolean no_trunc)
{
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(Row));
	int repository_width = strlen("REPOSITORY"), tag_width = strlen("TAG");

	g_array_set_clear_func(rows, row_clear);
	for (guint i = 0; i < list->len; i++) {
		const OcictlImage *image = g_ptr_array_index(list, i);
		const char *none[] = { "<none>:<none>", NULL };
		char **names = image->names[0] != NULL ? image->names : (char **)none;

		for (char **n = names; *n != NULL; n++) {
			Row row = { .image = image };
			ocictl_image_name_split(*n, &row.repository, &row.tag);
			repository_width = MAX(repository_width, (int)strlen(row.repository));
			tag_width = MAX(tag_width, (int)strlen(row.tag));
			g_array_append_val(rows, row);
		}
	}
	g_print("%-*s  %-*s  %-19s  %-12s  %-25s  %s\n", repository_width, "REPOSITORY", tag_width,
		"TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE");
	for (guint i = 0; i < rows->len; i++) {
		const Row *row = &g_array_index(rows, Row, i);
		g_autofree char *created = format_created(row->image->created);
		g_autofree char *size = g_format_size((guint64)row->image->size);
		g_autofree char *id = ocictl_short_id(row->image->id, no_trunc);
		g_autofree char *digest =
		    no_trunc ? g_strdup(row->image->digest) : g_strndup(row->image->digest, 19);

		g_print("%-*s  %-*s  %-19s  %-12s  %-25s  %s\n", repository_width, row->repository,
			tag_width, row->tag, digest, id, created, size);
	}
}

int
ocictl_cmd_images(Ctl *ctl, int argc, char **argv, GError **error)
{
	g_autofree char *format = NULL;
	gboolean quiet = FALSE, no_trunc = FALSE;
	const GOptionEntry entries[] = {
		{ "format", 0, 0, G_OPTION_ARG_STRING, &format, "json: a JSON array", "FORMAT" },
		{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Only the ids", NULL },
		{ "no-trunc", 0, 0, G_OPTION_ARG_NONE, &no_trunc, "Full ids and digests", NULL },
		{ NULL },
	};
	g_autoptr(OcictlImageStore) store = NULL;
	g_autoptr(GPtrArray) list = NULL;

	(void)ctl;
	if (!ocictl_parse("images", "",
			  "Lists the images in your store: root's under ocid's state dir, "
			  "everyone else's in their XDG data home.",
			  entries, FALSE, &argc, &argv, error) ||
	    !ocictl_check_args("images", argc, argv, 0, 0, "nothing", error))
		return OCICTL_EXIT_ERROR;
	if (format != NULL && !g_str_equal(format, "json")) {
		ocictl_usage_error(error, "images", "--format takes json");
		return OCICTL_EXIT_ERROR;
	}
	store = ocictl_image_store_open(FALSE, error);
	list = store != NULL ? ocictl_image_store_list(store, error) : NULL;
	if (list == NULL)
		return OCICTL_EXIT_ERROR;
	if (format != NULL) {
		g_autoptr(JsonNode) node = json_node_new(JSON_NODE_ARRAY);
		JsonArray *array = json_array_new();
		for (guint i = 0; i < list->len; i++)
			json_array_add_element(
			    array, image_to_json(g_ptr_array_index(list, i), NULL, FALSE));
		json_node_take_array(node, array);
		ocictl_print_json(node, TRUE);
	} else if (quiet) {
		for (guint i = 0; i < list->len; i++) {
			OcictlImage *image = g_ptr_array_index(list, i);
			g_autofree char *id = ocictl_short_id(image->id, no_trunc);
			g_print("%s\n", id);
		}
	} else {
		print_table(list, no_trunc);
	}
	return 0;
}

/* Removes @word: a name loses that name (the image goes with its last name), an id
 * removes the image. Refused while a container uses it, unless @force. */
static gboolean
remove_one(Ctl *ctl, OcictlImageStore *store, Users *users, const char *word, gboolean force,
	   GError **error)
{
	g_autoptr(OcictlImage) image = ocictl_image_store_find(store, word, error);
	g_autoptr(GPtrArray) using = NULL;
	g_autofree char *normalized = ocictl_image_name_normalize(word);
	const char *name = NULL;

	if (image == NULL)
		return FALSE;
	if (g_strv_contains((const char *const *)image->names, word))
		name = word;
	else if (g_strv_contains((const char *const *)image->names, normalized))
		name = normalized;
	if (name != NULL && g_strv_length(image->names) > 1) {
		if (!ocictl_image_store_name(store, "", name, error))
			return FALSE;
		g_print("Untagged: %s\n", name);
		return TRUE;
	}
	using = users_of(ctl, users, store, image, error);
	if (using == NULL) {
		if (!force) {
			g_prefix_error(error,
				       "cannot tell whether a container uses image %.12s (--force "
				       "removes it anyway): ",
				       image->id);
			return FALSE;
		}
		g_clear_error(error);
	} else if (using->len > 0 && !force) {
		g_ptr_array_add(using, NULL);
		g_autofree char *list = g_strjoinv(", ", (char **)using->pdata);
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_FAILED,
			    "image %.12s is in use by the container%s %s; remove %s first, or "
			    "use --force (the containers keep their own copy)",
			    image->id, using->len > 2 ? "s" : "", list,
			    using->len > 2 ? "them" : "it");
		return FALSE;
	}
	if (!ocictl_image_store_remove(store, image, error))
		return FALSE;
	for (char **n = image->names; *n != NULL; n++)
		g_print("Untagged: %s\n", *n);
	g_print("Deleted: %s\n", image->id);
	return TRUE;
}

static int
remove_images(Ctl *ctl, const char *command, int argc, char **argv, GError **error)
{
	gboolean force = FALSE;
	const GOptionEntry entries[] = {
		{ "force", 'f', 0, G_OPTION_ARG_NONE, &force,
		  "Remove an image even while containers made from it exist", NULL },
		{ NULL },
	};
	g_autoptr(OcictlImageStore) store = NULL;
	g_auto(Users) users = { 0 };
	int status = 0;

	if (!ocictl_parse(command, "IMAGE…",
			  "Removes images from your store, by name (a name of several goes "
			  "alone), id or start of an id.",
			  entries, FALSE, &argc, &argv, error) ||
	    !ocictl_check_args(command, argc, argv, 1, -1, "an image", error))
		return OCICTL_EXIT_ERROR;
	store = open_locked(error);
	if (store == NULL)
		return OCICTL_EXIT_ERROR;
	for (int i = 1; i < argc; i++) {
		g_autoptr(GError) local = NULL;
		if (!remove_one(ctl, store, &users, argv[i], force, &local)) {
			g_printerr("ocictl %s: %s\n", command, local->message);
			status = OCICTL_EXIT_ERROR;
		}
	}
	return status;
}

int
ocictl_cmd_rmi(Ctl *ctl, int argc, char **argv, GError **error)
{
	return remove_images(ctl, "rmi", argc, argv, error);
}

/* Container bundles of the store whose container is gone (removed by another client). */
static void
prune_bundles(OcictlImageStore *store, const Users *users)
{
	g_autofree char *dir_path = g_build_filename(store->root, "containers", NULL);
	g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
	const char *entry;

	while (dir != NULL && (entry = g_dir_read_name(dir)) != NULL) {
		g_autofree char *bundle = g_build_filename(dir_path, entry, NULL);
		struct stat st;
		gboolean used = FALSE;

		for (guint i = 0; i < users->bundles->len; i++)
			used |= g_str_equal(g_ptr_array_index(users->bundles, i), bundle);
		if (used || stat(bundle, &st) < 0 ||
		    st.st_mtime > g_get_real_time() / G_USEC_PER_SEC - BUNDLE_GRACE_SECONDS)
			continue;
		if (ocictl_remove_tree(bundle, NULL))
			g_print("Removed the bundle %s\n", bundle);
	}
}

static int
prune(Ctl *ctl, int argc, char **argv, GError **error)
{
	gboolean all = FALSE;
	const GOptionEntry entries[] = {
		{ "all", 'a', 0, G_OPTION_ARG_NONE, &all,
		  "Every image no container uses, not only those without a name", NULL },
		{ NULL },
	};
	g_autoptr(OcictlImageStore) store = NULL;
	g_autoptr(GPtrArray) list = NULL;
	g_auto(Users) users = { 0 };

	if (!ocictl_parse("image prune", "",
			  "Removes the images without a name (with --all, every image) that no "
			  "container uses, and the bundles of containers that are gone.",
			  entries, FALSE, &argc, &argv, error) ||
	    !ocictl_check_args("image prune", argc, argv, 0, 0, "nothing", error))
		return OCICTL_EXIT_ERROR;
	store = open_locked(error);
	if (store == NULL)
		return OCICTL_EXIT_ERROR;
	list = ocictl_image_store_list(store, error);
	/* The bundles of gone containers are found from the containers that remain. */
	if (list == NULL || !list_users(ctl, &users, error))
		return OCICTL_EXIT_ERROR;
	for (guint i = 0; i < list->len; i++) {
		OcictlImage *image = g_ptr_array_index(list, i);
		g_autoptr(GPtrArray) using = users_of(ctl, &users, store, image, error);
		if (using == NULL)
			return OCICTL_EXIT_ERROR;
		if (using->len > 0 || (!all && image->names[0] != NULL))
			continue;
		if (!ocictl_image_store_remove(store, image, error))
			return OCICTL_EXIT_ERROR;
		g_print("%s\n", image->id);
	}
	prune_bundles(store, &users);
	return 0;
}

static int
inspect(Ctl *ctl, int argc, char **argv, GError **error)
{
	g_autoptr(OcictlImageStore) store = NULL;
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_ARRAY);
	JsonArray *array = json_array_new();
	g_auto(Users) users = { 0 };
	gboolean have_users;
	int status = 0;

	json_node_take_array(node, array);
	if (!ocictl_parse("image inspect", "IMAGE…",
			  "Shows images as JSON: ids, names, digest, size, their config and the "
			  "containers made from them.",
			  NULL, FALSE, &argc, &argv, error) ||
	    !ocictl_check_args("image inspect", argc, argv, 1, -1, "an image", error))
		return OCICTL_EXIT_ERROR;
	store = ocictl_image_store_open(TRUE, error);
	if (store == NULL)
		return OCICTL_EXIT_ERROR;
	/* Without the daemon, the image is still shown, without its containers. */
	have_users = list_users(ctl, &users, NULL);
	for (int i = 1; i < argc; i++) {
		g_autoptr(GError) local = NULL;
		g_autoptr(OcictlImage) image = ocictl_image_store_find(store, argv[i], &local);
		g_autoptr(GPtrArray) using = NULL;
		if (image == NULL) {
			g_printerr("ocictl image inspect: %s\n", local->message);
			status = OCICTL_EXIT_ERROR;
			continue;
		}
		using = have_users ? users_of(ctl, &users, store, image, NULL) : NULL;
		json_array_add_element(array, image_to_json(image, using, TRUE));
	}
	ocictl_print_json(node, TRUE);
	return status;
}

int
ocictl_cmd_image(Ctl *ctl, int argc, char **argv, GError **error)
{
	static const char *const usage =
	    "usage: ocictl image inspect|prune|ls|rm|pull …\nSee 'ocictl image COMMAND --help'.";
	const char *verb = argc > 1 ? argv[1] : "";
	g_autofree char *name = g_strdup_printf("ocictl image %s", verb);
	char *first = argv[1];
	int status;

	if (g_str_equal(verb, "--help") || g_str_equal(verb, "-h")) {
		g_print("%s\n", usage);
		return 0;
	}
	/* The verb's own argv[0] is "ocictl image VERB". */
	if (argc > 1)
		argv[1] = name;
	if (g_str_equal(verb, "inspect"))
		status = inspect(ctl, argc - 1, argv + 1, error);
	else if (g_str_equal(verb, "prune"))
		status = prune(ctl, argc - 1, argv + 1, error);
	else if (g_str_equal(verb, "ls") || g_str_equal(verb, "list"))
		status = ocictl_cmd_images(ctl, argc - 1, argv + 1, error);
	else if (g_str_equal(verb, "rm"))
		status = remove_images(ctl, "image rm", argc - 1, argv + 1, error);
	else if (g_str_equal(verb, "pull"))
		status = ocictl_cmd_pull(ctl, argc - 1, argv + 1, error);
	else {
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_USAGE, "%s", usage);
		status = OCICTL_EXIT_ERROR;
	}
	if (argc > 1)
		argv[1] = first;
	return status;
}
