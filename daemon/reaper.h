/* The daemon is a child subreaper (PR_SET_CHILD_SUBREAPER), so whatever a dead monitor
 * leaves behind becomes its child: a runtime killed in the middle of a create, its hooks,
 * a `runc init`, a container. Processes it watches through a pidfd of its own (monitors,
 * containers) it reaps itself, for their status; the GLib-spawned runtime calls, which
 * share the daemon's session, GLib reaps. Every other child is adopted here: reaped at
 * once if it is a zombie, else watched and reaped when it exits. */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* Adds to @pids the processes its owner watches through pidfds of its own (the
 * manager's monitors and containers). */
typedef void (*OcidReaperWatchedFunc)(GHashTable *pids, gpointer user_data);

/* Set once, by the manager: asked before the daemon's fdinfo is read, which takes a read
 * per open fd (two per container), so that a monitor's exit at 1,000 containers costs
 * a walk of the store and not 2,000 reads. */
void ocid_reaper_set_watched_func(OcidReaperWatchedFunc func, gpointer user_data);

/* Looks for such children and adopts them. Called whenever a child of the daemon has
 * just been reaped or seen dead, the moments at which orphans are handed over. */
void ocid_reaper_adopt_orphans(void);
