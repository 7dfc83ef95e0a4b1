#include "flusher.h"

#include "cleanup.h"

#include <fcntl.h>
#include <unistd.h>

struct OcidFlusher {
	GThreadPool *pool; /* one thread: the flushes keep their order */
};

static void
fsync_path(const char *path, int flags)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | flags);

	if (fd >= 0 && fsync(fd) < 0)
		g_warning("Cannot flush %s to disk: %s", path, g_strerror(errno));
}

static void
flush(gpointer data, gpointer user_data)
{
	g_autofree char *path = data;
	g_autofree char *dir = g_path_get_dirname(path);

	fsync_path(path, O_NOFOLLOW);
	fsync_path(dir, O_DIRECTORY);
}

OcidFlusher *
ocid_flusher_new(void)
{
	OcidFlusher *flusher = g_new0(OcidFlusher, 1);

	flusher->pool = g_thread_pool_new(flush, NULL, 1, FALSE, NULL);
	return flusher;
}

void
ocid_flusher_free(OcidFlusher *flusher)
{
	if (flusher == NULL)
		return;
	g_thread_pool_free(flusher->pool, FALSE, TRUE);
	g_free(flusher);
}

void
ocid_flusher_push(OcidFlusher *flusher, const char *path)
{
	(void)g_thread_pool_push(flusher->pool, g_strdup(path), NULL);
}
