#include "options.h"

#include "die.h"

#include <errno.h>
#include <fcntl.h>

void
monitor_parse_options(int argc, char **argv, MonitorArgs *args)
{
	char error[512];
	int r = monitor_args_decode(argc, argv, args, error, sizeof error);

	/* A sync fd that is not open would have us write the reason into some other file. */
	if (args->sync_fd >= 0 && fcntl(args->sync_fd, F_GETFD) < 0) {
		int saved = -errno;

		args->sync_fd = -1;
		die_errno(saved, "--sync-fd is not an open file descriptor");
	}
	die_set_sync_fd(args->sync_fd);
	if (r < 0)
		die("%s", error);
	die_set_container_id(args->id);
}
