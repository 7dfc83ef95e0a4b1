/* Features: Update's resources in the cgroup, and an OOM kill reported as such. */
#include "features-test.h"

/* Update applies the seed's LinuxResources; the cgroup shows them. */
void
test_update(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *path = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autofree char *memory = NULL;
	g_autofree char *shares = NULL;
	g_autofree char *quota = NULL;
	g_autofree char *period = NULL;
	g_autofree char *pids = NULL;
	g_autofree char *cpus = NULL;

	if (t == NULL)
		return;
	path = ocid_test_make_container(t, "limited", "sleep 30", NULL, TRUE);
	reply = call_ok(
	    t, path, "Update",
	    resources("memory_limit", g_variant_new_int64(64 * 1024 * 1024), "cpu_shares",
		      g_variant_new_uint64(512), "cpu_quota", g_variant_new_int64(50000),
		      "cpu_period", g_variant_new_uint64(100000), "pids_limit",
		      g_variant_new_int64(50), "cpuset_cpus", g_variant_new_string("0"), NULL));
	pids = cgroup_file(t, path, "pids", "pids.max");
	cpus = cgroup_file(t, path, "cpuset", "cpuset.cpus");
	g_assert_cmpstr(pids, ==, "50");
	g_assert_cmpstr(cpus, ==, "0");
	if (ocid_test_cgroup_v2()) {
		/* The v1-style keys converted as runc and crun convert them: cpu.weight
		 * 1 + (512 - 2) * 9999 / 262142 = 20, io.weight 1 + (100 - 10) * 9999 / 990 =
		 * 910, memory.swap.max = memory_swap - memory_limit. A memory_swap alone, which
		 * runc and crun refuse on v2, goes with the current memory limit. */
		g_autofree char *weight = NULL;
		g_autofree char *max = NULL;
		g_autofree char *io = NULL;
		g_autofree char *swap = NULL;

		memory = cgroup_file(t, path, NULL, "memory.max");
		weight = cgroup_file(t, path, NULL, "cpu.weight");
		max = cgroup_file(t, path, NULL, "cpu.max");
		g_assert_cmpstr(memory, ==, "67108864");
		g_assert_cmpstr(weight, ==, "20");
		g_assert_cmpstr(max, ==, "50000 100000");
		g_clear_pointer(&reply, g_variant_unref);
		reply = call_ok(t, path, "Update",
				resources("blkio_weight", g_variant_new_uint16(100), "memory_swap",
					  g_variant_new_int64(96 * 1024 * 1024), NULL));
		io = cgroup_file(t, path, NULL, "io.weight");
		swap = cgroup_file(t, path, NULL, "memory.swap.max");
		g_assert_cmpstr(io, ==, "default 910");
		g_assert_cmpstr(swap, ==, "33554432");
	} else {
		memory = cgroup_file(t, path, "memory", "memory.limit_in_bytes");
		shares = cgroup_file(t, path, "cpu", "cpu.shares");
		quota = cgroup_file(t, path, "cpu", "cpu.cfs_quota_us");
		period = cgroup_file(t, path, "cpu", "cpu.cfs_period_us");
		g_assert_cmpstr(memory, ==, "67108864");
		g_assert_cmpstr(shares, ==, "512");
		g_assert_cmpstr(quota, ==, "50000");
		g_assert_cmpstr(period, ==, "100000");
	}

	assert_update_refused(t, path, resources("memory", g_variant_new_int64(1), NULL),
			      "Unknown resource 'memory'");
	assert_update_refused(t, path, resources("memory_limit", g_variant_new_string("64M"), NULL),
			      "must have type 'x'");
	assert_update_refused(t, path, resources("blkio_weight", g_variant_new_uint16(5000), NULL),
			      "between 10 and 1000");
	assert_update_refused(t, path, resources("cpuset_cpus", g_variant_new_string("0-x"), NULL),
			      "list like");
	assert_update_refused(t, path, resources(NULL, NULL), "No resources given");
	ocid_test_delete(t, path, TRUE);
}

/* A container that exceeds its memory limit: stopped, OOMKilled, exit code 137. */
void
test_oom_killed(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *path = NULL;
	g_autofree char *flag_dir = NULL;
	g_autofree char *flag = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) oom = NULL;
	GVariantBuilder opts, vols;

	if (t == NULL)
		return;
	flag_dir = g_build_filename(t->tmpdir, "oom-flag", NULL);
	g_assert_cmpint(g_mkdir_with_parents(flag_dir, 0700), ==, 0);
	flag = g_build_filename(flag_dir, "go", NULL);
	g_variant_builder_init(&vols, G_VARIANT_TYPE("a(ssb)"));
	g_variant_builder_add(&vols, "(ssb)", "/flag", flag_dir, TRUE);
	g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&opts, "{sv}", "volumes", g_variant_builder_end(&vols));
	/* tail keeps a line without newlines whole in memory: it grows until killed. */
	path = ocid_test_make_container(
	    t, "hungry", "while [ ! -e /flag/go ]; do sleep 0.05; done; tail /dev/zero",
	    g_variant_builder_end(&opts), TRUE);
	reply = call_ok(t, path, "Update",
			resources("memory_limit", g_variant_new_int64(16 * 1024 * 1024),
				  "memory_swap", g_variant_new_int64(16 * 1024 * 1024), NULL));
	g_assert_true(g_file_set_contents(flag, "", -1, NULL));
	g_assert_true(ocid_test_wait_state(t, path, "stopped", 20000));
	g_assert_cmpint(ocid_test_get_int(t, path, "ExitCode"), ==, 137);
	oom = ocid_test_get_property(t, path, "OOMKilled");
	g_assert_true(g_variant_get_boolean(oom));
	ocid_test_delete(t, path, FALSE);
}

/* The env option sets the process's environment: a new name is added, a name the bundle
 * has (PATH) is replaced, a value may hold '='. An entry without '=' is refused. */
void
test_env(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	const char *env[] = { "FOO=one", "PATH=/bin:/usr/bin:/opt/none", "BAR=two=2", NULL };
	const char *bad[] = { "NOEQUALS", NULL };
	g_autofree char *path = NULL;
	g_autofree char *refused = NULL;
	g_autoptr(GError) error = NULL;
	GVariantBuilder options;

	if (t == NULL)
		return;
	g_variant_builder_init(&options, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&options, "{sv}", "env", g_variant_new_strv(env, -1));
	path = ocid_test_make_container(t, "with-env", "echo \"env $FOO $BAR $PATH\"",
					g_variant_builder_end(&options), TRUE);
	g_assert_true(
	    ocid_test_wait_output(t, path, "env one two=2 /bin:/usr/bin:/opt/none", 10000));
	ocid_test_delete(t, path, TRUE);

	g_variant_builder_init(&options, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&options, "{sv}", "env", g_variant_new_strv(bad, -1));
	{
		g_autofree char *bundle = ocid_test_make_bundle(t, "bad-env", "true");
		refused = ocid_test_create(t, "bad-env", "", bundle,
					   g_variant_builder_end(&options), &error);
	}
	ocid_test_assert_error(error, "InvalidArgument");
	g_assert_nonnull(strstr(error->message, "'NOEQUALS' is not NAME=VALUE"));
}
