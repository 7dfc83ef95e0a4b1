/* What the feature tests share (test-features, built from test-features*.c): calls, Update's
 * resources, ExecSync. test-features.c: pause, stop signal, volumes and network namespace,
 * seccomp profiles; -resources.c: Update and OOM; -io.c: ExecSync, log size, Attach and
 * terminals; -monitor.c: the monitor's hardening and its exit. */
#pragma once

#include "ocid-test.h"

#include <gio/gunixsocketaddress.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
	GBytes *out;
	GBytes *err;
	gint32 exit_code;
	gboolean timed_out;
} ExecResult;

/* test-features.c */
GVariant *call_ok(OcidTest *t, const char *path, const char *method, GVariant *args);
gsize file_size(const char *path);
char *cgroup_file(OcidTest *t, const char *path, const char *controller, const char *file);
GVariant *resources(const char *first_key, ...);
void assert_update_refused(OcidTest *t, const char *path, GVariant *args, const char *hint);
GVariant *exec_sync(OcidTest *t, const char *path, const char *const *argv, guint64 timeout,
		    GError **error);
void exec_result_clear(ExecResult *r);
void unpack_exec(GVariant *reply, ExecResult *r);
gboolean bytes_equal_str(GBytes *b, const char *s);
void on_exec_reply(GObject *source, GAsyncResult *res, gpointer user_data);

/* test-features-resources.c */
void test_update(void);
void test_env(void);
void test_oom_killed(void);

/* test-features-io.c */
void test_exec_sync(void);
void test_exec_sync_deleted(void);
void test_log_size_max(void);
GSocketConnection *attach(OcidTest *t, const char *id);
void test_attach_and_terminal(void);
gboolean restart_with_test_monitor(OcidTest *t, const char *hook, const char *value);

/* test-features-monitor.c */
void test_monitor_hardened(void);
void test_exit_before_monitor_exit(void);
