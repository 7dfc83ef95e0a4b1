/* cgroup_manager = systemd: every container gets a transient scope ocid-<id>.scope in the
 * configured slice, created by ocid over sd-bus (StartTransientUnit) with the monitor's pid
 * in it, Delegate=yes and the spec's resources as unit properties. The monitor then moves
 * into <scope>/supervisor, and the runtime makes the container's own cgroup inside the
 * delegated scope (<scope>/container) with its cgroupfs driver (docs/cgroups.md). A unit is only
 * taken as ready, or gone, once its job's JobRemoved says so, as machined does. */
#define G_LOG_DOMAIN "ocid"

#include "cgroup.h"

#include "cgroup-tree.h"
#include "cleanup.h"
#include "errors.h"

#include <errno.h>
#include <string.h>

#define SYSTEMD_DEST    "org.freedesktop.systemd1"
#define SYSTEMD_PATH    "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER "org.freedesktop.systemd1.Manager"
#define JOB_TIMEOUT_SEC 60

typedef struct {
	GHashTable *waiting;  /* job path -> JobWait */
	GHashTable *finished; /* job path -> result, for jobs done before their reply */
	sd_bus_slot *match;
} SystemdData;

typedef struct {
	OcidCgroupManager *manager;
	char *unit;
	char *what; /* "start" or "stop", for messages */
	OcidCgroupDoneFunc done;
	gpointer user_data;
	guint timeout;
	pid_t monitor_pid; /* start: moved into <group>/supervisor once the scope is there */
	char *group;       /* stop: what is left of it is removed once the unit is gone */
} JobWait;

static SystemdData *
data_of(OcidCgroupManager *manager)
{
	return manager->data;
}

static void
job_wait_free(JobWait *w)
{
	g_clear_handle_id(&w->timeout, g_source_remove);
	g_free(w->unit);
	g_free(w->what);
	g_free(w->group);
	g_free(w);
}

static void
job_finished(JobWait *w, const char *result)
{
	g_autoptr(GError) error = NULL;

	if (g_strcmp0(result, "done") != 0)
		error =
		    g_error_new(OCID_ERROR, OCID_ERROR_FAILED,
				"systemd could not %s %s (job result '%s'); see journalctl -u %s",
				w->what, w->unit, result, w->unit);
	else if (w->monitor_pid > 0)
		(void)ocid_cgroup_enter_leaf(w->group, OCID_CGROUP_SUPERVISOR, w->monitor_pid,
					     &error);
	else if (w->group != NULL)
		/* systemd removes the scope's cgroups in the hierarchies it manages; on v1 the
		 * others (freezer, net_cls, ...) hold what the runtime and ocid made there. */
		(void)ocid_cgroup_remove_group(w->group, &error);
	w->done(error, w->user_data);
	job_wait_free(w);
}

static int
on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	OcidCgroupManager *manager = userdata;
	SystemdData *d = data_of(manager);
	const char *job, *unit, *result;
	uint32_t id;
	gpointer key = NULL;
	JobWait *w = NULL;

	if (sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) < 0)
		return 0;
	if (g_hash_table_steal_extended(d->waiting, job, &key, (gpointer *)&w)) {
		g_free(key);
		job_finished(w, result);
	} else if (g_str_has_prefix(unit, "ocid-")) {
		/* Ours, but its reply is not processed yet. */
		g_hash_table_replace(d->finished, g_strdup(job), g_strdup(result));
	}
	return 0;
}

static gboolean
on_job_timeout(gpointer user_data)
{
	JobWait *w = user_data;
	SystemdData *d = data_of(w->manager);
	GHashTableIter iter;
	gpointer key, value;

	w->timeout = 0;
	g_hash_table_iter_init(&iter, d->waiting);
	while (g_hash_table_iter_next(&iter, &key, &value))
		if (value == w) {
			g_hash_table_iter_steal(&iter);
			g_free(key);
			break;
		}
	job_finished(w, "timeout");
	return G_SOURCE_REMOVE;
}

/* The reply to StartTransientUnit or StopUnit: the job to wait for. */
static int
on_job_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	JobWait *w = userdata;
	SystemdData *d = data_of(w->manager);
	const sd_bus_error *e = sd_bus_message_get_error(reply);
	const char *job = NULL;
	g_autofree char *early = NULL;

	if (e != NULL) {
		if (g_str_equal(w->what, "stop") &&
		    sd_bus_error_has_name(e, "org.freedesktop.systemd1.NoSuchUnit")) {
			job_finished(w, "done"); /* already gone: nothing to stop */
			return 0;
		}
		{
			g_autoptr(GError) error = g_error_new(
			    OCID_ERROR, OCID_ERROR_FAILED, "systemd refused to %s %s: %s", w->what,
			    w->unit, e->message != NULL ? e->message : e->name);
			w->done(error, w->user_data);
		}
		job_wait_free(w);
		return 0;
	}
	if (sd_bus_message_read(reply, "o", &job) < 0) {
		job_finished(w, "bad-reply");
		return 0;
	}
	if (g_hash_table_steal_extended(d->finished, job, NULL, (gpointer *)&early)) {
		job_finished(w, early);
		return 0;
	}
	g_hash_table_insert(d->waiting, g_strdup(job), w);
	w->timeout = g_timeout_add_seconds(JOB_TIMEOUT_SEC, on_job_timeout, w);
	return 0;
}

static JobWait *
job_wait_new(OcidCgroupManager *manager, const char *unit, const char *what,
	     OcidCgroupDoneFunc done, gpointer user_data)
{
	JobWait *w = g_new0(JobWait, 1);

	w->manager = manager;
	w->unit = g_strdup(unit);
	w->what = g_strdup(what);
	w->done = done;
	w->user_data = user_data;
	return w;
}

static void
fail_now(JobWait *w, int r)
{
	g_autoptr(GError) error =
	    g_error_new(OCID_ERROR, OCID_ERROR_FAILED, "Cannot ask systemd to %s %s: %s", w->what,
			w->unit, g_strerror(-r));
	w->done(error, w->user_data);
	job_wait_free(w);
}

/* "a-b.slice" lives at /a.slice/a-b.slice. */
static char *
slice_path(const char *slice)
{
	g_autofree char *stem = g_strndup(slice, strlen(slice) - strlen(".slice"));
	g_auto(GStrv) parts = g_strsplit(stem, "-", -1);
	GString *path = g_string_new(NULL);
	GString *prefix = g_string_new(NULL);

	if (g_str_equal(slice, "-.slice"))
		return g_string_free(path, FALSE);
	for (int i = 0; parts[i] != NULL; i++) {
		if (i > 0)
			g_string_append_c(prefix, '-');
		g_string_append(prefix, parts[i]);
		g_string_append_printf(path, "/%s.slice", prefix->str);
	}
	g_string_free(prefix, TRUE);
	return g_string_free(path, FALSE);
}

static gboolean
systemd_place(OcidCgroupManager *manager, OcidContainer *container, GError **error)
{
	const char *slice = ocid_cgroup_parent_of(manager, container);
	g_autofree char *parent_path = NULL;

	if (!g_str_has_suffix(slice, ".slice") || strchr(slice, '/') != NULL) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "cgroup_parent '%s' is not a slice name; with the systemd cgroup "
			    "manager use a name like machine.slice",
			    slice);
		return FALSE;
	}
	parent_path = slice_path(slice);
	g_free(container->unit);
	container->unit = g_strdup_printf("ocid-%s.scope", container->id);
	g_free(container->control_group);
	container->control_group = g_strdup_printf("%s/%s", parent_path, container->unit);
	/* <control_group>/container, ocid_container_cgroups_path(). */
	g_clear_pointer(&container->cgroups_path, g_free);
	return TRUE;
}

/* The kernel's current value of a container's limit, for a property Update computes from
 * two keys when it is given only one: memory.max (v1: memory.limit_in_bytes) for the swap
 * limit, the period of cpu.max (v1: cpu.cfs_period_us) for the quota. 0 when unknown or
 * unlimited. */
static gint64
current_memory_limit(const OcidContainer *c)
{
	gboolean unified = ocid_cgroup_is_unified();
	g_autofree char *text = ocid_cgroup_container_read(
	    c, "memory", unified ? "memory.max" : "memory.limit_in_bytes");

	return text != NULL && g_ascii_isdigit(*text) ? g_ascii_strtoll(text, NULL, 10) : 0;
}

static gint64
current_cpu_period(const OcidContainer *c)
{
	gboolean unified = ocid_cgroup_is_unified();
	g_autofree char *text =
	    ocid_cgroup_container_read(c, "cpu", unified ? "cpu.max" : "cpu.cfs_period_us");
	const char *period = text;

	if (text != NULL && unified)
		period = strchr(text, ' ') != NULL ? strchr(text, ' ') + 1 : NULL;
	return period != NULL && g_ascii_isdigit(*period) ? g_ascii_strtoll(period, NULL, 10) : 0;
}

/* A limit of -1 is no limit, systemd's "infinity". */
static uint64_t
limit_value(int64_t value)
{
	return value < 0 ? G_MAXUINT64 : (uint64_t)value;
}

/* The unit's properties for @r, converted as runc and crun convert the same keys for the
 * kernel (resources.h), so that `systemctl show` and the container's cgroup files agree.
 * @c, when set, gives the kernel's current memory limit and cpu period for a swap limit or
 * quota given alone. */
static int
append_resources(sd_bus_message *m, const OcidResources *r, const OcidContainer *c)
{
	int ret = 0;

	if (r->has_memory_limit)
		ret = sd_bus_message_append(m, "(sv)", "MemoryMax", "t",
					    limit_value(r->memory_limit));
	if (ret >= 0 && r->has_memory_swap) {
		gint64 memory = r->has_memory_limit ? r->memory_limit
				: c != NULL         ? current_memory_limit(c)
						    : 0;
		uint64_t swap_max;

		if (ocid_resources_swap_max(r->memory_swap, memory, &swap_max))
			ret = sd_bus_message_append(m, "(sv)", "MemorySwapMax", "t", swap_max);
	}
	if (ret >= 0 && r->has_cpu_shares)
		ret = sd_bus_message_append(m, "(sv)", "CPUWeight", "t",
					    ocid_resources_cpu_weight(r->cpu_shares));
	if (ret >= 0 && r->has_cpu_quota) {
		gint64 period = r->has_cpu_period ? (gint64)r->cpu_period
				: c != NULL       ? current_cpu_period(c)
						  : 0;
		uint64_t per_sec = G_MAXUINT64;

		if (period <= 0)
			period = 100000; /* the kernel's default */
		/* Checked: a quota near INT64_MAX times 10^6 is past what a u64 holds, and such a
		 * quota is no limit anyway. */
		if (r->cpu_quota > 0 &&
		    g_uint64_checked_mul(&per_sec, (uint64_t)r->cpu_quota, 1000000))
			per_sec /= (uint64_t)period;
		else
			per_sec = G_MAXUINT64;
		ret = sd_bus_message_append(m, "(sv)(sv)", "CPUQuotaPerSecUSec", "t", per_sec,
					    "CPUQuotaPeriodUSec", "t", (uint64_t)period);
	} else if (ret >= 0 && r->has_cpu_period) {
		ret = sd_bus_message_append(m, "(sv)", "CPUQuotaPeriodUSec", "t", r->cpu_period);
	}
	if (ret >= 0 && r->has_pids_limit)
		ret = sd_bus_message_append(m, "(sv)", "TasksMax", "t", limit_value(r->pids_limit));
	if (ret >= 0 && r->has_blkio_weight)
		ret = sd_bus_message_append(m, "(sv)", "IOWeight", "t",
					    ocid_resources_io_weight(r->blkio_weight));
	return ret;
}

static void
systemd_attach(OcidCgroupManager *manager, OcidContainer *container, pid_t monitor_pid,
	       JsonNode *spec, OcidCgroupDoneFunc done, gpointer user_data)
{
	JobWait *w = job_wait_new(manager, container->unit, "start", done, user_data);
	g_autoptr(sd_bus_message) m = NULL;
	g_autofree char *description = g_strdup_printf("ocid container %s", container->id);
	g_auto(OcidResources) resources = { 0 };
	int r;

	/* systemd puts the monitor in the scope's own cgroup; once the scope is there it moves
	 * on into <scope>/supervisor (job_finished), so that the scope holds no process and
	 * <scope>/container can have every controller (cgroup v2's no-internal-process rule). */
	w->monitor_pid = monitor_pid;
	w->group = g_strdup(container->control_group);
	ocid_resources_from_spec(spec, &resources);
	r = sd_bus_message_new_method_call(manager->bus, &m, SYSTEMD_DEST, SYSTEMD_PATH,
					   SYSTEMD_MANAGER, "StartTransientUnit");
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", container->unit, "fail");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = sd_bus_message_append(
		    m, "(sv)(sv)(sv)(sv)(sv)", "Description", "s", description, "Slice", "s",
		    ocid_cgroup_parent_of(manager, container), "Delegate", "b", 1, "PIDs", "au", 1,
		    (uint32_t)monitor_pid, "CollectMode", "s", "inactive-or-failed");
	if (r >= 0)
		r = append_resources(m, &resources, NULL);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_append(m, "a(sa(sv))", 0);
	if (r >= 0)
		r = sd_bus_call_async(manager->bus, NULL, m, on_job_reply, w, 0);
	if (r < 0)
		fail_now(w, r);
}

static int
on_properties_set(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	JobWait *w = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(reply);
	g_autoptr(GError) error = NULL;

	if (e != NULL)
		error = g_error_new(OCID_ERROR, OCID_ERROR_FAILED,
				    "systemd refused the new limits for %s: %s", w->unit,
				    e->message != NULL ? e->message : e->name);
	w->done(error, w->user_data);
	job_wait_free(w);
	return 0;
}

static void
systemd_update(OcidCgroupManager *manager, OcidContainer *container, const OcidResources *resources,
	       OcidCgroupDoneFunc done, gpointer user_data)
{
	JobWait *w = job_wait_new(manager, container->unit, "update", done, user_data);
	g_autoptr(sd_bus_message) m = NULL;
	int r;

	r = sd_bus_message_new_method_call(manager->bus, &m, SYSTEMD_DEST, SYSTEMD_PATH,
					   SYSTEMD_MANAGER, "SetUnitProperties");
	if (r >= 0)
		r = sd_bus_message_append(m, "sb", container->unit, 1);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = append_resources(m, resources, container);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_call_async(manager->bus, NULL, m, on_properties_set, w, 0);
	if (r < 0)
		fail_now(w, r);
}

static void
systemd_remove(OcidCgroupManager *manager, OcidContainer *container, OcidCgroupDoneFunc done,
	       gpointer user_data)
{
	JobWait *w = job_wait_new(manager, container->unit, "stop", done, user_data);
	int r;

	w->group = g_strdup(container->control_group);
	r = sd_bus_call_method_async(manager->bus, NULL, SYSTEMD_DEST, SYSTEMD_PATH,
				     SYSTEMD_MANAGER, "StopUnit", on_job_reply, w, "ss",
				     container->unit, "replace");
	if (r < 0)
		fail_now(w, r);
}

static void
systemd_free_data(OcidCgroupManager *manager)
{
	SystemdData *d = data_of(manager);

	sd_bus_slot_unref(d->match);
	g_hash_table_unref(d->waiting);
	g_hash_table_unref(d->finished);
	g_free(d);
}

static void
systemd_attach_bus(OcidCgroupManager *manager)
{
	SystemdData *d = data_of(manager);
	int r;

	/* No Subscribe(): systemd sends a job's JobRemoved to the client that queued it, and
	 * subscribing would wake the daemon for every unit change on the host. */
	r = sd_bus_match_signal_async(manager->bus, &d->match, SYSTEMD_DEST, SYSTEMD_PATH,
				      SYSTEMD_MANAGER, "JobRemoved", on_job_removed, NULL, manager);
	if (r < 0)
		g_warning("Cannot watch systemd's jobs: %s", g_strerror(-r));
}

OcidCgroupManager *
ocid_cgroup_systemd_new(const char *slice)
{
	OcidCgroupManager *manager = g_new0(OcidCgroupManager, 1);
	SystemdData *d = g_new0(SystemdData, 1);

	d->waiting =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)job_wait_free);
	d->finished = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	manager->name = "systemd";
	manager->parent = g_strdup(slice);
	manager->data = d;
	manager->place = systemd_place;
	manager->attach = systemd_attach;
	manager->update = systemd_update;
	manager->remove = systemd_remove;
	manager->free_data = systemd_free_data;
	manager->on_bus = systemd_attach_bus;
	return manager;
}
