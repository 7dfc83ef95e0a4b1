/* Phase 3, scale: many containers created, started and deleted from one or several
 * clients, and the cost of a call. */
#include "bench.h"

typedef struct {
	Bench *bench;
	const char *prefix;
	int count;
	int *next; /* shared work counter */
	char **paths;
	double *latency_ms;
	Work work;
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
			_cleanup_(freep) char *id = xprintf("%s-%04d", w->prefix, i);
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
double
run_workers(Bench *b, const char *prefix, int count, int clients, char **paths, double *latency_ms,
	    Work work)
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
	_cleanup_(freep) double *ms = calloc((size_t)calls, sizeof(double));

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

void
bench_ping(Bench *b)
{
	const int calls = 200;
	_cleanup_(freep) double *ms = calloc(calls, sizeof(double));

	for (int i = 0; i < calls; i++) {
		uint64_t t0 = now_usec();
		call_or_die(b->bus, MANAGER_PATH, "org.freedesktop.DBus.Peer", "Ping", NULL, NULL);
		ms[i] = ms_between(t0, now_usec());
	}
	result_stats(b, "dbus.ping", ms, calls);
}

void
bench_scale(Bench *b, int clients)
{
	const int n = b->scale;
	_cleanup_(freep) char **paths = calloc((size_t)n, sizeof(char *));
	_cleanup_(freep) double *latency = calloc((size_t)n, sizeof(double));
	_cleanup_(freep) char *prefix = xprintf("scale%d", clients);
	_cleanup_(freep) char *key = NULL;
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
