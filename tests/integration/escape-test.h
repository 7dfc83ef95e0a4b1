/* What the escape tests share (test-escape, built from test-escape*.c; tests/systemd/
 * escape.sh runs it as the attacker): calls as another user, bundles she owns, and the
 * checks that a refusal leaks nothing. test-escape.c: those helpers, who she is inside, a
 * setuid rootfs, another user's containers; -files.c: root's files through log_path, a
 * bundle, a seccomp profile, OpenLog; -kernel.c: procfs, devices, binds, privileges. */
#pragma once

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

#define SECRET "SECRETTOKEN123"
typedef struct {
	int status; /* the command's exit code */
	char *out;
	char *err;
} CallResult;

#define ATTACKER "ocidtest6"

/* test-escape.c */
void call_result_clear(CallResult *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CallResult, call_result_clear)
OcidTest *setup_or_skip(void);
guint scaled(guint ms);
uid_t uid_of(const char *user);
gid_t gid_of(const char *user);
void run_as(const char *user, const char *const *argv, CallResult *result);
void create_as(const char *user, const char *id, const char *bundle, const char *options,
	       CallResult *result);
char *container_path(OcidTest *t, const char *id);
void delete_if_there(OcidTest *t, const char *id);
gboolean is_refusal(const CallResult *r);
void assert_refused(const CallResult *r, const char *what);
void assert_no_leak(const CallResult *r, const char *secret, const char *what);
void run_to_end_as(OcidTest *t, const char *user, const char *path);
void chown_tree(const char *dir, uid_t uid, gid_t gid);
void edit_config(const char *bundle, const char *from, const char *to, guint limit);
char *attacker_bundle(OcidTest *t, const char *name, const char *script, const char *from,
		      const char *to);
char *checksum_of(const char *path);
void write_root_secret(const char *path, const char *content);

/* test-escape-files.c */
void test_log_path_etc(void);
void test_log_path_secret(void);
void test_log_path_other_container(void);
void test_bundle_under_root(void);
void test_seccomp_profile_secret(void);
void test_open_log_huge_tail(void);

/* test-escape-kernel.c */
void test_second_procfs(void);
void test_devices_allowed(void);
void test_relative_bind_source(void);
void test_needs_privilege(void);
