/* exec-mode.h: exec mode (ExecSync). Runs "<runtime> exec" with the output going straight
 * into files in --exec-dir (the kernel writes them, so a large output costs no copies
 * here), kills it at --exec-timeout, and answers "exec result: exit code, timed out" or an
 * error with the runtime's own words on the sync fd. */
#pragma once

#include "common/monitor-protocol.h"

/* Returns the monitor's exit status; dies on a fatal error. */
int monitor_run_exec(const MonitorArgs *args);
