/* bundle.h: a first create's container dir (--bundle), which the daemon names and fills
 * (--bundle-files-fd: its first record and its spec, in a sealed memfd) and the monitor
 * makes, so that the daemon's main loop allocates none of its inodes: on ext4 each new one
 * costs the allocator a scan past the inodes freed in the last minutes. The monitor writes
 * what it was given, where it was told, and nothing else. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	int dir_fd;    /* the dir the files went to; -1 before */
	bool made_dir; /* by this monitor */
} MonitorBundle;

#define MONITOR_BUNDLE_INIT                                                                        \
	{                                                                                          \
		-1, false                                                                          \
	}

/* mkdir of @dir (0700; -EEXIST when it is there already) unless the daemon @made it, then
 * state.json (written beside
 * and renamed, so that a reader finds a whole record or none), config.json, and an empty
 * state.json.tmp, from @files_fd. On failure, @where (@size bytes) names what could not be
 * made; what was made stays for the daemon's teardown, or for monitor_bundle_remove(). */
int monitor_bundle_make(MonitorBundle *bundle, const char *dir, bool made, int files_fd,
			char *where, size_t size);

/* Removes what monitor_bundle_make() made, for a create the daemon no longer waits for: its
 * files, and the dir if it made it and its path still names that one. */
void monitor_bundle_remove(MonitorBundle *bundle, const char *dir);
