/* Health checks (health.h). One timer per running container that has a check, armed for
 * the next check only once the last one has answered, so checks never pile up; none for
 * the others. A check is an ExecSync (exec.c): its exit code 0 is a pass. `retries`
 * failures in a row make the container unhealthy (failures in its start period do not
 * count while it has not yet been healthy), one pass makes it healthy again. */
#define G_LOG_DOMAIN "ocid"

#include "health.h"

#include "manager-private.h"

#include "errors.h"
#include "input-limits.h"
#include "log.h"

#include "common/pidfd.h"

#include <signal.h>
#include <string.h>

static const char *const health_names[] = {
	[OCID_HEALTH_NONE] = "none",
	[OCID_HEALTH_STARTING] = "starting",
	[OCID_HEALTH_HEALTHY] = "healthy",
	[OCID_HEALTH_UNHEALTHY] = "unhealthy",
};

static const char *const on_failure_names[] = {
	[OCID_HEALTH_ON_FAILURE_NONE] = "none",
	[OCID_HEALTH_ON_FAILURE_KILL] = "kill",
	[OCID_HEALTH_ON_FAILURE_RESTART] = "restart",
	[OCID_HEALTH_ON_FAILURE_STOP] = "stop",
};

const char *
ocid_health_to_string(int health)
{
	return health >= 0 && health < (int)G_N_ELEMENTS(health_names) ? health_names[health]
								       : "none";
}

const char *
ocid_health_on_failure_to_string(int on_failure)
{
	return on_failure >= 0 && on_failure < (int)G_N_ELEMENTS(on_failure_names)
		   ? on_failure_names[on_failure]
		   : "none";
}

OcidHealthConfig *
ocid_health_config_new(void)
{
	return g_new0(OcidHealthConfig, 1);
}

OcidHealthConfig *
ocid_health_config_copy(const OcidHealthConfig *config)
{
	OcidHealthConfig *copy = g_memdup2(config, sizeof *config);

	copy->cmd = g_strdupv(config->cmd);
	copy->on_failure_name = g_strdup(config->on_failure_name);
	return copy;
}

void
ocid_health_config_free(OcidHealthConfig *config)
{
	if (config == NULL)
		return;
	g_strfreev(config->cmd);
	g_free(config->on_failure_name);
	g_free(config);
}

void
ocid_health_result_free(OcidHealthResult *result)
{
	if (result == NULL)
		return;
	g_free(result->output);
	g_free(result);
}

static gboolean
invalid(GError **error, const char *what)
{
	return ocid_error_set(error, OCID_ERROR_INVALID_ARGUMENT, "Option 'healthcheck': %s", what);
}

gboolean
ocid_health_config_check(OcidHealthConfig *h, GError **error)
{
	if (h->cmd == NULL || h->cmd[0] == NULL || *h->cmd[0] == '\0')
		return invalid(error, "'cmd' must name a command to run in the container");
	if (!ocid_check_exec_argv((const char *const *)h->cmd, error))
		return FALSE;
	if (h->interval_sec == 0)
		h->interval_sec = 30;
	if (h->timeout_sec == 0)
		h->timeout_sec = 30;
	if (h->retries == 0)
		h->retries = 3;
	if (h->interval_sec > OCID_TIMEOUT_MAX_SEC || h->timeout_sec > OCID_TIMEOUT_MAX_SEC ||
	    h->start_period_sec > OCID_TIMEOUT_MAX_SEC)
		return invalid(
		    error,
		    "'interval', 'timeout' and 'start_period' are seconds, at most " G_STRINGIFY(
			OCID_TIMEOUT_MAX_SEC));
	if (h->on_failure_name == NULL || *h->on_failure_name == '\0') {
		h->on_failure = OCID_HEALTH_ON_FAILURE_NONE;
		return TRUE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(on_failure_names); i++) {
		if (g_str_equal(h->on_failure_name, on_failure_names[i])) {
			h->on_failure = (int)i;
			return TRUE;
		}
	}
	return invalid(error, "'on_failure' must be none, kill, restart or stop");
}

static void
set_health(OcidContainer *c, OcidHealth health)
{
	static const char *const props[] = { "Health", NULL };
	g_autoptr(GError) error = NULL;

	if (c->health == (int)health)
		return;
	c->health = health;
	if (!ocid_manager_persist_container(c->manager, c, FALSE, &error))
		g_warning("Container %s: %s", c->id, error->message);
	ocid_manager_container_changed(c->manager, c, props);
	ocid_log_container(c, G_LOG_LEVEL_MESSAGE, OCID_MESSAGE_HEALTH, "Container %s (%s) is %s",
			   c->id, c->name, ocid_health_to_string(health));
}

static gboolean on_timer(gpointer user_data);

static void
arm(OcidContainer *c)
{
	g_clear_handle_id(&c->health_timer, g_source_remove);
	/* At most OCID_TIMEOUT_MAX_SEC, checked: it fits a guint. */
	c->health_timer = g_timeout_add_seconds((guint)c->healthcheck->interval_sec, on_timer, c);
}

void
ocid_health_begin(OcidManager *manager, OcidContainer *c)
{
	if (c->healthcheck == NULL || c->state != OCID_STATE_RUNNING)
		return;
	c->health_failing_streak = 0;
	set_health(c, OCID_HEALTH_STARTING);
	arm(c);
}

void
ocid_health_set_config(OcidManager *manager, OcidContainer *c, OcidHealthConfig *config)
{
	static const char *const props[] = { "HealthcheckConfig", NULL };

	ocid_health_config_free(c->healthcheck);
	c->healthcheck = config;
	ocid_health_end(c);
	g_clear_pointer(&c->health_log, g_ptr_array_unref);
	c->health_failing_streak = 0;
	ocid_manager_container_changed(manager, c, props);
	if (config == NULL)
		set_health(c, OCID_HEALTH_NONE);
	else
		ocid_health_begin(manager, c);
	/* set_health persists only a change of Health. */
	{
		g_autoptr(GError) error = NULL;
		if (!ocid_manager_persist_container(manager, c, FALSE, &error))
			g_warning("Container %s: %s", c->id, error->message);
	}
}

void
ocid_health_end(OcidContainer *c)
{
	g_clear_handle_id(&c->health_timer, g_source_remove);
}

static char *
output_of(const OcidExecResult *result)
{
	GString *out = g_string_new(NULL);
	gsize len;
	const char *data = g_bytes_get_data(result->stdout_data, &len);

	g_string_append_len(out, data, (gssize)MIN(len, OCID_HEALTH_OUTPUT_MAX));
	data = g_bytes_get_data(result->stderr_data, &len);
	g_string_append_len(out, data, (gssize)MIN(len, OCID_HEALTH_OUTPUT_MAX - out->len));
	/* Shown as a D-Bus string: valid UTF-8 only. */
	return g_utf8_make_valid(out->str, (gssize)out->len);
}

static void
record(OcidContainer *c, OcidHealthResult *result)
{
	g_ptr_array_add(
	    ocid_ptr_array_ensure(&c->health_log, (GDestroyNotify)ocid_health_result_free), result);
	while (c->health_log->len > OCID_HEALTH_LOG_MAX)
		g_ptr_array_remove_index(c->health_log, 0);
}

static void
stopped(OcidContainer *c, GError *error, gpointer user_data)
{
}

/* What on_failure asks, once it is unhealthy. A kill is not a caller's: its restart
 * policy applies to the exit (and `restart` asks for one whatever the policy). */
static void
act(OcidManager *manager, OcidContainer *c)
{
	g_autoptr(GError) error = NULL;

	switch ((OcidHealthOnFailure)c->healthcheck->on_failure) {
	case OCID_HEALTH_ON_FAILURE_NONE:
		return;
	case OCID_HEALTH_ON_FAILURE_RESTART:
		c->health_restart = TRUE;
		/* fall through */
	case OCID_HEALTH_ON_FAILURE_KILL:
		if (c->container_pidfd >= 0)
			(void)sys_pidfd_send_signal(c->container_pidfd, SIGKILL);
		return;
	case OCID_HEALTH_ON_FAILURE_STOP:
		if (!ocid_manager_stop(manager, c, 10, stopped, NULL, &error))
			g_warning("Container %s: %s", c->id, error->message);
		return;
	}
}

typedef struct {
	OcidContainerRef *ref;
	guint64 start_usec;
} Check;

static void
on_checked(const OcidExecResult *result, GError *error, gpointer user_data)
{
	g_autofree Check *check = user_data;
	g_autoptr(OcidContainerRef) ref = check->ref;
	OcidContainer *c = ocid_container_ref_resolve(ref);
	OcidHealthResult *r;
	gboolean passed;

	if (c == NULL) {
		g_autoptr(GError) gone =
		    g_error_new(OCID_ERROR, OCID_ERROR_NO_SUCH_CONTAINER,
				"Container %s was deleted while its health check ran", ref->id);
		if (ref->done != NULL)
			ref->done(NULL, gone, ref->user_data);
		return;
	}
	c->health_checking = FALSE;
	if (c->healthcheck == NULL || c->state != OCID_STATE_RUNNING) {
		if (ref->done != NULL)
			ref->done(c, NULL, ref->user_data);
		return;
	}
	r = g_new0(OcidHealthResult, 1);
	r->start_usec = check->start_usec;
	r->end_usec = (guint64)g_get_real_time();
	r->exit_code = error != NULL || result->timed_out ? -1 : result->exit_code;
	r->output = error != NULL ? g_strdup(error->message) : output_of(result);
	passed = r->exit_code == 0;
	record(c, r);
	if (passed) {
		c->health_failing_streak = 0;
		set_health(c, OCID_HEALTH_HEALTHY);
	} else if (c->health != OCID_HEALTH_STARTING ||
		   r->start_usec >=
		       c->started_usec + c->healthcheck->start_period_sec * G_USEC_PER_SEC) {
		c->health_failing_streak++;
		if (c->health_failing_streak >= c->healthcheck->retries &&
		    c->health != OCID_HEALTH_UNHEALTHY) {
			set_health(c, OCID_HEALTH_UNHEALTHY);
			act(ref->manager, c);
		}
	}
	if (c->state == OCID_STATE_RUNNING)
		arm(c);
	if (ref->done != NULL)
		ref->done(c, NULL, ref->user_data);
}

static gboolean
check(OcidManager *manager, OcidContainer *c, OcidDoneFunc done, gpointer user_data, GError **error)
{
	Check *call = g_new0(Check, 1);

	call->ref = ocid_container_ref_new(manager, c, done, user_data);
	call->start_usec = (guint64)g_get_real_time();
	if (!ocid_manager_exec_sync(manager, c, (const char *const *)c->healthcheck->cmd,
				    c->healthcheck->timeout_sec, on_checked, call, error)) {
		ocid_container_ref_free(call->ref);
		g_free(call);
		return FALSE;
	}
	/* The next one is armed once this one answers. */
	g_clear_handle_id(&c->health_timer, g_source_remove);
	c->health_checking = TRUE;
	return TRUE;
}

static gboolean
on_timer(gpointer user_data)
{
	OcidContainer *c = user_data;
	g_autoptr(GError) error = NULL;

	/* The timer is the container's own: removed before the container is freed. */
	c->health_timer = 0;
	/* A paused container answers nothing: its checks wait until it is resumed. */
	if (c->state == OCID_STATE_PAUSED) {
		arm(c);
		return G_SOURCE_REMOVE;
	}
	if (!c->health_checking && !check(c->manager, c, NULL, NULL, &error))
		g_warning("Container %s: health check not run: %s", c->id, error->message);
	return G_SOURCE_REMOVE;
}

gboolean
ocid_health_run_now(OcidManager *manager, OcidContainer *c, OcidDoneFunc done, gpointer user_data,
		    GError **error)
{
	if (c->healthcheck == NULL)
		return ocid_error_set(error, OCID_ERROR_INVALID_ARGUMENT,
				      "Container %s has no health check; create it with the option "
				      "healthcheck",
				      c->id);
	return check(manager, c, done, user_data, error);
}
