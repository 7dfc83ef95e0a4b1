/* The life cycle of real runc containers through ocid on a private bus, as a busctl user
 * sees it: create, start, stop, kill, delete, list, properties, signals, logs, state. */
#include "ocid-test.h"

#include <errno.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static GVariant *
empty_options(void)
{
	return g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0);
}

static void
test_manager_properties(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *runtime_path = NULL;
	g_autofree char *manager_kind = NULL;
	g_autofree char *version = NULL;
	g_autofree char *runtime_version = NULL;
	g_autofree char *runtime_name = NULL;
	g_autoptr(GVariant) ready = NULL;

	if (t == NULL)
		return;
	runtime_path = ocid_test_get_string(t, MANAGER_PATH, "RuntimePath");
	g_assert_cmpstr(runtime_path, ==, g_getenv("OCID_RUNTIME"));
	manager_kind = ocid_test_get_string(t, MANAGER_PATH, "CgroupManager");
	g_assert_cmpstr(manager_kind, ==, "cgroupfs");
	version = ocid_test_get_string(t, MANAGER_PATH, "Version");
	g_assert_cmpstr(version, !=, "");
	/* runc or crun, named as the runtime names itself. */
	runtime_version = ocid_test_get_string(t, MANAGER_PATH, "RuntimeVersion");
	runtime_name = ocid_test_get_string(t, MANAGER_PATH, "RuntimeName");
	{
		g_autofree char *base = g_path_get_basename(runtime_path);
		g_autofree char *prefix = g_strdup_printf("%s version ", runtime_name);
		g_assert_cmpstr(runtime_name, ==, base);
		g_assert_true(g_str_has_prefix(runtime_version, prefix));
	}
	ready = ocid_test_get_property(t, MANAGER_PATH, "RuntimeReady");
	g_assert_true(g_variant_get_boolean(ready));
	g_clear_pointer(&ready, g_variant_unref);
	ready = ocid_test_get_property(t, MANAGER_PATH, "NetworkReady");
	g_assert_true(g_variant_get_boolean(ready));
}

/* Neither a file nor a cgroup (in any hierarchy) is at @path. */
static gboolean
gone(gpointer path)
{
	return !g_file_test(path, G_FILE_TEST_EXISTS) && !ocid_test_cgroup_exists(path);
}

/* create -> created -> start -> running -> exits with its code; the log is CRI. */
static void
test_run_to_exit(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autofree char *state = NULL;
	g_autofree char *log_path = NULL;
	g_autofree char *log = NULL;
	g_autofree char *config_before = NULL;
	g_autofree char *config_after = NULL;
	g_autofree char *config_path = NULL;
	g_autofree char *dir = NULL;
	g_autofree char *effective = NULL;
	g_autofree char *exit_file = NULL;
	g_autofree char *exit_text = NULL;
	g_autofree char *runtime_state = NULL;
	g_autofree char *group = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GVariant) created = NULL;
	g_autoptr(GVariant) started = NULL;
	g_autoptr(GVariant) finished = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(
	    t, "exit3", "echo hello; echo oops >&2; printf partial; sleep 0.3; exit 3");
	config_path = g_build_filename(bundle, "config.json", NULL);
	config_before = ocid_test_read_file(config_path);

	path = ocid_test_create(t, "exit3", "exit-three", bundle, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(path, ==, "/org/oci/Runtime/container/exit3");
	g_assert_true(ocid_test_saw_signal(t, "ContainerNew", MANAGER_PATH, "exit3"));
	g_assert_true(ocid_test_saw_signal(t, "InterfacesAdded", MANAGER_PATH, NULL));
	state = ocid_test_get_string(t, path, "State");
	g_assert_cmpstr(state, ==, "created");
	g_assert_cmpint(ocid_test_get_int(t, path, "Pid"), >, 0);
	created = ocid_test_get_property(t, path, "CreatedTimestamp");
	g_assert_cmpuint(g_variant_get_uint64(created), >, 0);

	/* The caller's bundle is never rewritten; the effective spec is in our dir. */
	dir = ocid_test_get_string(t, path, "Dir");
	g_assert_true(g_str_has_prefix(dir, t->state_dir));
	{
		g_autofree char *spec_path = g_build_filename(dir, "config.json", NULL);
		g_autofree char *rootfs = g_build_filename(bundle, "rootfs", NULL);
		g_autofree char *root_member = g_strdup_printf("\"path\":\"%s\"", rootfs);
		effective = ocid_test_read_file(spec_path);
		g_assert_nonnull(strstr(effective, root_member));
		g_assert_nonnull(strstr(effective, "\"cgroupsPath\":\"/ocid-test-"));
	}

	ocid_test_start(t, path);
	g_assert_true(ocid_test_wait_state(t, path, "stopped", 10000));
	g_assert_cmpint(ocid_test_get_int(t, path, "ExitCode"), ==, 3);
	g_assert_true(ocid_test_saw_state_change(t, path, "running") ||
		      ocid_test_saw_state_change(t, path, "stopped"));
	g_assert_true(ocid_test_saw_state_change(t, path, "stopped"));
	started = ocid_test_get_property(t, path, "StartedTimestamp");
	finished = ocid_test_get_property(t, path, "FinishedTimestamp");
	g_assert_cmpuint(g_variant_get_uint64(started), >=, g_variant_get_uint64(created));
	g_assert_cmpuint(g_variant_get_uint64(finished), >=, g_variant_get_uint64(started));

	/* What the runtime and the cgroup manager kept of it goes at its exit, unasked: its
	 * runtime state and every cgroup made for it. */
	runtime_state = g_build_filename(t->run_dir, "runtime", "exit3", NULL);
	group = ocid_test_get_string(t, path, "ControlGroup");
	g_assert_true(ocid_test_wait_for(gone, runtime_state, 10000));
	g_assert_true(ocid_test_wait_for(gone, group, 10000));

	/* The exit code the monitor wrote, atomically, where DESIGN.md says. */
	exit_file = g_build_filename(t->run_dir, "exits", "exit3", NULL);
	exit_text = ocid_test_read_file(exit_file);
	g_assert_cmpstr(exit_text, ==, "3\n");

	log_path = ocid_test_get_string(t, path, "LogPath");
	g_assert_true(g_str_has_prefix(log_path, t->log_dir));
	log = ocid_test_read_file(log_path);
	g_assert_nonnull(log);
	lines = g_strsplit(log, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 4); /* three records and the final "" */
	{
		g_autoptr(GRegex) re = g_regex_new(
		    "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z (stdout|stderr) [FP] ", 0,
		    0, NULL);
		for (int i = 0; i < 3; i++)
			g_assert_true(g_regex_match(re, lines[i], 0, NULL));
	}
	g_assert_nonnull(strstr(log, " stdout F hello\n"));
	g_assert_nonnull(strstr(log, " stderr F oops\n"));
	g_assert_nonnull(strstr(log, " stdout P partial\n"));

	config_after = ocid_test_read_file(config_path);
	g_assert_cmpstr(config_before, ==, config_after);

	ocid_test_delete(t, path, FALSE);
	g_assert_true(ocid_test_saw_signal(t, "ContainerRemoved", MANAGER_PATH, "exit3"));
	g_assert_true(ocid_test_saw_signal(t, "InterfacesRemoved", MANAGER_PATH, NULL));
	g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(exit_file, G_FILE_TEST_EXISTS));
	/* ocid named the log, so it goes with the container (a log_path of the caller's
	 * stays: tests/integration/test-api.c). */
	g_assert_false(g_file_test(log_path, G_FILE_TEST_EXISTS));
	{
		g_autoptr(GVariant) gone =
		    ocid_test_call(t, path, "org.freedesktop.DBus.Properties", "Get",
				   g_variant_new("(ss)", CONTAINER, "State"), "(v)", &error);
		ocid_test_assert_error(error, "NoSuchContainer");
	}
}

/* Stop sends the stop signal; a container that ignores it gets SIGKILL after the timeout. */
static void
test_stop_and_kill(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *polite = NULL;
	g_autofree char *stubborn = NULL;
	g_autofree char *p1 = NULL;
	g_autofree char *p2 = NULL;
	g_autofree char *group = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	gint64 before;
	gint32 pid;

	if (t == NULL)
		return;
	polite = ocid_test_make_bundle(t, "polite",
				       "trap 'echo got term; exit 7' TERM; echo ready; "
				       "while true; do sleep 0.05; done");
	stubborn = ocid_test_make_bundle(
	    t, "stubborn", "trap '' TERM; echo ready; while true; do sleep 0.05; done");
	p1 = ocid_test_create(t, "polite", "", polite, NULL, &error);
	g_assert_no_error(error);
	ocid_test_start(t, p1);
	g_assert_true(ocid_test_wait_state(t, p1, "running", 5000));
	/* Start returns once the process is released, which may be before its shell set the
	 * trap; a TERM before that would be lost on pid 1. */
	g_assert_true(ocid_test_wait_output(t, p1, "ready", 5000));

	/* cgroupfs manager: the container's processes are in <ControlGroup>/container, in
	 * every hierarchy; its monitor in <ControlGroup>/supervisor, not in the daemon's. */
	pid = ocid_test_get_int(t, p1, "Pid");
	group = ocid_test_get_string(t, p1, "ControlGroup");
	{
		g_autofree char *container_group = g_strdup_printf("%s/container", group);
		g_autofree char *supervisor_group = g_strdup_printf("%s/supervisor", group);
		g_autofree char *in_pids = ocid_test_cgroup_of(pid, "pids");
		g_autofree char *in_unified = ocid_test_cgroup_of(pid, NULL);
		g_autofree char *monitor_group = NULL;
		g_autofree char *state = NULL;
		g_autofree char *state_file =
		    g_strdup_printf("%s/containers/polite/state.json", t->state_dir);
		const char *p;

		g_assert_cmpstr(in_pids, ==, container_group);
		g_assert_cmpstr(in_unified, ==, container_group);
		state = ocid_test_read_file(state_file);
		p = state != NULL ? strstr(state, "\"monitor_pid\" : ") : NULL;
		g_assert_nonnull(p);
		monitor_group = ocid_test_cgroup_of(atoi(p + strlen("\"monitor_pid\" : ")), NULL);
		g_assert_cmpstr(monitor_group, ==, supervisor_group);
		/* In every hierarchy: the monitor made the group and moved itself there. */
		ocid_test_assert_cgroup_everywhere(atoi(p + strlen("\"monitor_pid\" : ")),
						   supervisor_group);
	}
	{
		g_autofree char *name = ocid_test_get_string(t, p1, "Name");
		g_assert_cmpstr(name, ==, "polite"); /* an empty name means the id */
	}

	/* Delete of a running container without force changes nothing. */
	reply =
	    ocid_test_call(t, p1, CONTAINER, "Delete", g_variant_new("(b)", FALSE), NULL, &error);
	ocid_test_assert_error(error, "InvalidState");
	g_clear_error(&error);
	g_assert_true(ocid_test_wait_state(t, p1, "running", 10));

	/* Start of a running container is refused. */
	reply = ocid_test_call(t, p1, CONTAINER, "Start", NULL, NULL, &error);
	ocid_test_assert_error(error, "InvalidState");
	g_clear_error(&error);

	reply = ocid_test_call(t, p1, CONTAINER, "Stop", g_variant_new("(t)", (guint64)10), NULL,
			       &error);
	g_assert_no_error(error);
	/* Stop returns once the container has stopped. */
	{
		g_autofree char *state = ocid_test_get_string(t, p1, "State");
		g_assert_cmpstr(state, ==, "stopped");
	}
	g_assert_cmpint(ocid_test_get_int(t, p1, "ExitCode"), ==, 7);
	g_clear_pointer(&reply, g_variant_unref);

	/* Start of a stopped container is refused too. */
	reply = ocid_test_call(t, p1, CONTAINER, "Start", NULL, NULL, &error);
	ocid_test_assert_error(error, "InvalidState");
	g_clear_error(&error);

	p2 = ocid_test_create(t, "stubborn", "stubborn", stubborn, NULL, &error);
	g_assert_no_error(error);
	ocid_test_start(t, p2);
	g_assert_true(ocid_test_wait_state(t, p2, "running", 5000));
	/* It says so once its trap is installed. */
	g_assert_true(ocid_test_wait_output(t, p2, "ready", 5000));
	before = g_get_monotonic_time();
	reply = ocid_test_call(t, p2, CONTAINER, "Stop", g_variant_new("(t)", (guint64)1), NULL,
			       &error);
	g_assert_no_error(error);
	g_assert_cmpint(g_get_monotonic_time() - before, >=, 900000);
	g_assert_cmpint(ocid_test_get_int(t, p2, "ExitCode"), ==, 128 + SIGKILL);

	ocid_test_delete(t, p1, FALSE);
	ocid_test_delete(t, p2, FALSE);
	/* Delete removes every cgroup made for the container, in every hierarchy. */
	g_assert_false(ocid_test_cgroup_exists(group));
}

static void
test_kill_signal(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(
	    t, "killme", "trap 'exit 42' USR1; echo ready; while true; do sleep 0.05; done");
	path = ocid_test_create(t, "killme", "killme", bundle, NULL, &error);
	g_assert_no_error(error);
	ocid_test_start(t, path);
	g_assert_true(ocid_test_wait_state(t, path, "running", 5000));
	g_assert_true(ocid_test_wait_output(t, path, "ready", 5000)); /* the trap is set */

	reply = ocid_test_call(t, path, CONTAINER, "Kill", g_variant_new("(s)", "NOSUCHSIG"), NULL,
			       &error);
	ocid_test_assert_error(error, "InvalidArgument");
	g_clear_error(&error);

	/* By number (SIGUSR1 is 10 on Linux) as well as by name. */
	reply =
	    ocid_test_call(t, path, CONTAINER, "Kill", g_variant_new("(s)", "10"), NULL, &error);
	g_assert_no_error(error);
	g_assert_true(ocid_test_wait_state(t, path, "stopped", 5000));
	g_assert_cmpint(ocid_test_get_int(t, path, "ExitCode"), ==, 42);
	g_clear_pointer(&reply, g_variant_unref);

	reply = ocid_test_call(t, path, CONTAINER, "UpdateStatus", NULL, NULL, &error);
	g_assert_no_error(error);
	{
		g_autofree char *state = ocid_test_get_string(t, path, "State");
		g_assert_cmpstr(state, ==, "stopped");
	}
	ocid_test_delete(t, path, FALSE);
}

static void
test_force_delete_running(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "forced", "while true; do sleep 1; done");
	path = ocid_test_create(t, "forced", "forced", bundle, NULL, &error);
	g_assert_no_error(error);
	ocid_test_start(t, path);
	g_assert_true(ocid_test_wait_state(t, path, "running", 5000));
	ocid_test_delete(t, path, TRUE);
	reply = ocid_test_call(t, MANAGER_PATH, MANAGER, "GetContainer",
			       g_variant_new("(s)", "forced"), "(o)", &error);
	ocid_test_assert_error(error, "NoSuchContainer");
}

/* ListContainers: newest first, with every filter of the seed's StoreFilter. */
static void
test_list_and_filters(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *bundle = NULL;
	g_autoptr(GError) error = NULL;
	const char *ids[] = { "list-a", "list-b", "list-c" };
	g_autofree char *paths[3] = { NULL };
	g_autoptr(GVariant) reply = NULL;
	GVariantBuilder filter;
	guint count_before;

	if (t == NULL)
		return;
	{
		g_autoptr(GVariant) count =
		    ocid_test_get_property(t, MANAGER_PATH, "ContainerCount");
		count_before = g_variant_get_uint32(count);
	}
	bundle = ocid_test_make_bundle(t, "lister", "sleep 30");
	for (int i = 0; i < 3; i++) {
		GVariantBuilder opts, labels;

		g_variant_builder_init(&labels, G_VARIANT_TYPE("a{ss}"));
		g_variant_builder_add(&labels, "{ss}", "tier", i == 1 ? "db" : "web");
		g_variant_builder_add(&labels, "{ss}", "team", "core");
		g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
		g_variant_builder_add(&opts, "{sv}", "labels", g_variant_builder_end(&labels));
		g_variant_builder_add(&opts, "{sv}", "sandbox",
				      g_variant_new_string(i == 2 ? "pod2" : "pod1"));
		g_variant_builder_add(&opts, "{sv}", "image", g_variant_new_string("busybox"));
		paths[i] = ocid_test_create(t, ids[i], ids[i], bundle, g_variant_builder_end(&opts),
					    &error);
		g_assert_no_error(error);
	}
	ocid_test_start(t, paths[1]);
	{
		g_autoptr(GVariant) count =
		    ocid_test_get_property(t, MANAGER_PATH, "ContainerCount");
		g_assert_cmpuint(g_variant_get_uint32(count), ==, count_before + 3);
	}

	/* By name, and GetContainer by id or name. */
	reply = ocid_test_call(t, MANAGER_PATH, MANAGER, "GetContainer",
			       g_variant_new("(s)", "list-b"), "(o)", &error);
	g_assert_no_error(error);
	g_clear_pointer(&reply, g_variant_unref);

	/* No filter: all, newest first. */
	reply = ocid_test_call(t, MANAGER_PATH, MANAGER, "ListContainers",
			       g_variant_new("(@a{sv})", empty_options()), "(a(sssto))", &error);
	g_assert_no_error(error);
	{
		g_autoptr(GVariant) list = g_variant_get_child_value(reply, 0);
		const char *id0, *id1, *id2;
		guint64 c0, c1;
		g_variant_get_child(list, 0, "(&s&s&sto)", &id0, NULL, NULL, &c0, NULL);
		g_variant_get_child(list, 1, "(&s&s&sto)", &id1, NULL, NULL, &c1, NULL);
		g_variant_get_child(list, 2, "(&s&s&sto)", &id2, NULL, NULL, NULL, NULL);
		g_assert_cmpstr(id0, ==, "list-c");
		g_assert_cmpstr(id1, ==, "list-b");
		g_assert_cmpstr(id2, ==, "list-a");
		g_assert_cmpuint(c0, >=, c1);
	}
	g_clear_pointer(&reply, g_variant_unref);

#define LIST_COUNT(builder_expr, expected)                                                         \
	do {                                                                                       \
		g_autoptr(GVariant) r = NULL;                                                      \
		g_autoptr(GVariant) l = NULL;                                                      \
		g_variant_builder_init(&filter, G_VARIANT_TYPE("a{sv}"));                          \
		builder_expr;                                                                      \
		r = ocid_test_call(t, MANAGER_PATH, MANAGER, "ListContainers",                     \
				   g_variant_new("(@a{sv})", g_variant_builder_end(&filter)),      \
				   "(a(sssto))", &error);                                          \
		g_assert_no_error(error);                                                          \
		l = g_variant_get_child_value(r, 0);                                               \
		g_assert_cmpuint(g_variant_n_children(l), ==, expected);                           \
	} while (0)

	LIST_COUNT(g_variant_builder_add(&filter, "{sv}", "state", g_variant_new_string("running")),
		   1);
	LIST_COUNT(g_variant_builder_add(&filter, "{sv}", "name", g_variant_new_string("list-a")),
		   1);
	LIST_COUNT(g_variant_builder_add(&filter, "{sv}", "sandbox", g_variant_new_string("pod1")),
		   2);
	{
		GVariantBuilder labels;
		g_variant_builder_init(&labels, G_VARIANT_TYPE("a{ss}"));
		g_variant_builder_add(&labels, "{ss}", "tier", "web");
		g_variant_builder_add(&labels, "{ss}", "team", "core");
		LIST_COUNT(
		    g_variant_builder_add(&filter, "{sv}", "label", g_variant_builder_end(&labels)),
		    2);
	}
	{
		GVariantBuilder labels;
		g_variant_builder_init(&labels, G_VARIANT_TYPE("a{ss}"));
		g_variant_builder_add(&labels, "{ss}", "tier", "web");
		LIST_COUNT(
		    {
			    g_variant_builder_add(&filter, "{sv}", "label",
						  g_variant_builder_end(&labels));
			    g_variant_builder_add(&filter, "{sv}", "sandbox",
						  g_variant_new_string("pod2"));
		    },
		    1);
	}
	/* Root created them all, so root owns them; no container is owned by uid 4242. */
	LIST_COUNT(g_variant_builder_add(&filter, "{sv}", "owner", g_variant_new_uint32(0)),
		   count_before + 3);
	LIST_COUNT(g_variant_builder_add(&filter, "{sv}", "owner", g_variant_new_uint32(4242)), 0);
	LIST_COUNT(
	    {
		    g_variant_builder_add(&filter, "{sv}", "owner", g_variant_new_uint32(0));
		    g_variant_builder_add(&filter, "{sv}", "name", g_variant_new_string("list-c"));
	    },
	    1);
#undef LIST_COUNT

	/* Bad filters are errors. */
	g_variant_builder_init(&filter, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&filter, "{sv}", "colour", g_variant_new_string("red"));
	reply = ocid_test_call(t, MANAGER_PATH, MANAGER, "ListContainers",
			       g_variant_new("(@a{sv})", g_variant_builder_end(&filter)),
			       "(a(sssto))", &error);
	ocid_test_assert_error(error, "InvalidArgument");
	g_clear_error(&error);
	g_variant_builder_init(&filter, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&filter, "{sv}", "owner", g_variant_new_string("root"));
	reply = ocid_test_call(t, MANAGER_PATH, MANAGER, "ListContainers",
			       g_variant_new("(@a{sv})", g_variant_builder_end(&filter)),
			       "(a(sssto))", &error);
	ocid_test_assert_error(error, "InvalidArgument");
	g_clear_error(&error);

	/* Properties a user reads back. */
	{
		g_autoptr(GVariant) labels = ocid_test_get_property(t, paths[1], "Labels");
		const char *tier = NULL;
		g_autofree char *sandbox = ocid_test_get_string(t, paths[1], "Sandbox");
		g_autofree char *image = ocid_test_get_string(t, paths[1], "Image");
		g_autofree char *stop_signal = ocid_test_get_string(t, paths[1], "StopSignal");
		g_autofree char *runtime = ocid_test_get_string(t, paths[1], "RuntimePath");
		g_autofree char *state_path = ocid_test_get_string(t, paths[1], "StatePath");
		struct stat st;

		g_assert_true(g_variant_lookup(labels, "tier", "&s", &tier));
		g_assert_cmpstr(tier, ==, "db");
		g_assert_cmpstr(sandbox, ==, "pod1");
		g_assert_cmpstr(image, ==, "busybox");
		g_assert_cmpstr(stop_signal, ==, "SIGTERM");
		g_assert_cmpstr(runtime, ==, g_getenv("OCID_RUNTIME"));
		g_assert_cmpint(stat(state_path, &st), ==, 0);
		g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	}
	/* Root's containers are owned by uid 0 and run as host root. */
	{
		g_autoptr(GVariant) owner = ocid_test_get_property(t, paths[1], "Owner");
		g_autoptr(GVariant) confined = ocid_test_get_property(t, paths[1], "Confined");

		g_assert_cmpuint(g_variant_get_uint32(owner), ==, 0);
		g_assert_false(g_variant_get_boolean(confined));
	}

	/* ObjectManager lists every container with its properties. */
	{
		g_autoptr(GVariant) objects = NULL;
		g_autoptr(GVariant) dict = NULL;
		g_autoptr(GVariant) ifaces = NULL;

		objects = ocid_test_call(t, MANAGER_PATH, "org.freedesktop.DBus.ObjectManager",
					 "GetManagedObjects", NULL, "(a{oa{sa{sv}}})", &error);
		g_assert_no_error(error);
		dict = g_variant_get_child_value(objects, 0);
		ifaces = g_variant_lookup_value(dict, paths[0], NULL);
		g_assert_nonnull(ifaces);
		g_assert_nonnull(g_variant_lookup_value(ifaces, CONTAINER, NULL));
	}

	for (int i = 0; i < 3; i++)
		ocid_test_delete(t, paths[i], TRUE);
}

static void
test_introspection(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;

	if (t == NULL)
		return;
	ocid_test_assert_interface_matches(t, MANAGER_PATH, MANAGER);
	bundle = ocid_test_make_bundle(t, "introspected", "true");
	path = ocid_test_create(t, "introspected", "", bundle, NULL, &error);
	g_assert_no_error(error);
	ocid_test_assert_interface_matches(t, path, CONTAINER);
	ocid_test_delete(t, path, FALSE);
}

/* Runs ocictl against the test's bus; returns its exit code and output. */
static int
ocictl(OcidTest *t, char **out, char **err, const char *first, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_auto(GStrv) envp =
	    g_environ_setenv(g_get_environ(), "DBUS_SYSTEM_BUS_ADDRESS", t->bus_address, TRUE);
	g_autoptr(GError) error = NULL;
	int status = 0;
	va_list ap;

	g_ptr_array_add(argv, (gpointer)g_getenv("OCID_CTL"));
	va_start(ap, first);
	for (const char *a = first; a != NULL; a = va_arg(ap, const char *))
		g_ptr_array_add(argv, (gpointer)a);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
				   out, err, &status, &error));
	g_assert_no_error(error);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ocictl: the command-line face of the same API. */
static void
test_ocictl(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *bundle = NULL;

	if (t == NULL)
		return;
	bundle =
	    ocid_test_make_bundle(t, "cli", "trap 'exit 0' TERM; while true; do sleep 0.05; done");
	{
		g_autofree char *out = NULL, *err = NULL;
		g_assert_cmpint(ocictl(t, &out, &err, "create", "--name=cli", "--label=tier=web",
				       bundle, "cli-1", NULL),
				==, 0);
		g_assert_cmpstr(out, ==, "cli-1\n");
	}
	{
		g_autofree char *out = NULL, *err = NULL;
		g_assert_cmpint(ocictl(t, &out, &err, "start", "cli", NULL), ==, 0);
	}
	{
		g_autofree char *out = NULL, *err = NULL;
		g_assert_cmpint(ocictl(t, &out, &err, "list", "--label=tier=web", NULL), ==, 0);
		g_assert_nonnull(strstr(out, "cli-1"));
		g_assert_nonnull(strstr(out, "running"));
	}
	{
		g_autofree char *out = NULL, *err = NULL;
		g_assert_cmpint(ocictl(t, &out, &err, "exec", "cli", "--", "/bin/sh", "-c",
				       "echo hi; echo there >&2; exit 3", NULL),
				==, 3);
		g_assert_cmpstr(out, ==, "hi\n");
		g_assert_cmpstr(err, ==, "there\n");
	}
	{
		g_autofree char *out = NULL, *err = NULL;
		g_assert_cmpint(ocictl(t, &out, &err, "stop", "--timeout=5", "cli", NULL), ==, 0);
		g_clear_pointer(&out, g_free);
		g_clear_pointer(&err, g_free);
		g_assert_cmpint(ocictl(t, &out, &err, "status", "cli", NULL), ==, 0);
		g_assert_nonnull(strstr(out, "State: stopped"));
		g_assert_nonnull(strstr(out, "ExitCode: 0"));
	}
	{
		g_autofree char *out = NULL, *err = NULL;
		g_assert_cmpint(ocictl(t, &out, &err, "rm", "cli", NULL), ==, 0);
		g_clear_pointer(&out, g_free);
		g_clear_pointer(&err, g_free);
		g_assert_cmpint(ocictl(t, &out, &err, "status", "cli", NULL), ==, 125);
		g_assert_nonnull(strstr(err, "ocictl ps -a"));
	}
}

/* Where in the recorded signals @member first names @path (or, for ContainerNew, @id);
 * G_MAXUINT if nowhere. */
static guint
first_signal(OcidTest *t, const char *member, const char *path, const char *id)
{
	ocid_test_dispatch_pending();
	for (guint i = 0; i < t->signals->len; i++) {
		GVariant *s = g_ptr_array_index(t->signals, i);
		const char *spath, *smember;
		g_autoptr(GVariant) params = NULL;

		g_variant_get(s, "(&s&s&s@*)", &spath, NULL, &smember, &params);
		if (!g_str_equal(smember, member))
			continue;
		if (id == NULL && g_str_equal(spath, path))
			return i;
		if (id != NULL && g_variant_n_children(params) > 0) {
			g_autoptr(GVariant) first = g_variant_get_child_value(params, 0);
			if (g_variant_is_of_type(first, G_VARIANT_TYPE_STRING) &&
			    g_str_equal(g_variant_get_string(first, NULL), id))
				return i;
		}
	}
	return G_MAXUINT;
}

/* A client hears of a new container (ContainerNew) before any change to it. */
static void
test_announced_before_changes(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;
	guint announced, changed;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "announced", "sleep 300");
	path = ocid_test_create(t, "announced", "", bundle, NULL, &error);
	g_assert_no_error(error);
	ocid_test_start(t, path);
	g_assert_true(ocid_test_wait_state(t, path, "running", 5000));
	announced = first_signal(t, "ContainerNew", NULL, "announced");
	changed = first_signal(t, "PropertiesChanged", path, NULL);
	g_assert_cmpuint(announced, !=, G_MAXUINT);
	g_assert_cmpuint(changed, !=, G_MAXUINT);
	g_assert_cmpuint(announced, <, changed);
	ocid_test_delete(t, path, TRUE);
}

static void
add_tests(void)
{
	g_test_add_func("/lifecycle/ocictl", test_ocictl);
	g_test_add_func("/lifecycle/introspection", test_introspection);
	g_test_add_func("/lifecycle/manager-properties", test_manager_properties);
	g_test_add_func("/lifecycle/run-to-exit", test_run_to_exit);
	g_test_add_func("/lifecycle/stop-and-kill", test_stop_and_kill);
	g_test_add_func("/lifecycle/kill-signal", test_kill_signal);
	g_test_add_func("/lifecycle/force-delete-running", test_force_delete_running);
	g_test_add_func("/lifecycle/list-and-filters", test_list_and_filters);
	g_test_add_func("/lifecycle/announced-before-changes", test_announced_before_changes);
}

int
main(int argc, char **argv)
{
	return ocid_test_main(argc, argv, add_tests);
}
