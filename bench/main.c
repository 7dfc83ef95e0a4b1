/* ocid-bench's main: the options bench/run.sh passes, then the phases in their order. */
#include "bench.h"

static void
usage(void)
{
	fputs("usage: ocid-bench --tmp DIR --out DIR --ocid BIN --monitor BIN --runc BIN\n"
	      "       [--conmon BIN] [--podman BIN] [--python BIN --python-client PY]\n"
	      "       --bundle-true DIR --bundle-sleep DIR\n"
	      "       --bundle-short DIR [--podman-rootfs DIR] --cgroup-parent /PATH\n"
	      "       [--runs N] [--signal-runs N] [--scale N] [--clients N]\n"
	      "       [--idle-count N] [--idle-sec N] [--idle-health N] [--only PHASES]\n"
	      "       [--confined-user USER --bundle-confined DIR]\n"
	      "Normally started by bench/run.sh, which prepares all of this.\n",
	      stderr);
	exit(2);
}

static bool
phase_on(const char *only, const char *phase)
{
	_cleanup_(freep) char *list = NULL;

	if (only == NULL)
		return true;
	list = xprintf(",%s,", only);
	{
		_cleanup_(freep) char *needle = xprintf(",%s,", phase);
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
		{ "idle-health", required_argument, NULL, 'h' },
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
	_cleanup_(freep) char *results_path = NULL;
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
		case 'h':
			b->idle_health = atoi(optarg);
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
	    b->idle_sec < 0 || b->idle_health < 0 || b->idle_health > b->idle_count)
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
		_cleanup_(freep) char *pids = xprintf("%s/pids", b->tmp);
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
		double ms;

		(void)start_daemon(b, 0);
		ms = restart_daemon_median(b, 0);
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
