/* ocid as a systemd service, under a real systemd (run by tests/systemd/run.sh): a scope
 * per container, restart survival, the journal, bus activation, both cgroup managers. */
#include "ocid-test.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* test-systemd-restart.c */
void test_systemd_restart_policy(void);

static OcidTest *
setup_or_skip(void)
{
	return ocid_test_get_system_or_skip("runs under a real systemd: tests/systemd/run.sh");
}

/* Stdout of a command, stripped; NULL if it could not run. */
static char *
output_of(const char *command)
{
	g_autofree char *out = NULL;
	int status = 0;

	if (!g_spawn_command_line_sync(command, &out, NULL, &status, NULL))
		return NULL;
	return g_strstrip(g_steal_pointer(&out));
}

static char *
unit_property(const char *unit, const char *property)
{
	g_autofree char *command =
	    g_strdup_printf("systemctl show -p %s --value %s", property, unit);

	return output_of(command);
}

static void
wait_for_ocid(OcidTest *t)
{
	g_assert_true(ocid_test_wait_name_owner(t, TRUE, 10000));
}

typedef struct {
	const char *unit;
	const char *property;
	const char *value;
} UnitPropertyWait;

static gboolean
unit_property_is(gpointer data)
{
	UnitPropertyWait *w = data;
	g_autofree char *now = unit_property(w->unit, w->property);

	return g_strcmp0(now, w->value) == 0;
}

/* ocid.service runs again, under a main pid other than @old_pid. */
static gboolean
ocid_service_back(gpointer data)
{
	g_autofree char *main_pid = unit_property("ocid.service", "MainPID");

	return ocid_test_systemctl("is-active", "ocid.service") == 0 && main_pid != NULL &&
	       atoi(main_pid) > 0 && atoi(main_pid) != GPOINTER_TO_INT(data);
}

static gboolean
journal_tells_removal(gpointer data)
{
	char **journal = data;

	g_free(*journal);
	*journal = output_of("journalctl --no-pager -o verbose CONTAINER_ID=storyteller");
	/* The removed message, the story's last. */
	return *journal != NULL && strstr(*journal, "e8c9a98f6e1a44b98c5e8ea3b28eda4f") != NULL;
}

/* A bundle whose spec limits memory (64 MiB, no swap on top) and pids (100). */
static char *
bundle_with_limits(OcidTest *t, const char *name, const char *script)
{
	char *bundle = ocid_test_make_bundle(t, name, script);
	g_autofree char *config_file = g_build_filename(bundle, "config.json", NULL);
	g_autofree char *config = ocid_test_read_file(config_file);
	GString *edited = g_string_new(config);

	g_string_replace(edited, "\"resources\": {",
			 "\"resources\": { \"memory\": { \"limit\": 67108864, "
			 "\"swap\": 67108864 }, "
			 "\"pids\": { \"limit\": 100 },",
			 1);
	g_assert_true(g_file_set_contents(config_file, edited->str, -1, NULL));
	g_string_free(edited, TRUE);
	return bundle;
}

static char *
create_and_start(OcidTest *t, const char *id, const char *bundle)
{
	g_autoptr(GError) error = NULL;
	char *path = ocid_test_create(t, id, id, bundle, NULL, &error);

	g_assert_no_error(error);
	ocid_test_start(t, path);
	g_assert_true(ocid_test_wait_state(t, path, "running", 10000));
	return path;
}

static int
monitor_pid_of(OcidTest *t, const char *id)
{
	g_autofree char *file = g_strdup_printf("%s/containers/%s/state.json", t->state_dir, id);
	g_autofree char *state = ocid_test_read_file(file);
	const char *p;

	g_assert_nonnull(state);
	p = strstr(state, "\"monitor_pid\" : ");
	g_assert_nonnull(p);
	return atoi(p + strlen("\"monitor_pid\" : "));
}

static guint
count_monitors(void)
{
	g_autofree char *out = output_of("pgrep -c -x ocid-monitor");

	return out != NULL ? (guint)atoi(out) : 0;
}

static gboolean
monitors_are(gpointer count)
{
	return count_monitors() == GPOINTER_TO_UINT(count);
}

/* A file of the container's group itself (its scope under systemd), in the hierarchy
 * systemd tracks units with: the unified one on v2, name=systemd on v1. */
static char *
scope_file(const char *group, const char *file)
{
	g_autofree char *path = ocid_test_cgroup_v2()
				    ? g_strdup_printf("/sys/fs/cgroup%s/%s", group, file)
				    : g_strdup_printf("/sys/fs/cgroup/systemd%s/%s", group, file);
	char *data = ocid_test_read_file(path);

	return data != NULL ? g_strstrip(data) : NULL;
}

/* The container's cgroup file: @v2_file on a pure v2 host, else @v1_file in the v1
 * hierarchy of @controller (NULL: nothing to check on v1). */
static void
assert_container_limit(int pid, const char *controller, const char *v2_file, const char *v1_file,
		       const char *want)
{
	gboolean v2 = ocid_test_cgroup_v2();
	g_autofree char *value = NULL;

	if (!v2 && v1_file == NULL)
		return;
	value = ocid_test_cgroup_read(pid, controller, v2 ? v2_file : v1_file);
	if (g_strcmp0(value, want) != 0)
		g_error("%s of container %d is '%s', not '%s'", v2 ? v2_file : v1_file, pid,
			value != NULL ? value : "(unreadable)", want);
}

static void
assert_unit_property(const char *unit, const char *property, const char *want)
{
	g_autofree char *value = unit_property(unit, property);

	if (g_strcmp0(value, want) != 0)
		g_error("%s of %s is '%s', not '%s'", property, unit,
			value != NULL ? value : "(none)", want);
}

/* The pid of the exec monitor of a running ExecSync (its command line names --exec-dir)
 * once it has started the runtime: it does that only after the daemon moved it. */
static gboolean
find_exec_monitor(gpointer data)
{
	int *found = data;
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	const char *entry;

	while (proc != NULL && (entry = g_dir_read_name(proc)) != NULL) {
		g_autofree char *cmdline_path = NULL;
		g_autofree char *cmdline = NULL;
		gsize len = 0;

		if (!g_ascii_isdigit(entry[0]))
			continue;
		cmdline_path = g_strdup_printf("/proc/%s/cmdline", entry);
		if (!g_file_get_contents(cmdline_path, &cmdline, &len, NULL) || len == 0)
			continue;
		for (gsize i = 0; i + 1 < len; i++)
			if (cmdline[i] == '\0')
				cmdline[i] = ' ';
		if (strstr(cmdline, "ocid-monitor") != NULL &&
		    strstr(cmdline, "--exec-dir") != NULL) {
			g_autofree char *children_path =
			    g_strdup_printf("/proc/%s/task/%s/children", entry, entry);
			g_autofree char *children = ocid_test_read_file(children_path);

			if (children == NULL || *g_strstrip(children) == '\0')
				continue;
			*found = atoi(entry);
			return TRUE;
		}
	}
	return FALSE;
}

static gboolean
flag_is_set(gpointer data)
{
	return *(gboolean *)data;
}

/* An ExecSync's monitor, while it runs, sits in <group>/supervisor beside the create
 * monitor: never in ocid.service's cgroup, whose restart (KillMode=mixed) would kill it. */
static void
assert_exec_monitor_placed(OcidTest *t, const char *path, const char *group)
{
	g_autofree char *supervisor_group = g_strdup_printf("%s/supervisor", group);
	g_autofree char *of_monitor = NULL;
	const char *argv[] = { "/bin/sleep", "2", NULL };
	gboolean done = FALSE;
	int monitor = 0;

	g_dbus_connection_call(t->conn, "org.oci.Runtime", path, CONTAINER, "ExecSync",
			       g_variant_new("(^ast)", argv, (guint64)30), NULL,
			       G_DBUS_CALL_FLAGS_NONE, -1, NULL, ocid_test_call_answered, &done);
	g_assert_true(ocid_test_wait_for(find_exec_monitor, &monitor, 10000));
	of_monitor = ocid_test_cgroup_of(monitor, "systemd");
	g_assert_cmpstr(of_monitor, ==, supervisor_group);
	g_assert_true(ocid_test_wait_for(flag_is_set, &done, 30000));
}

/* The group's layout (docs/cgroups.md): the container in <group>/container and its
 * monitor in <group>/supervisor, in the hierarchy systemd tracks units with and in the
 * unified one; the group itself holds no process. On v2, the container's cgroup is a
 * domain with the memory controller, and the scope's children have the controllers. */
static void
assert_layout(const char *group, int pid, int monitor)
{
	g_autofree char *container_group = g_strdup_printf("%s/container", group);
	g_autofree char *supervisor_group = g_strdup_printf("%s/supervisor", group);
	const char *hierarchies[] = { "systemd", NULL };

	for (guint i = 0; i < G_N_ELEMENTS(hierarchies); i++) {
		g_autofree char *of_container = ocid_test_cgroup_of(pid, hierarchies[i]);
		g_autofree char *of_monitor = ocid_test_cgroup_of(monitor, hierarchies[i]);
		g_assert_cmpstr(of_container, ==, container_group);
		g_assert_cmpstr(of_monitor, ==, supervisor_group);
	}
	{
		g_autofree char *procs = scope_file(group, "cgroup.procs");
		g_assert_cmpstr(procs, ==, "");
	}
	if (ocid_test_cgroup_v2()) {
		g_autofree char *type = ocid_test_cgroup_read(pid, NULL, "cgroup.type");
		g_autofree char *controllers =
		    ocid_test_cgroup_read(pid, NULL, "cgroup.controllers");
		g_autofree char *subtree = scope_file(group, "cgroup.subtree_control");
		g_assert_cmpstr(type, ==, "domain");
		g_assert_nonnull(strstr(controllers, "memory"));
		g_assert_nonnull(strstr(subtree, "memory"));
		g_assert_nonnull(strstr(subtree, "pids"));
	}
}

/* Each container in its own transient scope in machine.slice, with the spec's limits as
 * unit properties; the monitor sits there too, never in ocid.service; Delete leaves no
 * unit behind. */
static void
test_scope_per_container(void)
{
	OcidTest *t = setup_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autofree char *unit = NULL;
	g_autofree char *group = NULL;
	g_autofree char *memory = NULL;
	g_autofree char *tasks = NULL;
	g_autofree char *status = NULL;
	g_autofree char *load_state = NULL;
	g_autofree char *manager_kind = NULL;
	int pid, monitor;

	if (t == NULL)
		return;
	manager_kind = ocid_test_get_string(t, MANAGER_PATH, "CgroupManager");
	g_assert_cmpstr(manager_kind, ==, "systemd");
	bundle = bundle_with_limits(t, "web", "echo serving; sleep 300");
	path = create_and_start(t, "web", bundle);
	unit = ocid_test_get_string(t, path, "Unit");
	group = ocid_test_get_string(t, path, "ControlGroup");
	g_assert_cmpstr(unit, ==, "ocid-web.scope");
	g_assert_cmpstr(group, ==, "/machine.slice/ocid-web.scope");
	g_assert_cmpint(ocid_test_systemctl("is-active", "ocid-web.scope"), ==, 0);
	memory = unit_property("ocid-web.scope", "MemoryMax");
	tasks = unit_property("ocid-web.scope", "TasksMax");
	g_assert_cmpstr(memory, ==, "67108864");
	g_assert_cmpstr(tasks, ==, "100");

	pid = ocid_test_get_int(t, path, "Pid");
	status = output_of("systemctl status --no-pager -l ocid-web.scope");
	{
		g_autofree char *pid_text = g_strdup_printf("%d", pid);
		g_assert_nonnull(strstr(status, pid_text));
	}
	monitor = monitor_pid_of(t, "web");
	assert_layout(group, pid, monitor);
	assert_exec_monitor_placed(t, path, group);
	/* The limits are the kernel's, in the container's cgroup and the scope's, and the
	 * unit's properties say the same. */
	assert_container_limit(pid, "memory", "memory.max", "memory.limit_in_bytes", "67108864");
	assert_container_limit(pid, "pids", "pids.max", "pids.max", "100");
	if (ocid_test_cgroup_v2()) {
		g_autofree char *scope_memory = scope_file(group, "memory.max");
		g_autofree char *scope_pids = scope_file(group, "pids.max");
		g_assert_cmpstr(scope_memory, ==, "67108864");
		g_assert_cmpstr(scope_pids, ==, "100");
	}

	/* Update reaches the scope's properties too. */
	{
		GVariantBuilder b;
		g_autoptr(GError) error = NULL;
		g_autoptr(GVariant) reply = NULL;
		g_autofree char *new_memory = NULL;
		g_autofree char *new_tasks = NULL;

		g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
		g_variant_builder_add(&b, "{sv}", "memory_limit",
				      g_variant_new_int64(32 * 1024 * 1024));
		g_variant_builder_add(&b, "{sv}", "pids_limit", g_variant_new_int64(50));
		g_variant_builder_add(&b, "{sv}", "cpu_shares", g_variant_new_uint64(512));
		g_variant_builder_add(&b, "{sv}", "cpu_quota", g_variant_new_int64(50000));
		g_variant_builder_add(&b, "{sv}", "cpu_period", g_variant_new_uint64(100000));
		/* v1's blkio.weight needs the CFQ or BFQ scheduler; v2's io.weight is always. */
		if (ocid_test_cgroup_v2())
			g_variant_builder_add(&b, "{sv}", "blkio_weight",
					      g_variant_new_uint16(100));
		reply = ocid_test_call(t, path, CONTAINER, "Update",
				       g_variant_new("(@a{sv})", g_variant_builder_end(&b)), NULL,
				       &error);
		g_assert_no_error(error);
		UnitPropertyWait memory_max = { "ocid-web.scope", "MemoryMax", "33554432" };

		g_assert_true(ocid_test_wait_for(unit_property_is, &memory_max, 2000));
		new_memory = unit_property("ocid-web.scope", "MemoryMax");
		new_tasks = unit_property("ocid-web.scope", "TasksMax");
		g_assert_cmpstr(new_memory, ==, "33554432");
		g_assert_cmpstr(new_tasks, ==, "50");
		assert_container_limit(pid, "memory", "memory.max", "memory.limit_in_bytes",
				       "33554432");
		assert_container_limit(pid, "pids", "pids.max", "pids.max", "50");
		/* cpu_shares 512 is cpu.weight 1 + (512 - 2) * 9999 / 262142 = 20 for the
		 * runtime and CPUWeight 20 for systemd; 50 ms per 100 ms is 500 ms per s. */
		assert_unit_property("ocid-web.scope", "CPUWeight", "20");
		assert_unit_property("ocid-web.scope", "CPUQuotaPerSecUSec", "500ms");
		assert_unit_property("ocid-web.scope", "CPUQuotaPeriodUSec", "100ms");
		if (ocid_test_cgroup_v2()) {
			assert_container_limit(pid, "cpu", "cpu.weight", NULL, "20");
			assert_container_limit(pid, "cpu", "cpu.max", NULL, "50000 100000");
			/* blkio_weight 100 is io.weight 1 + (100 - 10) * 9999 / 990 = 910. */
			assert_container_limit(pid, "io", "io.weight", NULL, "default 910");
			assert_unit_property("ocid-web.scope", "IOWeight", "910");
			{
				g_autofree char *scope_weight = scope_file(group, "cpu.weight");
				g_autofree char *scope_max = scope_file(group, "cpu.max");
				g_assert_cmpstr(scope_weight, ==, "20");
				g_assert_cmpstr(scope_max, ==, "50000 100000");
			}
		}
	}

	ocid_test_delete(t, path, TRUE);
	g_assert_cmpint(ocid_test_systemctl("is-active", "ocid-web.scope"), !=, 0);
	load_state = unit_property("ocid-web.scope", "LoadState");
	g_assert_cmpstr(load_state, ==, "not-found");
	g_assert_false(ocid_test_cgroup_exists(group));
}

#define SURVIVORS_MAX 20

/* systemctl restart ocid and kill -9 + start: every container runs on, with its state,
 * pid and unit; those that exit while ocid is down report their real exit codes; no
 * monitor is left orphaned. */
static void
test_restart_survival(void)
{
	OcidTest *t = setup_or_skip();
	g_autofree char *bundle = NULL;
	char *paths[SURVIVORS_MAX] = { NULL };
	int pids[SURVIVORS_MAX];
	guint monitors_before;
	/* 20, or fewer where every create costs seconds (the emulated guest of tests/vm). */
	int n = (int)CLAMP(g_ascii_strtoll(g_getenv("OCID_TEST_SURVIVORS") != NULL
					       ? g_getenv("OCID_TEST_SURVIVORS")
					       : "20",
					   NULL, 10),
			   4, SURVIVORS_MAX);

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "survivor",
				       "trap 'exit 42' USR1; "
				       "while true; do sleep 0.1; done");
	for (int i = 0; i < n; i++) {
		g_autofree char *id = g_strdup_printf("survivor-%02d", i);
		paths[i] = create_and_start(t, id, bundle);
		pids[i] = ocid_test_get_int(t, paths[i], "Pid");
	}
	monitors_before = count_monitors();
	g_assert_cmpuint(monitors_before, >=, (guint)n);

	g_assert_cmpint(ocid_test_systemctl("restart", "ocid.service"), ==, 0);
	wait_for_ocid(t);
	for (int i = 0; i < n; i++) {
		g_autofree char *state = ocid_test_get_string(t, paths[i], "State");
		g_autofree char *unit = ocid_test_get_string(t, paths[i], "Unit");
		g_autofree char *expected_unit = g_strdup_printf("ocid-survivor-%02d.scope", i);
		g_assert_cmpstr(state, ==, "running");
		g_assert_cmpint(ocid_test_get_int(t, paths[i], "Pid"), ==, pids[i]);
		g_assert_cmpstr(unit, ==, expected_unit);
		g_assert_cmpint(ocid_test_systemctl("is-active", expected_unit), ==, 0);
	}
	g_assert_cmpuint(count_monitors(), ==, monitors_before);

	/* The daemon down; meanwhile two containers exit. */
	g_assert_cmpint(ocid_test_systemctl("stop", "ocid.service"), ==, 0);
	g_assert_cmpint(kill(pids[0], SIGKILL), ==, 0);
	g_assert_cmpint(kill(pids[1], SIGUSR1), ==, 0);
	/* Their monitors, alone now, record the exits: the files are the events. */
	for (int i = 0; i < 2; i++) {
		g_autofree char *exit_file =
		    g_strdup_printf("%s/exits/survivor-%02d", t->run_dir, i);
		g_assert_true(ocid_test_wait_file(exit_file, 10000));
	}
	g_assert_cmpint(ocid_test_systemctl("start", "ocid.service"), ==, 0);
	wait_for_ocid(t);
	{
		g_autofree char *s0 = ocid_test_get_string(t, paths[0], "State");
		g_autofree char *s1 = ocid_test_get_string(t, paths[1], "State");
		g_assert_cmpstr(s0, ==, "stopped");
		g_assert_cmpstr(s1, ==, "stopped");
		g_assert_cmpint(ocid_test_get_int(t, paths[0], "ExitCode"), ==, 137);
		g_assert_cmpint(ocid_test_get_int(t, paths[1], "ExitCode"), ==, 42);
	}

	/* kill -9 of the running daemon: systemd restarts it (Restart=on-failure). */
	{
		g_autofree char *main_pid = unit_property("ocid.service", "MainPID");
		int old_pid = main_pid != NULL ? atoi(main_pid) : 0;
		int pidfd = ocid_test_pidfd_open(old_pid);
		const char *argv[] = { "systemctl",       "kill",         "-s", "KILL",
				       "--kill-who=main", "ocid.service", NULL };
		g_assert_cmpint(old_pid, >, 0);
		g_assert_cmpint(pidfd, >=, 0);
		g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
					   NULL, NULL, NULL, NULL, NULL));
		g_assert_true(ocid_test_wait_pidfd(pidfd, 5000));
		close(pidfd);
		g_assert_true(
		    ocid_test_wait_for(ocid_service_back, GINT_TO_POINTER(old_pid), 10000));
	}
	wait_for_ocid(t);
	for (int i = 2; i < n; i++) {
		g_autofree char *state = ocid_test_get_string(t, paths[i], "State");
		g_assert_cmpstr(state, ==, "running");
		g_assert_cmpint(ocid_test_get_int(t, paths[i], "Pid"), ==, pids[i]);
	}
	/* Still controllable. */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GVariant) reply = ocid_test_call(
		    t, paths[2], CONTAINER, "Kill", g_variant_new("(s)", "USR1"), NULL, &error);
		g_assert_no_error(error);
		g_assert_true(ocid_test_wait_state(t, paths[2], "stopped", 5000));
		g_assert_cmpint(ocid_test_get_int(t, paths[2], "ExitCode"), ==, 42);
	}
	/* One monitor per live container, none orphaned (the last one's monitor leaves a
	 * moment after its exit file, which told the exit). */
	g_assert_true(
	    ocid_test_wait_for(monitors_are, GUINT_TO_POINTER(monitors_before - 3), 10000));
	for (int i = 0; i < n; i++) {
		ocid_test_delete(t, paths[i], TRUE);
		g_free(paths[i]);
	}
	g_assert_cmpuint(count_monitors(), ==, monitors_before - (guint)n);
}

/* journalctl CONTAINER_ID=<id> tells the container's story. */
static void
test_journal(void)
{
	OcidTest *t = setup_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autofree char *journal = NULL;
	const char *ids[] = { "d68f723681894c5db0f4af81eba140ad", /* created */
			      "e54a955935ab443db2e33f79d40d0799", /* started */
			      "070a4f71e2a44df3b742b05cd8ce9da0", /* exited */
			      "e8c9a98f6e1a44b98c5e8ea3b28eda4f", /* removed */
			      NULL };

	if (t == NULL)
		return;
	bundle =
	    ocid_test_make_bundle(t, "storyteller", "echo once upon a time; sleep 0.2; exit 4");
	path = create_and_start(t, "storyteller", bundle);
	g_assert_true(ocid_test_wait_state(t, path, "stopped", 10000));
	ocid_test_delete(t, path, FALSE);
	g_assert_true(ocid_test_wait_for(journal_tells_removal, &journal, 5000));
	for (int i = 0; ids[i] != NULL; i++) {
		g_autofree char *field = g_strdup_printf("MESSAGE_ID=%s", ids[i]);
		if (strstr(journal, field) == NULL)
			g_error("journal lacks %s:\n%s", field, journal);
	}
	g_assert_nonnull(strstr(journal, "CONTAINER_NAME=storyteller"));
	g_assert_nonnull(strstr(journal, "exited with code 4"));
}

/* A call to org.oci.Runtime while ocid is stopped starts it. */
static void
test_bus_activation(void)
{
	OcidTest *t = setup_or_skip();
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;

	if (t == NULL)
		return;
	g_assert_cmpint(ocid_test_systemctl("stop", "ocid.service"), ==, 0);
	g_assert_cmpint(ocid_test_systemctl("is-active", "ocid.service"), !=, 0);
	reply = g_dbus_connection_call_sync(
	    t->conn, "org.oci.Runtime", MANAGER_PATH, MANAGER, "ListContainers",
	    g_variant_new("(@a{sv})", g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)),
	    G_VARIANT_TYPE("(a(sssto))"), G_DBUS_CALL_FLAGS_NONE, 30000, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(ocid_test_systemctl("is-active", "ocid.service"), ==, 0);
}

/* cgroup_manager = cgroupfs keeps working under systemd, with the same layout, and its
 * monitors (create and exec) live outside ocid.service's cgroup: systemctl restart ocid
 * (KillMode=mixed) kills none, and the container's exit is still reported by its monitor. */
static void
test_cgroupfs_under_systemd(void)
{
	OcidTest *t = setup_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autofree char *group = NULL;
	g_autofree char *unit = NULL;
	g_autofree char *exit_file = NULL;
	const char *dropin_dir = "/etc/ocid/ocid.conf.d";
	const char *dropin = "/etc/ocid/ocid.conf.d/50-cgroupfs.conf";
	int pid, monitor, monitor_pidfd;

	if (t == NULL)
		return;
	g_assert_cmpint(g_mkdir_with_parents(dropin_dir, 0755), ==, 0);
	g_assert_true(g_file_set_contents(
	    dropin, "[runtime]\ncgroup_manager = cgroupfs\ncgroup_parent = /ocid-fs\n", -1, NULL));
	g_assert_cmpint(ocid_test_systemctl("restart", "ocid.service"), ==, 0);
	wait_for_ocid(t);
	bundle = ocid_test_make_bundle(t, "plainfs",
				       "trap 'exit 42' USR1; "
				       "while true; do sleep 0.1; done");
	path = create_and_start(t, "plainfs", bundle);
	group = ocid_test_get_string(t, path, "ControlGroup");
	unit = ocid_test_get_string(t, path, "Unit");
	g_assert_cmpstr(group, ==, "/ocid-fs/ocid-plainfs");
	g_assert_cmpstr(unit, ==, "");
	pid = ocid_test_get_int(t, path, "Pid");
	monitor = monitor_pid_of(t, "plainfs");
	assert_layout(group, pid, monitor);
	{
		g_autofree char *in_pids = ocid_test_cgroup_of(pid, "pids");
		g_autofree char *want = g_strdup_printf("%s/container", group);
		g_assert_cmpstr(in_pids, ==, want);
	}
	assert_exec_monitor_placed(t, path, group);

	monitor_pidfd = ocid_test_pidfd_open(monitor);
	g_assert_cmpint(monitor_pidfd, >=, 0);
	g_assert_cmpint(ocid_test_systemctl("restart", "ocid.service"), ==, 0);
	wait_for_ocid(t);
	g_assert_false(ocid_test_wait_pidfd(monitor_pidfd, 0));
	close(monitor_pidfd);
	{
		g_autofree char *state = ocid_test_get_string(t, path, "State");
		g_assert_cmpstr(state, ==, "running");
		g_assert_cmpint(ocid_test_get_int(t, path, "Pid"), ==, pid);
	}
	/* The monitor that outlived the restart reports the exit. */
	g_assert_cmpint(kill(pid, SIGUSR1), ==, 0);
	g_assert_true(ocid_test_wait_state(t, path, "stopped", 10000));
	g_assert_cmpint(ocid_test_get_int(t, path, "ExitCode"), ==, 42);
	exit_file = g_strdup_printf("%s/exits/plainfs", t->run_dir);
	g_assert_true(g_file_test(exit_file, G_FILE_TEST_EXISTS));
	ocid_test_delete(t, path, TRUE);
	g_assert_false(ocid_test_cgroup_exists(group));
	g_assert_cmpint(g_unlink(dropin), ==, 0);
	g_assert_cmpint(ocid_test_systemctl("restart", "ocid.service"), ==, 0);
	wait_for_ocid(t);
}

/* A container that runs past the memory limit of its spec, under the systemd manager:
 * the kernel kills it inside its cgroup (stopped, OOMKilled, 137), and its monitor, in
 * the same scope, lives on to report it (the exit file is the monitor's). */
static void
test_oom_spares_monitor(void)
{
	OcidTest *t = setup_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autofree char *exit_file = NULL;
	g_autofree char *error_text = NULL;
	g_autoptr(GVariant) oom = NULL;
	int monitor_pidfd;

	if (t == NULL)
		return;
	/* tail keeps a line without newlines whole in memory: it grows until killed. */
	bundle = bundle_with_limits(t, "glutton", "sleep 0.5; tail /dev/zero");
	path = create_and_start(t, "glutton", bundle);
	monitor_pidfd = ocid_test_pidfd_open(monitor_pid_of(t, "glutton"));
	g_assert_cmpint(monitor_pidfd, >=, 0);
	g_assert_true(ocid_test_wait_state(t, path, "stopped", 60000));
	g_assert_cmpint(ocid_test_get_int(t, path, "ExitCode"), ==, 137);
	oom = ocid_test_get_property(t, path, "OOMKilled");
	g_assert_true(g_variant_get_boolean(oom));
	error_text = ocid_test_get_string(t, path, "Error");
	g_assert_cmpstr(error_text, ==, "");
	exit_file = g_strdup_printf("%s/exits/glutton", t->run_dir);
	g_assert_true(g_file_test(exit_file, G_FILE_TEST_EXISTS));
	/* The monitor exits on its own once it has reported; the OOM killer did not take
	 * it (it would have left no exit file). */
	g_assert_true(ocid_test_wait_pidfd(monitor_pidfd, 10000));
	close(monitor_pidfd);
	ocid_test_delete(t, path, FALSE);
}

static void
add_tests(void)
{
	g_test_add_func("/systemd/scope-per-container", test_scope_per_container);
	g_test_add_func("/systemd/journal", test_journal);
	g_test_add_func("/systemd/restart-survival", test_restart_survival);
	g_test_add_func("/systemd/cgroupfs-under-systemd", test_cgroupfs_under_systemd);
	g_test_add_func("/systemd/oom-spares-monitor", test_oom_spares_monitor);
	g_test_add_func("/systemd/bus-activation", test_bus_activation);
	g_test_add_func("/systemd/restart-policy", test_systemd_restart_policy);
}

int
main(int argc, char **argv)
{
	return ocid_test_main(argc, argv, add_tests);
}
