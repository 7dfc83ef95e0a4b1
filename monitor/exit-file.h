/* exit-file.h: the container's exit code and OOM flag as the daemon reads them, in
 * common/monitor-protocol.h's format, in a file that appears atomically (written to
 * "<path>.tmp", fsynced, renamed, directory fsynced), so a daemon that restarts at any moment
 * sees either no file or the whole one. */
#pragma once

#include <stdbool.h>

/* The code a shell would report: the exit status, or 128 + the signal that killed it.
 * Returns a negative errno value for a status that is not a termination. */
int exit_code_from_wait_status(int wait_status);

int exit_file_write(const char *path, int exit_code, bool oom_killed);
