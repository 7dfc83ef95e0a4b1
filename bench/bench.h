/* ocid-bench: the benchmark driver behind bench/run.sh. This header is what its files share:
 * helpers.c, bus.c and ocid-calls.c the means, peers.c the peers, phase-*.c one measurement
 * each, main.c the order of the phases.
 *
 * One process owns everything it measures: a private dbus-daemon, the ocid daemon (started,
 * killed and restarted from here, so the restart is timed from the exec), and the peers
 * (bare "runc run", conmon + runc as CRI-O launches it, "podman run --rootfs"). It is a
 * child subreaper, so the conmon processes that daemonize (ours and podman's) and the
 * monitors orphaned by a daemon restart come back to it and are reaped here instead of
 * lingering as zombies of PID 1.
 *
 * Results go to <out>/results.txt as "key value" lines and raw samples to CSV files; the
 * script renders them. Times come from CLOCK_MONOTONIC, which every process on the host
 * (container processes included: there is no time namespace) shares.
 *
 * Nothing here fails on speed: a benchmark that is slow is a result, only a broken run
 * (a container that does not start, a daemon that dies) is an error. */

#pragma once

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pwd.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/pidfd.h"
#include "common/runtime-args.h"

#define OCID_NAME        "org.oci.Runtime"
#define MANAGER_PATH     "/org/oci/Runtime"
#define MANAGER_IFACE    "org.oci.Runtime.Manager"
#define CONTAINER_IFACE  "org.oci.Runtime.Container"
#define CONTAINER_PREFIX "/org/oci/Runtime/container"
#define PROPERTIES_IFACE "org.freedesktop.DBus.Properties"

/* Generous: a create on a loaded 2-core machine with 8 concurrent clients can take long. */
#define CALL_TIMEOUT_USEC (300ULL * 1000 * 1000)
#define WAIT_TIMEOUT_USEC (120ULL * 1000 * 1000)

typedef struct {
	/* inputs */
	const char *tmp;
	const char *out;
	const char *ocid_path;
	const char *monitor_path;
	const char *runc_path;
	const char *conmon_path;
	const char *podman_path;
	const char *python_path;   /* an interpreter with dbus-python and gi, or NULL */
	const char *python_client; /* bench/python-client.py */
	const char *bundle_true;   /* process: true */
	const char *bundle_sleep;  /* process: sleeps until SIGTERM */
	const char *bundle_short;  /* process: sleep 0.3, then exit */
	const char *podman_rootfs;
	const char *cgroup_parent;   /* "/ocid-bench-<pid>" */
	const char *confined_user;   /* a non-root user whose containers run confined, or NULL */
	const char *bundle_confined; /* process: true; readable by that user, her rootfs */
	int runs;
	int signal_runs;
	int scale;
	int clients;
	int idle_count;
	int idle_sec;
	int idle_health; /* of the idle containers, how many have a health check (every 10 s) */
	bool with_conmon;
	bool with_podman;

	/* state */
	char *bus_address;
	char *ocid_config;
	char *state_dir;
	pid_t bus_pid;
	pid_t ocid_pid;
	sd_bus *bus;
	FILE *results;
	char *template_true;
	char *template_sleep;
	char *template_short;
	int peer_serial;
	pid_t python_pid;
	FILE *python_in;  /* requests to the python client */
	FILE *python_out; /* its answers */
	uid_t confined_uid;
	gid_t confined_gid;
	sd_bus *confined_bus; /* a connection of the confined user's */
	char *template_confined;
	char *userns_linux; /* uidMappings and gidMappings, as ocid computes them for her */
	pid_t polkit_pid;   /* the stand-in polkit authority */
} Bench;

typedef struct {
	int tid;
	char comm[32];
	long voluntary;
	long involuntary;
} ThreadCount;

typedef struct {
	int n;
	ThreadCount threads[256];
} ThreadSnapshot;

typedef struct {
	long voluntary;
	long involuntary;
	int started; /* threads that appeared in between (their switches count whole) */
	int ended;   /* threads that ended in between (each ending is a wake-up) */
	int threads; /* at the end */
} SwitchDelta;

typedef struct {
	const char *const *argv;
	const char *const *env_extra; /* NAME=value, added to ours */
	int fd3;                      /* passed as fd 3, or -1 */
	int out_fd;                   /* stdout and stderr, or -1 for /dev/null */
	int err_fd;                   /* stderr instead, if not 0 */
	bool new_session;
} SpawnOptions;

typedef struct {
	uint64_t t0;
	uint64_t t_created;
	uint64_t t_started;
	uint64_t t_stopped;
	int pidfd; /* for the exit-to-signal benchmark, or -1 */
	uint64_t t_exit;
	char *error;
	const char *path;
	bool one_call; /* created and started by one CreateContainer */
} Life;

typedef struct {
	char *id;
	char *dir;
	char *exits;
	pid_t container_pid;
	pid_t conmon_pid;
} ConmonContainer;

typedef struct {
	double total;
	double create;
	double start;
	double exit;
	double remove; /* from the exit seen to the container gone (ocid's Delete reply) */
} LifeSample;

/* helpers.c: messages, time, files, /proc figures, results and statistics, processes */
void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...);
void progress(const char *fmt, ...);
uint64_t now_usec(void);
double ms_between(uint64_t from, uint64_t to);
void sleep_ms(long ms);
char *__attribute__((format(printf, 1, 2))) xprintf(const char *fmt, ...);
char *read_file(const char *path);
void write_file(const char *path, const char *text);
void mkdir_p(const char *path);
long proc_field(pid_t pid, const char *file, const char *key);
double proc_cpu_ms(pid_t pid);
void snapshot_threads(pid_t pid, ThreadSnapshot *s);
SwitchDelta switch_delta(const ThreadSnapshot *before, const ThreadSnapshot *after);
void describe_threads(const ThreadSnapshot *s, char *buf, size_t size);
void __attribute__((format(printf, 3, 4))) result(Bench *b, const char *key, const char *fmt, ...);
void result_stats(Bench *b, const char *key, const double *values, int n);
double median(const double *values, int n);
pid_t spawn(const SpawnOptions *o);
int wait_exit(pid_t pid);
int wait_exit_timeout(pid_t pid, long timeout_ms);
int run_quiet(const char *const *argv, long timeout_ms);
void reap_strays(Bench *b);

/* bus.c: the private bus, the daemon, the stand-in polkit authority, the confined user */
void write_pid_file(Bench *b, const char *name, pid_t pid);
void start_bus(Bench *b);
sd_bus *bus_connect(Bench *b);
void bus_step(sd_bus *bus, uint64_t deadline);
int list_containers(sd_bus *bus, int *running);
double start_daemon(Bench *b, int expected);
/* The median of RESTART_TIMES starts of the daemon (stopped first if it runs) with
 * @expected containers on disk: a single start varies by tens of ms with the machine's load. */
#define RESTART_TIMES 5
double restart_daemon_median(Bench *b, int expected);
void stop_daemon(Bench *b);
void write_ocid_config(Bench *b);
void stop_polkit_stand_in(Bench *b);
void confined_setup(Bench *b);

/* ocid-calls.c: calls on ocid, and the replies and signals a life cycle waits for */
char *container_path(const char *id);
void call_or_die(sd_bus *bus, const char *path, const char *iface, const char *member,
		 sd_bus_message **reply, const char *types, ...);
char *ocid_create(sd_bus *bus, const char *id, const char *bundle);
/* The same with a health check, /bin/true every @interval_sec (issue 21). */
char *ocid_create_checked(sd_bus *bus, const char *id, const char *bundle, uint64_t interval_sec);
void ocid_simple(sd_bus *bus, const char *path, const char *member);
void ocid_stop(sd_bus *bus, const char *path, uint64_t timeout_sec);
void ocid_delete(sd_bus *bus, const char *path, bool force);
int32_t ocid_pid_of(sd_bus *bus, const char *path);
pid_t ocid_monitor_pid(Bench *b, const char *id);
void ocid_delete_all(Bench *b);
int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);
int on_create_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

/* peers.c: the peers ocid is measured against: bare runc, conmon + runc, podman */
char *load_template(const char *bundle);
double runc_lifecycle(Bench *b, int run, bool userns);
void conmon_create(Bench *b, ConmonContainer *c, const char *template_dir, const char *template);
void conmon_read_pid(ConmonContainer *c);
void runc_peer(Bench *b, const char *root_name, const char *verb, const char *id,
	       const char *extra);
void conmon_finish(Bench *b, ConmonContainer *c);
void conmon_init(Bench *b, ConmonContainer *c, const char *id);
void wait_exit_file(int inotify_fd, const char *id, int pidfd, uint64_t *t_exit, uint64_t *t_seen);
LifeSample conmon_lifecycle(Bench *b, int run);
double podman_lifecycle(Bench *b, int run);

/* phase-lifecycle.c: 1. life-cycle latency, interleaved over every runner */
void bench_lifecycle(Bench *b);

/* phase-memory.c: 2. memory per supervised container */
void bench_memory(Bench *b);

/* phase-scale.c: 3. scale, many containers from one or several clients. run_workers() takes
 * @count containers through one step of @work from @clients connections (the idle and
 * restart phases fill and empty the daemon with it) and returns the wall time in ms. */
typedef enum { WORK_CREATE_START, WORK_STOP_DELETE, WORK_FORCE_DELETE } Work;
double run_workers(Bench *b, const char *prefix, int count, int clients, char **paths,
		   double *latency_ms, Work work);
void bench_ping(Bench *b);
void bench_scale(Bench *b, int clients);

/* phase-exit-signal.c: 4. exit-to-signal latency, and a durable write's cost */
void bench_exit_signal(Bench *b);
void bench_fsync(Bench *b);

/* phase-idle.c: 5. idleness */
void bench_idle(Bench *b);

/* phase-restart.c: 6. restart recovery */
void bench_restart(Bench *b);
