/* What the API tests share (test-api, built from test-api*.c): containers made and run, a
 * call that passes fds, reading and writing a stream. test-api.c: Wait and GetStatistics;
 * -logs.c: OpenLog and Attach; -exec.c: Exec, the process object, ResizeTerminal; -users.c:
 * the calls as another user. */
#pragma once

#include "ocid-test.h"

#include <gio/gunixfdlist.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define run(t, id, script, options)  ocid_test_make_container(t, id, script, options, TRUE)
#define PROCESS                      "org.oci.Runtime.Process"
#define make(t, id, script, options) ocid_test_make_container(t, id, script, options, FALSE)

/* test-api.c */
int call_fd(OcidTest *t, const char *path, const char *interface, const char *method,
	    GVariant *args, const char *reply_type, GVariant **reply, GError **error);
char *read_until(int fd, const char *needle, guint timeout_ms);
void write_all(int fd, const char *text);

/* test-api-logs.c */
void test_logs(void);
void test_log_kept(void);
void test_log_sparse_tail(void);
void test_attach(void);

/* test-api-exec.c */
gint32 process_wait(OcidTest *t, const char *process);
void test_exec(void);
void test_resize_container(void);

/* test-api-users.c */
int client_main(int argc, char **argv);
void test_as_users(void);
