#include "exit-file.h"

#include "common/fd-util.h"

#include "common/monitor-protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int
exit_code_from_wait_status(int wait_status)
{
	if (WIFEXITED(wait_status))
		return WEXITSTATUS(wait_status);
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return -EINVAL;
}

static int
fsync_parent_dir(const char *path)
{
	_cleanup_close_ int dir_fd = -1;
	const char *slash = strrchr(path, '/');
	char *dir;

	if (slash == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return -ENOMEM;
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (dir_fd < 0)
		return -errno;
	if (fsync(dir_fd) < 0)
		return -errno;
	return 0;
}

static int
write_file_synced(const char *path, const char *content, size_t len)
{
	_cleanup_close_ int fd = -1;
	int r;

	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	r = fd_write_all(fd, content, len);
	if (r < 0)
		return r;
	if (fsync(fd) < 0)
		return -errno;
	/* After fsync a close error is still an error on some filesystems (NFS). */
	r = close(fd);
	fd = -1;
	if (r < 0)
		return -errno;
	return 0;
}

int
exit_file_write(const char *path, int exit_code, bool oom_killed)
{
	char content[32];
	char *tmp_path = NULL;
	int n;
	int r;

	n = monitor_exit_file_format(content, sizeof content, exit_code, oom_killed);
	if (n < 0)
		return n;
	if (asprintf(&tmp_path, "%s.tmp", path) < 0)
		return -ENOMEM;

	r = write_file_synced(tmp_path, content, (size_t)n);
	if (r == 0 && rename(tmp_path, path) < 0)
		r = -errno;
	if (r < 0) {
		/* Leave no half-written .tmp behind for the daemon to wonder about. */
		(void)unlink(tmp_path);
		free(tmp_path);
		return r;
	}
	free(tmp_path);
	/* Without this the rename may not survive a crash, and the daemon would find no exit
	 * file after a reboot although the monitor reported success. */
	return fsync_parent_dir(path);
}
