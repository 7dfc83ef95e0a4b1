/* The flusher: what it is given is flushed in order and freeing it waits for all of it; a
 * file gone meanwhile is nothing to flush. */
#include "flusher.h"
#include "persist.h"

#include <glib/gstdio.h>

static void
test_flush_and_wait(void)
{
	g_autofree char *dir = g_dir_make_tmp("ocid-flusher-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "state.json", NULL);
	g_autofree char *gone = g_build_filename(dir, "gone.json", NULL);
	g_autofree char *text = NULL;
	OcidFlusher *flusher = ocid_flusher_new();

	g_assert_nonnull(dir);
	g_assert_true(ocid_write_file_replace(path, "one", 3, 0600, NULL));
	ocid_flusher_push(flusher, path);
	ocid_flusher_push(flusher, gone);
	g_assert_true(ocid_write_file_replace(path, "two", 3, 0600, NULL));
	ocid_flusher_push(flusher, path);
	ocid_flusher_free(flusher);
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_assert_cmpstr(text, ==, "two");
	g_assert_cmpint(g_unlink(path), ==, 0);
	g_assert_cmpint(g_rmdir(dir), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/flusher/flush-and-wait", test_flush_and_wait);
	return g_test_run();
}
