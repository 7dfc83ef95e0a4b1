/* ocictl as a user meets it (issue 13), against a real daemon: typed options and usage
 * errors that change nothing, help and version without a bus, several ids, names and id
 * prefixes, list's filters and formats, inspect's JSON, exec's exit codes, messages that
 * name ocictl commands, update's sizes, and events. */
#include "ocictl-test.h"

/* ocictl logs NAME holds "trapped": LOOP's trap is set. */
static gboolean
trapped(gpointer data)
{
	struct {
		OcidTest *t;
		const char *name;
	} *of = data;
	g_auto(OcictlResult) r = ocictl_run(of->t, "logs", of->name, NULL);

	return r.status == 0 && strstr(r.out, "trapped") != NULL;
}

/* A running container made with ocictl run -d from a LOOP bundle; returns its id once its
 * trap is set. */
char *
run_detached(OcidTest *t, const char *bundle, const char *name, const char *id)
{
	g_auto(OcictlResult) r = ocictl_run(t, "run", "-d", "--name", name, bundle, id, NULL);
	struct {
		OcidTest *t;
		const char *name;
	} of = { t, name };

	ocictl_assert_status(&r, 0);
	g_assert_true(ocid_test_wait_for(trapped, &of, 10000 * ocid_test_time_scale()));
	return g_strstrip(g_strdup(r.out));
}

static const char *
state_of(OcidTest *t, const char *name)
{
	static char state[32];
	g_auto(OcictlResult) r = ocictl_run(t, "inspect", "--format", "{{.State}}", name, NULL);

	ocictl_assert_status(&r, 0);
	g_strlcpy(state, g_strstrip(r.out), sizeof state);
	return state;
}

/* status shows a pid only while the container runs, an exit code only once it stopped
 * (issue 13: a stale Pid after stop, ExitCode 0 while running). */
static void
test_status(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	g_autofree char *bundle = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "status", LOOP);
	g_free(run_detached(t, bundle, "status", ""));
	{
		g_auto(OcictlResult) r = ocictl_run(t, "status", "status", NULL);
		ocictl_assert_status(&r, 0);
		ocictl_assert_contains(r.out, "State: running");
		ocictl_assert_contains(r.out, "Pid: ");
		g_assert_null(strstr(r.out, "ExitCode"));
	}
	ocictl_run_ok(t, "stop", "status", NULL);
	{
		g_auto(OcictlResult) r = ocictl_run(t, "status", "status", NULL);
		ocictl_assert_status(&r, 0);
		ocictl_assert_contains(r.out, "State: stopped");
		ocictl_assert_contains(r.out, "ExitCode: 0");
		g_assert_null(strstr(r.out, "Pid:"));
	}
	ocictl_remove_all(t);
}

/* --help and --version need no bus; every command has its own --help. */
static void
test_help_without_bus(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	const char *const nowhere[] = { "DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/bus",
					NULL };
	static const char *const commands[] = { "list",   "ps",      "inspect", "status", "create",
						"run",    "start",   "stop",    "kill",   "rm",
						"pause",  "unpause", "wait",    "exec",   "logs",
						"attach", "events",  "update",  "stats",  "version",
						NULL };

	if (t == NULL)
		return;
	{
		const char *argv[] = { "--help", NULL };
		g_auto(OcictlResult) r = ocictl_runv(t, argv, nowhere, NULL);
		ocictl_assert_status(&r, 0);
		for (int i = 0; commands[i] != NULL; i++)
			ocictl_assert_contains(r.out, commands[i]);
	}
	{
		const char *argv[] = { "--version", NULL };
		g_auto(OcictlResult) r = ocictl_runv(t, argv, nowhere, NULL);
		ocictl_assert_status(&r, 0);
		ocictl_assert_contains(r.out, "ocictl ");
	}
	for (int i = 0; commands[i] != NULL; i++) {
		const char *argv[] = { commands[i], "--help", NULL };
		g_auto(OcictlResult) r = ocictl_runv(t, argv, nowhere, NULL);
		ocictl_assert_status(&r, 0);
		ocictl_assert_contains(r.out, "Usage:");
	}
	/* Without a bus, a command says which bus it tried and how to name another. */
	{
		const char *argv[] = { "ps", NULL };
		g_auto(OcictlResult) r = ocictl_runv(t, argv, nowhere, NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "DBUS_SYSTEM_BUS_ADDRESS");
	}
}

/* A bad option is a usage error (125) that names it and changes nothing. */
static void
test_usage_errors(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	g_autofree char *bundle = NULL, *id = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "usage", LOOP);
	id = run_detached(t, bundle, "usage", "");
	{
		/* Issue 13: this used to SIGKILL the container at once and return 0. */
		g_auto(OcictlResult) r = ocictl_run(t, "stop", "--timeout=ten", "usage", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "ten");
		ocictl_assert_contains(r.err, "ocictl stop --help");
		g_assert_cmpstr(state_of(t, "usage"), ==, "running");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "stop", "--time=-1", "usage", NULL);
		ocictl_assert_status(&r, 125);
		g_assert_cmpstr(state_of(t, "usage"), ==, "running");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "strat", "usage", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "unknown command 'strat'");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "create", "--nmae=foo", bundle, NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "--nmae=foo");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "--bogus", "ps", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "--bogus");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "start", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "needs a container");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "status", "usage", "extra", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "'extra'");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "list", "--format=yaml", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "yaml");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "list", "--filter", "colour=red", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "colour");
	}
	/* Options after the container count too; -t is podman's --time. */
	{
		g_auto(OcictlResult) r = ocictl_run(t, "stop", "usage", "--time=3", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(state_of(t, "usage"), ==, "stopped");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "rm", "usage", NULL);
		ocictl_assert_status(&r, 0);
	}
	{
		g_autofree char *again = run_detached(t, bundle, "usage", "");
		g_auto(OcictlResult) r = ocictl_run(t, "stop", "-t", "5", "usage", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(state_of(t, "usage"), ==, "stopped");
	}
	/* The container's trap ran: SIGTERM first, not SIGKILL. */
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "inspect", "-f", "{{.ExitCode}}", "usage", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(g_strstrip(r.out), ==, "0");
	}
	ocictl_remove_all(t);
}

/* stop, kill, rm, pause, unpause and inspect take several containers, and do them all. */
static void
test_several_ids(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	g_autofree char *bundle = NULL, *a = NULL, *b = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "several", LOOP);
	a = run_detached(t, bundle, "one", "");
	b = run_detached(t, bundle, "two", "");
	{
		g_auto(OcictlResult) r = ocictl_run(t, "pause", "one", "two", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(state_of(t, "one"), ==, "paused");
		g_assert_cmpstr(state_of(t, "two"), ==, "paused");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "unpause", "one", "two", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(state_of(t, "one"), ==, "running");
		g_assert_cmpstr(state_of(t, "two"), ==, "running");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "inspect", "one", "two", NULL);
		g_autoptr(JsonParser) parser = json_parser_new();
		ocictl_assert_status(&r, 0);
		g_assert_true(json_parser_load_from_data(parser, r.out, -1, NULL));
		g_assert_cmpuint(
		    json_array_get_length(json_node_get_array(json_parser_get_root(parser))), ==,
		    2);
	}
	{
		/* kill's default is SIGKILL, as podman's: 137 for both. */
		g_auto(OcictlResult) r = ocictl_run(t, "kill", "one", "two", NULL);
		ocictl_assert_status(&r, 0);
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "wait", "one", "two", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "137\n137\n");
	}
	{
		/* Issue 13: "rm a b" removed a and ignored b. */
		g_auto(OcictlResult) r = ocictl_run(t, "rm", "one", "two", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "one\ntwo\n");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "ps", "-a", "-q", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "");
	}
	/* One that fails does not stop the others; the exit code says one failed. */
	a = (g_free(a), run_detached(t, bundle, "three", ""));
	{
		g_auto(OcictlResult) r = ocictl_run(t, "stop", "-t", "0", "nosuch", "three", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "'nosuch'");
		g_assert_cmpstr(state_of(t, "three"), ==, "stopped");
	}
	ocictl_remove_all(t);
}

/* A container by name, full id or a unique id prefix; tables show 12 characters. */
static void
test_names_and_prefixes(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	g_autofree char *bundle = NULL, *generated = NULL, *short_id = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "prefixes", LOOP);
	g_free(run_detached(t, bundle, "first", "abc1"));
	g_free(run_detached(t, bundle, "second", "abc2"));
	generated = run_detached(t, bundle, "third", "");
	g_assert_cmpuint(strlen(generated), ==, 64);
	short_id = g_strndup(generated, 12);
	{
		g_auto(OcictlResult) r = ocictl_run(t, "inspect", "abc", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "abc1");
		ocictl_assert_contains(r.err, "abc2");
	}
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "inspect", "--format", "{{.Name}}", "abc2", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "second\n");
	}
	{
		g_autofree char *prefix = g_strndup(generated, 5);
		g_auto(OcictlResult) r =
		    ocictl_run(t, "inspect", "--format", "{{.Name}}", prefix, NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "third\n");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "ps", NULL);
		ocictl_assert_status(&r, 0);
		ocictl_assert_contains(r.out, short_id);
		g_assert_null(strstr(r.out, generated));
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "ps", "--no-trunc", NULL);
		ocictl_assert_status(&r, 0);
		ocictl_assert_contains(r.out, generated);
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "ps", "-q", "--filter", "name=third", NULL);
		ocictl_assert_status(&r, 0);
		g_autofree char *want = g_strdup_printf("%s\n", short_id);
		g_assert_cmpstr(r.out, ==, want);
	}
	ocictl_remove_all(t);
}

gboolean
json_has_name(JsonArray *array, const char *name)
{
	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonObject *o = json_array_get_object_element(array, i);
		JsonArray *names = json_object_get_array_member(o, "Names");
		if (g_str_equal(json_array_get_string_element(names, 0), name))
			return TRUE;
	}
	return FALSE;
}

static void
add_tests(void)
{
	g_test_add_func("/ocictl/help-without-bus", test_help_without_bus);
	g_test_add_func("/ocictl/usage-errors", test_usage_errors);
	g_test_add_func("/ocictl/status", test_status);
	g_test_add_func("/ocictl/several-ids", test_several_ids);
	g_test_add_func("/ocictl/names-and-prefixes", test_names_and_prefixes);
	g_test_add_func("/ocictl/list", test_list);
	g_test_add_func("/ocictl/list-owner", test_list_owner);
	g_test_add_func("/ocictl/inspect-properties", test_inspect_properties);
	g_test_add_func("/ocictl/exec-exit-codes", test_exec_exit_codes);
	g_test_add_func("/ocictl/messages-name-commands", test_messages_name_commands);
	g_test_add_func("/ocictl/update", test_update);
	g_test_add_func("/ocictl/events", test_events);
	g_test_add_func("/ocictl/events-health-ready", test_events_health_ready);
	g_test_add_func("/ocictl/healthcheck", test_healthcheck);
	g_test_add_func("/ocictl/completion", test_completion);
	g_test_add_func("/ocictl/readme-quick-start", test_readme_quick_start);
}

int
main(int argc, char **argv)
{
	return ocid_test_main(argc, argv, add_tests);
}
