/* fd-util.h: the loops every write and read on a file descriptor needs (short writes,
 * EINTR, non-blocking drains), shared by the monitor's modules and the daemon; the cleanup
 * attributes come from common/cleanup.h. Every function returns a negative errno value on
 * failure. */
#pragma once

#include "common/cleanup.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

int fd_write_all(int fd, const void *buf, size_t len);

/* Writes all of @iov, advancing it in place across short writes. */
int fd_writev_all(int fd, struct iovec *iov, int iovcnt);

/* Reads from a non-blocking @fd until it has nothing more to give (EAGAIN), reaches EOF or
 * @buf is full. Returns the number of bytes read; *eof is set when the writer is gone. */
ssize_t fd_read_available(int fd, char *buf, size_t size, bool *eof);
