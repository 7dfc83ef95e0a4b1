/* Phase 5, idleness: CPU and wake-ups of the daemon and the monitors with containers
 * that do nothing. */
#include "bench.h"

/* GLib ends an idle thread of its thread pool after 15 s; a window that starts earlier
 * catches that one wake-up, which is the creates' after-effect, not idling. */
#define IDLE_SETTLE_MS 20000

void
bench_idle(Bench *b)
{
	const int n = b->idle_count;
	_cleanup_(freep) char **paths = calloc((size_t)n, sizeof(char *));
	_cleanup_(freep) double *latency = calloc((size_t)n, sizeof(double));
	_cleanup_(freep) pid_t *monitors = calloc((size_t)n, sizeof(pid_t));
	_cleanup_(freep) ThreadSnapshot *before = calloc(1, sizeof(ThreadSnapshot));
	_cleanup_(freep) ThreadSnapshot *after = calloc(1, sizeof(ThreadSnapshot));
	_cleanup_(freep) ThreadSnapshot *mon_before = calloc((size_t)n, sizeof(ThreadSnapshot));
	char text[4096];
	SwitchDelta daemon, monitor_total = { 0, 0, 0, 0, 0 };
	long pss_total = 0;

	progress("idleness: %d sleeping containers, %d s after %d s of settling", n, b->idle_sec,
		 IDLE_SETTLE_MS / 1000);
	(void)run_workers(b, "idle", n - b->idle_health, 1, paths, latency, WORK_CREATE_START);
	/* The rest with a health check every 10 s: the daemon should wake for those only. */
	for (int i = n - b->idle_health; i < n; i++) {
		_cleanup_(freep) char *id = xprintf("idle-%04d", i);
		paths[i] = ocid_create_checked(b->bus, id, b->bundle_sleep, 10);
		ocid_simple(b->bus, paths[i], "Start");
	}
	for (int i = 0; i < n; i++) {
		_cleanup_(freep) char *id = xprintf("idle-%04d", i);
		monitors[i] = ocid_monitor_pid(b, id);
	}
	sleep_ms(IDLE_SETTLE_MS);
	snapshot_threads(b->ocid_pid, before);
	for (int i = 0; i < n; i++)
		snapshot_threads(monitors[i], &mon_before[i]);
	describe_threads(before, text, sizeof text);
	result(b, "idle.daemon.threads_before", "%s", text);

	sleep_ms((long)b->idle_sec * 1000);

	snapshot_threads(b->ocid_pid, after);
	daemon = switch_delta(before, after);
	describe_threads(after, text, sizeof text);
	result(b, "idle.daemon.threads_after", "%s", text);
	for (int i = 0; i < n; i++) {
		ThreadSnapshot now;
		SwitchDelta d;

		snapshot_threads(monitors[i], &now);
		d = switch_delta(&mon_before[i], &now);
		monitor_total.voluntary += d.voluntary;
		monitor_total.involuntary += d.involuntary;
		monitor_total.ended += d.ended;
		pss_total += proc_field(monitors[i], "smaps_rollup", "Pss");
	}
	result(b, "idle.n", "%d", n);
	result(b, "idle.sec", "%d", b->idle_sec);
	result(b, "idle.health_checked", "%d", b->idle_health);
	result(b, "idle.settle_sec", "%d", IDLE_SETTLE_MS / 1000);
	result(b, "idle.daemon.voluntary", "%ld", daemon.voluntary);
	result(b, "idle.daemon.involuntary", "%ld", daemon.involuntary);
	result(b, "idle.daemon.threads", "%d", daemon.threads);
	result(b, "idle.daemon.threads_started", "%d", daemon.started);
	result(b, "idle.daemon.threads_ended", "%d", daemon.ended);
	result(b, "idle.monitors.voluntary", "%ld", monitor_total.voluntary);
	result(b, "idle.monitors.involuntary", "%ld", monitor_total.involuntary);
	result(b, "idle.monitors.ended", "%d", monitor_total.ended);
	result(b, "mem.monitor.pss_avg_kb_at_n", "%.1f", (double)pss_total / n);
	(void)run_workers(b, "idle", n, 2, paths, latency, WORK_FORCE_DELETE);
	for (int i = 0; i < n; i++)
		free(paths[i]);
}
