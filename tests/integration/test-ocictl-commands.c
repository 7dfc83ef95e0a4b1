/* ocictl exec, its messages, update, events, completion, and the README's quick start. */
#include "ocictl-test.h"

#include <glib/gstdio.h>
#include <signal.h>

/* exec exits with the command's code; 127 for one not found, 126 for one that cannot be
 * run (issue 13: both were 1, as for a command that exits 1). */
void
test_exec_exit_codes(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	g_autofree char *bundle = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "exec", LOOP);
	g_free(run_detached(t, bundle, "exec", ""));
	{
		g_auto(OcictlResult) r = ocictl_run(t, "exec", "exec", "--", "/bin/sh", "-c",
						    "echo hi; echo there >&2; exit 3", NULL);
		ocictl_assert_status(&r, 3);
		g_assert_cmpstr(r.out, ==, "hi\n");
		g_assert_cmpstr(r.err, ==, "there\n");
	}
	{
		/* Options after the container are the command's. */
		g_auto(OcictlResult) r = ocictl_run(t, "exec", "exec", "sh", "-c", "exit 1", NULL);
		ocictl_assert_status(&r, 1);
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "exec", "exec", "busybox", "hostname", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "busybox\n");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "exec", "exec", "/nonexistent", NULL);
		ocictl_assert_status(&r, 127);
		ocictl_assert_contains(r.err, "not found");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "exec", "exec", "/etc", NULL);
		ocictl_assert_status(&r, 126);
	}
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "exec", "--timeout=1", "exec", "sleep", "30", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "--timeout");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "stop", "exec", NULL);
		ocictl_assert_status(&r, 0);
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "exec", "exec", "true", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "container exec is stopped: exec needs a running");
	}
	ocictl_remove_all(t);
}

/* Messages name ocictl commands, not D-Bus methods or arguments. */
void
test_messages_name_commands(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	g_autofree char *bundle = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "messages", LOOP);
	g_free(run_detached(t, bundle, "busy", ""));
	{
		g_auto(OcictlResult) r = ocictl_run(t, "rm", "busy", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "'ocictl rm -f busy'");
		ocictl_assert_contains(r.err, "'ocictl stop busy'");
		g_assert_null(strstr(r.err, "force=true"));
		g_assert_null(strstr(r.err, "Delete"));
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "start", "busy", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "is running");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "run", "-d", "--name", "busy", bundle, NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "'ocictl ps -a'");
		g_assert_null(strstr(r.err, "ListContainers"));
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "status", "nosuch", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "'ocictl ps -a'");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "kill", "-s", "SIGNOPE", "busy", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "SIGNOPE");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "rm", "-f", "busy", NULL);
		ocictl_assert_status(&r, 0);
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "create", "/nonexistent/bundle", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "/nonexistent/bundle");
	}
}

/* The value of a cgroup file of the container's own cgroup (<ControlGroup>/container),
 * found through /proc/<pid>/cgroup: v1 (CONTROLLER's @v1) or v2 (@v2). */
static char *
cgroup_value(OcidTest *t, const char *name, const char *controller, const char *v1, const char *v2)
{
	g_auto(OcictlResult) r = ocictl_run(t, "inspect", "-f", "{{.Pid}}", name, NULL);
	int pid = atoi(r.out);
	char *text = ocid_test_cgroup_read(pid, controller, ocid_test_cgroup_v2() ? v2 : v1);

	if (text == NULL)
		g_error("no cgroup file %s or %s for pid %d", v1, v2, pid);
	return text;
}

/* update takes podman's 64m sizes; the cgroup shows the limits. */
void
test_update(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	g_autofree char *bundle = NULL, *memory = NULL, *pids = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "updated", LOOP);
	g_free(run_detached(t, bundle, "updated", ""));
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "update", "--memory", "64m", "--pids-limit", "50", "--cpu-shares",
			       "512", "--cpu-quota", "50000", "--cpu-period", "100000",
			       "--cpuset-cpus", "0", "updated", NULL);
		ocictl_assert_status(&r, 0);
	}
	memory = cgroup_value(t, "updated", "memory", "memory.limit_in_bytes", "memory.max");
	g_assert_cmpstr(memory, ==, "67108864");
	pids = cgroup_value(t, "updated", "pids", "pids.max", "pids.max");
	g_assert_cmpstr(pids, ==, "50");
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "update", "--memory", "64q", "updated", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "64q");
	}
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "update", "--pids-limit", "many", "updated", NULL);
		ocictl_assert_status(&r, 125);
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "update", "updated", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "at least one");
	}
	{
		g_autofree char *unchanged =
		    cgroup_value(t, "updated", "memory", "memory.limit_in_bytes", "memory.max");
		g_assert_cmpstr(unchanged, ==, "67108864");
	}
	ocictl_remove_all(t);
}

typedef struct {
	GDataInputStream *in;
	GPtrArray *lines;
	gboolean done;
} EventReader;

static void
on_event_line(GObject *source, GAsyncResult *result, gpointer data)
{
	EventReader *reader = data;
	char *line = g_data_input_stream_read_line_finish(reader->in, result, NULL, NULL);

	if (line == NULL) {
		reader->done = TRUE;
		return;
	}
	g_ptr_array_add(reader->lines, line);
	g_data_input_stream_read_line_async(reader->in, G_PRIORITY_DEFAULT, NULL, on_event_line,
					    reader);
}

static guint
match_rules(OcidTest *t)
{
	g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
	    t->conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
	    "org.freedesktop.DBus.Debug.Stats", "GetStats", NULL, G_VARIANT_TYPE("(a{sv})"),
	    G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
	g_autoptr(GVariant) stats = reply != NULL ? g_variant_get_child_value(reply, 0) : NULL;
	guint32 rules = 0;

	if (stats != NULL)
		g_variant_lookup(stats, "MatchRules", "u", &rules);
	return rules;
}

typedef struct {
	OcidTest *t;
	guint before;
	EventReader *reader;
	guint count;
} EventWait;

static gboolean
subscribed(gpointer data)
{
	EventWait *w = data;

	return match_rules(w->t) > w->before;
}

static gboolean
has_lines(gpointer data)
{
	EventWait *w = data;

	return w->reader->lines->len >= w->count;
}

/* `ocictl events --format json --filter container=NAME`, read into @reader, once it
 * listens; NULL (the test skipped) when the bus cannot tell that. */
static GSubprocess *
spawn_events(OcidTest *t, const char *name, EventReader *reader, EventWait *wait)
{
	g_autoptr(GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_auto(GStrv) envp = ocictl_environ(t, NULL);
	g_autofree char *filter = g_strconcat("container=", name, NULL);
	g_autoptr(GError) error = NULL;
	GSubprocess *child;

	wait->before = match_rules(t);
	if (wait->before == 0) {
		g_test_skip("the bus has no Debug.Stats to tell when ocictl events listens");
		return NULL;
	}
	g_subprocess_launcher_set_environ(launcher, envp);
	child = g_subprocess_launcher_spawn(launcher, &error, g_getenv("OCID_CTL"), "events",
					    "--format", "json", "--filter", filter, NULL);
	g_assert_no_error(error);
	reader->in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(child));
	g_data_input_stream_read_line_async(reader->in, G_PRIORITY_DEFAULT, NULL, on_event_line,
					    reader);
	g_assert_true(ocid_test_wait_for(subscribed, wait, 10000));
	return child;
}

/* Waits for the events @expected ("Status" or "Status/HealthStatus"), checks them in
 * order, and ends `ocictl events`. */
static void
check_events(EventWait *wait, GSubprocess *child, const char *name, const char *const *expected)
{
	EventReader *reader = wait->reader;

	wait->count = g_strv_length((char **)expected);
	g_assert_true(ocid_test_wait_for(has_lines, wait, 10000));
	for (guint i = 0; expected[i] != NULL; i++) {
		g_autoptr(JsonParser) parser = json_parser_new();
		g_autofree char *seen = NULL;
		JsonObject *o;

		g_assert_true(
		    json_parser_load_from_data(parser, reader->lines->pdata[i], -1, NULL));
		o = json_node_get_object(json_parser_get_root(parser));
		seen = json_object_has_member(o, "HealthStatus")
			   ? g_strdup_printf("%s/%s", json_object_get_string_member(o, "Status"),
					     json_object_get_string_member(o, "HealthStatus"))
			   : g_strdup(json_object_get_string_member(o, "Status"));
		g_assert_cmpstr(seen, ==, expected[i]);
		g_assert_cmpstr(json_object_get_string_member(o, "Name"), ==, name);
		g_assert_cmpstr(json_object_get_string_member(o, "Type"), ==, "container");
		g_assert_cmpuint(strlen(json_object_get_string_member(o, "ID")), ==, 64);
		g_assert_nonnull(json_object_get_string_member(o, "Time"));
	}
	g_subprocess_force_exit(child);
	g_assert_true(g_subprocess_wait(child, NULL, NULL));
	/* The read pending on the closed pipe ends. */
	while (!reader->done)
		g_main_context_iteration(NULL, TRUE);
	g_clear_object(&reader->in);
}

/* events: one JSON object per event with podman's keys, as things happen. */
typedef struct {
	OcidTest *t;
	const char *name;
} RestartWait;

static gboolean
restarted_once(gpointer data)
{
	RestartWait *w = data;
	g_auto(OcictlResult) r =
	    ocictl_run(w->t, "inspect", "--format", "{{.RestartCount}} {{.State}}", w->name, NULL);

	return r.status == 0 && g_str_equal(r.out, "1 running\n");
}

void
test_events(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	g_autofree char *bundle = NULL;
	g_autoptr(GSubprocess) child = NULL;
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	static const char *const expected[] = { "create",  "start",  "update",  "pause",
						"unpause", "died",   "restart", "start",
						"died",    "remove", NULL };
	EventReader reader = { NULL, lines, FALSE };
	EventWait wait = { t, 0, &reader, 0 };

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "events", LOOP);
	child = spawn_events(t, "evented", &reader, &wait);
	if (child == NULL)
		return;
	{
		g_auto(OcictlResult) other =
		    ocictl_run(t, "create", "--name", "other", bundle, NULL);
		g_auto(OcictlResult) r = ocictl_run(t, "run", "-d", "--restart", "on-failure:1",
						    "--name", "evented", bundle, NULL);
		ocictl_assert_status(&r, 0);
	}
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "inspect", "--format", "{{.RestartPolicy}} {{.RestartMax}}",
			       "evented", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "on-failure 1\n");
	}
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "run", "-d", "--restart", "always:3", bundle, NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "only on-failure takes a count");
	}
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "update", "--pids-limit", "64", "evented", NULL);
		ocictl_assert_status(&r, 0);
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "pause", "evented", NULL);
		ocictl_assert_status(&r, 0);
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "unpause", "evented", NULL);
		ocictl_assert_status(&r, 0);
	}
	{
		/* Its init killed from outside: on-failure makes it again. */
		g_auto(OcictlResult) pid =
		    ocictl_run(t, "inspect", "--format", "{{.Pid}}", "evented", NULL);
		RestartWait restart = { t, "evented" };
		ocictl_assert_status(&pid, 0);
		g_assert_cmpint(kill((pid_t)g_ascii_strtoll(pid.out, NULL, 10), SIGKILL), ==, 0);
		g_assert_true(ocid_test_wait_for(restarted_once, &restart, 10000));
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "stop", "evented", NULL);
		ocictl_assert_status(&r, 0);
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "rm", "evented", "other", NULL);
		ocictl_assert_status(&r, 0);
	}
	check_events(&wait, child, "evented", expected);
}

typedef struct {
	OcidTest *t;
	const char *format;
	const char *want;
} InspectWait;

static gboolean
inspect_says(gpointer data)
{
	InspectWait *w = data;
	g_auto(OcictlResult) r =
	    ocictl_run(w->t, "inspect", "--format", w->format, "watched", NULL);

	return r.status == 0 && g_str_equal(r.out, w->want);
}

/* health_status only when Health changes (not on every check), and ready when the
 * container says READY=1 (--sdnotify=ready gives it the socket). */
void
test_events_health_ready(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	g_autofree char *bundle = NULL, *flags = NULL, *ok = NULL, *go = NULL, *volume = NULL;
	g_autoptr(GSubprocess) child = NULL;
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	static const char *const expected[] = { "create",
						"start",
						"health_status/starting",
						"health_status/healthy",
						"ready",
						"health_status/unhealthy",
						"died",
						"remove",
						NULL };
	EventReader reader = { NULL, lines, FALSE };
	EventWait wait = { t, 0, &reader, 0 };

	if (t == NULL)
		return;
	flags = g_build_filename(t->tmpdir, "event-flags", NULL);
	g_assert_cmpint(g_mkdir_with_parents(flags, 0755), ==, 0);
	ok = g_build_filename(flags, "ok", NULL);
	go = g_build_filename(flags, "go", NULL);
	g_assert_true(g_file_set_contents(ok, "", -1, NULL));
	volume = g_strconcat(flags, ":/flag:ro", NULL);
	bundle = ocid_test_make_bundle(
	    t, "watched",
	    "trap 'exit 0' TERM; while [ ! -e /flag/go ]; do sleep 0.05; done; sd-notify READY=1; "
	    "while true; do sleep 0.05; done");
	child = spawn_events(t, "watched", &reader, &wait);
	if (child == NULL)
		return;
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "run", "-d", "--name", "watched", "--sdnotify=ready", "-v",
			       volume, "--health-cmd", "test -e /flag/ok", "--health-interval",
			       "1s", "--health-retries", "1", bundle, NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "--sdnotify and --detach do not go together");
	}
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "create", "--name", "watched", "--sdnotify=ready", "-v", volume,
			       "--health-cmd", "test -e /flag/ok", "--health-interval", "1s",
			       "--health-retries", "1", bundle, NULL);
		InspectWait healthy = { t, "{{.Health}}", "healthy\n" };

		ocictl_assert_status(&r, 0);
		{
			g_auto(OcictlResult) started = ocictl_run(t, "start", "watched", NULL);
			ocictl_assert_status(&started, 0);
		}
		g_assert_true(ocid_test_wait_for(inspect_says, &healthy, 10000));
	}
	{
		InspectWait ready = { t, "{{.Notify}} {{.Ready}}", "container true\n" };

		g_assert_true(g_file_set_contents(go, "", -1, NULL));
		g_assert_true(ocid_test_wait_for(inspect_says, &ready, 10000));
	}
	{
		/* Unhealthy, then two more failed checks: still one event. */
		InspectWait streak = { t, "{{.Health}} {{.HealthFailingStreak}}", "unhealthy 3\n" };

		g_assert_cmpint(g_unlink(ok), ==, 0);
		g_assert_true(ocid_test_wait_for(inspect_says, &streak, 15000));
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "rm", "--force", "watched", NULL);
		ocictl_assert_status(&r, 0);
	}
	check_events(&wait, child, "watched", expected);
}

/* --health-cmd and its flags, `healthcheck run` with podman's exit codes, and the
 * (healthy) of ps. */
void
test_healthcheck(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	g_autofree char *bundle = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "checked", "touch /tmp/ok; " LOOP);
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "run", "-d", "--name", "checked", "--health-cmd",
			       "test -e /tmp/ok", "--health-interval", "1h", "--health-retries",
			       "1", "--health-timeout", "10s", bundle, NULL);
		ocictl_assert_status(&r, 0);
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "healthcheck", "run", "checked", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "healthy\n");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "ps", NULL);
		ocictl_assert_status(&r, 0);
		ocictl_assert_contains(r.out, "running (healthy)");
	}
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "exec", "checked", "/bin/sh", "-c", "rm /tmp/ok", NULL);
		ocictl_assert_status(&r, 0);
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "healthcheck", "run", "checked", NULL);
		ocictl_assert_status(&r, 1);
		g_assert_cmpstr(r.out, ==, "unhealthy\n");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "ps", NULL);
		ocictl_assert_contains(r.out, "running (unhealthy)");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "run", "-d", "--health-cmd", "true",
						    "--health-interval", "5x", bundle, NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "--health-interval");
	}
	ocictl_remove_all(t);
}

/* What @shell's completion offers for @line, the bus named by --address only. */
static char *
complete(OcidTest *t, const char *shell, const char *line)
{
	g_autofree char *script = g_build_filename(g_getenv("OCID_SOURCE_DIR"), "tests",
						   "integration", "complete.sh", NULL);
	g_autofree char *dir = g_build_filename(g_getenv("OCID_SOURCE_DIR"), "completion", NULL);
	g_autofree char *bin = g_path_get_dirname(g_getenv("OCID_CTL"));
	g_autofree char *path = g_strconcat(bin, ":", g_getenv("PATH"), NULL);
	g_auto(GStrv) envp = g_environ_unsetenv(g_get_environ(), "DBUS_SYSTEM_BUS_ADDRESS");
	const char *argv[] = { script, shell, dir, line, NULL };
	g_autoptr(GError) error = NULL;
	char *out = NULL;
	int status;

	envp = g_environ_setenv(envp, "PATH", path, TRUE);
	envp = g_environ_setenv(envp, "HOME", t->tmpdir, TRUE);
	g_assert_true(g_spawn_sync(NULL, (char **)argv, envp, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
				   NULL, &out, NULL, &status, &error));
	g_assert_no_error(error);
	return out;
}

static gboolean
offers(const char *candidates, const char *word)
{
	g_auto(GStrv) lines = g_strsplit(candidates, "\n", -1);

	return g_strv_contains((const char *const *)lines, word);
}

/* bash, zsh and fish complete commands, flags and the live containers' names and ids. */
void
test_completion(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	static const char *const shells[] = { "bash", "zsh", "fish", NULL };
	g_autofree char *bundle = NULL, *id = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "completed", LOOP);
	id = run_detached(t, bundle, "completed", "");
	for (int i = 0; shells[i] != NULL; i++) {
		g_autofree char *address_line =
		    g_strdup_printf("ocictl --address %s stop c", t->bus_address);
		g_autofree char *ids_line =
		    g_strdup_printf("ocictl --address %s rm -f %.3s", t->bus_address, id);
		g_autofree char *commands = complete(t, shells[i], "ocictl st");
		g_autofree char *flags = complete(t, shells[i], "ocictl stop --t");
		g_autofree char *list_flags = complete(t, shells[i], "ocictl ps --no-");
		g_autofree char *names = complete(t, shells[i], address_line);
		g_autofree char *ids = complete(t, shells[i], ids_line);

		if (!offers(commands, "start") || !offers(commands, "stop") ||
		    !offers(commands, "stats") || offers(commands, "rm"))
			g_error("%s completes 'ocictl st' as: %s", shells[i], commands);
		if (!offers(flags, "--time") || offers(flags, "--help"))
			g_error("%s completes 'ocictl stop --t' as: %s", shells[i], flags);
		if (!offers(list_flags, "--no-trunc"))
			g_error("%s completes 'ocictl ps --no-' as: %s", shells[i], list_flags);
		if (!offers(names, "completed"))
			g_error("%s completes '%s' as: %s", shells[i], address_line, names);
		if (!offers(ids, id))
			g_error("%s completes '%s' as: %s", shells[i], ids_line, ids);
	}
	ocictl_remove_all(t);
}

/* The README's quick start works as written, with the project's own bundle (issue 13:
 * its exec example failed for want of /etc/hostname). The interactive line is the pty
 * test's (test-ocictl-io). */
void
test_readme_quick_start(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	g_autofree char *readme_path = NULL, *readme = NULL, *bundle = NULL, *demo = NULL;
	g_autofree char *bin = NULL, *path = NULL;
	g_auto(GStrv) lines = NULL;
	g_auto(GStrv) envp = NULL;
	guint run = 0;

	if (t == NULL)
		return;
	readme_path = g_build_filename(g_getenv("OCID_SOURCE_DIR"), "README.md", NULL);
	g_assert_true(g_file_get_contents(readme_path, &readme, NULL, NULL));
	g_assert_null(strstr(readme, "](http"));
	g_assert_null(strstr(readme, "](../"));
	g_assert_null(strstr(readme, "`../"));
	bundle = ocid_test_make_bundle(t, "readme/bundle", LOOP);
	demo = g_path_get_dirname(bundle);
	bin = g_path_get_dirname(g_getenv("OCID_CTL"));
	path = g_strconcat(bin, ":", g_getenv("PATH"), NULL);
	envp = ocictl_environ(t, NULL);
	envp = g_environ_setenv(envp, "OCID_DEMO", demo, TRUE);
	envp = g_environ_setenv(envp, "PATH", path, TRUE);
	/* Issue 24: the quick start runs the image demo.sh makes, from a store of its own. */
	{
		g_autofree char *script =
		    g_build_filename(g_getenv("OCID_SOURCE_DIR"), "tests", "make-image.sh", NULL);
		g_autofree char *store = g_build_filename(demo, "images", NULL);
		const char *make[] = { script, demo, NULL };
		int status;
		g_assert_true(g_spawn_sync(NULL, (char **)make, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
					   NULL, NULL, NULL, NULL, &status, NULL));
		g_assert_true(g_spawn_check_wait_status(status, NULL));
		envp = g_environ_setenv(envp, "OCID_IMAGE_STORE", store, TRUE);
	}
	lines = g_strsplit(readme, "\n", -1);
	for (char **l = lines; *l != NULL; l++) {
		const char *command;
		const char *argv[] = { "/bin/sh", "-c", NULL, NULL };
		g_autofree char *out = NULL, *err = NULL;
		int status;

		if (!g_str_has_prefix(*l, "(demo) # ocictl "))
			continue;
		command = *l + strlen("(demo) # ");
		if (strstr(command, " -it ") != NULL)
			continue;
		argv[2] = command;
		g_assert_true(g_spawn_sync(NULL, (char **)argv, envp, G_SPAWN_DEFAULT, NULL, NULL,
					   &out, &err, &status, NULL));
		if (!g_spawn_check_wait_status(status, NULL))
			g_error("the README's '%s' failed:\n%s%s", command, out, err);
		run++;
	}
	g_assert_cmpuint(run, >=, 8);
}
