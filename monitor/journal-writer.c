#include "journal-writer.h"

#include "common/fd-util.h"
#include "log-lines.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

/* A journald that takes no entry for this long (stopped, or flooded) costs the container
 * the record, not its monitor's life: output keeps being read. */
#define JOURNAL_SEND_TIMEOUT_SEC 10

/* A full read (64 KiB) of output plus the fields must fit one datagram. */
#define JOURNAL_SEND_BUFFER (1024 * 1024)

static int
connect_socket(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval timeout = { .tv_sec = JOURNAL_SEND_TIMEOUT_SEC };
	int buffer = JOURNAL_SEND_BUFFER;
	int fd;

	if (strlen(path) >= sizeof addr.sun_path)
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Neither is fatal: without them a long record may be refused (EMSGSIZE), or wait. */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		int r = -errno;

		(void)close(fd);
		return r;
	}
	return fd;
}

int
journal_writer_open(JournalWriter *w, const char *id, const char *name, const char *socket_path)
{
	int r;

	*w = (JournalWriter)JOURNAL_WRITER_INIT;
	if (strchr(id, '\n') != NULL || strchr(name, '\n') != NULL)
		return -EINVAL;
	if (asprintf(&w->fields,
		     "CONTAINER_ID=%.12s\nCONTAINER_ID_FULL=%s\nCONTAINER_NAME=%s\n"
		     "SYSLOG_IDENTIFIER=%s\n",
		     id, id, name, name) < 0 ||
	    asprintf(&w->end_entry,
		     "MESSAGE=The output of container %s has ended.\nMESSAGE_ID=%s\n"
		     "PRIORITY=7\nSYSLOG_IDENTIFIER=ocid-monitor\nOCID_LOG_END_ID=%s\n",
		     name, JOURNAL_LOG_END_MESSAGE_ID, id) < 0) {
		w->fields = NULL;
		w->end_entry = NULL;
		journal_writer_close(w);
		return -ENOMEM;
	}
	if (socket_path == NULL)
		return 0;
	r = connect_socket(socket_path);
	if (r < 0) {
		journal_writer_close(w);
		return r;
	}
	w->fd = r;
	return 0;
}

int
journal_writer_entry(const JournalWriter *w, const char *stream, const char *line, size_t len,
		     bool complete, struct iovec *iov)
{
	bool is_stderr = strcmp(stream, "stderr") == 0;
	int n = 0;

	iov[n++] = (struct iovec){ w->fields, strlen(w->fields) };
	iov[n++] = (struct iovec){ (void *)(is_stderr ? "PRIORITY=3\n" : "PRIORITY=6\n"),
				   sizeof "PRIORITY=3\n" - 1 };
	if (!complete)
		iov[n++] = (struct iovec){ (void *)"CONTAINER_PARTIAL_MESSAGE=true\n",
					   sizeof "CONTAINER_PARTIAL_MESSAGE=true\n" - 1 };
	/* A record holds no newline (log-lines.h), so the simple KEY=value form is exact. */
	iov[n++] = (struct iovec){ (void *)"MESSAGE=", sizeof "MESSAGE=" - 1 };
	iov[n++] = (struct iovec){ (void *)line, len };
	iov[n++] = (struct iovec){ (void *)"\n", 1 };
	return n;
}

static int
send_entry(const JournalWriter *w, struct iovec *iov, int n)
{
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)n };

	for (;;) {
		if (sendmsg(w->fd, &msg, MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

typedef struct {
	JournalWriter *writer;
	const char *stream;
} JournalWriteCall;

static int
send_record(void *data, const char *line, size_t len, bool complete)
{
	JournalWriteCall *call = data;
	struct iovec iov[JOURNAL_ENTRY_IOV_MAX];
	int n = journal_writer_entry(call->writer, call->stream, line, len, complete, iov);

	return send_entry(call->writer, iov, n);
}

int
journal_writer_write(JournalWriter *w, const char *stream, const char *buf, size_t len)
{
	JournalWriteCall call = { .writer = w, .stream = stream };

	if (w->fd < 0)
		return -EBADF;
	return log_lines_split(buf, len, send_record, &call);
}

int
journal_writer_finish(JournalWriter *w)
{
	struct iovec iov = { 0 };
	int r = 0;

	if (w->fd >= 0 && w->end_entry != NULL) {
		iov = (struct iovec){ w->end_entry, strlen(w->end_entry) };
		r = send_entry(w, &iov, 1);
	}
	journal_writer_close(w);
	return r;
}

void
journal_writer_close(JournalWriter *w)
{
	closep(&w->fd);
	free(w->fields);
	w->fields = NULL;
	free(w->end_entry);
	w->end_entry = NULL;
}
