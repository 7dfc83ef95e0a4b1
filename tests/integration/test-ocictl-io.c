/* ocictl's verbs that carry a container's streams (issue 13), against a real daemon and
 * its fd-passing methods: logs (tail, timestamps, since, -f ending at stop), run in the
 * foreground with its exit code and --rm, wait, stats, exec -i, and the interactive paths
 * through a pty made by script(1): exec -it, attach with the detach keys, run -it. */
#include "ocictl-run.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define LOOP "echo hello; echo oops >&2; trap 'exit 0' TERM; while true; do sleep 0.05; done"

/* A child whose output is collected as it comes, and whose stdin we write. */
typedef struct {
	GSubprocess *child;
	GString *out;
	GInputStream *stdout_pipe;
	gboolean eof;
	char buffer[4096];
} Live;

static void
on_read(GObject *source, GAsyncResult *result, gpointer data)
{
	Live *live = data;
	gssize n = g_input_stream_read_finish(live->stdout_pipe, result, NULL);

	if (n <= 0) {
		live->eof = TRUE;
		return;
	}
	g_string_append_len(live->out, live->buffer, n);
	g_input_stream_read_async(live->stdout_pipe, live->buffer, sizeof live->buffer,
				  G_PRIORITY_DEFAULT, NULL, on_read, live);
}

/* Starts `ocictl ARGS` (in a pty made by script(1) when @pty) on the test's bus. */
static Live *
live_start(OcidTest *t, gboolean pty, const char *const *args)
{
	Live *live = g_new0(Live, 1);
	g_auto(GStrv) envp = ocictl_environ(t, NULL);
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
	    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
	    G_SUBPROCESS_FLAGS_STDERR_MERGE);
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;

	if (pty) {
		g_autoptr(GString) command = g_string_new(NULL);
		g_autofree char *quoted = g_shell_quote(g_getenv("OCID_CTL"));
		g_string_append(command, quoted);
		for (const char *const *a = args; *a != NULL; a++) {
			g_autofree char *q = g_shell_quote(*a);
			g_string_append_printf(command, " %s", q);
		}
		g_ptr_array_add(argv, g_strdup("script"));
		g_ptr_array_add(argv, g_strdup("-qefc"));
		g_ptr_array_add(argv, g_strdup(command->str));
		g_ptr_array_add(argv, g_strdup("/dev/null"));
	} else {
		g_ptr_array_add(argv, g_strdup(g_getenv("OCID_CTL")));
		for (const char *const *a = args; *a != NULL; a++)
			g_ptr_array_add(argv, g_strdup(*a));
	}
	g_ptr_array_add(argv, NULL);
	g_subprocess_launcher_set_environ(launcher, envp);
	live->child =
	    g_subprocess_launcher_spawnv(launcher, (const char *const *)argv->pdata, &error);
	g_assert_no_error(error);
	live->out = g_string_new(NULL);
	live->stdout_pipe = g_subprocess_get_stdout_pipe(live->child);
	g_input_stream_read_async(live->stdout_pipe, live->buffer, sizeof live->buffer,
				  G_PRIORITY_DEFAULT, NULL, on_read, live);
	return live;
}

static void
live_write(Live *live, const char *text)
{
	GOutputStream *in = g_subprocess_get_stdin_pipe(live->child);
	g_autoptr(GError) error = NULL;

	g_assert_true(g_output_stream_write_all(in, text, strlen(text), NULL, NULL, &error));
	g_assert_no_error(error);
	g_output_stream_flush(in, NULL, NULL);
}

typedef struct {
	Live *live;
	const char *needle;
} LiveWait;

static gboolean
live_has(gpointer data)
{
	LiveWait *w = data;

	return strstr(w->live->out->str, w->needle) != NULL;
}

/* Waits until the output holds @needle. */
static void
live_wait_output(Live *live, const char *needle)
{
	LiveWait w = { live, needle };

	if (!ocid_test_wait_for(live_has, &w, 20000))
		g_error("no '%s' in: %s", needle, live->out->str);
}

static gboolean
live_exited(gpointer data)
{
	Live *live = data;

	return live->eof && g_subprocess_get_identifier(live->child) == NULL;
}

static void
on_waited(GObject *source, GAsyncResult *result, gpointer data)
{
	gboolean *done = data;

	g_subprocess_wait_finish(G_SUBPROCESS(source), result, NULL);
	*done = TRUE;
}

static gboolean
flag_set(gpointer data)
{
	return *(gboolean *)data;
}

/* Waits for the child's end and returns its exit code; frees @live. */
static int
live_finish(Live *live)
{
	gboolean done = FALSE;
	int status;

	g_output_stream_close(g_subprocess_get_stdin_pipe(live->child), NULL, NULL);
	g_subprocess_wait_async(live->child, NULL, on_waited, &done);
	if (!ocid_test_wait_for(flag_set, &done, 30000))
		g_error("ocictl did not end; it printed: %s", live->out->str);
	(void)live_exited;
	status = g_subprocess_get_if_exited(live->child)
		     ? g_subprocess_get_exit_status(live->child)
		     : 128 + g_subprocess_get_term_sig(live->child);
	while (!live->eof)
		g_main_context_iteration(NULL, TRUE);
	g_object_unref(live->child);
	g_string_free(live->out, TRUE);
	g_free(live);
	return status;
}

/* logs prints the lines as the container wrote them, each to its stream. */
static void
test_logs(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	g_autofree char *bundle = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "logged", "echo one; echo two >&2; echo three");
	{
		/* run in the foreground: the output, then the container's exit code. */
		g_auto(OcictlResult) r = ocictl_run(t, "run", "--name", "logged", bundle, NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "one\nthree\n");
		g_assert_cmpstr(r.err, ==, "two\n");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "logs", "logged", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "one\nthree\n");
		g_assert_cmpstr(r.err, ==, "two\n");
	}
	{
		/* The two streams are two pipes: which line the log has last may vary. */
		g_auto(OcictlResult) r = ocictl_run(t, "logs", "--tail", "1", "logged", NULL);
		g_autofree char *both = NULL;
		ocictl_assert_status(&r, 0);
		both = g_strconcat(r.out, r.err, NULL);
		if (!g_str_equal(both, "three\n") && !g_str_equal(both, "two\n"))
			g_error("--tail 1 printed: %s", both);
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "logs", "--timestamps", "logged", NULL);
		g_autoptr(GRegex) cri =
		    g_regex_new("^\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z stdout F one\n", 0, 0, NULL);
		ocictl_assert_status(&r, 0);
		if (!g_regex_match(cri, r.out, 0, NULL))
			g_error("not CRI lines: %s", r.out);
		ocictl_assert_contains(r.err, "stderr F two");
	}
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "logs", "--since", "2099-01-01T00:00:00Z", "logged", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "logs", "--since", "1h", "logged", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "one\nthree\n");
	}
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "logs", "--since", "yesterday", "logged", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "yesterday");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "logs", "--tail", "x", "logged", NULL);
		ocictl_assert_status(&r, 125);
	}
	ocictl_remove_all(t);
}

/* logs -f prints new lines as they come and ends once the container has stopped. */
static void
test_logs_follow(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	g_autofree char *bundle = NULL;
	const char *args[] = { "logs", "-f", "followed", NULL };
	Live *live;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "followed",
				       "echo first; trap 'echo last; exit "
				       "0' TERM; while true; do sleep 0.05; done");
	ocictl_run_ok(t, "run", "-d", "--name", "followed", bundle, NULL);
	live = live_start(t, FALSE, args);
	live_wait_output(live, "first\n");
	ocictl_run_ok(t, "stop", "followed", NULL);
	g_assert_cmpint(live_finish(live), ==, 0);
	{
		g_auto(OcictlResult) r = ocictl_run(t, "logs", "followed", NULL);
		g_assert_cmpstr(r.out, ==, "first\nlast\n");
	}
	ocictl_remove_all(t);
}

/* run's exit code is the container's; --rm removes it; wait prints the code. */
static void
test_run_and_wait(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	g_autofree char *bundle = NULL, *looping = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "exits", "echo bye; exit 7");
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "run", "--rm", "--name", "exits", bundle, NULL);
		ocictl_assert_status(&r, 7);
		g_assert_cmpstr(r.out, ==, "bye\n");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "ps", "-a", "-q", NULL);
		g_assert_cmpstr(r.out, ==, "");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "run", "-d", "--rm", bundle, NULL);
		ocictl_assert_status(&r, 125);
	}
	looping = ocid_test_make_bundle(t, "waited", LOOP);
	ocictl_run_ok(t, "run", "-d", "--name", "waited", looping, NULL);
	ocictl_run_ok(t, "run", "-d", "--name", "exited", bundle, NULL);
	{
		const char *args[] = { "wait", "exited", "waited", NULL };
		Live *live = live_start(t, FALSE, args);
		/* The first answer comes while the second still runs. */
		live_wait_output(live, "7\n");
		ocictl_run_ok(t, "kill", "-s", "TERM", "waited", NULL);
		g_assert_cmpint(live_finish(live), ==, 0);
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "wait", "waited", "exited", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "0\n7\n");
	}
	ocictl_remove_all(t);
}

/* stats shows the cgroup's figures, as a table or JSON. */
static void
test_stats(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	g_autofree char *bundle = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *o;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "measured", LOOP);
	ocictl_run_ok(t, "run", "-d", "--name", "measured", bundle, NULL);
	{
		g_auto(OcictlResult) r = ocictl_run(t, "stats", "--no-stream", "measured", NULL);
		ocictl_assert_status(&r, 0);
		ocictl_assert_contains(r.out, "MEM USAGE");
		ocictl_assert_contains(r.out, "PIDS");
	}
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "stats", "--no-stream", "--format", "json", "measured", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_true(json_parser_load_from_data(parser, r.out, -1, NULL));
	}
	o = json_array_get_object_element(json_node_get_array(json_parser_get_root(parser)), 0);
	g_assert_cmpint(json_object_get_int_member(o, "memory_current"), >, 0);
	g_assert_cmpint(json_object_get_int_member(o, "pids_current"), >=, 1);
	g_assert_true(json_object_has_member(o, "cpu_usage_usec"));
	ocictl_run_ok(t, "stop", "measured", NULL);
	{
		g_auto(OcictlResult) r = ocictl_run(t, "stats", "--no-stream", "measured", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "is stopped");
	}
	ocictl_remove_all(t);
}

/* exec -i passes stdin on; exec -it runs the command on a terminal, in a pty. */
static void
test_exec_interactive(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	g_autofree char *bundle = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "interactive", LOOP);
	ocictl_run_ok(t, "run", "-d", "--name", "interactive", bundle, NULL);
	{
		const char *argv[] = {
			"exec", "-i", "interactive", "sh", "-c", "cat; exit 4", NULL
		};
		g_auto(OcictlResult) r = ocictl_runv(t, argv, NULL, "piped in\n");
		ocictl_assert_status(&r, 4);
		g_assert_cmpstr(r.out, ==, "piped in\n");
	}
	{
		const char *args[] = { "exec", "-it", "interactive", "sh", NULL };
		Live *live = live_start(t, TRUE, args);
		live_write(live, "tty && echo on-a-$((6*7))\n");
		live_wait_output(live, "on-a-42");
		ocictl_assert_contains(live->out->str, "/dev/pts/");
		live_write(live, "exit 5\n");
		g_assert_cmpint(live_finish(live), ==, 5);
	}
	{
		/* Without a terminal too, the runtime's reason gives podman's codes. */
		const char *argv[] = { "exec", "-i", "interactive", "/nonexistent", NULL };
		g_auto(OcictlResult) r = ocictl_runv(t, argv, NULL, "");
		ocictl_assert_status(&r, 127);
	}
	{
		const char *argv[] = { "exec", "-i", "interactive", "/etc", NULL };
		g_auto(OcictlResult) r = ocictl_runv(t, argv, NULL, "");
		ocictl_assert_status(&r, 126);
	}
	{
		const char *args[] = { "exec", "-t", "interactive", "/nonexistent", NULL };
		Live *live = live_start(t, TRUE, args);
		g_assert_cmpint(live_finish(live), ==, 127);
	}
	ocictl_remove_all(t);
}

/* attach: a terminal container's shell; ctrl-p,ctrl-q detaches and leaves it running;
 * attached again, its exit ends attach with its code. run -it does the same at once. */
static void
test_attach(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	g_autofree char *bundle = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "attached", "exec /bin/sh");
	ocictl_run_ok(t, "run", "-d", "-i", "-t", "--name", "attached", bundle, NULL);
	{
		const char *args[] = { "attach", "attached", NULL };
		Live *live = live_start(t, TRUE, args);
		live_write(live, "echo first-$((1+1))\n");
		live_wait_output(live, "first-2");
		live_write(live, "\x10\x11");
		g_assert_cmpint(live_finish(live), ==, 0);
	}
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "inspect", "--format", "{{.State}}", "attached", NULL);
		g_assert_cmpstr(r.out, ==, "running\n");
	}
	{
		const char *args[] = { "attach", "--detach-keys", "ctrl-x", "attached", NULL };
		Live *live = live_start(t, TRUE, args);
		live_write(live, "echo second-$((2+2))\n");
		live_wait_output(live, "second-4");
		live_write(live, "exit 6\n");
		g_assert_cmpint(live_finish(live), ==, 6);
	}
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "attach", "--detach-keys", "ctrl-pp", "attached", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "ctrl-pp");
	}
	{
		const char *args[] = { "run", "-it", "--rm", bundle, NULL };
		Live *live = live_start(t, TRUE, args);
		live_write(live, "echo third-$((3+3))\n");
		live_wait_output(live, "third-6");
		live_write(live, "exit 3\n");
		g_assert_cmpint(live_finish(live), ==, 3);
	}
	ocictl_remove_all(t);
}

static void
add_tests(void)
{
	g_test_add_func("/ocictl-io/logs", test_logs);
	g_test_add_func("/ocictl-io/logs-follow", test_logs_follow);
	g_test_add_func("/ocictl-io/run-and-wait", test_run_and_wait);
	g_test_add_func("/ocictl-io/stats", test_stats);
	g_test_add_func("/ocictl-io/exec-interactive", test_exec_interactive);
	g_test_add_func("/ocictl-io/attach", test_attach);
}

int
main(int argc, char **argv)
{
	return ocid_test_main(argc, argv, add_tests);
}
