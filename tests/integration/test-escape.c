/* Escapes (issue 19): what a local user who may create containers, but not privileged
 * ones, tries in order to become root on the host, read root's files or write to them.
 * Each test makes the attempt as that user (ocidtest6, group ocidattack, which
 * tests/systemd/inside.sh grants org.oci.Runtime.create, manage and logs, never
 * create-privileged) and asserts what the host looks like afterwards: a refused call alone
 * proves nothing, a root-owned setuid file or a changed sysctl proves the escape.
 * Runs under a real systemd with polkitd (tests/systemd/run.sh); elsewhere it skips. */
#include "ocid-test.h"

#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define ATTACKER "ocidtest6"
#define SECRET   "SECRETTOKEN123"

static OcidTest *
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

static guint
scaled(guint ms)
{
	return ms * ocid_test_time_scale();
}

static uid_t
uid_of(const char *user)
{
	const struct passwd *pw = getpwnam(user);

	g_assert_nonnull(pw);
	return pw->pw_uid;
}

static gid_t
gid_of(const char *user)
{
	const struct passwd *pw = getpwnam(user);

	g_assert_nonnull(pw);
	return pw->pw_gid;
}

typedef struct {
	int status; /* the command's exit code */
	char *out;
	char *err;
} CallResult;

static void
call_result_clear(CallResult *r)
{
	g_free(r->out);
	g_free(r->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CallResult, call_result_clear)

/* Runs @argv as @user (her own groups), as any local user's tool would run. */
static void
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

static void
create_as(const char *user, const char *id, const char *bundle, const char *options,
	  CallResult *result)
{
	const char *args[] = { id, "", bundle, options != NULL ? options : "{}", NULL };

	call_as(user, MANAGER_PATH, MANAGER ".CreateContainer", args, result);
}

/* The path of container @id, NULL when there is none. */
static char *
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

static void
delete_if_there(OcidTest *t, const char *id)
{
	g_autofree char *path = container_path(t, id);

	if (path != NULL)
		ocid_test_delete(t, path, TRUE);
}

/* A refusal by name: AccessDenied or InvalidArgument, nothing else (a RuntimeFailed would
 * mean that ocid tried). */
static gboolean
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

static void
assert_refused(const CallResult *r, const char *what)
{
	if (!is_refusal(r))
		g_error("%s: expected AccessDenied or InvalidArgument, got (exit %d): %s%s", what,
			r->status, r->out, r->err);
}

static void
assert_no_leak(const CallResult *r, const char *secret, const char *what)
{
	if (strstr(r->out, secret) != NULL || strstr(r->err, secret) != NULL)
		g_error("%s: the reply carries the contents of a file the caller cannot read: "
			"%s%s",
			what, r->out, r->err);
}

/* Starts @path as @user and waits until it has stopped (its script ran to its end). */
static void
run_to_end_as(OcidTest *t, const char *user, const char *path)
{
	g_auto(CallResult) r = { 0 };

	call_as(user, path, CONTAINER ".Start", NULL, &r);
	if (r.status != 0)
		g_error("Start of %s as %s was refused: %s", path, user, r.err);
	g_assert_true(ocid_test_wait_state(t, path, "stopped", scaled(20000)));
}

static void
chown_tree(const char *dir, uid_t uid, gid_t gid)
{
	g_autofree char *owner = g_strdup_printf("%u:%u", (unsigned)uid, (unsigned)gid);
	const char *argv[] = { "chown", "-R", "--no-dereference", owner, dir, NULL };
	int status = 0;

	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
				   NULL, &status, NULL));
	g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
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
static char *
attacker_bundle(OcidTest *t, const char *name, const char *script, const char *from, const char *to)
{
	g_autofree char *bundle = ocid_test_make_bundle(t, name, script);

	if (from != NULL)
		edit_config(bundle, from, to, 1);
	chown_tree(bundle, uid_of(ATTACKER), gid_of(ATTACKER));
	return g_steal_pointer(&bundle);
}

static char *
checksum_of(const char *path)
{
	g_autofree char *text = NULL;
	gsize length = 0;

	if (!g_file_get_contents(path, &text, &length, NULL))
		return NULL;
	return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)text, length);
}

/* A root-only file holding @content. */
static void
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

/* ---- b. log_path at root's files ------------------------------------------------- */

static void
test_log_path_etc(void)
{
	static const char *const targets[] = { "/etc/ld.so.preload", "/etc/ocid-escape-newfile",
					       "/etc/passwd" };
	OcidTest *t = setup_or_skip();
	gboolean escaped = FALSE;

	if (t == NULL)
		return;
	for (gsize i = 0; i < G_N_ELEMENTS(targets); i++) {
		const char *target = targets[i];
		g_autofree char *id = g_strdup_printf("esc-log-etc-%zu", i);
		g_autofree char *bundle = attacker_bundle(t, id, "echo INJECTED", NULL, NULL);
		g_autofree char *options = g_strdup_printf("{'log_path': <'%s'>}", target);
		g_autofree char *before_text = NULL;
		g_autofree char *before = checksum_of(target);
		g_autofree char *after = NULL;
		g_autofree char *path = NULL;
		g_auto(CallResult) r = { 0 };
		gboolean existed = before != NULL;

		g_test_message("log_path %s", target);
		if (existed)
			g_assert_true(g_file_get_contents(target, &before_text, NULL, NULL));
		create_as(ATTACKER, id, bundle, options, &r);
		path = container_path(t, id);
		/* Not run with /etc/ld.so.preload: its log lines would be preloaded. */
		if (path != NULL && !g_str_equal(target, "/etc/ld.so.preload"))
			run_to_end_as(t, ATTACKER, path);
		after = checksum_of(target);
		/* Put the host back before judging: an /etc/ld.so.preload of log lines would
		 * make every later process complain. */
		if (path != NULL)
			ocid_test_delete(t, path, TRUE);
		if (existed && g_strcmp0(before, after) != 0)
			g_assert_true(g_file_set_contents(target, before_text, -1, NULL));
		if (!existed && after != NULL)
			(void)unlink(target);

		if (!is_refusal(&r)) {
			g_test_message("log_path %s was not refused (exit %d): %s", target,
				       r.status, r.err);
			escaped = TRUE;
		}
		if (g_strcmp0(before, after) != 0) {
			g_test_message("%s was %s by %s's container", target,
				       existed ? "changed" : "created", ATTACKER);
			escaped = TRUE;
		}
		g_assert_null(container_path(t, id));
	}
	g_assert_false(escaped);
}

/* ---- c. log_path at a root-only file, then OpenLog --------------------------------- */

/* OpenLog of @path as @user through this binary's --open-log mode: what it read comes
 * back in @result's out. */
static void
open_log_as(const char *user, const char *path, const char *tail, CallResult *result)
{
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	const char *argv[] = { self, "--open-log", path, tail, NULL };

	run_as(user, argv, result);
}

static void
test_log_path_secret(void)
{
	OcidTest *t = setup_or_skip();
	const char *secret_path = "/root/ocid-escape-secret";
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autofree char *before = NULL;
	g_auto(CallResult) r = { 0 };

	if (t == NULL)
		return;
	write_root_secret(secret_path, SECRET "\n");
	before = checksum_of(secret_path);
	bundle = attacker_bundle(t, "esc-log-secret", "echo INJECTED", NULL, NULL);
	create_as(ATTACKER, "esc-log-secret", bundle, "{'log_path': <'/root/ocid-escape-secret'>}",
		  &r);
	assert_no_leak(&r, SECRET, "CreateContainer with log_path /root/...");
	path = container_path(t, "esc-log-secret");
	if (path != NULL) {
		g_auto(CallResult) log = { 0 };
		g_autofree char *after = NULL;

		open_log_as(ATTACKER, path, "0", &log);
		g_test_message("OpenLog as %s (exit %d): %s %s", ATTACKER, log.status, log.out,
			       log.err);
		assert_no_leak(&log, SECRET, "OpenLog of a log_path under /root");
		run_to_end_as(t, ATTACKER, path);
		after = checksum_of(secret_path);
		g_assert_cmpstr(before, ==, after);
		ocid_test_delete(t, path, TRUE);
	}
	assert_refused(&r, "CreateContainer with log_path /root/ocid-escape-secret");
	(void)unlink(secret_path);
}

/* ---- d. log_path at another container's log ------------------------------------- */

/* Creates esc-log-inject as the attacker with log_path @log, runs it if it was created,
 * and returns what was answered. */
static void
inject_into(OcidTest *t, const char *id, const char *log, CallResult *r)
{
	g_autofree char *bundle = attacker_bundle(t, id, "echo INJECTED", NULL, NULL);
	g_autofree char *options = g_strdup_printf("{'log_path': <'%s'>}", log);
	g_autofree char *path = NULL;

	create_as(ATTACKER, id, bundle, options, r);
	path = container_path(t, id);
	if (path != NULL) {
		run_to_end_as(t, ATTACKER, path);
		ocid_test_delete(t, path, TRUE);
	}
}

static void
assert_not_injected(const char *log)
{
	g_autofree char *text = ocid_test_read_file(log);

	if (strstr(text, "INJECTED") != NULL)
		g_error("%s's container wrote into another container's log %s: %s", ATTACKER, log,
			text);
}

static void
test_log_path_other_container(void)
{
	OcidTest *t = setup_or_skip();
	g_autofree char *victim = NULL;
	g_autofree char *victim_log = NULL;
	g_autofree char *dir = NULL;
	g_autofree char *own_log = NULL;
	g_autofree char *own_bundle = NULL;
	g_autofree char *own_options = NULL;
	g_autofree char *own = NULL;
	g_auto(CallResult) roots = { 0 };
	g_auto(CallResult) hers = { 0 };
	g_auto(CallResult) r = { 0 };

	if (t == NULL)
		return;
	/* Root's container's log, which she cannot open anyway. */
	victim =
	    ocid_test_make_container(t, "esc-victim", "echo victim-line; sleep 300", NULL, TRUE);
	g_assert_true(ocid_test_wait_output(t, victim, "victim-line", scaled(20000)));
	victim_log = ocid_test_get_string(t, victim, "LogPath");
	inject_into(t, "esc-log-inject", victim_log, &roots);
	assert_not_injected(victim_log);
	ocid_test_delete(t, victim, TRUE);
	assert_refused(&roots, "log_path of root's container's log");

	/* Her own container's log, in a dir of hers: she could open it, but it is taken. */
	dir = g_build_filename(t->tmpdir, "esc-own-logs", NULL);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	chown_tree(dir, uid_of(ATTACKER), gid_of(ATTACKER));
	own_log = g_build_filename(dir, "first.log", NULL);
	own_bundle = attacker_bundle(t, "esc-log-first", "echo first-line; sleep 300", NULL, NULL);
	own_options = g_strdup_printf("{'log_path': <'%s'>}", own_log);
	create_as(ATTACKER, "esc-log-first", own_bundle, own_options, &r);
	if (r.status != 0)
		g_error("create with her own log_path was refused: %s", r.err);
	own = container_path(t, "esc-log-first");
	inject_into(t, "esc-log-inject2", own_log, &hers);
	if (g_file_test(own_log, G_FILE_TEST_EXISTS))
		assert_not_injected(own_log);
	ocid_test_delete(t, own, TRUE);
	if (!is_refusal(&hers) || strstr(hers.err, "InvalidArgument") == NULL)
		g_error("log_path of another container's log: expected InvalidArgument, got "
			"(exit %d): %s",
			hers.status, hers.err);
}

/* ---- e. a bundle under /root ---------------------------------------------------- */

static void
test_bundle_under_root(void)
{
	OcidTest *t = setup_or_skip();
	const char *bundle = "/root/ocid-escape-bundle";
	const char *argv[] = { "sh", g_getenv("OCID_MAKE_BUNDLE"), bundle, "/bin/sh",
			       "-c", "echo ROOTMARKER987",         NULL };
	g_autofree char *path = NULL;
	g_auto(CallResult) r = { 0 };
	int status = 0;

	if (t == NULL)
		return;
	g_assert_nonnull(argv[1]);
	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
				   NULL, &status, NULL));
	g_assert_cmpint(status, ==, 0);
	g_assert_cmpint(chmod("/root", 0700), ==, 0);
	create_as(ATTACKER, "esc-root-bundle", bundle, NULL, &r);
	path = container_path(t, "esc-root-bundle");
	if (path != NULL)
		ocid_test_delete(t, path, TRUE);
	{
		const char *rm[] = { "rm", "-rf", bundle, NULL };
		g_assert_true(g_spawn_sync(NULL, (char **)rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
					   NULL, NULL, NULL, NULL));
	}
	assert_no_leak(&r, "ROOTMARKER987", "CreateContainer of a bundle under /root");
	g_assert_null(path);
	assert_refused(&r, "CreateContainer of a bundle under /root");
}

/* ---- f. seccomp_profile_path at root's files -------------------------------------- */

static void
test_seccomp_profile_secret(void)
{
	OcidTest *t = setup_or_skip();
	const char *secret_path = "/root/ocid-escape-secret";
	const char *profile_path = "/root/ocid-escape-seccomp.json";
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_auto(CallResult) r = { 0 };
	g_auto(CallResult) valid = { 0 };

	if (t == NULL)
		return;
	write_root_secret(secret_path, SECRET "\n");
	/* A valid profile, readable by root alone: its validity must not matter. */
	write_root_secret(profile_path, "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}\n");
	bundle = attacker_bundle(t, "esc-seccomp", "echo ran", NULL, NULL);
	create_as(ATTACKER, "esc-seccomp", bundle,
		  "{'seccomp_profile_path': <'/root/ocid-escape-secret'>}", &r);
	create_as(ATTACKER, "esc-seccomp-valid", bundle,
		  "{'seccomp_profile_path': <'/root/ocid-escape-seccomp.json'>}", &valid);
	delete_if_there(t, "esc-seccomp");
	delete_if_there(t, "esc-seccomp-valid");
	(void)unlink(secret_path);
	(void)unlink(profile_path);
	assert_no_leak(&r, SECRET, "seccomp_profile_path of a root-only file");
	assert_refused(&r, "seccomp_profile_path of a root-only file");
	assert_refused(&valid, "seccomp_profile_path of a root-only valid profile");
}

/* ---- g. a second procfs, writable, through a bind of the rootfs's proc ------------- */

static char *
read_sysctl(const char *name)
{
	g_autofree char *file = g_build_filename("/proc/sys", name, NULL);
	g_autofree char *text = ocid_test_read_file(file);

	return g_strstrip(g_strdup(text));
}

/* Inside the harness /proc/sys is read-only; a fresh procfs in a mount namespace of its
 * own is not. */
static void
restore_sysctl(const char *name, const char *value)
{
	g_autofree char *script =
	    g_strdup_printf("mkdir -p /run/ocid-escape-proc && mount -t proc proc "
			    "/run/ocid-escape-proc && echo %s > /run/ocid-escape-proc/sys/%s",
			    value, name);
	const char *argv[] = { "unshare", "--mount", "--propagation", "private",
			       "sh",      "-c",      script,          NULL };

	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
				   NULL, NULL, NULL));
}

static void
test_second_procfs(void)
{
	/* Harmless to the host, global (no namespace has its own), and restored. */
	const char *sysctl = "kernel/printk_ratelimit";
	OcidTest *t = setup_or_skip();
	g_autofree char *before = NULL;
	g_autofree char *after = NULL;
	g_autofree char *wanted = NULL;
	g_autofree char *bundle = NULL;
	g_autofree char *script = NULL;
	g_autofree char *mount = NULL;
	g_autofree char *path = NULL;
	g_auto(CallResult) r = { 0 };

	if (t == NULL)
		return;
	before = read_sysctl(sysctl);
	wanted = g_strdup_printf("%ld", strtol(before, NULL, 10) + 7);
	script =
	    g_strdup_printf("echo %s > /proc2/sys/%s; echo wrote=$?; echo end", wanted, sysctl);
	bundle = attacker_bundle(t, "esc-proc2", script, NULL, NULL);
	mount = g_strdup_printf("\"mounts\": [{\"destination\": \"/proc2\", \"type\": \"bind\", "
				"\"source\": \"%s/rootfs/proc\", \"options\": [\"rbind\", "
				"\"rw\"]},",
				bundle);
	edit_config(bundle, "\"mounts\": [", mount, 1);
	/* The mounts go in order: /proc first, then the bind of what now lies there. */
	edit_config(bundle, "{\"destination\": \"/proc2\"",
		    "{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"}, "
		    "{\"destination\": \"/proc2\"",
		    1);
	edit_config(bundle,
		    "    { \"destination\": \"/proc\", \"type\": \"proc\", \"source\": "
		    "\"proc\" },\n",
		    "", 1);
	chown_tree(bundle, uid_of(ATTACKER), gid_of(ATTACKER));
	create_as(ATTACKER, "esc-proc2", bundle, NULL, &r);
	path = container_path(t, "esc-proc2");
	if (path != NULL) {
		g_autofree char *log = NULL;

		run_to_end_as(t, ATTACKER, path);
		log = ocid_test_read_file(ocid_test_get_string(t, path, "LogPath"));
		g_test_message("the container said: %s", log);
		ocid_test_delete(t, path, TRUE);
	} else {
		g_test_message("refused: %s", r.err);
	}
	after = read_sysctl(sysctl);
	if (g_strcmp0(before, after) != 0)
		restore_sysctl(sysctl, before);
	g_assert_cmpstr(after, ==, before);
}

/* ---- h. every device allowed ----------------------------------------------------- */

static void
test_devices_allowed(void)
{
	OcidTest *t = setup_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_auto(CallResult) r = { 0 };

	if (t == NULL)
		return;
	/* /dev/kmsg (c 1 11): not among the devices a container gets, exists everywhere,
	 * and opening it for appending needs no capability; /dev here is not nodev. */
	bundle = attacker_bundle(t, "esc-devices",
				 "busybox mknod /dev/k c 1 11 && echo made-node; "
				 "(exec 3>>/dev/k) && echo DEVICE-OPENED; echo end",
				 "{ \"allow\": false, \"access\": \"rwm\" }",
				 "{ \"allow\": true, \"access\": \"rwm\" }");
	edit_config(bundle, "\"CAP_KILL\"", "\"CAP_MKNOD\", \"CAP_KILL\"", 0);
	chown_tree(bundle, uid_of(ATTACKER), gid_of(ATTACKER));
	create_as(ATTACKER, "esc-devices", bundle, NULL, &r);
	path = container_path(t, "esc-devices");
	if (path != NULL) {
		g_autofree char *log = NULL;

		run_to_end_as(t, ATTACKER, path);
		log = ocid_test_read_file(ocid_test_get_string(t, path, "LogPath"));
		g_test_message("the container said: %s", log);
		ocid_test_delete(t, path, TRUE);
		g_assert_nonnull(strstr(log, "stdout F end"));
		if (strstr(log, "DEVICE-OPENED") != NULL)
			g_error("%s's container made and opened a host device", ATTACKER);
	} else {
		assert_refused(&r, "linux.resources.devices allowing every device");
	}
}

/* ---- i. a relative bind source ---------------------------------------------------- */

static gboolean
tree_holds(const char *dir, const char *name)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *entry;

	if (d == NULL)
		return FALSE;
	while ((entry = g_dir_read_name(d)) != NULL) {
		g_autofree char *child = g_build_filename(dir, entry, NULL);

		if (g_str_equal(entry, name))
			return TRUE;
		if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
		    !g_file_test(child, G_FILE_TEST_IS_SYMLINK) && tree_holds(child, name))
			return TRUE;
	}
	return FALSE;
}

static void
test_relative_bind_source(void)
{
	OcidTest *t = setup_or_skip();
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_auto(CallResult) r = { 0 };

	if (t == NULL)
		return;
	bundle = attacker_bundle(
	    t, "esc-relative", "echo x > /h/ocid-escape-pwned; ls /h; echo end", "\"mounts\": [",
	    "\"mounts\": [{\"destination\": \"/h\", \"type\": \"bind\", \"source\": \".\", "
	    "\"options\": [\"rbind\", \"rw\"]},");
	create_as(ATTACKER, "esc-relative", bundle, NULL, &r);
	path = container_path(t, "esc-relative");
	if (path != NULL) {
		g_autofree char *log = NULL;

		run_to_end_as(t, ATTACKER, path);
		log = ocid_test_read_file(ocid_test_get_string(t, path, "LogPath"));
		g_test_message("the container said: %s", log);
	}
	if (tree_holds("/var/lib/ocid", "ocid-escape-pwned") ||
	    tree_holds("/run/ocid", "ocid-escape-pwned"))
		g_error("%s's container wrote into ocid's own state", ATTACKER);
	if (path != NULL)
		ocid_test_delete(t, path, TRUE);
	if (!is_refusal(&r) || strstr(r.err, "InvalidArgument") == NULL)
		g_error("a relative bind source: expected InvalidArgument, got (exit %d): %s",
			r.status, r.err);
}

/* ---- j. OpenLog's tail of a huge log does not stop the daemon ---------------------- */

typedef struct {
	gboolean done;
	gint64 started;
	gint64 latency;
	GError *error;
} ListCall;

static void
on_listed(GObject *source, GAsyncResult *result, gpointer data)
{
	ListCall *call = data;
	g_autoptr(GVariant) reply =
	    g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &call->error);

	call->latency = g_get_monotonic_time() - call->started;
	call->done = TRUE;
}

static gboolean
list_done(gpointer data)
{
	return ((ListCall *)data)->done;
}

typedef struct {
	gboolean exited;
	int status;
} Child;

static void
on_child_exit(GPid pid, int status, gpointer data)
{
	Child *child = data;

	child->exited = TRUE;
	child->status = status;
	g_spawn_close_pid(pid);
}

static gboolean
child_exited(gpointer data)
{
	return ((Child *)data)->exited;
}

static void
test_open_log_huge_tail(void)
{
	OcidTest *t = setup_or_skip();
	g_autofree char *dir = NULL;
	g_autofree char *log = NULL;
	g_autofree char *bundle = NULL;
	g_autofree char *path = NULL;
	g_autofree char *options = NULL;
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	g_auto(CallResult) r = { 0 };
	gint64 worst = 0;
	guint lists = 0;
	Child child = { 0 };
	GPid pid;

	if (t == NULL)
		return;
	dir = g_build_filename(t->tmpdir, "esc-huge-log", NULL);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	log = g_build_filename(dir, "huge.log", NULL);
	{
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		g_assert_cmpint(fd, >=, 0);
		g_assert_cmpint(ftruncate(fd, (off_t)16 << 30), ==, 0);
		close(fd);
	}
	chown_tree(dir, uid_of(ATTACKER), gid_of(ATTACKER));
	bundle = attacker_bundle(t, "esc-huge", "echo tiny", NULL, NULL);
	options = g_strdup_printf("{'log_path': <'%s'>}", log);
	create_as(ATTACKER, "esc-huge", bundle, options, &r);
	if (r.status != 0)
		g_error("create with her own log_path was refused: %s", r.err);
	path = container_path(t, "esc-huge");

	{
		g_autofree char *uid = g_strdup_printf("--reuid=%u", (unsigned)uid_of(ATTACKER));
		g_autofree char *gid = g_strdup_printf("--regid=%u", (unsigned)gid_of(ATTACKER));
		const char *argv[] = { "setpriv",   uid,          gid,  "--init-groups",
				       self,        "--open-log", path, "18446744073709551615",
				       "--discard", NULL };
		g_autoptr(GError) error = NULL;

		g_assert_true(g_spawn_async("/", (char **)argv, NULL,
					    G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
						G_SPAWN_STDOUT_TO_DEV_NULL,
					    NULL, NULL, &pid, &error));
		g_assert_no_error(error);
		g_child_watch_add(pid, on_child_exit, &child);
	}
	/* Root lists, one call after another, for as long as her OpenLog is answered and
	 * read (or 60 s): every answer comes within 1 s. */
	{
		gint64 end = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;

		while ((!child.exited || lists < 3) && g_get_monotonic_time() < end) {
			ListCall call = { FALSE, g_get_monotonic_time(), 0, NULL };

			g_dbus_connection_call(
			    t->conn, "org.oci.Runtime", MANAGER_PATH, MANAGER, "ListContainers",
			    g_variant_new_parsed("(@a{sv} {},)"), G_VARIANT_TYPE("(a(sssto))"),
			    G_DBUS_CALL_FLAGS_NONE, 30000, NULL, on_listed, &call);
			g_assert_true(ocid_test_wait_for(list_done, &call, 31000));
			if (call.error != NULL)
				g_error("ListContainers while her OpenLog(tail=2^64-1) ran: %s "
					"after %" G_GINT64_FORMAT " ms",
					call.error->message, call.latency / 1000);
			worst = MAX(worst, call.latency);
			lists++;
		}
	}
	if (!child.exited) {
		kill(pid, SIGKILL);
		g_assert_true(ocid_test_wait_for(child_exited, &child, 10000));
	}
	g_test_message("%u ListContainers while OpenLog(tail=2^64-1) of a 16 GiB log; the "
		       "slowest took %" G_GINT64_FORMAT " ms",
		       lists, worst / 1000);
	ocid_test_delete(t, path, TRUE);
	g_assert_cmpint(worst, <, (gint64)scaled(1000) * 1000);
}

/* ---- k. more that needs host root ---------------------------------------------------- */

static void
test_needs_privilege(void)
{
	OcidTest *t = setup_or_skip();
	g_autofree char *marker =
	    g_build_filename(t != NULL ? t->tmpdir : "/", "esc-hook-ran", NULL);
	g_autofree char *hook = NULL;
	g_autofree char *bundle = NULL;
	g_autofree char *plain = NULL;
	g_autofree char *secret_dir = NULL;
	guint32 count;

	if (t == NULL)
		return;
	hook = g_strdup_printf("\"hooks\": {\"prestart\": [{\"path\": \"/bin/sh\", \"args\": "
			       "[\"sh\", \"-c\", \"touch %s\"]}]}, \"linux\": {",
			       marker);
	bundle = attacker_bundle(t, "esc-hook", "echo ran", "\"linux\": {", hook);
	plain = attacker_bundle(t, "esc-plain", "echo ran", NULL, NULL);
	secret_dir = g_strdup("/root/ocid-escape-dir");
	g_assert_cmpint(g_mkdir_with_parents(secret_dir, 0700), ==, 0);
	{
		g_autofree char *secret = g_build_filename(secret_dir, "secret", NULL);
		write_root_secret(secret, SECRET "\n");
	}
	{
		g_autoptr(GVariant) value =
		    ocid_test_get_property(t, MANAGER_PATH, "ContainerCount");
		count = g_variant_get_uint32(value);
	}

	{
		g_auto(CallResult) r = { 0 };
		g_autofree char *path = NULL;

		create_as(ATTACKER, "esc-hook", bundle, NULL, &r);
		path = container_path(t, "esc-hook");
		if (path != NULL) {
			run_to_end_as(t, ATTACKER, path);
			ocid_test_delete(t, path, TRUE);
		}
		g_assert_false(g_file_test(marker, G_FILE_TEST_EXISTS));
		assert_refused(&r, "a prestart hook");
		g_assert_nonnull(strstr(r.err, "org.oci.Runtime.create-privileged"));
	}
	{
		g_auto(CallResult) r = { 0 };

		create_as(ATTACKER, "esc-netns", plain, "{'netns_path': <'/proc/1/ns/net'>}", &r);
		delete_if_there(t, "esc-netns");
		assert_refused(&r, "netns_path /proc/1/ns/net");
	}
	{
		g_auto(CallResult) r = { 0 };

		create_as(ATTACKER, "esc-privileged", plain, "{'privileged': <true>}", &r);
		delete_if_there(t, "esc-privileged");
		assert_refused(&r, "privileged");
	}
	{
		g_auto(CallResult) r = { 0 };
		g_autofree char *options =
		    g_strdup_printf("{'volumes': <[('/h', '%s', true)]>}", secret_dir);

		create_as(ATTACKER, "esc-volume", plain, options, &r);
		delete_if_there(t, "esc-volume");
		assert_no_leak(&r, SECRET, "a volume of a dir under /root");
		assert_refused(&r, "a volume of a dir under /root");
	}
	{
		g_auto(CallResult) r = { 0 };
		g_autofree char *escaped = NULL;
		g_autofree char *bind = g_strdup_printf(
		    "\"mounts\": [{\"destination\": \"/h\", \"type\": \"bind\", \"source\": "
		    "\"%s\", \"options\": [\"rbind\", \"ro\"]},",
		    secret_dir);
		g_autofree char *by_bundle =
		    attacker_bundle(t, "esc-bind-root", "echo ran", "\"mounts\": [", bind);

		create_as(ATTACKER, "esc-bind-root", by_bundle, NULL, &r);
		delete_if_there(t, "esc-bind-root");
		assert_no_leak(&r, SECRET, "a bind mount of a dir under /root");
		assert_refused(&r, "a bind mount of a dir under /root");
	}
	{
		g_autoptr(GVariant) value =
		    ocid_test_get_property(t, MANAGER_PATH, "ContainerCount");
		g_assert_cmpuint(g_variant_get_uint32(value), ==, count);
	}
	{
		const char *rm[] = { "rm", "-rf", secret_dir, NULL };
		g_assert_true(g_spawn_sync(NULL, (char **)rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
					   NULL, NULL, NULL, NULL));
	}
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
