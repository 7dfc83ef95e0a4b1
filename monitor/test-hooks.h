/* test-hooks.h: hooks for the integration tests, compiled only into ocid-monitor-test
 * (built with -DOCID_MONITOR_TEST_HOOKS); the installed ocid-monitor has none of this code
 * and reads no test environment. */
#pragma once

#ifdef OCID_MONITOR_TEST_HOOKS
/* With OCID_MONITOR_PROBE=FILE: tries a syscall the seccomp allow-list forbids (a network
 * socket) and writes what happened to FILE. */
void monitor_test_hook_after_harden(void);
/* With OCID_MONITOR_LINGER=FILE: once the exit file is written, waits (10 s at most) for
 * FILE to exist before exiting, so that a test sees what the daemon does meanwhile. */
void monitor_test_hook_after_exit_file(void);
/* With OCID_MONITOR_HOLD_CGROUP=FILE: once the group is made in the first hierarchy,
 * creates FILE.held and waits (10 s at most) for FILE to exist, so that a test can kill the
 * daemon while the monitor is making the container's group. */
void monitor_test_hook_making_cgroup(void);
/* With OCID_MONITOR_HOLD_BUNDLE=FILE: the same once the container's dir is made, before its
 * record is written. */
void monitor_test_hook_making_bundle(void);
#else
static inline void
monitor_test_hook_after_harden(void)
{
}
static inline void
monitor_test_hook_after_exit_file(void)
{
}
static inline void
monitor_test_hook_making_cgroup(void)
{
}
static inline void
monitor_test_hook_making_bundle(void)
{
}
#endif
