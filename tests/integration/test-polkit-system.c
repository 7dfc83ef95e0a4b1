/* Under a real systemd and polkitd (tests/systemd/inside.sh sets up users and rules):
 * no yes, no change; rules per verb and container; the create-privileged allow-list. */
#include "polkit-test.h"

void
test_unprivileged_denied(void)
{
	OcidTest *t = setup_system_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "guarded", "sleep 300");
	path = ocid_test_create(t, "guarded", "guarded", bundle, NULL, &error);
	g_assert_no_error(error);
	ocid_test_start(t, path);
	g_assert_true(ocid_test_wait_state(t, path, "running", 5000));
	g_assert_cmpint(chmod(t->tmpdir, 0755), ==, 0);

	/* The defaults are auth_admin: a non-interactive call is refused with what to do. */
	assert_every_change_denied(t, "ocidtest1", path, bundle, "authentication is required");
	{
		const char *stop_args[] = { "1", NULL };
		assert_denied_full(t, "ocidtest1", FALSE, path, CONTAINER ".Stop", stop_args,
				   MANAGE, "verb stop on container guarded");
	}
	assert_reads_open(t, "ocidtest1", path, "guarded");
	ocid_test_delete(t, path, TRUE);
}

/* A rules file granting a group: its members create and manage, but do not exec nor
 * create privileged containers; another rule decides by verb and container. Whoever
 * created a container acts on it without any rule (issue 19); on another user's she is
 * refused as before. */
void
test_rules_by_group_verb_container(void)
{
	OcidTest *t = setup_system_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *host_net = NULL;
	g_autofree char *path = NULL;
	g_autofree char *other = NULL;
	g_autoptr(GError) error = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "granted", "sleep 300");
	host_net = make_host_network_bundle(t, "host-net");
	g_assert_cmpint(chmod(t->tmpdir, 0755), ==, 0);
	path = ocid_test_create(t, "granted", "granted", bundle, NULL, &error);
	g_assert_no_error(error);
	other = ocid_test_create(t, "other", "other", bundle, NULL, &error);
	g_assert_no_error(error);

	/* ocidtest2 is in ocidmgr: create and manage yes, exec and create-privileged no. */
	g_free(assert_allowed(t, "ocidtest2", path, CONTAINER ".Start", NULL));
	g_assert_true(ocid_test_wait_state(t, path, "running", 5000));
	{
		const char *exec_args[] = { "['/bin/true']", "5", NULL };
		assert_denied(t, "ocidtest2", path, CONTAINER ".ExecSync", exec_args, EXEC);
	}
	{
		const char *args[] = { "mine", "", bundle, "{}", NULL };
		const char *by_option[] = { "mine2", "", bundle, "{'privileged': <true>}", NULL };
		const char *by_bundle[] = { "mine3", "", host_net, "{}", NULL };
		g_free(
		    assert_allowed(t, "ocidtest2", MANAGER_PATH, MANAGER ".CreateContainer", args));
		assert_denied(t, "ocidtest2", MANAGER_PATH, MANAGER ".CreateContainer", by_option,
			      PRIVILEGED);
		assert_denied(t, "ocidtest2", MANAGER_PATH, MANAGER ".CreateContainer", by_bundle,
			      PRIVILEGED);
		g_assert_cmpuint(container_count(t), ==, 3);
	}
	/* Her own container she runs and execs in, though no rule grants her exec; confined,
	 * it runs as her. */
	{
		const char *exec_args[] = { "['/bin/true']", "5", NULL };
		const char *mine = "/org/oci/Runtime/container/mine";

		g_free(assert_allowed(t, "ocidtest2", mine, CONTAINER ".Start", NULL));
		g_assert_true(ocid_test_wait_state(t, mine, "running", 5000));
		assert_runs_as(t, mine, getpwnam("ocidtest2")->pw_uid);
		g_free(assert_allowed(t, "ocidtest2", mine, CONTAINER ".ExecSync", exec_args));
	}
	/* ocidtest3 may create, and manage only by stopping the container named
	 * "granted": not others' containers, her own wholly. */
	{
		const char *stop_args[] = { "1", NULL };
		const char *delete_args[] = { "true", NULL };
		const char *create_args[] = { "own3", "", bundle, "{}", NULL };
		const char *own3 = "/org/oci/Runtime/container/own3";

		assert_denied(t, "ocidtest3", other, CONTAINER ".Start", NULL, MANAGE);
		assert_denied(t, "ocidtest3", other, CONTAINER ".Stop", stop_args, MANAGE);
		assert_denied(t, "ocidtest3", "/org/oci/Runtime/container/mine", CONTAINER ".Stop",
			      stop_args, MANAGE);
		assert_denied(t, "ocidtest3", "/org/oci/Runtime/container/mine",
			      CONTAINER ".Delete", delete_args, MANAGE);
		g_free(assert_allowed(t, "ocidtest3", path, CONTAINER ".Stop", stop_args));
		g_free(assert_allowed(t, "ocidtest3", MANAGER_PATH, MANAGER ".CreateContainer",
				      create_args));
		g_free(assert_allowed(t, "ocidtest3", own3, CONTAINER ".Start", NULL));
		g_assert_true(ocid_test_wait_state(t, own3, "running", 5000));
		g_free(assert_allowed(t, "ocidtest3", own3, CONTAINER ".Stop", stop_args));
		g_assert_true(ocid_test_wait_state(t, own3, "stopped", 10000));
		g_free(assert_allowed(t, "ocidtest3", own3, CONTAINER ".Delete", delete_args));
		/* ocidtest2's own is untouched by all that. */
		{
			g_autofree char *state = state_of(t, "/org/oci/Runtime/container/mine");
			g_assert_cmpstr(state, ==, "running");
		}
	}
	{
		g_autofree char *state = state_of(t, path);
		g_autofree char *other_state = state_of(t, other);
		g_assert_cmpstr(state, ==, "stopped");
		g_assert_cmpstr(other_state, ==, "created");
	}
	/* Members delete what root created and what they created themselves. */
	{
		const char *delete_args[] = { "true", NULL };
		g_free(assert_allowed(t, "ocidtest2", path, CONTAINER ".Delete", delete_args));
		g_free(assert_allowed(t, "ocidtest2", other, CONTAINER ".Delete", delete_args));
		g_free(assert_allowed(t, "ocidtest2", "/org/oci/Runtime/container/mine",
				      CONTAINER ".Delete", delete_args));
		g_assert_cmpuint(container_count(t), ==, 0);
	}
}

typedef struct {
	const char *name;
	const char *from, *to; /* the edit of config.json, or NULL */
	const char *options;   /* gdbus's text of the a{sv} */
	const char *reason;    /* what the refusal (and polkit's "reason" detail) says */
	/* runc creates it here, given create-privileged: not with a seccomp listener nobody
	 * listens on, Intel RDT or unified on a cgroup v1 host, nor a negative oomScoreAdj
	 * where the tests' own bounding set lacks CAP_SYS_RESOURCE (some CI sandboxes). */
	gboolean creatable;
} PrivilegeCase;

/* In a case's texts, @REACHABLE@ is a bundle of root's that other users can read, and
 * @SECRET@ one they cannot (make_unreachable_bundle()). */
#define REACHABLE "@REACHABLE@"
#define SECRET    "@SECRET@"

/* Issue 10: with only org.oci.Runtime.manage a caller became root on the host through
 * the bundle or the options. Issue 19: a non-root caller's container is confined in a user
 * namespace as her, and only what the runtime would do as host root on her behalf needs
 * create-privileged: each of these, saying why. */
static const PrivilegeCase privileged_cases[] = {
	{ "hook-prestart", "\"linux\": {",
	  "\"hooks\": {\"prestart\": [{\"path\": \"/bin/true\"}]}, \"linux\": {", "{}",
	  "it has OCI hooks (prestart)", TRUE },
	{ "hook-poststop", "\"linux\": {",
	  "\"hooks\": {\"poststop\": [{\"path\": \"/bin/true\"}]}, \"linux\": {", "{}",
	  "it has OCI hooks (poststop)", TRUE },
	{ "bind-unreachable", "\"mounts\": [",
	  "\"mounts\": [{\"destination\": \"/h\", \"type\": \"bind\", \"source\": \"" SECRET
	  "/rootfs/etc\", \"options\": [\"rbind\", \"ro\"]},",
	  "{}", "its bind source " SECRET "/rootfs/etc is not reachable with your own authority",
	  TRUE },
	{ "root-unreachable", "\"path\": \"rootfs\"", "\"path\": \"" SECRET "/rootfs\"", "{}",
	  "its root.path " SECRET "/rootfs is not reachable with your own authority", TRUE },
	{ "host-fs", "\"mounts\": [",
	  "\"mounts\": [{\"destination\": \"/h\", \"type\": \"ramfs\", \"source\": "
	  "\"ramfs\"},",
	  "{}", "it mounts ramfs (type ramfs) from the host", TRUE },
	{ "devices", "\"linux\": {",
	  "\"linux\": {\"devices\": [{\"path\": \"/dev/null2\", \"type\": \"c\", "
	  "\"major\": 1, \"minor\": 3}],",
	  "{}", "it adds devices (linux.devices)", TRUE },
	{ "device-access", "{ \"allow\": false, \"access\": \"rwm\" }",
	  "{ \"allow\": false, \"access\": \"rwm\" }, { \"allow\": true, \"type\": \"c\", "
	  "\"major\": 1, \"minor\": 3, \"access\": \"rwm\" }",
	  "{}", "it allows device access (linux.resources.devices)", TRUE },
	{ "no-pid-ns", "{ \"type\": \"pid\" }, ", "", "{}", "it shares the host's pid namespace",
	  TRUE },
	{ "joined-ipc-ns", "{ \"type\": \"ipc\" }",
	  "{ \"type\": \"ipc\", \"path\": \"/proc/self/ns/ipc\" }", "{}",
	  "it joins the existing ipc namespace at /proc/self/ns/ipc", TRUE },
	{ "host-netns", NULL, NULL, "{'netns_path': <'/proc/self/ns/net'>}",
	  "it joins the network namespace at /proc/self/ns/net", TRUE },
	{ "oom-score", "\"noNewPrivileges\": true",
	  "\"noNewPrivileges\": true, \"oomScoreAdj\": -10", "{}",
	  "it lowers its OOM score (process.oomScoreAdj)", FALSE },
	{ "seccomp-listener", "\"linux\": {",
	  "\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": "
	  "\"/run/ocid-test-no-listener\"},",
	  "{}", "it has a seccomp listener (listenerPath)", FALSE },
	{ "intel-rdt", "\"linux\": {", "\"linux\": {\"intelRdt\": {\"closID\": \"ocid\"},", "{}",
	  "it asks for Intel RDT (linux.intelRdt)", FALSE },
	{ "cgroup-unified", "\"resources\": {",
	  "\"resources\": {\"unified\": {\"pids.max\": \"10\"},", "{}",
	  "it writes raw cgroup files (linux.resources.unified)", FALSE },
	{ "privileged", NULL, NULL, "{'privileged': <true>}",
	  "it asks for a privileged container (privileged)", TRUE },
};

/* What the old deny-list sent to create-privileged and a user namespace now confines:
 * created with create alone, and run as its owner. */
static const PrivilegeCase confined_cases[] = {
	{ "bind-etc", "\"mounts\": [",
	  "\"mounts\": [{\"destination\": \"/h\", \"type\": \"bind\", \"source\": "
	  "\"/etc\", \"options\": [\"rbind\", \"ro\"]},",
	  "{}", NULL, TRUE },
	{ "volume-root", NULL, NULL, "{'volumes': <[('/h', '/', true)]>}", NULL, TRUE },
	{ "root-reachable", "\"path\": \"rootfs\"", "\"path\": \"" REACHABLE "/rootfs\"", "{}",
	  NULL, TRUE },
	{ "capability", "\"bounding\": [ \"CAP_KILL\"",
	  "\"bounding\": [ \"CAP_SYS_ADMIN\", \"CAP_KILL\"", "{}", NULL, TRUE },
	{ "proc-sys-writable", "\"/proc/sys\", ", "", "{}", NULL, TRUE },
	{ "proc-elsewhere", "\"mounts\": [",
	  "\"mounts\": [{\"destination\": \"/h\", \"type\": \"proc\", \"source\": \"proc\"},", "{}",
	  NULL, TRUE },
	{ "sysfs-writable", "\"nosuid\", \"noexec\", \"nodev\", \"ro\"",
	  "\"nosuid\", \"noexec\", \"nodev\"", "{}", NULL, TRUE },
};

/* @text with @REACHABLE@ and @SECRET@ filled in. */
static char *
case_text(const char *text, const char *reachable, const char *secret)
{
	g_autoptr(GString) filled = g_string_new(text);

	g_string_replace(filled, REACHABLE, reachable, 0);
	g_string_replace(filled, SECRET, secret, 0);
	return g_string_free(g_steal_pointer(&filled), FALSE);
}

/* The bundle of case @c, with a mount point /h in its rootfs: confined, the runtime may
 * not make one in root's rootfs. */
static char *
case_bundle(OcidTest *t, const PrivilegeCase *c, const char *reachable, const char *secret)
{
	g_autofree char *to = c->to != NULL ? case_text(c->to, reachable, secret) : NULL;
	g_autofree char *bundle = c->from != NULL ? make_edited_bundle(t, c->name, c->from, to)
						  : ocid_test_make_bundle(t, c->name, "sleep 300");
	g_autofree char *mount_point = g_build_filename(bundle, "rootfs", "h", NULL);

	g_assert_cmpint(g_mkdir(mount_point, 0755), ==, 0);
	return g_steal_pointer(&bundle);
}

/* The same cases with the stand-in authority: as nobody, granted create alone, each
 * privileged case is refused naming create-privileged and its reason, which is also the
 * detail polkit got; granted create-privileged too, it is created and runs as host root.
 * Each confined case is created with create alone, and runs as nobody. */
void
test_allow_list(void)
{
	OcidTest *t = setup_private_or_skip();
	const char *const create[] = { CREATE, NULL };
	const char *const both[] = { CREATE, PRIVILEGED, NULL };
	const char *delete_args[] = { "true", NULL };
	g_autofree char *reachable = NULL;
	g_autofree char *secret = NULL;
	uid_t nobody;
	Authority *a;

	if (t == NULL)
		return;
	nobody = getpwnam(NOBODY)->pw_uid;
	reachable = ocid_test_make_bundle(t, "reachable", "sleep 300");
	secret = make_unreachable_bundle(t);
	a = authority_start(t);
	for (gsize i = 0; i < G_N_ELEMENTS(privileged_cases); i++) {
		const PrivilegeCase *c = &privileged_cases[i];
		g_autofree char *bundle = case_bundle(t, c, reachable, secret);
		g_autofree char *options = case_text(c->options, reachable, secret);
		g_autofree char *reason = case_text(c->reason, reachable, secret);
		g_autofree char *denied_id = g_strdup_printf("%s-denied", c->name);
		const char *denied_args[] = { denied_id, "", bundle, options, NULL };
		const char *allowed_args[] = { c->name, "", bundle, options, NULL };
		guint32 count = container_count(t);
		const Question *q;

		g_test_message("%s", c->name);
		authority_set(a, ANSWER_NO, create);
		assert_denied_full(t, NOBODY, FALSE, MANAGER_PATH, MANAGER ".CreateContainer",
				   denied_args, PRIVILEGED, reason);
		assert_question(authority_question(a, 2, 0), nobody, CREATE, denied_id, "create",
				0);
		q = authority_question(a, 2, 1);
		assert_question(q, nobody, PRIVILEGED, denied_id, "create", 0);
		g_assert_cmpstr(q->reason, ==, reason);
		g_assert_cmpuint(container_count(t), ==, count);
		if (!c->creatable)
			continue;
		authority_set(a, ANSWER_NO, both);
		g_free(assert_allowed(t, NOBODY, MANAGER_PATH, MANAGER ".CreateContainer",
				      allowed_args));
		(void)authority_question(a, 2, 0);
		{
			g_autofree char *path = path_of(t, c->name);
			/* Hers, privileged: she deletes it unasked. */
			authority_set(a, ANSWER_NO, NULL);
			g_free(assert_allowed(t, NOBODY, path, CONTAINER ".Delete", delete_args));
			(void)authority_question(a, 0, 0);
		}
		g_assert_cmpuint(container_count(t), ==, count);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(confined_cases); i++) {
		const PrivilegeCase *c = &confined_cases[i];
		g_autofree char *bundle = case_bundle(t, c, reachable, secret);
		const char *args[] = { c->name, "", bundle, c->options, NULL };
		g_autofree char *path = NULL;
		guint32 count = container_count(t);

		g_test_message("%s", c->name);
		authority_set(a, ANSWER_NO, create);
		g_free(assert_allowed(t, NOBODY, MANAGER_PATH, MANAGER ".CreateContainer", args));
		assert_question(authority_question(a, 1, 0), nobody, CREATE, c->name, "create", 0);
		path = path_of(t, c->name);
		authority_set(a, ANSWER_NO, NULL);
		g_free(assert_allowed(t, NOBODY, path, CONTAINER ".Start", NULL));
		g_assert_true(ocid_test_wait_state(t, path, "running", 5000));
		assert_runs_as(t, path, nobody);
		g_free(assert_allowed(t, NOBODY, path, CONTAINER ".Delete", delete_args));
		(void)authority_question(a, 0, 0);
		g_assert_cmpuint(container_count(t), ==, count);
	}
	authority_stop(a);
}

/* The same under polkitd, with the rules of tests/systemd/inside.sh: ocidtest2 (create
 * and manage) is refused each privileged case, saying why; ocidtest5 (create-privileged
 * too, granted only when polkit got the "reason" detail) creates it. ocidtest2 creates
 * and runs each confined case, as herself. */
void
test_privileged_each(void)
{
	OcidTest *t = setup_system_or_skip();
	g_autofree char *reachable = NULL;
	g_autofree char *secret = NULL;
	uid_t ocidtest2;

	if (t == NULL)
		return;
	g_assert_cmpint(chmod(t->tmpdir, 0755), ==, 0);
	ocidtest2 = getpwnam("ocidtest2")->pw_uid;
	reachable = ocid_test_make_bundle(t, "reachable", "sleep 300");
	secret = make_unreachable_bundle(t);
	for (gsize i = 0; i < G_N_ELEMENTS(privileged_cases); i++) {
		const PrivilegeCase *c = &privileged_cases[i];
		g_autofree char *bundle = case_bundle(t, c, reachable, secret);
		g_autofree char *options = case_text(c->options, reachable, secret);
		g_autofree char *reason = case_text(c->reason, reachable, secret);
		g_autofree char *denied_id = g_strdup_printf("%s-denied", c->name);
		const char *denied_args[] = { denied_id, "", bundle, options, NULL };
		const char *allowed_args[] = { c->name, "", bundle, options, NULL };
		guint32 count;

		g_test_message("%s", c->name);
		count = container_count(t);
		/* ocidtest2 may create and manage, not create privileged containers. */
		assert_denied_full(t, "ocidtest2", FALSE, MANAGER_PATH, MANAGER ".CreateContainer",
				   denied_args, PRIVILEGED, reason);
		g_assert_cmpuint(container_count(t), ==, count);
		if (!c->creatable)
			continue;
		/* ocidtest5 may, and the container is created. */
		g_free(assert_allowed(t, "ocidtest5", MANAGER_PATH, MANAGER ".CreateContainer",
				      allowed_args));
		{
			g_autofree char *path = path_of(t, c->name);
			ocid_test_delete(t, path, TRUE);
		}
		g_assert_cmpuint(container_count(t), ==, count);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(confined_cases); i++) {
		const PrivilegeCase *c = &confined_cases[i];
		g_autofree char *bundle = case_bundle(t, c, reachable, secret);
		const char *args[] = { c->name, "", bundle, c->options, NULL };
		const char *delete_args[] = { "true", NULL };
		g_autofree char *path = NULL;
		guint32 count = container_count(t);

		g_test_message("%s", c->name);
		g_free(
		    assert_allowed(t, "ocidtest2", MANAGER_PATH, MANAGER ".CreateContainer", args));
		path = path_of(t, c->name);
		g_free(assert_allowed(t, "ocidtest2", path, CONTAINER ".Start", NULL));
		g_assert_true(ocid_test_wait_state(t, path, "running", 5000));
		assert_runs_as(t, path, ocidtest2);
		g_free(assert_allowed(t, "ocidtest2", path, CONTAINER ".Delete", delete_args));
		g_assert_cmpuint(container_count(t), ==, count);
	}
}
