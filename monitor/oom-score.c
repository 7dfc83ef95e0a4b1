#include "oom-score.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
monitor_oom_score_set(int value)
{
	char text[16];
	int len = snprintf(text, sizeof text, "%d", value);
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, (size_t)len) != len)
		r = -errno;
	close(fd);
	return r;
}
