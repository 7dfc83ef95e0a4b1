/* exec-session.h: the monitor of an interactive exec (Container.Exec). It runs
 * "<runtime> exec --detach --process <file>" and, as the subreaper the process is
 * reparented to, waits for it. Without a terminal the process's stdin, stdout and stderr
 * are the session socket itself (the runtime passes its stdio through); with one, the
 * monitor relays between the session socket and the pty master the runtime sends. The
 * control fd (a seqpacket socket shared with the daemon) carries "started <pid>" to the
 * daemon, and "resize" and "kill" from it. The exit code goes to the sync fd as for
 * ExecSync. */
#pragma once

#include "common/monitor-protocol.h"

int monitor_run_exec_session(const MonitorArgs *options);
