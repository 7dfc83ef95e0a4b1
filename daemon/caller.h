/* Who asked: a D-Bus caller's uid, primary gid and supplementary groups, and a scope in
 * which the calling thread's file accesses are that caller's and no one else's.
 *
 * Linux keeps the filesystem uid and gid, and the supplementary groups, per thread at the
 * syscall level (glibc's setgroups() broadcasts to every thread, so the raw syscall is
 * used). Inside ocid_caller_enter() .. ocid_caller_leave() a worker thread opens, stats
 * and resolves paths with exactly the caller's authority: the kernel, not ocid, decides
 * what she may reach. Nothing else in the daemon changes identity. */
#pragma once

#include <glib.h>
#include <sys/types.h>

typedef struct {
	uid_t uid;
	gid_t gid;
	char *name;    /* her user name, or NULL when the user database does not know her */
	gid_t *groups; /* supplementary groups, from the user database */
	gsize n_groups;
} OcidCaller;

/* The caller @uid with primary group @gid ((gid_t)-1: her passwd entry's); her
 * supplementary groups are looked up in the user database (getpwuid_r, getgrouplist),
 * which may block: call it off the main loop. A uid the database does not know keeps
 * only its primary group. */
OcidCaller *ocid_caller_new(uid_t uid, gid_t gid);
void ocid_caller_free(OcidCaller *caller);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcidCaller, ocid_caller_free)

/* Root needs no scope: the daemon's own identity is root's. */
static inline gboolean
ocid_caller_is_root(const OcidCaller *caller)
{
	return caller == NULL || caller->uid == 0;
}

#define OCID_CALLER_MAX_GROUPS 256

typedef struct {
	gboolean entered;
	guint32 effective_caps[2]; /* the thread's effective capability set, restored */
	uid_t fsuid;
	gid_t fsgid;
	int n_groups;
	gid_t groups[OCID_CALLER_MAX_GROUPS];
} OcidCallerScope;

/* Makes the calling thread's file accesses @caller's, until ocid_caller_leave(). With
 * root (or NULL) it changes nothing. Never call it on the main loop's thread. */
gboolean ocid_caller_enter(const OcidCaller *caller, OcidCallerScope *scope, GError **error);
void ocid_caller_leave(OcidCallerScope *scope);

/* Leaves the scope when the variable goes out of scope. */
static inline void
ocid_caller_scope_clear(OcidCallerScope *scope)
{
	ocid_caller_leave(scope);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OcidCallerScope, ocid_caller_scope_clear)

/* Resolves @path (symlinks followed, as a runtime running as root would follow them) with
 * @caller's authority, in the calling worker thread, and checks she may read it (and
 * search it, a directory): what a bind mount or root.path would give the container to
 * read. Returns the resolved path, or NULL with OCID_ERROR_ACCESS_DENIED (she may not
 * reach or read it) or OCID_ERROR_INVALID_ARGUMENT (it does not exist); @what names the
 * option or field for the message. */
char *ocid_caller_resolve_readable(const OcidCaller *caller, const char *path, const char *what,
				   GError **error);

/* The errno of a failed open or stat as the caller, as an error naming @what and @path:
 * EACCES and EPERM are OCID_ERROR_ACCESS_DENIED, the rest OCID_ERROR_INVALID_ARGUMENT. */
gboolean ocid_caller_path_error(GError **error, int errnum, const char *what, const char *path);
