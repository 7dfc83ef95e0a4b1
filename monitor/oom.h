/* oom.h: whether the kernel's OOM killer killed the container. Right after create the
 * monitor finds the container's memory cgroup in /proc/<pid>/cgroup and opens its counter
 * file (memory.events on cgroup v2, memory.oom_control on v1), keeping the fd and the
 * oom_kill count of that moment; a SIGKILLed container was OOM-killed when the count has
 * grown since. The fd is opened before the monitor hardens itself, and re-reading it needs
 * no new syscalls. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct {
	int fd; /* the counter file, or -1 when not watched */
	uint64_t baseline;
} MonitorOom;

#define MONITOR_OOM_INIT                                                                           \
	{                                                                                          \
		.fd = -1                                                                           \
	}

/* Starts watching the memory cgroup of @pid. -errno when there is none to watch (no
 * memory controller, a kernel without oom_kill counts); *oom then stays unwatched. */
int monitor_oom_watch(MonitorOom *oom, pid_t pid);

/* Whether the OOM killer struck since monitor_oom_watch(); false when unwatched. */
bool monitor_oom_killed(MonitorOom *oom);

void monitor_oom_close(MonitorOom *oom);

/* From the text of /proc/<pid>/cgroup, the path of the memory cgroup's counter file (the v1
 * memory controller's if there is one, else the v2 hierarchy's). -ENOENT without either,
 * -ENAMETOOLONG when @size is too small. */
int monitor_oom_counter_path(const char *proc_cgroup, char *path, size_t size);

/* The "oom_kill N" line of memory.events or memory.oom_control. -ENOENT without one. */
int monitor_oom_parse_kill_count(const char *text, uint64_t *count);
