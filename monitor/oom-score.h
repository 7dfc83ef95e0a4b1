/* oom-score.h: the OOM killer's view of the monitor and what it starts, as conmon does it.
 * A monitor is small and its death loses the container's log and exit code, so it
 * protects itself; the runtime and the container start at 0 rather than inheriting the
 * daemon's score (ocid.service's OOMScoreAdjust=), and the runtime applies the spec's
 * process.oomScoreAdj on top. Without CAP_SYS_RESOURCE no score can be lowered below
 * the lowest one set with it, so the monitor then settles for 0. */
#pragma once

#define MONITOR_OOM_SCORE_SELF  (-1000)
#define MONITOR_OOM_SCORE_CHILD 0

/* Writes @value to /proc/self/oom_score_adj; 0 or -errno. Async-signal-safe (it runs in
 * forked children before exec). */
int monitor_oom_score_set(int value);
