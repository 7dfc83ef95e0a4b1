/* The private bus and the ocid daemon on it: started, connected to, stopped; a stand-in
 * polkit authority; a confined user's connection and the id mappings ocid gives her. */
#include "bench.h"

void
write_pid_file(Bench *b, const char *name, pid_t pid)
{
	_cleanup_(freep) char *path = xprintf("%s/pids/%s", b->tmp, name);
	_cleanup_(freep) char *text = xprintf("%d\n", (int)pid);

	write_file(path, text);
}

void
start_bus(Bench *b)
{
	_cleanup_(freep) char *conf_path = xprintf("%s/bus.conf", b->tmp);
	_cleanup_(freep) char *socket = xprintf("%s/bus.sock", b->tmp);
	_cleanup_(freep) char *conf = NULL;
	_cleanup_(freep) char *conf_arg = NULL;
	const char *argv[] = { "/usr/bin/dbus-daemon", NULL, "--nofork", "--print-pid", NULL };
	_cleanup_(freep) char *log_path = xprintf("%s/dbus-daemon.log", b->tmp);
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

sd_bus *
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
void
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

int
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
double
start_daemon(Bench *b, int expected)
{
	_cleanup_(freep) char *log_path = xprintf("%s/ocid.log", b->tmp);
	_cleanup_(freep) char *env_bus = xprintf("DBUS_SYSTEM_BUS_ADDRESS=%s", b->bus_address);
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

double
restart_daemon_median(Bench *b, int expected)
{
	double ms[RESTART_TIMES];

	for (int i = 0; i < RESTART_TIMES; i++) {
		stop_daemon(b);
		ms[i] = start_daemon(b, expected);
	}
	return median(ms, RESTART_TIMES);
}

void
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

void
write_ocid_config(Bench *b)
{
	_cleanup_(freep) char *text = NULL;

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
	_cleanup_(freep) char *log_path = xprintf("%s/polkit-questions.log", b->out);
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

void
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
	_cleanup_(freep) char *data = read_file(path);
	_cleanup_(freep) char *own = xprintf("%u", own_id);
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

void
confined_setup(Bench *b)
{
	const struct passwd *pw = getpwnam(b->confined_user);
	_cleanup_(freep) char *uids = NULL;
	_cleanup_(freep) char *gids = NULL;

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
