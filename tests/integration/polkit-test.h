/* What the polkit tests share (test-polkit, built from test-polkit*.c): the action names,
 * calls as another user through setpriv and gdbus, and the stand-in polkit authority of
 * the private bus. test-polkit.c: those helpers, and no polkit at all; -authority.c: what
 * ocid asks the authority; -owner.c: issue 19's confined owner; -resume.c: calls resumed
 * by polkit's answer; -system.c: a real systemd and polkitd (tests/systemd/inside.sh). */
#pragma once

#include "ocid-test.h"

#include <glib/gstdio.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define CREATE     "org.oci.Runtime.create"
#define MANAGE     "org.oci.Runtime.manage"
#define EXEC       "org.oci.Runtime.exec"
#define PRIVILEGED "org.oci.Runtime.create-privileged"
#define NOBODY     "nobody"
/* A second user without a session, for a container that is not nobody's own. */
#define OTHER "daemon"

/* How the stand-in authority says no. */
typedef enum {
	ANSWER_NO,
	ANSWER_CHALLENGE,
	ANSWER_ERROR,
} Refusal;

typedef struct {
	int status; /* gdbus's exit code */
	char *out;
	char *err;
} CallResult;

/* What the authority was asked, in order. */
typedef struct {
	char *subject_kind;
	char *subject_name;
	guint32 caller_uid; /* of subject_name, asked of the bus while the call waits */
	char *action;
	char *container;
	char *verb;
	char *reason; /* the "reason" detail of create-privileged */
	guint32 flags;
	char *cancellation_id;
} Question;

/* Owns org.freedesktop.PolicyKit1 on the private bus from a thread of its own, so that it
 * answers while the test waits for a gdbus child. */
typedef struct {
	char *address;
	GThread *thread;
	GMainContext *context;
	GMainLoop *loop;
	GDBusConnection *conn;
	GMutex lock;
	GCond ready_cond;
	gboolean ready;
	/* Under lock: */
	GPtrArray *questions;
	GStrv granted; /* actions answered yes */
	Refusal refusal;
	gboolean hold; /* keep the next answer until authority_release() */
	GDBusMethodInvocation *held;
	gboolean held_yes;
	GCond held_cond; /* signalled when an answer is held */
} Authority;

/* A call as nobody from a thread of its own, so that the test can act while it waits. */
typedef struct {
	OcidTest *t;
	const char *path;
	const char *method;
	const char *const *args;
	CallResult result;
} DelayedCall;

/* test-polkit.c */
OcidTest *setup_system_or_skip(void);
OcidTest *setup_private_or_skip(void);
void call_result_clear(CallResult *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CallResult, call_result_clear)
void call_as(OcidTest *t, const char *user, gboolean interactive, const char *path,
	     const char *method, const char *const *args, CallResult *result);
void assert_denied_full(OcidTest *t, const char *user, gboolean interactive, const char *path,
			const char *method, const char *const *args, const char *action,
			const char *also);
void assert_denied(OcidTest *t, const char *user, const char *path, const char *method,
		   const char *const *args, const char *action);
char *assert_allowed(OcidTest *t, const char *user, const char *path, const char *method,
		     const char *const *args);
char *state_of(OcidTest *t, const char *path);
guint32 container_count(OcidTest *t);
char *make_host_network_bundle(OcidTest *t, const char *name);
void assert_every_change_denied(OcidTest *t, const char *user, const char *path, const char *bundle,
				const char *also);
void assert_reads_open(OcidTest *t, const char *user, const char *path, const char *id);

/* test-polkit-authority.c */
Authority *authority_start(OcidTest *t);
void authority_stop(Authority *a);
void authority_set(Authority *a, Refusal refusal, const char *const *granted);
void authority_hold(Authority *a);
void authority_wait_held(Authority *a);
void authority_release(Authority *a);
void authority_pass_on(Authority *a);
const Question *authority_question(Authority *a, guint n, guint i);
void assert_question(const Question *q, uid_t caller, const char *action, const char *container,
		     const char *verb, guint32 flags);
gpointer call_as_nobody(gpointer data);
GThread *call_held_at_second(Authority *a, DelayedCall *call);
void test_stand_in_authority(void);

/* test-polkit-owner.c */
char *path_of(OcidTest *t, const char *id);
void assert_runs_as(OcidTest *t, const char *path, uid_t uid);
void test_owner_acts_on_own(void);
char *make_edited_bundle(OcidTest *t, const char *name, const char *from, const char *to);
char *make_unreachable_bundle(OcidTest *t);
void test_files_as_caller(void);
void test_swapped_bundle(void);

/* test-polkit-resume.c */
void test_files_read_once(void);
void test_caller_leaves(void);

/* test-polkit-system.c */
void test_unprivileged_denied(void);
void test_rules_by_group_verb_container(void);
void test_allow_list(void);
void test_privileged_each(void);
