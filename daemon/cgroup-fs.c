/* cgroup_manager = cgroupfs: ocid makes the container's group <parent>/ocid-<id> in every
 * hierarchy, with its monitors in <group>/supervisor; the runtime makes <group>/container
 * itself, and ocid removes the group once the runtime has deleted the container. The same
 * layout as the systemd manager's scope (docs/cgroups.md), so that on cgroup v2 the
 * container's cgroup can have every controller, and no monitor stays in the daemon's own
 * cgroup (ocid.service's, which a restart with KillMode=mixed empties). */
#include "cgroup.h"

#include "cgroup-tree.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static gboolean
fs_place(OcidCgroupManager *manager, OcidContainer *container, GError **error)
{
	g_autofree char *group = g_strdup_printf(
	    "/%s/ocid-%s", ocid_cgroup_parent_of(manager, container), container->id);

	g_free(container->cgroups_path);
	/* Not g_build_filename(), whose result keeps a 128-byte buffer: one per container. */
	container->cgroups_path = g_strconcat(group, "/" OCID_CGROUP_CONTAINER, NULL);
	g_free(container->control_group);
	container->control_group = g_steal_pointer(&group);
	g_clear_pointer(&container->unit, g_free);
	return TRUE;
}

static gboolean
fs_prepare(OcidCgroupManager *manager, OcidContainer *container, GError **error)
{
	return ocid_cgroup_make_leaf(container->control_group, OCID_CGROUP_SUPERVISOR, error);
}

typedef struct {
	char *group;
	pid_t pid;
	OcidCgroupDoneFunc done;
	gpointer user_data;
} AttachJob;

static void
attach_job_free(AttachJob *job)
{
	g_free(job->group);
	g_free(job);
}

/* The write to cgroup.procs waits for a grace period: on a worker thread, so that the main
 * loop goes on meanwhile. */
static void
attach_in_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	AttachJob *job = task_data;
	GError *error = NULL;

	if (ocid_cgroup_enter_leaf(job->group, OCID_CGROUP_SUPERVISOR, job->pid, &error))
		g_task_return_boolean(task, TRUE);
	else
		g_task_return_error(task, error);
}

static void
on_attached(GObject *source, GAsyncResult *result, gpointer user_data)
{
	AttachJob *job = g_task_get_task_data(G_TASK(result));
	g_autoptr(GError) error = NULL;

	(void)g_task_propagate_boolean(G_TASK(result), &error);
	job->done(error, job->user_data);
}

static void
fs_attach(OcidCgroupManager *manager, OcidContainer *container, pid_t monitor_pid, JsonNode *spec,
	  OcidCgroupDoneFunc done, gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(NULL, NULL, on_attached, NULL);
	AttachJob *job = g_new0(AttachJob, 1);

	job->group = g_strdup(container->control_group);
	job->pid = monitor_pid;
	job->done = done;
	job->user_data = user_data;
	g_task_set_task_data(task, job, (GDestroyNotify)attach_job_free);
	g_task_run_in_thread(task, attach_in_thread);
}

static void
fs_remove(OcidCgroupManager *manager, OcidContainer *container, OcidCgroupDoneFunc done,
	  gpointer user_data)
{
	/* No unit: the group is all there is, and the teardown's next step removes it
	 * (teardown.c, OCID_TEARDOWN_UNIT_CGROUP), killing what is left in it. Removing it
	 * here too cost a pass of failed rmdirs over every hierarchy at each exit. */
	done(NULL, user_data);
}

OcidCgroupManager *
ocid_cgroup_fs_new(const char *parent)
{
	OcidCgroupManager *manager = g_new0(OcidCgroupManager, 1);
	const char *p = parent;

	while (*p == '/')
		p++;
	manager->name = "cgroupfs";
	manager->parent = g_strdup(p);
	while (manager->parent[0] != '\0' && g_str_has_suffix(manager->parent, "/"))
		manager->parent[strlen(manager->parent) - 1] = '\0';
	manager->place = fs_place;
	manager->prepare = fs_prepare;
	manager->attach = fs_attach;
	manager->attach_before_start = FALSE;
	manager->remove = fs_remove;
	return manager;
}
