#include "flusher.h"

#include "cleanup.h"
#include "remove-tree.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

struct OcidFlusher {
	GThreadPool *pool; /* one thread: the jobs keep their order */
};

typedef enum {
	JOB_FLUSH,
	JOB_REMOVE,
} JobKind;

typedef struct {
	JobKind kind;
	char path[];
} Job;

static void
fsync_path(const char *path, int flags)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | flags);

	if (fd >= 0 && fsync(fd) < 0)
		g_warning("Cannot flush %s to disk: %s", path, g_strerror(errno));
}

static void
run_job(gpointer data, gpointer user_data)
{
	g_autofree Job *job = data;

	if (job->kind == JOB_REMOVE) {
		if (!ocid_remove_tree_at(AT_FDCWD, job->path))
			g_warning("Could not remove %s: %s", job->path, g_strerror(errno));
		return;
	}
	g_autofree char *dir = g_path_get_dirname(job->path);

	fsync_path(job->path, O_NOFOLLOW);
	fsync_path(dir, O_DIRECTORY);
}

OcidFlusher *
ocid_flusher_new(void)
{
	OcidFlusher *flusher = g_new0(OcidFlusher, 1);

	flusher->pool = g_thread_pool_new(run_job, NULL, 1, FALSE, NULL);
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

static void
push(OcidFlusher *flusher, JobKind kind, const char *path)
{
	size_t len = strlen(path) + 1;
	Job *job = g_malloc(sizeof(Job) + len);

	job->kind = kind;
	memcpy(job->path, path, len);
	(void)g_thread_pool_push(flusher->pool, job, NULL);
}

void
ocid_flusher_push(OcidFlusher *flusher, const char *path)
{
	push(flusher, JOB_FLUSH, path);
}

void
ocid_flusher_push_removal(OcidFlusher *flusher, const char *path)
{
	push(flusher, JOB_REMOVE, path);
}
