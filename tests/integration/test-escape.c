/* Escapes (issue 19): what a local user who may create containers, but not privileged
 * ones, tries in order to become root on the host, read root's files or write to them.
 * Each test makes the attempt as that user (ocidtest6, group ocidattack, which
 * tests/systemd/inside.sh grants org.oci.Runtime.create, manage and logs, never
 * create-privileged) and asserts what the host looks like afterwards: a refused call alone
 * proves nothing, a root-owned setuid file or a changed sysctl proves the escape.
 * Runs under a real systemd with polkitd (tests/systemd/run.sh); elsewhere it skips. */
#include "escape-test.h"

OcidTest *
setup_or_skip(void)
{
	OcidTest *t = ocid_test_get_system_or_skip(
	    "runs under a real systemd with polkitd: tests/systemd/run.sh");

	if (t == NULL)
		return NULL;
	if (getpwnam(ATTACKER) == NULL) {
		g_test_skip("needs the user " ATTACKER " of tests/systemd/inside.sh");
		return NULL;
	}
	/* The attacker reaches her bundles below it. */
	g_assert_cmpint(chmod(t->tmpdir, 0755), ==, 0);
	return t;
}

guint
scaled(guint ms)
{
	return ms * ocid_test_time_scale();
}

uid_t
uid_of(const char *user)
{
	const struct passwd *pw = getpwnam(user);

	g_assert_nonnull(pw);
	return pw->pw_uid;
}

gid_t
gid_of(const char *user)
{
	const struct passwd *pw = getpwnam(user);

	g_assert_nonnull(pw);
	return pw->pw_gid;
}

void
call_result_clear(CallResult *r)
{
	g_free(r->out);
	g_free(r->err);
}

/* Runs @argv as @user (her own groups), as any local user's tool would run. */
void
run_as(const char *user, const char *const *argv, CallResult *result)
{
	g_autoptr(GPtrArray) full = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	int status = 0;

	g_ptr_array_add(full, g_strdup("setpriv"));
	g_ptr_array_add(full, g_strdup_printf("--reuid=%u", (unsigned)uid_of(user)));
	g_ptr_array_add(full, g_strdup_printf("--regid=%u", (unsigned)gid_of(user)));
	g_ptr_array_add(full, g_strdup("--init-groups"));
	for (int i = 0; argv[i] != NULL; i++)
		g_ptr_array_add(full, g_strdup(argv[i]));
	g_ptr_array_add(full, NULL);
	g_assert_true(g_spawn_sync("/", (char **)full->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
				   &result->out, &result->err, &status, &error));
	g_assert_no_error(error);
	result->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* gdbus call of @method on @path, as @user. */
static void
call_as(const char *user, const char *path, const char *method, const char *const *args,
	CallResult *result)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);

	g_ptr_array_add(argv, g_strdup("gdbus"));
	g_ptr_array_add(argv, g_strdup("call"));
	g_ptr_array_add(argv, g_strdup("--system"));
	g_ptr_array_add(argv, g_strdup("--dest=org.oci.Runtime"));
	g_ptr_array_add(argv, g_strdup_printf("--object-path=%s", path));
	g_ptr_array_add(argv, g_strdup_printf("--method=%s", method));
	for (int i = 0; args != NULL && args[i] != NULL; i++)
		g_ptr_array_add(argv, g_strdup(args[i]));
	g_ptr_array_add(argv, NULL);
	run_as(user, (const char *const *)argv->pdata, result);
}

void
create_as(const char *user, const char *id, const char *bundle, const char *options,
	  CallResult *result)
{
	const char *args[] = { id, "", bundle, options != NULL ? options : "{}", NULL };

	call_as(user, MANAGER_PATH, MANAGER ".CreateContainer", args, result);
}

/* The path of container @id, NULL when there is none. */
char *
container_path(OcidTest *t, const char *id)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = ocid_test_call(t, MANAGER_PATH, MANAGER, "GetContainer",
						   g_variant_new("(s)", id), "(o)", &error);
	char *path = NULL;

	if (reply == NULL)
		return NULL;
	g_variant_get(reply, "(o)", &path);
	return path;
}

void
delete_if_there(OcidTest *t, const char *id)
{
	g_autofree char *path = container_path(t, id);

	if (path != NULL)
		ocid_test_delete(t, path, TRUE);
}

/* A refusal by name: AccessDenied or InvalidArgument, nothing else (a RuntimeFailed would
 * mean that ocid tried). */
gboolean
is_refusal(const CallResult *r)
{
	/* She holds org.oci.Runtime.create: a refusal of that is not what the test is about. */
	if (r->status != 0 &&
	    strstr(r->err, "Not authorized for org.oci.Runtime.create ") != NULL) {
		g_test_message("refused for org.oci.Runtime.create, which she holds: %s", r->err);
		return FALSE;
	}
	return r->status != 0 && (strstr(r->err, "org.oci.Runtime.Error.AccessDenied") != NULL ||
				  strstr(r->err, "org.oci.Runtime.Error.InvalidArgument") != NULL);
}

void
assert_refused(const CallResult *r, const char *what)
{
	if (!is_refusal(r))
		g_error("%s: expected AccessDenied or InvalidArgument, got (exit %d): %s%s", what,
			r->status, r->out, r->err);
}

void
assert_no_leak(const CallResult *r, const char *secret, const char *what)
{
	if (strstr(r->out, secret) != NULL || strstr(r->err, secret) != NULL)
		g_error("%s: the reply carries the contents of a file the caller cannot read: "
			"%s%s",
			what, r->out, r->err);
}

/* Starts @path as @user and waits until it has stopped (its script ran to its end). */
void
run_to_end_as(OcidTest *t, const char *user, const char *path)
{
	g_auto(CallResult) r = { 0 };

	call_as(user, path, CONTAINER ".Start", NULL, &r);
	if (r.status != 0)
		g_error("Start of %s as %s was refused: %s", path, user, r.err);
	g_assert_true(ocid_test_wait_state(t, path, "stopped", scaled(20000)));
}

void
chown_tree(const char *dir, uid_t uid, gid_t gid)
{
	g_autofree char *owner = g_strdup_printf("%u:%u", (unsigned)uid, (unsigned)gid);
	const char *argv[] = { "chown", "-R", "--no-dereference", owner, dir, NULL };
	int status = 0;

	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
				   NULL, &status, NULL));
	g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

void
edit_config(const char *bundle, const char *from, const char *to, guint limit)
{
	g_autofree char *config_path = g_build_filename(bundle, "config.json", NULL);
	g_autofree char *config = ocid_test_read_file(config_path);
	g_autoptr(GString) edited = g_string_new(config);

	if (g_string_replace(edited, from, to, limit) == 0)
		g_error("%s: no %s to edit", config_path, from);
	g_assert_true(g_file_set_contents(config_path, edited->str, -1, NULL));
}

/* A busybox bundle running @script, owned by the attacker (so writable to her), with
 * config.json's @from replaced by @to (when not NULL). */
char *
attacker_bundle(OcidTest *t, const char *name, const char *script, const char *from, const char *to)
{
	g_autofree char *bundle = ocid_test_make_bundle(t, name, script);

	if (from != NULL)
		edit_config(bundle, from, to, 1);
	chown_tree(bundle, uid_of(ATTACKER), gid_of(ATTACKER));
	return g_steal_pointer(&bundle);
}

char *
checksum_of(const char *path)
{
	g_autofree char *text = NULL;
	gsize length = 0;

	if (!g_file_get_contents(path, &text, &length, NULL))
		return NULL;
	return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)text, length);
}

/* A root-only file holding @content. */
void
write_root_secret(const char *path, const char *content)
{
	g_assert_true(g_file_set_contents(path, content, -1, NULL));
	g_assert_cmpint(chown(path, 0, 0), ==, 0);
	g_assert_cmpint(chmod(path, 0600), ==, 0);
	g_assert_cmpint(chmod("/root", 0700), ==, 0);
}

/* A property, or NULL when the daemon has no such property. */
static GVariant *
property_or_null(OcidTest *t, const char *path, const char *name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply =
	    ocid_test_call(t, path, "org.freedesktop.DBus.Properties", "Get",
			   g_variant_new("(ss)", CONTAINER, name), "(v)", &error);
	GVariant *value = NULL;

	if (reply == NULL) {
		g_test_message("Get %s: %s", name, error->message);
		return NULL;
	}
	g_variant_get(reply, "(v)", &value);
	return value;
}

/* The real uid of process @pid on the host, G_MAXUINT32 when it is gone. */
static guint32
host_uid_of(int pid)
{
	g_autofree char *status_path = g_strdup_printf("/proc/%d/status", pid);
	g_autofree char *status = NULL;
	const char *line;

	if (!g_file_get_contents(status_path, &status, NULL, NULL))
		return G_MAXUINT32;
	line = strstr(status, "\nUid:");
	g_assert_nonnull(line);
	return (guint32)strtoul(line + strlen("\nUid:"), NULL, 10);
}

/* ---- who she is inside ------------------------------------------------------------- */

/* Her container records her as its owner, is confined, and its process is her on the
 * host. */
static void
test_owner_and_identity(void)
{
	OcidTest *t = setup_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autoptr(GVariant) owner = NULL;
	g_autoptr(GVariant) confined = NULL;
	g_auto(CallResult) r = { 0 };
	int pid;

	if (t == NULL)
		return;
	bundle = attacker_bundle(t, "esc-identity", "echo up; sleep 300", NULL, NULL);
	create_as(ATTACKER, "esc-identity", bundle, NULL, &r);
	if (r.status != 0)
		g_error("create as %s was refused: %s", ATTACKER, r.err);
	path = container_path(t, "esc-identity");
	g_assert_nonnull(path);
	{
		g_auto(CallResult) start = { 0 };
		call_as(ATTACKER, path, CONTAINER ".Start", NULL, &start);
		if (start.status != 0)
			g_error("Start as %s was refused: %s", ATTACKER, start.err);
	}
	g_assert_true(ocid_test_wait_state(t, path, "running", scaled(20000)));
	g_assert_true(ocid_test_wait_output(t, path, "up", scaled(20000)));

	pid = ocid_test_get_int(t, path, "Pid");
	g_assert_cmpint(pid, >, 0);
	g_test_message("the container's process runs as uid %u on the host", host_uid_of(pid));
	owner = property_or_null(t, path, "Owner");
	confined = property_or_null(t, path, "Confined");
	if (host_uid_of(pid) != uid_of(ATTACKER))
		g_error("%s's container runs as uid %u on the host, not as %u", ATTACKER,
			host_uid_of(pid), (unsigned)uid_of(ATTACKER));
	g_assert_nonnull(owner);
	g_assert_cmpuint(g_variant_get_uint32(owner), ==, uid_of(ATTACKER));
	g_assert_nonnull(confined);
	g_assert_true(g_variant_get_boolean(confined));

	/* ListContainers by owner finds hers, and not for another uid. */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GVariant) mine = NULL;
		g_autoptr(GVariant) root = NULL;
		GVariantBuilder filter;

		g_variant_builder_init(&filter, G_VARIANT_TYPE("a{sv}"));
		g_variant_builder_add(&filter, "{sv}", "owner",
				      g_variant_new_uint32(uid_of(ATTACKER)));
		mine = ocid_test_call(t, MANAGER_PATH, MANAGER, "ListContainers",
				      g_variant_new("(a{sv})", &filter), "(a(sssto))", &error);
		g_assert_no_error(error);
		g_variant_builder_init(&filter, G_VARIANT_TYPE("a{sv}"));
		g_variant_builder_add(&filter, "{sv}", "owner", g_variant_new_uint32(0));
		root = ocid_test_call(t, MANAGER_PATH, MANAGER, "ListContainers",
				      g_variant_new("(a{sv})", &filter), "(a(sssto))", &error);
		g_assert_no_error(error);
		g_assert_nonnull(strstr(g_variant_print(mine, FALSE), "esc-identity"));
		g_assert_null(strstr(g_variant_print(root, FALSE), "esc-identity"));
	}
	ocid_test_delete(t, path, TRUE);
}

/* ---- a. setuid root through a rootfs she owns ------------------------------------- */

static void
test_setuid_rootfs(void)
{
	OcidTest *t = setup_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autofree char *pwn = NULL;
	g_autofree char *log = NULL;
	g_auto(CallResult) r = { 0 };
	struct stat st;

	if (t == NULL)
		return;
	bundle = attacker_bundle(
	    t, "esc-setuid",
	    "busybox cp /bin/busybox /pwn && busybox chmod 4755 /pwn && echo copied; echo end",
	    "\"readonly\": true", "\"readonly\": false");
	/* Docker's default capabilities, which need no privilege: root in the container may
	 * write anywhere in the rootfs and keep a setuid bit. */
	edit_config(bundle, "\"CAP_KILL\"",
		    "\"CAP_DAC_OVERRIDE\", \"CAP_FOWNER\", \"CAP_FSETID\", \"CAP_CHOWN\", "
		    "\"CAP_KILL\"",
		    0);
	chown_tree(bundle, uid_of(ATTACKER), gid_of(ATTACKER));
	pwn = g_build_filename(bundle, "rootfs", "pwn", NULL);
	create_as(ATTACKER, "esc-setuid", bundle, NULL, &r);
	if (r.status != 0)
		g_error("create as %s was refused: %s", ATTACKER, r.err);
	path = container_path(t, "esc-setuid");
	run_to_end_as(t, ATTACKER, path);
	log = ocid_test_read_file(ocid_test_get_string(t, path, "LogPath"));
	g_test_message("the container said: %s", log);
	g_assert_nonnull(strstr(log, "stdout F end"));

	if (lstat(pwn, &st) == 0) {
		if (st.st_uid == 0 && (st.st_mode & S_ISUID) != 0)
			g_error("%s is a setuid-root file on the host (mode %o)", pwn,
				(unsigned)st.st_mode);
		/* What the container writes is hers. */
		g_assert_cmpuint(st.st_uid, ==, uid_of(ATTACKER));
	} else {
		g_assert_cmpint(errno, ==, ENOENT);
	}
	ocid_test_delete(t, path, TRUE);
	(void)unlink(pwn);
}

/* ---- another user's containers ------------------------------------------------------ */

/* Owning hers gives her nothing over root's: without the verb's action she is refused
 * (ocidtest1 has no rule at all). */
static void
test_other_users_container(void)
{
	OcidTest *t = setup_or_skip();
	g_autofree char *victim = NULL;
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_auto(CallResult) r = { 0 };

	if (t == NULL)
		return;
	victim = ocid_test_make_container(t, "esc-roots", "sleep 300", NULL, TRUE);
	bundle = attacker_bundle(t, "esc-hers", "sleep 300", NULL, NULL);
	create_as(ATTACKER, "esc-hers", bundle, NULL, &r);
	if (r.status != 0)
		g_error("create as %s was refused: %s", ATTACKER, r.err);
	path = container_path(t, "esc-hers");
	{
		g_auto(CallResult) stop = { 0 };
		g_auto(CallResult) del = { 0 };
		const char *stop_args[] = { "1", NULL };
		const char *delete_args[] = { "true", NULL };

		call_as("ocidtest1", victim, CONTAINER ".Stop", stop_args, &stop);
		call_as("ocidtest1", path, CONTAINER ".Delete", delete_args, &del);
		if (stop.status == 0 || strstr(stop.err, "AccessDenied") == NULL)
			g_error("ocidtest1 stopping root's container: %s", stop.err);
		if (del.status == 0 || strstr(del.err, "AccessDenied") == NULL)
			g_error("ocidtest1 deleting %s's container: %s", ATTACKER, del.err);
	}
	g_assert_nonnull(container_path(t, "esc-hers"));
	{
		g_autofree char *state = ocid_test_get_string(t, victim, "State");
		g_assert_cmpstr(state, ==, "running");
	}
	ocid_test_delete(t, path, TRUE);
	ocid_test_delete(t, victim, TRUE);
}

static void
add_tests(void)
{
	g_test_add_func("/escape/owner-and-identity", test_owner_and_identity);
	g_test_add_func("/escape/setuid-rootfs", test_setuid_rootfs);
	g_test_add_func("/escape/log-path-etc", test_log_path_etc);
	g_test_add_func("/escape/log-path-secret", test_log_path_secret);
	g_test_add_func("/escape/log-path-other-container", test_log_path_other_container);
	g_test_add_func("/escape/bundle-under-root", test_bundle_under_root);
	g_test_add_func("/escape/seccomp-profile-secret", test_seccomp_profile_secret);
	g_test_add_func("/escape/second-procfs", test_second_procfs);
	g_test_add_func("/escape/devices-allowed", test_devices_allowed);
	g_test_add_func("/escape/relative-bind-source", test_relative_bind_source);
	g_test_add_func("/escape/open-log-huge-tail", test_open_log_huge_tail);
	g_test_add_func("/escape/needs-privilege", test_needs_privilege);
	g_test_add_func("/escape/other-users-container", test_other_users_container);
}

/* --open-log PATH TAIL [--discard]: this binary as the attacker's own tool. Calls OpenLog
 * on the system bus and copies what the fd gives to stdout (at most 1 MiB; with
 * --discard, reads 64 KiB and stops). A D-Bus error goes to stderr, exit 1. */
static int
open_log_main(const char *path, const char *tail, gboolean discard)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) conn = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
	g_autoptr(GUnixFDList) fds = NULL;
	g_autoptr(GVariant) reply = NULL;
	GVariantBuilder options;
	gsize total = 0;
	char buf[65536];
	int fd;

	if (conn == NULL) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	g_variant_builder_init(&options, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&options, "{sv}", "tail",
			      g_variant_new_uint64(g_ascii_strtoull(tail, NULL, 10)));
	reply = g_dbus_connection_call_with_unix_fd_list_sync(
	    conn, "org.oci.Runtime", path, CONTAINER, "OpenLog", g_variant_new("(a{sv})", &options),
	    G_VARIANT_TYPE("(h)"), G_DBUS_CALL_FLAGS_NONE, 120000, NULL, &fds, NULL, &error);
	if (reply == NULL) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	fd = g_unix_fd_list_get(fds, 0, &error);
	if (fd < 0) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	while (total < (discard ? sizeof(buf) : 1u << 20)) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0)
			break;
		if (!discard && fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return 1;
		total += (gsize)n;
	}
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 4 && g_str_equal(argv[1], "--open-log"))
		return open_log_main(argv[2], argv[3],
				     argc >= 5 && g_str_equal(argv[4], "--discard"));
	return ocid_test_main(argc, argv, add_tests);
}
