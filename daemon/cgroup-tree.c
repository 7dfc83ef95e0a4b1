#define G_LOG_DOMAIN "ocid"

#include "cgroup-tree.h"

#include "cleanup.h"
#include "errors.h"

#include "common/cgroup-dirs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
	char *mount;
	char **controllers; /* v1 super options naming controllers; NULL for cgroup2 */
} Hierarchy;

static void
hierarchy_free(Hierarchy *h)
{
	g_free(h->mount);
	g_strfreev(h->controllers);
	g_free(h);
}

gboolean
ocid_cgroup_is_unified(void)
{
	struct statfs fs;

	return statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

/* Every cgroup and cgroup2 mount of /proc/self/mountinfo:
 * "id parent major:minor root mountpoint options [optional...] - fstype source super". */
static GPtrArray *
read_hierarchies(void)
{
	GPtrArray *all = g_ptr_array_new_with_free_func((GDestroyNotify)hierarchy_free);
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (!g_file_get_contents("/proc/self/mountinfo", &text, NULL, NULL))
		return all;
	lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i] != NULL; i++) {
		const char *dash = strstr(lines[i], " - ");
		g_auto(GStrv) head = NULL;
		g_auto(GStrv) tail = NULL;
		Hierarchy *h;

		if (dash == NULL)
			continue;
		head = g_strsplit(lines[i], " ", 6);
		tail = g_strsplit(dash + 3, " ", 3);
		if (g_strv_length(head) < 6 || g_strv_length(tail) < 3)
			continue;
		if (!g_str_equal(tail[0], "cgroup") && !g_str_equal(tail[0], "cgroup2"))
			continue;
		h = g_new0(Hierarchy, 1);
		h->mount = g_strcompress(head[4]);
		if (g_str_equal(tail[0], "cgroup"))
			h->controllers = g_strsplit(tail[2], ",", -1);
		g_ptr_array_add(all, h);
	}
	return all;
}

/* The mounts of read_hierarchies(), read once: a host does not mount or move its cgroup
 * hierarchies under a running daemon, and each read of mountinfo cost some 0.1 ms, three or
 * four times per container. A read that finds none is not kept. */
static GPtrArray *
hierarchies(void)
{
	static GMutex lock;
	static GPtrArray *kept = NULL;
	GPtrArray *all;

	g_mutex_lock(&lock);
	if (kept != NULL) {
		all = g_ptr_array_ref(kept);
	} else {
		all = read_hierarchies();
		if (all->len > 0)
			kept = g_ptr_array_ref(all);
	}
	g_mutex_unlock(&lock);
	return all;
}

static gboolean
has_controller(const Hierarchy *h, const char *controller)
{
	return h->controllers != NULL &&
	       g_strv_contains((const char *const *)h->controllers, controller);
}

/* mkdir -p of @path below @mount, each v1 cpuset level filled (common/cgroup-dirs.h). */
static int
make_path(const Hierarchy *h, const char *path)
{
	g_autofree char *dir = g_build_filename(h->mount, path, NULL);

	return ocid_cgroup_make_dirs(dir, strlen(h->mount), has_controller(h, "cpuset"));
}

gboolean
ocid_cgroup_enter_leaf(const char *group, const char *leaf, pid_t pid, GError **error)
{
	g_autoptr(GPtrArray) all = hierarchies();
	g_autofree char *path = g_build_filename(group, leaf, NULL);
	g_autofree char *pid_text = g_strdup_printf("%d", (int)pid);

	if (all->len == 0)
		return ocid_error_set(error, OCID_ERROR_FAILED,
				      "No cgroup hierarchy is mounted; ocid needs /sys/fs/cgroup");
	for (guint i = 0; i < all->len; i++) {
		const Hierarchy *h = all->pdata[i];
		g_autofree char *procs = g_build_filename(h->mount, path, "cgroup.procs", NULL);
		/* A leaf made before (the create monitor's) takes the move at once, without a
		 * mkdir of each level again. */
		int r = ocid_cgroup_write(procs, pid_text);

		if (r == -ENOENT) {
			r = make_path(h, path);
			if (r < 0)
				return ocid_error_set(error, OCID_ERROR_FAILED,
						      "Cannot make the cgroup %s%s: %s", h->mount,
						      path, g_strerror(-r));
			r = ocid_cgroup_write(procs, pid_text);
		}
		if (r < 0)
			return ocid_error_set(error, OCID_ERROR_FAILED,
					      "Cannot move process %d into the cgroup %s%s: %s",
					      (int)pid, h->mount, path, g_strerror(-r));
	}
	return TRUE;
}

static const char *const known_leaves[] = { OCID_CGROUP_SUPERVISOR, OCID_CGROUP_CONTAINER, NULL };

static gboolean
is_known_leaf(const char *dir)
{
	const char *name = strrchr(dir, '/');

	return name != NULL && g_strv_contains(known_leaves, name + 1);
}

/* The supervisor's leaf first, then the group: the teardown has removed the container's
 * leaf by then (a step of its own), so its rmdir would only fail with ENOENT, once in each
 * hierarchy. A group that still holds it is busy, and goes after it. */
static gboolean
remove_known_leaves(const char *dir)
{
	for (guint i = 0; known_leaves[i] != NULL; i++) {
		g_autofree char *leaf = g_build_filename(dir, known_leaves[i], NULL);

		if (rmdir(leaf) < 0 && errno != ENOENT)
			return FALSE;
		if (rmdir(dir) == 0 || errno == ENOENT)
			return TRUE;
		if (errno != EBUSY && errno != ENOTEMPTY)
			return FALSE;
	}
	return FALSE;
}

/* rmdir of @dir and every directory below it, depth first. A leaf goes with its first
 * rmdir; only a dir with children is listed, by the type readdir gives (a cgroup dir
 * holds dozens of control files, which a stat each would cost some milliseconds). */
static int
remove_tree(const char *dir)
{
	g_autoptr(DIR) d = NULL;
	struct dirent *entry;
	int r = 0;

	/* ocid's group holds these two leaves at most: they go first, without a failed rmdir
	 * of the group or a listing of its control files, which costs more than the rmdirs. */
	if (!is_known_leaf(dir) && remove_known_leaves(dir))
		return 0;
	if (rmdir(dir) == 0 || errno == ENOENT)
		return 0;
	if (errno != EBUSY && errno != ENOTEMPTY)
		return -errno;
	d = opendir(dir);
	if (d == NULL)
		return errno == ENOENT ? 0 : -errno;
	while ((entry = readdir(d)) != NULL) {
		g_autofree char *child = NULL;
		int rc;

		if (entry->d_type != DT_DIR && entry->d_type != DT_UNKNOWN)
			continue;
		if (g_str_equal(entry->d_name, ".") || g_str_equal(entry->d_name, ".."))
			continue;
		child = g_build_filename(dir, entry->d_name, NULL);
		if (entry->d_type == DT_UNKNOWN && !g_file_test(child, G_FILE_TEST_IS_DIR))
			continue;
		rc = remove_tree(child);
		if (r == 0)
			r = rc;
	}
	if (rmdir(dir) < 0 && errno != ENOENT && r == 0)
		r = -errno;
	return r;
}

gboolean
ocid_cgroup_remove_group(const char *group, GError **error)
{
	g_autoptr(GPtrArray) all = hierarchies();
	int first = 0;
	g_autofree char *where = NULL;

	if (group == NULL || *group == '\0' || g_str_equal(group, "/"))
		return TRUE;
	for (guint i = 0; i < all->len; i++) {
		const Hierarchy *h = all->pdata[i];
		g_autofree char *dir = g_build_filename(h->mount, group, NULL);
		int r = remove_tree(dir);

		if (r < 0 && first == 0) {
			first = r;
			where = g_steal_pointer(&dir);
		}
	}
	if (first < 0)
		return ocid_error_set(error, OCID_ERROR_FAILED, "Cannot remove the cgroup %s: %s",
				      where, g_strerror(-first));
	return TRUE;
}

/* @path's directory in the hierarchy of @controller (NULL: the unified one). */
static char *
dir_in(const char *path, const char *controller)
{
	g_autoptr(GPtrArray) all = NULL;

	if (path == NULL || *path != '/')
		return NULL;
	all = hierarchies();
	for (guint i = 0; i < all->len; i++) {
		const Hierarchy *h = all->pdata[i];

		if (controller == NULL ? h->controllers == NULL : has_controller(h, controller))
			return g_build_filename(h->mount, path, NULL);
	}
	/* On a pure v2 host every controller is in the one hierarchy. */
	for (guint i = 0; controller != NULL && i < all->len; i++) {
		const Hierarchy *h = all->pdata[i];

		if (h->controllers == NULL && ocid_cgroup_is_unified())
			return g_build_filename(h->mount, path, NULL);
	}
	return NULL;
}

char *
ocid_cgroup_container_dir(const OcidContainer *c, const char *controller)
{
	g_autofree char *cgroups_path = ocid_container_cgroups_path(c);

	return dir_in(cgroups_path, controller);
}

char *
ocid_cgroup_container_read(const OcidContainer *c, const char *controller, const char *file)
{
	g_autofree char *dir = ocid_cgroup_container_dir(c, controller);
	g_autofree char *path = NULL;
	char *text = NULL;

	if (dir == NULL)
		return NULL;
	path = g_build_filename(dir, file, NULL);
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return NULL;
	return g_strstrip(text);
}

int
ocid_cgroup_container_frozen(const OcidContainer *c)
{
	g_autofree char *state = NULL;
	g_autofree char *events = NULL;

	/* The v1 freezer where there is one (hybrid hosts too: runc and crun freeze there). */
	state = ocid_cgroup_container_read(c, "freezer", "freezer.state");
	if (state != NULL && !ocid_cgroup_is_unified())
		return g_str_equal(state, "FROZEN") ? 1 : 0;
	events = ocid_cgroup_container_read(c, NULL, "cgroup.events");
	if (events == NULL)
		return -ENOENT;
	return strstr(events, "frozen 1") != NULL ? 1 : 0;
}
