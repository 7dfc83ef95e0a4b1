/* Phase 1, life-cycle latency: ocid (from C and from python-dbus, root's and confined
 * containers) and its peers, interleaved run by run; the CPU each life cycle costs. A life
 * cycle ends when the container is gone, as `runc run`'s does: ocid's with Delete's reply,
 * conmon's with `runc delete`. */
#include "bench.h"

/* What the runtime ran for her first container, kept in the results: it must have its own
 * user namespace, with her uid as its root, or the confined figures measure nothing. */
static void
check_confined_spec(Bench *b, const char *id)
{
	_cleanup_(freep) char *path = xprintf("%s/containers/%s/config.json", b->state_dir, id);
	_cleanup_(freep) char *copy = xprintf("%s/confined-config.json", b->out);
	_cleanup_(freep) char *spec = read_file(path);
	_cleanup_(freep) char *compact = NULL;
	_cleanup_(freep) char *own_root = NULL;
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
	_cleanup_(freep) char *id =
	    xprintf("lc-ocid%s%s-%d", one_call ? "-run" : "", confined ? "-confined" : "", run);
	sd_bus *bus = confined ? b->confined_bus : b->bus;
	const char *bundle = confined ? b->bundle_confined : b->bundle_true;
	_cleanup_(freep) char *path = container_path(id);
	sd_bus_slot *match = NULL, *create = NULL;
	Life life = { .pidfd = -1, .path = path, .one_call = one_call };
	uint64_t deadline, t_deleted;
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
	/* Run 0 is a warm-up: its figures are not kept. */
	if (confined && run == 0)
		check_confined_spec(b, id);
	/* A bare `runc run` removes its container before it exits: Delete is part of the
	 * life cycle. */
	ocid_delete(bus, path, false);
	t_deleted = now_usec();
	s.total = ms_between(life.t0, t_deleted);
	s.create = ms_between(life.t0, life.t_created);
	s.start = ms_between(life.t_created, life.t_started);
	s.exit = ms_between(life.t_started, life.t_stopped);
	s.remove = ms_between(life.t_stopped, t_deleted);
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
	_cleanup_(freep) char *id = xprintf("lc-python-%d", run);
	LifeSample s = { NAN, NAN, NAN, NAN, NAN };
	char line[1024];

	fprintf(b->python_in, "%s %s\n", id, b->bundle_true);
	fflush(b->python_in);
	if (fgets(line, sizeof line, b->python_out) == NULL)
		die("the python-dbus client exited");
	if (sscanf(line, "%lf %lf %lf %lf %lf", &s.total, &s.create, &s.start, &s.exit,
		   &s.remove) != 5)
		die("python-dbus client: %s", line);
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
	LifeSample s = { NAN, NAN, NAN, NAN, NAN };

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
		_cleanup_(freep) char *key_daemon = xprintf("cpu.%s.daemon_ms_per_lc", who[k]);
		_cleanup_(freep) char *key_bus = xprintf("cpu.%s.bus_ms_per_lc", who[k]);
		_cleanup_(freep) char *key_polkit = xprintf("cpu.%s.polkit_ms_per_lc", who[k]);

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

void
bench_lifecycle(Bench *b)
{
	const int warmup = 3;
	_cleanup_(freep) char *csv_path = xprintf("%s/lifecycle.csv", b->out);
	_cleanup_(fclosep) FILE *csv = fopen(csv_path, "we");
	double *samples[M_COUNT][5];
	int n[M_COUNT] = { 0 };

	if (csv == NULL)
		die("cannot write %s: %m", csv_path);
	fprintf(csv, "method,run,total_ms,create_ms,start_ms,exit_ms,delete_ms\n");
	for (int m = 0; m < M_COUNT; m++)
		for (int k = 0; k < 5; k++)
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
			samples[m][4][n[m]] = s.remove;
			n[m]++;
			fprintf(csv, "%s,%d,%.3f,%.3f,%.3f,%.3f,%.3f\n", method_names[m], run,
				s.total, s.create, s.start, s.exit, s.remove);
		}
		reap_strays(b);
		if (run >= 0 && (run + 1) % 10 == 0)
			progress("  %d/%d", run + 1, b->runs);
	}
	for (int m = 0; m < M_COUNT; m++) {
		_cleanup_(freep) char *k = xprintf("lc.%s", method_names[m]);
		if (!method_enabled(b, m))
			continue;
		result_stats(b, k, samples[m][0], n[m]);
		if (m == M_OCID || m == M_CONMON || m == M_OCID_RUN || m == M_PYTHON ||
		    m == M_CONFINED) {
			static const char *const phase[] = { NULL, "create", "start", "exit",
							     "delete" };
			for (int p = 1; p < 5; p++) {
				_cleanup_(freep) char *kp =
				    xprintf("lc.%s.%s", method_names[m], phase[p]);
				result_stats(b, kp, samples[m][p], n[m]);
			}
		}
		for (int p = 0; p < 5; p++)
			free(samples[m][p]);
	}
	python_stop(b);
	if (b->confined_bus != NULL)
		bench_confined_cpu(b);
}
