/* One way down: the steps that take a container apart, whatever the reason (a failed or
 * cancelled create, Delete, a create or Delete that a daemon crash interrupted, shutdown,
 * or only its exit). Each step is idempotent, so a teardown interrupted anywhere is done
 * again from the start by the next daemon, which finds the container marked
 * (docs/state-machine.md, "Teardown"). */
#pragma once

#include "manager.h"

typedef enum {
	/* The runtime's state of it: `<runtime> delete --force`, or, for a container that
	 * has exited and whose delete runs nothing of its own, ocid's removal of the
	 * runtime's state dir. */
	OCID_TEARDOWN_RUNTIME,
	/* What is still in its own cgroup (a runtime killed halfway keeps no state, and its
	 * `runc init` sits in a session of its own), killed; the cgroup removed. */
	OCID_TEARDOWN_CGROUP,
	/* Its unit (systemd), once its monitor is gone from it; under cgroupfs, where there is
	 * no unit, only the wait for the monitor. */
	OCID_TEARDOWN_UNIT,
	/* What the service manager left of the unit's cgroup (v1 hierarchies it does not
	 * trim); under cgroupfs, the group. */
	OCID_TEARDOWN_UNIT_CGROUP,
	/* Its exit file, its log if ocid chose it, its dir: only when it is removed. */
	OCID_TEARDOWN_FILES,
	OCID_TEARDOWN_DONE,
} OcidTeardownStep;

typedef struct OcidTeardown OcidTeardown;

/* Takes @container all the way down, or joins the teardown already under way. Once every
 * step is done, @done (if not NULL) is called with the container and no error, and the
 * container leaves the store (and D-Bus, if it was announced). If the runtime refuses to
 * delete a container that was created, @done gets its error and the container stays, as
 * it was; for a create being undone, nothing stops the teardown. An announced container is
 * marked in its state.json first, so that a daemon killed meanwhile finishes the job. */
void ocid_teardown_remove(OcidManager *manager, OcidContainer *container, OcidDoneFunc done,
			  gpointer user_data);

/* At an exit just recorded: what the runtime and the cgroup manager keep of the container
 * is of no more use, and is taken down now, before anyone asks, when that is ocid's own
 * work (cgroupfs, a runtime ocid knows, no poststop hooks). Its files and its record stay
 * for Delete. Does nothing while a Start is in flight (call it again once it returns) or
 * when another teardown is under way. */
void ocid_teardown_exited(OcidManager *manager, OcidContainer *container);

/* For a restart (restart.h): the exit's part, whatever the runtime and the cgroup manager
 * (the runtime's delete, the cgroup, the unit), begun now or joined; then the teardown
 * leaves the container and @done is called with it, so that it can be created again. A
 * runtime that refuses to let go gives @done its error; a Delete that joins meanwhile
 * takes it all the way, and @done is called just before the container goes. */
void ocid_teardown_reset(OcidManager *manager, OcidContainer *container, OcidDoneFunc done,
			 gpointer user_data);

/* Marks the container in its state.json as one a Delete takes down (or no more, after a
 * refusal), before that Delete has stopped it: a daemon killed meanwhile finishes it. */
void ocid_teardown_mark_removing(OcidManager *manager, OcidContainer *container, gboolean removing);

/* Whether a teardown that removes it is under way. */
gboolean ocid_teardown_is_removing(const OcidContainer *container);

void ocid_teardown_free(OcidTeardown *teardown);
