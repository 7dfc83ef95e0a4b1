/* Restart policies under the systemd cgroup manager (issue 21): a restart stops the
 * container's scope and starts a new one of the same name for the new init. */
#include "ocid-test.h"

#include <signal.h>
#include <string.h>

void test_systemd_restart_policy(void);

typedef struct {
	OcidTest *t;
	const char *path;
} Restarted;

static gboolean
restarted_and_running(gpointer data)
{
	Restarted *r = data;
	g_autoptr(GVariant) count = ocid_test_get_property(r->t, r->path, "RestartCount");
	g_autofree char *state = ocid_test_get_string(r->t, r->path, "State");

	return g_variant_get_uint32(count) >= 1 && g_str_equal(state, "running");
}

void
test_systemd_restart_policy(void)
{
	OcidTest *t =
	    ocid_test_get_system_or_skip("runs under a real systemd: tests/systemd/run.sh");
	GVariantBuilder opts;
	g_autofree char *path = NULL;
	g_autofree char *unit = NULL;
	g_autofree char *group = NULL;
	g_autofree char *cgroup = NULL;
	Restarted r = { t, NULL };
	gint32 pid, second;

	if (t == NULL)
		return;
	g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&opts, "{sv}", "restart_policy", g_variant_new_string("always"));
	path = ocid_test_make_container(t, "comeback", "while true; do sleep 0.05; done",
					g_variant_builder_end(&opts), TRUE);
	r.path = path;
	unit = ocid_test_get_string(t, path, "Unit");
	group = ocid_test_get_string(t, path, "ControlGroup");
	g_assert_cmpstr(unit, ==, "ocid-comeback.scope");
	pid = ocid_test_get_int(t, path, "Pid");
	g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
	g_assert_true(ocid_test_wait_for(restarted_and_running, &r, 20000));
	second = ocid_test_get_int(t, path, "Pid");
	g_assert_cmpint(second, !=, pid);
	g_assert_cmpint(ocid_test_systemctl("is-active", "ocid-comeback.scope"), ==, 0);
	/* The new init is in the new scope, where the old one was. */
	cgroup = ocid_test_cgroup_of(second, "systemd");
	g_assert_nonnull(cgroup);
	g_assert_true(g_str_has_prefix(cgroup, group));
	ocid_test_delete(t, path, TRUE);
	g_assert_null(ocid_test_wait_cgroup_gone(t, "comeback", 10000));
}
