/* Escapes through the kernel: a second procfs, every device, a relative bind source, and
 * more that needs host root. */
#include "escape-test.h"

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

void
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

void
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

void
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

/* ---- k. more that needs host root ---------------------------------------------------- */

void
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
