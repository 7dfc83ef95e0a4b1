/* fs-identity.h: the monitor's file accesses as another user (the log's non-root owner), in
 * a scope around each open and rename, so that the kernel decides what she may create,
 * append to or rename, never root's authority.
 *
 * The monitor is single-threaded; the switch still uses the raw syscalls (setgroups,
 * setfsgid, setfsuid), which change the calling thread's identity for file accesses only:
 * its real and effective ids, and so its right to signal the container, stay root's. With
 * the fsuid non-zero the kernel also clears the file capabilities (CAP_DAC_OVERRIDE and the
 * like) from the effective set, and gives them back when it is zero again. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#define FS_IDENTITY_MAX_GROUPS 256

typedef struct {
	bool set; /* false: root's own identity, nothing to switch */
	uid_t uid;
	gid_t gid;
	int n_groups;
	gid_t groups[FS_IDENTITY_MAX_GROUPS];
} FsIdentity;

#define FS_IDENTITY_INIT                                                                           \
	{                                                                                          \
		.set = false                                                                       \
	}

/* The user @uid with primary group @gid and the supplementary groups of her passwd entry
 * (getgrouplist), looked up once, now, before the monitor is confined; a uid the user
 * database does not know, or one with more groups than kept here, gets @gid alone. uid 0 is
 * refused (-EINVAL): root's identity is not an owner's. */
int fs_identity_init(FsIdentity *id, uid_t uid, gid_t gid);

/* What fs_identity_enter() replaced, for fs_identity_leave(). */
typedef struct {
	bool entered;
	uid_t fsuid;
	gid_t fsgid;
	int n_groups;
	gid_t groups[FS_IDENTITY_MAX_GROUPS];
} FsIdentityScope;

/* Makes the monitor's file accesses @id's (nothing with an unset @id). Returns 0, or a
 * negative errno value with the monitor's own identity back in place: the caller must then
 * not touch the file at all, never fall back to root's authority. */
int fs_identity_enter(const FsIdentity *id, FsIdentityScope *scope);

/* Gives the monitor its own identity back. Dies if it cannot: the monitor would otherwise
 * go on with the owner's groups. Keeps errno. */
void fs_identity_leave(FsIdentityScope *scope);
