/* cleanup.h: the tree's one set of cleanup attributes for what GLib does not cover: a file
 * descriptor, a malloc'ed pointer or a FILE is released when its variable goes out of scope.
 * GLib-free, so that the monitor and the bench use the same names as the daemon; the
 * daemon's cleanups of foreign types for g_autoptr are in daemon/cleanup.h. (GLib 2.74,
 * Debian 12's, has no g_autofd.) */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

/* Closes *fdp if open and marks it closed (-1, whatever negative value it held), keeping
 * errno: also usable outside cleanups. */
static inline void
closep(int *fdp)
{
	if (*fdp >= 0) {
		int saved_errno = errno;

		/* close() errors on a read-only or synced fd carry no news worth a report. */
		(void)close(*fdp);
		errno = saved_errno;
	}
	*fdp = -1;
}

static inline void
freep(void *p)
{
	free(*(void **)p);
}

static inline void
fclosep(FILE **f)
{
	if (*f != NULL)
		(void)fclose(*f);
}

/* Hands an fd out of a _cleanup_close_ variable. */
static inline int
steal_fd(int *fdp)
{
	int fd = *fdp;

	*fdp = -1;
	return fd;
}

#define _cleanup_close_  _cleanup_(closep)
#define _cleanup_free_   _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)
