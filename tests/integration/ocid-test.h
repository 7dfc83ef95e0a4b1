/* What every integration test needs: a private dbus-daemon, a real ocid on it (with the
 * real ocid-monitor and runc, cgroupfs manager), busybox bundles, and D-Bus helpers that
 * look at the daemon the way a busctl user does. */
#pragma once

#include <gio/gio.h>
#include <glib.h>

typedef struct {
	char *tmpdir;
	char *bus_address;
	char *config_path;
	char *state_dir;
	char *run_dir;
	char *log_dir;
	char *cgroup_parent;
	GPid bus_pid;
	GPid ocid_pid;
	GDBusConnection *conn;
	GPtrArray *signals;   /* GVariant of (sender-path, interface, member, params) */
	gboolean system_mode; /* ocid.service under a real systemd, on the system bus */
	guint signal_sub;
} OcidTest;

/* The one test environment of a test binary; NULL when not root (tests skip). */
OcidTest *ocid_test_get(void);

/* Extra [runtime] lines for the config, before the first ocid_test_get(). */
void ocid_test_set_extra_config(const char *lines);

void ocid_test_teardown(void);

/* The environment of tests that need a real systemd (tests/systemd/run.sh); NULL, with
 * the test skipped for @why, elsewhere. */
OcidTest *ocid_test_get_system_or_skip(const char *why);

/* Whether org.oci.Runtime has an owner on the test's bus. */
gboolean ocid_test_name_has_owner(OcidTest *t);

/* Runs `systemctl VERB UNIT` and returns its exit code. */
int ocid_test_systemctl(const char *verb, const char *unit);

/* Starts or restarts ocid (SIGKILL of a running one when @kill_first). */
void ocid_test_start_daemon(OcidTest *t);
void ocid_test_kill_daemon(OcidTest *t);

/* Restarts ocid (kill -9, then start) with @runtime_lines added to [runtime]; NULL for the
 * standard configuration. */
void ocid_test_restart_with_config(OcidTest *t, const char *runtime_lines);

/* A fresh busybox bundle running @script with /bin/sh -c. */
char *ocid_test_make_bundle(OcidTest *t, const char *name, const char *script);

/* Calls on the manager or a container; NULL and @error on a D-Bus error. */
GVariant *ocid_test_call(OcidTest *t, const char *path, const char *interface, const char *method,
			 GVariant *args, const char *reply_type, GError **error);

/* CreateContainer with an a{sv} built from @options (may be NULL). Returns the path. */
char *ocid_test_create(OcidTest *t, const char *id, const char *name, const char *bundle,
		       GVariant *options, GError **error);

GVariant *ocid_test_get_property(OcidTest *t, const char *path, const char *name);
char *ocid_test_get_string(OcidTest *t, const char *path, const char *name);
gint32 ocid_test_get_int(OcidTest *t, const char *path, const char *name);

/* Waits up to @timeout_ms for the container's State to become @state. */
gboolean ocid_test_wait_state(OcidTest *t, const char *path, const char *state, guint timeout_ms);

/* Calls Start, Stop, Delete and asserts success. */
void ocid_test_start(OcidTest *t, const char *path);
void ocid_test_delete(OcidTest *t, const char *path, gboolean force);

/* Asserts that @error is the D-Bus error org.oci.Runtime.Error.@name. */
void ocid_test_assert_error(GError *error, const char *name);

/* Pumps the main context for @ms, collecting signals. */
void ocid_test_pump(guint ms);

/* Whether a signal @member was seen with a first string argument @arg0 (NULL: any). */
gboolean ocid_test_saw_signal(OcidTest *t, const char *member, const char *path, const char *arg0);

/* Whether a PropertiesChanged on @path set State to @state. */
gboolean ocid_test_saw_state_change(OcidTest *t, const char *path, const char *state);

char *ocid_test_read_file(const char *path);

/* Runs the tests registered by @add_tests in a child process and cleans up after it,
 * whatever happened (an assertion abort included). */
int ocid_test_main(int argc, char **argv, void (*add_tests)(void));
