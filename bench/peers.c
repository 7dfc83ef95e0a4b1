/* The peers ocid is measured against: bare runc (in a user namespace too, for the confined
 * containers), conmon + runc as CRI-O launches them, and podman. */
#include "bench.h"

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
	_cleanup_(freep) char *dir = xprintf("%s/peers/bundles/%s", b->tmp, id);
	_cleanup_(freep) char *root = xprintf("\"root\": { \"path\": \"%s/rootfs\"", template_dir);
	_cleanup_(freep) char *linux_ =
	    xprintf("\"linux\": {\n    \"cgroupsPath\": \"%s/%s\",", b->cgroup_parent, id);
	_cleanup_(freep) char *step =
	    replace_once(template, "\"root\": { \"path\": \"rootfs\"", root);
	_cleanup_(freep) char *config = replace_once(step, "\"linux\": {", linux_);
	_cleanup_(freep) char *config_path = NULL;

	mkdir_p(dir);
	config_path = xprintf("%s/config.json", dir);
	write_file(config_path, config);
	return strdup(dir);
}

char *
load_template(const char *bundle)
{
	_cleanup_(freep) char *path = xprintf("%s/config.json", bundle);
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
	_cleanup_(freep) char *step = replace_once(b->template_confined, "\"namespaces\": [",
						   "\"namespaces\": [ { \"type\": \"user\" },");
	_cleanup_(freep) char *linux_ = xprintf("\"linux\": {\n    %s", b->userns_linux);
	_cleanup_(freep) char *config = replace_once(step, "\"linux\": {", linux_);

	return peer_bundle(b, b->bundle_confined, config, id);
}

double
runc_lifecycle(Bench *b, int run, bool userns)
{
	_cleanup_(freep) char *id = xprintf("lc-runc%s-%d", userns ? "-userns" : "", run);
	_cleanup_(freep) char *root = xprintf("%s/peers/runc-root", b->tmp);
	_cleanup_(freep) char *bundle =
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

/* conmon daemonizes: the process we start exits at once, its child stays and reports the
 * container pid over the sync pipe once "runc create" is done. Returns when it has. */
void
conmon_create(Bench *b, ConmonContainer *c, const char *template_dir, const char *template)
{
	_cleanup_(freep) char *bundle = peer_bundle(b, template_dir, template, c->id);
	_cleanup_(freep) char *root_arg = xprintf("--root=%s/peers/conmon-root", b->tmp);
	_cleanup_(freep) char *log = xprintf("%s/%s.log", c->dir, c->id);
	_cleanup_(freep) char *conmon_pidfile = xprintf("%s/conmon.pid", c->dir);
	_cleanup_(freep) char *pidfile = xprintf("%s/pidfile", c->dir);
	_cleanup_(freep) char *persist = xprintf("%s/persist", c->dir);
	_cleanup_(freep) char *socks = xprintf("%s/peers/socks", b->tmp);
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

void
conmon_read_pid(ConmonContainer *c)
{
	_cleanup_(freep) char *path = xprintf("%s/conmon.pid", c->dir);
	_cleanup_(freep) char *text = read_file(path);

	c->conmon_pid = text != NULL ? (pid_t)strtol(text, NULL, 10) : 0;
}

void
runc_peer(Bench *b, const char *root_name, const char *verb, const char *id, const char *extra)
{
	_cleanup_(freep) char *root = xprintf("%s/peers/%s", b->tmp, root_name);
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
void
conmon_finish(Bench *b, ConmonContainer *c)
{
	runc_peer(b, "conmon-root", "delete", c->id, NULL);
	if (c->conmon_pid > 0 && wait_exit_timeout(c->conmon_pid, 30000) < 0)
		fprintf(stderr, "ocid-bench: conmon %d did not exit; killed\n", (int)c->conmon_pid);
	free(c->id);
	free(c->dir);
	free(c->exits);
}

void
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
void
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

LifeSample
conmon_lifecycle(Bench *b, int run)
{
	_cleanup_(freep) char *id = xprintf("lc-conmon-%d", run);
	ConmonContainer c;
	_cleanup_(closep) int inotify_fd = -1;
	uint64_t t0, t1, t2, t_exit = 0, t3 = 0, t4;
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
	t4 = now_usec();
	s.total = ms_between(t0, t4);
	s.create = ms_between(t0, t1);
	s.start = ms_between(t1, t2);
	s.exit = ms_between(t2, t3);
	s.remove = ms_between(t3, t4);
	return s;
}

/* ---- peer: podman --------------------------------------------------------------- */

double
podman_lifecycle(Bench *b, int run)
{
	_cleanup_(freep) char *root = xprintf("%s/podman/root", b->tmp);
	_cleanup_(freep) char *runroot = xprintf("%s/podman/runroot", b->tmp);
	_cleanup_(freep) char *tmpdir = xprintf("%s/podman/tmp", b->tmp);
	_cleanup_(freep) char *cgroup_parent = xprintf("%s/podman", b->cgroup_parent);
	_cleanup_(freep) char *name = xprintf("lc-podman-%d", run);
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
	_cleanup_(freep) char *log_path = xprintf("%s/podman.log", b->tmp);
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
