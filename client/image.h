/* Images, on the client side: references (image-ref.c), the caller's local store
 * (image-store.c), pulls with skopeo and unpacks with umoci (image-pull.c), and the bundle
 * a container gets from an image (image-bundle.c). Everything here runs as the user who
 * runs ocictl: root's store is under ocid's state dir, everyone else's in their own XDG
 * data home, unpacked as them (umoci --rootless), so that nothing is unpacked as root for
 * a user and her confined container sees the files as its root's. */
#pragma once

#include "ctl.h"

/* ---- image-ref.c ---- */

typedef struct {
	char *source; /* what skopeo copies from: "docker://127.0.0.1:5000/busybox:1" */
	char *name;   /* the store's name: "127.0.0.1:5000/busybox:1", "oci:/abs/dir:tag" */
} OcictlImageRef;

void ocictl_image_ref_free(OcictlImageRef *ref);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcictlImageRef, ocictl_image_ref_free)

/* Whether a create or run argument is a bundle rather than an image: a path (it starts
 * with '/' or '.') or an existing directory with a config.json. */
gboolean ocictl_is_bundle(const char *arg);

/* Parses docker://REF, oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:REF],
 * or a bare NAME[:TAG|@DIGEST] (a registry's; without a registry host, the first of
 * containers-registries.conf(5)'s unqualified-search-registries, else docker.io). */
OcictlImageRef *ocictl_image_ref_parse(const char *text, GError **error);

/* The same name in the form the store keeps, or a copy of @text when it does not parse. */
char *ocictl_image_name_normalize(const char *text);

/* Splits a store name into repository and tag ("<none>" for a digest or none). */
void ocictl_image_name_split(const char *name, char **repository, char **tag);

/* ---- image-store.c ---- */

typedef struct {
	char *root;        /* the store's directory */
	gboolean rootless; /* not root: unpacked with umoci --rootless */
	int lock_fd;       /* the store's lock while held, else -1 */
} OcictlImageStore;

typedef struct {
	char *id;     /* the config's sha256, 64 hex digits */
	char *digest; /* the manifest's digest, "sha256:..." */
	char **names; /* the names that point at it, may be empty */
	char *created;
	char *pulled;
	gint64 size; /* the bytes of its blobs */
	char *dir;   /* ROOT/images/ID */
} OcictlImage;

void ocictl_image_free(OcictlImage *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcictlImage, ocictl_image_free)
void ocictl_image_store_free(OcictlImageStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcictlImageStore, ocictl_image_store_free)

/* The caller's store ($OCID_IMAGE_STORE, else root's /var/lib/ocid/images, else
 * $XDG_DATA_HOME/ocid/images), made if missing when @create. */
OcictlImageStore *ocictl_image_store_open(gboolean create, GError **error);

/* The store's lock (flock), for changes to names and images. */
gboolean ocictl_image_store_lock(OcictlImageStore *store, GError **error);
void ocictl_image_store_unlock(OcictlImageStore *store);

/* Every image, ordered by pull time, newest first. */
GPtrArray *ocictl_image_store_list(OcictlImageStore *store, GError **error);

/* An image by name (as given or normalized), id, "sha256:ID" or a unique start of its id;
 * OCICTL_ERROR_IMAGE_UNKNOWN when none. */
OcictlImage *ocictl_image_store_find(OcictlImageStore *store, const char *word, GError **error);

/* Adds the record's members (Id, Digest, Names, Created, Pulled, Size) to an object. */
void ocictl_image_add_members(JsonBuilder *b, const OcictlImage *image);

/* Writes @image's record (ROOT/images/ID/image.json, or @dir's when given). */
gboolean ocictl_image_store_write(const OcictlImage *image, const char *dir, GError **error);

/* Gives @name to the image @id alone (other images lose it). Lock held. */
gboolean ocictl_image_store_name(OcictlImageStore *store, const char *id, const char *name,
				 GError **error);

/* Removes the image's files (its layout, rootfs and record). Lock held. */
gboolean ocictl_image_store_remove(OcictlImageStore *store, const OcictlImage *image,
				   GError **error);

/* A new, empty directory under ROOT/@sub (tmp, containers), named from @prefix. */
char *ocictl_image_store_mkdtemp(OcictlImageStore *store, const char *sub, const char *prefix,
				 GError **error);

/* Removes a tree made by the store, as its owner (read-only directories made writable). */
gboolean ocictl_remove_tree(const char *path, GError **error);

/* Whether @bundle is a container's bundle that the caller's store made. */
gboolean ocictl_image_store_owns_bundle(OcictlImageStore *store, const char *bundle);

/* ---- image-pull.c ---- */

typedef enum {
	OCICTL_PULL_MISSING,
	OCICTL_PULL_ALWAYS,
	OCICTL_PULL_NEVER,
} OcictlPullPolicy;

typedef struct {
	OcictlPullPolicy policy;
	const char *tls_verify; /* "true", "false" or NULL (skopeo's default) */
	const char *authfile;   /* NULL: skopeo's own search (containers-auth.json(5)) */
	gboolean quiet;         /* no progress even on a terminal */
} OcictlPullOptions;

/* The options of pull, create and run that say how to pull. */
typedef struct {
	char *policy;
	char *tls_verify;
	char *authfile;
	gboolean quiet;
} OcictlPullFlags;

void ocictl_pull_flags_clear(OcictlPullFlags *flags);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OcictlPullFlags, ocictl_pull_flags_clear)

#define OCICTL_PULL_SOURCE_ENTRIES(p)                                                              \
	{ "tls-verify",                                                                            \
	  0,                                                                                       \
	  0,                                                                                       \
	  G_OPTION_ARG_STRING,                                                                     \
	  &(p)->tls_verify,                                                                        \
	  "false: the registry may be plain http or have any certificate (default true)",          \
	  "BOOL" },                                                                                \
	    { "authfile",                                                                          \
	      0,                                                                                   \
	      0,                                                                                   \
	      G_OPTION_ARG_FILENAME,                                                               \
	      &(p)->authfile,                                                                      \
	      "Registry credentials (default: containers-auth.json(5)'s files)",                   \
	      "FILE" },                                                                            \
	{                                                                                          \
		"quiet", 'q', 0, G_OPTION_ARG_NONE, &(p)->quiet, "No progress while pulling", NULL \
	}

#define OCICTL_PULL_ENTRIES(p)                                                                     \
	{ "pull",                                                                                  \
	  0,                                                                                       \
	  0,                                                                                       \
	  G_OPTION_ARG_STRING,                                                                     \
	  &(p)->policy,                                                                            \
	  "When to pull the image: missing (default), always or never",                            \
	  "POLICY" },                                                                              \
	    OCICTL_PULL_SOURCE_ENTRIES(p)

/* Checks the flags (the policy, tls-verify's value) into @options, which points into them. */
gboolean ocictl_pull_options_from_flags(const OcictlPullFlags *flags, OcictlPullOptions *options,
					GError **error);

/* Brings @ref into the store (skopeo copy to a temporary layout, umoci unpack once per
 * image id, then a rename), as the policy says; the image. Errors are OCICTL_ERROR's
 * IMAGE_UNKNOWN, REGISTRY, IMAGE_CORRUPT or NO_SPACE where skopeo or umoci said so. */
OcictlImage *ocictl_image_pull(OcictlImageStore *store, const OcictlImageRef *ref,
			       const OcictlPullOptions *options, GError **error);

/* Finds @word in the store, pulling it as @options say; the image and the name it goes by
 * (what ImageName gets). */
OcictlImage *ocictl_image_get(OcictlImageStore *store, const char *word,
			      const OcictlPullOptions *options, char **name, GError **error);

/* Runs @argv (skopeo, umoci, cp) with stderr captured; a failure's message holds the last
 * lines skopeo or umoci wrote, classified into OCICTL_ERROR's codes. */
gboolean ocictl_image_tool(const char *const *argv, gboolean progress, const char *what,
			   GError **error);

/* ---- image-bundle.c ---- */

/* Makes a container's bundle from @image: a writable copy of its rootfs and a config.json
 * from its config (entrypoint and cmd, @command replacing cmd; env, working dir, user,
 * stop signal). The bundle's path. */
char *ocictl_image_bundle_make(OcictlImageStore *store, const OcictlImage *image, char **command,
			       const char *hostname, GError **error);

/* The image's OCI config (the "config" object of its config blob). */
JsonObject *ocictl_image_read_config(const OcictlImage *image, JsonNode **holder, GError **error);

/* ---- cmd-image.c ---- */

/* After ocictl rm: removes the container's bundle when ocictl made it from an image. */
void ocictl_image_release_bundle(const char *bundle);
