/* Every legal and illegal transition of the container state machine, without a runtime:
 * what each one changes, what it persists and announces, and that a refused one leaves
 * the container as it was. The container belongs to a manager made for tests, whose
 * listener records what it is told; what is persisted is read back from state.json. */
#include "container.h"
#include "errors.h"
#include "manager.h"
#include "persist.h"
#include "restart.h"
#include "state-machine.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

typedef struct {
	OcidManager *manager;
	char *dir; /* holds the container's state.json */
	guint announced;
	guint changes;
	GPtrArray *last; /* the properties of the last change */
	/* "announce <state>" and "changed <state>", with the state state.json held then */
	GPtrArray *told;
} Events;

static const OcidProcessIdentity pid_identity = { .start_time = 7 };
static const OcidProcessIdentity monitor_identity = { .start_time = 6 };

/* The state state.json holds, "none" without one. */
static const char *
state_on_disk(OcidContainer *c)
{
	g_autoptr(OcidContainer) stored = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *state_path = ocid_container_state_path(c);

	if (!g_file_test(state_path, G_FILE_TEST_EXISTS))
		return "none";
	stored = ocid_persist_load(state_path, &error);
	g_assert_no_error(error);
	return ocid_container_state_to_string(stored->state);
}

static void
on_added(OcidContainer *c, gpointer data)
{
	Events *e = data;

	e->announced++;
	g_ptr_array_add(e->told, g_strdup_printf("announce %s", state_on_disk(c)));
}

static void
on_changed(OcidContainer *c, const char *const *properties, gpointer data)
{
	Events *e = data;

	e->changes++;
	g_ptr_array_set_size(e->last, 0);
	for (guint i = 0; properties[i] != NULL; i++)
		g_ptr_array_add(e->last, g_strdup(properties[i]));
	g_ptr_array_add(e->told, g_strdup_printf("changed %s", state_on_disk(c)));
}

static gboolean
changed(Events *e, const char *property)
{
	for (guint i = 0; i < e->last->len; i++)
		if (g_str_equal(e->last->pdata[i], property))
			return TRUE;
	return FALSE;
}

static OcidContainer *
new_container(Events *e)
{
	const OcidManagerListener listener = {
		.container_added = on_added,
		.container_changed = on_changed,
		.data = e,
	};
	OcidContainer *c = ocid_container_new("sm", "sm");
	g_autoptr(GError) error = NULL;

	memset(e, 0, sizeof *e);
	e->manager = ocid_manager_new_for_tests();
	ocid_manager_set_listener(e->manager, &listener);
	e->dir = g_dir_make_tmp("ocid-state-machine-XXXXXX", &error);
	g_assert_no_error(error);
	e->last = g_ptr_array_new_with_free_func(g_free);
	e->told = g_ptr_array_new_with_free_func(g_free);
	/* What state.json must hold to be read back. */
	c->dir = g_strdup(e->dir);
	c->bundle_path = g_strdup(e->dir);
	c->manager = e->manager;
	return c;
}

/* After the container: the flusher may still be at its state.json. */
static void
events_clear(Events *e, OcidContainer *c)
{
	g_autofree char *state_path = ocid_container_state_path(c);
	g_autofree char *before = g_strconcat(state_path, ".tmp", NULL);

	g_clear_pointer(&e->manager, ocid_manager_free);
	(void)g_unlink(state_path);
	(void)g_unlink(before); /* the record before, which the last write swapped out */
	g_assert_cmpint(g_rmdir(e->dir), ==, 0);
	g_free(e->dir);
	g_ptr_array_unref(e->last);
	g_ptr_array_unref(e->told);
}

/* Brings a container into @state by legal transitions. */
static OcidContainer *
container_in(Events *e, OcidContainerState state)
{
	OcidContainer *c = new_container(e);

	if (state == OCID_STATE_CREATING)
		return c;
	g_assert_true(ocid_state_created(c, 42, &pid_identity, 41, &monitor_identity, NULL));
	if (state == OCID_STATE_RUNNING || state == OCID_STATE_PAUSED)
		g_assert_true(ocid_state_started(c, NULL));
	if (state == OCID_STATE_PAUSED)
		g_assert_true(ocid_state_paused(c, NULL));
	if (state == OCID_STATE_STOPPED)
		g_assert_true(ocid_state_exited(c, 3, FALSE, NULL, NULL));
	return c;
}

typedef gboolean (*Transition)(OcidContainer *c, GError **error);

static gboolean
do_created(OcidContainer *c, GError **error)
{
	return ocid_state_created(c, 42, &pid_identity, 41, &monitor_identity, error);
}

static gboolean
do_start_failed(OcidContainer *c, GError **error)
{
	return ocid_state_start_failed(c, "no such file", error);
}

static gboolean
do_exited(OcidContainer *c, GError **error)
{
	return ocid_state_exited(c, 137, TRUE, NULL, error);
}

static gboolean
do_recreated(OcidContainer *c, GError **error)
{
	return ocid_state_recreated(c, 52, &pid_identity, 51, &monitor_identity, error);
}

static const struct {
	const char *name;
	Transition transition;
	/* The states it may start from, and where it leads. */
	gboolean from[5];
	OcidContainerState to;
} transitions[] = {
	{ "created", do_created, { [OCID_STATE_CREATING] = TRUE }, OCID_STATE_CREATED },
	{ "started", ocid_state_started, { [OCID_STATE_CREATED] = TRUE }, OCID_STATE_RUNNING },
	{ "start_failed", do_start_failed, { [OCID_STATE_CREATED] = TRUE }, OCID_STATE_STOPPED },
	{ "paused", ocid_state_paused, { [OCID_STATE_RUNNING] = TRUE }, OCID_STATE_PAUSED },
	{ "resumed", ocid_state_resumed, { [OCID_STATE_PAUSED] = TRUE }, OCID_STATE_RUNNING },
	{ "exited",
	  do_exited,
	  { [OCID_STATE_CREATED] = TRUE, [OCID_STATE_RUNNING] = TRUE, [OCID_STATE_PAUSED] = TRUE },
	  OCID_STATE_STOPPED },
	{ "recreated", do_recreated, { [OCID_STATE_STOPPED] = TRUE }, OCID_STATE_CREATED },
};

/* The whole table: each transition from each state is either done, persisted and told,
 * or refused with InvalidState and no trace. */
static void
test_table(void)
{
	for (gsize t = 0; t < G_N_ELEMENTS(transitions); t++) {
		for (int from = OCID_STATE_CREATING; from <= OCID_STATE_STOPPED; from++) {
			Events e;
			g_autoptr(OcidContainer) c = container_in(&e, (OcidContainerState)from);
			g_autoptr(GError) error = NULL;
			guint announced = e.announced, changes = e.changes;
			g_autofree char *state_path = ocid_container_state_path(c);
			gboolean ok;

			/* started from stopped-before-start is its own case, below. */
			if (transitions[t].transition == ocid_state_started &&
			    from == OCID_STATE_STOPPED)
				c->started_usec = 1;
			/* What is on disk after the transition is its own record. */
			(void)g_unlink(state_path);
			ok = transitions[t].transition(c, &error);
			g_test_message("%s from %s: %s", transitions[t].name,
				       ocid_container_state_to_string((OcidContainerState)from),
				       ok ? "done" : error->message);
			if (transitions[t].from[from]) {
				g_assert_no_error(error);
				g_assert_true(ok);
				g_assert_cmpint(c->state, ==, transitions[t].to);
				g_assert_cmpstr(state_on_disk(c), ==,
						ocid_container_state_to_string(transitions[t].to));
				if (from == OCID_STATE_CREATING) {
					g_assert_cmpuint(e.announced, ==, announced + 1);
					g_assert_cmpuint(e.changes, ==, changes);
				} else {
					g_assert_cmpuint(e.changes, ==, changes + 1);
					g_assert_true(changed(&e, "State"));
				}
			} else {
				g_assert_error(error, OCID_ERROR, OCID_ERROR_INVALID_STATE);
				g_assert_false(ok);
				g_assert_cmpint(c->state, ==, from);
				g_assert_cmpstr(state_on_disk(c), ==, "none");
				g_assert_cmpuint(e.announced, ==, announced);
				g_assert_cmpuint(e.changes, ==, changes);
			}
			events_clear(&e, c);
		}
	}
}

/* A new container is announced, never changed: its first PropertiesChanged can only
 * follow its InterfacesAdded. Each is told once its record is on disk (the record is
 * removed in between, so the second one is the start's own). */
static void
test_announced_before_changes(void)
{
	Events e;
	g_autoptr(OcidContainer) c = new_container(&e);
	g_autofree char *state_path = ocid_container_state_path(c);

	g_assert_true(ocid_state_created(c, 42, &pid_identity, 41, &monitor_identity, NULL));
	g_assert_cmpint(g_unlink(state_path), ==, 0);
	g_assert_true(ocid_state_started(c, NULL));
	g_assert_cmpuint(e.announced, ==, 1);
	g_assert_cmpuint(e.told->len, ==, 2);
	g_assert_cmpstr(e.told->pdata[0], ==, "announce created");
	g_assert_cmpstr(e.told->pdata[1], ==, "changed running");
	g_assert_cmpint(c->pid, ==, 42);
	g_assert_cmpint(c->monitor_pid, ==, 41);
	events_clear(&e, c);
}

/* What each transition sets, and that every one of those is in its PropertiesChanged. */
static void
test_exit_fields(void)
{
	Events e;
	g_autoptr(OcidContainer) c = container_in(&e, OCID_STATE_RUNNING);

	g_assert_cmpuint(c->started_usec, >, 0);
	g_assert_true(ocid_state_exited(c, 137, TRUE, "killed", NULL));
	g_assert_cmpint(c->exit_code, ==, 137);
	g_assert_true(c->oom_killed);
	g_assert_cmpstr(c->error, ==, "killed");
	g_assert_cmpint(c->pid, ==, 0);
	g_assert_cmpuint(c->finished_usec, >=, c->started_usec);
	for (const char *const *p = (const char *const[]){ "State", "Pid", "ExitCode", "OOMKilled",
							   "FinishedTimestamp", "Error", NULL };
	     *p != NULL; p++)
		g_assert_true(changed(&e, *p));
	events_clear(&e, c);
}

static void
test_start_failed_fields(void)
{
	Events e;
	g_autoptr(OcidContainer) c = container_in(&e, OCID_STATE_CREATED);

	g_assert_true(ocid_state_start_failed(c, "exec failed", NULL));
	g_assert_cmpint(c->exit_code, ==, 255);
	g_assert_cmpstr(c->error, ==, "exec failed");
	g_assert_true(changed(&e, "Error"));
	g_assert_true(changed(&e, "FinishedTimestamp"));
	events_clear(&e, c);
}

/* A container that exits before its start is confirmed gets a StartedTimestamp, told
 * like any other change, and stays stopped; a second confirmation is refused. */
static void
test_started_after_exit(void)
{
	Events e;
	g_autoptr(OcidContainer) c = container_in(&e, OCID_STATE_STOPPED);
	g_autoptr(GError) error = NULL;

	g_assert_cmpuint(c->started_usec, ==, 0);
	g_assert_true(ocid_state_started(c, NULL));
	g_assert_cmpint(c->state, ==, OCID_STATE_STOPPED);
	g_assert_cmpuint(c->started_usec, ==, c->finished_usec);
	g_assert_true(changed(&e, "StartedTimestamp"));
	g_assert_false(changed(&e, "State"));
	g_assert_false(ocid_state_started(c, &error));
	g_assert_error(error, OCID_ERROR, OCID_ERROR_INVALID_STATE);
	events_clear(&e, c);
}

/* A restart policy's new run: the same container, a new pid, one more restart, no Error;
 * its last exit code stays. A policy that gives up says why, and only a stopped one. */
static void
test_recreated_fields(void)
{
	Events e;
	g_autoptr(OcidContainer) c = container_in(&e, OCID_STATE_RUNNING);
	g_autoptr(GError) error = NULL;

	g_assert_true(ocid_state_exited(c, 137, FALSE, "gone", NULL));
	g_assert_true(do_recreated(c, NULL));
	g_assert_cmpint(c->pid, ==, 52);
	g_assert_cmpint(c->monitor_pid, ==, 51);
	g_assert_cmpuint(c->restart_count, ==, 1);
	g_assert_null(c->error);
	g_assert_cmpint(c->exit_code, ==, 137);
	for (const char *const *p =
		 (const char *const[]){ "State", "Pid", "Error", "RestartCount", NULL };
	     *p != NULL; p++)
		g_assert_true(changed(&e, *p));
	g_assert_false(ocid_state_explained(c, "no more", &error));
	g_assert_error(error, OCID_ERROR, OCID_ERROR_INVALID_STATE);
	g_assert_true(ocid_state_exited(c, 3, FALSE, NULL, NULL));
	g_assert_true(ocid_state_explained(c, "no more", NULL));
	g_assert_cmpstr(c->error, ==, "no more");
	g_assert_true(changed(&e, "Error"));
	g_assert_false(changed(&e, "State"));
	events_clear(&e, c);
}

/* The back-off doubles from 100 ms to its cap, and a daemon restarted in the middle of one
 * waits what is left of it: never more than the whole, whichever way the clock went. */
static void
test_restart_backoff(void)
{
	const gint64 now = 1800000000000000;

	g_assert_cmpuint(ocid_restart_backoff_msec(1), ==, 100);
	g_assert_cmpuint(ocid_restart_backoff_msec(2), ==, 200);
	g_assert_cmpuint(ocid_restart_backoff_msec(8), ==, 12800);
	g_assert_cmpuint(ocid_restart_backoff_msec(9), ==, 25600);
	g_assert_cmpuint(ocid_restart_backoff_msec(10), ==, OCID_RESTART_BACKOFF_MAX_MSEC);
	g_assert_cmpuint(ocid_restart_backoff_msec(G_MAXUINT32), ==, OCID_RESTART_BACKOFF_MAX_MSEC);

	g_assert_cmpuint(ocid_restart_delay_msec(7, now + 6400 * 1000, now), ==, 6400);
	g_assert_cmpuint(ocid_restart_delay_msec(7, now + 6400 * 1000, now + 6000 * 1000), ==, 400);
	g_assert_cmpuint(ocid_restart_delay_msec(7, now + 1, now), ==, 1);
	g_assert_cmpuint(ocid_restart_delay_msec(7, now, now), ==, 0);
	g_assert_cmpuint(ocid_restart_delay_msec(7, now - 1, now), ==, 0);
	/* The clock was set back an hour during the back-off. */
	g_assert_cmpuint(ocid_restart_delay_msec(7, now, now - (gint64)3600 * G_USEC_PER_SEC), ==,
			 6400);
	/* At boot: at once. */
	g_assert_cmpuint(ocid_restart_delay_msec(7, 0, now), ==, 0);

	/* Quick exits make a streak; a run of 10 s ends it, as Docker's does. */
	g_assert_cmpuint(ocid_restart_next_streak(0, now, now + 1000), ==, 1);
	g_assert_cmpuint(ocid_restart_next_streak(6, now, now + 9 * G_USEC_PER_SEC), ==, 7);
	g_assert_cmpuint(ocid_restart_next_streak(6, now, now + 10 * G_USEC_PER_SEC), ==, 1);
	g_assert_cmpuint(ocid_restart_next_streak(G_MAXUINT32, now, now), ==, G_MAXUINT32);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/state-machine/table", test_table);
	g_test_add_func("/state-machine/announced-before-changes", test_announced_before_changes);
	g_test_add_func("/state-machine/exit-fields", test_exit_fields);
	g_test_add_func("/state-machine/start-failed-fields", test_start_failed_fields);
	g_test_add_func("/state-machine/started-after-exit", test_started_after_exit);
	g_test_add_func("/state-machine/recreated-fields", test_recreated_fields);
	g_test_add_func("/state-machine/restart-backoff", test_restart_backoff);
	return g_test_run();
}
