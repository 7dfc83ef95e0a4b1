/* The v1-to-v2 conversions the systemd manager gives the unit (as runc and crun give the
 * kernel), the resources read from a spec, and the layout both managers choose. */
#include "cgroup.h"
#include "resources.h"

#include <glib.h>

static void
test_conversions(void)
{
	uint64_t swap = 0;

	/* runc's ConvertCPUSharesToCgroupV2Value; checked against runc 1.1.5 and crun 1.8.1
	 * on cgroup v2 (tests/vm): 512 -> 20, 1024 -> 39. */
	g_assert_cmpuint(ocid_resources_cpu_weight(0), ==, 0);
	g_assert_cmpuint(ocid_resources_cpu_weight(2), ==, 1);
	g_assert_cmpuint(ocid_resources_cpu_weight(512), ==, 20);
	g_assert_cmpuint(ocid_resources_cpu_weight(1024), ==, 39);
	g_assert_cmpuint(ocid_resources_cpu_weight(262144), ==, 10000);
	/* ConvertBlkIOToIOWeightValue: 100 -> 910, 500 -> 4950. */
	g_assert_cmpuint(ocid_resources_io_weight(10), ==, 1);
	g_assert_cmpuint(ocid_resources_io_weight(100), ==, 910);
	g_assert_cmpuint(ocid_resources_io_weight(500), ==, 4950);
	g_assert_cmpuint(ocid_resources_io_weight(1000), ==, 10000);
	/* ConvertMemorySwapToCgroupV2Value: swap counts memory too. */
	g_assert_true(ocid_resources_swap_max(96 << 20, 64 << 20, &swap));
	g_assert_cmpuint(swap, ==, 32 << 20);
	g_assert_true(ocid_resources_swap_max(64 << 20, 64 << 20, &swap));
	g_assert_cmpuint(swap, ==, 0);
	g_assert_true(ocid_resources_swap_max(-1, 64 << 20, &swap));
	g_assert_cmpuint(swap, ==, G_MAXUINT64);
	g_assert_false(ocid_resources_swap_max(0, 64 << 20, &swap));
	g_assert_false(ocid_resources_swap_max(32 << 20, 64 << 20, &swap));
	g_assert_false(ocid_resources_swap_max(64 << 20, -1, &swap));
}

static void
test_from_spec(void)
{
	g_autoptr(JsonNode) spec =
	    json_from_string("{\"linux\": {\"resources\": {\"memory\": {\"limit\": 67108864, "
			     "\"swap\": 100663296}, \"cpu\": {\"shares\": 512, \"quota\": 50000, "
			     "\"period\": 100000}, \"pids\": {\"limit\": 100}, "
			     "\"blockIO\": {\"weight\": 100}}}}",
			     NULL);
	g_autoptr(JsonNode) empty = json_from_string("{\"linux\": {\"resources\": 7}}", NULL);
	g_auto(OcidResources) r = { 0 };
	g_auto(OcidResources) none = { 0 };

	ocid_resources_from_spec(spec, &r);
	g_assert_true(r.has_memory_limit && r.memory_limit == 67108864);
	g_assert_true(r.has_memory_swap && r.memory_swap == 100663296);
	g_assert_true(r.has_cpu_shares && r.cpu_shares == 512);
	g_assert_true(r.has_cpu_quota && r.cpu_quota == 50000);
	g_assert_true(r.has_cpu_period && r.cpu_period == 100000);
	g_assert_true(r.has_pids_limit && r.pids_limit == 100);
	g_assert_true(r.has_blkio_weight && r.blkio_weight == 100);
	/* Wrong types are no resources (the spec's own check refuses them earlier). */
	ocid_resources_from_spec(empty, &none);
	g_assert_true(ocid_resources_is_empty(&none));
}

/* Both managers: the group is ControlGroup, the runtime's cgroup is <group>/container. */
static void
test_layout(void)
{
	g_autoptr(OcidCgroupManager) fs = ocid_cgroup_fs_new("/ocid-fs/");
	g_autoptr(OcidCgroupManager) systemd = ocid_cgroup_systemd_new("machine-ocid.slice");
	g_autoptr(OcidContainer) a = ocid_container_new("web", "web");
	g_autoptr(OcidContainer) b = ocid_container_new("db", "db");
	g_autofree char *a_path = NULL;
	g_autofree char *b_path = NULL;

	g_assert_true(fs->place(fs, a, NULL));
	g_assert_cmpstr(a->control_group, ==, "/ocid-fs/ocid-web");
	a_path = ocid_container_cgroups_path(a);
	g_assert_cmpstr(a_path, ==, "/ocid-fs/ocid-web/container");
	g_assert_null(a->unit);
	g_assert_true(systemd->place(systemd, b, NULL));
	g_assert_cmpstr(b->unit, ==, "ocid-db.scope");
	g_assert_cmpstr(b->control_group, ==, "/machine.slice/machine-ocid.slice/ocid-db.scope");
	b_path = ocid_container_cgroups_path(b);
	g_assert_cmpstr(b_path, ==, "/machine.slice/machine-ocid.slice/ocid-db.scope/container");
	/* Derived, not kept: thousands of containers need no copy each. */
	g_assert_null(a->cgroups_path);
	g_assert_null(b->cgroups_path);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cgroup/conversions", test_conversions);
	g_test_add_func("/cgroup/from-spec", test_from_spec);
	g_test_add_func("/cgroup/layout", test_layout);
	return g_test_run();
}
