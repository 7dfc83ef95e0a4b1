#include "cgroup-dirs.h"

#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The first line of @path, without its newline, into @buf; its length, or -errno. */
static int
read_line(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return -errno;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return (int)n;
}

int
ocid_cgroup_write(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/* <dir>/<name> into @buf; false when it does not fit. */
static bool
file_in(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	return n >= 0 && (size_t)n < size;
}

/* An empty level gets its parent's cpus and mems, and cgroup.clone_children, so that the
 * levels made below it (the runtime's too) come with them: each write of cpuset.cpus
 * rebuilds the scheduling domains over every cpuset of the host, and with clone_children
 * set above there is none. Levels are filled from the top down, existing ones too: another
 * monitor may have made a level above and not filled it yet, and a child cannot have cpus
 * its parent lacks. */
static void
fill_cpuset(char *dir)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	char *slash = strrchr(dir, '/');
	char path[PATH_MAX], value[4096];
	bool written = false;

	for (size_t i = 0; slash != NULL && i < 2; i++) {
		bool parent_read;

		if (!file_in(path, sizeof path, dir, files[i]) ||
		    read_line(path, value, sizeof value) != 0)
			continue;
		*slash = '\0';
		parent_read = file_in(path, sizeof path, dir, files[i]) &&
			      read_line(path, value, sizeof value) > 0;
		*slash = '/';
		if (parent_read && file_in(path, sizeof path, dir, files[i]) &&
		    ocid_cgroup_write(path, value) == 0)
			written = true;
	}
	if (written && file_in(path, sizeof path, dir, "cgroup.clone_children"))
		(void)ocid_cgroup_write(path, "1");
}

int
ocid_cgroup_make_dirs(char *path, size_t mount_len, bool cpuset)
{
	for (char *p = path + mount_len + 1;; p++) {
		char saved = *p;

		if (saved != '/' && saved != '\0')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			int r = -errno;

			*p = saved;
			return r;
		}
		if (cpuset)
			fill_cpuset(path);
		*p = saved;
		if (saved == '\0')
			return 0;
	}
}
