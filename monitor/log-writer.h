/* log-writer.h: the container log in the CRI format that kubelet and conmon read,
 * "<RFC3339Nano UTC> <stream> <F|P> <content>\n", with an optional size limit enforced by
 * rotating the file to "<path>.1". The module owns the log fd and nothing else: it never
 * buffers, so every byte handed to it is on disk (in the page cache) when it returns. */
#pragma once

#include "fs-identity.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* "YYYY-MM-DDTHH:MM:SS.NNNNNNNNNZ" is 30 characters; room for five-digit years too. */
#define LOG_TIMESTAMP_MAX 40

typedef struct {
	int fd;
	char *path;
	char *rotated_path;
	int64_t size_max; /* <= 0: unlimited */
	int64_t size;     /* bytes in the current file */
	FsIdentity owner; /* whose authority every open and rename of the log uses */
} LogWriter;

#define LOG_WRITER_INIT                                                                            \
	{                                                                                          \
		.fd = -1, .owner = FS_IDENTITY_INIT                                                \
	}

/* Opens (creates, mode 0600) @path for appending. A file already over @size_max is rotated
 * before the first record goes in. @w is initialised even on failure. */
int log_writer_open(LogWriter *w, const char *path, int64_t size_max);

/* The same, with every open (creation included) and every rotation's rename done as
 * @owner (fs-identity.h), or as root with NULL. What she could not do herself fails with
 * her errno (EACCES, EPERM); if the monitor cannot take her identity, the log is not
 * touched at all and -EPERM returned: never root's authority instead. */
int log_writer_open_as(LogWriter *w, const char *path, int64_t size_max, const FsIdentity *owner);

/* Splits @buf at newlines: each complete line becomes an F record, a trailing rest a P
 * record, all stamped with the current time. Returns 0, or the first error; on an error the
 * remaining lines are still attempted, a record that cannot be written is dropped. -EFBIG
 * means the size limit is too small to hold even a record header. */
int log_writer_write(LogWriter *w, const char *stream, const char *buf, size_t len);

/* Safe to call twice, after a failed open, and on a writer set to LOG_WRITER_INIT. */
void log_writer_close(LogWriter *w);

/* Formats @ts as RFC3339Nano in UTC with exactly nine fraction digits and "Z". Returns the
 * length, or a negative errno value if @ts is out of range or @size is too small. */
int log_writer_format_timestamp(const struct timespec *ts, char *buf, size_t size);
