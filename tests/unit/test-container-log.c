/* The daemon's opening of a container log (daemon/container-log.h): as the log's non-root
 * owner, a file of root's is refused even though the daemon is root; the tail search skips
 * holes. The owner cases need root, and skip without it. */
#include "container-log.h"
#include "errors.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
	OcidLogOpen *request;
	GError *error;
	int fd;
} OpenInThread;

/* As the daemon does: in a thread of its own, never the test's main thread. */
static gpointer
open_in_thread(gpointer data)
{
	OpenInThread *open_call = data;

	open_call->fd = ocid_container_log_open(open_call->request, NULL, &open_call->error);
	return NULL;
}

static int
open_log(OcidContainer *c, gboolean has_tail, guint64 tail, GError **error)
{
	g_autoptr(OcidLogOpen) request = ocid_log_open_new(c, has_tail, tail, FALSE);
	OpenInThread open_call = { .request = request, .fd = -1 };

	g_thread_join(g_thread_new("open-log", open_in_thread, &open_call));
	if (open_call.error != NULL)
		g_propagate_error(error, open_call.error);
	return open_call.fd;
}

static void
test_owner_refused(void)
{
	g_autoptr(OcidContainer) c = ocid_container_new("logged", "logged");
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = NULL;
	int fd;

	if (geteuid() != 0) {
		g_test_skip("acting as the owner needs root");
		return;
	}
	dir = g_dir_make_tmp("test-container-log-XXXXXX", NULL);
	g_assert_cmpint(chmod(dir, 0755), ==, 0);
	c->log_path = g_build_filename(dir, "secret", NULL);
	g_assert_true(g_file_set_contents(c->log_path, "root's\n", -1, NULL));
	g_assert_cmpint(chmod(c->log_path, 0600), ==, 0);
	c->owner_uid = 65534;
	c->owner_gid = 65534;
	c->log_owned = 0;
	g_assert_true(ocid_container_log_is_owners(c));
	fd = open_log(c, FALSE, 0, &error);
	g_assert_cmpint(fd, ==, -1);
	g_assert_error(error, OCID_ERROR, OCID_ERROR_ACCESS_DENIED);
	g_clear_error(&error);

	/* Hers: opened. */
	g_assert_cmpint(chown(c->log_path, 65534, 65534), ==, 0);
	fd = open_log(c, FALSE, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpint(fd, >=, 0);
	close(fd);
	g_assert_cmpint(g_unlink(c->log_path), ==, 0);
	g_assert_cmpint(g_rmdir(dir), ==, 0);
}

/* One line, a 1 GiB hole, a newline and a last line. */
static void
test_tail_skips_holes(void)
{
	g_autoptr(OcidContainer) c = ocid_container_new("sparse", "sparse");
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("test-container-log-XXXXXX", NULL);
	const off_t hole_end = (off_t)1 << 30;
	int fd;

	c->log_path = g_build_filename(dir, "log", NULL);
	c->log_owned = 1;
	fd = open(c->log_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	g_assert_cmpint(write(fd, "first\n", 6), ==, 6);
	if (ftruncate(fd, hole_end) < 0) {
		g_test_skip("no room for a sparse file");
		close(fd);
		return;
	}
	g_assert_cmpint(pwrite(fd, "\nlast\n", 6, hole_end), ==, 6);
	close(fd);

	fd = open_log(c, TRUE, G_MAXUINT64, &error);
	g_assert_no_error(error);
	g_assert_cmpint(lseek(fd, 0, SEEK_CUR), ==, 0);
	close(fd);
	fd = open_log(c, TRUE, 1, &error);
	g_assert_no_error(error);
	g_assert_cmpint(lseek(fd, 0, SEEK_CUR), ==, hole_end + 1);
	close(fd);
	fd = open_log(c, TRUE, 2, &error);
	g_assert_no_error(error);
	g_assert_cmpint(lseek(fd, 0, SEEK_CUR), ==, 6);
	close(fd);
	fd = open_log(c, TRUE, 3, &error);
	g_assert_no_error(error);
	g_assert_cmpint(lseek(fd, 0, SEEK_CUR), ==, 0);
	close(fd);
	g_assert_cmpint(g_unlink(c->log_path), ==, 0);
	g_assert_cmpint(g_rmdir(dir), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/container-log/owner-refused", test_owner_refused);
	g_test_add_func("/container-log/tail-skips-holes", test_tail_skips_holes);
	return g_test_run();
}
