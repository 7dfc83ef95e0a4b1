/* Restart policies: what ocid does when a container exits on its own. A container whose
 * policy says so is taken down as far as its exit allows (the teardown's exit part,
 * teardown.h) and created again from its own dir's config.json under the same id and
 * object, after a back-off (docs/restart.md). A caller's Stop, Kill or Delete is never
 * undone: it cancels a restart that is waiting or under way. */
#pragma once

#include "manager.h"

typedef enum {
	OCID_RESTART_NO,
	OCID_RESTART_ON_FAILURE,
	OCID_RESTART_ALWAYS,
	OCID_RESTART_UNLESS_STOPPED,
} OcidRestartPolicy;

/* The back-off before restart number n of a streak (counted from 1): 100 ms doubled each
 * time, capped at 30 s. A run of OCID_RESTART_STREAK_RESET_USEC or longer ends the streak,
 * as Docker's does after 10 s: a container that failed once after days of running is not
 * made to wait 30 s for its old crashes. */
#define OCID_RESTART_BACKOFF_FIRST_MSEC 100u
#define OCID_RESTART_BACKOFF_MAX_MSEC   30000u
#define OCID_RESTART_STREAK_RESET_USEC  (10 * G_USEC_PER_SEC)

const char *ocid_restart_policy_to_string(int policy);

/* "no", "on-failure", "always", "unless-stopped"; "" is "no". FALSE with an
 * InvalidArgument error for anything else. */
gboolean ocid_restart_policy_from_string(const char *s, int *out, GError **error);

guint ocid_restart_backoff_msec(guint32 restart_number);

/* The streak the restart after a run from @started_usec to @finished_usec is part of,
 * @streak being the last one's: a new one after a long run. */
guint32 ocid_restart_next_streak(guint32 streak, guint64 started_usec, guint64 finished_usec);

/* What is left, at @now_usec (wall clock), of the back-off of streak restart @streak that
 * ends at @due_usec: never more than the back-off itself, whichever way the clock was set
 * meanwhile, and 0 with no due time (a restart at boot). */
guint ocid_restart_delay_msec(guint32 streak, gint64 due_usec, gint64 now_usec);

/* At an exit just recorded (supervise.c): schedules the restart its policy asks for, or,
 * for an on-failure container out of restarts, says why it stays stopped. */
void ocid_restart_on_exit(OcidManager *manager, OcidContainer *container);

/* A caller stopped, killed or deleted it: no restart, now or later. A restart waiting is
 * cancelled; one already creating the container again is undone (a Delete waits for that:
 * the undoing completes the container's stop waiters). */
void ocid_restart_cancel_for_caller(OcidManager *manager, OcidContainer *container);

/* Update: the policy from now on. A restart waiting is cancelled if the new policy would
 * not have made it; an exit already past is looked at again only at ocid's next start
 * (ocid_restart_resume). */
void ocid_restart_set_policy(OcidManager *manager, OcidContainer *container, int policy,
			     guint32 max);

/* At the first restore since the host booted: `always` runs again even after a caller's
 * Stop, `unless-stopped` if nobody stopped it (then ocid_restart_resume() makes it). */
void ocid_restart_at_boot(OcidManager *manager, OcidContainer *container);

/* At restore: a container whose restart a daemon did not live to make is restarted, and
 * so is a stopped one whose policy asks for it and that nobody stopped (a daemon killed
 * between recording its exit and recording the restart). */
void ocid_restart_resume(OcidManager *manager, OcidContainer *container);
