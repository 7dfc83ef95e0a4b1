/* sd-notify STATE...: sends STATE lines (READY=1, STATUS=...) to $NOTIFY_SOCKET as one
 * datagram, as sd_notify(3) does. Built static, it goes into the test bundles' busybox
 * rootfs (make-bundle.sh), which has no libc and no tool that speaks to a unix datagram
 * socket. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char message[4096] = "";
	size_t len = 0;
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: sd-notify STATE...\n");
		return 2;
	}
	if (path == NULL || strlen(path) >= sizeof addr.sun_path) {
		fprintf(stderr, "sd-notify: NOTIFY_SOCKET is not set\n");
		return 1;
	}
	strcpy(addr.sun_path, path);
	for (int i = 1; i < argc; i++) {
		int n = snprintf(message + len, sizeof message - len, "%s%s", i > 1 ? "\n" : "",
				 argv[i]);
		if (n < 0 || (size_t)n >= sizeof message - len) {
			fprintf(stderr, "sd-notify: the message is too long\n");
			return 2;
		}
		len += (size_t)n;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, message, len, 0, (struct sockaddr *)&addr, sizeof addr) < 0) {
		perror("sd-notify");
		return 1;
	}
	close(fd);
	return 0;
}
