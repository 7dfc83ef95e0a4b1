/* The bounds of daemon/input-limits.h, checked without a daemon: each is refused one past
 * its edge with InvalidArgument, and accepted at it. */
#include "errors.h"
#include "input-limits.h"

#include <string.h>

static void
test_timeout(void)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(ocid_check_timeout(0, "Stop's timeout_sec", NULL));
	g_assert_true(ocid_check_timeout(OCID_TIMEOUT_MAX_SEC, "Stop's timeout_sec", NULL));
	/* Issue 10: 18446744073709552 s * 1000 wrapped to 384 ms. */
	g_assert_false(ocid_check_timeout(G_GUINT64_CONSTANT(18446744073709552),
					  "Stop's timeout_sec", &error));
	g_assert_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(
	    strstr(error->message, "Stop's timeout_sec 18446744073709552 is too long"));
	g_assert_false(ocid_check_timeout(G_MAXUINT64, "x", NULL));
	g_assert_false(ocid_check_timeout(OCID_TIMEOUT_MAX_SEC + 1, "x", NULL));
}

static void
test_exec_argv(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *huge = g_strnfill(1024 * 1024, 'a');
	g_autofree char *longest = g_strnfill(OCID_EXEC_ARG_MAX_LEN, 'b');
	const char *one_huge[] = { "/bin/echo", huge, NULL };
	const char *one_longest[] = { "/bin/echo", longest, NULL };
	const char *empty_command[] = { "", NULL };
	const char *empty_arg[] = { "/bin/echo", "", NULL };

	g_assert_false(ocid_check_exec_argv(NULL, NULL));
	g_assert_false(ocid_check_exec_argv(empty_command, NULL));
	g_assert_true(ocid_check_exec_argv(empty_arg, NULL));
	g_assert_true(ocid_check_exec_argv(one_longest, NULL));
	/* Issue 10: a 1 MiB argument came back as E2BIG in Error.Failed. */
	g_assert_false(ocid_check_exec_argv(one_huge, &error));
	g_assert_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "more than the 131071 an exec takes"));
	g_clear_error(&error);

	for (int i = 0; i < OCID_EXEC_ARGC_MAX; i++)
		g_ptr_array_add(argv, g_strdup("x"));
	g_ptr_array_add(argv, NULL);
	g_assert_true(ocid_check_exec_argv((const char *const *)argv->pdata, NULL));
	g_ptr_array_remove_index(argv, argv->len - 1);
	g_ptr_array_add(argv, g_strdup("one too many"));
	g_ptr_array_add(argv, NULL);
	g_assert_false(ocid_check_exec_argv((const char *const *)argv->pdata, &error));
	g_assert_nonnull(strstr(error->message, "more than 1024 arguments"));
	g_clear_error(&error);

	/* Many arguments, each fine, too large together. */
	g_ptr_array_set_size(argv, 0);
	for (int i = 0; i < 3; i++)
		g_ptr_array_add(argv, g_strdup(longest));
	g_ptr_array_add(argv, NULL);
	g_assert_false(ocid_check_exec_argv((const char *const *)argv->pdata, &error));
	g_assert_nonnull(strstr(error->message, "bytes in all"));
}

static void
test_paths(void)
{
	g_autofree char *long_path = g_strnfill(OCID_PATH_MAX_LEN + 1, '/');
	const char *clean[] = { "/", "/srv/bundle", "/a/..b/c", "/a/b..", "/a/.../b", NULL };
	const char *unclean[] = { "",        "relative", "/..",     "/a/..",
				  "/a/../b", "a/../b",   "/a/b/..", NULL };
	g_autoptr(GError) error = NULL;

	for (int i = 0; clean[i] != NULL; i++)
		g_assert_true(ocid_path_is_clean(clean[i]));
	for (int i = 0; unclean[i] != NULL; i++) {
		g_test_message("%s", unclean[i]);
		g_assert_false(ocid_path_is_clean(unclean[i]));
	}
	g_assert_false(ocid_path_is_clean(NULL));
	g_assert_false(ocid_check_caller_path(long_path, "Bundle path", &error));
	g_assert_nonnull(strstr(error->message, "longer than 4095 bytes"));
}

static void
test_utf8_cut(void)
{
	/* "é" is two bytes: a cut in its middle backs off to before it. */
	g_assert_cmpuint(ocid_utf8_cut_length("abc", 10), ==, 3);
	g_assert_cmpuint(ocid_utf8_cut_length("ab\xc3\xa9", 3), ==, 2);
	g_assert_cmpuint(ocid_utf8_cut_length("ab\xc3\xa9z", 4), ==, 4);
	g_assert_cmpuint(ocid_utf8_cut_length("\xe2\x82\xac\xe2\x82\xac", 4), ==, 3);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/input-limits/timeout", test_timeout);
	g_test_add_func("/input-limits/exec-argv", test_exec_argv);
	g_test_add_func("/input-limits/paths", test_paths);
	g_test_add_func("/input-limits/utf8-cut", test_utf8_cut);
	return g_test_run();
}
