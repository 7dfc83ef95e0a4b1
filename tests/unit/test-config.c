/* Configuration: defaults, every key, drop-ins in order, and refusals that name the file,
 * the key and the reason. */
#include "build-config.h"
#include "config.h"
#include "errors.h"

#include <glib/gstdio.h>
#include <string.h>

static void
test_defaults(void)
{
	g_autoptr(OcidConfig) config = ocid_config_new_default();

	g_assert_cmpstr(config->runtime_path, ==, OCID_DEFAULT_RUNTIME);
	g_assert_null(config->untrusted_runtime_path);
	g_assert_false(config->trust_untrusted);
	g_assert_cmpint(config->cgroup_manager, ==, OCID_CGROUP_MANAGER_SYSTEMD);
	g_assert_cmpstr(config->cgroup_parent, ==, "machine.slice");
	g_assert_cmpuint(config->create_timeout_sec, ==, 240);
	g_assert_cmpint(config->log_size_max, ==, -1);
	g_assert_cmpint(config->log_driver, ==, OCID_LOG_DRIVER_K8S_FILE);
	/* machined shows every machine to every local user: opt-in. */
	g_assert_false(config->machined);
	g_assert_cmpstr(config->state_dir, ==, "/var/lib/ocid");
	g_assert_cmpstr(config->run_dir, ==, "/run/ocid");
	g_assert_cmpstr(config->log_dir, ==, "/var/log/ocid");
	g_assert_cmpstr(config->monitor_env[0], ==, "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
	/* Empty: every bind mount from outside a bundle needs create-privileged. */
	g_assert_nonnull(config->bind_mount_allowlist);
	g_assert_null(config->bind_mount_allowlist[0]);
}

static void
test_every_key(void)
{
	g_autoptr(OcidConfig) config = ocid_config_new_default();
	g_autoptr(GError) error = NULL;
	const char *text = "[runtime]\n"
			   "runtime_path = /opt/runc\n"
			   "untrusted_runtime_path = /opt/kata\n"
			   "trust_level = untrusted\n"
			   "monitor_path = /opt/ocid-monitor\n"
			   "monitor_env = PATH=/bin;LANG=C\n"
			   "cgroup_manager = cgroupfs\n"
			   "cgroup_parent = /ocid\n"
			   "no_pivot = true\n"
			   "create_timeout = 30\n"
			   "log_size_max = 1048576\n"
			   "log_driver = journald\n"
			   "machined = true\n"
			   "bind_mount_allowlist = /srv/shared; /var/lib/data\n"
			   "[paths]\n"
			   "state_dir = /srv/state\n"
			   "run_dir = /srv/run\n"
			   "log_dir = /srv/log\n";

	g_assert_true(ocid_config_apply_data(config, text, strlen(text), "test.conf", &error));
	g_assert_no_error(error);
	g_assert_cmpstr(config->runtime_path, ==, "/opt/runc");
	g_assert_cmpstr(config->untrusted_runtime_path, ==, "/opt/kata");
	g_assert_true(config->trust_untrusted);
	g_assert_cmpstr(config->monitor_path, ==, "/opt/ocid-monitor");
	g_assert_cmpstr(config->monitor_env[0], ==, "PATH=/bin");
	g_assert_cmpstr(config->monitor_env[1], ==, "LANG=C");
	g_assert_null(config->monitor_env[2]);
	g_assert_cmpint(config->cgroup_manager, ==, OCID_CGROUP_MANAGER_CGROUPFS);
	g_assert_cmpstr(config->cgroup_parent, ==, "/ocid");
	g_assert_true(config->no_pivot);
	g_assert_cmpuint(config->create_timeout_sec, ==, 30);
	g_assert_cmpint(config->log_size_max, ==, 1048576);
	g_assert_cmpint(config->log_driver, ==, OCID_LOG_DRIVER_JOURNALD);
	g_assert_true(config->machined);
	g_assert_cmpstr(config->bind_mount_allowlist[0], ==, "/srv/shared");
	g_assert_cmpstr(config->bind_mount_allowlist[1], ==, "/var/lib/data");
	g_assert_null(config->bind_mount_allowlist[2]);
	g_assert_cmpstr(config->state_dir, ==, "/srv/state");
	g_assert_cmpstr(config->run_dir, ==, "/srv/run");
	g_assert_cmpstr(config->log_dir, ==, "/srv/log");
}

static void
assert_refused(const char *text, const char *must_mention_1, const char *must_mention_2)
{
	g_autoptr(OcidConfig) config = ocid_config_new_default();
	g_autoptr(GError) error = NULL;

	g_assert_false(
	    ocid_config_apply_data(config, text, strlen(text), "/etc/ocid/x.conf", &error));
	g_assert_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "/etc/ocid/x.conf"));
	if (strstr(error->message, must_mention_1) == NULL ||
	    strstr(error->message, must_mention_2) == NULL)
		g_error("'%s' lacks '%s' or '%s'", error->message, must_mention_1, must_mention_2);
}

static void
test_refusals(void)
{
	assert_refused("[runtime]\nruntime_path = runc\n", "runtime_path", "not an absolute path");
	assert_refused("[runtime]\nruntime_path =\n", "runtime_path", "must not be empty");
	assert_refused("[runtime]\ntrust_level = maybe\n", "trust_level", "trusted, untrusted");
	assert_refused("[runtime]\ncgroup_manager = lxc\n", "cgroup_manager", "systemd, cgroupfs");
	assert_refused("[runtime]\nno_pivot = yes\n", "no_pivot", "false, true");
	assert_refused("[runtime]\ncreate_timeout = 0\n", "create_timeout", "out of range");
	assert_refused("[runtime]\ncreate_timeout = 10s\n", "create_timeout", "not an integer");
	assert_refused("[runtime]\nlog_size_max = 0\n", "log_size_max", "-1 for unlimited");
	assert_refused("[runtime]\nlog_size_max = -2\n", "log_size_max", "out of range");
	assert_refused("[runtime]\nlog_driver = syslog\n", "log_driver", "k8s-file, journald");
	assert_refused("[runtime]\nmachined = yes\n", "machined", "false, true");
	assert_refused("[runtime]\nmonitor_env = PATH\n", "monitor_env", "NAME=VALUE");
	assert_refused("[runtime]\ncgroup_parent = ../x\n", "cgroup_parent", "not a slice");
	assert_refused("[runtime]\nruntime = /usr/bin/runc\n", "[runtime] runtime", "unknown key");
	assert_refused("[network]\ncni = yes\n", "[network]", "unknown section");
	assert_refused("[paths]\nstate_dir = /var/../etc\n", "state_dir", "'..'");
	assert_refused("[runtime]\nbind_mount_allowlist = /srv relative\n", "bind_mount_allowlist",
		       "'relative' is not an absolute path");
	assert_refused("[runtime]\nbind_mount_allowlist = /srv/../etc\n", "bind_mount_allowlist",
		       "without '..'");
	assert_refused("this is not a key file\n", "x.conf", "");
}

static void
test_load_with_dropins(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("ocid-config-XXXXXX", &error);
	g_autofree char *main_path = g_build_filename(dir, "ocid.conf", NULL);
	g_autofree char *dropin_dir = g_build_filename(dir, "ocid.conf.d", NULL);
	g_autofree char *a = g_build_filename(dropin_dir, "10-a.conf", NULL);
	g_autofree char *b = g_build_filename(dropin_dir, "20-b.conf", NULL);
	g_autofree char *ignored = g_build_filename(dropin_dir, "30-c.conf.disabled", NULL);
	g_autoptr(OcidConfig) config = NULL;

	g_assert_no_error(error);
	g_assert_cmpint(g_mkdir(dropin_dir, 0700), ==, 0);
	g_assert_true(g_file_set_contents(
	    main_path,
	    "[runtime]\ncreate_timeout = 5\ncgroup_manager = cgroupfs\ncgroup_parent = /ocid\n", -1,
	    NULL));
	g_assert_true(g_file_set_contents(b, "[runtime]\ncreate_timeout = 7\n", -1, NULL));
	g_assert_true(g_file_set_contents(a, "[runtime]\ncreate_timeout = 6\n", -1, NULL));
	g_assert_true(g_file_set_contents(ignored, "[runtime]\ncreate_timeout = 99\n", -1, NULL));

	config = ocid_config_load(main_path, FALSE, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(config->create_timeout_sec, ==, 7); /* 20-b after 10-a */
	g_assert_cmpuint(config->files->len, ==, 3);
	g_clear_pointer(&config, ocid_config_free);

	/* A broken drop-in is refused with its own name. */
	g_assert_true(g_file_set_contents(b, "[runtime]\ncreate_timeout = x\n", -1, NULL));
	config = ocid_config_load(main_path, FALSE, &error);
	g_assert_null(config);
	g_assert_nonnull(strstr(error->message, "20-b.conf"));
	g_clear_error(&error);

	/* A missing file given explicitly is an error; the default path may be absent. */
	config = ocid_config_load("/nonexistent/ocid.conf", FALSE, &error);
	g_assert_null(config);
	g_assert_nonnull(strstr(error->message, "no such configuration file"));
	g_clear_error(&error);
	config = ocid_config_load("/nonexistent/ocid.conf", TRUE, &error);
	g_assert_no_error(error);
	g_assert_nonnull(config);
	g_clear_pointer(&config, ocid_config_free);

	/* systemd manager with a non-slice parent is refused as a whole. */
	g_assert_true(g_file_set_contents(b, "[runtime]\ncgroup_manager = systemd\n", -1, NULL));
	config = ocid_config_load(main_path, FALSE, &error);
	g_assert_null(config);
	g_assert_nonnull(strstr(error->message, "cgroup_parent"));

	g_unlink(a);
	g_unlink(b);
	g_unlink(ignored);
	g_rmdir(dropin_dir);
	g_unlink(main_path);
	g_rmdir(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/config/defaults", test_defaults);
	g_test_add_func("/config/every-key", test_every_key);
	g_test_add_func("/config/refusals", test_refusals);
	g_test_add_func("/config/load-with-dropins", test_load_with_dropins);
	return g_test_run();
}
