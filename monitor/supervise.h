/* supervise.h: create mode. Runs "<runtime> create", answers "created, pid N" on the sync
 * fd, then watches the container in one epoll loop over a signalfd, its pidfd, a timerfd,
 * the output pipes (or the terminal) and the attach socket, until it has exited and its
 * output is drained; then writes the exit file with the exit code and the OOM flag. */
#pragma once

#include "common/monitor-protocol.h"

/* Returns the monitor's exit status; dies on a fatal error. */
int monitor_supervise(const MonitorArgs *args);

/* With --wait-fd, blocks until the daemon says go (it first moves this process into the
 * container's supervisor cgroup); false when the daemon gave up. Both modes call it before
 * they run the runtime. */
bool monitor_wait_for_go(const MonitorArgs *options);
