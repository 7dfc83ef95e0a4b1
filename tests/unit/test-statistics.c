/* GetStatistics' reading of a cgroup, on trees laid out as the kernel does: pure cgroup v2
 * (with and without memory.peak), hybrid (v1 controllers, an empty unified hierarchy) and a
 * v1 host whose cpu and cpuacct are mounted together. */
#include "statistics.h"

#include <glib/gstdio.h>
#include <string.h>

static void
put(const char *root, const char *dir, const char *file, const char *text)
{
	g_autofree char *d = g_build_filename(root, dir, NULL);
	g_autofree char *path = g_build_filename(d, file, NULL);

	g_assert_cmpint(g_mkdir_with_parents(d, 0755), ==, 0);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static char *
make_root(void)
{
	g_autoptr(GError) error = NULL;
	char *root = g_dir_make_tmp("ocid-stats-XXXXXX", &error);

	g_assert_no_error(error);
	return root;
}

static void
remove_tree(const char *path)
{
	const char *argv[] = { "rm", "-rf", path, NULL };

	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
				   NULL, NULL, NULL));
}

static void
test_v2(void)
{
	g_autofree char *root = make_root();
	const char *group = "machine.slice/ocid-web.scope";
	OcidStatistics s;
	g_autoptr(GError) error = NULL;

	put(root, "", "cgroup.controllers", "cpu memory pids\n");
	put(root, group, "memory.current", "1048576\n");
	put(root, group, "memory.peak", "2097152\n");
	put(root, group, "cpu.stat",
	    "usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\nnr_periods 0\n");
	put(root, group, "pids.current", "3\n");
	g_assert_true(
	    ocid_statistics_read_from("0::/machine.slice/ocid-web.scope\n", root, &s, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(s.memory_current, ==, 1048576);
	g_assert_true(s.has_memory_peak);
	g_assert_cmpuint(s.memory_peak, ==, 2097152);
	g_assert_cmpuint(s.cpu_usage_usec, ==, 123456);
	g_assert_cmpuint(s.pids_current, ==, 3);

	/* Before Linux 5.19 there is no peak: left out, not made up. */
	{
		g_autofree char *peak = g_build_filename(root, group, "memory.peak", NULL);
		g_assert_cmpint(g_unlink(peak), ==, 0);
	}
	g_assert_true(
	    ocid_statistics_read_from("0::/machine.slice/ocid-web.scope\n", root, &s, &error));
	g_assert_false(s.has_memory_peak);
	g_assert_cmpuint(s.memory_current, ==, 1048576);

	/* A file that does not hold a number is an error naming it. */
	put(root, group, "pids.current", "max\n");
	g_assert_false(
	    ocid_statistics_read_from("0::/machine.slice/ocid-web.scope\n", root, &s, &error));
	g_assert_nonnull(strstr(error->message, "pids.current"));
	remove_tree(root);
}

static void
test_hybrid(void)
{
	g_autofree char *root = make_root();
	const char *proc = "12:pids:/ocid/c1\n"
			   "11:memory:/ocid/c1\n"
			   "4:cpu,cpuacct:/ocid/c1\n"
			   "1:name=systemd:/ocid/c1\n"
			   "0::/ocid/c1\n";
	OcidStatistics s;
	g_autoptr(GError) error = NULL;

	put(root, "memory/ocid/c1", "memory.usage_in_bytes", "4096\n");
	put(root, "memory/ocid/c1", "memory.max_usage_in_bytes", "8192\n");
	put(root, "cpu,cpuacct/ocid/c1", "cpuacct.usage", "5000000\n");
	put(root, "pids/ocid/c1", "pids.current", "2\n");
	/* The unified hierarchy of a hybrid host has no controllers: never read. */
	put(root, "unified/ocid/c1", "cgroup.procs", "1\n");
	g_assert_true(ocid_statistics_read_from(proc, root, &s, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(s.memory_current, ==, 4096);
	g_assert_true(s.has_memory_peak);
	g_assert_cmpuint(s.memory_peak, ==, 8192);
	g_assert_cmpuint(s.cpu_usage_usec, ==, 5000); /* nanoseconds on v1 */
	g_assert_cmpuint(s.pids_current, ==, 2);
	remove_tree(root);
}

static void
test_no_cgroup(void)
{
	OcidStatistics s;
	g_autoptr(GError) error = NULL;

	g_assert_false(ocid_statistics_read_from("", "/nonexistent", &s, &error));
	g_assert_nonnull(error);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/statistics/v2", test_v2);
	g_test_add_func("/statistics/hybrid", test_hybrid);
	g_test_add_func("/statistics/no-cgroup", test_no_cgroup);
	return g_test_run();
}
