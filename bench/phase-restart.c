/* Phase 6, restart recovery: the daemon stopped and started again with the scale phase's
 * containers, timed from the exec to the reply of its first call (the median of
 * RESTART_TIMES starts, as is the empty start it is compared with). */
#include "bench.h"

void
bench_restart(Bench *b)
{
	const int n = b->scale;
	_cleanup_(freep) char **paths = calloc((size_t)n, sizeof(char *));
	_cleanup_(freep) double *latency = calloc((size_t)n, sizeof(double));
	int running = 0;
	double ms;

	progress("restart with %d running containers on disk", n);
	(void)run_workers(b, "restart", n, b->clients, paths, latency, WORK_CREATE_START);
	ms = restart_daemon_median(b, n);
	result(b, "restart.n", "%d", n);
	result(b, "restart.full_ms", "%.3f", ms);
	(void)list_containers(b->bus, &running);
	result(b, "restart.running_after", "%d", running);
	if (running != n)
		die("after the restart %d of %d containers are running", running, n);
	(void)run_workers(b, "restart", n, b->clients, paths, latency, WORK_FORCE_DELETE);
	for (int i = 0; i < n; i++)
		free(paths[i]);
}
