/* options.h: the monitor's command line, decoded with common/monitor-protocol.h's decoder.
 * Owns the first moments of reporting: once the sync fd is known, every failure (a bad
 * option included) goes to the daemon over it. */
#pragma once

#include "common/monitor-protocol.h"

/* Fills @args from @argv (pointing into it) or dies with the reason. */
void monitor_parse_options(int argc, char **argv, MonitorArgs *args);
