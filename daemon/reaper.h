/* The daemon is a child subreaper (PR_SET_CHILD_SUBREAPER), so whatever a dead monitor
 * leaves behind becomes its child: a runtime killed in the middle of a create, its hooks,
 * a `runc init`, a container. Processes it watches through a pidfd of its own (monitors,
 * containers) it reaps itself, for their status; the GLib-spawned runtime calls, which
 * share the daemon's session, GLib reaps. Every other child is adopted here: reaped at
 * once if it is a zombie, else watched and reaped when it exits. */
#pragma once

/* Looks for such children and adopts them. Called whenever a child of the daemon has
 * just been reaped or seen dead, the moments at which orphans are handed over. */
void ocid_reaper_adopt_orphans(void);
