/* setup.h: the monitor's process setup before it runs anything: sane stdio, no inherited
 * fds, a subreaper in its own session at /, and the signals it handles through a signalfd. */
#pragma once

#include "common/monitor-protocol.h"

/* Our own fds must never land on 0-2: the child's dup2() onto them would then be a no-op
 * that leaves FD_CLOEXEC set, and the runtime would start without stdout or stderr. */
void monitor_ensure_std_fds(void);

void monitor_setup_process(const MonitorArgs *args);

/* Blocks SIGCHLD, SIGTERM, SIGINT and SIGHUP, ignores SIGPIPE, and returns a non-blocking
 * signalfd for the blocked ones. Dies on failure. */
int monitor_setup_signals(void);
