#include "caller.h"

#include "errors.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

OcidCaller *
ocid_caller_new(uid_t uid, gid_t gid)
{
	OcidCaller *caller = g_new0(OcidCaller, 1);
	struct passwd pw, *found = NULL;
	char buf[4096];
	int n = OCID_CALLER_MAX_GROUPS;
	gid_t groups[OCID_CALLER_MAX_GROUPS];

	caller->uid = uid;
	if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found != NULL) {
		caller->name = g_strdup(found->pw_name);
		if (gid == (gid_t)-1)
			gid = found->pw_gid;
	}
	/* Not in the user database, and the bus did not say: a group of her own number,
	 * which gives her nobody else's files. */
	if (gid == (gid_t)-1)
		gid = (gid_t)uid;
	caller->gid = gid;
	if (caller->name != NULL && getgrouplist(caller->name, gid, groups, &n) >= 0) {
		caller->groups = g_memdup2(groups, sizeof(gid_t) * (gsize)n);
		caller->n_groups = (gsize)n;
	} else {
		/* Unknown to the user database (or more groups than we keep): only the
		 * primary group, never more than she has. */
		caller->groups = g_memdup2(&gid, sizeof gid);
		caller->n_groups = 1;
	}
	return caller;
}

void
ocid_caller_free(OcidCaller *caller)
{
	if (caller == NULL)
		return;
	g_free(caller->groups);
	g_free(caller->name);
	g_free(caller);
}

/* The raw syscalls: per thread, where glibc's wrappers of setgroups would change every
 * thread of the daemon. setfsuid's result is the previous value, never an error code. */
static int
thread_setgroups(int n, const gid_t *groups)
{
	return (int)syscall(SYS_setgroups, (size_t)n, groups);
}

static uid_t
thread_setfsuid(uid_t uid)
{
	return (uid_t)syscall(SYS_setfsuid, uid);
}

static gid_t
thread_setfsgid(gid_t gid)
{
	return (gid_t)syscall(SYS_setfsgid, gid);
}

/* The thread's effective capabilities, through the raw syscalls: per thread, like the ids.
 * setfsuid() drops only the file capabilities; CAP_SYS_PTRACE (which opens another
 * process's /proc files, its namespaces among them) and the rest must go too, or the
 * thread would still reach more than she does. The permitted set stays, to come back. */
static int
thread_caps(guint32 effective[2], gboolean set)
{
	struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &header, data) < 0)
		return -errno;
	if (!set) {
		effective[0] = data[0].effective;
		effective[1] = data[1].effective;
		return 0;
	}
	data[0].effective = effective[0];
	data[1].effective = effective[1];
	return syscall(SYS_capset, &header, data) < 0 ? -errno : 0;
}

gboolean
ocid_caller_enter(const OcidCaller *caller, OcidCallerScope *scope, GError **error)
{
	memset(scope, 0, sizeof *scope);
	/* Root, or her already (an enclosing scope): nothing to change, nothing to undo. */
	if (ocid_caller_is_root(caller) || thread_setfsuid((uid_t)-1) == caller->uid)
		return TRUE;
	scope->n_groups = getgroups(OCID_CALLER_MAX_GROUPS, scope->groups);
	if (scope->n_groups < 0)
		return ocid_error_set(error, OCID_ERROR_FAILED,
				      "Cannot read the daemon's groups: %s", g_strerror(errno));
	if (thread_caps(scope->effective_caps, FALSE) < 0)
		return ocid_error_set(error, OCID_ERROR_FAILED,
				      "Cannot read the daemon's capabilities: %s",
				      g_strerror(errno));
	if (thread_setgroups((int)caller->n_groups, caller->groups) < 0)
		return ocid_error_set(error, OCID_ERROR_FAILED,
				      "Cannot take the caller's groups: %s", g_strerror(errno));
	/* Group first: with the uid changed, the thread could no longer change it. */
	scope->fsgid = thread_setfsgid(caller->gid);
	scope->fsuid = thread_setfsuid(caller->uid);
	scope->entered = TRUE;
	/* setfsuid() says nothing about failure: ask again, and refuse to go on as root. */
	if (thread_caps((guint32[2]){ 0, 0 }, TRUE) < 0 ||
	    thread_setfsuid((uid_t)-1) != caller->uid ||
	    thread_setfsgid((gid_t)-1) != caller->gid) {
		ocid_caller_leave(scope);
		return ocid_error_set(error, OCID_ERROR_FAILED,
				      "Cannot take the caller's identity for file access");
	}
	return TRUE;
}

void
ocid_caller_leave(OcidCallerScope *scope)
{
	if (!scope->entered)
		return;
	if (thread_caps(scope->effective_caps, TRUE) < 0)
		g_error("Cannot restore the daemon's capabilities after acting as a caller: %s",
			g_strerror(errno));
	(void)thread_setfsuid(scope->fsuid);
	(void)thread_setfsgid(scope->fsgid);
	/* A worker thread goes back to the pool: if it kept her groups, the next task would
	 * run with them. There is no safe way on from here. */
	if (thread_setgroups(scope->n_groups, scope->groups) < 0)
		g_error("Cannot restore the daemon's groups after acting as a caller: %s",
			g_strerror(errno));
	scope->entered = FALSE;
}

gboolean
ocid_caller_path_error(GError **error, int errnum, const char *what, const char *path)
{
	if (errnum == EACCES || errnum == EPERM)
		return ocid_error_set(error, OCID_ERROR_ACCESS_DENIED,
				      "%s '%s' is not accessible to you (%s); name a path you can "
				      "open yourself",
				      what, path, g_strerror(errnum));
	return ocid_error_set(error, OCID_ERROR_INVALID_ARGUMENT, "%s '%s' cannot be used: %s",
			      what, path, g_strerror(errnum));
}

char *
ocid_caller_resolve_readable(const OcidCaller *caller, const char *path, const char *what,
			     GError **error)
{
	g_auto(OcidCallerScope) scope = { 0 };
	char resolved[PATH_MAX];
	struct stat st;
	int mode = R_OK;

	if (!ocid_caller_enter(caller, &scope, error))
		return NULL;
	if (realpath(path, resolved) == NULL || stat(resolved, &st) < 0) {
		ocid_caller_path_error(error, errno, what, path);
		return NULL;
	}
	if (S_ISDIR(st.st_mode))
		mode |= X_OK;
	/* faccessat2 with AT_EACCESS checks with the thread's current credentials, its
	 * fsuid and groups included; unlike an open, it has no side effect on a device. */
	if (syscall(SYS_faccessat2, AT_FDCWD, resolved, mode, AT_EACCESS) < 0) {
		ocid_caller_path_error(error, errno, what, path);
		return NULL;
	}
	return g_strdup(resolved);
}
