/* Where the fault tests kill the daemon (tests/faults, tests/integration): a named point
 * on a path whose crash safety they check. The daemon dies there by SIGKILL when the
 * environment variable @variable names @point, and does nothing otherwise. */
#pragma once

#include <glib.h>

void ocid_crash_point(const char *variable, const char *point);
