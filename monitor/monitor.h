/* monitor.h: the state of a monitor in create mode, shared by the modules that serve it:
 * supervise.c (the runtime's create, the epoll loop, the container's exit), console.c (the
 * terminal) and attach.c (the attach socket and stdin). Only these three include it. */
#pragma once

#include "bundle.h"
#include "cgroup.h"
#include "journal-writer.h"
#include "log-writer.h"
#include "oom.h"

#include "common/monitor-protocol.h"

#include <stdbool.h>
#include <sys/types.h>

/* As much as a default pipe holds, so one read usually empties it. */
#define PIPE_READ_SIZE (64 * 1024)

#define ATTACH_CLIENTS_MAX 16

typedef struct {
	int fd;
	const char *stream;
} OutputPipe;

typedef struct {
	const MonitorArgs *options;
	int epoll_fd;
	int signal_fd;
	int timer_fd;
	pid_t container_pid;
	int container_pidfd;
	bool container_exited;
	int container_status;
	bool oom_killed;
	MonitorOom oom;
	MonitorCgroups cgroups; /* with --cgroup-group */
	MonitorBundle bundle;   /* with --bundle-files-fd, until the runtime runs */
	bool grace_expired;
	int last_log_error;
	OutputPipe pipes[2];
	LogWriter log;
	JournalWriter journal; /* instead of log, with the journald driver */
	int stdin_fd;   /* write end of the container's stdin (the pty master for a terminal) */
	int console_fd; /* the listening console socket during create */
	int attach_fd;  /* the listening attach socket */
	int resize_fd;  /* with a terminal: the datagram socket ResizeTerminal sends to */
	int clients[ATTACH_CLIENTS_MAX];
	char buf[PIPE_READ_SIZE];
} Monitor;

int monitor_epoll_add(Monitor *m, int fd);

void monitor_epoll_remove_and_close(Monitor *m, int *fd);

/* Deletes the created container, then dies: an error to the daemon must mean that no
 * container is left behind. */
__attribute__((noreturn, format(printf, 3, 4))) void
monitor_die_after_create(const Monitor *m, int r, const char *fmt, ...);
