#include "start-fifo.h"

#include "cleanup.h"
#include "errors.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

OcidStartProtocol
ocid_start_protocol_for_version(const char *version_line)
{
	if (version_line == NULL)
		return OCID_START_BY_RUNTIME;
	if (g_str_has_prefix(version_line, "runc version "))
		return OCID_START_FIFO_READ;
	if (g_str_has_prefix(version_line, "crun version "))
		return OCID_START_FIFO_WRITE;
	return OCID_START_BY_RUNTIME;
}

gboolean
ocid_spec_has_hooks(JsonNode *spec, const char *kind)
{
	JsonNode *hooks;
	JsonNode *list;

	if (spec == NULL || !JSON_NODE_HOLDS_OBJECT(spec))
		return TRUE;
	hooks = json_object_get_member(json_node_get_object(spec), "hooks");
	if (hooks == NULL || JSON_NODE_HOLDS_NULL(hooks))
		return FALSE;
	if (!JSON_NODE_HOLDS_OBJECT(hooks))
		return TRUE;
	list = json_object_get_member(json_node_get_object(hooks), kind);
	if (list == NULL || JSON_NODE_HOLDS_NULL(list))
		return FALSE;
	return !JSON_NODE_HOLDS_ARRAY(list) || json_array_get_length(json_node_get_array(list)) > 0;
}

gboolean
ocid_start_spec_allows_fifo(JsonNode *spec)
{
	return !ocid_spec_has_hooks(spec, "poststart");
}

/* A runc start in flight: init has not written its byte yet. */
typedef struct {
	char *path;
	int fifo_fd;
	int pidfd; /* our own dup: the container's may be closed when it exits */
	guint fifo_watch;
	guint pidfd_watch;
	OcidRuntimeDoneFunc done;
	gpointer user_data;
} FifoRead;

static void
fifo_read_free(FifoRead *op)
{
	g_clear_handle_id(&op->fifo_watch, g_source_remove);
	g_clear_handle_id(&op->pidfd_watch, g_source_remove);
	closep(&op->fifo_fd);
	closep(&op->pidfd);
	g_free(op->path);
	g_free(op);
}

static void
report_dead(OcidRuntimeDoneFunc done, gpointer user_data, const char *id_path)
{
	g_autoptr(GError) error = g_error_new(
	    OCID_ERROR, OCID_ERROR_RUNTIME_FAILED,
	    "The container's process exited before it was started (%s was never written); "
	    "its exit is reported as usual",
	    id_path);

	done(NULL, error, user_data);
}

/* 1: released (the fifo is unlinked, as runc start does); 0: not yet; -1: init is gone
 * without writing (EOF after its open, or an error). */
static int
try_read(FifoRead *op)
{
	char byte;
	ssize_t n;

	do
		n = read(op->fifo_fd, &byte, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1) {
		/* runc state says created for as long as the fifo exists. */
		if (unlink(op->path) < 0 && errno != ENOENT)
			g_warning("Cannot remove %s: %s", op->path, g_strerror(errno));
		return 1;
	}
	if (n < 0 && errno == EAGAIN)
		return 0;
	return -1;
}

static void
finish(FifoRead *op, int outcome)
{
	OcidRuntimeDoneFunc done = op->done;
	gpointer user_data = op->user_data;
	g_autofree char *path = g_strdup(op->path);

	fifo_read_free(op);
	if (outcome == 1)
		done("", NULL, user_data);
	else
		report_dead(done, user_data, path);
}

static gboolean
on_fifo(int fd, GIOCondition condition, gpointer user_data)
{
	FifoRead *op = user_data;
	int outcome = try_read(op);

	/* Readable without data and without HUP is EOF of a writer that never wrote. */
	if (outcome == 0 && (condition & G_IO_HUP) == 0)
		return G_SOURCE_CONTINUE;
	op->fifo_watch = 0;
	if (outcome == 1) {
		finish(op, 1);
		return G_SOURCE_REMOVE;
	}
	/* Init closed its end without writing: it is dying, but the kernel closes a dying
	 * task's files before its pidfd says it exited. The answer waits for that, so the
	 * start is never taken for a failure of a container whose exit is on its way. */
	return G_SOURCE_REMOVE;
}

static gboolean
on_pidfd(int fd, GIOCondition condition, gpointer user_data)
{
	FifoRead *op = user_data;

	/* Init may have written its byte and the process exited since (true): the byte is
	 * still in the pipe, which our open end keeps. */
	op->pidfd_watch = 0;
	finish(op, try_read(op) == 1 ? 1 : -1);
	return G_SOURCE_REMOVE;
}

static gboolean
begin_read(const char *path, int container_pidfd, OcidRuntimeDoneFunc done, gpointer user_data)
{
	_cleanup_close_ int fd = -1;
	_cleanup_close_ int pidfd = -1;
	FifoRead *op;
	struct stat st;
	int outcome;

	/* Non-blocking: a reader need not wait for init's open, and a dead init must not hang
	 * the loop. The fifo stays at its path until the byte is read. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		return FALSE;
	pidfd = fcntl(container_pidfd, F_DUPFD_CLOEXEC, 3);
	if (pidfd < 0)
		return FALSE;
	op = g_new0(FifoRead, 1);
	op->path = g_strdup(path);
	op->fifo_fd = steal_fd(&fd);
	op->pidfd = steal_fd(&pidfd);
	op->done = done;
	op->user_data = user_data;
	/* Usually init already waits in its open, and the byte is there at once. */
	outcome = try_read(op);
	if (outcome == 1) {
		finish(op, 1);
		return TRUE;
	}
	/* No writer yet (EOF before init's open) reads as -1 here: wait for one. */
	op->fifo_watch = g_unix_fd_add(op->fifo_fd, G_IO_IN | G_IO_HUP, on_fifo, op);
	op->pidfd_watch = g_unix_fd_add(op->pidfd, G_IO_IN, on_pidfd, op);
	return TRUE;
}

static gboolean
begin_write(const char *path, OcidRuntimeDoneFunc done, gpointer user_data)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	ssize_t n;

	/* ENXIO: nobody holds the read end, so init is gone or this is not crun's protocol;
	 * `crun start` then says which. */
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		return FALSE;
	/* crun's order: the fifo goes before the byte, so state says running once it runs. */
	if (unlink(path) < 0 && errno != ENOENT)
		return FALSE;
	do
		n = write(fd, "", 1);
	while (n < 0 && errno == EINTR);
	if (n != 1) {
		g_autoptr(GError) error =
		    g_error_new(OCID_ERROR, OCID_ERROR_RUNTIME_FAILED,
				"Cannot release the container through %s: %s", path,
				n < 0 ? g_strerror(errno) : "short write");
		done(NULL, error, user_data);
		return TRUE;
	}
	done("", NULL, user_data);
	return TRUE;
}

gboolean
ocid_start_fifo_begin(OcidStartProtocol protocol, const char *runtime_root, const char *id,
		      int container_pidfd, OcidRuntimeDoneFunc done, gpointer user_data)
{
	g_autofree char *path = g_build_filename(runtime_root, id, "exec.fifo", NULL);

	if (container_pidfd < 0)
		return FALSE;
	switch (protocol) {
	case OCID_START_FIFO_READ:
		return begin_read(path, container_pidfd, done, user_data);
	case OCID_START_FIFO_WRITE:
		return begin_write(path, done, user_data);
	case OCID_START_BY_RUNTIME:
		break;
	}
	return FALSE;
}
