/* runtime.h: running the OCI runtime from the monitor: its argv (common/runtime-args.h's
 * global arguments first), fork and exec with the right stdio and signal state, waiting,
 * the pid file it writes, and the forced delete that undoes a create. */
#pragma once

#include "common/monitor-protocol.h"

#include <stddef.h>
#include <sys/types.h>

/* The most arguments a create or delete takes, global ones included. */
#define RUNTIME_ARGV_MAX 16

/* Stores the runtime and its global arguments at the start of @argv; returns how many. */
size_t monitor_runtime_argv(const MonitorArgs *args, const char **argv);

/* Forks and execs @argv with the given stdio (-1: /dev/null for stdin, ours for the
 * others). Returns the child's pid or -errno. */
pid_t monitor_spawn(char *const argv[], int stdin_fd, int stdout_fd, int stderr_fd);

int monitor_wait_pid(pid_t pid, int *status);

/* The pid in @path (the runtime's --pid-file), or -errno. */
pid_t monitor_read_pid_file(const char *path);

/* Used only when the container was created but cannot be watched: an "error" to the
 * daemon must mean no container is left behind. Reports its own failures as warnings. */
void monitor_delete_container(const MonitorArgs *args);
