/* Phase 4, exit-to-signal latency: from a container's exit to the client's notification,
 * for ocid and conmon; and what one durable small write costs on the state dir's disk. */
#include "bench.h"

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
	_cleanup_(freep) char *id = xprintf("sig-ocid-%d", run);
	_cleanup_(freep) char *path = NULL;
	_cleanup_(freep) char *exits = xprintf("%s/run/exits", b->tmp);
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
	_cleanup_(freep) char *id = xprintf("sig-conmon-%d", run);
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

void
bench_exit_signal(Bench *b)
{
	_cleanup_(freep) char *csv_path = xprintf("%s/exit-signal.csv", b->out);
	_cleanup_(fclosep) FILE *csv = fopen(csv_path, "we");
	_cleanup_(freep) double *ocid = calloc((size_t)b->signal_runs, sizeof(double));
	_cleanup_(freep) double *to_file = calloc((size_t)b->signal_runs, sizeof(double));
	_cleanup_(freep) double *after_file = calloc((size_t)b->signal_runs, sizeof(double));
	_cleanup_(freep) double *conmon = calloc((size_t)b->signal_runs, sizeof(double));

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
void
bench_fsync(Bench *b)
{
	const int n = 20;
	double ms[20];
	_cleanup_(freep) char *tmp_path = xprintf("%s/fsync-probe.tmp", b->state_dir);
	_cleanup_(freep) char *path = xprintf("%s/fsync-probe", b->state_dir);

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
