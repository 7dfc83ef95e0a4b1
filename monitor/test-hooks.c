#include "test-hooks.h"

#include "common/fd-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef OCID_MONITOR_TEST_HOOKS
#error "test-hooks.c belongs in ocid-monitor-test only"
#endif

void
monitor_test_hook_after_harden(void)
{
	const char *file = getenv("OCID_MONITOR_PROBE");
	_cleanup_close_ int fd = -1;
	int sock;

	if (file == NULL)
		return;
	sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0)
		dprintf(fd, "socket: %s\n", sock >= 0 ? "allowed" : strerror(errno));
	if (sock >= 0)
		(void)close(sock);
}

void
monitor_test_hook_after_exit_file(void)
{
	const char *file = getenv("OCID_MONITOR_LINGER");
	struct stat st;

	if (file == NULL)
		return;
	for (int i = 0; i < 1000 && stat(file, &st) < 0; i++)
		(void)usleep(10 * 1000);
}

static void
hold(const char *variable)
{
	const char *file = getenv(variable);
	char held[4096];
	struct stat st;
	int fd;

	if (file == NULL)
		return;
	snprintf(held, sizeof held, "%s.held", file);
	fd = open(held, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0)
		(void)close(fd);
	for (int i = 0; i < 1000 && stat(file, &st) < 0; i++)
		(void)usleep(10 * 1000);
}

void
monitor_test_hook_making_cgroup(void)
{
	hold("OCID_MONITOR_HOLD_CGROUP");
}

void
monitor_test_hook_making_bundle(void)
{
	hold("OCID_MONITOR_HOLD_BUNDLE");
}
