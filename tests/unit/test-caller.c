/* A worker thread's file accesses as a caller's: the kernel refuses what she may not
 * reach, the other threads keep the daemon's authority, and leaving gives it all back. */
#include "caller.h"

#include "errors.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#define NOBODY ((uid_t)65534)

static gboolean
can_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return FALSE;
	close(fd);
	return TRUE;
}

/* Started before the scope (a thread inherits its creator's credentials), it opens the
 * path it is sent once the scope is entered. */
static gpointer
other_thread_opens(gpointer data)
{
	g_autofree char *path = g_async_queue_pop(data);

	return GINT_TO_POINTER(can_open(path));
}

static void
test_scope(void)
{
	g_autoptr(OcidCaller) nobody = ocid_caller_new(NOBODY, (gid_t)-1);
	g_autoptr(GError) error = NULL;
	g_autofree char *resolved = NULL;
	OcidCallerScope scope;
	g_autofree char *ns = g_strdup_printf("/proc/%d/ns/net", (int)getppid());
	g_autoptr(GAsyncQueue) queue = g_async_queue_new();
	GThread *other = g_thread_new("other", other_thread_opens, queue);

	if (geteuid() != 0) {
		g_test_skip("needs root");
		g_async_queue_push(queue, g_strdup("/"));
		g_thread_join(other);
		return;
	}
	g_assert_true(can_open(ns));
	g_assert_true(ocid_caller_enter(nobody, &scope, &error));
	g_assert_no_error(error);
	/* Root's files, and another process's namespaces (CAP_SYS_PTRACE is gone too). */
	g_assert_false(can_open("/etc/shadow"));
	g_assert_cmpint(errno, ==, EACCES);
	g_assert_false(can_open(ns));
	resolved = ocid_caller_resolve_readable(nobody, "/root", "Volume", &error);
	g_assert_null(resolved);
	g_assert_error(error, OCID_ERROR, OCID_ERROR_ACCESS_DENIED);
	/* Only this thread is her. */
	g_async_queue_push(queue, g_strdup("/etc/shadow"));
	g_assert_true(GPOINTER_TO_INT(g_thread_join(other)));
	ocid_caller_leave(&scope);
	g_assert_true(can_open("/etc/shadow"));
	g_assert_true(can_open(ns));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/caller/scope", test_scope);
	return g_test_run();
}
