#include "harden.h"

#include "monitor-filter.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/capability.h>
#include <sys/prctl.h>

static int
drop_capabilities(void)
{
	cap_t caps = cap_init();
	cap_value_t kill_cap = CAP_KILL;
	int r = 0;

	if (caps == NULL)
		return -errno;
	/* The bounding set first: dropping from it needs CAP_SETPCAP, which goes next. */
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		if (c != CAP_KILL && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			r = -errno;
	if (r == 0 && (cap_set_flag(caps, CAP_EFFECTIVE, 1, &kill_cap, CAP_SET) < 0 ||
		       cap_set_flag(caps, CAP_PERMITTED, 1, &kill_cap, CAP_SET) < 0 ||
		       cap_set_proc(caps) < 0))
		r = -errno;
	cap_free(caps);
	return r;
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
monitor_harden(void)
{
	int r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	r = drop_capabilities();
	if (r < 0)
		return r;
	return install_seccomp();
}
