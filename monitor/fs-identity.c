#include "fs-identity.h"

#include "die.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* glibc's setgroups() would signal every thread to follow; the monitor has one, and the raw
 * call says exactly what happens. setfsuid's result is the previous value, never an error
 * code: success is read back with an id of -1, which changes nothing. */
static int
raw_setgroups(int n, const gid_t *groups)
{
	return syscall(SYS_setgroups, (size_t)n, groups) < 0 ? -errno : 0;
}

static uid_t
raw_setfsuid(uid_t uid)
{
	return (uid_t)syscall(SYS_setfsuid, uid);
}

static gid_t
raw_setfsgid(gid_t gid)
{
	return (gid_t)syscall(SYS_setfsgid, gid);
}

int
fs_identity_init(FsIdentity *id, uid_t uid, gid_t gid)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	int n = FS_IDENTITY_MAX_GROUPS;

	*id = (FsIdentity)FS_IDENTITY_INIT;
	if (uid == 0 || uid == (uid_t)-1 || gid == (gid_t)-1)
		return -EINVAL;
	id->uid = uid;
	id->gid = gid;
	if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found != NULL &&
	    getgrouplist(found->pw_name, gid, id->groups, &n) >= 0) {
		id->n_groups = n;
	} else {
		/* Unknown (or too many groups to keep): her primary group, never more. */
		id->groups[0] = gid;
		id->n_groups = 1;
	}
	id->set = true;
	return 0;
}

int
fs_identity_enter(const FsIdentity *id, FsIdentityScope *scope)
{
	int r;

	memset(scope, 0, sizeof *scope);
	if (!id->set)
		return 0;
	scope->n_groups = getgroups(FS_IDENTITY_MAX_GROUPS, scope->groups);
	if (scope->n_groups < 0)
		return -errno;
	r = raw_setgroups(id->n_groups, id->groups);
	if (r < 0)
		return r;
	/* From here on leave() must run: it restores the groups even if the ids never moved.
	 * The group first: once the fsuid is hers, changing the fsgid is no longer ours. */
	scope->entered = true;
	scope->fsgid = raw_setfsgid(id->gid);
	scope->fsuid = raw_setfsuid(id->uid);
	if (raw_setfsuid((uid_t)-1) != id->uid || raw_setfsgid((gid_t)-1) != id->gid) {
		fs_identity_leave(scope);
		return -EPERM;
	}
	return 0;
}

void
fs_identity_leave(FsIdentityScope *scope)
{
	int saved_errno = errno;
	int r;

	if (!scope->entered)
		return;
	(void)raw_setfsuid(scope->fsuid);
	(void)raw_setfsgid(scope->fsgid);
	if (raw_setfsuid((uid_t)-1) != scope->fsuid || raw_setfsgid((gid_t)-1) != scope->fsgid)
		die("cannot take back the monitor's own identity after writing the log as its "
		    "owner");
	r = raw_setgroups(scope->n_groups, scope->groups);
	if (r < 0)
		die_errno(r, "cannot take back the monitor's own groups after writing the log as "
			     "its owner");
	scope->entered = false;
	errno = saved_errno;
}
