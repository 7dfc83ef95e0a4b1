#define G_LOG_DOMAIN "ocid"

#include "cgroup-kill.h"

#include "cleanup.h"
#include "errors.h"

#include "common/pidfd.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A kill that finds the dirs still busy (a process forked between the listing and the
 * kill, on v1 without a freezer) goes round again, this many times. */
#define KILL_ROUNDS 5

typedef struct {
	GPtrArray *dirs; /* every hierarchy's dir of the cgroup */
	GArray *watches; /* guint: one pidfd watch per process killed */
	guint pending;
	guint round;
	OcidCgroupKillDoneFunc done;
	gpointer user_data;
} KillOp;

GPtrArray *
ocid_cgroup_dirs_of(const char *path)
{
	g_autofree char *mountinfo = NULL;
	g_auto(GStrv) lines = NULL;
	GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);

	while (*path == '/')
		path++;
	if (*path == '\0' || !g_file_get_contents("/proc/self/mountinfo", &mountinfo, NULL, NULL))
		return dirs;
	lines = g_strsplit(mountinfo, "\n", -1);
	for (int i = 0; lines[i] != NULL; i++) {
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS] - FSTYPE SOURCE SUPER" */
		g_auto(GStrv) fields = g_strsplit(lines[i], " ", 6);
		const char *type = strstr(lines[i], " - ");
		char *dir;

		if (g_strv_length(fields) < 6 || type == NULL)
			continue;
		type += 3;
		if (!g_str_has_prefix(type, "cgroup ") && !g_str_has_prefix(type, "cgroup2 "))
			continue;
		dir = g_build_filename(fields[4], path, NULL);
		if (g_file_test(dir, G_FILE_TEST_IS_DIR))
			g_ptr_array_add(dirs, dir);
		else
			g_free(dir);
	}
	return dirs;
}

static gboolean
write_file(const char *dir, const char *name, const char *text)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	return fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
}

/* The pids in @dir and below it. */
static void
list_procs(const char *dir, GArray *pids)
{
	g_autofree char *procs_path = g_build_filename(dir, "cgroup.procs", NULL);
	g_autofree char *procs = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	if (g_file_get_contents(procs_path, &procs, NULL, NULL)) {
		lines = g_strsplit(procs, "\n", -1);
		for (int i = 0; lines[i] != NULL; i++) {
			int pid = atoi(lines[i]);
			if (pid > 0)
				g_array_append_val(pids, pid);
		}
	}
	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *child = g_build_filename(dir, name, NULL);
		if (g_file_test(child, G_FILE_TEST_IS_DIR))
			list_procs(child, pids);
	}
}

static gboolean
is_frozen(const char *dir)
{
	g_autofree char *path = g_build_filename(dir, "freezer.state", NULL);
	g_autofree char *state = NULL;

	return g_file_get_contents(path, &state, NULL, NULL) && g_str_has_prefix(state, "FROZEN");
}

/* cgroup v1's freezer: frozen, nothing forks while each process gets SIGKILL (delivered
 * once thawed). FREEZING turns FROZEN within the kernel's own retries; this waits a bounded
 * number of reads for it and kills anyway. */
static void
freeze_and_kill(const char *dir, GArray *pids)
{
	gboolean frozen = write_file(dir, "freezer.state", "FROZEN");

	for (int i = 0; frozen && i < 1000 && !is_frozen(dir); i++)
		g_usleep(1000);
	for (guint i = 0; i < pids->len; i++)
		(void)kill(g_array_index(pids, int, i), SIGKILL);
	if (frozen)
		(void)write_file(dir, "freezer.state", "THAWED");
}

static void kill_round(KillOp *op);

static void
op_finish(KillOp *op, GError *error)
{
	for (guint i = 0; i < op->watches->len; i++)
		if (g_array_index(op->watches, guint, i) != 0)
			g_source_remove(g_array_index(op->watches, guint, i));
	op->done(error, op->user_data);
	g_ptr_array_unref(op->dirs);
	g_array_unref(op->watches);
	g_free(op);
}

/* Deepest first: children dirs (a runtime's sub-cgroups) before their parents. */
static gboolean
remove_dir_tree(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *child = g_build_filename(dir, name, NULL);
		if (g_file_test(child, G_FILE_TEST_IS_DIR) && !remove_dir_tree(child))
			return FALSE;
	}
	return g_rmdir(dir) == 0 || errno == ENOENT;
}

static void
remove_dirs(KillOp *op)
{
	g_autoptr(GError) error = NULL;
	const char *busy = NULL;

	for (guint i = 0; i < op->dirs->len; i++)
		if (!remove_dir_tree(op->dirs->pdata[i]) && busy == NULL)
			busy = op->dirs->pdata[i];
	if (busy != NULL && ++op->round < KILL_ROUNDS) {
		kill_round(op);
		return;
	}
	if (busy != NULL)
		error = g_error_new(OCID_ERROR, OCID_ERROR_FAILED,
				    "The cgroup %s is still busy after %d rounds of SIGKILL; "
				    "remove it by hand once its processes are gone",
				    busy, KILL_ROUNDS);
	op_finish(op, error);
}

static gboolean
on_killed_exit(int fd, GIOCondition condition, gpointer user_data)
{
	KillOp *op = user_data;

	guint self = g_source_get_id(g_main_current_source());

	/* This source ends with G_SOURCE_REMOVE: op_finish must not remove it again. */
	for (guint i = 0; i < op->watches->len; i++)
		if (g_array_index(op->watches, guint, i) == self)
			g_array_index(op->watches, guint, i) = 0;
	close(fd);
	if (--op->pending == 0)
		remove_dirs(op);
	return G_SOURCE_REMOVE;
}

static void
kill_round(KillOp *op)
{
	g_autoptr(GArray) pids = g_array_new(FALSE, FALSE, sizeof(int));
	g_autoptr(GArray) pidfds = g_array_new(FALSE, FALSE, sizeof(int));
	gboolean killed = FALSE;

	for (guint i = 0; i < op->dirs->len; i++)
		list_procs(op->dirs->pdata[i], pids);
	/* Pinned before the kill: a pidfd says when each one is gone, and a pid reused
	 * meanwhile is never hit. */
	for (guint i = 0; i < pids->len; i++) {
		int fd = sys_pidfd_open(g_array_index(pids, int, i));
		if (fd >= 0)
			g_array_append_val(pidfds, fd);
	}
	/* One write to cgroup.kill ends the whole cgroup (v2, or a hybrid host's unified
	 * hierarchy, where the container is too); the v1 ways are for hosts without it. */
	for (guint i = 0; i < op->dirs->len && !killed; i++) {
		g_autofree char *kill_file =
		    g_build_filename(op->dirs->pdata[i], "cgroup.kill", NULL);
		killed = g_file_test(kill_file, G_FILE_TEST_EXISTS) &&
			 write_file(op->dirs->pdata[i], "cgroup.kill", "1");
	}
	/* A second round (something was left) uses the v1 ways too. */
	for (guint i = 0; i < op->dirs->len && (!killed || op->round > 0); i++) {
		const char *dir = op->dirs->pdata[i];
		g_autofree char *freezer = g_build_filename(dir, "freezer.state", NULL);
		g_autoptr(GArray) here = g_array_new(FALSE, FALSE, sizeof(int));

		list_procs(dir, here);
		if (here->len == 0)
			continue;
		if (g_file_test(freezer, G_FILE_TEST_EXISTS))
			freeze_and_kill(dir, here);
		else
			for (guint j = 0; j < here->len; j++)
				(void)kill(g_array_index(here, int, j), SIGKILL);
	}
	/* The pidfds cover what the listing saw; the kills reached every process. */
	for (guint i = 0; i < pidfds->len; i++) {
		int fd = g_array_index(pidfds, int, i);
		guint id = g_unix_fd_add(fd, G_IO_IN, on_killed_exit, op);
		g_array_append_val(op->watches, id);
		op->pending++;
	}
	if (op->pending == 0)
		remove_dirs(op);
}

void
ocid_cgroup_kill_and_remove(const char *path, OcidCgroupKillDoneFunc done, gpointer user_data)
{
	KillOp *op = g_new0(KillOp, 1);

	op->dirs = ocid_cgroup_dirs_of(path != NULL ? path : "");
	op->watches = g_array_new(FALSE, FALSE, sizeof(guint));
	op->done = done;
	op->user_data = user_data;
	if (op->dirs->len == 0) {
		op_finish(op, NULL);
		return;
	}
	kill_round(op);
}
