/* The fd table reservation (daemon/fd-table.c): the table holds the fds asked for, and the
 * call leaves no fd open. */
#include "fd-table.h"

#include <fcntl.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* FDSize in /proc/self/status: the slots the process's fd table has. */
static unsigned
fd_table_size(void)
{
	g_autofree char *status = NULL;
	const char *line;

	g_assert_true(g_file_get_contents("/proc/self/status", &status, NULL, NULL));
	line = strstr(status, "\nFDSize:");
	g_assert_nonnull(line);
	return (unsigned)strtoul(line + strlen("\nFDSize:"), NULL, 10);
}

/* The lowest free fd: what the next open gets. */
static int
lowest_free_fd(void)
{
	int fd = open("/", O_PATH | O_CLOEXEC);

	g_assert_cmpint(fd, >=, 0);
	close(fd);
	return fd;
}

static void
test_reserve(void)
{
	int before = lowest_free_fd();
	unsigned size = fd_table_size();
	unsigned want = size * 4 + 3;

	ocid_fd_table_reserve(want);
	g_assert_cmpuint(fd_table_size(), >=, want);
	g_assert_cmpint(lowest_free_fd(), ==, before);
	/* Asking for less than it has changes nothing. */
	ocid_fd_table_reserve(1);
	g_assert_cmpuint(fd_table_size(), >=, want);
	g_assert_cmpint(lowest_free_fd(), ==, before);
}

static void
test_reserve_past_limit(void)
{
	struct rlimit limit;
	int before = lowest_free_fd();

	g_assert_cmpint(getrlimit(RLIMIT_NOFILE, &limit), ==, 0);
	/* Capped at the limit: the table grows as far as it may, and nothing stays open. */
	ocid_fd_table_reserve(G_MAXUINT);
	if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur <= 1u << 20)
		g_assert_cmpuint(fd_table_size(), >=, (unsigned)limit.rlim_cur);
	g_assert_cmpint(lowest_free_fd(), ==, before);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/fd-table/reserve", test_reserve);
	g_test_add_func("/fd-table/reserve-past-limit", test_reserve_past_limit);
	return g_test_run();
}
