/* The verbs on a container that exists: start, stop (stop signal, then SIGKILL on a
 * timer), kill, pause and unpause, update, delete. Each checks its starting state, runs
 * the runtime asynchronously, and applies the outcome through the state machine once the
 * runtime answers, finding the container again by id and serial. */
#define G_LOG_DOMAIN "ocid"

#include "manager-private.h"

#include "cgroup-tree.h"
#include "cgroup-kill.h"
#include "container-log.h"
#include "errors.h"
#include "input-limits.h"
#include "log.h"
#include "health.h"
#include "notify.h"
#include "process.h"
#include "restart.h"
#include "state-machine.h"
#include "teardown.h"

#include "common/pidfd.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>

static gboolean
invalid_state(OcidContainer *c, const char *what, GError **error)
{
	g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_STATE, "Container %s is %s; %s", c->id,
		    ocid_container_state_to_string(c->state), what);
	return FALSE;
}

/* A container being created is not alive, yet Stop may not take it as stopped: only
 * Delete(true) ends a create. The other verbs refuse it by their own state checks. */
static gboolean
check_not_creating(OcidContainer *c, GError **error)
{
	if (c->state != OCID_STATE_CREATING)
		return TRUE;
	g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_STATE,
		    "Container %s is still being created; wait for CreateContainer to return, "
		    "or cancel it with Delete(true)",
		    c->id);
	return FALSE;
}

static void
report_gone(OcidContainerRef *ref, const char *what)
{
	g_autoptr(GError) gone = g_error_new(OCID_ERROR, OCID_ERROR_NO_SUCH_CONTAINER,
					     "Container %s was deleted while %s", ref->id, what);

	ref->done(NULL, gone, ref->user_data);
}

/* ---- start ---------------------------------------------------------------------- */

static gboolean
pidfd_says_exited(int pidfd)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	return pidfd >= 0 && poll(&pfd, 1, 0) > 0;
}

/* The kernel's PF_EXITING: set when a task starts to exit, well before its pidfd says so
 * (its memory and files go first). A SIGKILLed init makes the runtime's start fail in
 * that window. */
#define TASK_PF_EXITING 0x4u

static gboolean
task_is_exiting(pid_t pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
	g_autofree char *stat = NULL;
	g_auto(GStrv) fields = NULL;
	const char *after_comm;

	if (pid <= 0 || !g_file_get_contents(path, &stat, NULL, NULL))
		return FALSE;
	after_comm = strrchr(stat, ')');
	if (after_comm == NULL)
		return FALSE;
	/* After the name: state, ppid, pgrp, session, tty_nr, tpgid, flags. */
	fields = g_strsplit(after_comm + 2, " ", 8);
	return g_strv_length(fields) >= 7 &&
	       (g_ascii_strtoull(fields[6], NULL, 10) & TASK_PF_EXITING) != 0;
}

/* Exited, or on its way: its exit code then comes from its monitor. The pid is checked
 * only while the pidfd says the process has not exited, so it cannot have been reused;
 * and again after, in case it exited meanwhile. */
static gboolean
container_process_exited(const OcidContainer *c)
{
	if (pidfd_says_exited(c->container_pidfd))
		return TRUE;
	return c->container_pidfd >= 0 &&
	       (task_is_exiting(c->pid) || pidfd_says_exited(c->container_pidfd));
}

static void
on_started(const char *out, GError *error, gpointer user_data)
{
	g_autoptr(OcidContainerRef) ref = user_data;
	OcidContainer *c = ocid_container_ref_resolve(ref);

	if (c == NULL) {
		report_gone(ref, "starting");
		return;
	}
	c->starting = FALSE;
	if (error != NULL) {
		/* Only a container that is still created and alive failed to start: one whose
		 * process exited meanwhile has its real exit code reported by its monitor. */
		if (!container_process_exited(c))
			(void)ocid_state_start_failed(c, error->message, NULL);
		ocid_log_container(c, G_LOG_LEVEL_WARNING, OCID_MESSAGE_FAILED,
				   "Starting container %s failed: %s", c->id, error->message);
		ref->done(c, error, ref->user_data);
	} else {
		/* A short-lived container may already have exited and been reported: the
		 * state machine then only records when it started. */
		(void)ocid_state_started(c, NULL);
		ocid_log_container(c, G_LOG_LEVEL_MESSAGE, OCID_MESSAGE_STARTED,
				   "Started container %s (%s)", c->id, c->name);
		ocid_health_begin(ref->manager, c);
		ref->done(c, NULL, ref->user_data);
	}
	/* An exit while the runtime's start ran waited for it: its teardown begins now. The
	 * reply above may have deleted the container. */
	c = ocid_container_ref_resolve(ref);
	if (c != NULL) {
		ocid_teardown_exited(ref->manager, c);
		ocid_restart_on_exit(ref->manager, c);
	}
}

static OcidStartProtocol
start_protocol_for(OcidManager *manager, const OcidContainer *c)
{
	if (!c->fifo_start)
		return OCID_START_BY_RUNTIME;
	return ocid_manager_runtime_protocol(manager, c);
}

gboolean
ocid_manager_start(OcidManager *manager, OcidContainer *c, OcidDoneFunc done, gpointer user_data,
		   GError **error)
{
	OcidRuntime runtime = ocid_manager_runtime_for(manager, c);
	OcidStartProtocol protocol = start_protocol_for(manager, c);
	const char *args[] = { "start", c->id, NULL };
	OcidContainerRef *ref;

	if (c->state != OCID_STATE_CREATED || c->removing)
		return invalid_state(c,
				     "only a created container can be started; create a new "
				     "one to run it again",
				     error);
	/* Two releases of one init would leave the second waiting on a fifo nobody writes. */
	if (c->starting) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_STATE,
			    "Container %s is being started already; wait for that Start to "
			    "return",
			    c->id);
		return FALSE;
	}
	c->starting = TRUE;
	ocid_notify_starting(c);
	ref = ocid_container_ref_new(manager, c, done, user_data);
	if (protocol != OCID_START_BY_RUNTIME && c->container_pidfd < 0)
		c->container_pidfd = ocid_pidfd_open_verified(c->pid, &c->pid_identity);
	/* No second runtime process where the fifo is all its start would do; without a fifo
	 * to take, the runtime's own start says what state the container is in. */
	if (protocol != OCID_START_BY_RUNTIME &&
	    ocid_start_fifo_begin(protocol, runtime.root, c->id, c->container_pidfd, on_started,
				  ref))
		return TRUE;
	ocid_runtime_run_async(&runtime, args, on_started, ref);
	return TRUE;
}

/* ---- stop, kill ----------------------------------------------------------------- */

static gboolean
send_signal(OcidContainer *c, int signal, GError **error)
{
	int r;

	if (c->container_pidfd < 0)
		c->container_pidfd = ocid_pidfd_open_verified(c->pid, &c->pid_identity);
	if (c->container_pidfd < 0)
		r = c->container_pidfd;
	else
		r = sys_pidfd_send_signal(c->container_pidfd, signal);
	if (r == -ESRCH)
		return TRUE; /* it is exiting; its monitor will report it */
	if (r < 0) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_FAILED, "Cannot signal container %s: %s",
			    c->id, g_strerror(-r));
		return FALSE;
	}
	return TRUE;
}

static gboolean
on_stop_timeout(gpointer user_data)
{
	OcidContainer *c = user_data;

	/* The timer is the container's own: removed before the container is freed. */
	c->stop_timer = 0;
	ocid_log_container(c, G_LOG_LEVEL_MESSAGE, OCID_MESSAGE_STOP_REQUESTED,
			   "Container %s did not stop in time; sending SIGKILL", c->id);
	(void)send_signal(c, SIGKILL, NULL);
	return G_SOURCE_REMOVE;
}

static void
add_waiter(OcidContainer *c, OcidDoneFunc done, gpointer user_data)
{
	g_ptr_array_add(ocid_ptr_array_ensure(&c->stop_waiters, g_free),
			ocid_waiter_new(done, user_data));
}

void
ocid_lifecycle_complete_waiters(OcidContainer *c, GError *error)
{
	/* Taken first: a waiter's callback may add the next one. */
	g_autoptr(GPtrArray) waiters = g_steal_pointer(&c->stop_waiters);

	if (waiters != NULL)
		ocid_waiters_answer(waiters, c, error);
}

/* Asks the container to stop; SIGKILL when @timeout_sec passes (or at once for 0, and for
 * a created container, whose init is the runtime's and waits for start). */
static gboolean
begin_stop(OcidManager *manager, OcidContainer *c, guint64 timeout_sec, GError **error)
{
	int signal = ocid_signal_from_string(ocid_container_stop_signal(c));

	if (signal < 0)
		signal = SIGTERM;
	if (timeout_sec == 0 || c->state == OCID_STATE_CREATED)
		signal = SIGKILL;
	ocid_log_container(c, G_LOG_LEVEL_MESSAGE, OCID_MESSAGE_STOP_REQUESTED,
			   "Stopping container %s with signal %d, SIGKILL after %" G_GUINT64_FORMAT
			   " s",
			   c->id, signal, timeout_sec);
	if (!send_signal(c, signal, error))
		return FALSE;
	/* A frozen container acts on no signal, not even SIGKILL, until it is thawed. */
	if (c->state == OCID_STATE_PAUSED) {
		OcidRuntime runtime = ocid_manager_runtime_for(manager, c);
		const char *args[] = { "resume", c->id, NULL };
		ocid_runtime_run_async(&runtime, args, ocid_runtime_result_ignored, NULL);
	}
	/* ocid_manager_stop() refused more than OCID_TIMEOUT_MAX_SEC, whose milliseconds
	 * fit g_timeout_add's guint. */
	G_STATIC_ASSERT((guint64)OCID_TIMEOUT_MAX_SEC * 1000 <= G_MAXUINT);
	if (signal != SIGKILL && c->stop_timer == 0)
		c->stop_timer = g_timeout_add(
		    (guint)(MIN(timeout_sec, OCID_TIMEOUT_MAX_SEC) * 1000), on_stop_timeout, c);
	return TRUE;
}

gboolean
ocid_manager_stop(OcidManager *manager, OcidContainer *c, guint64 timeout_sec, OcidDoneFunc done,
		  gpointer user_data, GError **error)
{
	if (!ocid_check_timeout(timeout_sec, "Stop's timeout_sec", error) ||
	    !check_not_creating(c, error))
		return FALSE;
	ocid_restart_cancel_for_caller(manager, c);
	if (!ocid_container_is_alive(c)) {
		done(c, NULL, user_data);
		return TRUE;
	}
	if (!begin_stop(manager, c, timeout_sec, error))
		return FALSE;
	add_waiter(c, done, user_data);
	return TRUE;
}

static gboolean
signal_ends(const OcidContainer *c, int signal)
{
	return signal == SIGKILL || signal == SIGTERM || signal == SIGINT || signal == SIGQUIT ||
	       signal == ocid_signal_from_string(ocid_container_stop_signal(c));
}

gboolean
ocid_manager_kill(OcidManager *manager, OcidContainer *c, const char *signal_name, GError **error)
{
	int signal = ocid_signal_from_string(signal_name);

	if (signal < 0) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "'%s' is not a signal; use a name like SIGTERM or TERM, or a number",
			    signal_name != NULL ? signal_name : "");
		return FALSE;
	}
	if (!ocid_container_is_alive(c))
		return invalid_state(c, "there is no process to signal", error);
	/* A signal meant to end it: the exit it brings is the caller's, not a failure. */
	if (signal_ends(c, signal))
		ocid_restart_cancel_for_caller(manager, c);
	return send_signal(c, signal, error);
}

/* ---- pause, update --------------------------------------------------------------- */

typedef gboolean (*ApplyFunc)(OcidContainer *c, GError **error);

typedef struct {
	OcidContainerRef *ref;
	ApplyFunc apply;
	int want_frozen; /* pause 1, unpause 0, else -1: what the kernel must say after */
} ApplyCall;

/* The runtime says it froze or thawed the container; the kernel has the last word
 * (cgroup.events "frozen" on v2, freezer.state on v1). Both runc and crun return only once
 * the freeze is complete, so a mismatch is a failure, not a transition. */
static gboolean
check_frozen(OcidContainer *c, int want_frozen, GError **error)
{
	int frozen;

	if (want_frozen < 0)
		return TRUE;
	frozen = ocid_cgroup_container_frozen(c);
	if (frozen < 0 || frozen == want_frozen)
		return TRUE; /* no freezer file to ask (the container's cgroup is gone) */
	g_set_error(error, OCID_ERROR, OCID_ERROR_RUNTIME_FAILED,
		    "The OCI runtime reported container %s %s, but its cgroup says it is %s; "
		    "check the runtime and the cgroup's freezer",
		    c->id, want_frozen ? "paused" : "resumed", frozen ? "frozen" : "not frozen");
	return FALSE;
}

static void
on_runtime_applied(const char *out, GError *error, gpointer user_data)
{
	g_autofree ApplyCall *call = user_data;
	g_autoptr(OcidContainerRef) ref = call->ref;
	g_autoptr(GError) frozen_error = NULL;
	OcidContainer *c = ocid_container_ref_resolve(ref);

	if (c == NULL)
		report_gone(ref, "the runtime worked on it");
	else if (error != NULL)
		ref->done(c, error, ref->user_data);
	else if (!check_frozen(c, call->want_frozen, &frozen_error))
		ref->done(c, frozen_error, ref->user_data);
	else {
		/* The container may have exited meanwhile: then there is nothing to apply. */
		if (call->apply != NULL)
			(void)call->apply(c, NULL);
		ref->done(c, NULL, ref->user_data);
	}
}

static void
run_and_apply(OcidManager *manager, OcidContainer *c, const char *const *args, ApplyFunc apply,
	      int want_frozen, OcidDoneFunc done, gpointer user_data)
{
	OcidRuntime runtime = ocid_manager_runtime_for(manager, c);
	ApplyCall *call = g_new0(ApplyCall, 1);

	call->ref = ocid_container_ref_new(manager, c, done, user_data);
	call->apply = apply;
	call->want_frozen = want_frozen;
	ocid_runtime_run_async(&runtime, args, on_runtime_applied, call);
}

gboolean
ocid_manager_pause(OcidManager *manager, OcidContainer *c, gboolean pause, OcidDoneFunc done,
		   gpointer user_data, GError **error)
{
	const char *args[] = { pause ? "pause" : "resume", c->id, NULL };

	if (pause && c->state != OCID_STATE_RUNNING)
		return invalid_state(c, "only a running container can be paused", error);
	if (!pause && c->state != OCID_STATE_PAUSED)
		return invalid_state(c, "only a paused container can be unpaused", error);
	run_and_apply(manager, c, args, pause ? ocid_state_paused : ocid_state_resumed,
		      pause ? 1 : 0, done, user_data);
	return TRUE;
}

static void
on_unit_updated(GError *error, gpointer user_data)
{
	g_autofree char *id = user_data;

	if (error != NULL)
		g_warning("Container %s: %s", id, error->message);
}

/* On cgroup v2 a swap limit means swap beyond memory (memory.swap.max = memory_swap -
 * memory_limit), and runc and crun refuse memory_swap without memory_limit ("cannot set
 * swap limit without the memory limit"), where v1 took it alone. So a memory_swap given
 * alone goes with the kernel's current memory limit. Returns @resources, or @effective (a
 * shallow copy: it owns nothing) with that limit added. */
static const OcidResources *
with_current_memory(const OcidContainer *c, const OcidResources *resources,
		    OcidResources *effective)
{
	g_autofree char *current = NULL;

	if (!resources->has_memory_swap || resources->has_memory_limit || !ocid_cgroup_is_unified())
		return resources;
	current = ocid_cgroup_container_read(c, "memory", "memory.max");
	if (current == NULL || !g_ascii_isdigit(*current))
		return resources; /* "max": the runtime says why that cannot be */
	*effective = *resources;
	effective->has_memory_limit = TRUE;
	effective->memory_limit = g_ascii_strtoll(current, NULL, 10);
	return effective;
}

gboolean
ocid_manager_update(OcidManager *manager, OcidContainer *c, const OcidResources *resources,
		    OcidDoneFunc done, gpointer user_data, GError **error)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
	OcidResources effective;
	gboolean restart = resources->has_restart_policy || resources->has_restart_max;
	gboolean health = resources->has_healthcheck;
	int policy = c->restart_policy;

	if (!ocid_resources_validate(resources, error))
		return FALSE;
	if (resources->has_restart_policy &&
	    !ocid_restart_policy_from_string(resources->restart_policy, &policy, error))
		return FALSE;
	if (health && resources->healthcheck->cmd != NULL &&
	    !ocid_health_config_check(resources->healthcheck, error))
		return FALSE;
	if (ocid_resources_is_empty(resources) && !restart && !health) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "No resources given; pass at least one of cpu_shares, cpu_quota, "
			    "cpu_period, cpuset_cpus, cpuset_mems, memory_limit, memory_swap, "
			    "pids_limit, blkio_weight, restart_policy, restart_max, healthcheck");
		return FALSE;
	}
	if (!check_not_creating(c, error))
		return FALSE;
	if (!ocid_resources_is_empty(resources) && !ocid_container_is_alive(c))
		return invalid_state(c, "only a live container's resources can be updated", error);
	if (restart)
		ocid_restart_set_policy(manager, c, policy,
					resources->has_restart_max ? resources->restart_max
								   : c->restart_max);
	if (health)
		ocid_health_set_config(manager, c,
				       resources->healthcheck->cmd != NULL
					   ? ocid_health_config_copy(resources->healthcheck)
					   : NULL);
	/* The policy and the check are ocid's own: no runtime to ask. */
	if (ocid_resources_is_empty(resources)) {
		done(c, NULL, user_data);
		return TRUE;
	}
	g_ptr_array_add(args, g_strdup("update"));
	ocid_resources_to_runtime_args(with_current_memory(c, resources, &effective), args);
	g_ptr_array_add(args, g_strdup(c->id));
	g_ptr_array_add(args, NULL);
	/* The unit's limits enclose the container's; both must move together. */
	if (manager->cgroups->update != NULL)
		manager->cgroups->update(manager->cgroups, c, resources, on_unit_updated,
					 g_strdup(c->id));
	run_and_apply(manager, c, (const char *const *)args->pdata, NULL, -1, done, user_data);
	return TRUE;
}

/* ---- delete --------------------------------------------------------------------- */

static void
on_deleted(OcidContainer *c, GError *error, gpointer user_data)
{
	g_autoptr(OcidContainerRef) ref = user_data;

	if (error != NULL) {
		ref->done(c, error, ref->user_data);
		return;
	}
	ref->done(NULL, NULL, ref->user_data);
}

/* A container that is not alive: what its exit began (teardown.h) goes on to its end. */
static void
delete_from_runtime(OcidManager *manager, OcidContainer *c, OcidDoneFunc done, gpointer user_data)
{
	ocid_teardown_remove(manager, c, on_deleted,
			     ocid_container_ref_new(manager, c, done, user_data));
}

static void
on_stopped_for_delete(OcidContainer *c, GError *error, gpointer user_data)
{
	g_autoptr(OcidContainerRef) ref = user_data;

	/* A stop waiter is called with its container, which is alive at that moment. */
	if (error != NULL) {
		ocid_teardown_mark_removing(ref->manager, c, FALSE);
		ref->done(c, error, ref->user_data);
		return;
	}
	delete_from_runtime(ref->manager, c, ref->done, ref->user_data);
}

/* A restart's create was undone for this Delete: it goes on as for any stopped one. */
static void
on_restart_undone(OcidContainer *c, GError *error, gpointer user_data)
{
	g_autoptr(OcidContainerRef) ref = user_data;

	delete_from_runtime(ref->manager, c, ref->done, ref->user_data);
}

static void
on_create_cancelled(OcidContainer *c, GError *error, gpointer user_data)
{
	g_autofree OcidWaiter *w = user_data;

	/* The create is undone: for the Delete that asked, that is success. */
	w->done(NULL, NULL, w->user_data);
}

gboolean
ocid_manager_delete(OcidManager *manager, OcidContainer *c, gboolean force, OcidDoneFunc done,
		    gpointer user_data, GError **error)
{
	if (c->state == OCID_STATE_CREATING) {
		g_autoptr(GError) cancelled = NULL;

		if (!force) {
			g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_STATE,
				    "Container %s is still being created; Delete(true) cancels "
				    "the create",
				    c->id);
			return FALSE;
		}
		add_waiter(c, on_create_cancelled, ocid_waiter_new(done, user_data));
		cancelled =
		    g_error_new(OCID_ERROR, OCID_ERROR_NO_SUCH_CONTAINER,
				"Container %s was deleted while it was being created", c->id);
		ocid_create_abort(manager, c, cancelled);
		return TRUE;
	}
	if (c->removing) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_STATE,
			    "Container %s is already being deleted", c->id);
		return FALSE;
	}
	if (ocid_container_is_alive(c) && c->state != OCID_STATE_CREATED && !force)
		return invalid_state(c, "stop it first, or delete it with force=true", error);
	if (!ocid_container_is_alive(c) && c->create == NULL && !c->restarting) {
		/* No restart to cancel, and none after a crash either: the teardown removes the
		 * record in this call, or marks it removing (teardown.c), so the flag needs no
		 * write of its own. */
		c->stopped_by_caller = TRUE;
		delete_from_runtime(manager, c, done, user_data);
		return TRUE;
	}
	ocid_restart_cancel_for_caller(manager, c);
	if (c->create != NULL) {
		add_waiter(c, on_restart_undone,
			   ocid_container_ref_new(manager, c, done, user_data));
		return TRUE;
	}
	if (ocid_container_is_alive(c)) {
		if (!begin_stop(manager, c, 0, error))
			return FALSE;
		ocid_exec_cancel_all(c);
		ocid_teardown_mark_removing(manager, c, TRUE);
		add_waiter(c, on_stopped_for_delete,
			   ocid_container_ref_new(manager, c, done, user_data));
		return TRUE;
	}
	delete_from_runtime(manager, c, done, user_data);
	return TRUE;
}
