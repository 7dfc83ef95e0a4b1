/* What every integration test needs: a private dbus-daemon, a real ocid on it (with the
 * real ocid-monitor and runc, cgroupfs manager), busybox bundles, and D-Bus helpers that
 * look at the daemon the way a busctl user does. */
#pragma once

#include <gio/gio.h>
#include <glib.h>

/* The names of the API (DESIGN.md), spelled once for every test. */
#define OCID_BUS_NAME "org.oci.Runtime"
#define MANAGER_PATH  "/org/oci/Runtime"
#define MANAGER       "org.oci.Runtime.Manager"
#define CONTAINER     "org.oci.Runtime.Container"
#define PROPERTIES    "org.freedesktop.DBus.Properties"

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
	guint owner_sub;     /* NameOwnerChanged of org.oci.Runtime (system mode) */
	guint signals_epoch; /* index in @signals of the current daemon's first signal */
} OcidTest;

/* The one test environment of a test binary; NULL when not root (tests skip). */
OcidTest *ocid_test_get(void);

/* Extra [runtime] lines for the config, before the first ocid_test_get(). */
void ocid_test_set_extra_config(const char *lines);

void ocid_test_teardown(void);

/* ocid_test_get(), with the test skipped when it is NULL (not root: no runc). */
OcidTest *ocid_test_get_or_skip(void);

/* The environment of tests that need a real systemd (tests/systemd/run.sh); NULL, with
 * the test skipped for @why, elsewhere. */
OcidTest *ocid_test_get_system_or_skip(const char *why);

/* Whether org.oci.Runtime has an owner on the test's bus. */
gboolean ocid_test_name_has_owner(OcidTest *t);

/* The pid of org.oci.Runtime's owner, as the bus knows it. */
guint32 ocid_test_daemon_pid(OcidTest *t);

/* Runs `systemctl VERB UNIT` and returns its exit code. */
int ocid_test_systemctl(const char *verb, const char *unit);

/* SIGKILL of the private dbus-daemon (t->conn goes with it), and a new one at the same
 * address (t->conn connected to it, signals subscribed again). Private bus only. */
void ocid_test_kill_bus(OcidTest *t);
void ocid_test_start_bus(OcidTest *t);

/* Starts or restarts ocid (SIGKILL of a running one when @kill_first). */
void ocid_test_start_daemon(OcidTest *t);
void ocid_test_kill_daemon(OcidTest *t);

/* Restarts ocid (kill -9, then start) with @runtime_lines added to [runtime]; NULL for the
 * standard configuration. */
void ocid_test_restart_with_config(OcidTest *t, const char *runtime_lines);

/* Restarts ocid with @lines added to [runtime] (NULL: as before): on the private bus through
 * the test's config, under systemd through the drop-in ocid.conf.d/50-@name.conf of the
 * installed ocid.service, removed again with NULL. */
void ocid_test_set_runtime_config(OcidTest *t, const char *name, const char *lines);

/* A fresh busybox bundle running @script with /bin/sh -c. */
char *ocid_test_make_bundle(OcidTest *t, const char *name, const char *script);

/* Adds a poststart hook running `sh -c @command` (on the host) to @bundle's config.json. */
void ocid_test_add_poststart_hook(const char *bundle, const char *command);

/* Calls on the manager or a container; NULL and @error on a D-Bus error. */
GVariant *ocid_test_call(OcidTest *t, const char *path, const char *interface, const char *method,
			 GVariant *args, const char *reply_type, GError **error);

/* CreateContainer with an a{sv} built from @options (may be NULL). Returns the path. */
char *ocid_test_create(OcidTest *t, const char *id, const char *name, const char *bundle,
		       GVariant *options, GError **error);

/* Of the manager, a container or a process (Exec), by @path. */
GVariant *ocid_test_get_property(OcidTest *t, const char *path, const char *name);
char *ocid_test_get_string(OcidTest *t, const char *path, const char *name);
gint32 ocid_test_get_int(OcidTest *t, const char *path, const char *name);

/* Iterates the default main context until @cond(@data) holds or @timeout_ms pass; TRUE if
 * it holds. @cond is checked after every iteration, which real events (signals, fds, file
 * monitors) or a short tick end, so it may test what no event announces (a file's size). */
gboolean ocid_test_wait_for(gboolean (*cond)(gpointer data), gpointer data, guint timeout_ms);

/* A GAsyncReadyCallback for g_dbus_connection_call() whose reply does not matter: sets the
 * gboolean @user_data points to once it has come (an error too). */
void ocid_test_call_answered(GObject *source, GAsyncResult *result, gpointer user_data);

/* The State that the latest PropertiesChanged of the current daemon for @path carried;
 * NULL when none did (or the container was removed since). No D-Bus call. */
const char *ocid_test_announced_state(OcidTest *t, const char *path);

/* Waits up to @timeout_ms for a PropertiesChanged on @path that sets State to @state (TRUE
 * at once if the latest one did). It never asks Get: a change the daemon does not announce
 * fails the test. */
gboolean ocid_test_wait_state(OcidTest *t, const char *path, const char *state, guint timeout_ms);

/* The same, but TRUE once State was set to @state at all in the container's current life,
 * even if a later change (a short command's exit) has followed. */
gboolean ocid_test_wait_state_reached(OcidTest *t, const char *path, const char *state,
				      guint timeout_ms);

/* Waits until org.oci.Runtime has (@owned) or has no owner on the test's bus. */
gboolean ocid_test_wait_name_owner(OcidTest *t, gboolean owned, guint timeout_ms);

/* Waits until @path exists (a GFileMonitor on its directory wakes the wait). */
gboolean ocid_test_wait_file(const char *path, guint timeout_ms);

/* Waits until the file @path holds @needle. */
gboolean ocid_test_wait_file_contains(const char *path, const char *needle, guint timeout_ms);

/* Waits until the container at @path has logged the stdout line @line (CRI log format). */
gboolean ocid_test_wait_output(OcidTest *t, const char *path, const char *line, guint timeout_ms);

/* Waits until the daemon's own output (its log file, or ocid.service's journal under
 * systemd) holds @needle. */
gboolean ocid_test_wait_daemon_log(OcidTest *t, const char *needle, guint timeout_ms);

/* A pidfd for @pid, -1 when no such process exists. */
int ocid_test_pidfd_open(int pid);

/* Waits until the process of @pidfd has exited (the pidfd turns readable). */
gboolean ocid_test_wait_pidfd(int pidfd, guint timeout_ms);

/* Waits until process @pid has exited (TRUE at once if there is none). */
gboolean ocid_test_wait_pid_exit(int pid, guint timeout_ms);

/* The create/start/wait preamble of a test: container @id (its Name too) of @bundle,
 * created with @options (floating, may be NULL) and, with @start, started and waited for:
 * until it logged the stdout line @up_line, or (NULL) until it is announced running.
 * Asserts success. Returns the path. */
char *ocid_test_bring_up(OcidTest *t, const char *id, const char *bundle, GVariant *options,
			 gboolean start, const char *up_line);

/* ocid_test_bring_up() of a fresh bundle running @script, waited for until running. */
char *ocid_test_make_container(OcidTest *t, const char *id, const char *script, GVariant *options,
			       gboolean start);

/* Calls Start, Stop, Delete and asserts success. */
void ocid_test_start(OcidTest *t, const char *path);
void ocid_test_delete(OcidTest *t, const char *path, gboolean force);

/* Asserts that @error is the D-Bus error org.oci.Runtime.Error.@name. */
void ocid_test_assert_error(GError *error, const char *name);

/* Dispatches what is pending in the main context (signals received so far), never waits:
 * a test waits for an event with ocid_test_wait_*(), not for a fixed time. */
void ocid_test_dispatch_pending(void);

/* Whether a signal @member was seen with a first string argument @arg0 (NULL: any). */
gboolean ocid_test_saw_signal(OcidTest *t, const char *member, const char *path, const char *arg0);

/* Whether a PropertiesChanged on @path set State to @state. */
gboolean ocid_test_saw_state_change(OcidTest *t, const char *path, const char *state);

/* The values that the PropertiesChanged on @path gave @property, in order, from signal
 * number @from on (0: all; t->signals_epoch: the current daemon's). */
GPtrArray *ocid_test_changed_values(OcidTest *t, const char *path, const char *property,
				    guint from);

char *ocid_test_read_file(const char *path);

/* The value of @field in /proc/@pid/status, stripped; NULL when it has none. */
char *ocid_test_status_field(int pid, const char *field);

/* The pid of @path's monitor, as its state.json records it. */
int ocid_test_monitor_pid(OcidTest *t, const char *path);

/* Whether /sys/fs/cgroup is the unified hierarchy alone (a pure cgroup v2 host). */
gboolean ocid_test_cgroup_v2(void);

/* The cgroup of process @pid (from /proc/<pid>/cgroup, for whichever hierarchy the host
 * has): the path in the hierarchy of @controller (a v1 controller such as "memory", or
 * "systemd" for the named hierarchy; NULL or a pure v2 host: the unified one). NULL when
 * the process or hierarchy is not there. */
char *ocid_test_cgroup_of(int pid, const char *controller);

/* The directory of that cgroup under /sys/fs/cgroup. */
char *ocid_test_cgroup_dir(int pid, const char *controller);

/* Asserts that process @pid is in @group in every hierarchy the host mounts. */
void ocid_test_assert_cgroup_everywhere(int pid, const char *group);

/* The file @file of that cgroup, stripped; NULL when unreadable. */
char *ocid_test_cgroup_read(int pid, const char *controller, const char *file);

/* Whether the cgroup @path (e.g. a ControlGroup) exists in any hierarchy. */
gboolean ocid_test_cgroup_exists(const char *path);

/* "runc" or "crun": the runtime the tests run (the basename of OCID_RUNTIME). */
const char *ocid_test_runtime_name(void);

/* How much longer every wait may take (OCID_TEST_TIME_SCALE, default 1): the emulated
 * guest of tests/vm runs some 20 times slower. */
guint ocid_test_time_scale(void);
/* A cgroup dir of container @id left in some hierarchy (the first found), or NULL. */
char *ocid_test_cgroup_left(OcidTest *t, const char *id);

/* Waits until no hierarchy holds a cgroup of @id (a unit's may go a moment after its
 * stop job); NULL then, else the dir still there. */
char *ocid_test_wait_cgroup_gone(OcidTest *t, const char *id, guint timeout_ms);

/* Nothing of container @id is left: no dir, runtime state, exit file, log (ocid's own
 * name for it), object, cgroup, monitor, unreaped process, or unit. */
void ocid_test_assert_nothing_left(OcidTest *t, const char *id);

/* A bundle whose createRuntime hook (run by the runtime on the host during create) runs
 * @hook_script: the way to make a create fail or hang on purpose. */
char *ocid_test_bundle_with_hook(OcidTest *t, const char *name, const char *hook_script);

/* Children of @pid (any of its threads) that are zombies: exited, never reaped. */
int ocid_test_count_zombie_children(int pid);

/* ocid-monitor processes (live or zombie) whose command line holds @needle. */
guint ocid_test_count_monitors(const char *needle);

/* Processes (live or zombie) whose command line holds @needle, and @also unless NULL. */
guint ocid_test_count_processes(const char *needle, const char *also);

/* Waits until @pid has no zombie children. */
gboolean ocid_test_wait_no_zombies(int pid, guint timeout_ms);

/* The interface XML in dbus/ documents the API: asserts that every method, property and
 * signal of @interface there carries an org.gtk.GDBus.DocString, and that the live object
 * at @path exports exactly that interface, less the doc strings (sd-bus has none). */
void ocid_test_assert_interface_matches(OcidTest *t, const char *path, const char *interface);

/* Runs the tests registered by @add_tests in a child process and cleans up after it,
 * whatever happened (an assertion abort included). */
int ocid_test_main(int argc, char **argv, void (*add_tests)(void));
