/* journal-writer.h: the container's output as journal entries (the journald log driver),
 * with podman's fields, so that `journalctl CONTAINER_NAME=web` finds them:
 * CONTAINER_ID (12 characters), CONTAINER_ID_FULL, CONTAINER_NAME, SYSLOG_IDENTIFIER (the
 * name), PRIORITY 6 for stdout and 3 for stderr, and CONTAINER_PARTIAL_MESSAGE=true on a
 * record that a later one continues (log-lines.h). It speaks journald's native protocol
 * itself (one datagram per entry, systemd's journal-native-protocol), so the monitor links
 * no libsystemd; the socket is opened and connected before the seccomp filter, which
 * allows only sending on it. When the container's output has ended, one more entry,
 * carrying OCID_LOG_END_ID=<id> and no container fields, tells the daemon's readers that
 * nothing more will come. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#define JOURNAL_SOCKET_PATH "/run/systemd/journal/socket"

/* MESSAGE_ID of the end entry (systemd-id128 new). */
#define JOURNAL_LOG_END_MESSAGE_ID "58d905fd55d94c2a9b4f178ad64e0ca2"

/* The fields every entry of the container carries, and the stream's iovecs at most. */
#define JOURNAL_ENTRY_IOV_MAX 6

typedef struct {
	int fd;
	char *fields; /* "CONTAINER_ID=...\nCONTAINER_ID_FULL=...\n..." */
	char *end_entry;
} JournalWriter;

#define JOURNAL_WRITER_INIT                                                                        \
	{                                                                                          \
		.fd = -1                                                                           \
	}

/* Prepares the fields of container @id named @name (a name or id with a newline is
 * -EINVAL: it would end the field). With @socket_path, also opens and connects the
 * journal's socket there (NULL: only format, for tests). @w is initialised even on
 * failure. */
int journal_writer_open(JournalWriter *w, const char *id, const char *name,
			const char *socket_path);

/* Fills @iov (JOURNAL_ENTRY_IOV_MAX entries) with one record's entry, pointing into @w and
 * @line; returns the number of iovecs used. */
int journal_writer_entry(const JournalWriter *w, const char *stream, const char *line, size_t len,
			 bool complete, struct iovec *iov);

/* Sends each record of @buf (log-lines.h) as an entry. Returns 0 or the first error; a
 * record journald does not take (its socket full for longer than the send timeout) is
 * dropped, the rest are still tried. */
int journal_writer_write(JournalWriter *w, const char *stream, const char *buf, size_t len);

/* Sends the end entry, then closes. Safe on a writer that never opened. */
int journal_writer_finish(JournalWriter *w);

void journal_writer_close(JournalWriter *w);
