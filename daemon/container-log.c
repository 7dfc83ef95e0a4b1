#define G_LOG_DOMAIN "ocid"

#include "container-log.h"

#include "cleanup.h"
#include "errors.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define COPY_CHUNK (64 * 1024)

void
ocid_container_log_remove_owned(const OcidConfig *config, const OcidContainer *c)
{
	g_autofree char *default_path = g_strdup_printf("%s/%s.log", config->log_dir, c->id);
	g_autofree char *rotated = g_strconcat(c->log_path, ".1", NULL);
	/* A state.json from before ownership was recorded: ocid's own name tells. */
	gboolean owned = c->log_owned >= 0 ? c->log_owned : g_str_equal(c->log_path, default_path);

	if (!owned)
		return;
	if (g_unlink(c->log_path) < 0 && errno != ENOENT)
		g_warning("Could not remove the log %s: %s", c->log_path, g_strerror(errno));
	(void)g_unlink(rotated);
}

/* The offset of the first of the last @lines lines of @fd (of @size bytes). A final line
 * without its newline counts as a line. */
static off_t
tail_offset(int fd, off_t size, guint64 lines)
{
	char buf[8192];
	off_t end = size;
	guint64 seen = 0;

	if (lines == 0)
		return size;
	while (end > 0) {
		size_t len = (size_t)MIN((off_t)sizeof buf, end);
		off_t start = end - (off_t)len;
		ssize_t n = pread(fd, buf, len, start);

		if (n != (ssize_t)len)
			return 0;
		for (ssize_t i = n - 1; i >= 0; i--) {
			/* The newline ending the file ends the last line, not a line after it. */
			if (buf[i] != '\n' || start + i == size - 1)
				continue;
			if (++seen == lines)
				return start + i + 1;
		}
		end = start;
	}
	return 0;
}

int
ocid_container_log_open(const OcidContainer *c, gboolean has_tail, guint64 tail, GError **error)
{
	ocid_autofd int fd = open(c->log_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;

	if (fd < 0) {
		ocid_error_set(error,
			       errno == ENOENT ? OCID_ERROR_INVALID_STATE : OCID_ERROR_FAILED,
			       "Cannot open the log %s of container %s: %s", c->log_path, c->id,
			       g_strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ocid_error_set(error, OCID_ERROR_FAILED, "The log %s is not a regular file",
			       c->log_path);
		return -1;
	}
	/* Readers block as on any file. */
	if (fcntl(fd, F_SETFL, 0) < 0 ||
	    (has_tail && lseek(fd, tail_offset(fd, st.st_size, tail), SEEK_SET) < 0)) {
		ocid_error_set(error, OCID_ERROR_FAILED, "Cannot position the log %s: %s",
			       c->log_path, g_strerror(errno));
		return -1;
	}
	return ocid_steal_fd(&fd);
}

/* ---- follow ------------------------------------------------------------------------ */

struct OcidLogFollow {
	char *path;
	char *name; /* the file's name in its dir, which inotify events carry */
	int fd;     /* the file being copied, at the position reached */
	int pipe_fd;
	int inotify_fd;
	guint inotify_watch;
	guint pipe_watch; /* G_IO_ERR always (the reader left), G_IO_OUT while the pipe is full */
	gboolean blocked;
	gboolean finishing;
	gboolean closed;
	char buf[COPY_CHUNK];
	size_t pending; /* bytes of buf not yet in the pipe */
	size_t pending_off;
	OcidLogFollowClosedFunc closed_func;
	gpointer user_data;
};

static void pump(OcidLogFollow *f);

static void
close_follow(OcidLogFollow *f)
{
	if (f->closed)
		return;
	f->closed = TRUE;
	g_clear_handle_id(&f->inotify_watch, g_source_remove);
	g_clear_handle_id(&f->pipe_watch, g_source_remove);
	ocid_close_fdp(&f->pipe_fd);
	ocid_close_fdp(&f->inotify_fd);
	ocid_close_fdp(&f->fd);
}

/* The end: nothing touches @f after this, since the owner may free it here. */
static void
end_follow(OcidLogFollow *f)
{
	close_follow(f);
	f->closed_func(f, f->user_data);
}

static gboolean
on_pipe(int fd, GIOCondition condition, gpointer user_data)
{
	OcidLogFollow *f = user_data;

	if (condition & (G_IO_ERR | G_IO_HUP)) {
		f->pipe_watch = 0;
		end_follow(f);
		return G_SOURCE_REMOVE;
	}
	pump(f);
	return G_SOURCE_CONTINUE;
}

static void
watch_pipe(OcidLogFollow *f, gboolean blocked)
{
	if (f->closed || (f->pipe_watch != 0 && f->blocked == blocked))
		return;
	g_clear_handle_id(&f->pipe_watch, g_source_remove);
	f->blocked = blocked;
	f->pipe_watch = g_unix_fd_add(f->pipe_fd, G_IO_ERR | (blocked ? G_IO_OUT : 0), on_pipe, f);
}

/* The path names another file than the one being read: the monitor rotated it. */
static gboolean
rotated(OcidLogFollow *f)
{
	struct stat now, reading;

	if (stat(f->path, &now) < 0 || fstat(f->fd, &reading) < 0)
		return FALSE;
	return now.st_ino != reading.st_ino || now.st_dev != reading.st_dev;
}

/* Copies what the file holds into the pipe, as far as the pipe takes it; at the end of a
 * rotated file goes on with the new one, at the end of a finished one closes. */
static void
pump(OcidLogFollow *f)
{
	while (!f->closed) {
		ssize_t n;

		if (f->pending > 0) {
			n = write(f->pipe_fd, f->buf + f->pending_off, f->pending);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN) {
				watch_pipe(f, TRUE);
				return;
			}
			if (n < 0) {
				end_follow(f);
				return;
			}
			f->pending -= (size_t)n;
			f->pending_off += (size_t)n;
			continue;
		}
		n = read(f->fd, f->buf, sizeof f->buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0) {
			f->pending = (size_t)n;
			f->pending_off = 0;
			continue;
		}
		/* At the end of the file (or unable to read it). */
		if (n == 0 && rotated(f)) {
			int next = open(f->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

			if (next >= 0) {
				ocid_close_fdp(&f->fd);
				f->fd = next;
				continue;
			}
		}
		if (n < 0 || f->finishing) {
			end_follow(f);
			return;
		}
		watch_pipe(f, FALSE);
		return;
	}
}

static gboolean
on_inotify(int fd, GIOCondition condition, gpointer user_data)
{
	OcidLogFollow *f = user_data;
	char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	gboolean ours = FALSE;
	ssize_t n = read(fd, events, sizeof events);

	/* Events of other containers' logs in the same dir are no reason to read ours; an
	 * overflow or an error might have been ours. */
	if (n <= 0)
		ours = TRUE;
	for (ssize_t off = 0; off < n;) {
		const struct inotify_event *ev = (const struct inotify_event *)(events + off);

		if ((ev->mask & IN_Q_OVERFLOW) || (ev->len > 0 && g_str_equal(ev->name, f->name)))
			ours = TRUE;
		off += (ssize_t)(sizeof *ev + ev->len);
	}
	if (ours && !f->blocked)
		pump(f);
	return G_SOURCE_CONTINUE;
}

OcidLogFollow *
ocid_log_follow_new(const char *path, int fd, OcidLogFollowClosedFunc closed, gpointer user_data,
		    int *reader_fd, GError **error)
{
	g_autofree char *dir = g_path_get_dirname(path);
	OcidLogFollow *f = g_new0(OcidLogFollow, 1);
	int fds[2];

	f->path = g_strdup(path);
	f->name = g_path_get_basename(path);
	f->fd = fd;
	f->pipe_fd = -1;
	f->closed_func = closed;
	f->user_data = user_data;
	f->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	/* Written (IN_MODIFY), replaced by the rotation (IN_CREATE, IN_MOVED_TO). */
	if (f->inotify_fd < 0 ||
	    inotify_add_watch(f->inotify_fd, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0 ||
	    pipe2(fds, O_CLOEXEC) < 0) {
		ocid_error_set(error, OCID_ERROR_FAILED, "Cannot follow the log %s: %s", path,
			       g_strerror(errno));
		ocid_log_follow_free(f);
		return NULL;
	}
	f->pipe_fd = fds[1];
	*reader_fd = fds[0];
	(void)fcntl(f->pipe_fd, F_SETFL, O_NONBLOCK);
	f->inotify_watch = g_unix_fd_add(f->inotify_fd, G_IO_IN, on_inotify, f);
	/* The first copy from the loop (an empty pipe is writable at once), so that the
	 * caller has the follower before it can end. */
	watch_pipe(f, TRUE);
	return f;
}

void
ocid_log_follow_finish(OcidLogFollow *f)
{
	f->finishing = TRUE;
	if (!f->blocked)
		pump(f);
}

void
ocid_log_follow_free(OcidLogFollow *f)
{
	if (f == NULL)
		return;
	close_follow(f);
	g_free(f->path);
	g_free(f->name);
	g_free(f);
}
