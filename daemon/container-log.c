#define G_LOG_DOMAIN "ocid"

#include "container-log.h"

#include "caller.h"
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
	g_autofree char *log_path = ocid_container_log_path(c);
	g_autofree char *default_path = NULL;
	g_autofree char *rotated = NULL;

	if (log_path == NULL)
		return;
	/* A state.json from before ownership was recorded: ocid's own name tells. */
	if (c->log_owned < 0) {
		default_path = g_strdup_printf("%s/%s.log", config->log_dir, c->id);
		if (!g_str_equal(log_path, default_path))
			return;
	} else if (!c->log_owned) {
		return;
	}
	if (g_unlink(log_path) < 0 && errno != ENOENT)
		g_warning("Could not remove the log %s: %s", log_path, g_strerror(errno));
	rotated = g_strconcat(log_path, ".1", NULL);
	(void)g_unlink(rotated);
}

OcidLogOpen *
ocid_log_open_new(const OcidContainer *c, gboolean has_tail, guint64 tail, gboolean follow)
{
	OcidLogOpen *request = g_new0(OcidLogOpen, 1);

	request->id = g_strdup(c->id);
	request->path = ocid_container_log_path(c);
	request->as_owner = ocid_container_log_is_owners(c);
	request->owner_uid = c->owner_uid;
	request->owner_gid = c->owner_gid;
	request->has_tail = has_tail;
	request->tail = tail;
	request->follow = follow;
	request->driver = c->log_driver;
	request->created_usec = c->created_usec;
	return request;
}

OcidLogOpen *
ocid_log_open_copy(const OcidLogOpen *request)
{
	OcidLogOpen *copy = g_memdup2(request, sizeof *request);

	copy->id = g_strdup(request->id);
	copy->path = g_strdup(request->path);
	return copy;
}

void
ocid_log_open_free(OcidLogOpen *request)
{
	if (request == NULL)
		return;
	g_free(request->id);
	g_free(request->path);
	g_free(request);
}

#define TAIL_CHUNK       (64 * 1024)
#define TAIL_PROBE_FIRST (1024 * 1024)
/* lseek calls a tail may make to find data between holes: a file of a few extents needs a
 * handful, a dense one a few per MiB read. */
#define TAIL_SEEKS_MAX 4096

typedef struct {
	guint seeks;
} TailBudget;

/* The last stretch of data that ends at or before @end, as [*data_start, returned end),
 * skipping holes (which hold no newline: they read as zeros). 0 when there is no data
 * before @end, -1 when the budget is spent. A filesystem that cannot tell holes has one
 * extent, all data. Probes backwards from @end in growing steps, so that a hole of any
 * size costs a few dozen seeks. */
static off_t
data_before(int fd, off_t end, off_t *data_start, TailBudget *budget)
{
	off_t probe_end = end;
	off_t step = TAIL_PROBE_FIRST;

	for (;;) {
		off_t probe = probe_end > step ? probe_end - step : 0;
		off_t data;

		if (++budget->seeks > TAIL_SEEKS_MAX)
			return -1;
		data = lseek(fd, probe, SEEK_DATA);
		if (data < 0 && errno != ENXIO) {
			*data_start = 0;
			return probe_end;
		}
		if (data >= 0 && data < probe_end) {
			/* Data in [probe, probe_end): its last extent there. */
			for (;;) {
				off_t hole, next;

				if (++budget->seeks > TAIL_SEEKS_MAX)
					return -1;
				hole = lseek(fd, data, SEEK_HOLE);
				*data_start = data;
				if (hole < 0 || hole >= probe_end)
					return probe_end;
				if (++budget->seeks > TAIL_SEEKS_MAX)
					return -1;
				next = lseek(fd, hole, SEEK_DATA);
				if (next < 0 || next >= probe_end)
					return hole;
				data = next;
			}
		}
		/* [probe, end) is all hole. */
		if (probe == 0)
			return 0;
		probe_end = probe;
		step = step < G_MAXINT64 / 2 ? step * 2 : step;
	}
}

/* The offset of the first of the last @lines lines of @fd (of @size bytes). A final line
 * without its newline counts as a line. Beyond the budget (OCID_LOG_TAIL_SCAN_MAX bytes
 * read, TAIL_SEEKS_MAX seeks) it settles for the earliest whole line found, or where it
 * stopped if it found none. */
static off_t
tail_offset(int fd, off_t size, guint64 lines)
{
	g_autofree char *buf = NULL;
	TailBudget budget = { 0 };
	off_t end = size;
	off_t data_start = size; /* nothing known yet: probe first */
	off_t line_start = -1;   /* the earliest line start found */
	off_t read_total = 0;
	guint64 seen = 0;

	if (lines == 0)
		return size;
	buf = g_malloc(TAIL_CHUNK);
	while (end > 0) {
		size_t len;
		off_t start;
		ssize_t n;

		if (end <= data_start) {
			off_t data_end = data_before(fd, end, &data_start, &budget);

			if (data_end < 0)
				return line_start >= 0 ? line_start : end;
			if (data_end == 0)
				break;
			end = data_end;
		}
		if (read_total >= OCID_LOG_TAIL_SCAN_MAX)
			return line_start >= 0 ? line_start : end;
		len = (size_t)MIN((off_t)TAIL_CHUNK, end - data_start);
		start = end - (off_t)len;
		n = pread(fd, buf, len, start);
		if (n != (ssize_t)len)
			return 0;
		read_total += n;
		for (ssize_t i = n - 1; i >= 0; i--) {
			/* The newline ending the file ends the last line, not a line after it. */
			if (buf[i] != '\n' || start + i == size - 1)
				continue;
			line_start = start + i + 1;
			if (++seen == lines)
				return line_start;
		}
		end = start;
	}
	return 0;
}

static int
log_open_error(GError **error, const OcidLogOpen *request, int errnum)
{
	if (request->as_owner && (errnum == EACCES || errnum == EPERM))
		ocid_error_set(error, OCID_ERROR_ACCESS_DENIED,
			       "Cannot open the log %s of container %s as its owner (uid %u): %s",
			       request->path, request->id, (unsigned)request->owner_uid,
			       g_strerror(errnum));
	else
		ocid_error_set(error,
			       errnum == ENOENT ? OCID_ERROR_INVALID_STATE : OCID_ERROR_FAILED,
			       "Cannot open the log %s of container %s: %s", request->path,
			       request->id, g_strerror(errnum));
	return -1;
}

int
ocid_container_log_open(const OcidLogOpen *request, int *ret_dir_fd, GError **error)
{
	g_autoptr(OcidCaller) owner = NULL;
	g_auto(OcidCallerScope) scope = { 0 };
	g_autofree char *dir = g_path_get_dirname(request->path);
	_cleanup_close_ int fd = -1;
	_cleanup_close_ int dir_fd = -1;
	struct stat st;

	/* Her authority for every lookup: a log_path she swapped for a symlink (any component
	 * but the last, which O_NOFOLLOW refuses) or a hardlink to a file of root's opens only
	 * if she could open it herself. */
	if (request->as_owner) {
		owner = ocid_caller_new(request->owner_uid, request->owner_gid);
		if (!ocid_caller_enter(owner, &scope, error))
			return -1;
	}
	fd = open(request->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return log_open_error(error, request, errno);
	if (request->follow) {
		dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dir_fd < 0)
			return log_open_error(error, request, errno);
	}
	ocid_caller_leave(&scope);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ocid_error_set(error, OCID_ERROR_FAILED, "The log %s is not a regular file",
			       request->path);
		return -1;
	}
	/* Readers block as on any file. */
	if (fcntl(fd, F_SETFL, 0) < 0 ||
	    (request->has_tail &&
	     lseek(fd, tail_offset(fd, st.st_size, request->tail), SEEK_SET) < 0)) {
		ocid_error_set(error, OCID_ERROR_FAILED, "Cannot position the log %s: %s",
			       request->path, g_strerror(errno));
		return -1;
	}
	if (ret_dir_fd != NULL)
		*ret_dir_fd = steal_fd(&dir_fd);
	return steal_fd(&fd);
}

/* ---- follow ------------------------------------------------------------------------ */

struct OcidLogFollow {
	char *name; /* the file's name in its dir, which inotify events carry */
	int dir_fd; /* its dir, opened with the reader's authority at OpenLog */
	int fd;     /* the file being copied, at the position reached */
	gboolean owner_only;
	uid_t owner_uid;
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
	closep(&f->pipe_fd);
	closep(&f->inotify_fd);
	closep(&f->fd);
	closep(&f->dir_fd);
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

	if (fstatat(f->dir_fd, f->name, &now, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fstat(f->fd, &reading) < 0)
		return FALSE;
	return now.st_ino != reading.st_ino || now.st_dev != reading.st_dev;
}

/* The file the monitor started after a rotation. This runs on the main loop, as root,
 * where the owner's identity may not be taken (caller.h), so it does not resolve the
 * owner's path again: the name is looked up only in the directory opened with her
 * authority at OpenLog, and must be neither a symlink (O_NOFOLLOW) nor a fifo or device
 * (O_NONBLOCK, then S_ISREG). Root's open skips her permission checks, so for her log the
 * file must also be hers: the monitor creates it as her, and a file she owns is one she
 * could read anyway (she may chmod it); a hardlink or a file someone else put there is
 * refused, and the follow ends at the end of the old file. */
static int
reopen(OcidLogFollow *f)
{
	_cleanup_close_ int fd =
	    openat(f->dir_fd, f->name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (f->owner_only && st.st_uid != f->owner_uid))
		return -1;
	return steal_fd(&fd);
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
			int next = reopen(f);

			if (next >= 0) {
				closep(&f->fd);
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
ocid_log_follow_new(const char *name, int dir_fd, int fd, gboolean owner_only, uid_t owner_uid,
		    OcidLogFollowClosedFunc closed, gpointer user_data, int *reader_fd,
		    GError **error)
{
	OcidLogFollow *f = g_new0(OcidLogFollow, 1);
	g_autofree char *dir = g_strdup_printf("/proc/self/fd/%d", dir_fd);
	int fds[2];

	f->name = g_strdup(name);
	f->dir_fd = dir_fd;
	f->fd = fd;
	f->owner_only = owner_only;
	f->owner_uid = owner_uid;
	f->pipe_fd = -1;
	f->closed_func = closed;
	f->user_data = user_data;
	f->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	/* Written (IN_MODIFY), replaced by the rotation (IN_CREATE, IN_MOVED_TO). The watch is
	 * on the directory already open (the magic link names its inode), not on a path that
	 * could name another directory by now. */
	if (f->inotify_fd < 0 ||
	    inotify_add_watch(f->inotify_fd, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0 ||
	    pipe2(fds, O_CLOEXEC) < 0) {
		ocid_error_set(error, OCID_ERROR_FAILED, "Cannot follow the log %s: %s", name,
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
	g_free(f->name);
	g_free(f);
}
