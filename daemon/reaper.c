#define G_LOG_DOMAIN "ocid"

#include "reaper.h"

#include "process.h"

#include "common/pidfd.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static OcidReaperWatchedFunc watched_func;
static gpointer watched_data;

void
ocid_reaper_set_watched_func(OcidReaperWatchedFunc func, gpointer user_data)
{
	watched_func = func;
	watched_data = user_data;
}

/* Adds the pids this process holds a pidfd on (its fdinfo says "Pid:"): those are reaped
 * by their owner, who wants their status. A pidfd whose process is gone shows -1. The
 * owner's own list covers most; this covers the rest (ExecSync processes, orphans being
 * reaped in the background). */
static void
add_pids_with_pidfds(GHashTable *pids)
{
	g_autoptr(GDir) fds = g_dir_open("/proc/self/fdinfo", 0, NULL);
	const char *fd;

	while (fds != NULL && (fd = g_dir_read_name(fds)) != NULL) {
		g_autofree char *path = g_build_filename("/proc/self/fdinfo", fd, NULL);
		g_autofree char *info = NULL;
		const char *line;

		if (!g_file_get_contents(path, &info, NULL, NULL))
			continue;
		line = strstr(info, "\nPid:\t");
		if (line != NULL && atoi(line + 6) > 0)
			g_hash_table_add(pids, GINT_TO_POINTER(atoi(line + 6)));
	}
}

static GArray *
children(void)
{
	GArray *pids = g_array_new(FALSE, FALSE, sizeof(int));
	g_autoptr(GDir) tasks = g_dir_open("/proc/self/task", 0, NULL);
	const char *tid;

	while (tasks != NULL && (tid = g_dir_read_name(tasks)) != NULL) {
		g_autofree char *path = g_build_filename("/proc/self/task", tid, "children", NULL);
		g_autofree char *text = NULL;
		g_auto(GStrv) words = NULL;

		if (!g_file_get_contents(path, &text, NULL, NULL))
			continue;
		words = g_strsplit(text, " ", -1);
		for (int i = 0; words[i] != NULL; i++) {
			int pid = atoi(words[i]);
			if (pid > 0)
				g_array_append_val(pids, pid);
		}
	}
	return pids;
}

void
ocid_reaper_adopt_orphans(void)
{
	g_autoptr(GArray) kids = children();
	g_autoptr(GHashTable) watched = NULL;
	gboolean fdinfo_read = FALSE;
	pid_t own_session = getsid(0);

	for (guint i = 0; i < kids->len; i++) {
		int pid = g_array_index(kids, int, i);
		int pidfd;

		/* Spawned by GLib for the daemon (runtime calls): GLib reaps them. Monitors
		 * start sessions of their own, and what they leave is in theirs. */
		if (getsid(pid) == own_session)
			continue;
		/* Made once, and only when there is a candidate: hundreds of pidfds. The
		 * fdinfo is read only for a child the owner does not know of. */
		if (watched == NULL) {
			watched = g_hash_table_new(NULL, NULL);
			if (watched_func != NULL)
				watched_func(watched, watched_data);
		}
		if (!g_hash_table_contains(watched, GINT_TO_POINTER(pid)) && !fdinfo_read) {
			add_pids_with_pidfds(watched);
			fdinfo_read = TRUE;
		}
		if (g_hash_table_contains(watched, GINT_TO_POINTER(pid)))
			continue;
		pidfd = sys_pidfd_open(pid);
		if (pidfd < 0)
			continue;
		g_debug("Reaping process %d, left by a monitor that is gone", pid);
		ocid_reap_in_background(pidfd);
	}
}
