/* Container.Exec: an interactive process in a running container, through a monitor in
 * exec mode with a session (monitor/exec-session.h). The process's spec is the
 * container's own process (user, capabilities, environment) with the caller's argv, env,
 * cwd and terminal, written to the exec dir as process.json. The caller gets one end of a
 * unix stream socket: its stdin and its output. */
#pragma once

#include "manager.h"

#include <glib.h>

typedef struct {
	gboolean tty;
	const char *const *env; /* NAME=value, added to (or replacing in) the container's */
	const char *cwd;        /* NULL: the container's */
} OcidExecOptions;

typedef struct OcidExecSession OcidExecSession;

/* started: once, when the process runs (then ocid_exec_session_steal_fd() gives the
 * socket) or could not be started (@error set; exited never follows). exited: once, after
 * a start, with ocid_exec_session_get_exit_code(). */
typedef void (*OcidExecSessionFunc)(OcidExecSession *session, GError *error, gpointer user_data);

OcidExecSession *ocid_manager_exec_session(OcidManager *manager, OcidContainer *container,
					   const char *const *argv, const OcidExecOptions *options,
					   OcidExecSessionFunc started, OcidExecSessionFunc exited,
					   gpointer user_data, GError **error);

int ocid_exec_session_steal_fd(OcidExecSession *session);

/* The exit code once exited (128+N for signal N); -1 before. */
int ocid_exec_session_get_exit_code(OcidExecSession *session);

gboolean ocid_exec_session_kill(OcidExecSession *session, int signal, GError **error);

/* InvalidState without a terminal or once exited. */
gboolean ocid_exec_session_resize(OcidExecSession *session, guint rows, guint cols, GError **error);

/* The process runs on if it still does; nothing more is heard of it. */
void ocid_exec_session_free(OcidExecSession *session);
