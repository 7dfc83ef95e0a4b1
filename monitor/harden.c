#include "harden.h"

#include "monitor-filter.h"

#include <endian.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static int
drop_capabilities(bool keep_setid)
{
	cap_t caps = cap_init();
	cap_value_t kept[] = { CAP_KILL, CAP_SETUID, CAP_SETGID };
	int n_kept = keep_setid ? 3 : 1;
	int r = 0;

	if (caps == NULL)
		return -errno;
	/* The bounding set first: dropping from it needs CAP_SETPCAP, which goes next. */
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		bool keep = false;

		for (int i = 0; i < n_kept; i++)
			keep = keep || c == kept[i];
		if (!keep && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			r = -errno;
	}
	if (r == 0 && (cap_set_flag(caps, CAP_EFFECTIVE, n_kept, kept, CAP_SET) < 0 ||
		       cap_set_flag(caps, CAP_PERMITTED, n_kept, kept, CAP_SET) < 0 ||
		       cap_set_proc(caps) < 0))
		r = -errno;
	cap_free(caps);
	return r;
}

#if defined(__x86_64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_I386
#else
#error "name this architecture's AUDIT_ARCH for the monitor's identity filter"
#endif

/* The low 32 bits of the first argument: ids are 32-bit, the kernel ignores the rest. */
#if __BYTE_ORDER == __LITTLE_ENDIAN
#define ARG0_LOW offsetof(struct seccomp_data, args[0])
#else
#define ARG0_LOW (offsetof(struct seccomp_data, args[0]) + sizeof(__u32))
#endif

#define RET_ERRNO_EPERM (SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))

/* Stacked on the build-time allow-list (the stricter answer of the two wins), so it can
 * name the owner's ids, which are known only now. Other architectures' calls pass to the
 * allow-list, which refuses them. */
static int
install_identity_filter(const FsIdentity *owner)
{
	__u32 uid = owner != NULL ? owner->uid : 0;
	__u32 gid = owner != NULL ? owner->gid : 0;
	__u32 groups_action = owner != NULL ? SECCOMP_RET_ALLOW : RET_ERRNO_EPERM;
	struct sock_filter filter[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_AUDIT_ARCH, 0, 15),
		/* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		/* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_setfsuid, 3, 0),
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_setfsgid, 7, 0),
		/* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_setgroups, 0, 11),
		/* 6 */ BPF_STMT(BPF_RET | BPF_K, groups_action),
		/* setfsuid: hers, root's, or -1 (which only reads it) */
		/* 7 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LOW),
		/* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, uid, 8, 0),
		/* 9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 7, 0),
		/* 10 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (__u32)-1, 6, 0),
		/* 11 */ BPF_STMT(BPF_RET | BPF_K, RET_ERRNO_EPERM),
		/* setfsgid: the same with her gid */
		/* 12 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LOW),
		/* 13 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, gid, 3, 0),
		/* 14 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 0),
		/* 15 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (__u32)-1, 1, 0),
		/* 16 */ BPF_STMT(BPF_RET | BPF_K, RET_ERRNO_EPERM),
		/* 17 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog program = {
		.len = sizeof filter / sizeof filter[0],
		.filter = filter,
	};

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) < 0)
		return -errno;
	return 0;
}

static int
install_seccomp(void)
{
	struct sock_fprog program = {
		.len = sizeof monitor_filter / sizeof(struct sock_filter),
		.filter = (struct sock_filter *)monitor_filter,
	};

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) < 0)
		return -errno;
	return 0;
}

int
monitor_harden(const FsIdentity *owner)
{
	int r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	r = drop_capabilities(owner != NULL);
	if (r < 0)
		return r;
	r = install_identity_filter(owner);
	if (r < 0)
		return r;
	return install_seccomp();
}
