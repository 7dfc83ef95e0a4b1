/* Authorization. On the private bus (meson test): without polkit only root changes
 * anything, and a stand-in polkit authority shows what ocid asks (subject, action,
 * details, the interactive flag) and that it follows the answer. Under a real systemd and
 * polkitd (tests/systemd/run.sh): callers other than root create nothing and change no
 * other user's container without polkit's yes; a rule can grant managing but not exec,
 * per verb and per container; reads are open to everyone. Issue 19: a non-root caller's
 * container runs confined in a user namespace as her, unless it needs create-privileged
 * by the allow-list, and its owner acts on it without asking polkit. Other users' calls
 * are gdbus run through setpriv. */
#include "polkit-test.h"

OcidTest *
setup_system_or_skip(void)
{
	return ocid_test_get_system_or_skip(
	    "runs under a real systemd with polkitd: tests/systemd/run.sh");
}

/* The private bus has no polkitd; under systemd the real one answers instead. */
OcidTest *
setup_private_or_skip(void)
{
	OcidTest *t;

	if (g_getenv("OCID_TEST_SYSTEM_BUS") != NULL) {
		g_test_skip("needs the private bus, where polkit is absent or stood in for");
		return NULL;
	}
	t = ocid_test_get();
	if (t == NULL) {
		g_test_skip("needs root");
		return NULL;
	}
	/* Other users reach the bus socket and the bundles in it. */
	g_assert_cmpint(chmod(t->tmpdir, 0755), ==, 0);
	return t;
}

void
call_result_clear(CallResult *r)
{
	g_free(r->out);
	g_free(r->err);
}

/* Calls @method on ocid as @user (with the user's own groups), the way any local user's
 * tool would: gdbus, on the test's bus, optionally allowing interactive authorization. */
void
call_as(OcidTest *t, const char *user, gboolean interactive, const char *path, const char *method,
	const char *const *args, CallResult *result)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	const struct passwd *pw = getpwnam(user);
	int status = 0;

	g_assert_nonnull(pw);
	g_ptr_array_add(argv, g_strdup("setpriv"));
	g_ptr_array_add(argv, g_strdup_printf("--reuid=%u", (unsigned)pw->pw_uid));
	g_ptr_array_add(argv, g_strdup_printf("--regid=%u", (unsigned)pw->pw_gid));
	g_ptr_array_add(argv, g_strdup("--init-groups"));
	g_ptr_array_add(argv, g_strdup("gdbus"));
	g_ptr_array_add(argv, g_strdup("call"));
	if (t->system_mode) {
		g_ptr_array_add(argv, g_strdup("--system"));
	} else {
		g_ptr_array_add(argv, g_strdup("--address"));
		g_ptr_array_add(argv, g_strdup(t->bus_address));
	}
	if (interactive)
		g_ptr_array_add(argv, g_strdup("--interactive"));
	g_ptr_array_add(argv, g_strdup("--dest=org.oci.Runtime"));
	g_ptr_array_add(argv, g_strdup_printf("--object-path=%s", path));
	g_ptr_array_add(argv, g_strdup_printf("--method=%s", method));
	for (int i = 0; args != NULL && args[i] != NULL; i++)
		g_ptr_array_add(argv, g_strdup(args[i]));
	g_ptr_array_add(argv, NULL);
	g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL,
				   NULL, &result->out, &result->err, &status, &error));
	g_assert_no_error(error);
	result->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Asserts AccessDenied naming @action (and @also, when given) and returns the message. */
void
assert_denied_full(OcidTest *t, const char *user, gboolean interactive, const char *path,
		   const char *method, const char *const *args, const char *action,
		   const char *also)
{
	g_auto(CallResult) r = { 0 };

	call_as(t, user, interactive, path, method, args, &r);
	if (r.status == 0 || strstr(r.err, "org.oci.Runtime.Error.AccessDenied") == NULL ||
	    strstr(r.err, action) == NULL || (also != NULL && strstr(r.err, also) == NULL))
		g_error("%s %s as %s: expected AccessDenied for %s%s%s, got: %s%s", path, method,
			user, action, also != NULL ? " saying " : "", also != NULL ? also : "",
			r.out, r.err);
}

void
assert_denied(OcidTest *t, const char *user, const char *path, const char *method,
	      const char *const *args, const char *action)
{
	assert_denied_full(t, user, FALSE, path, method, args, action, NULL);
}

char *
assert_allowed(OcidTest *t, const char *user, const char *path, const char *method,
	       const char *const *args)
{
	g_auto(CallResult) r = { 0 };

	call_as(t, user, FALSE, path, method, args, &r);
	if (r.status != 0)
		g_error("%s %s as %s was refused: %s", path, method, user, r.err);
	return g_steal_pointer(&r.out);
}

char *
state_of(OcidTest *t, const char *path)
{
	return ocid_test_get_string(t, path, "State");
}

guint32
container_count(OcidTest *t)
{
	g_autoptr(GVariant) count = ocid_test_get_property(t, MANAGER_PATH, "ContainerCount");

	return g_variant_get_uint32(count);
}

/* A bundle that would need create-privileged: it shares the host's network namespace. */
char *
make_host_network_bundle(OcidTest *t, const char *name)
{
	g_autofree char *bundle = ocid_test_make_bundle(t, name, "sleep 300");
	g_autofree char *config_path = g_build_filename(bundle, "config.json", NULL);
	g_autofree char *config = ocid_test_read_file(config_path);
	g_autoptr(GString) edited = g_string_new(config);

	g_assert_cmpuint(g_string_replace(edited, ", { \"type\": \"network\" }", "", 0), ==, 1);
	g_assert_true(g_file_set_contents(config_path, edited->str, -1, NULL));
	return g_steal_pointer(&bundle);
}

/* Every mutating method, as @user on the running container @path: all denied, naming
 * the action; CreateContainer too. Afterwards the container still runs and nothing was
 * added. */
void
assert_every_change_denied(OcidTest *t, const char *user, const char *path, const char *bundle,
			   const char *also)
{
	const char *create_args[] = { "intruder", "", bundle, "{}", NULL };
	const char *privileged_args[] = { "intruder2", "", bundle, "{'privileged': <true>}", NULL };
	const char *stop_args[] = { "1", NULL };
	const char *kill_args[] = { "SIGKILL", NULL };
	const char *delete_args[] = { "true", NULL };
	const char *update_args[] = { "{'pids_limit': <int64 10>}", NULL };
	const char *exec_args[] = { "['/bin/true']", "5", NULL };
	guint32 count = container_count(t);
	g_autofree char *state = NULL;

	/* Creating needs create first, whether or not the container is privileged. */
	assert_denied_full(t, user, FALSE, MANAGER_PATH, MANAGER ".CreateContainer", create_args,
			   CREATE, also);
	assert_denied_full(t, user, FALSE, MANAGER_PATH, MANAGER ".CreateContainer",
			   privileged_args, CREATE, also);
	/* Authorization comes before the state check: Start of a running one is denied too. */
	assert_denied_full(t, user, FALSE, path, CONTAINER ".Start", NULL, MANAGE, also);
	assert_denied_full(t, user, FALSE, path, CONTAINER ".Stop", stop_args, MANAGE, also);
	assert_denied_full(t, user, FALSE, path, CONTAINER ".Kill", kill_args, MANAGE, also);
	assert_denied_full(t, user, FALSE, path, CONTAINER ".Pause", NULL, MANAGE, also);
	assert_denied_full(t, user, FALSE, path, CONTAINER ".Unpause", NULL, MANAGE, also);
	assert_denied_full(t, user, FALSE, path, CONTAINER ".Update", update_args, MANAGE, also);
	assert_denied_full(t, user, FALSE, path, CONTAINER ".Delete", delete_args, MANAGE, also);
	assert_denied_full(t, user, FALSE, path, CONTAINER ".ExecSync", exec_args, EXEC, also);

	/* Nothing was announced either: the State the daemon last announced is unchanged. */
	state = state_of(t, path);
	g_assert_cmpstr(state, ==, "running");
	ocid_test_dispatch_pending();
	g_assert_cmpstr(ocid_test_announced_state(t, path), ==, "running");
	g_assert_cmpuint(container_count(t), ==, count);
}

/* Reads are open to @user: the manager's methods and properties, the container's
 * properties, introspection. */
void
assert_reads_open(OcidTest *t, const char *user, const char *path, const char *id)
{
	const char *list_args[] = { "{}", NULL };
	const char *get_args[] = { id, NULL };
	const char *prop_args[] = { CONTAINER, "State", NULL };
	const char *all_args[] = { CONTAINER, NULL };
	const char *manager_all_args[] = { MANAGER, NULL };
	g_autofree char *list = NULL;
	g_autofree char *state = NULL;
	g_autofree char *all = NULL;
	g_autofree char *manager_all = NULL;
	g_autofree char *xml = NULL;
	g_autofree char *got = NULL;

	list = assert_allowed(t, user, MANAGER_PATH, MANAGER ".ListContainers", list_args);
	g_assert_nonnull(strstr(list, id));
	got = assert_allowed(t, user, MANAGER_PATH, MANAGER ".GetContainer", get_args);
	g_assert_nonnull(strstr(got, path));
	state = assert_allowed(t, user, path, "org.freedesktop.DBus.Properties.Get", prop_args);
	g_assert_nonnull(strstr(state, "running"));
	all = assert_allowed(t, user, path, "org.freedesktop.DBus.Properties.GetAll", all_args);
	g_assert_nonnull(strstr(all, "'BundlePath'"));
	manager_all = assert_allowed(t, user, MANAGER_PATH,
				     "org.freedesktop.DBus.Properties.GetAll", manager_all_args);
	g_assert_nonnull(strstr(manager_all, "'ContainerCount'"));
	xml = assert_allowed(t, user, path, "org.freedesktop.DBus.Introspectable.Introspect", NULL);
	g_assert_nonnull(strstr(xml, "ExecSync"));
}

/* ---- the private bus: no polkit ----------------------------------------------------- */

static void
test_no_polkit_fails_closed(void)
{
	OcidTest *t = setup_private_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "lonely", "sleep 300");
	path = ocid_test_create(t, "lonely", "lonely", bundle, NULL, &error);
	g_assert_no_error(error);
	ocid_test_start(t, path);
	g_assert_true(ocid_test_wait_state(t, path, "running", 5000));

	assert_every_change_denied(t, NOBODY, path, bundle, "polkit is not available");
	assert_reads_open(t, NOBODY, path, "lonely");
	/* Root is still served without polkit. */
	ocid_test_delete(t, path, TRUE);
}

static void
add_tests(void)
{
	g_test_add_func("/polkit/no-polkit-fails-closed", test_no_polkit_fails_closed);
	g_test_add_func("/polkit/stand-in-authority", test_stand_in_authority);
	g_test_add_func("/polkit/swapped-bundle", test_swapped_bundle);
	g_test_add_func("/polkit/owner-acts-on-own", test_owner_acts_on_own);
	g_test_add_func("/polkit/files-as-caller", test_files_as_caller);
	g_test_add_func("/polkit/files-read-once", test_files_read_once);
	g_test_add_func("/polkit/caller-leaves", test_caller_leaves);
	g_test_add_func("/polkit/allow-list", test_allow_list);
	g_test_add_func("/polkit/unprivileged-denied", test_unprivileged_denied);
	g_test_add_func("/polkit/rules-by-group-verb-container",
			test_rules_by_group_verb_container);
	g_test_add_func("/polkit/privileged-each", test_privileged_each);
}

int
main(int argc, char **argv)
{
	return ocid_test_main(argc, argv, add_tests);
}
