/* ocid-monitor: one small process per container (and per ExecSync). It decodes its
 * arguments (options.c, with common/monitor-protocol.h), sets itself up (setup.c) and runs
 * one of two modes: create mode (supervise.c: "<runtime> create", then the container's
 * stdio, log, attach socket and exit file) or exec mode (exec-mode.c). It deliberately uses
 * no GLib and no threads, so that hundreds of monitors cost little and each one outlives
 * daemon restarts. */

#include "die.h"
#include "exec-mode.h"
#include "exec-session.h"
#include "options.h"
#include "setup.h"
#include "supervise.h"

int
main(int argc, char **argv)
{
	MonitorArgs args;

	monitor_ensure_std_fds();
	monitor_parse_options(argc, argv, &args);
	monitor_setup_process(&args);
	if (args.exec_argv != NULL && !monitor_wait_for_go(&args))
		die("the daemon withdrew the container before it was created");
	if (args.exec_argv != NULL && args.session_fd >= 0)
		return monitor_run_exec_session(&args);
	if (args.exec_argv != NULL)
		return monitor_run_exec(&args);
	return monitor_supervise(&args);
}
