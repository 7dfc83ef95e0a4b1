/* ocid-bench: the benchmark driver behind bench/run.sh.
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

/* ---- small helpers ---------------------------------------------------------------- */

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("ocid-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAILURE);
}

static void
progress(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("  .. ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t
now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000ULL;
}

static double
ms_between(uint64_t from, uint64_t to)
{
	return ((double)to - (double)from) / 1000.0;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static char *__attribute__((format(printf, 1, 2))) xprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	return s;
}

static char *
read_file(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char *data = NULL;
	size_t size = 0;
	size_t len = 0;
	size_t n;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (len + 4096 + 1 > size) {
			size = (size + 4096 + 1) * 2;
			data = realloc(data, size);
			if (data == NULL)
				die("out of memory");
		}
		n = fread(data + len, 1, size - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	data[len] = '\0';
	return data;
}

static void
write_file(const char *path, const char *text)
{
	_cleanup_fclose_ FILE *f = fopen(path, "we");

	if (f == NULL || fputs(text, f) < 0)
		die("cannot write %s: %m", path);
}

static void
mkdir_p(const char *path)
{
	_cleanup_free_ char *copy = strdup(path);

	for (char *p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) < 0 && errno != EEXIST)
			die("cannot create %s: %m", copy);
		*p = '/';
	}
	if (mkdir(copy, 0700) < 0 && errno != EEXIST)
		die("cannot create %s: %m", copy);
}

/* A "Key:   N kB"-style field of a /proc file; -1 when absent. */
static long
proc_field(pid_t pid, const char *file, const char *key)
{
	_cleanup_free_ char *path = xprintf("/proc/%d/%s", (int)pid, file);
	_cleanup_free_ char *data = read_file(path);
	size_t key_len = strlen(key);

	if (data == NULL)
		return -1;
	for (char *line = data; line != NULL && *line != '\0';) {
		char *next = strchr(line, '\n');
		if (strncmp(line, key, key_len) == 0 && line[key_len] == ':')
			return strtol(line + key_len + 1, NULL, 10);
		line = next != NULL ? next + 1 : NULL;
	}
	return -1;
}

/* utime + stime of a process, all threads, in ms. */
static double
proc_cpu_ms(pid_t pid)
{
	_cleanup_free_ char *path = xprintf("/proc/%d/stat", (int)pid);
	_cleanup_free_ char *data = read_file(path);
	char *p;
	unsigned long utime = 0, stime = 0;

	if (data == NULL || (p = strrchr(data, ')')) == NULL)
		return -1;
	/* after ")": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
	 * utime(14) stime(15) */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) !=
	    2)
		return -1;
	return (double)(utime + stime) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

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

/* Context switches per thread: /proc/<pid>/status alone counts only the main thread, and
 * a sum over the threads alive at two moments goes down when one ends in between. */
static void
snapshot_threads(pid_t pid, ThreadSnapshot *s)
{
	_cleanup_free_ char *dir_path = xprintf("/proc/%d/task", (int)pid);
	DIR *dir = opendir(dir_path);
	struct dirent *e;

	s->n = 0;
	if (dir == NULL)
		return;
	while ((e = readdir(dir)) != NULL &&
	       s->n < (int)(sizeof s->threads / sizeof s->threads[0])) {
		_cleanup_free_ char *status = NULL;
		_cleanup_free_ char *comm_path = NULL;
		_cleanup_free_ char *comm = NULL;
		ThreadCount *t = &s->threads[s->n];

		if (e->d_name[0] == '.')
			continue;
		status = xprintf("task/%s/status", e->d_name);
		t->voluntary = proc_field(pid, status, "voluntary_ctxt_switches");
		t->involuntary = proc_field(pid, status, "nonvoluntary_ctxt_switches");
		if (t->voluntary < 0)
			continue;
		t->tid = atoi(e->d_name);
		comm_path = xprintf("/proc/%d/task/%s/comm", (int)pid, e->d_name);
		comm = read_file(comm_path);
		snprintf(t->comm, sizeof t->comm, "%.*s",
			 comm != NULL ? (int)strcspn(comm, "\n") : 1, comm != NULL ? comm : "?");
		s->n++;
	}
	closedir(dir);
}

typedef struct {
	long voluntary;
	long involuntary;
	int started; /* threads that appeared in between (their switches count whole) */
	int ended;   /* threads that ended in between (each ending is a wake-up) */
	int threads; /* at the end */
} SwitchDelta;

static SwitchDelta
switch_delta(const ThreadSnapshot *before, const ThreadSnapshot *after)
{
	SwitchDelta d = { 0, 0, 0, 0, after->n };

	for (int i = 0; i < after->n; i++) {
		const ThreadCount *t = &after->threads[i];
		const ThreadCount *old = NULL;

		for (int k = 0; k < before->n && old == NULL; k++)
			if (before->threads[k].tid == t->tid)
				old = &before->threads[k];
		d.voluntary += t->voluntary - (old != NULL ? old->voluntary : 0);
		d.involuntary += t->involuntary - (old != NULL ? old->involuntary : 0);
		if (old == NULL)
			d.started++;
	}
	for (int k = 0; k < before->n; k++) {
		bool alive = false;
		for (int i = 0; i < after->n && !alive; i++)
			alive = after->threads[i].tid == before->threads[k].tid;
		if (!alive)
			d.ended++;
	}
	return d;
}

static void
describe_threads(const ThreadSnapshot *s, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < s->n && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%d:%s:%ld:%ld", i > 0 ? "," : "",
				 s->threads[i].tid, s->threads[i].comm, s->threads[i].voluntary,
				 s->threads[i].involuntary);
		if (n > 0)
			used += (size_t)n;
	}
}

/* ---- results and statistics ----------------------------------------------------- */

static void __attribute__((format(printf, 3, 4)))
result(Bench *b, const char *key, const char *fmt, ...)
{
	va_list ap;

	fprintf(b->results, "%s ", key);
	va_start(ap, fmt);
	vfprintf(b->results, fmt, ap);
	va_end(ap);
	fputc('\n', b->results);
	fflush(b->results);
}

static int
compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

typedef struct {
	int n;
	double p50;
	double p95;
	double min;
	double max;
} Stats;

static Stats
stats_of(const double *values, int n)
{
	Stats s = { n, NAN, NAN, NAN, NAN };
	_cleanup_free_ double *sorted = NULL;
	int rank;

	if (n <= 0)
		return s;
	sorted = malloc(sizeof(double) * (size_t)n);
	memcpy(sorted, values, sizeof(double) * (size_t)n);
	qsort(sorted, (size_t)n, sizeof(double), compare_doubles);
	s.p50 = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
	/* nearest rank */
	rank = (int)ceil(0.95 * n);
	s.p95 = sorted[rank < 1 ? 0 : rank - 1];
	s.min = sorted[0];
	s.max = sorted[n - 1];
	return s;
}

static void
result_stats(Bench *b, const char *key, const double *values, int n)
{
	Stats s = stats_of(values, n);
	_cleanup_free_ char *k50 = xprintf("%s.p50", key);
	_cleanup_free_ char *k95 = xprintf("%s.p95", key);
	_cleanup_free_ char *kn = xprintf("%s.n", key);
	_cleanup_free_ char *kmin = xprintf("%s.min", key);
	_cleanup_free_ char *kmax = xprintf("%s.max", key);

	result(b, kn, "%d", s.n);
	result(b, k50, "%.3f", s.p50);
	result(b, k95, "%.3f", s.p95);
	result(b, kmin, "%.3f", s.min);
	result(b, kmax, "%.3f", s.max);
}

/* ---- processes ------------------------------------------------------------------ */

typedef struct {
	const char *const *argv;
	const char *const *env_extra; /* NAME=value, added to ours */
	int fd3;                      /* passed as fd 3, or -1 */
	int out_fd;                   /* stdout and stderr, or -1 for /dev/null */
	int err_fd;                   /* stderr instead, if not 0 */
	bool new_session;
} SpawnOptions;

static pid_t
spawn(const SpawnOptions *o)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %m");
	if (pid == 0) {
		sigset_t none;
		int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		int out = o->out_fd >= 0 ? o->out_fd : null_fd;
		int err = o->err_fd > 0 ? o->err_fd : out;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
		if (o->new_session)
			setsid();
		if (dup2(null_fd, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(127);
		if (o->fd3 >= 0) {
			if (o->fd3 == 3) {
				if (fcntl(3, F_SETFD, 0) < 0)
					_exit(127);
			} else if (dup2(o->fd3, 3) < 0) {
				_exit(127);
			}
			syscall(SYS_close_range, 4, ~0U, 0);
		} else {
			syscall(SYS_close_range, 3, ~0U, 0);
		}
		for (int i = 0; o->env_extra != NULL && o->env_extra[i] != NULL; i++)
			putenv((char *)o->env_extra[i]);
		execv(o->argv[0], (char *const *)o->argv);
		_exit(127);
	}
	return pid;
}

static int
wait_exit(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid %d: %m", (int)pid);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* Waits for a child with a deadline; SIGKILLs it when the deadline passes. */
static int
wait_exit_timeout(pid_t pid, long timeout_ms)
{
	uint64_t end = now_usec() + (uint64_t)timeout_ms * 1000;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno == ECHILD)
			return 0; /* reaped already, as a stray */
		if (r < 0 && errno != EINTR)
			die("waitpid %d: %m", (int)pid);
		if (now_usec() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		sleep_ms(5);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

static void reap_strays(Bench *b);

static int
run_quiet(const char *const *argv, long timeout_ms)
{
	SpawnOptions o = { .argv = argv, .fd3 = -1, .out_fd = -1 };

	return wait_exit_timeout(spawn(&o), timeout_ms);
}

/* Orphans that came to us as subreaper: conmon after its double fork, podman's conmon,
 * monitors of a killed daemon. The bus and the daemon are ours too: if one of them turns
 * up here, it died, and the run is void. */
static void
reap_strays(Bench *b)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == b->ocid_pid)
			die("the ocid daemon exited unexpectedly (status %d); see %s/ocid.log",
			    status, b->tmp);
		if (pid == b->bus_pid)
			die("the dbus-daemon exited unexpectedly (status %d)", status);
		if (pid == b->polkit_pid)
			die("the polkit stand-in exited unexpectedly (status %d)", status);
	}
}

/* ---- bus, daemon ---------------------------------------------------------------- */

static void
write_pid_file(Bench *b, const char *name, pid_t pid)
{
	_cleanup_free_ char *path = xprintf("%s/pids/%s", b->tmp, name);
	_cleanup_free_ char *text = xprintf("%d\n", (int)pid);

	write_file(path, text);
}

static void
start_bus(Bench *b)
{
	_cleanup_free_ char *conf_path = xprintf("%s/bus.conf", b->tmp);
	_cleanup_free_ char *socket = xprintf("%s/bus.sock", b->tmp);
	_cleanup_free_ char *conf = NULL;
	_cleanup_free_ char *conf_arg = NULL;
	const char *argv[] = { "/usr/bin/dbus-daemon", NULL, "--nofork", "--print-pid", NULL };
	_cleanup_free_ char *log_path = xprintf("%s/dbus-daemon.log", b->tmp);
	_cleanup_(closep) int log_fd =
	    open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	int fds[2];
	char buf[64] = { 0 };
	ssize_t n;

	if (log_fd < 0)
		die("cannot open %s: %m", log_path);
	conf = xprintf("<busconfig><type>system</type><listen>unix:path=%s</listen>"
		       "<auth>EXTERNAL</auth><policy context=\"default\">"
		       "<allow user=\"*\"/><allow own=\"*\"/><allow send_destination=\"*\"/>"
		       "<allow receive_sender=\"*\"/></policy>"
		       "<limit name=\"max_replies_per_connection\">100000</limit>"
		       "<limit name=\"max_match_rules_per_connection\">100000</limit>"
		       "</busconfig>",
		       socket);
	write_file(conf_path, conf);
	conf_arg = xprintf("--config-file=%s", conf_path);
	argv[1] = conf_arg;
	if (pipe2(fds, O_CLOEXEC) < 0)
		die("pipe: %m");
	{
		/* Its stderr must not be the pipe we close after the pid line: a later warning
		 * would kill it with SIGPIPE. */
		SpawnOptions o = { .argv = argv,
				   .fd3 = -1,
				   .out_fd = fds[1],
				   .err_fd = log_fd,
				   .new_session = true };
		b->bus_pid = spawn(&o);
	}
	close(fds[1]);
	write_pid_file(b, "bus.pid", b->bus_pid);
	n = read(fds[0], buf, sizeof buf - 1); /* the pid line means it listens */
	close(fds[0]);
	if (n <= 0)
		die("dbus-daemon did not start");
	b->bus_address = xprintf("unix:path=%s", socket);
}

static sd_bus *
bus_connect(Bench *b)
{
	int r = 0;

	/* Retried: a bus that has just started may still refuse or drop a first connection. */
	for (int attempt = 0; attempt < 50; attempt++) {
		sd_bus *bus = NULL;
		const char *unique = NULL;

		if ((r = sd_bus_new(&bus)) < 0 ||
		    (r = sd_bus_set_address(bus, b->bus_address)) < 0 ||
		    (r = sd_bus_set_bus_client(bus, 1)) < 0 || (r = sd_bus_start(bus)) < 0 ||
		    (r = sd_bus_get_unique_name(bus, &unique)) < 0) {
			sd_bus_flush_close_unref(bus);
			sleep_ms(20);
			continue;
		}
		sd_bus_set_method_call_timeout(bus, CALL_TIMEOUT_USEC);
		return bus;
	}
	die("cannot connect to the private bus %s: %s", b->bus_address, strerror(-r));
}

/* One step of a client's event loop: handle one message, or wait for the next. */
static void
bus_step(sd_bus *bus, uint64_t deadline)
{
	int r = sd_bus_process(bus, NULL);
	uint64_t now;

	if (r < 0)
		die("bus: %s", strerror(-r));
	if (r > 0)
		return;
	now = now_usec();
	if (now > deadline)
		die("timed out waiting for the daemon");
	r = sd_bus_wait(bus, deadline - now);
	if (r < 0 && r != -EINTR)
		die("bus wait: %s", strerror(-r));
}

typedef struct {
	bool seen;
	bool owned;
} NameWatch;

static int
on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	NameWatch *w = userdata;
	const char *name, *old_owner, *new_owner;

	if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
		return 0;
	if (strcmp(name, OCID_NAME) == 0) {
		w->seen = true;
		w->owned = *new_owner != '\0';
	}
	return 0;
}

static int
list_containers(sd_bus *bus, int *running)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	const char *id, *name, *state, *path;
	uint64_t created;
	int count = 0;
	int r;

	r = sd_bus_call_method(bus, OCID_NAME, MANAGER_PATH, MANAGER_IFACE, "ListContainers",
			       &error, &reply, "a{sv}", 0);
	if (r < 0)
		die("ListContainers: %s", error.message != NULL ? error.message : strerror(-r));
	if (running != NULL)
		*running = 0;
	if (sd_bus_message_enter_container(reply, 'a', "(sssto)") < 0)
		die("ListContainers: bad reply");
	while ((r = sd_bus_message_read(reply, "(sssto)", &id, &name, &state, &created, &path)) >
	       0) {
		count++;
		if (running != NULL && strcmp(state, "running") == 0)
			(*running)++;
	}
	if (r < 0)
		die("ListContainers: bad reply: %s", strerror(-r));
	return count;
}

/* Starts the daemon and returns the ms from just before the fork to the reply of the first
 * ListContainers: the time a restarted daemon keeps its clients waiting. The reply must
 * hold @expected containers. */
static double
start_daemon(Bench *b, int expected)
{
	_cleanup_free_ char *log_path = xprintf("%s/ocid.log", b->tmp);
	_cleanup_free_ char *env_bus = xprintf("DBUS_SYSTEM_BUS_ADDRESS=%s", b->bus_address);
	const char *env[] = { env_bus, NULL };
	const char *argv[] = { b->ocid_path, "--config", b->ocid_config, NULL };
	_cleanup_(closep) int log_fd = -1;
	sd_bus_slot *slot = NULL;
	NameWatch watch = { false, false };
	uint64_t t0, deadline;
	int count, r;

	log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (log_fd < 0)
		die("cannot open %s: %m", log_path);
	r = sd_bus_match_signal(b->bus, &slot, "org.freedesktop.DBus", "/org/freedesktop/DBus",
				"org.freedesktop.DBus", "NameOwnerChanged", on_name_owner_changed,
				&watch);
	if (r < 0)
		die("cannot watch NameOwnerChanged: %s", strerror(-r));

	t0 = now_usec();
	{
		SpawnOptions o = { .argv = argv,
				   .env_extra = env,
				   .fd3 = -1,
				   .out_fd = log_fd,
				   .new_session = true };
		b->ocid_pid = spawn(&o);
	}
	deadline = t0 + WAIT_TIMEOUT_USEC;
	while (!watch.owned) {
		int status;

		if (waitpid(b->ocid_pid, &status, WNOHANG) == b->ocid_pid)
			die("ocid exited at start (status %d); see %s", status, log_path);
		if (now_usec() > deadline)
			die("ocid did not take its bus name; see %s", log_path);
		r = sd_bus_process(b->bus, NULL);
		if (r < 0)
			die("bus: %s", strerror(-r));
		if (r == 0)
			(void)sd_bus_wait(b->bus, 100000);
	}
	count = list_containers(b->bus, NULL);
	{
		double ms = ms_between(t0, now_usec());
		sd_bus_slot_unref(slot);
		write_pid_file(b, "ocid.pid", b->ocid_pid);
		if (count != expected)
			die("after its start ocid lists %d containers, not %d", count, expected);
		return ms;
	}
}

static void
stop_daemon(Bench *b)
{
	int status;

	if (b->ocid_pid <= 0)
		return;
	kill(b->ocid_pid, SIGTERM);
	status = wait_exit_timeout(b->ocid_pid, 30000);
	if (status != 0)
		fprintf(stderr, "ocid-bench: ocid exited with status %d at SIGTERM\n", status);
	b->ocid_pid = 0;
}

static void
write_ocid_config(Bench *b)
{
	_cleanup_free_ char *text = NULL;

	b->state_dir = xprintf("%s/state", b->tmp);
	b->ocid_config = xprintf("%s/ocid.conf", b->tmp);
	text =
	    xprintf("[runtime]\nruntime_path = %s\nmonitor_path = %s\n"
		    "cgroup_manager = cgroupfs\ncgroup_parent = %s\n"
		    "[paths]\nstate_dir = %s\nrun_dir = %s/run\nlog_dir = %s/log\n",
		    b->runc_path, b->monitor_path, b->cgroup_parent, b->state_dir, b->tmp, b->tmp);
	write_file(b->ocid_config, text);
}

/* ---- a stand-in polkit authority, and a confined user's connection -------------- */

/* No polkitd runs on the private bus, and without one ocid lets only root create. This
 * stand-in owns org.freedesktop.PolicyKit1 there and says yes at once to the confined
 * user's create, and no to anything else (the temporary dir is open to other users while
 * the bench runs, and a yes to create-privileged would make root of anyone on the bus).
 * Like polkitd, it asks the bus who the subject is; unlike it, it evaluates no rules:
 * a real polkitd reads the caller's process and evaluates its rules (JavaScript) first, so
 * it flatters the confined create a little. It writes each question to its log, one line
 * "action verb container", which shows that only the create asks: the owner's Start and
 * Delete need no polkit at all. */
typedef struct {
	FILE *log;
	uid_t allowed_uid;
} StandIn;

static int
on_check_authorization(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	StandIn *stand_in = userdata;
	FILE *log = stand_in->log;
	const char *action = "", *key, *value, *verb = "", *container = "", *kind = "";
	const char *subject = NULL;
	uint32_t uid = UINT32_MAX;
	bool yes;
	int r;

	if ((r = sd_bus_message_enter_container(m, 'r', "sa{sv}")) < 0 ||
	    (r = sd_bus_message_read(m, "s", &kind)) < 0 ||
	    (r = sd_bus_message_enter_container(m, 'a', "{sv}")) < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		if ((r = sd_bus_message_read(m, "s", &key)) < 0)
			return r;
		if (strcmp(key, "name") == 0)
			r = sd_bus_message_read(m, "v", "s", &subject);
		else
			r = sd_bus_message_skip(m, "v");
		if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0)
			return r;
	}
	if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0 ||
	    (r = sd_bus_message_exit_container(m)) < 0 ||
	    (r = sd_bus_message_read(m, "s", &action)) < 0 ||
	    (r = sd_bus_message_enter_container(m, 'a', "{ss}")) < 0)
		return r;
	while ((r = sd_bus_message_read(m, "{ss}", &key, &value)) > 0) {
		if (strcmp(key, "verb") == 0)
			verb = value;
		else if (strcmp(key, "container") == 0)
			container = value;
	}
	if (r < 0)
		return r;
	if (strcmp(kind, "system-bus-name") == 0 && subject != NULL) {
		_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
		if (sd_bus_call_method(sd_bus_message_get_bus(m), "org.freedesktop.DBus",
				       "/org/freedesktop/DBus", "org.freedesktop.DBus",
				       "GetConnectionUnixUser", NULL, &reply, "s", subject) >= 0)
			(void)sd_bus_message_read(reply, "u", &uid);
	}
	yes = uid == stand_in->allowed_uid && strcmp(action, "org.oci.Runtime.create") == 0;
	fprintf(log, "%s %s %s %u %s\n", action, verb, *container != '\0' ? container : "-",
		(unsigned)uid, yes ? "yes" : "no");
	fflush(log);
	return sd_bus_reply_method_return(m, "(bba{ss})", (int)yes, 0, 0);
}

static const sd_bus_vtable authority_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("CheckAuthorization", "(sa{sv})sa{ss}us", "(bba{ss})", on_check_authorization,
		      0),
	SD_BUS_VTABLE_END,
};

/* A process of its own, as polkitd is: its CPU is its own, and it answers while the
 * driver waits in a blocking call. */
static void
start_polkit_stand_in(Bench *b)
{
	_cleanup_free_ char *log_path = xprintf("%s/polkit-questions.log", b->out);
	int ready[2];
	char byte;

	if (pipe2(ready, O_CLOEXEC) < 0)
		die("pipe: %m");
	b->polkit_pid = fork();
	if (b->polkit_pid < 0)
		die("fork: %m");
	if (b->polkit_pid == 0) {
		static StandIn stand_in;
		FILE *log = fopen(log_path, "we");
		sd_bus *bus;
		int r;

		close(ready[0]);
		prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
		prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
		signal(SIGTERM, SIG_DFL);
		if (log == NULL)
			die("cannot write %s: %m", log_path);
		stand_in.log = log;
		stand_in.allowed_uid = b->confined_uid;
		bus = bus_connect(b);
		r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/PolicyKit1/Authority",
					     "org.freedesktop.PolicyKit1.Authority",
					     authority_vtable, &stand_in);
		if (r >= 0)
			r = sd_bus_request_name(bus, "org.freedesktop.PolicyKit1", 0);
		if (r < 0)
			die("polkit stand-in: %s", strerror(-r));
		if (write(ready[1], "y", 1) != 1)
			_exit(1);
		close(ready[1]);
		for (;;) {
			r = sd_bus_process(bus, NULL);
			if (r < 0)
				_exit(0); /* the bus is gone */
			if (r == 0 && sd_bus_wait(bus, UINT64_MAX) < 0 && errno != EINTR)
				_exit(0);
		}
	}
	close(ready[1]);
	write_pid_file(b, "polkit.pid", b->polkit_pid);
	if (read(ready[0], &byte, 1) != 1)
		die("the polkit stand-in did not start");
	close(ready[0]);
}

static void
stop_polkit_stand_in(Bench *b)
{
	if (b->polkit_pid <= 0)
		return;
	kill(b->polkit_pid, SIGTERM);
	(void)wait_exit_timeout(b->polkit_pid, 10000);
	b->polkit_pid = 0;
}

/* The bus knows a connection by the credentials of the process that connected (the
 * kernel's SO_PEERCRED, taken at connect(); SO_PEERGROUPS for the groups). The driver
 * stays root for runc and cgroups, and takes the user's ids only while it connects: the
 * daemon then sees her, as it would see her own client. */
static sd_bus *
bus_connect_as(Bench *b, const char *user, uid_t uid, gid_t gid)
{
	gid_t root_groups[256], groups[256];
	int n_root = getgroups(256, root_groups);
	int n = 256;
	sd_bus *bus;

	if (n_root < 0 || getgrouplist(user, gid, groups, &n) < 0)
		die("cannot read the groups of %s", user);
	if (setgroups((size_t)n, groups) < 0 || setegid(gid) < 0 || seteuid(uid) < 0)
		die("cannot take the ids of %s: %m", user);
	bus = bus_connect(b);
	if (seteuid(0) < 0 || setegid(0) < 0 || setgroups((size_t)n_root, root_groups) < 0)
		die("cannot return to root: %m");
	return bus;
}

/* The id mappings ocid gives her containers (daemon/userns.c): container id 0 is her own
 * id, and ids 1 and up are her ranges of @path, in file order; a range holding her id is
 * skipped. As JSON, for the bare runc reference. */
static char *
subid_mappings(const char *path, const char *user, uint32_t own_id)
{
	_cleanup_free_ char *data = read_file(path);
	_cleanup_free_ char *own = xprintf("%u", own_id);
	char *json = xprintf("[ { \"containerID\": 0, \"hostID\": %u, \"size\": 1 }", own_id);
	uint64_t next = 1;
	char *save = NULL;

	for (char *line = data != NULL ? strtok_r(data, "\n", &save) : NULL; line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		unsigned long long start, size;
		char *old = json;

		if (colon == NULL || sscanf(colon + 1, "%llu:%llu", &start, &size) != 2 ||
		    size == 0)
			continue;
		*colon = '\0';
		if (strcmp(line, user) != 0 && strcmp(line, own) != 0)
			continue;
		if (start + size > UINT32_MAX || next + size > UINT32_MAX ||
		    (own_id >= start && own_id - start < size))
			continue;
		json = xprintf("%s, { \"containerID\": %" PRIu64 ", \"hostID\": %llu, "
			       "\"size\": %llu }",
			       old, next, start, size);
		free(old);
		next += size;
	}
	{
		char *old = json;
		json = xprintf("%s ]", old);
		free(old);
	}
	return json;
}

static char *load_template(const char *bundle);

static void
confined_setup(Bench *b)
{
	const struct passwd *pw = getpwnam(b->confined_user);
	_cleanup_free_ char *uids = NULL;
	_cleanup_free_ char *gids = NULL;

	if (pw == NULL || pw->pw_uid == 0)
		die("no non-root user %s for the confined containers", b->confined_user);
	b->confined_uid = pw->pw_uid;
	b->confined_gid = pw->pw_gid;
	uids = subid_mappings("/etc/subuid", b->confined_user, (uint32_t)pw->pw_uid);
	gids = subid_mappings("/etc/subgid", b->confined_user, (uint32_t)pw->pw_gid);
	b->userns_linux = xprintf("\"uidMappings\": %s,\n    \"gidMappings\": %s,", uids, gids);
	b->template_confined = load_template(b->bundle_confined);
	start_polkit_stand_in(b);
	b->confined_bus = bus_connect_as(b, b->confined_user, b->confined_uid, b->confined_gid);
}

/* ---- ocid calls ----------------------------------------------------------------- */

static char *
container_path(const char *id)
{
	char *path = NULL;

	if (sd_bus_path_encode(CONTAINER_PREFIX, id, &path) < 0)
		die("out of memory");
	return path;
}

static void
call_or_die(sd_bus *bus, const char *path, const char *iface, const char *member,
	    sd_bus_message **reply, const char *types, ...)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	va_list ap;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, OCID_NAME, path, iface, member);
	if (r < 0)
		die("%s: %s", member, strerror(-r));
	if (types != NULL) {
		va_start(ap, types);
		r = sd_bus_message_appendv(m, types, ap);
		va_end(ap);
		if (r < 0)
			die("%s: %s", member, strerror(-r));
	}
	r = sd_bus_call(bus, m, CALL_TIMEOUT_USEC, &error, reply);
	if (r < 0)
		die("%s on %s: %s", member, path,
		    error.message != NULL ? error.message : strerror(-r));
}

static char *
ocid_create(sd_bus *bus, const char *id, const char *bundle)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	const char *path;

	call_or_die(bus, MANAGER_PATH, MANAGER_IFACE, "CreateContainer", &reply, "sssa{sv}", id, id,
		    bundle, 0);
	if (sd_bus_message_read(reply, "o", &path) < 0)
		die("CreateContainer: bad reply");
	return strdup(path);
}

static void
ocid_simple(sd_bus *bus, const char *path, const char *member)
{
	call_or_die(bus, path, CONTAINER_IFACE, member, NULL, NULL);
}

static void
ocid_stop(sd_bus *bus, const char *path, uint64_t timeout_sec)
{
	call_or_die(bus, path, CONTAINER_IFACE, "Stop", NULL, "t", timeout_sec);
}

static void
ocid_delete(sd_bus *bus, const char *path, bool force)
{
	call_or_die(bus, path, CONTAINER_IFACE, "Delete", NULL, "b", (int)force);
}

static int32_t
ocid_pid_of(sd_bus *bus, const char *path)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	int32_t pid = 0;
	int r = sd_bus_get_property_trivial(bus, OCID_NAME, path, CONTAINER_IFACE, "Pid", &error,
					    'i', &pid);

	if (r < 0)
		die("Get Pid: %s", error.message != NULL ? error.message : strerror(-r));
	return pid;
}

static pid_t
ocid_monitor_pid(Bench *b, const char *id)
{
	_cleanup_free_ char *path = xprintf("%s/containers/%s/state.json", b->state_dir, id);
	_cleanup_free_ char *data = read_file(path);
	char *p;

	if (data == NULL || (p = strstr(data, "\"monitor_pid\"")) == NULL)
		die("no monitor_pid in %s", path);
	p = strchr(p, ':');
	return p != NULL ? (pid_t)strtol(p + 1, NULL, 10) : 0;
}

/* Force-deletes everything ocid still has, e.g. after a phase. */
static void
ocid_delete_all(Bench *b)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	const char *id, *name, *state, *path;
	uint64_t created;
	char **paths = NULL;
	int n = 0;

	call_or_die(b->bus, MANAGER_PATH, MANAGER_IFACE, "ListContainers", &reply, "a{sv}", 0);
	if (sd_bus_message_enter_container(reply, 'a', "(sssto)") < 0)
		die("ListContainers: bad reply");
	while (sd_bus_message_read(reply, "(sssto)", &id, &name, &state, &created, &path) > 0) {
		paths = realloc(paths, sizeof(char *) * (size_t)(n + 1));
		paths[n++] = strdup(path);
	}
	for (int i = 0; i < n; i++) {
		ocid_delete(b->bus, paths[i], true);
		free(paths[i]);
	}
	free(paths);
}

/* PropertiesChanged on one container: when State turns "stopped". */
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

static int
on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	Life *life = userdata;
	const char *iface, *key, *state;

	if (sd_bus_message_read(m, "s", &iface) < 0 ||
	    sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
		return 0;
	while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
		if (sd_bus_message_read(m, "s", &key) < 0)
			return 0;
		if (strcmp(key, "State") == 0) {
			if (sd_bus_message_read(m, "v", "s", &state) < 0)
				return 0;
			if (strcmp(state, "stopped") == 0 && life->t_stopped == 0) {
				life->t_stopped = now_usec();
				/* The exit and the signal were read in the same wake-up. */
				if (life->pidfd >= 0 && life->t_exit == 0)
					life->t_exit = life->t_stopped;
			}
		} else if (sd_bus_message_skip(m, "v") < 0) {
			return 0;
		}
		sd_bus_message_exit_container(m);
	}
	return 0;
}

static int
on_start_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	Life *life = userdata;

	if (sd_bus_message_is_method_error(m, NULL)) {
		life->error = xprintf("Start: %s", sd_bus_message_get_error(m)->message);
		return 0;
	}
	life->t_started = now_usec();
	return 0;
}

static int
on_create_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	Life *life = userdata;
	int r;

	if (sd_bus_message_is_method_error(m, NULL)) {
		life->error = xprintf("CreateContainer: %s", sd_bus_message_get_error(m)->message);
		return 0;
	}
	life->t_created = now_usec();
	if (life->one_call) {
		life->t_started = life->t_created;
		return 0;
	}
	r = sd_bus_call_method_async(sd_bus_message_get_bus(m), NULL, OCID_NAME, life->path,
				     CONTAINER_IFACE, "Start", on_start_reply, life, NULL);
	if (r < 0)
		life->error = xprintf("Start: %s", strerror(-r));
	return 0;
}

/* ---- peers: bundles ------------------------------------------------------------- */

static char *
replace_once(const char *text, const char *needle, const char *replacement)
{
	const char *at = strstr(text, needle);

	if (at == NULL)
		die("bundle template lacks '%s'; was it made by tests/make-bundle.sh?", needle);
	return xprintf("%.*s%s%s", (int)(at - text), text, replacement, at + strlen(needle));
}

/* A bundle for a peer: the template's config with its rootfs made absolute and a cgroups
 * path under the benchmark's own parent, like the one ocid gives its containers. */
static char *
peer_bundle(Bench *b, const char *template_dir, const char *template, const char *id)
{
	_cleanup_free_ char *dir = xprintf("%s/peers/bundles/%s", b->tmp, id);
	_cleanup_free_ char *root = xprintf("\"root\": { \"path\": \"%s/rootfs\"", template_dir);
	_cleanup_free_ char *linux_ =
	    xprintf("\"linux\": {\n    \"cgroupsPath\": \"%s/%s\",", b->cgroup_parent, id);
	_cleanup_free_ char *step =
	    replace_once(template, "\"root\": { \"path\": \"rootfs\"", root);
	_cleanup_free_ char *config = replace_once(step, "\"linux\": {", linux_);
	_cleanup_free_ char *config_path = NULL;

	mkdir_p(dir);
	config_path = xprintf("%s/config.json", dir);
	write_file(config_path, config);
	return strdup(dir);
}

static char *
load_template(const char *bundle)
{
	_cleanup_free_ char *path = xprintf("%s/config.json", bundle);
	char *text = read_file(path);

	if (text == NULL)
		die("cannot read %s: %m", path);
	return text;
}

/* ---- peer: bare runc ------------------------------------------------------------ */

/* The confined container's reference: her bundle, in a new user namespace with the
 * mappings ocid gives her, run by root as ocid's runtime is. */
static char *
userns_bundle(Bench *b, const char *id)
{
	_cleanup_free_ char *step = replace_once(b->template_confined, "\"namespaces\": [",
						 "\"namespaces\": [ { \"type\": \"user\" },");
	_cleanup_free_ char *linux_ = xprintf("\"linux\": {\n    %s", b->userns_linux);
	_cleanup_free_ char *config = replace_once(step, "\"linux\": {", linux_);

	return peer_bundle(b, b->bundle_confined, config, id);
}

static double
runc_lifecycle(Bench *b, int run, bool userns)
{
	_cleanup_free_ char *id = xprintf("lc-runc%s-%d", userns ? "-userns" : "", run);
	_cleanup_free_ char *root = xprintf("%s/peers/runc-root", b->tmp);
	_cleanup_free_ char *bundle =
	    userns ? userns_bundle(b, id) : peer_bundle(b, b->bundle_true, b->template_true, id);
	const RuntimeGlobalArgs global = { .runtime = b->runc_path, .root = root };
	const char *argv[RUNTIME_GLOBAL_ARGS_MAX + 8];
	const char *del[RUNTIME_GLOBAL_ARGS_MAX + 8];
	size_t n = runtime_global_args(&global, argv);
	size_t n_del = runtime_global_args(&global, del);
	SpawnOptions o = { .argv = argv, .fd3 = -1, .out_fd = -1 };
	uint64_t t0, t1;
	int status;

	argv[n++] = "run";
	argv[n++] = "--bundle";
	argv[n++] = bundle;
	argv[n++] = id;
	argv[n] = NULL;
	del[n_del++] = "delete";
	del[n_del++] = "--force";
	del[n_del++] = id;
	del[n_del] = NULL;
	t0 = now_usec();
	status = wait_exit(spawn(&o));
	t1 = now_usec();
	if (status != 0)
		die("runc run %s exited with status %d", id, status);
	(void)run_quiet(del, 30000);
	return ms_between(t0, t1);
}

/* ---- peer: conmon + runc, as CRI-O launches them -------------------------------- */

typedef struct {
	char *id;
	char *dir;
	char *exits;
	pid_t container_pid;
	pid_t conmon_pid;
} ConmonContainer;

/* conmon daemonizes: the process we start exits at once, its child stays and reports the
 * container pid over the sync pipe once "runc create" is done. Returns when it has. */
static void
conmon_create(Bench *b, ConmonContainer *c, const char *template_dir, const char *template)
{
	_cleanup_free_ char *bundle = peer_bundle(b, template_dir, template, c->id);
	_cleanup_free_ char *root_arg = xprintf("--root=%s/peers/conmon-root", b->tmp);
	_cleanup_free_ char *log = xprintf("%s/%s.log", c->dir, c->id);
	_cleanup_free_ char *conmon_pidfile = xprintf("%s/conmon.pid", c->dir);
	_cleanup_free_ char *pidfile = xprintf("%s/pidfile", c->dir);
	_cleanup_free_ char *persist = xprintf("%s/persist", c->dir);
	_cleanup_free_ char *socks = xprintf("%s/peers/socks", b->tmp);
	const char *argv[] = { b->conmon_path,
			       "-b",
			       bundle,
			       "-c",
			       c->id,
			       "-u",
			       c->id,
			       "-n",
			       c->id,
			       "-r",
			       b->runc_path,
			       "--runtime-arg",
			       root_arg,
			       "-l",
			       log,
			       "--log-level",
			       "error",
			       "-P",
			       conmon_pidfile,
			       "-p",
			       pidfile,
			       "--persist-dir",
			       persist,
			       "--exit-dir",
			       c->exits,
			       "--socket-dir-path",
			       socks,
			       "--syslog",
			       NULL };
	const char *env[] = { "_OCI_SYNCPIPE=3", NULL };
	int fds[2];
	char buf[256];
	size_t len = 0;
	char *p;
	int status;

	mkdir_p(c->dir);
	mkdir_p(persist); /* conmon writes no exit file when it cannot write here */
	mkdir_p(socks);
	if (pipe2(fds, O_CLOEXEC) < 0)
		die("pipe: %m");
	{
		SpawnOptions o = { .argv = argv, .env_extra = env, .fd3 = fds[1], .out_fd = -1 };
		pid_t pid = spawn(&o);
		close(fds[1]);
		status = wait_exit(pid);
	}
	if (status != 0)
		die("conmon for %s exited with status %d", c->id, status);
	while (len < sizeof buf - 1 && memchr(buf, '}', len) == NULL) {
		ssize_t n = read(fds[0], buf + len, sizeof buf - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fds[0]);
	buf[len] = '\0';
	p = strstr(buf, "\"pid\":");
	if (p == NULL || (c->container_pid = (pid_t)strtol(p + 6, NULL, 10)) <= 0)
		die("conmon for %s reported '%s', not a pid", c->id, buf);
}

static void
conmon_read_pid(ConmonContainer *c)
{
	_cleanup_free_ char *path = xprintf("%s/conmon.pid", c->dir);
	_cleanup_free_ char *text = read_file(path);

	c->conmon_pid = text != NULL ? (pid_t)strtol(text, NULL, 10) : 0;
}

static void
runc_peer(Bench *b, const char *root_name, const char *verb, const char *id, const char *extra)
{
	_cleanup_free_ char *root = xprintf("%s/peers/%s", b->tmp, root_name);
	const RuntimeGlobalArgs global = { .runtime = b->runc_path, .root = root };
	const char *argv[RUNTIME_GLOBAL_ARGS_MAX + 4];
	size_t n = runtime_global_args(&global, argv);
	int status;

	argv[n++] = verb;
	if (strcmp(verb, "delete") == 0)
		argv[n++] = "--force";
	argv[n++] = id;
	argv[n++] = strcmp(verb, "delete") == 0 ? NULL : extra;
	argv[n] = NULL;
	status = run_quiet(argv, 30000);
	if (status != 0 && strcmp(verb, "delete") != 0)
		die("runc %s %s failed with status %d", verb, id, status);
}

/* The conmon process is our child (we are its subreaper); it exits once the container
 * has and it wrote the exit file. */
static void
conmon_finish(Bench *b, ConmonContainer *c)
{
	runc_peer(b, "conmon-root", "delete", c->id, NULL);
	if (c->conmon_pid > 0 && wait_exit_timeout(c->conmon_pid, 30000) < 0)
		fprintf(stderr, "ocid-bench: conmon %d did not exit; killed\n", (int)c->conmon_pid);
	free(c->id);
	free(c->dir);
	free(c->exits);
}

static void
conmon_init(Bench *b, ConmonContainer *c, const char *id)
{
	memset(c, 0, sizeof *c);
	c->id = strdup(id);
	c->dir = xprintf("%s/peers/conmon/%s", b->tmp, id);
	c->exits = xprintf("%s/peers/exits", b->tmp);
	mkdir_p(c->exits);
}

/* Waits until the exit file of @id appears in the watched exits dir; CRI-O watches the
 * same dir with inotify (fsnotify). If @pidfd is given, also notes when the container
 * process exits. */
static void
wait_exit_file(int inotify_fd, const char *id, int pidfd, uint64_t *t_exit, uint64_t *t_seen)
{
	uint64_t deadline = now_usec() + WAIT_TIMEOUT_USEC;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (*t_seen == 0) {
		struct pollfd fds[2] = { { .fd = inotify_fd, .events = POLLIN },
					 { .fd = pidfd, .events = POLLIN } };
		int nfds = (pidfd >= 0 && *t_exit == 0) ? 2 : 1;
		int r = poll(fds, (nfds_t)nfds, 1000);
		uint64_t now = now_usec();

		if (r < 0 && errno != EINTR)
			die("poll: %m");
		if (now > deadline)
			die("no exit file for %s", id);
		if (nfds == 2 && (fds[1].revents & POLLIN))
			*t_exit = now;
		if (fds[0].revents & POLLIN) {
			ssize_t n = read(inotify_fd, buf, sizeof buf);
			for (char *p = buf; n > 0 && p < buf + n;) {
				struct inotify_event *e = (struct inotify_event *)p;
				if (e->len > 0 && strcmp(e->name, id) == 0) {
					*t_seen = now;
					if (t_exit != NULL && pidfd >= 0 && *t_exit == 0)
						*t_exit = now;
				}
				p += sizeof(struct inotify_event) + e->len;
			}
		}
	}
}

typedef struct {
	double total;
	double create;
	double start;
	double exit;
} LifeSample;

static LifeSample
conmon_lifecycle(Bench *b, int run)
{
	_cleanup_free_ char *id = xprintf("lc-conmon-%d", run);
	ConmonContainer c;
	_cleanup_(closep) int inotify_fd = -1;
	uint64_t t0, t1, t2, t_exit = 0, t3 = 0;
	LifeSample s;

	conmon_init(b, &c, id);
	inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (inotify_fd < 0 ||
	    inotify_add_watch(inotify_fd, c.exits, IN_CLOSE_WRITE | IN_MOVED_TO) < 0)
		die("inotify: %m");
	t0 = now_usec();
	conmon_create(b, &c, b->bundle_true, b->template_true);
	t1 = now_usec();
	runc_peer(b, "conmon-root", "start", id, NULL);
	t2 = now_usec();
	wait_exit_file(inotify_fd, id, -1, &t_exit, &t3);
	conmon_read_pid(&c);
	conmon_finish(b, &c);
	s.total = ms_between(t0, t3);
	s.create = ms_between(t0, t1);
	s.start = ms_between(t1, t2);
	s.exit = ms_between(t2, t3);
	return s;
}

/* ---- peer: podman --------------------------------------------------------------- */

static double
podman_lifecycle(Bench *b, int run)
{
	_cleanup_free_ char *root = xprintf("%s/podman/root", b->tmp);
	_cleanup_free_ char *runroot = xprintf("%s/podman/runroot", b->tmp);
	_cleanup_free_ char *tmpdir = xprintf("%s/podman/tmp", b->tmp);
	_cleanup_free_ char *cgroup_parent = xprintf("%s/podman", b->cgroup_parent);
	_cleanup_free_ char *name = xprintf("lc-podman-%d", run);
	/* Options go before the rootfs: with --rootfs the first positional argument is the
	 * root filesystem and everything after it is the command. */
	const char *argv[] = { b->podman_path,
			       "--root",
			       root,
			       "--runroot",
			       runroot,
			       "--tmpdir",
			       tmpdir,
			       "--storage-driver",
			       "vfs",
			       "--runtime",
			       b->runc_path,
			       "--cgroup-manager",
			       "cgroupfs",
			       "--events-backend",
			       "file",
			       "run",
			       "--rm",
			       "--name",
			       name,
			       "--net",
			       "none",
			       "--cgroup-parent",
			       cgroup_parent,
			       "--ulimit",
			       "nofile=1024:1024",
			       "--ulimit",
			       "nproc=4096:4096",
			       "--rootfs",
			       b->podman_rootfs,
			       "true",
			       NULL };
	_cleanup_free_ char *log_path = xprintf("%s/podman.log", b->tmp);
	_cleanup_(closep) int log_fd =
	    open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	SpawnOptions o = { .argv = argv, .fd3 = -1, .out_fd = log_fd };
	uint64_t t0, t1;
	int status;

	t0 = now_usec();
	status = wait_exit(spawn(&o));
	t1 = now_usec();
	if (status != 0)
		die("podman run exited with status %d; see %s", status, log_path);
	reap_strays(b);
	return ms_between(t0, t1);
}

/* ---- ocid life cycle ------------------------------------------------------------ */

/* What the runtime ran for her first container, kept in the results: it must have its own
 * user namespace, with her uid as its root, or the confined figures measure nothing. */
static void
check_confined_spec(Bench *b, const char *id)
{
	_cleanup_free_ char *path = xprintf("%s/containers/%s/config.json", b->state_dir, id);
	_cleanup_free_ char *copy = xprintf("%s/confined-config.json", b->out);
	_cleanup_free_ char *spec = read_file(path);
	_cleanup_free_ char *compact = NULL;
	_cleanup_free_ char *own_root = NULL;
	size_t n = 0;

	if (spec == NULL)
		die("cannot read the confined container's effective spec %s: %m", path);
	write_file(copy, spec);
	compact = calloc(strlen(spec) + 1, 1);
	for (const char *p = spec; *p != '\0'; p++)
		if (*p != ' ' && *p != '\n' && *p != '\t')
			compact[n++] = *p;
	own_root = xprintf("\"uidMappings\":[{\"containerID\":0,\"hostID\":%u,",
			   (unsigned)b->confined_uid);
	if (strstr(compact, "{\"type\":\"user\"}") == NULL || strstr(compact, own_root) == NULL)
		die("the container %s of %s is not confined as expected (no user namespace whose "
		    "root is uid %u); see %s",
		    id, b->confined_user, (unsigned)b->confined_uid, copy);
}

/* @one_call: CreateContainer with the option start, which replies once it is started.
 * @confined: on the confined user's connection, with her bundle. */
static LifeSample
ocid_lifecycle(Bench *b, int run, bool one_call, bool confined)
{
	_cleanup_free_ char *id =
	    xprintf("lc-ocid%s%s-%d", one_call ? "-run" : "", confined ? "-confined" : "", run);
	sd_bus *bus = confined ? b->confined_bus : b->bus;
	const char *bundle = confined ? b->bundle_confined : b->bundle_true;
	_cleanup_free_ char *path = container_path(id);
	sd_bus_slot *match = NULL, *create = NULL;
	Life life = { .pidfd = -1, .path = path, .one_call = one_call };
	uint64_t deadline;
	LifeSample s;
	int r;

	/* Subscribed before the create, so no change can slip by. */
	r = sd_bus_match_signal(bus, &match, OCID_NAME, path, PROPERTIES_IFACE, "PropertiesChanged",
				on_properties_changed, &life);
	if (r < 0)
		die("AddMatch: %s", strerror(-r));
	life.t0 = now_usec();
	if (one_call)
		r = sd_bus_call_method_async(bus, &create, OCID_NAME, MANAGER_PATH, MANAGER_IFACE,
					     "CreateContainer", on_create_reply, &life, "sssa{sv}",
					     id, id, bundle, 1, "start", "b", 1);
	else
		r = sd_bus_call_method_async(bus, &create, OCID_NAME, MANAGER_PATH, MANAGER_IFACE,
					     "CreateContainer", on_create_reply, &life, "sssa{sv}",
					     id, id, bundle, 0);
	if (r < 0)
		die("CreateContainer: %s", strerror(-r));
	deadline = life.t0 + WAIT_TIMEOUT_USEC;
	while (life.error == NULL && (life.t_stopped == 0 || life.t_started == 0))
		bus_step(bus, deadline);
	if (life.error != NULL)
		die("%s", life.error);
	sd_bus_slot_unref(match);
	sd_bus_slot_unref(create);
	if (confined && run == 0)
		check_confined_spec(b, id);
	ocid_delete(bus, path, false);
	s.total = ms_between(life.t0, life.t_stopped);
	s.create = ms_between(life.t0, life.t_created);
	s.start = ms_between(life.t_created, life.t_started);
	s.exit = ms_between(life.t_started, life.t_stopped);
	return s;
}

/* ---- ocid life cycle from a python-dbus client --------------------------------- */

/* One long-lived client, like the C one: its start-up is not what is measured. */
static void
python_start(Bench *b)
{
	int to_child[2], from_child[2];
	char line[256];

	if (pipe2(to_child, O_CLOEXEC) < 0 || pipe2(from_child, O_CLOEXEC) < 0)
		die("pipe: %m");
	b->python_pid = fork();
	if (b->python_pid < 0)
		die("fork: %m");
	if (b->python_pid == 0) {
		const char *argv[] = { b->python_path, b->python_client, b->bus_address, NULL };
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (dup2(to_child[0], 0) < 0 || dup2(from_child[1], 1) < 0)
			_exit(127);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(to_child[0]);
	close(from_child[1]);
	b->python_in = fdopen(to_child[1], "w");
	b->python_out = fdopen(from_child[0], "r");
	if (b->python_in == NULL || b->python_out == NULL)
		die("fdopen: %m");
	if (fgets(line, sizeof line, b->python_out) == NULL || strncmp(line, "ready", 5) != 0)
		die("the python-dbus client did not start (needs python3-dbus and python3-gi)");
	write_pid_file(b, "python-client", b->python_pid);
}

static void
python_stop(Bench *b)
{
	if (b->python_pid <= 0)
		return;
	fclose(b->python_in);
	fclose(b->python_out);
	(void)wait_exit_timeout(b->python_pid, 10000);
	b->python_pid = 0;
}

static LifeSample
python_lifecycle(Bench *b, int run)
{
	_cleanup_free_ char *id = xprintf("lc-python-%d", run);
	LifeSample s = { NAN, NAN, NAN, NAN };
	char line[1024];

	fprintf(b->python_in, "%s %s\n", id, b->bundle_true);
	fflush(b->python_in);
	if (fgets(line, sizeof line, b->python_out) == NULL)
		die("the python-dbus client exited");
	if (sscanf(line, "%lf %lf %lf", &s.total, &s.create, &s.start) != 3)
		die("python-dbus client: %s", line);
	s.exit = s.total - s.create - s.start;
	return s;
}

/* ---- 1. life-cycle latency, interleaved ----------------------------------------- */

enum {
	M_OCID,
	M_RUNC,
	M_CONMON,
	M_PODMAN,
	M_OCID_RUN,
	M_PYTHON,
	M_CONFINED,
	M_RUNC_USERNS,
	M_COUNT
};
static const char *const method_names[M_COUNT] = { "ocid",    "runc",   "conmon",   "podman",
						   "ocidrun", "python", "confined", "runcuserns" };

static bool
method_enabled(Bench *b, int m)
{
	return (m != M_CONMON || b->with_conmon) && (m != M_PODMAN || b->with_podman) &&
	       (m != M_PYTHON || b->python_path != NULL) &&
	       ((m != M_CONFINED && m != M_RUNC_USERNS) || b->confined_bus != NULL);
}

static LifeSample
lifecycle_once(Bench *b, int m, int run)
{
	LifeSample s = { NAN, NAN, NAN, NAN };

	switch (m) {
	case M_OCID:
		return ocid_lifecycle(b, run, false, false);
	case M_OCID_RUN:
		return ocid_lifecycle(b, run, true, false);
	case M_CONFINED:
		return ocid_lifecycle(b, run, false, true);
	case M_PYTHON:
		return python_lifecycle(b, run);
	case M_CONMON:
		return conmon_lifecycle(b, run);
	case M_RUNC:
		s.total = runc_lifecycle(b, run, false);
		return s;
	case M_RUNC_USERNS:
		s.total = runc_lifecycle(b, run, true);
		return s;
	case M_PODMAN:
		s.total = podman_lifecycle(b, run);
		return s;
	}
	return s;
}

/* CPU per life cycle (create, start, the exit, delete) of the daemon, of the dbus-daemon
 * and of the polkit stand-in: a block of root life cycles, then one of confined ones.
 * Whole blocks, because /proc counts CPU in clock ticks (10 ms): only a sum over many
 * life cycles resolves one. */
static void
bench_confined_cpu(Bench *b)
{
	static const char *const who[2] = { "root", "confined" };

	progress("CPU per life cycle: %d root, then %d confined", b->runs, b->runs);
	for (int k = 0; k < 2; k++) {
		double daemon0 = proc_cpu_ms(b->ocid_pid), bus0 = proc_cpu_ms(b->bus_pid);
		double polkit0 = proc_cpu_ms(b->polkit_pid);
		_cleanup_free_ char *key_daemon = xprintf("cpu.%s.daemon_ms_per_lc", who[k]);
		_cleanup_free_ char *key_bus = xprintf("cpu.%s.bus_ms_per_lc", who[k]);
		_cleanup_free_ char *key_polkit = xprintf("cpu.%s.polkit_ms_per_lc", who[k]);

		for (int run = 0; run < b->runs; run++) {
			(void)ocid_lifecycle(b, 1000 + run, false, k == 1);
			reap_strays(b);
		}
		result(b, key_daemon, "%.3f", (proc_cpu_ms(b->ocid_pid) - daemon0) / b->runs);
		result(b, key_bus, "%.3f", (proc_cpu_ms(b->bus_pid) - bus0) / b->runs);
		result(b, key_polkit, "%.3f", (proc_cpu_ms(b->polkit_pid) - polkit0) / b->runs);
	}
	result(b, "cpu.n", "%d", b->runs);
}

static void
bench_lifecycle(Bench *b)
{
	const int warmup = 3;
	_cleanup_free_ char *csv_path = xprintf("%s/lifecycle.csv", b->out);
	_cleanup_fclose_ FILE *csv = fopen(csv_path, "we");
	double *samples[M_COUNT][4];
	int n[M_COUNT] = { 0 };

	if (csv == NULL)
		die("cannot write %s: %m", csv_path);
	fprintf(csv, "method,run,total_ms,create_ms,start_ms,exit_ms\n");
	for (int m = 0; m < M_COUNT; m++)
		for (int k = 0; k < 4; k++)
			samples[m][k] = calloc((size_t)b->runs, sizeof(double));
	progress("life cycle of 'true': %d interleaved runs of each (+%d warm-up)", b->runs,
		 warmup);
	if (b->python_path != NULL)
		python_start(b);
	for (int run = -warmup; run < b->runs; run++) {
		for (int k = 0; k < M_COUNT; k++) {
			/* Each round starts with another method, so no method always follows the
			 * same one. */
			int m = (k + (run + warmup)) % M_COUNT;
			LifeSample s;

			if (!method_enabled(b, m))
				continue;
			s = lifecycle_once(b, m, run + warmup);
			if (run < 0)
				continue;
			samples[m][0][n[m]] = s.total;
			samples[m][1][n[m]] = s.create;
			samples[m][2][n[m]] = s.start;
			samples[m][3][n[m]] = s.exit;
			n[m]++;
			fprintf(csv, "%s,%d,%.3f,%.3f,%.3f,%.3f\n", method_names[m], run, s.total,
				s.create, s.start, s.exit);
		}
		reap_strays(b);
		if (run >= 0 && (run + 1) % 10 == 0)
			progress("  %d/%d", run + 1, b->runs);
	}
	for (int m = 0; m < M_COUNT; m++) {
		_cleanup_free_ char *k = xprintf("lc.%s", method_names[m]);
		if (!method_enabled(b, m))
			continue;
		result_stats(b, k, samples[m][0], n[m]);
		if (m == M_OCID || m == M_CONMON || m == M_OCID_RUN || m == M_PYTHON ||
		    m == M_CONFINED) {
			static const char *const phase[] = { NULL, "create", "start", "exit" };
			for (int p = 1; p < 4; p++) {
				_cleanup_free_ char *kp =
				    xprintf("lc.%s.%s", method_names[m], phase[p]);
				result_stats(b, kp, samples[m][p], n[m]);
			}
		}
		for (int p = 0; p < 4; p++)
			free(samples[m][p]);
	}
	python_stop(b);
	if (b->confined_bus != NULL)
		bench_confined_cpu(b);
}

/* ---- 4. exit-to-signal latency -------------------------------------------------- */

/* A container that sleeps 0.3 s: its exit is seen through a pidfd on its process, the
 * caller's notification is the PropertiesChanged with State=stopped. Both arrive in this
 * one poll loop, so the difference is what the supervisor adds. */
/* Reads pending inotify events; true if one names @name. */
static bool
inotify_saw(int inotify_fd, const char *name)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool seen = false;
	ssize_t n;

	while ((n = read(inotify_fd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)p;
			if (e->len > 0 && strcmp(e->name, name) == 0)
				seen = true;
			p += sizeof(struct inotify_event) + e->len;
		}
	}
	return seen;
}

typedef struct {
	double total;   /* exit to PropertiesChanged */
	double to_file; /* exit to the monitor's exit file (renamed into place) */
} SignalSample;

static SignalSample
ocid_exit_signal(Bench *b, int run)
{
	_cleanup_free_ char *id = xprintf("sig-ocid-%d", run);
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *exits = xprintf("%s/run/exits", b->tmp);
	_cleanup_(closep) int inotify_fd = -1;
	sd_bus_slot *match = NULL;
	Life life = { .pidfd = -1 };
	uint64_t deadline, t_file = 0;
	int32_t pid;
	int r;

	/* The monitor's exit file splits the path: monitor, then daemon + bus. */
	inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (inotify_fd < 0 ||
	    inotify_add_watch(inotify_fd, exits, IN_CLOSE_WRITE | IN_MOVED_TO) < 0)
		die("inotify on %s: %m", exits);
	path = ocid_create(b->bus, id, b->bundle_short);
	life.path = path;
	r = sd_bus_match_signal(b->bus, &match, OCID_NAME, path, PROPERTIES_IFACE,
				"PropertiesChanged", on_properties_changed, &life);
	if (r < 0)
		die("AddMatch: %s", strerror(-r));
	pid = ocid_pid_of(b->bus, path);
	life.pidfd = sys_pidfd_open(pid);
	if (life.pidfd < 0)
		die("pidfd_open %d: %m", (int)pid);
	ocid_simple(b->bus, path, "Start");
	deadline = now_usec() + WAIT_TIMEOUT_USEC;
	while (life.t_stopped == 0) {
		struct pollfd fds[3];

		while ((r = sd_bus_process(b->bus, NULL)) > 0)
			;
		if (r < 0)
			die("bus: %s", strerror(-r));
		if (life.t_stopped != 0)
			break;
		fds[0] = (struct pollfd){ .fd = sd_bus_get_fd(b->bus),
					  .events = (short)sd_bus_get_events(b->bus) };
		fds[1] =
		    (struct pollfd){ .fd = life.t_exit == 0 ? life.pidfd : -1, .events = POLLIN };
		fds[2] = (struct pollfd){ .fd = t_file == 0 ? inotify_fd : -1, .events = POLLIN };
		r = poll(fds, 3, 1000);
		if (r < 0 && errno != EINTR)
			die("poll: %m");
		if (fds[1].revents & POLLIN)
			life.t_exit = now_usec();
		if ((fds[2].revents & POLLIN) && inotify_saw(inotify_fd, id)) {
			t_file = now_usec();
			if (life.t_exit == 0)
				life.t_exit = t_file;
		}
		if (now_usec() > deadline)
			die("container %s did not stop", id);
	}
	if (t_file == 0 && inotify_saw(inotify_fd, id))
		t_file = life.t_stopped;
	sd_bus_slot_unref(match);
	close(life.pidfd);
	ocid_delete(b->bus, path, false);
	return (SignalSample){ ms_between(life.t_exit, life.t_stopped),
			       t_file != 0 ? ms_between(life.t_exit, t_file) : NAN };
}

static double
conmon_exit_signal(Bench *b, int run)
{
	_cleanup_free_ char *id = xprintf("sig-conmon-%d", run);
	_cleanup_(closep) int inotify_fd = -1;
	_cleanup_(closep) int pidfd = -1;
	ConmonContainer c;
	uint64_t t_exit = 0, t_seen = 0;

	conmon_init(b, &c, id);
	inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (inotify_fd < 0 ||
	    inotify_add_watch(inotify_fd, c.exits, IN_CLOSE_WRITE | IN_MOVED_TO) < 0)
		die("inotify: %m");
	conmon_create(b, &c, b->bundle_short, b->template_short);
	pidfd = sys_pidfd_open(c.container_pid);
	if (pidfd < 0)
		die("pidfd_open %d: %m", (int)c.container_pid);
	runc_peer(b, "conmon-root", "start", id, NULL);
	wait_exit_file(inotify_fd, id, pidfd, &t_exit, &t_seen);
	conmon_read_pid(&c);
	conmon_finish(b, &c);
	return ms_between(t_exit, t_seen);
}

static void
bench_exit_signal(Bench *b)
{
	_cleanup_free_ char *csv_path = xprintf("%s/exit-signal.csv", b->out);
	_cleanup_fclose_ FILE *csv = fopen(csv_path, "we");
	_cleanup_free_ double *ocid = calloc((size_t)b->signal_runs, sizeof(double));
	_cleanup_free_ double *to_file = calloc((size_t)b->signal_runs, sizeof(double));
	_cleanup_free_ double *after_file = calloc((size_t)b->signal_runs, sizeof(double));
	_cleanup_free_ double *conmon = calloc((size_t)b->signal_runs, sizeof(double));

	if (csv == NULL)
		die("cannot write %s: %m", csv_path);
	fprintf(csv, "method,run,ms,to_exit_file_ms\n");
	progress("exit-to-notification latency: %d interleaved runs", b->signal_runs);
	for (int run = 0; run < b->signal_runs; run++) {
		bool conmon_first = run % 2 == 1;
		SignalSample s;

		if (conmon_first && b->with_conmon)
			conmon[run] = conmon_exit_signal(b, run);
		s = ocid_exit_signal(b, run);
		ocid[run] = s.total;
		to_file[run] = s.to_file;
		after_file[run] = s.total - s.to_file;
		if (!conmon_first && b->with_conmon)
			conmon[run] = conmon_exit_signal(b, run);
		fprintf(csv, "ocid,%d,%.3f,%.3f\n", run, ocid[run], to_file[run]);
		if (b->with_conmon)
			fprintf(csv, "conmon,%d,%.3f,%.3f\n", run, conmon[run], conmon[run]);
		reap_strays(b);
	}
	result_stats(b, "sig.ocid", ocid, b->signal_runs);
	result_stats(b, "sig.ocid.to_file", to_file, b->signal_runs);
	result_stats(b, "sig.ocid.after_file", after_file, b->signal_runs);
	if (b->with_conmon)
		result_stats(b, "sig.conmon", conmon, b->signal_runs);
}

/* What one durable small write costs on the disk under the state dir: the monitor's exit
 * file and the daemon's state.json each pay it (write, fsync, rename, fsync of the dir). */
static void
bench_fsync(Bench *b)
{
	const int n = 20;
	double ms[20];
	_cleanup_free_ char *tmp_path = xprintf("%s/fsync-probe.tmp", b->state_dir);
	_cleanup_free_ char *path = xprintf("%s/fsync-probe", b->state_dir);

	for (int i = 0; i < n; i++) {
		uint64_t t0 = now_usec();
		int fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int dir_fd;

		if (fd < 0 || write(fd, "{\"probe\": 1}\n", 13) != 13 || fsync(fd) < 0)
			die("fsync probe: %m");
		close(fd);
		if (rename(tmp_path, path) < 0)
			die("fsync probe: %m");
		dir_fd = open(b->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dir_fd < 0 || fsync(dir_fd) < 0)
			die("fsync probe: %m");
		close(dir_fd);
		ms[i] = ms_between(t0, now_usec());
	}
	unlink(path);
	result_stats(b, "disk.durable_write", ms, n);
}

/* ---- 2. memory per supervised container ----------------------------------------- */

static void
result_memory(Bench *b, const char *who, pid_t pid)
{
	_cleanup_free_ char *k_pss = xprintf("mem.%s.pss_kb", who);
	_cleanup_free_ char *k_rss = xprintf("mem.%s.rss_kb", who);
	_cleanup_free_ char *k_priv = xprintf("mem.%s.private_kb", who);

	result(b, k_pss, "%ld", proc_field(pid, "smaps_rollup", "Pss"));
	result(b, k_rss, "%ld", proc_field(pid, "smaps_rollup", "Rss"));
	result(b, k_priv, "%ld",
	       proc_field(pid, "smaps_rollup", "Private_Clean") +
		   proc_field(pid, "smaps_rollup", "Private_Dirty"));
}

static void
bench_memory(Bench *b)
{
	_cleanup_free_ char *path = NULL;
	pid_t monitor;

	progress("memory of one monitor and one conmon beside a sleeping container");
	path = ocid_create(b->bus, "mem-ocid", b->bundle_sleep);
	ocid_simple(b->bus, path, "Start");
	monitor = ocid_monitor_pid(b, "mem-ocid");
	sleep_ms(1000);
	result_memory(b, "monitor", monitor);
	ocid_delete(b->bus, path, true);

	if (b->with_conmon) {
		ConmonContainer c;
		_cleanup_(closep) int inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		uint64_t t_exit = 0, t_seen = 0;

		conmon_init(b, &c, "mem-conmon");
		if (inotify_fd < 0 ||
		    inotify_add_watch(inotify_fd, c.exits, IN_CLOSE_WRITE | IN_MOVED_TO) < 0)
			die("inotify: %m");
		conmon_create(b, &c, b->bundle_sleep, b->template_sleep);
		runc_peer(b, "conmon-root", "start", c.id, NULL);
		conmon_read_pid(&c);
		sleep_ms(1000);
		if (c.conmon_pid <= 0)
			die("no conmon pid for mem-conmon");
		result_memory(b, "conmon", c.conmon_pid);
		runc_peer(b, "conmon-root", "kill", c.id, "KILL");
		wait_exit_file(inotify_fd, c.id, -1, &t_exit, &t_seen);
		conmon_finish(b, &c);
	}
}

/* ---- 3. scale: many containers, one or several clients -------------------------- */

typedef struct {
	Bench *bench;
	const char *prefix;
	int count;
	int *next; /* shared work counter */
	char **paths;
	double *latency_ms;
	enum { WORK_CREATE_START, WORK_STOP_DELETE, WORK_FORCE_DELETE } work;
	pthread_barrier_t *barrier;
} Worker;

static void *
worker_run(void *data)
{
	Worker *w = data;
	sd_bus *bus = bus_connect(w->bench);
	int i;

	pthread_barrier_wait(w->barrier);
	while ((i = __atomic_fetch_add(w->next, 1, __ATOMIC_SEQ_CST)) < w->count) {
		uint64_t t0 = now_usec();

		switch (w->work) {
		case WORK_CREATE_START: {
			_cleanup_free_ char *id = xprintf("%s-%04d", w->prefix, i);
			w->paths[i] = ocid_create(bus, id, w->bench->bundle_sleep);
			ocid_simple(bus, w->paths[i], "Start");
			break;
		}
		case WORK_STOP_DELETE:
			ocid_stop(bus, w->paths[i], 10);
			ocid_delete(bus, w->paths[i], false);
			break;
		case WORK_FORCE_DELETE:
			ocid_delete(bus, w->paths[i], true);
			break;
		}
		w->latency_ms[i] = ms_between(t0, now_usec());
	}
	sd_bus_flush_close_unref(bus);
	return NULL;
}

/* Runs @work over @count containers from @clients connections; returns the wall time. */
static double
run_workers(Bench *b, const char *prefix, int count, int clients, char **paths, double *latency_ms,
	    int work)
{
	pthread_t threads[64];
	Worker workers[64];
	pthread_barrier_t barrier;
	int next = 0;
	uint64_t t0;

	if (clients > 64)
		clients = 64;
	pthread_barrier_init(&barrier, NULL, (unsigned)clients + 1);
	for (int k = 0; k < clients; k++) {
		workers[k] = (Worker){ .bench = b,
				       .prefix = prefix,
				       .count = count,
				       .next = &next,
				       .paths = paths,
				       .latency_ms = latency_ms,
				       .work = work,
				       .barrier = &barrier };
		if (pthread_create(&threads[k], NULL, worker_run, &workers[k]) != 0)
			die("pthread_create failed");
	}
	/* Connections are up before the clock starts. */
	pthread_barrier_wait(&barrier);
	t0 = now_usec();
	for (int k = 0; k < clients; k++)
		pthread_join(threads[k], NULL);
	pthread_barrier_destroy(&barrier);
	reap_strays(b);
	return ms_between(t0, now_usec());
}

static void
time_calls(Bench *b, const char *key, int calls, bool managed_objects)
{
	_cleanup_free_ double *ms = calloc((size_t)calls, sizeof(double));

	for (int i = 0; i < calls; i++) {
		uint64_t t0 = now_usec();
		if (managed_objects) {
			_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
			int objects = 0;

			call_or_die(b->bus, MANAGER_PATH, "org.freedesktop.DBus.ObjectManager",
				    "GetManagedObjects", &reply, NULL);
			if (sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}") < 0)
				die("GetManagedObjects: bad reply");
			while (sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}") > 0) {
				if (sd_bus_message_skip(reply, "oa{sa{sv}}") < 0)
					die("GetManagedObjects: bad reply");
				sd_bus_message_exit_container(reply);
				objects++;
			}
			ms[i] = ms_between(t0, now_usec());
			if (i == 0)
				result(b, "scale.gmo.objects", "%d", objects);
		} else {
			(void)list_containers(b->bus, NULL);
			ms[i] = ms_between(t0, now_usec());
		}
	}
	result_stats(b, key, ms, calls);
}

static void
bench_ping(Bench *b)
{
	const int calls = 200;
	_cleanup_free_ double *ms = calloc(calls, sizeof(double));

	for (int i = 0; i < calls; i++) {
		uint64_t t0 = now_usec();
		call_or_die(b->bus, MANAGER_PATH, "org.freedesktop.DBus.Peer", "Ping", NULL, NULL);
		ms[i] = ms_between(t0, now_usec());
	}
	result_stats(b, "dbus.ping", ms, calls);
}

static void
bench_scale(Bench *b, int clients)
{
	const int n = b->scale;
	_cleanup_free_ char **paths = calloc((size_t)n, sizeof(char *));
	_cleanup_free_ double *latency = calloc((size_t)n, sizeof(double));
	_cleanup_free_ char *prefix = xprintf("scale%d", clients);
	_cleanup_free_ char *key = NULL;
	long rss0, rss1;
	double cpu0, cpu1, wall;
	int running = 0, count;

	progress("scale: %d sleeping containers, %d client%s", n, clients, clients > 1 ? "s" : "");
	rss0 = proc_field(b->ocid_pid, "status", "VmRSS");
	cpu0 = proc_cpu_ms(b->ocid_pid);
	wall = run_workers(b, prefix, n, clients, paths, latency, WORK_CREATE_START);
	cpu1 = proc_cpu_ms(b->ocid_pid);
	free(key);
	key = xprintf("scale.c%d.create_start_s", clients);
	result(b, key, "%.3f", wall / 1000.0);
	free(key);
	key = xprintf("scale.c%d.op", clients);
	result_stats(b, key, latency, n);
	free(key);
	key = xprintf("scale.c%d.daemon_cpu_ms_per_container", clients);
	result(b, key, "%.3f", (cpu1 - cpu0) / n);

	count = list_containers(b->bus, &running);
	if (count != n || running != n)
		die("ocid lists %d containers, %d running; expected %d running", count, running, n);
	sleep_ms(1000);
	rss1 = proc_field(b->ocid_pid, "status", "VmRSS");
	free(key);
	key = xprintf("scale.c%d.rss_before_kb", clients);
	result(b, key, "%ld", rss0);
	free(key);
	key = xprintf("scale.c%d.rss_kb", clients);
	result(b, key, "%ld", rss1);
	free(key);
	key = xprintf("scale.c%d.rss_growth_kb_per_container", clients);
	result(b, key, "%.2f", (double)(rss1 - rss0) / n);

	if (clients == 1) {
		time_calls(b, "scale.list", 20, false);
		time_calls(b, "scale.gmo", 10, true);
	}

	progress("scale: stop and delete %d containers, %d client%s", n, clients,
		 clients > 1 ? "s" : "");
	wall = run_workers(b, prefix, n, clients, paths, latency, WORK_STOP_DELETE);
	free(key);
	key = xprintf("scale.c%d.stop_delete_s", clients);
	result(b, key, "%.3f", wall / 1000.0);
	free(key);
	key = xprintf("scale.c%d.stop_delete_op", clients);
	result_stats(b, key, latency, n);
	sleep_ms(1000);
	free(key);
	key = xprintf("scale.c%d.rss_after_delete_kb", clients);
	result(b, key, "%ld", proc_field(b->ocid_pid, "status", "VmRSS"));
	for (int i = 0; i < n; i++)
		free(paths[i]);
	if (list_containers(b->bus, NULL) != 0)
		die("containers are left after the scale phase");
}

/* ---- 6. restart recovery -------------------------------------------------------- */

static void
bench_restart(Bench *b)
{
	const int n = b->scale;
	_cleanup_free_ char **paths = calloc((size_t)n, sizeof(char *));
	_cleanup_free_ double *latency = calloc((size_t)n, sizeof(double));
	int running = 0;
	double ms;

	progress("restart with %d running containers on disk", n);
	(void)run_workers(b, "restart", n, b->clients, paths, latency, WORK_CREATE_START);
	stop_daemon(b);
	ms = start_daemon(b, n);
	result(b, "restart.n", "%d", n);
	result(b, "restart.full_ms", "%.3f", ms);
	(void)list_containers(b->bus, &running);
	result(b, "restart.running_after", "%d", running);
	if (running != n)
		die("after the restart %d of %d containers are running", running, n);
	(void)run_workers(b, "restart", n, b->clients, paths, latency, WORK_FORCE_DELETE);
	for (int i = 0; i < n; i++)
		free(paths[i]);
}

/* ---- 5. idleness ---------------------------------------------------------------- */

/* GLib ends an idle thread of its thread pool after 15 s; a window that starts earlier
 * catches that one wake-up, which is the creates' after-effect, not idling. */
#define IDLE_SETTLE_MS 20000

static void
bench_idle(Bench *b)
{
	const int n = b->idle_count;
	_cleanup_free_ char **paths = calloc((size_t)n, sizeof(char *));
	_cleanup_free_ double *latency = calloc((size_t)n, sizeof(double));
	_cleanup_free_ pid_t *monitors = calloc((size_t)n, sizeof(pid_t));
	_cleanup_free_ ThreadSnapshot *before = calloc(1, sizeof(ThreadSnapshot));
	_cleanup_free_ ThreadSnapshot *after = calloc(1, sizeof(ThreadSnapshot));
	_cleanup_free_ ThreadSnapshot *mon_before = calloc((size_t)n, sizeof(ThreadSnapshot));
	char text[4096];
	SwitchDelta daemon, monitor_total = { 0, 0, 0, 0, 0 };
	long pss_total = 0;

	progress("idleness: %d sleeping containers, %d s after %d s of settling", n, b->idle_sec,
		 IDLE_SETTLE_MS / 1000);
	(void)run_workers(b, "idle", n, 1, paths, latency, WORK_CREATE_START);
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *id = xprintf("idle-%04d", i);
		monitors[i] = ocid_monitor_pid(b, id);
	}
	sleep_ms(IDLE_SETTLE_MS);
	snapshot_threads(b->ocid_pid, before);
	for (int i = 0; i < n; i++)
		snapshot_threads(monitors[i], &mon_before[i]);
	describe_threads(before, text, sizeof text);
	result(b, "idle.daemon.threads_before", "%s", text);

	sleep_ms((long)b->idle_sec * 1000);

	snapshot_threads(b->ocid_pid, after);
	daemon = switch_delta(before, after);
	describe_threads(after, text, sizeof text);
	result(b, "idle.daemon.threads_after", "%s", text);
	for (int i = 0; i < n; i++) {
		ThreadSnapshot now;
		SwitchDelta d;

		snapshot_threads(monitors[i], &now);
		d = switch_delta(&mon_before[i], &now);
		monitor_total.voluntary += d.voluntary;
		monitor_total.involuntary += d.involuntary;
		monitor_total.ended += d.ended;
		pss_total += proc_field(monitors[i], "smaps_rollup", "Pss");
	}
	result(b, "idle.n", "%d", n);
	result(b, "idle.sec", "%d", b->idle_sec);
	result(b, "idle.settle_sec", "%d", IDLE_SETTLE_MS / 1000);
	result(b, "idle.daemon.voluntary", "%ld", daemon.voluntary);
	result(b, "idle.daemon.involuntary", "%ld", daemon.involuntary);
	result(b, "idle.daemon.threads", "%d", daemon.threads);
	result(b, "idle.daemon.threads_started", "%d", daemon.started);
	result(b, "idle.daemon.threads_ended", "%d", daemon.ended);
	result(b, "idle.monitors.voluntary", "%ld", monitor_total.voluntary);
	result(b, "idle.monitors.involuntary", "%ld", monitor_total.involuntary);
	result(b, "idle.monitors.ended", "%d", monitor_total.ended);
	result(b, "mem.monitor.pss_avg_kb_at_n", "%.1f", (double)pss_total / n);
	(void)run_workers(b, "idle", n, 2, paths, latency, WORK_FORCE_DELETE);
	for (int i = 0; i < n; i++)
		free(paths[i]);
}

/* ---- main ----------------------------------------------------------------------- */

static void
usage(void)
{
	fputs("usage: ocid-bench --tmp DIR --out DIR --ocid BIN --monitor BIN --runc BIN\n"
	      "       [--conmon BIN] [--podman BIN] [--python BIN --python-client PY]\n"
	      "       --bundle-true DIR --bundle-sleep DIR\n"
	      "       --bundle-short DIR [--podman-rootfs DIR] --cgroup-parent /PATH\n"
	      "       [--runs N] [--signal-runs N] [--scale N] [--clients N]\n"
	      "       [--idle-count N] [--idle-sec N] [--only PHASES]\n"
	      "       [--confined-user USER --bundle-confined DIR]\n"
	      "Normally started by bench/run.sh, which prepares all of this.\n",
	      stderr);
	exit(2);
}

static bool
phase_on(const char *only, const char *phase)
{
	_cleanup_free_ char *list = NULL;

	if (only == NULL)
		return true;
	list = xprintf(",%s,", only);
	{
		_cleanup_free_ char *needle = xprintf(",%s,", phase);
		return strstr(list, needle) != NULL;
	}
}

int
main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "tmp", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ "ocid", required_argument, NULL, 'd' },
		{ "monitor", required_argument, NULL, 'm' },
		{ "runc", required_argument, NULL, 'r' },
		{ "conmon", required_argument, NULL, 'c' },
		{ "podman", required_argument, NULL, 'p' },
		{ "python", required_argument, NULL, 'P' },
		{ "python-client", required_argument, NULL, 'C' },
		{ "bundle-true", required_argument, NULL, 'T' },
		{ "bundle-sleep", required_argument, NULL, 'S' },
		{ "bundle-short", required_argument, NULL, 'H' },
		{ "podman-rootfs", required_argument, NULL, 'R' },
		{ "cgroup-parent", required_argument, NULL, 'g' },
		{ "runs", required_argument, NULL, 'n' },
		{ "signal-runs", required_argument, NULL, 's' },
		{ "scale", required_argument, NULL, 'N' },
		{ "clients", required_argument, NULL, 'k' },
		{ "idle-count", required_argument, NULL, 'i' },
		{ "idle-sec", required_argument, NULL, 'I' },
		{ "only", required_argument, NULL, 'O' },
		{ "confined-user", required_argument, NULL, 'u' },
		{ "bundle-confined", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	Bench bench = { .runs = 50,
			.signal_runs = 50,
			.scale = 500,
			.clients = 8,
			.idle_count = 100,
			.idle_sec = 60 };
	Bench *b = &bench;
	const char *only = NULL;
	_cleanup_free_ char *results_path = NULL;
	int opt;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 't':
			b->tmp = optarg;
			break;
		case 'o':
			b->out = optarg;
			break;
		case 'd':
			b->ocid_path = optarg;
			break;
		case 'm':
			b->monitor_path = optarg;
			break;
		case 'r':
			b->runc_path = optarg;
			break;
		case 'c':
			b->conmon_path = optarg;
			break;
		case 'p':
			b->podman_path = optarg;
			break;
		case 'P':
			b->python_path = optarg;
			break;
		case 'C':
			b->python_client = optarg;
			break;
		case 'T':
			b->bundle_true = optarg;
			break;
		case 'S':
			b->bundle_sleep = optarg;
			break;
		case 'H':
			b->bundle_short = optarg;
			break;
		case 'R':
			b->podman_rootfs = optarg;
			break;
		case 'g':
			b->cgroup_parent = optarg;
			break;
		case 'n':
			b->runs = atoi(optarg);
			break;
		case 's':
			b->signal_runs = atoi(optarg);
			break;
		case 'N':
			b->scale = atoi(optarg);
			break;
		case 'k':
			b->clients = atoi(optarg);
			break;
		case 'i':
			b->idle_count = atoi(optarg);
			break;
		case 'I':
			b->idle_sec = atoi(optarg);
			break;
		case 'O':
			only = optarg;
			break;
		case 'u':
			b->confined_user = optarg;
			break;
		case 'B':
			b->bundle_confined = optarg;
			break;
		default:
			usage();
		}
	}
	if (b->tmp == NULL || b->out == NULL || b->ocid_path == NULL || b->monitor_path == NULL ||
	    b->runc_path == NULL || b->bundle_true == NULL || b->bundle_sleep == NULL ||
	    b->bundle_short == NULL || b->cgroup_parent == NULL || b->runs < 1 ||
	    b->signal_runs < 1 || b->scale < 1 || b->clients < 1 || b->idle_count < 1 ||
	    b->idle_sec < 0)
		usage();
	if (b->python_client == NULL)
		b->python_path = NULL;
	if ((b->confined_user == NULL) != (b->bundle_confined == NULL))
		usage();
	b->with_conmon = b->conmon_path != NULL && *b->conmon_path != '\0';
	b->with_podman =
	    b->podman_path != NULL && *b->podman_path != '\0' && b->podman_rootfs != NULL;

	signal(SIGPIPE, SIG_IGN);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		die("cannot become a child subreaper: %m");
	{
		_cleanup_free_ char *pids = xprintf("%s/pids", b->tmp);
		mkdir_p(pids);
		mkdir_p(b->out);
	}
	results_path = xprintf("%s/results.txt", b->out);
	b->results = fopen(results_path, "we");
	if (b->results == NULL)
		die("cannot write %s: %m", results_path);
	b->template_true = load_template(b->bundle_true);
	b->template_sleep = load_template(b->bundle_sleep);
	b->template_short = load_template(b->bundle_short);

	write_ocid_config(b);
	start_bus(b);
	b->bus = bus_connect(b);
	{
		double ms = start_daemon(b, 0);
		result(b, "restart.empty_ms", "%.3f", ms);
		result(b, "mem.daemon.rss_start_kb", "%ld",
		       proc_field(b->ocid_pid, "status", "VmRSS"));
	}
	bench_ping(b);
	bench_fsync(b);
	if (b->confined_user != NULL && phase_on(only, "lifecycle"))
		confined_setup(b);

	if (phase_on(only, "lifecycle"))
		bench_lifecycle(b);
	if (phase_on(only, "signal"))
		bench_exit_signal(b);
	if (phase_on(only, "memory"))
		bench_memory(b);
	if (phase_on(only, "idle"))
		bench_idle(b);
	if (phase_on(only, "scale")) {
		bench_scale(b, 1);
		if (b->clients > 1)
			bench_scale(b, b->clients);
	}
	if (phase_on(only, "restart"))
		bench_restart(b);

	result(b, "mem.daemon.rss_end_kb", "%ld", proc_field(b->ocid_pid, "status", "VmRSS"));
	ocid_delete_all(b);
	sd_bus_flush_close_unref(b->bus);
	if (b->confined_bus != NULL)
		sd_bus_flush_close_unref(b->confined_bus);
	stop_daemon(b);
	stop_polkit_stand_in(b);
	kill(b->bus_pid, SIGTERM);
	(void)wait_exit_timeout(b->bus_pid, 10000);
	b->bus_pid = 0;
	/* Whatever orphan is still ours (a conmon on its way out). */
	for (int i = 0; i < 200; i++) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0 && errno == ECHILD)
			break;
		if (pid == 0)
			sleep_ms(10);
	}
	fclose(b->results);
	return EXIT_SUCCESS;
}
