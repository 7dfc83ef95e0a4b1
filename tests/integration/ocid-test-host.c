/* What the host says, for the tests: files, the runtime, the time scale, cgroups in any
 * hierarchy, processes and zombies. */
#include "ocid-test-internal.h"

char *
ocid_test_read_file(const char *path)
{
	char *data = NULL;

	if (!g_file_get_contents(path, &data, NULL, NULL))
		return NULL;
	return data;
}

gboolean
ocid_test_cgroup_v2(void)
{
	struct statfs fs;

	return statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

/* Lines "ID:CONTROLLERS:PATH": v2's is "0::PATH"; v1's name their controllers
 * ("4:cpu,cpuacct:/x") or a named hierarchy ("1:name=systemd:/x"). */
char *
ocid_test_cgroup_of(int pid, const char *controller)
{
	g_autofree char *file = g_strdup_printf("/proc/%d/cgroup", pid);
	g_autofree char *text = ocid_test_read_file(file);
	g_auto(GStrv) lines = NULL;
	gboolean unified = controller == NULL || ocid_test_cgroup_v2();
	g_autofree char *named = controller != NULL ? g_strdup_printf("name=%s", controller) : NULL;

	if (text == NULL)
		return NULL;
	lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) parts = g_strsplit(lines[i], ":", 3);
		g_auto(GStrv) controllers = NULL;

		if (g_strv_length(parts) != 3)
			continue;
		if (unified) {
			if (g_str_equal(parts[0], "0") && *parts[1] == '\0')
				return g_strdup(parts[2]);
			continue;
		}
		controllers = g_strsplit(parts[1], ",", -1);
		if (g_strv_contains((const char *const *)controllers, controller) ||
		    g_strv_contains((const char *const *)controllers, named))
			return g_strdup(parts[2]);
	}
	return NULL;
}

char *
ocid_test_cgroup_dir(int pid, const char *controller)
{
	g_autofree char *path = ocid_test_cgroup_of(pid, controller);
	g_autofree char *mount_dir = NULL;
	g_autofree char *comounted = NULL;
	const char *mount;

	if (path == NULL)
		return NULL;
	if (ocid_test_cgroup_v2())
		return g_strdup_printf("/sys/fs/cgroup%s", g_str_equal(path, "/") ? "" : path);
	mount = controller != NULL ? controller : "unified";
	/* Co-mounted controllers have one dir ("cpu,cpuacct"), with symlinks or not. */
	mount_dir = g_build_filename("/sys/fs/cgroup", mount, NULL);
	if (!g_file_test(mount_dir, G_FILE_TEST_IS_DIR)) {
		g_autoptr(GDir) all = g_dir_open("/sys/fs/cgroup", 0, NULL);
		const char *name;

		while (all != NULL && (name = g_dir_read_name(all)) != NULL) {
			g_auto(GStrv) names = g_strsplit(name, ",", -1);

			if (g_strv_contains((const char *const *)names, controller)) {
				mount = comounted = g_strdup(name);
				break;
			}
		}
	}
	return g_strdup_printf("/sys/fs/cgroup/%s%s", mount, g_str_equal(path, "/") ? "" : path);
}

char *
ocid_test_cgroup_read(int pid, const char *controller, const char *file)
{
	g_autofree char *dir = ocid_test_cgroup_dir(pid, controller);
	g_autofree char *path = NULL;
	char *data;

	if (dir == NULL)
		return NULL;
	path = g_build_filename(dir, file, NULL);
	data = ocid_test_read_file(path);
	return data != NULL ? g_strstrip(data) : NULL;
}

gboolean
ocid_test_cgroup_exists(const char *path)
{
	g_autoptr(GDir) hierarchies = g_dir_open("/sys/fs/cgroup", 0, NULL);
	g_autofree char *top = g_build_filename("/sys/fs/cgroup", path, NULL);
	const char *h;

	if (g_file_test(top, G_FILE_TEST_IS_DIR))
		return TRUE;
	while (!ocid_test_cgroup_v2() && hierarchies != NULL &&
	       (h = g_dir_read_name(hierarchies)) != NULL) {
		g_autofree char *dir = g_build_filename("/sys/fs/cgroup", h, path, NULL);

		if (g_file_test(dir, G_FILE_TEST_IS_DIR))
			return TRUE;
	}
	return FALSE;
}

const char *
ocid_test_runtime_name(void)
{
	static char *name;
	const char *path = g_getenv("OCID_RUNTIME");

	if (name == NULL)
		name = g_path_get_basename(path != NULL ? path : "runc");
	return name;
}

guint
ocid_test_time_scale(void)
{
	const char *scale = g_getenv("OCID_TEST_TIME_SCALE");
	guint value = scale != NULL ? (guint)atoi(scale) : 1;

	return value > 0 ? value : 1;
}

char *
ocid_test_cgroup_left(OcidTest *t, const char *id)
{
	g_autoptr(GDir) hierarchies = g_dir_open("/sys/fs/cgroup", 0, NULL);
	g_autofree char *leaf = NULL;
	const char *h;

	leaf = t->system_mode ? g_strdup_printf("machine.slice/ocid-%s.scope", id)
			      : g_strdup_printf("%s/ocid-%s", t->cgroup_parent, id);
	while (hierarchies != NULL && (h = g_dir_read_name(hierarchies)) != NULL) {
		char *dir = g_build_filename("/sys/fs/cgroup", h, leaf, NULL);
		if (g_file_test(dir, G_FILE_TEST_IS_DIR))
			return dir;
		g_free(dir);
	}
	return NULL;
}

typedef struct {
	OcidTest *t;
	const char *id;
} CgroupWait;

static gboolean
cgroup_gone(gpointer data)
{
	CgroupWait *w = data;
	g_autofree char *left = ocid_test_cgroup_left(w->t, w->id);

	return left == NULL;
}

char *
ocid_test_wait_cgroup_gone(OcidTest *t, const char *id, guint timeout_ms)
{
	CgroupWait w = { t, id };

	if (ocid_test_wait_for(cgroup_gone, &w, timeout_ms))
		return NULL;
	return ocid_test_cgroup_left(t, id);
}

int
ocid_test_count_zombie_children(int pid)
{
	g_autofree char *task_dir = g_strdup_printf("/proc/%d/task", pid);
	g_autoptr(GDir) tasks = g_dir_open(task_dir, 0, NULL);
	const char *tid;
	int zombies = 0;

	while (tasks != NULL && (tid = g_dir_read_name(tasks)) != NULL) {
		g_autofree char *file = g_build_filename(task_dir, tid, "children", NULL);
		g_autofree char *text = ocid_test_read_file(file);
		g_auto(GStrv) pids = g_strsplit(text != NULL ? text : "", " ", -1);

		for (int i = 0; pids[i] != NULL; i++) {
			g_autofree char *stat_path = NULL;
			g_autofree char *stat = NULL;
			const char *end;

			if (atoi(pids[i]) <= 0)
				continue;
			stat_path = g_strdup_printf("/proc/%d/stat", atoi(pids[i]));
			stat = ocid_test_read_file(stat_path);
			end = stat != NULL ? strrchr(stat, ')') : NULL;
			if (end != NULL && end[1] == ' ' && end[2] == 'Z')
				zombies++;
		}
	}
	return zombies;
}

static gboolean
no_zombie_children(gpointer data)
{
	return ocid_test_count_zombie_children(GPOINTER_TO_INT(data)) == 0;
}

gboolean
ocid_test_wait_no_zombies(int pid, guint timeout_ms)
{
	if (ocid_test_wait_for(no_zombie_children, GINT_TO_POINTER(pid), timeout_ms))
		return TRUE;
	g_printerr("# process %d still has %d zombie children after %u ms\n", pid,
		   ocid_test_count_zombie_children(pid), timeout_ms);
	return FALSE;
}

guint
ocid_test_count_monitors(const char *needle)
{
	return ocid_test_count_processes("ocid-monitor", needle);
}

guint
ocid_test_count_processes(const char *needle, const char *also)
{
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	const char *entry;
	guint n = 0;

	while (proc != NULL && (entry = g_dir_read_name(proc)) != NULL) {
		g_autofree char *path = g_strdup_printf("/proc/%s/cmdline", entry);
		g_autofree char *cmdline = NULL;
		gsize len = 0;

		if (!g_ascii_isdigit(entry[0]) || !g_file_get_contents(path, &cmdline, &len, NULL))
			continue;
		for (gsize i = 0; i + 1 < len; i++)
			if (cmdline[i] == '\0')
				cmdline[i] = ' ';
		if (strstr(cmdline, needle) != NULL &&
		    (also == NULL || strstr(cmdline, also) != NULL))
			n++;
	}
	return n;
}

int
ocid_test_monitor_pid(OcidTest *t, const char *path)
{
	g_autofree char *dir = ocid_test_get_string(t, path, "Dir");
	g_autofree char *state_file = g_build_filename(dir, "state.json", NULL);
	g_autofree char *state = ocid_test_read_file(state_file);
	const char *key = "\"monitor_pid\" : ";
	const char *p;

	g_assert_nonnull(state);
	p = strstr(state, key);
	g_assert_nonnull(p);
	return atoi(p + strlen(key));
}

typedef struct {
	const char *removed; /* <state_dir>/removed */
	const char *prefix;  /* "<id>." */
} SetAside;

/* Nothing of the container is in removed/ any more: what Delete set aside there, the
 * daemon's flusher removes (daemon/flusher.h), and a restarted daemon finishes. */
static gboolean
nothing_set_aside(gpointer data)
{
	const SetAside *a = data;
	g_autoptr(GDir) dir = g_dir_open(a->removed, 0, NULL);
	const char *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL)
		if (g_str_has_prefix(name, a->prefix))
			return FALSE;
	return TRUE;
}

void
ocid_test_assert_nothing_left(OcidTest *t, const char *id)
{
	g_autofree char *removed = g_build_filename(t->state_dir, "removed", NULL);
	g_autofree char *prefix = g_strconcat(id, ".", NULL);
	SetAside aside = { removed, prefix };
	g_autofree char *dir = g_build_filename(t->state_dir, "containers", id, NULL);
	g_autofree char *runtime = g_build_filename(t->run_dir, "runtime", id, NULL);
	g_autofree char *exit_file = g_build_filename(t->run_dir, "exits", id, NULL);
	g_autofree char *log = g_strdup_printf("%s/%s.log", t->log_dir, id);
	g_autofree char *cgroup = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) found = NULL;

	g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(runtime, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(exit_file, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(log, G_FILE_TEST_EXISTS));
	g_assert_true(ocid_test_wait_for(nothing_set_aside, &aside, 5000));
	found = ocid_test_call(t, MANAGER_PATH, MANAGER, "GetContainer", g_variant_new("(s)", id),
			       "(o)", &error);
	ocid_test_assert_error(error, "NoSuchContainer");
	/* No cgroup of it, and every process of it reaped: the daemon is a subreaper, so
	 * the monitor's orphans (runtime, hooks, runc init) became its children. */
	cgroup = ocid_test_wait_cgroup_gone(t, id, 5000);
	if (cgroup != NULL)
		g_error("the cgroup %s of %s was left behind", cgroup, id);
	g_assert_true(ocid_test_wait_no_zombies((int)ocid_test_daemon_pid(t), 5000));
	{
		g_autofree char *id_arg = g_strdup_printf("--id %s ", id);
		g_assert_cmpuint(ocid_test_count_monitors(id_arg), ==, 0);
	}
	if (t->system_mode) {
		g_autofree char *unit = g_strdup_printf("ocid-%s.scope", id);
		g_assert_cmpint(ocid_test_systemctl("is-active", unit), !=, 0);
	}
}

/* A bundle whose createRuntime hook (run by the runtime on the host during create)
 * runs @hook_script: the way to make a create fail or hang on purpose. */
char *
ocid_test_bundle_with_hook(OcidTest *t, const char *name, const char *hook_script)
{
	g_autofree char *bundle = ocid_test_make_bundle(t, name, "sleep 300");
	g_autofree char *config_path = g_build_filename(bundle, "config.json", NULL);
	g_autofree char *config = ocid_test_read_file(config_path);
	g_autofree char *escaped = g_strescape(hook_script, NULL);
	g_autofree char *hooks = g_strdup_printf(
	    "{\n\t\"hooks\": {\"createRuntime\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", "
	    "\"-c\", \"%s\"]}]},",
	    escaped);
	g_autofree char *patched = NULL;

	g_assert_nonnull(config);
	g_assert_true(config[0] == '{');
	patched = g_strconcat(hooks, config + 1, NULL);
	g_assert_true(g_file_set_contents(config_path, patched, -1, NULL));
	return g_steal_pointer(&bundle);
}

void
ocid_test_assert_cgroup_everywhere(int pid, const char *group)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/cgroup", pid);
	g_autofree char *text = ocid_test_read_file(path);
	g_auto(GStrv) lines = g_strsplit(text != NULL ? text : "", "\n", -1);
	g_autofree char *suffix = g_strconcat(":", group, NULL);
	guint checked = 0;

	for (guint i = 0; lines[i] != NULL; i++) {
		/* "/": a v1 hierarchy the host does not mount. */
		if (*lines[i] == '\0' || g_str_has_suffix(lines[i], ":/"))
			continue;
		if (!g_str_has_suffix(lines[i], suffix))
			g_error("process %d is in %s, not in %s", pid, lines[i], group);
		checked++;
	}
	g_assert_cmpuint(checked, >, 0);
}

char *
ocid_test_status_field(int pid, const char *field)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/status", pid);
	g_autofree char *status = ocid_test_read_file(path);
	g_auto(GStrv) lines = g_strsplit(status != NULL ? status : "", "\n", -1);
	g_autofree char *prefix = g_strconcat(field, ":", NULL);

	for (int i = 0; lines[i] != NULL; i++)
		if (g_str_has_prefix(lines[i], prefix))
			return g_strstrip(g_strdup(lines[i] + strlen(prefix)));
	return NULL;
}
