/* The API's Exec and the process object it makes, and ResizeTerminal on a terminal container. */
#include "api-test.h"

static char *
exec_sh(OcidTest *t, const char *path, gboolean tty, int *fd)
{
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GError) error = NULL;
	GVariantBuilder b;
	char *process = NULL;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", "tty", g_variant_new_boolean(tty));
	g_variant_builder_add(
	    &b, "{sv}", "env",
	    g_variant_new_strv((const char *const[]){ "GREETING=hello", NULL }, -1));
	g_variant_builder_add(&b, "{sv}", "cwd", g_variant_new_string("/tmp"));
	*fd = call_fd(t, path, CONTAINER, "Exec",
		      g_variant_new("(^asa{sv})", (const char *const[]){ "/bin/sh", NULL }, &b),
		      "(ho)", &reply, &error);
	g_assert_no_error(error);
	g_variant_get_child(reply, 1, "o", &process);
	return process;
}

gint32
process_wait(OcidTest *t, const char *process)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply =
	    ocid_test_call(t, process, PROCESS, "Wait", NULL, "(i)", &error);
	gint32 code = -1;

	g_assert_no_error(error);
	g_variant_get(reply, "(i)", &code);
	return code;
}

void
test_exec(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *path = NULL;
	g_autofree char *process = NULL;
	g_autofree char *got = NULL;
	g_autoptr(GError) error = NULL;
	int fd;

	if (t == NULL)
		return;
	path = run(t, "shell", "exec sleep 1000", NULL);

	/* Without a terminal: the socket is sh's stdin and output. */
	process = exec_sh(t, path, FALSE, &fd);
	ocid_test_assert_interface_matches(t, process, PROCESS);
	write_all(fd, "echo \"$GREETING-$((6*7))-$(pwd)\"\n");
	got = read_until(fd, "hello-42-/tmp\n", 10000);
	write_all(fd, "exit 5\n");
	g_assert_cmpint(process_wait(t, process), ==, 5);
	{
		g_autofree char *now = ocid_test_get_string(t, process, "State");

		g_assert_cmpint(ocid_test_get_int(t, process, "ExitCode"), ==, 5);
		g_assert_cmpstr(now, ==, "exited");
		/* The exit was announced. */
		g_assert_true(ocid_test_saw_signal(t, "PropertiesChanged", process, PROCESS));
	}
	/* The output ends with the process. */
	g_free(got);
	got = read_until(fd, NULL, 10000);
	close(fd);
	g_clear_pointer(&process, g_free);
	g_clear_pointer(&got, g_free);

	/* With one: a terminal that ResizeTerminal sizes; Kill ends it. */
	process = exec_sh(t, path, TRUE, &fd);
	g_assert_null(ocid_test_call(t, process, PROCESS, "ResizeTerminal",
				     g_variant_new("(uu)", 0, 80), NULL, &error));
	ocid_test_assert_error(error, "InvalidArgument");
	g_clear_error(&error);
	g_assert_nonnull(ocid_test_call(t, process, PROCESS, "ResizeTerminal",
					g_variant_new("(uu)", 33, 101), NULL, &error));
	g_assert_no_error(error);
	write_all(fd, "stty size; echo tty-$((2+3))\n");
	got = read_until(fd, "tty-5", 10000);
	g_assert_nonnull(strstr(got, "33 101"));
	g_assert_nonnull(ocid_test_call(t, process, PROCESS, "Kill", g_variant_new("(s)", "KILL"),
					NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpint(process_wait(t, process), ==, 128 + 9);
	close(fd);

	/* A command that does not exist fails the call, with no object left. */
	{
		g_autoptr(GVariant) reply = NULL;
		GVariantBuilder b;

		g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
		g_assert_cmpint(
		    call_fd(t, path, CONTAINER, "Exec",
			    g_variant_new("(^asa{sv})",
					  (const char *const[]){ "/nonexistent", NULL }, &b),
			    "(ho)", &reply, &error),
		    ==, -1);
		ocid_test_assert_error(error, "RuntimeFailed");
		/* The runtime's own reason, for the caller (ocictl's 126 and 127). */
		g_test_message("Exec of /nonexistent: %s", error->message);
		g_assert_nonnull(strstr(error->message, "/nonexistent"));
		g_clear_error(&error);
	}
	ocid_test_delete(t, path, TRUE);
}

/* ---- ResizeTerminal on a terminal container ----------------------------------------- */

void
test_resize_container(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *path = NULL;
	g_autofree char *got = NULL;
	g_autoptr(GError) error = NULL;
	GVariantBuilder b;
	int fd;

	if (t == NULL)
		return;
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", "terminal", g_variant_new_boolean(TRUE));
	g_variant_builder_add(&b, "{sv}", "stdin", g_variant_new_boolean(TRUE));
	path = run(t, "termed", "exec sh", g_variant_builder_end(&b));
	g_assert_nonnull(ocid_test_call(t, path, CONTAINER, "ResizeTerminal",
					g_variant_new("(uu)", 21, 61), NULL, &error));
	g_assert_no_error(error);
	fd = call_fd(t, path, CONTAINER, "Attach", g_variant_new_parsed("(@a{sv} {},)"), "(h)",
		     NULL, &error);
	g_assert_no_error(error);
	write_all(fd, "stty size; echo sized-$((1+1))\n");
	got = read_until(fd, "sized-2", 10000);
	g_assert_nonnull(strstr(got, "21 61"));
	close(fd);
	ocid_test_delete(t, path, TRUE);
}
