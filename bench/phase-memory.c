/* Phase 2, memory per supervised container: the daemon's growth and each monitor's RSS. */
#include "bench.h"

static void
result_memory(Bench *b, const char *who, pid_t pid)
{
	_cleanup_(freep) char *k_pss = xprintf("mem.%s.pss_kb", who);
	_cleanup_(freep) char *k_rss = xprintf("mem.%s.rss_kb", who);
	_cleanup_(freep) char *k_priv = xprintf("mem.%s.private_kb", who);

	result(b, k_pss, "%ld", proc_field(pid, "smaps_rollup", "Pss"));
	result(b, k_rss, "%ld", proc_field(pid, "smaps_rollup", "Rss"));
	result(b, k_priv, "%ld",
	       proc_field(pid, "smaps_rollup", "Private_Clean") +
		   proc_field(pid, "smaps_rollup", "Private_Dirty"));
}

void
bench_memory(Bench *b)
{
	_cleanup_(freep) char *path = NULL;
	pid_t monitor;

	progress("memory of one monitor and one conmon beside a sleeping container");
	path = ocid_create(b->bus, "mem-ocid", b->bundle_sleep);
	ocid_simple(b->bus, path, "Start");
	monitor = ocid_monitor_pid(b, "mem-ocid");
	sleep_ms(1000);
	result_memory(b, "monitor", monitor);
	ocid_delete(b->bus, path, true);

	if (b->with_conmon) {
		ConmonContainer c;
		_cleanup_(closep) int inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		uint64_t t_exit = 0, t_seen = 0;

		conmon_init(b, &c, "mem-conmon");
		if (inotify_fd < 0 ||
		    inotify_add_watch(inotify_fd, c.exits, IN_CLOSE_WRITE | IN_MOVED_TO) < 0)
			die("inotify: %m");
		conmon_create(b, &c, b->bundle_sleep, b->template_sleep);
		runc_peer(b, "conmon-root", "start", c.id, NULL);
		conmon_read_pid(&c);
		sleep_ms(1000);
		if (c.conmon_pid <= 0)
			die("no conmon pid for mem-conmon");
		result_memory(b, "conmon", c.conmon_pid);
		runc_peer(b, "conmon-root", "kill", c.id, "KILL");
		wait_exit_file(inotify_fd, c.id, -1, &t_exit, &t_seen);
		conmon_finish(b, &c);
	}
}
