#define G_LOG_DOMAIN "ocid"

#include "crash-point.h"

#include <signal.h>

void
ocid_crash_point(const char *variable, const char *point)
{
	/* Read each time: the points are on paths that run a few times per container, and
	 * a daemon's environment does not change. */
	const char *which = g_getenv(variable);

	if (which == NULL || !g_str_equal(which, point))
		return;
	g_message("Killed at %s (%s)", point, variable);
	raise(SIGKILL);
}
