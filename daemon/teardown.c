/* The teardown of a container: the steps of teardown.h, in order, each begun once the one
 * before has answered, owned by the container (OcidContainer.teardown) so that nothing of
 * it outlives the container. A completion finds its container again by id and serial and
 * does nothing when it is gone (a daemon shutting down frees containers mid-teardown; the
 * next one starts over from the mark in state.json).
 *
 * Who calls it: create.c once a failed or cancelled create has nothing in flight any more,
 * lifecycle.c for Delete, supervise.c at an exit, and at restore for a create or a Delete
 * that a crash interrupted. None of them undoes anything itself. */
#define G_LOG_DOMAIN "ocid"

#include "teardown.h"

#include "manager-private.h"

#include "cgroup-kill.h"
#include "cgroup-tree.h"
#include "cleanup.h"
#include "container-log.h"
#include "crash-point.h"
#include "log.h"
#include "reaper.h"
#include "remove-tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

struct OcidTeardown {
	OcidTeardownStep step; /* the next one to begin */
	gboolean remove;       /* all the way: its files and the container itself */
	gboolean pending;      /* the step begun last has not answered */
	/* advance() is at work further up the stack: a step that answers at once (a
	 * cgroupfs unit) leaves the next one to it, so that the container is freed by the
	 * outermost call only. */
	gboolean advancing;
	/* Begun at its exit: nothing of it runs but its monitor on its way out, which is
	 * waited for before its group goes, and the runtime's delete may be ocid's own. */
	gboolean exited;
	int monitor_pidfd;
	guint monitor_watch;
	GPtrArray *waiters; /* OcidWaiter */
};

static const char *const step_names[] = {
	[OCID_TEARDOWN_RUNTIME] = "runtime", [OCID_TEARDOWN_CGROUP] = "cgroup",
	[OCID_TEARDOWN_UNIT] = "unit",       [OCID_TEARDOWN_UNIT_CGROUP] = "unit-cgroup",
	[OCID_TEARDOWN_FILES] = "files",     [OCID_TEARDOWN_DONE] = "done",
};

void
ocid_teardown_free(OcidTeardown *t)
{
	if (t == NULL)
		return;
	g_clear_handle_id(&t->monitor_watch, g_source_remove);
	closep(&t->monitor_pidfd);
	g_ptr_array_unref(t->waiters);
	g_free(t);
}

gboolean
ocid_teardown_is_removing(const OcidContainer *c)
{
	return c->teardown != NULL && c->teardown->remove;
}

/* The fault tests' way of killing the daemon inside a step (tests/faults/test-teardown.c):
 * OCID_TEST_CRASH_IN_TEARDOWN names the step. */
static void
crash_point(OcidTeardownStep step)
{
	ocid_crash_point("OCID_TEST_CRASH_IN_TEARDOWN", step_names[step]);
}

static void advance(OcidManager *manager, OcidContainer *c);

/* A step's call answered; whatever it said, the next step follows. */
static void
step_answered(OcidContainerRef *ref)
{
	OcidContainer *c = ocid_container_ref_resolve(ref);

	if (c == NULL || c->teardown == NULL)
		return;
	c->teardown->pending = FALSE;
	advance(ref->manager, c);
}

void
ocid_teardown_mark_removing(OcidManager *manager, OcidContainer *c, gboolean removing)
{
	g_autoptr(GError) error = NULL;

	if (c->removing == removing)
		return;
	c->removing = removing;
	if (!c->no_record && !ocid_manager_persist_container(manager, c, FALSE, &error))
		g_warning("Container %s: %s", c->id, error->message);
}

/* The teardown ends before its last step and leaves the container: its waiters are
 * answered with @error (the runtime refused), or with success (a restart's). */
static void
end_early(OcidContainer *c, const GError *error)
{
	OcidTeardown *t = g_steal_pointer(&c->teardown);
	g_autoptr(GPtrArray) waiters = g_ptr_array_ref(t->waiters);

	ocid_teardown_free(t);
	ocid_waiters_answer(waiters, c, error);
}

/* The runtime refused to delete it: the teardown ends there, and the container stays. */
static void
abandon(OcidManager *manager, OcidContainer *c, const GError *error)
{
	if (c->teardown->remove)
		ocid_teardown_mark_removing(manager, c, FALSE);
	else
		ocid_log_container(c, G_LOG_LEVEL_WARNING, OCID_MESSAGE_FAILED,
				   "The runtime could not remove container %s after it exited: "
				   "%s; Delete tries again",
				   c->id, error->message);
	end_early(c, error);
}

/* ---- the runtime ------------------------------------------------------------------ */

/* What `runc delete` and `crun delete` do for a container that has exited, when its spec
 * has no poststop hooks: kill what its init left in its cgroup (something is left only in
 * a shared pid namespace), remove the cgroup, remove their state dir. The cgroup steps do
 * the first two; ocid does the last itself, without a runtime process (some 8 ms), where
 * no unit encloses the container (the cgroupfs manager). */
static gboolean
runtime_delete_is_ours(OcidManager *manager, const OcidContainer *c)
{
	return c->no_poststop_hooks && c->unit == NULL && c->control_group != NULL &&
	       ocid_manager_runtime_protocol(manager, c) != OCID_START_BY_RUNTIME;
}

static void
on_runtime_deleted(const char *out, GError *error, gpointer user_data)
{
	g_autoptr(OcidContainerRef) ref = user_data;
	OcidContainer *c = ocid_container_ref_resolve(ref);

	if (c == NULL || c->teardown == NULL)
		return;
	/* A create being undone goes on whatever the runtime says: nobody would be left to
	 * ask again. */
	if (error != NULL && c->state != OCID_STATE_CREATING &&
	    ocid_manager_runtime_has_state(ref->manager, c->id)) {
		abandon(ref->manager, c, error);
		return;
	}
	step_answered(ref);
}

static void
step_runtime(OcidManager *manager, OcidContainer *c)
{
	OcidTeardown *t = c->teardown;

	if (!ocid_manager_runtime_has_state(manager, c->id))
		return;
	if (t->exited && runtime_delete_is_ours(manager, c)) {
		OcidRuntime runtime = ocid_manager_runtime_for(manager, c);
		g_autofree char *state_dir = g_build_filename(runtime.root, c->id, NULL);
		/* runc removes it with os.RemoveAll. */
		if (ocid_remove_tree_at(AT_FDCWD, state_dir))
			return;
	}
	t->pending = TRUE;
	ocid_manager_runtime_delete(manager, c, on_runtime_deleted,
				    ocid_container_ref_new(manager, c, NULL, NULL));
}

/* ---- the cgroups and the unit ----------------------------------------------------- */

static void
on_cgroup_removed(GError *error, gpointer user_data)
{
	g_autoptr(OcidContainerRef) ref = user_data;

	if (error != NULL)
		g_warning("Container %s: %s", ref->id, error->message);
	/* Every process of the cgroup is dead now; those whose parent died first were handed
	 * to us, the subreaper, perhaps after the last reap that looked for them. */
	ocid_reaper_adopt_orphans();
	step_answered(ref);
}

/* rmdir first, which takes an empty cgroup at once and kills nothing; a cgroup that still
 * holds processes is killed and then removed. */
static void
remove_cgroup(OcidManager *manager, OcidContainer *c, const char *path)
{
	if (path == NULL || ocid_cgroup_remove_group(path, NULL)) {
		/* A create's runtime killed halfway leaves its children (a `runc init`) to
		 * us, the subreaper, dead by now. */
		if (c->state == OCID_STATE_CREATING)
			ocid_reaper_adopt_orphans();
		return;
	}
	c->teardown->pending = TRUE;
	ocid_cgroup_kill_and_remove(path, on_cgroup_removed,
				    ocid_container_ref_new(manager, c, NULL, NULL));
}

static void
on_unit_removed(GError *error, gpointer user_data)
{
	g_autoptr(OcidContainerRef) ref = user_data;

	if (error != NULL)
		g_warning("Container %s: %s", ref->id, error->message);
	step_answered(ref);
}

static void
remove_unit(OcidManager *manager, OcidContainer *c)
{
	c->teardown->pending = TRUE;
	manager->cgroups->remove(manager->cgroups, c, on_unit_removed,
				 ocid_container_ref_new(manager, c, NULL, NULL));
}

static gboolean
on_monitor_gone(int fd, GIOCondition condition, gpointer user_data)
{
	OcidContainerRef *ref = user_data;
	OcidContainer *c = ocid_container_ref_resolve(ref);

	/* The watch is the teardown's: removed before the container goes. */
	c->teardown->monitor_watch = 0;
	closep(&c->teardown->monitor_pidfd);
	/* Its answer goes on with the next step. */
	remove_unit(ref->manager, c);
	return G_SOURCE_REMOVE;
}

static void
step_unit(OcidManager *manager, OcidContainer *c)
{
	OcidTeardown *t = c->teardown;
	struct pollfd pfd = { .fd = t->monitor_pidfd, .events = POLLIN };

	/* The monitor, which has written the exit file and is on its way out, lives in the
	 * group: the group goes once it is gone. */
	if (t->monitor_pidfd >= 0 && poll(&pfd, 1, 0) == 0) {
		t->pending = TRUE;
		t->monitor_watch = g_unix_fd_add_full(
		    G_PRIORITY_DEFAULT, t->monitor_pidfd, G_IO_IN, on_monitor_gone,
		    ocid_container_ref_new(manager, c, NULL, NULL),
		    (GDestroyNotify)ocid_container_ref_free);
		return;
	}
	remove_unit(manager, c);
}

/* ---- ocid's files, and the end ---------------------------------------------------- */

/* Delete's files go out of the caller's way: the dir is renamed aside, into
 * <state_dir>/removed, and the flusher removes it after the record's pending fsync (an
 * unlink of a file being written back waits for the disk, a millisecond or more). The rename
 * takes the record with it at once: a crash after it leaves nothing that restore would bring
 * back, and restore empties removed/. */
static gboolean
set_dir_aside(OcidManager *manager, OcidContainer *c, const char *dir)
{
	g_autofree char *aside =
	    g_strdup_printf("%s/%s.%" G_GUINT64_FORMAT, manager->removed_dir, c->id, c->serial);

	/* Not there (a dir gone already, or removed/ missing) or elsewhere (EXDEV): the
	 * caller removes it in place. */
	if (renameat2(AT_FDCWD, dir, AT_FDCWD, aside, RENAME_NOREPLACE) < 0)
		return FALSE;
	ocid_flusher_push_removal(manager->flusher, aside);
	return TRUE;
}

static void
step_files(OcidManager *manager, OcidContainer *c)
{
	g_autofree char *exit_file = ocid_manager_exit_file_path(manager, c);
	g_autofree char *dir = ocid_container_dir(c);
	g_autofree char *state_path = ocid_container_state_path(c);

	(void)g_unlink(exit_file);
	ocid_container_log_remove_owned(manager->config, c);
	/* A create being undone has only just made its dir: nothing of it is being written
	 * back, and it goes now (a caller that was refused finds nothing left). */
	if (c->state != OCID_STATE_CREATING && dir != NULL && set_dir_aside(manager, c, dir)) {
		crash_point(OCID_TEARDOWN_FILES);
		return;
	}
	/* The record first: without it, what is left is an interrupted create's. */
	if (!c->no_record)
		(void)g_unlink(state_path);
	crash_point(OCID_TEARDOWN_FILES);
	if (dir != NULL && !ocid_remove_tree_at(AT_FDCWD, dir))
		g_warning("Could not remove %s: %s", dir, g_strerror(errno));
}

static void
finish(OcidManager *manager, OcidContainer *c)
{
	g_autoptr(GPtrArray) waiters = g_ptr_array_ref(c->teardown->waiters);
	gboolean announced = c->state != OCID_STATE_CREATING;

	if (announced) {
		ocid_log_container(c, G_LOG_LEVEL_MESSAGE, OCID_MESSAGE_REMOVED,
				   "Removed container %s (%s)", c->id, c->name);
		if (manager->listener.container_removed != NULL)
			manager->listener.container_removed(c, manager->listener.data);
	}
	ocid_waiters_answer(waiters, c, NULL);
	ocid_supervise_unwatch(c);
	ocid_store_remove(manager->store, c);
	if (announced)
		ocid_manager_notify_count(manager);
}

static void
advance(OcidManager *manager, OcidContainer *c)
{
	OcidTeardown *t = c->teardown;

	if (t->advancing)
		return;
	t->advancing = TRUE;
	while (!t->pending) {
		OcidTeardownStep step = t->step;

		if (step == OCID_TEARDOWN_FILES && !t->remove && t->waiters->len > 0) {
			/* The exit's part is done for a restart (ocid_teardown_reset):
			 * the container is made again, and its next exit or Delete
			 * begins another teardown. */
			end_early(c, NULL);
			return;
		}
		if (step == OCID_TEARDOWN_FILES && !t->remove)
			break; /* the exit's part is done; Delete goes on from here */
		if (step == OCID_TEARDOWN_DONE) {
			finish(manager, c); /* c is gone */
			return;
		}
		t->step++;
		switch (step) {
		case OCID_TEARDOWN_RUNTIME:
			step_runtime(manager, c);
			break;
		case OCID_TEARDOWN_CGROUP: {
			g_autofree char *path = ocid_cgroup_container_path(c);

			remove_cgroup(manager, c, path);
			break;
		}
		case OCID_TEARDOWN_UNIT:
			step_unit(manager, c);
			break;
		case OCID_TEARDOWN_UNIT_CGROUP:
			/* The unit is stopped: what is left of its cgroup belongs to nobody. */
			remove_cgroup(manager, c, c->control_group);
			break;
		case OCID_TEARDOWN_FILES:
			step_files(manager, c);
			break;
		case OCID_TEARDOWN_DONE:
			g_assert_not_reached();
		}
		if (step != OCID_TEARDOWN_FILES)
			crash_point(step);
		/* The runtime refused: the container stays, without a teardown. */
		if (c->teardown != t)
			return;
	}
	t->advancing = FALSE;
}

static OcidTeardown *
teardown_new(void)
{
	OcidTeardown *t = g_new0(OcidTeardown, 1);

	t->monitor_pidfd = -1;
	t->waiters = g_ptr_array_new_with_free_func(g_free);
	return t;
}

void
ocid_teardown_remove(OcidManager *manager, OcidContainer *c, OcidDoneFunc done, gpointer user_data)
{
	OcidTeardown *t = c->teardown;

	if (t == NULL)
		t = c->teardown = teardown_new();
	if (done != NULL)
		g_ptr_array_add(t->waiters, ocid_waiter_new(done, user_data));
	if (t->remove)
		return;
	t->remove = TRUE;
	/* With the exit's part done, only ocid's files are left, and they go now, in this
	 * call, state.json first (step_files): a crash in between leaves a dir without a
	 * record, which restore takes down as an interrupted create. The mark, a write of
	 * state.json, is for a Delete that has steps to wait for. */
	if (c->state != OCID_STATE_CREATING && !(t->step == OCID_TEARDOWN_FILES && !t->pending))
		ocid_teardown_mark_removing(manager, c, TRUE);
	advance(manager, c);
}

static void
begin_exit_part(OcidManager *manager, OcidContainer *c)
{
	OcidTeardown *t = c->teardown = teardown_new();

	t->exited = TRUE;
	if (c->monitor_pidfd >= 0)
		t->monitor_pidfd = fcntl(c->monitor_pidfd, F_DUPFD_CLOEXEC, 3);
}

void
ocid_teardown_exited(OcidManager *manager, OcidContainer *c)
{
	if (c->teardown != NULL || c->starting || ocid_container_is_alive(c) ||
	    !runtime_delete_is_ours(manager, c))
		return;
	begin_exit_part(manager, c);
	advance(manager, c);
}

void
ocid_teardown_reset(OcidManager *manager, OcidContainer *c, OcidDoneFunc done, gpointer user_data)
{
	if (c->teardown == NULL)
		begin_exit_part(manager, c);
	g_ptr_array_add(c->teardown->waiters, ocid_waiter_new(done, user_data));
	advance(manager, c);
}
