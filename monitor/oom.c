#include "oom.h"

#include "common/fd-util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The controller list of a v1 line names memory (possibly among others, "cpu,memory"). */
static bool
has_memory_controller(const char *list, size_t len)
{
	while (len > 0) {
		const char *comma = memchr(list, ',', len);
		size_t item = comma != NULL ? (size_t)(comma - list) : len;

		if (item == 6 && memcmp(list, "memory", 6) == 0)
			return true;
		if (comma == NULL)
			break;
		len -= item + 1;
		list = comma + 1;
	}
	return false;
}

int
monitor_oom_counter_path(const char *proc_cgroup, char *path, size_t size)
{
	const char *v2 = NULL;
	size_t v2_len = 0;

	for (const char *line = proc_cgroup; *line != '\0';) {
		const char *end = strchrnul(line, '\n');
		const char *first = memchr(line, ':', (size_t)(end - line));
		const char *second =
		    first != NULL ? memchr(first + 1, ':', (size_t)(end - first - 1)) : NULL;

		if (second != NULL && second + 1 < end && second[1] == '/') {
			const char *group = second + 1;
			int len = (int)(end - group);
			int n;

			if (has_memory_controller(first + 1, (size_t)(second - first - 1))) {
				n = snprintf(path, size,
					     "/sys/fs/cgroup/memory%.*s/memory.oom_control", len,
					     group);
				return n >= 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
			}
			if (first - line == 1 && line[0] == '0' && second == first + 1) {
				v2 = group;
				v2_len = (size_t)len;
			}
		}
		line = *end == '\n' ? end + 1 : end;
	}
	if (v2 != NULL) {
		int n = snprintf(path, size, "/sys/fs/cgroup%.*s/memory.events", (int)v2_len, v2);

		return n >= 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
	}
	return -ENOENT;
}

int
monitor_oom_parse_kill_count(const char *text, uint64_t *count)
{
	for (const char *line = text; *line != '\0';) {
		const char *end = strchrnul(line, '\n');

		if (strncmp(line, "oom_kill ", 9) == 0 && line[9] >= '0' && line[9] <= '9') {
			char *number_end = NULL;
			unsigned long long value;

			errno = 0;
			value = strtoull(line + 9, &number_end, 10);
			if (errno != 0 || number_end != end)
				return -EINVAL;
			*count = value;
			return 0;
		}
		line = *end == '\n' ? end + 1 : end;
	}
	return -ENOENT;
}

/* Reads a small file from its start: cgroup files are re-read this way. */
static int
read_text(int fd, char *buf, size_t size)
{
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int
read_count(int fd, uint64_t *count)
{
	char text[1024];
	int r = read_text(fd, text, sizeof text);

	return r < 0 ? r : monitor_oom_parse_kill_count(text, count);
}

int
monitor_oom_watch(MonitorOom *oom, pid_t pid)
{
	char proc_path[64];
	char text[8192];
	char path[4096];
	_cleanup_close_ int proc_fd = -1;
	_cleanup_close_ int fd = -1;
	int r;

	snprintf(proc_path, sizeof proc_path, "/proc/%d/cgroup", (int)pid);
	proc_fd = open(proc_path, O_RDONLY | O_CLOEXEC);
	if (proc_fd < 0)
		return -errno;
	r = read_text(proc_fd, text, sizeof text);
	if (r < 0)
		return r;
	r = monitor_oom_counter_path(text, path, sizeof path);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	r = read_count(fd, &oom->baseline);
	if (r < 0)
		return r;
	oom->fd = steal_fd(&fd);
	return 0;
}

bool
monitor_oom_killed(MonitorOom *oom)
{
	uint64_t count;

	if (oom->fd < 0)
		return false;
	/* ENODEV: the cgroup is gone already, and its count with it. */
	if (read_count(oom->fd, &count) < 0)
		return false;
	return count > oom->baseline;
}

void
monitor_oom_close(MonitorOom *oom)
{
	closep(&oom->fd);
}
