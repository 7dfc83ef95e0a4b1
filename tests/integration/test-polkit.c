/* Authorization under a real systemd and polkitd (run by tests/systemd/run.sh): callers
 * other than root change nothing without polkit's yes; a rule can grant managing but not
 * exec, per verb and per container; reads are open to everyone. */
#include "ocid-test.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define CONTAINER    "org.oci.Runtime.Container"
#define MANAGER      "org.oci.Runtime.Manager"
#define MANAGER_PATH "/org/oci/Runtime"

static OcidTest *
setup_or_skip(void)
{
	return ocid_test_get_system_or_skip(
	    "runs under a real systemd with polkitd: tests/systemd/run.sh");
}

/* Runs gdbus as @user; returns its exit status, and its stderr in @err. */
static int
gdbus_as(const char *user, char **err, const char *path, const char *method,
	 const char *const *args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autofree char *method_arg = g_strdup(method);
	g_autoptr(GError) error = NULL;
	int status = 0;

	g_ptr_array_add(argv, (gpointer) "runuser");
	g_ptr_array_add(argv, (gpointer) "-u");
	g_ptr_array_add(argv, (gpointer)user);
	g_ptr_array_add(argv, (gpointer) "--");
	g_ptr_array_add(argv, (gpointer) "gdbus");
	g_ptr_array_add(argv, (gpointer) "call");
	g_ptr_array_add(argv, (gpointer) "--system");
	g_ptr_array_add(argv, (gpointer) "--dest");
	g_ptr_array_add(argv, (gpointer) "org.oci.Runtime");
	g_ptr_array_add(argv, (gpointer) "--object-path");
	g_ptr_array_add(argv, (gpointer)path);
	g_ptr_array_add(argv, (gpointer) "--method");
	g_ptr_array_add(argv, method_arg);
	for (int i = 0; args != NULL && args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL,
				   NULL, NULL, err, &status, &error));
	g_assert_no_error(error);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
assert_denied(const char *user, const char *path, const char *method, const char *const *args,
	      const char *action)
{
	g_autofree char *err = NULL;

	g_assert_cmpint(gdbus_as(user, &err, path, method, args), !=, 0);
	if (strstr(err, "org.oci.Runtime.Error.AccessDenied") == NULL ||
	    strstr(err, action) == NULL)
		g_error("%s %s as %s: expected AccessDenied for %s, got: %s", path, method, user,
			action, err);
}

static void
assert_allowed(const char *user, const char *path, const char *method, const char *const *args)
{
	g_autofree char *err = NULL;

	if (gdbus_as(user, &err, path, method, args) != 0)
		g_error("%s %s as %s was refused: %s", path, method, user, err);
}

static char *
state_of(OcidTest *t, const char *path)
{
	return ocid_test_get_string(t, path, "State");
}

static void
test_unprivileged_denied(void)
{
	OcidTest *t = setup_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autofree char *create_arg = NULL;
	g_autoptr(GError) error = NULL;
	const char *user = "ocidtest1";

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "guarded", "sleep 300");
	path = ocid_test_create(t, "guarded", "guarded", bundle, NULL, &error);
	g_assert_no_error(error);
	ocid_test_start(t, path);
	g_assert_true(ocid_test_wait_state(t, path, "running", 5000));
	g_assert_cmpint(chmod(t->tmpdir, 0755), ==, 0);

	{
		const char *args[] = { "intruder", "", bundle, "{}", NULL };
		assert_denied(user, MANAGER_PATH, MANAGER ".CreateContainer", args,
			      "org.oci.Runtime.manage");
	}
	{
		const char *args[] = { "intruder2", "", bundle, "{'privileged': <true>}", NULL };
		assert_denied(user, MANAGER_PATH, MANAGER ".CreateContainer", args,
			      "org.oci.Runtime.create-privileged");
	}
	{
		const char *stop_args[] = { "1", NULL };
		const char *kill_args[] = { "SIGKILL", NULL };
		const char *delete_args[] = { "true", NULL };
		const char *update_args[] = { "{'pids_limit': <int64 10>}", NULL };
		const char *exec_args[] = { "['/bin/true']", "5", NULL };
		assert_denied(user, path, CONTAINER ".Stop", stop_args, "org.oci.Runtime.manage");
		assert_denied(user, path, CONTAINER ".Kill", kill_args, "org.oci.Runtime.manage");
		assert_denied(user, path, CONTAINER ".Pause", NULL, "org.oci.Runtime.manage");
		assert_denied(user, path, CONTAINER ".Update", update_args,
			      "org.oci.Runtime.manage");
		assert_denied(user, path, CONTAINER ".Delete", delete_args,
			      "org.oci.Runtime.manage");
		assert_denied(user, path, CONTAINER ".ExecSync", exec_args, "org.oci.Runtime.exec");
	}
	/* Nothing changed. */
	{
		g_autofree char *state = state_of(t, path);
		g_autoptr(GVariant) count =
		    ocid_test_get_property(t, MANAGER_PATH, "ContainerCount");
		g_assert_cmpstr(state, ==, "running");
		g_assert_cmpuint(g_variant_get_uint32(count), ==, 1);
	}
	/* Reads are open to everyone. */
	{
		const char *list_args[] = { "{}", NULL };
		const char *get_args[] = { "guarded", NULL };
		const char *prop_args[] = { CONTAINER, "State", NULL };
		assert_allowed(user, MANAGER_PATH, MANAGER ".ListContainers", list_args);
		assert_allowed(user, MANAGER_PATH, MANAGER ".GetContainer", get_args);
		assert_allowed(user, path, "org.freedesktop.DBus.Properties.Get", prop_args);
		assert_allowed(user, path, "org.freedesktop.DBus.Introspectable.Introspect", NULL);
	}
	ocid_test_delete(t, path, TRUE);
}

/* A rules file granting a group: its members manage, but do not exec; another rule
 * decides by verb and container. */
static void
test_rules_by_group_verb_container(void)
{
	OcidTest *t = setup_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autofree char *other = NULL;
	g_autoptr(GError) error = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "granted", "sleep 300");
	g_assert_cmpint(chmod(t->tmpdir, 0755), ==, 0);
	path = ocid_test_create(t, "granted", "granted", bundle, NULL, &error);
	g_assert_no_error(error);
	other = ocid_test_create(t, "other", "other", bundle, NULL, &error);
	g_assert_no_error(error);

	/* ocidtest2 is in ocidmgr: manage yes, exec no. */
	assert_allowed("ocidtest2", path, CONTAINER ".Start", NULL);
	g_assert_true(ocid_test_wait_state(t, path, "running", 5000));
	{
		const char *exec_args[] = { "['/bin/true']", "5", NULL };
		assert_denied("ocidtest2", path, CONTAINER ".ExecSync", exec_args,
			      "org.oci.Runtime.exec");
	}
	{
		const char *args[] = { "mine", "", bundle, "{}", NULL };
		assert_allowed("ocidtest2", MANAGER_PATH, MANAGER ".CreateContainer", args);
	}
	/* ocidtest3 may only stop, and only the container named "granted". */
	{
		const char *stop_args[] = { "1", NULL };
		assert_denied("ocidtest3", other, CONTAINER ".Start", NULL,
			      "org.oci.Runtime.manage");
		assert_denied("ocidtest3", other, CONTAINER ".Stop", stop_args,
			      "org.oci.Runtime.manage");
		assert_allowed("ocidtest3", path, CONTAINER ".Stop", stop_args);
	}
	{
		g_autofree char *state = state_of(t, path);
		g_autofree char *other_state = state_of(t, other);
		g_assert_cmpstr(state, ==, "stopped");
		g_assert_cmpstr(other_state, ==, "created");
	}
	{
		const char *delete_args[] = { "true", NULL };
		g_autofree char *mine = NULL;
		assert_allowed("ocidtest2", path, CONTAINER ".Delete", delete_args);
		assert_allowed("ocidtest2", other, CONTAINER ".Delete", delete_args);
		mine = g_strdup("/org/oci/Runtime/container/mine");
		assert_allowed("ocidtest2", mine, CONTAINER ".Delete", delete_args);
	}
}

static void
add_tests(void)
{
	g_test_add_func("/polkit/unprivileged-denied", test_unprivileged_denied);
	g_test_add_func("/polkit/rules-by-group-verb-container",
			test_rules_by_group_verb_container);
}

int
main(int argc, char **argv)
{
	return ocid_test_main(argc, argv, add_tests);
}
