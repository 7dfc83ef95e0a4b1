/* The flusher: what it is given is flushed or removed in order and freeing it waits for all
 * of it; a file gone meanwhile is nothing to flush. */
#include "flusher.h"
#include "persist.h"

#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* A dir set aside goes whole: files, a fifo, a dir below and a symlink, which is removed
 * and not followed; a flush queued before it finds its file gone. */
static void
test_remove(void)
{
	g_autofree char *top = g_dir_make_tmp("ocid-flusher-XXXXXX", NULL);
	g_autofree char *aside = g_build_filename(top, "c1.7", NULL);
	g_autofree char *below = g_build_filename(aside, "notify", NULL);
	g_autofree char *state = g_build_filename(aside, "state.json", NULL);
	g_autofree char *kept = g_build_filename(top, "kept", NULL);
	g_autofree char *kept_file = g_build_filename(kept, "file", NULL);
	g_autofree char *link = g_build_filename(aside, "link", NULL);
	g_autofree char *fifo = g_build_filename(below, "fifo", NULL);
	OcidFlusher *flusher = ocid_flusher_new();

	g_assert_cmpint(g_mkdir(aside, 0700), ==, 0);
	g_assert_cmpint(g_mkdir(below, 0700), ==, 0);
	g_assert_cmpint(g_mkdir(kept, 0700), ==, 0);
	g_assert_true(ocid_write_file_replace(state, "{}", 2, 0600, NULL));
	g_assert_true(ocid_write_file_replace(kept_file, "x", 1, 0600, NULL));
	g_assert_cmpint(symlink(kept, link), ==, 0);
	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	ocid_flusher_push(flusher, state);
	ocid_flusher_push_removal(flusher, aside);
	ocid_flusher_push(flusher, state);
	ocid_flusher_free(flusher);
	g_assert_false(g_file_test(aside, G_FILE_TEST_EXISTS));
	g_assert_true(g_file_test(kept_file, G_FILE_TEST_IS_REGULAR));
	g_assert_cmpint(g_unlink(kept_file), ==, 0);
	g_assert_cmpint(g_rmdir(kept), ==, 0);
	g_assert_cmpint(g_rmdir(top), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/flusher/flush-and-wait", test_flush_and_wait);
	g_test_add_func("/flusher/remove", test_remove);
	return g_test_run();
}
