#include "log-writer.h"

#include "common/fd-util.h"
#include "log-lines.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define LOG_OPEN_FLAGS (O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW)

/* "<timestamp> <stream> <tag> "; streams are "stdout" and "stderr", but allow longer ones. */
#define LOG_HEADER_MAX (LOG_TIMESTAMP_MAX + 64)

int
log_writer_format_timestamp(const struct timespec *ts, char *buf, size_t size)
{
	struct tm tm;
	int n;

	if (ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L)
		return -EINVAL;
	if (gmtime_r(&ts->tv_sec, &tm) == NULL)
		return -EOVERFLOW;
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts->tv_nsec);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= size)
		return -ENOBUFS;
	return n;
}

static int
log_writer_open_file(LogWriter *w)
{
	FsIdentityScope scope;
	struct stat st;
	int fd;
	int r;

	r = fs_identity_enter(&w->owner, &scope);
	if (r < 0)
		return r;
	fd = open(w->path, LOG_OPEN_FLAGS, 0600);
	r = fd < 0 ? -errno : 0;
	fs_identity_leave(&scope);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		(void)close(fd);
		return r;
	}
	/* O_NOFOLLOW only guards the last component; refuse fifos and devices as well, a
	 * blocking or unbounded sink would stall the monitor. */
	if (!S_ISREG(st.st_mode)) {
		(void)close(fd);
		return -EINVAL;
	}
	w->fd = fd;
	w->size = st.st_size;
	return 0;
}

int
log_writer_open(LogWriter *w, const char *path, int64_t size_max)
{
	return log_writer_open_as(w, path, size_max, NULL);
}

int
log_writer_open_as(LogWriter *w, const char *path, int64_t size_max, const FsIdentity *owner)
{
	int r;

	*w = (LogWriter)LOG_WRITER_INIT;
	if (owner != NULL)
		w->owner = *owner;
	w->size_max = size_max > 0 ? size_max : 0;
	w->path = strdup(path);
	if (w->path == NULL)
		return -ENOMEM;
	if (asprintf(&w->rotated_path, "%s.1", path) < 0) {
		w->rotated_path = NULL;
		log_writer_close(w);
		return -ENOMEM;
	}
	r = log_writer_open_file(w);
	if (r < 0) {
		log_writer_close(w);
		return r;
	}
	return 0;
}

void
log_writer_close(LogWriter *w)
{
	closep(&w->fd);
	free(w->path);
	w->path = NULL;
	free(w->rotated_path);
	w->rotated_path = NULL;
}

static int
log_writer_rotate(LogWriter *w)
{
	FsIdentityScope scope;
	int r;

	/* As the owner too: her directory, and a ".1" she may have made a link to a file of
	 * root's, are hers to answer for. */
	r = fs_identity_enter(&w->owner, &scope);
	if (r < 0)
		return r;
	/* rename() replaces an older .1 atomically: a reader sees either the old or the new.
	 * ENOENT: someone removed the log under us, so there is nothing to keep. */
	if (rename(w->path, w->rotated_path) < 0 && errno != ENOENT)
		r = -errno;
	fs_identity_leave(&scope);
	if (r < 0)
		return r;
	/* The next write reopens; if that fails now it is retried then, the file is not lost. */
	closep(&w->fd);
	w->size = 0;
	return log_writer_open_file(w);
}

static int
log_writer_append(LogWriter *w, const char *header, size_t header_len, const char *content,
		  size_t content_len)
{
	struct iovec iov[3] = {
		{ .iov_base = (void *)header, .iov_len = header_len },
		{ .iov_base = (void *)content, .iov_len = content_len },
		{ .iov_base = (void *)"\n", .iov_len = 1 },
	};
	int r = fd_writev_all(w->fd, iov, 3);

	if (r < 0) {
		struct stat st;

		/* Part of the record may have landed; only the file knows its size now. */
		if (fstat(w->fd, &st) == 0)
			w->size = st.st_size;
		return r;
	}
	w->size += (int64_t)(header_len + content_len + 1);
	return 0;
}

/* One line (@complete) or the rest of a chunk without a newline: as one record when it
 * fits, else as P records cut to fit the limit and a last record with the real tag. */
static int
log_writer_write_line(LogWriter *w, const char *timestamp, const char *stream, const char *content,
		      size_t len, bool complete)
{
	char header[LOG_HEADER_MAX];
	int header_len;
	size_t tag_pos;

	header_len = snprintf(header, sizeof header, "%s %s P ", timestamp, stream);
	if (header_len < 0 || (size_t)header_len >= sizeof header)
		return -EINVAL;
	tag_pos = (size_t)header_len - 2;

	for (;;) {
		size_t piece = len;
		bool last = true;
		int r;

		if (w->size_max > 0) {
			int64_t need = (int64_t)((size_t)header_len + len + 1);

			if (w->size > 0 && w->size + need > w->size_max) {
				r = log_writer_rotate(w);
				if (r < 0)
					return r;
			}
			if (need > w->size_max) {
				int64_t room = w->size_max - header_len - 1;

				if (room <= 0)
					return -EFBIG;
				piece = (size_t)room;
				last = false;
			}
		}
		if (w->fd < 0) {
			r = log_writer_open_file(w);
			if (r < 0)
				return r;
		}
		header[tag_pos] = (last && complete) ? 'F' : 'P';
		r = log_writer_append(w, header, (size_t)header_len, content, piece);
		if (r < 0)
			return r;
		if (last)
			return 0;
		content += piece;
		len -= piece;
	}
}

typedef struct {
	LogWriter *writer;
	const char *timestamp;
	const char *stream;
} LogWriteCall;

static int
write_record(void *data, const char *line, size_t len, bool complete)
{
	LogWriteCall *call = data;

	return log_writer_write_line(call->writer, call->timestamp, call->stream, line, len,
				     complete);
}

int
log_writer_write(LogWriter *w, const char *stream, const char *buf, size_t len)
{
	char timestamp[LOG_TIMESTAMP_MAX];
	struct timespec now;
	LogWriteCall call = { .writer = w, .timestamp = timestamp, .stream = stream };
	int r;

	if (clock_gettime(CLOCK_REALTIME, &now) < 0)
		return -errno;
	r = log_writer_format_timestamp(&now, timestamp, sizeof timestamp);
	if (r < 0)
		return r;
	return log_lines_split(buf, len, write_record, &call);
}
