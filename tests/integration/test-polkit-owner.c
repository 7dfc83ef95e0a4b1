/* Issue 19 on the private bus: a non-root caller's container runs confined as her, its
 * owner acts on it without asking polkit, and the files of her bundle are opened as her. */
#include "polkit-test.h"

char *
path_of(OcidTest *t, const char *id)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = ocid_test_call(t, MANAGER_PATH, MANAGER, "GetContainer",
						   g_variant_new("(s)", id), "(o)", &error);
	char *path = NULL;

	g_assert_no_error(error);
	g_variant_get(reply, "(o)", &path);
	return path;
}

/* The running container @path runs in a user namespace whose root is @uid, and no id of it
 * is host root (ids from 1 on are the owner's /etc/subuid ranges, if she has any); or,
 * with @uid 0, in the host's user namespace. */
void
assert_runs_as(OcidTest *t, const char *path, uid_t uid)
{
	int pid = ocid_test_get_int(t, path, "Pid");
	g_autofree char *map_path = g_strdup_printf("/proc/%d/uid_map", pid);
	g_autofree char *map = NULL;
	g_auto(GStrv) lines = NULL;

	g_assert_cmpint(pid, >, 0);
	map = ocid_test_read_file(map_path);
	g_assert_nonnull(map);
	lines = g_strsplit(g_strstrip(map), "\n", -1);
	for (int i = 0; lines[i] != NULL; i++) {
		guint64 inside, host, size;

		g_assert_cmpint(sscanf(lines[i],
				       "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
				       " %" G_GUINT64_FORMAT,
				       &inside, &host, &size),
				==, 3);
		if (i == 0) {
			g_assert_cmpuint(inside, ==, 0);
			g_assert_cmpuint(host, ==, uid);
			g_assert_cmpuint(size, ==, uid == 0 ? G_MAXUINT32 : 1);
		} else {
			g_assert_cmpuint(uid, !=, 0);
			g_assert_cmpuint(host, >, 0);
		}
	}
}

/* Issue 19: a container's owner acts on it with her own authority, and polkit is not
 * asked; another user's container (root's or another non-root user's) needs the verb's
 * action as before. */
void
test_owner_acts_on_own(void)
{
	OcidTest *t = setup_private_or_skip();
	const char *const nothing[] = { NULL };
	const char *const create[] = { CREATE, NULL };
	const char *const manage[] = { MANAGE, NULL };
	const char *stop_args[] = { "1", NULL };
	const char *delete_args[] = { "true", NULL };
	const char *exec_args[] = { "['/bin/echo', 'inside']", "5", NULL };
	g_autofree char *bundle = NULL;
	g_autofree char *mine = NULL;
	g_autofree char *theirs = NULL;
	uid_t nobody, other;
	guint32 count;
	Authority *a;

	if (t == NULL)
		return;
	nobody = getpwnam(NOBODY)->pw_uid;
	other = getpwnam(OTHER)->pw_uid;
	bundle = ocid_test_make_bundle(t, "owned", "sleep 300");
	count = container_count(t);
	a = authority_start(t);
	{
		const char *mine_args[] = { "mine", "", bundle, "{}", NULL };
		const char *theirs_args[] = { "theirs", "", bundle, "{}", NULL };

		authority_set(a, ANSWER_NO, create);
		g_free(
		    assert_allowed(t, NOBODY, MANAGER_PATH, MANAGER ".CreateContainer", mine_args));
		assert_question(authority_question(a, 1, 0), nobody, CREATE, "mine", "create", 0);
		authority_set(a, ANSWER_NO, create);
		g_free(assert_allowed(t, OTHER, MANAGER_PATH, MANAGER ".CreateContainer",
				      theirs_args));
		assert_question(authority_question(a, 1, 0), other, CREATE, "theirs", "create", 0);
	}
	mine = path_of(t, "mine");
	theirs = path_of(t, "theirs");

	/* Nothing granted: she starts, pauses, execs in and stops her own, unasked. */
	authority_set(a, ANSWER_NO, nothing);
	g_free(assert_allowed(t, NOBODY, mine, CONTAINER ".Start", NULL));
	g_assert_true(ocid_test_wait_state(t, mine, "running", 5000));
	assert_runs_as(t, mine, nobody);
	g_free(assert_allowed(t, NOBODY, mine, CONTAINER ".Pause", NULL));
	g_assert_true(ocid_test_wait_state(t, mine, "paused", 5000));
	g_free(assert_allowed(t, NOBODY, mine, CONTAINER ".Unpause", NULL));
	g_assert_true(ocid_test_wait_state(t, mine, "running", 5000));
	{
		g_autofree char *out =
		    assert_allowed(t, NOBODY, mine, CONTAINER ".ExecSync", exec_args);
		if (strstr(out, "0x69, 0x6e, 0x73, 0x69, 0x64, 0x65, 0x0a") == NULL)
			g_error("ExecSync's output is not 'inside': %s", out);
	}
	(void)authority_question(a, 0, 0);

	/* The other user's container: each verb asks its action, for her, and is refused. */
	authority_set(a, ANSWER_NO, nothing);
	assert_denied(t, NOBODY, theirs, CONTAINER ".Start", NULL, MANAGE);
	assert_question(authority_question(a, 1, 0), nobody, MANAGE, "theirs", "start", 0);
	authority_set(a, ANSWER_NO, nothing);
	assert_denied(t, NOBODY, theirs, CONTAINER ".Delete", delete_args, MANAGE);
	assert_question(authority_question(a, 1, 0), nobody, MANAGE, "theirs", "delete", 0);
	authority_set(a, ANSWER_NO, nothing);
	assert_denied(t, OTHER, mine, CONTAINER ".Stop", stop_args, MANAGE);
	assert_question(authority_question(a, 1, 0), other, MANAGE, "mine", "stop", 0);
	authority_set(a, ANSWER_NO, nothing);
	assert_denied(t, OTHER, mine, CONTAINER ".ExecSync", exec_args, EXEC);
	assert_question(authority_question(a, 1, 0), other, EXEC, "mine", "exec", 0);
	{
		g_autofree char *state = state_of(t, mine);
		g_autofree char *their_state = state_of(t, theirs);
		g_assert_cmpstr(state, ==, "running");
		g_assert_cmpstr(their_state, ==, "created");
	}
	/* Granted manage, the other user starts her own without asking, and nobody's
	 * container only once polkit said yes. */
	authority_set(a, ANSWER_NO, manage);
	g_free(assert_allowed(t, OTHER, theirs, CONTAINER ".Start", NULL));
	g_assert_true(ocid_test_wait_state(t, theirs, "running", 5000));
	assert_runs_as(t, theirs, other);
	(void)authority_question(a, 0, 0);
	g_free(assert_allowed(t, OTHER, mine, CONTAINER ".Stop", stop_args));
	g_assert_true(ocid_test_wait_state(t, mine, "stopped", 10000));
	assert_question(authority_question(a, 1, 0), other, MANAGE, "mine", "stop", 0);

	/* Each deletes her own, unasked. */
	authority_set(a, ANSWER_NO, nothing);
	g_free(assert_allowed(t, NOBODY, mine, CONTAINER ".Delete", delete_args));
	g_free(assert_allowed(t, OTHER, theirs, CONTAINER ".Delete", delete_args));
	(void)authority_question(a, 0, 0);
	g_assert_cmpuint(container_count(t), ==, count);
	authority_stop(a);
}

/* The bundle @name with its config.json's first @from replaced by @to. */
char *
make_edited_bundle(OcidTest *t, const char *name, const char *from, const char *to)
{
	g_autofree char *bundle = ocid_test_make_bundle(t, name, "sleep 300");
	g_autofree char *config_path = g_build_filename(bundle, "config.json", NULL);
	g_autofree char *config = ocid_test_read_file(config_path);
	g_autoptr(GString) edited = g_string_new(config);

	g_assert_cmpuint(g_string_replace(edited, from, to, 1), ==, 1);
	g_assert_true(g_file_set_contents(config_path, edited->str, -1, NULL));
	return g_steal_pointer(&bundle);
}

/* A bundle of root's that other users cannot reach (mode 0700): its rootfs and files are
 * what a bind source or root.path of someone else's would be. */
char *
make_unreachable_bundle(OcidTest *t)
{
	g_autofree char *secret = g_build_filename(t->tmpdir, "bundles", "secret", NULL);

	if (!g_file_test(secret, G_FILE_TEST_IS_DIR))
		g_free(ocid_test_make_bundle(t, "secret", "sleep 300"));
	g_assert_cmpint(chmod(secret, 0700), ==, 0);
	return g_steal_pointer(&secret);
}

/* Files named in the options are opened as the caller: volumes she can read are bind
 * mounts of a confined container (ocid.conf's bind_mount_allowlist is accepted and
 * ignored); one she cannot read is refused, create-privileged or not, without saying
 * what it holds. A bind mount in the bundle of a source she cannot read needs
 * create-privileged; a relative bind source is refused for everyone. */
void
test_files_as_caller(void)
{
	OcidTest *t = setup_private_or_skip();
	const char *const create[] = { CREATE, NULL };
	const char *const both[] = { CREATE, PRIVILEGED, NULL };
	const char *delete_args[] = { "true", NULL };
	g_autofree char *bundle = NULL;
	g_autofree char *secret = NULL;
	g_autofree char *secret_volume = NULL;
	g_autofree char *secret_bind = NULL;
	g_autofree char *relative = NULL;
	g_autofree char *hidden = NULL;
	uid_t nobody;
	guint32 count;
	Authority *a;

	if (t == NULL)
		return;
	nobody = getpwnam(NOBODY)->pw_uid;
	bundle = ocid_test_make_bundle(t, "volumes", "sleep 300");
	/* Confined, the runtime creates no mount point in root's rootfs: nobody may not. */
	{
		g_autofree char *mount_point = g_build_filename(bundle, "rootfs", "d", NULL);
		g_assert_cmpint(g_mkdir(mount_point, 0755), ==, 0);
	}
	secret = make_unreachable_bundle(t);
	hidden = g_build_filename(secret, "rootfs", "etc", NULL);
	secret_volume = g_strdup_printf("{'volumes': <[('/d', '%s', true)]>}", hidden);
	{
		g_autofree char *to = g_strdup_printf(
		    "\"mounts\": [{\"destination\": \"/h\", \"type\": \"bind\", \"source\": "
		    "\"%s\", \"options\": [\"rbind\", \"ro\"]},",
		    hidden);
		secret_bind = make_edited_bundle(t, "secret-bind", "\"mounts\": [", to);
	}
	relative = make_edited_bundle(
	    t, "relative-bind", "\"mounts\": [",
	    "\"mounts\": [{\"destination\": \"/h\", \"type\": \"bind\", \"source\": "
	    "\"rootfs/etc\", \"options\": [\"rbind\", \"ro\"]},");
	ocid_test_restart_with_config(t, "bind_mount_allowlist = /nonexistent /usr/share");
	count = container_count(t);
	a = authority_start(t);
	{
		const char *inside[] = { "volume-allowed", "", bundle,
					 "{'volumes': <[('/d', '/usr/share', true)]>}", NULL };
		const char *outside[] = { "volume-outside", "", bundle,
					  "{'volumes': <[('/d', '/usr/lib', true)]>}", NULL };
		const char *unreadable[] = { "volume-secret", "", bundle, secret_volume, NULL };
		const char *bind_args[] = { "bind-secret", "", secret_bind, "{}", NULL };
		const char *relative_args[] = { "bind-relative", "", relative, "{}", NULL };
		g_autofree char *why = g_strdup_printf(
		    "its bind source %s is not reachable with your own authority", hidden);
		const Question *q;

		/* create only, on both sides of what was the allow-list. */
		authority_set(a, ANSWER_NO, create);
		g_free(assert_allowed(t, NOBODY, MANAGER_PATH, MANAGER ".CreateContainer", inside));
		assert_question(authority_question(a, 1, 0), nobody, CREATE, "volume-allowed",
				"create", 0);
		authority_set(a, ANSWER_NO, create);
		g_free(
		    assert_allowed(t, NOBODY, MANAGER_PATH, MANAGER ".CreateContainer", outside));
		assert_question(authority_question(a, 1, 0), nobody, CREATE, "volume-outside",
				"create", 0);

		/* Her volume she cannot read: refused, even with create-privileged granted,
		 * which is not asked. */
		authority_set(a, ANSWER_NO, both);
		assert_denied_full(t, NOBODY, FALSE, MANAGER_PATH, MANAGER ".CreateContainer",
				   unreadable, "Volume", "is not accessible to you");
		(void)authority_question(a, 1, 0);

		/* The bundle's bind mount of it: create-privileged, saying why. */
		authority_set(a, ANSWER_NO, create);
		assert_denied_full(t, NOBODY, FALSE, MANAGER_PATH, MANAGER ".CreateContainer",
				   bind_args, PRIVILEGED, why);
		q = authority_question(a, 2, 1);
		assert_question(q, nobody, PRIVILEGED, "bind-secret", "create", 0);
		g_assert_cmpstr(q->reason, ==, why);
		authority_set(a, ANSWER_NO, both);
		g_free(
		    assert_allowed(t, NOBODY, MANAGER_PATH, MANAGER ".CreateContainer", bind_args));
		(void)authority_question(a, 2, 0);

		/* A relative source: refused, root's too, before polkit is asked more. */
		authority_set(a, ANSWER_NO, both);
		{
			g_auto(CallResult) r = { 0 };
			call_as(t, NOBODY, FALSE, MANAGER_PATH, MANAGER ".CreateContainer",
				relative_args, &r);
			g_assert_cmpint(r.status, !=, 0);
			g_assert_nonnull(strstr(r.err, "org.oci.Runtime.Error.InvalidArgument"));
			g_assert_nonnull(strstr(r.err, "relative source 'rootfs/etc'"));
		}
		(void)authority_question(a, 1, 0);
		{
			g_autoptr(GError) error = NULL;
			g_autofree char *root_path =
			    ocid_test_create(t, "bind-relative", "", relative, NULL, &error);
			g_assert_null(root_path);
			ocid_test_assert_error(error, "InvalidArgument");
		}

		authority_set(a, ANSWER_NO, NULL);
		for (int i = 0; i < 3; i++) {
			const char *ids[] = { "volume-allowed", "volume-outside", "bind-secret" };
			g_autofree char *path = path_of(t, ids[i]);
			g_free(assert_allowed(t, NOBODY, path, CONTAINER ".Delete", delete_args));
		}
		(void)authority_question(a, 0, 0);
		g_assert_cmpuint(container_count(t), ==, count);
	}
	authority_stop(a);
	ocid_test_restart_with_config(t, NULL);
}

/* Swaps @bundle's config.json for @replacement's, in place (same path, new bytes). */
static void
swap_config(const char *bundle, const char *replacement)
{
	g_autofree char *from = g_build_filename(replacement, "config.json", NULL);
	g_autofree char *to = g_build_filename(bundle, "config.json", NULL);
	g_autofree char *text = ocid_test_read_file(from);

	g_assert_true(g_file_set_contents(to, text, -1, NULL));
}

/* The privilege decision and the container come from the same bytes of config.json: a
 * caller who swaps it while ocid waits for polkit gets neither a privileged container
 * on create alone, nor a container other than the one that was decided on. */
void
test_swapped_bundle(void)
{
	OcidTest *t = setup_private_or_skip();
	const char *const create[] = { CREATE, NULL };
	const char *const both[] = { CREATE, PRIVILEGED, NULL };
	g_autofree char *benign = NULL;
	g_autofree char *host_net = NULL;
	g_autofree char *path = NULL;
	g_autofree char *dir = NULL;
	g_autofree char *effective_path = NULL;
	g_autofree char *effective = NULL;
	Authority *a;

	if (t == NULL)
		return;
	benign = ocid_test_make_bundle(t, "benign", "echo benign; sleep 300");
	host_net = make_host_network_bundle(t, "swap-host-net");
	a = authority_start(t);

	/* A create-only caller whose benign bundle turns privileged while create is being
	 * asked: the one read comes after, sees the privileged spec, asks create-privileged,
	 * is refused; nothing is created. */
	{
		g_autofree char *bundle = ocid_test_make_bundle(t, "swap-a", "sleep 300");
		const char *args[] = { "swap-a", "", bundle, "{}", NULL };
		DelayedCall call = { t, MANAGER_PATH, MANAGER ".CreateContainer", args, { 0 } };
		GThread *caller;

		authority_set(a, ANSWER_NO, create);
		authority_hold(a);
		caller = g_thread_new("caller", call_as_nobody, &call);
		authority_wait_held(a);
		swap_config(bundle, host_net);
		authority_release(a);
		g_thread_join(caller);
		g_assert_cmpint(call.result.status, !=, 0);
		g_assert_nonnull(strstr(call.result.err, "org.oci.Runtime.Error.AccessDenied"));
		g_assert_nonnull(strstr(call.result.err, PRIVILEGED));
		assert_question(authority_question(a, 2, 1), getpwnam(NOBODY)->pw_uid, PRIVILEGED,
				"swap-a", "create", 0);
		call_result_clear(&call.result);
	}

	/* A bundle decided privileged, swapped for another while create-privileged is being
	 * asked: the container runs the spec that was decided on, not the swapped one. */
	{
		g_autofree char *bundle = make_host_network_bundle(t, "swap-b");
		const char *args[] = { "swap-b", "", bundle, "{}", NULL };
		DelayedCall call = { t, MANAGER_PATH, MANAGER ".CreateContainer", args, { 0 } };
		GThread *caller;

		authority_set(a, ANSWER_NO, both);
		/* create first, then create-privileged: swap while the second is asked. */
		caller = call_held_at_second(a, &call);
		swap_config(bundle, benign);
		authority_release(a);
		g_thread_join(caller);
		if (call.result.status != 0)
			g_error("create as %s was refused: %s", NOBODY, call.result.err);
		call_result_clear(&call.result);
		path = g_strdup(MANAGER_PATH "/container/swap_2db");
		dir = ocid_test_get_string(t, path, "Dir");
		effective_path = g_build_filename(dir, "config.json", NULL);
		effective = ocid_test_read_file(effective_path);
		g_assert_null(strstr(effective, "echo benign"));
		g_assert_null(strstr(effective, "\"network\""));
		ocid_test_delete(t, path, TRUE);
	}
	authority_stop(a);
}
