#define G_LOG_DOMAIN "ocid"

#include "state-machine.h"

#include "errors.h"
#include "log.h"
#include "manager-private.h"

static gboolean
refuse(OcidContainer *c, const char *transition, GError **error)
{
	g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_STATE,
		    "Container %s is %s; it cannot be %s", c->id,
		    ocid_container_state_to_string(c->state), transition);
	return FALSE;
}

static void
persist(OcidContainer *c, gboolean durable)
{
	g_autoptr(GError) error = NULL;

	if (!ocid_manager_persist_container(c->manager, c, durable, &error))
		ocid_log_container(c, G_LOG_LEVEL_WARNING, OCID_MESSAGE_FAILED,
				   "Could not save the state of container %s: %s", c->id,
				   error->message);
}

static void
notify(OcidContainer *c, const char *const *properties)
{
	ocid_manager_container_changed(c->manager, c, properties);
}

/* Persist before telling anyone: a client that saw the change must find it on disk after
 * a daemon crash. An exit alone is told first (ocid_state_exited): the monitor's exit file
 * already holds it. Durable (flushed to disk, in order, right after: manager.c) are the
 * records a crash of the host must not lose: a container's existence and how it stopped.
 * Running and paused are not: after a reboot no container runs, and a restored created,
 * running or paused one is reported stopped alike. */
static void
commit(OcidContainer *c, const char *const *properties, gboolean durable)
{
	persist(c, durable);
	notify(c, properties);
}

gboolean
ocid_state_created(OcidContainer *c, int32_t pid, const OcidProcessIdentity *pid_identity,
		   int32_t monitor_pid, const OcidProcessIdentity *monitor_identity, GError **error)
{
	if (c->state != OCID_STATE_CREATING)
		return refuse(c, "created", error);
	c->state = OCID_STATE_CREATED;
	c->pid = pid;
	c->pid_identity = *pid_identity;
	c->monitor_pid = monitor_pid;
	c->monitor_identity = *monitor_identity;
	persist(c, TRUE);
	/* Its first appearance carries every property: nothing changed for anyone yet. */
	ocid_manager_container_announced(c->manager, c);
	return TRUE;
}

gboolean
ocid_state_started(OcidContainer *c, GError **error)
{
	static const char *const props[] = { "State", "StartedTimestamp", NULL };
	static const char *const exited_props[] = { "StartedTimestamp", NULL };

	if (c->state == OCID_STATE_STOPPED && c->started_usec == 0) {
		c->started_usec = c->finished_usec;
		commit(c, exited_props, FALSE);
		return TRUE;
	}
	if (c->state != OCID_STATE_CREATED)
		return refuse(c, "started", error);
	c->state = OCID_STATE_RUNNING;
	c->started_usec = (uint64_t)g_get_real_time();
	commit(c, props, FALSE);
	return TRUE;
}

gboolean
ocid_state_start_failed(OcidContainer *c, const char *message, GError **error)
{
	static const char *const props[] = { "State", "Pid", "ExitCode", "FinishedTimestamp",
					     "Error", NULL };

	if (c->state != OCID_STATE_CREATED)
		return refuse(c, "marked as failed to start", error);
	c->state = OCID_STATE_STOPPED;
	c->pid = 0;
	c->exit_code = 255;
	c->finished_usec = (uint64_t)g_get_real_time();
	g_free(c->error);
	c->error = g_strdup(message);
	commit(c, props, TRUE);
	return TRUE;
}

gboolean
ocid_state_paused(OcidContainer *c, GError **error)
{
	static const char *const props[] = { "State", NULL };

	if (c->state != OCID_STATE_RUNNING)
		return refuse(c, "paused", error);
	c->state = OCID_STATE_PAUSED;
	commit(c, props, FALSE);
	return TRUE;
}

gboolean
ocid_state_resumed(OcidContainer *c, GError **error)
{
	static const char *const props[] = { "State", NULL };

	if (c->state != OCID_STATE_PAUSED)
		return refuse(c, "resumed", error);
	c->state = OCID_STATE_RUNNING;
	commit(c, props, FALSE);
	return TRUE;
}

gboolean
ocid_state_exited(OcidContainer *c, int32_t exit_code, gboolean oom_killed, const char *message,
		  GError **error)
{
	static const char *const props[] = {
		"State", "Pid", "ExitCode", "OOMKilled", "FinishedTimestamp", "Error", NULL
	};
	static const char *const props_ready[] = { "State",     "Pid",   "ExitCode",
						   "OOMKilled", "Error", "FinishedTimestamp",
						   "Ready",     NULL };
	gboolean was_ready = c->ready;

	if (!ocid_container_is_alive(c))
		return refuse(c, "reported as exited", error);
	c->state = OCID_STATE_STOPPED;
	/* A container that has stopped is not ready (notify.h); its StatusText stays. */
	c->ready = FALSE;
	/* The pid is no longer the container's: Pid reads 0, as for one never started. */
	c->pid = 0;
	c->exit_code = exit_code;
	c->oom_killed = oom_killed;
	c->finished_usec = (uint64_t)g_get_real_time();
	if (message != NULL) {
		g_free(c->error);
		c->error = g_strdup(message);
	}
	/* An exit is told first: its durable record is the monitor's exit file, which a
	 * restarted daemon reads again, so the fsyncs of state.json need not delay it. */
	notify(c, was_ready ? props_ready : props);
	persist(c, TRUE);
	return TRUE;
}

gboolean
ocid_state_recreated(OcidContainer *c, int32_t pid, const OcidProcessIdentity *pid_identity,
		     int32_t monitor_pid, const OcidProcessIdentity *monitor_identity,
		     GError **error)
{
	static const char *const props[] = { "State", "Pid", "Error", "RestartCount", NULL };

	if (c->state != OCID_STATE_STOPPED)
		return refuse(c, "created again", error);
	c->state = OCID_STATE_CREATED;
	c->pid = pid;
	c->pid_identity = *pid_identity;
	c->monitor_pid = monitor_pid;
	c->monitor_identity = *monitor_identity;
	c->restart_count++;
	g_clear_pointer(&c->error, g_free);
	commit(c, props, TRUE);
	return TRUE;
}

gboolean
ocid_state_explained(OcidContainer *c, const char *message, GError **error)
{
	static const char *const props[] = { "Error", NULL };

	if (c->state != OCID_STATE_STOPPED)
		return refuse(c, "given a reason to stay stopped", error);
	if (g_strcmp0(c->error, message) == 0)
		return TRUE;
	g_free(c->error);
	c->error = g_strdup(message);
	commit(c, props, TRUE);
	return TRUE;
}
