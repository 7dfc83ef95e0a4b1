/* Restart policies (restart.h). A restart goes, for one container at a time:
 *
 *   exit --> the teardown's exit part (runtime state, cgroup, unit) --> back-off timer
 *        --> create again from <dir>/config.json, then start --> running
 *
 * `restarting` holds from the exit until the start returns; `restart_pending`, persisted,
 * from the exit until the restart is made or cancelled, so that a daemon killed anywhere on
 * the way makes it at restore. A caller's Stop, Kill or Delete sets `stopped_by_caller`
 * (persisted) and cancels whichever step is under way. */
#define G_LOG_DOMAIN "ocid"

#include "restart.h"

#include "manager-private.h"

#include "crash-point.h"
#include "errors.h"
#include "log.h"
#include "state-machine.h"
#include "teardown.h"

static const char *const policy_names[] = {
	[OCID_RESTART_NO] = "no",
	[OCID_RESTART_ON_FAILURE] = "on-failure",
	[OCID_RESTART_ALWAYS] = "always",
	[OCID_RESTART_UNLESS_STOPPED] = "unless-stopped",
};

const char *
ocid_restart_policy_to_string(int policy)
{
	if (policy < 0 || policy >= (int)G_N_ELEMENTS(policy_names))
		return "no";
	return policy_names[policy];
}

gboolean
ocid_restart_policy_from_string(const char *s, int *out, GError **error)
{
	if (s == NULL || *s == '\0') {
		*out = OCID_RESTART_NO;
		return TRUE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(policy_names); i++) {
		if (g_str_equal(s, policy_names[i])) {
			*out = (int)i;
			return TRUE;
		}
	}
	return ocid_error_set(error, OCID_ERROR_INVALID_ARGUMENT,
			      "Restart policy '%s' is not one of no, on-failure, always, "
			      "unless-stopped",
			      s);
}

guint
ocid_restart_backoff_msec(guint32 restart_number)
{
	guint msec = OCID_RESTART_BACKOFF_FIRST_MSEC;

	for (guint32 i = 1; i < restart_number && msec < OCID_RESTART_BACKOFF_MAX_MSEC; i++)
		msec *= 2;
	return MIN(msec, OCID_RESTART_BACKOFF_MAX_MSEC);
}

guint32
ocid_restart_next_streak(guint32 streak, guint64 started_usec, guint64 finished_usec)
{
	if (finished_usec >= started_usec + OCID_RESTART_STREAK_RESET_USEC)
		return 1;
	return streak < G_MAXUINT32 ? streak + 1 : streak;
}

guint
ocid_restart_delay_msec(guint32 streak, gint64 due_usec, gint64 now_usec)
{
	gint64 left = due_usec - now_usec;

	if (due_usec <= 0 || left <= 0)
		return 0;
	return (guint)MIN((left + 999) / 1000, (gint64)ocid_restart_backoff_msec(streak));
}

static void
persist(OcidManager *manager, OcidContainer *c)
{
	g_autoptr(GError) error = NULL;

	if (!ocid_manager_persist_container(manager, c, FALSE, &error))
		ocid_log_container(c, G_LOG_LEVEL_WARNING, OCID_MESSAGE_FAILED,
				   "Could not save the state of container %s: %s", c->id,
				   error->message);
}

/* The restart is over, made or not: nothing of it is left to do. */
static void
settle(OcidManager *manager, OcidContainer *c)
{
	c->restarting = FALSE;
	g_clear_handle_id(&c->restart_timer, g_source_remove);
	if (c->restart_pending) {
		c->restart_pending = FALSE;
		persist(manager, c);
	}
}

/* Whether the policy asks for another run; if not because on-failure has used up its
 * restarts, @why says so. */
static gboolean
wants_restart(const OcidContainer *c, char **why)
{
	if (c->stopped_by_caller || c->removing)
		return FALSE;
	/* Unhealthy, with on_failure=restart (health.c): whatever the policy. */
	if (c->health_restart)
		return TRUE;
	switch ((OcidRestartPolicy)c->restart_policy) {
	case OCID_RESTART_NO:
		return FALSE;
	case OCID_RESTART_ALWAYS:
	case OCID_RESTART_UNLESS_STOPPED:
		return TRUE;
	case OCID_RESTART_ON_FAILURE:
		if (c->exit_code == 0)
			return FALSE;
		if (c->restart_max > 0 && c->restart_count >= c->restart_max) {
			*why = g_strdup_printf(
			    "It exited with code %d after %u restarts, all that its restart "
			    "policy on-failure:%u allows; it is not started again",
			    c->exit_code, c->restart_count, c->restart_max);
			return FALSE;
		}
		return TRUE;
	}
	return FALSE;
}

static void on_reset(OcidContainer *c, GError *error, gpointer user_data);

/* The teardown's exit part first, whatever the cgroup manager: the runtime must forget the
 * container before it can make it again. The back-off counts from the exit, and its end is
 * persisted with restart_pending: a daemon killed in the middle of it waits only what is
 * left, not a whole back-off again (which a container that flaps through kill -9 after
 * kill -9 would otherwise never get out of). */
static void
begin(OcidManager *manager, OcidContainer *c, gboolean new_exit)
{
	c->restarting = TRUE;
	c->health_restart = FALSE;
	/* A restart that failed (restart_pending still set) is a new exit too: it gets the
	 * next back-off. */
	if (new_exit) {
		c->restart_streak =
		    ocid_restart_next_streak(c->restart_streak, c->started_usec, c->finished_usec);
		c->restart_due_usec =
		    g_get_real_time() + (gint64)ocid_restart_backoff_msec(c->restart_streak) * 1000;
		c->restart_pending = TRUE;
		persist(manager, c);
	}
	ocid_teardown_reset(manager, c, on_reset, ocid_container_ref_new(manager, c, NULL, NULL));
}

void
ocid_restart_on_exit(OcidManager *manager, OcidContainer *c)
{
	g_autofree char *why = NULL;

	/* A Start in flight calls again once it returns (lifecycle.c), and a restart under
	 * way looks at the exit when its own start returns. */
	if (c->state != OCID_STATE_STOPPED || c->restarting || c->starting)
		return;
	if (!wants_restart(c, &why)) {
		if (why != NULL) {
			ocid_log_container(c, G_LOG_LEVEL_WARNING, OCID_MESSAGE_FAILED,
					   "Container %s: %s", c->id, why);
			(void)ocid_state_explained(c, why, NULL);
		}
		settle(manager, c);
		return;
	}
	/* The exit is on disk, restart_pending not yet (ocid_restart_resume). */
	ocid_crash_point("OCID_TEST_CRASH_IN_RESTART", "exit-recorded");
	begin(manager, c, TRUE);
}

void
ocid_restart_at_boot(OcidManager *manager, OcidContainer *c)
{
	if (c->state != OCID_STATE_STOPPED || c->removing || c->restarting)
		return;
	if (c->restart_policy == OCID_RESTART_ALWAYS)
		c->stopped_by_caller = FALSE;
	else if (c->restart_policy != OCID_RESTART_UNLESS_STOPPED || c->stopped_by_caller)
		return;
	c->restart_pending = TRUE;
	c->restart_due_usec = 0;
	persist(manager, c);
}

void
ocid_restart_resume(OcidManager *manager, OcidContainer *c)
{
	g_autofree char *why = NULL;

	if (c->state != OCID_STATE_STOPPED || c->restarting)
		return;
	/* Its exit is on disk but not what its policy made of it: the last daemon was killed
	 * between the two writes (its exit, then begin's restart_pending). The policy is asked
	 * now; a container it has already said no to gets the same answer. */
	if (!c->restart_pending) {
		if (wants_restart(c, &why))
			begin(manager, c, TRUE);
		return;
	}
	if (c->stopped_by_caller || c->removing) {
		settle(manager, c);
		return;
	}
	/* At boot (no due time) the at-boot start is logged as a restart of its own. */
	if (c->restart_due_usec != 0)
		ocid_log_container(c, G_LOG_LEVEL_INFO, OCID_MESSAGE_RESTARTED,
				   "Container %s was being restarted when ocid stopped; going on "
				   "with it",
				   c->id);
	begin(manager, c, FALSE);
}

static void
on_restarted(OcidContainer *c, GError *error, gpointer user_data)
{
	g_autoptr(OcidContainerRef) ref = user_data;

	c = ocid_container_ref_resolve(ref);
	if (c == NULL)
		return;
	c->restarting = FALSE;
	if (c->state != OCID_STATE_STOPPED) {
		ocid_log_container(c, G_LOG_LEVEL_MESSAGE, OCID_MESSAGE_RESTARTED,
				   "Restarted container %s (%s), restart %u", c->id, c->name,
				   c->restart_count);
		settle(ref->manager, c);
		return;
	}
	/* It could not be made, or it exited before its start returned: an exit like any. */
	if (error != NULL)
		ocid_log_container(c, G_LOG_LEVEL_WARNING, OCID_MESSAGE_FAILED,
				   "Restarting container %s failed: %s", c->id, error->message);
	ocid_restart_on_exit(ref->manager, c);
}

static gboolean
on_backoff_done(gpointer user_data)
{
	OcidContainer *c = user_data;

	/* The timer is the container's own: removed before the container is freed. */
	c->restart_timer = 0;
	ocid_create_again(c->manager, c, on_restarted,
			  ocid_container_ref_new(c->manager, c, NULL, NULL));
	return G_SOURCE_REMOVE;
}

static void
on_reset(OcidContainer *c, GError *error, gpointer user_data)
{
	g_autoptr(OcidContainerRef) ref = user_data;
	guint delay;

	c = ocid_container_ref_resolve(ref);
	/* A Delete joined the teardown and takes it all the way. */
	if (c == NULL || c->removing || ocid_teardown_is_removing(c))
		return;
	if (error != NULL) {
		g_autofree char *why = g_strdup_printf(
		    "It could not be restarted: the runtime did not let go of it: %s",
		    error->message);
		(void)ocid_state_explained(c, why, NULL);
		settle(ref->manager, c);
		return;
	}
	if (c->stopped_by_caller) {
		settle(ref->manager, c);
		return;
	}
	delay = ocid_restart_delay_msec(c->restart_streak, c->restart_due_usec, g_get_real_time());
	ocid_log_container(c, G_LOG_LEVEL_INFO, OCID_MESSAGE_RESTARTED,
			   "Container %s exited with code %d; restarting it (policy %s) in %u ms "
			   "(restart %u in a row, back-off %u ms)",
			   c->id, c->exit_code, ocid_restart_policy_to_string(c->restart_policy),
			   delay, c->restart_streak, ocid_restart_backoff_msec(c->restart_streak));
	c->restart_timer = g_timeout_add(delay, on_backoff_done, c);
}

void
ocid_restart_cancel_for_caller(OcidManager *manager, OcidContainer *c)
{
	if (!c->stopped_by_caller) {
		c->stopped_by_caller = TRUE;
		persist(manager, c);
	}
	if (!c->restarting)
		return;
	/* Waiting: it stays stopped. Taken down or being created: the step under way sees
	 * the mark when it answers, and a create is undone (create.c). */
	if (c->restart_timer != 0)
		settle(manager, c);
	else if (c->create != NULL)
		ocid_create_cancel_again(manager, c);
}

void
ocid_restart_set_policy(OcidManager *manager, OcidContainer *c, int policy, guint32 max)
{
	static const char *const props[] = { "RestartPolicy", "RestartMax", NULL };
	g_autofree char *why = NULL;

	c->restart_policy = policy;
	c->restart_max = max;
	persist(manager, c);
	ocid_manager_container_changed(manager, c, props);
	if (c->restart_timer != 0 && !wants_restart(c, &why))
		settle(manager, c);
}
