/* The container state machine: the only code that changes a container's State, Pid,
 * ExitCode, OOMKilled, Error and timestamps. Each transition checks where it starts and
 * refuses an illegal one with OCID_ERROR_INVALID_STATE, leaving the container untouched;
 * a legal one persists state.json and tells the listener which properties changed, both
 * through the container's manager. The
 * table is in docs/state-machine.md.
 *
 *   creating --created--> created --started--> running <--paused/resumed--> paused
 *   created --start_failed--> stopped
 *   created | running | paused --exited--> stopped
 *   stopped --recreated--> created (a restart policy made it again, restart.h)
 *
 * A container in `creating` has not been announced: the transition to `created`
 * announces it (ContainerNew, InterfacesAdded) and emits no PropertiesChanged, so no
 * client sees a change to an object it has not been told of. */
#pragma once

#include "container.h"

#include <glib.h>
#include <stdint.h>

/* creating -> created: the runtime made the container, its init is @pid. */
gboolean ocid_state_created(OcidContainer *container, int32_t pid,
			    const OcidProcessIdentity *pid_identity, int32_t monitor_pid,
			    const OcidProcessIdentity *monitor_identity, GError **error);

/* created -> running, StartedTimestamp now. A container that exited before its start
 * was confirmed (stopped, never started) only gets its StartedTimestamp, the time it
 * exited, so that it never reads as "never started". */
gboolean ocid_state_started(OcidContainer *container, GError **error);

/* created -> stopped: the runtime refused to start it (the seed's SetStartFailed). */
gboolean ocid_state_start_failed(OcidContainer *container, const char *message, GError **error);

/* running -> paused and paused -> running. */
gboolean ocid_state_paused(OcidContainer *container, GError **error);
gboolean ocid_state_resumed(OcidContainer *container, GError **error);

/* created | running | paused -> stopped with the exit code; @message (may be NULL)
 * becomes Error. */
gboolean ocid_state_exited(OcidContainer *container, int32_t exit_code, gboolean oom_killed,
			   const char *message, GError **error);

/* stopped -> created: a restart policy made it again (restart.h); the new init is @pid.
 * RestartCount goes up, Error is cleared; ExitCode keeps the last run's. */
gboolean ocid_state_recreated(OcidContainer *container, int32_t pid,
			      const OcidProcessIdentity *pid_identity, int32_t monitor_pid,
			      const OcidProcessIdentity *monitor_identity, GError **error);

/* stopped -> stopped: Error says why it stays so (a restart policy gave up). */
gboolean ocid_state_explained(OcidContainer *container, const char *message, GError **error);
