/* The driver's small helpers: messages and dying, time, files, figures from /proc, the
 * results file and its statistics, and the processes it spawns and reaps. */
#include "bench.h"

void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
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

void
progress(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("  .. ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

uint64_t
now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000ULL;
}

double
ms_between(uint64_t from, uint64_t to)
{
	return ((double)to - (double)from) / 1000.0;
}

void
sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

char *__attribute__((format(printf, 1, 2))) xprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	return s;
}

char *
read_file(const char *path)
{
	_cleanup_(fclosep) FILE *f = fopen(path, "re");
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

void
write_file(const char *path, const char *text)
{
	_cleanup_(fclosep) FILE *f = fopen(path, "we");

	if (f == NULL || fputs(text, f) < 0)
		die("cannot write %s: %m", path);
}

void
mkdir_p(const char *path)
{
	_cleanup_(freep) char *copy = strdup(path);

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
long
proc_field(pid_t pid, const char *file, const char *key)
{
	_cleanup_(freep) char *path = xprintf("/proc/%d/%s", (int)pid, file);
	_cleanup_(freep) char *data = read_file(path);
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
double
proc_cpu_ms(pid_t pid)
{
	_cleanup_(freep) char *path = xprintf("/proc/%d/stat", (int)pid);
	_cleanup_(freep) char *data = read_file(path);
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

/* Context switches per thread: /proc/<pid>/status alone counts only the main thread, and
 * a sum over the threads alive at two moments goes down when one ends in between. */
void
snapshot_threads(pid_t pid, ThreadSnapshot *s)
{
	_cleanup_(freep) char *dir_path = xprintf("/proc/%d/task", (int)pid);
	DIR *dir = opendir(dir_path);
	struct dirent *e;

	s->n = 0;
	if (dir == NULL)
		return;
	while ((e = readdir(dir)) != NULL &&
	       s->n < (int)(sizeof s->threads / sizeof s->threads[0])) {
		_cleanup_(freep) char *status = NULL;
		_cleanup_(freep) char *comm_path = NULL;
		_cleanup_(freep) char *comm = NULL;
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

SwitchDelta
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

void
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

void __attribute__((format(printf, 3, 4))) result(Bench *b, const char *key, const char *fmt, ...)
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
	_cleanup_(freep) double *sorted = NULL;
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

double
median(const double *values, int n)
{
	return stats_of(values, n).p50;
}

void
result_stats(Bench *b, const char *key, const double *values, int n)
{
	Stats s = stats_of(values, n);
	_cleanup_(freep) char *k50 = xprintf("%s.p50", key);
	_cleanup_(freep) char *k95 = xprintf("%s.p95", key);
	_cleanup_(freep) char *kn = xprintf("%s.n", key);
	_cleanup_(freep) char *kmin = xprintf("%s.min", key);
	_cleanup_(freep) char *kmax = xprintf("%s.max", key);

	result(b, kn, "%d", s.n);
	result(b, k50, "%.3f", s.p50);
	result(b, k95, "%.3f", s.p95);
	result(b, kmin, "%.3f", s.min);
	result(b, kmax, "%.3f", s.max);
}

/* ---- processes ------------------------------------------------------------------ */

pid_t
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

int
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
int
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

int
run_quiet(const char *const *argv, long timeout_ms)
{
	SpawnOptions o = { .argv = argv, .fd3 = -1, .out_fd = -1 };

	return wait_exit_timeout(spawn(&o), timeout_ms);
}

/* Orphans that came to us as subreaper: conmon after its double fork, podman's conmon,
 * monitors of a killed daemon. The bus and the daemon are ours too: if one of them turns
 * up here, it died, and the run is void. */
void
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
