#include "cgroup.h"

#include "common/cgroup-dirs.h"
#include "common/cleanup.h"

#include "test-hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SUPERVISOR "supervisor"

/* A mountinfo field, with the kernel's octal escapes (\040 for a space) undone in place. */
static char *
unescape(char *field)
{
	char *out = field;

	for (char *in = field; *in != '\0'; in++) {
		if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' &&
		    in[3] >= '0' && in[3] <= '7') {
			*out++ = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
			in += 3;
		} else {
			*out++ = *in;
		}
	}
	*out = '\0';
	return field;
}

static bool
has_option(const char *options, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = options; p != NULL; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (strncmp(p, name, len) == 0 && (p[len] == ',' || p[len] == '\0'))
			return true;
	}
	return false;
}

static int
add_mount(MonitorCgroups *cgroups, const char *mount, bool cpuset)
{
	char **mounts = realloc(cgroups->mounts, (cgroups->n + 1) * sizeof *mounts);
	unsigned char *flags;

	if (mounts == NULL)
		return -ENOMEM;
	cgroups->mounts = mounts;
	flags = realloc(cgroups->cpuset, cgroups->n + 1);
	if (flags == NULL)
		return -ENOMEM;
	cgroups->cpuset = flags;
	mounts[cgroups->n] = strdup(mount);
	if (mounts[cgroups->n] == NULL)
		return -ENOMEM;
	flags[cgroups->n++] = cpuset;
	return 0;
}

/* "id parent major:minor root mountpoint options [optional...] - fstype source super". */
int
monitor_cgroups_find(MonitorCgroups *cgroups)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t size = 0;
	int r = 0;

	if (f == NULL)
		return -errno;
	while (r == 0 && getline(&line, &size, f) > 0) {
		char *dash = strstr(line, " - ");
		char *fields[5];
		char *fstype, *super, *save = NULL;
		size_t i;

		if (dash == NULL)
			continue;
		*dash = '\0';
		fstype = strtok_r(dash + 3, " \n", &save);
		(void)strtok_r(NULL, " \n", &save); /* the source */
		super = strtok_r(NULL, " \n", &save);
		if (fstype == NULL || super == NULL ||
		    (strcmp(fstype, "cgroup") != 0 && strcmp(fstype, "cgroup2") != 0))
			continue;
		save = NULL;
		for (i = 0; i < 5; i++) {
			fields[i] = strtok_r(i == 0 ? line : NULL, " ", &save);
			if (fields[i] == NULL)
				break;
		}
		if (i < 5)
			continue;
		r = add_mount(cgroups, unescape(fields[4]),
			      strcmp(fstype, "cgroup") == 0 && has_option(super, "cpuset"));
	}
	free(line);
	if (r == 0 && cgroups->n == 0)
		r = -ENOENT;
	return r;
}

static int
dir_path(char *buf, size_t size, const char *mount, const char *group, const char *leaf)
{
	int n = snprintf(buf, size, "%s%s%s%s", mount, group, leaf != NULL ? "/" : "",
			 leaf != NULL ? leaf : "");

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int
monitor_cgroups_make(const MonitorCgroups *cgroups, const char *group, char *where, size_t size)
{
	for (size_t i = 0; i < cgroups->n; i++) {
		char path[PATH_MAX];
		int r = dir_path(path, sizeof path, cgroups->mounts[i], group, SUPERVISOR);

		if (r == 0)
			r = ocid_cgroup_make_dirs(path, strlen(cgroups->mounts[i]),
						  cgroups->cpuset[i]);
		if (r < 0) {
			snprintf(where, size, "%s", path);
			return r;
		}
		if (i == 0)
			monitor_test_hook_making_cgroup();
	}
	return 0;
}

int
monitor_cgroups_enter(const MonitorCgroups *cgroups, const char *group, char *where, size_t size)
{
	char pid[32];

	snprintf(pid, sizeof pid, "%d", (int)getpid());
	for (size_t i = 0; i < cgroups->n; i++) {
		char path[PATH_MAX];
		int r = dir_path(path, sizeof path, cgroups->mounts[i], group,
				 SUPERVISOR "/cgroup.procs");

		if (r == 0)
			r = ocid_cgroup_write(path, pid);
		if (r < 0) {
			snprintf(where, size, "%s", path);
			return r;
		}
	}
	return 0;
}

void
monitor_cgroups_remove(const MonitorCgroups *cgroups, const char *group)
{
	for (size_t i = 0; i < cgroups->n; i++) {
		char path[PATH_MAX];

		if (dir_path(path, sizeof path, cgroups->mounts[i], group, SUPERVISOR) == 0)
			(void)rmdir(path);
		if (dir_path(path, sizeof path, cgroups->mounts[i], group, NULL) == 0)
			(void)rmdir(path);
	}
}

void
monitor_cgroups_clear(MonitorCgroups *cgroups)
{
	for (size_t i = 0; i < cgroups->n; i++)
		free(cgroups->mounts[i]);
	free(cgroups->mounts);
	free(cgroups->cpuset);
	*cgroups = (MonitorCgroups)MONITOR_CGROUPS_INIT;
}
