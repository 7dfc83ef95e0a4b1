/* Bundles and calls on the daemon, its properties and signals, the waits for events, and
 * the create/start/wait preamble of a container. */
#include "ocid-test-internal.h"

char *
ocid_test_make_bundle(OcidTest *t, const char *name, const char *script)
{
	char *dir = g_build_filename(t->tmpdir, "bundles", name, NULL);
	const char *argv[] = { env_or_die("OCID_MAKE_BUNDLE"), dir, "/bin/sh", "-c", script, NULL };
	g_autoptr(GError) error = NULL;
	int status = 0;

	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
				   NULL, &status, &error));
	g_assert_no_error(error);
	g_assert_true(g_spawn_check_wait_status(status, NULL));
	return dir;
}

void
ocid_test_add_poststart_hook(const char *bundle, const char *command)
{
	g_autofree char *config_path = g_build_filename(bundle, "config.json", NULL);
	g_autofree char *config = ocid_test_read_file(config_path);
	g_autofree char *hooked = NULL;

	/* Spliced in as text: the command is the test's own, without quotes to escape. */
	g_assert_null(strpbrk(command, "\"\\"));
	g_assert_nonnull(config);
	g_assert_cmpint(config[0], ==, '{');
	hooked = g_strdup_printf("{\n  \"hooks\": { \"poststart\": [ { \"path\": \"/bin/sh\", "
				 "\"args\": [ \"sh\", \"-c\", \"%s\" ] } ] },%s",
				 command, config + 1);
	g_assert_true(g_file_set_contents(config_path, hooked, -1, NULL));
}

GVariant *
ocid_test_call(OcidTest *t, const char *path, const char *interface, const char *method,
	       GVariant *args, const char *reply_type, GError **error)
{
	return g_dbus_connection_call_sync(
	    t->conn, "org.oci.Runtime", path, interface, method, args,
	    reply_type ? G_VARIANT_TYPE(reply_type) : NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START,
	    (int)MIN(60000 * ocid_test_time_scale(), G_MAXINT), NULL, error);
}

char *
ocid_test_create(OcidTest *t, const char *id, const char *name, const char *bundle,
		 GVariant *options, GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	char *path = NULL;

	if (options == NULL)
		options = g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0);
	reply =
	    ocid_test_call(t, "/org/oci/Runtime", "org.oci.Runtime.Manager", "CreateContainer",
			   g_variant_new("(sss@a{sv})", id, name, bundle, options), "(o)", error);
	if (reply != NULL)
		g_variant_get(reply, "(o)", &path);
	return path;
}

GVariant *
ocid_test_get_property(OcidTest *t, const char *path, const char *name)
{
	g_autoptr(GError) error = NULL;
	const char *interface = g_str_equal(path, "/org/oci/Runtime") ? "org.oci.Runtime.Manager"
				: g_str_has_prefix(path, "/org/oci/Runtime/process/")
				    ? "org.oci.Runtime.Process"
				    : "org.oci.Runtime.Container";
	g_autoptr(GVariant) reply =
	    ocid_test_call(t, path, "org.freedesktop.DBus.Properties", "Get",
			   g_variant_new("(ss)", interface, name), "(v)", &error);
	GVariant *value = NULL;

	g_assert_no_error(error);
	g_variant_get(reply, "(v)", &value);
	return value;
}

char *
ocid_test_get_string(OcidTest *t, const char *path, const char *name)
{
	g_autoptr(GVariant) value = ocid_test_get_property(t, path, name);

	return g_variant_dup_string(value, NULL);
}

gint32
ocid_test_get_int(OcidTest *t, const char *path, const char *name)
{
	g_autoptr(GVariant) value = ocid_test_get_property(t, path, name);

	return g_variant_get_int32(value);
}

void
ocid_test_dispatch_pending(void)
{
	while (g_main_context_iteration(NULL, FALSE))
		;
}

/* Ends every blocking iteration within this long, so a condition that no event announces
 * is still seen and a deadline is kept. */
#define WAIT_TICK_MS 10

static gboolean
keep_ticking(gpointer data)
{
	return G_SOURCE_CONTINUE;
}

gboolean
ocid_test_wait_for(gboolean (*cond)(gpointer data), gpointer data, guint timeout_ms)
{
	gint64 end =
	    g_get_monotonic_time() + (gint64)timeout_ms * 1000 * (gint64)ocid_test_time_scale();
	guint tick = g_timeout_add(WAIT_TICK_MS, keep_ticking, NULL);
	gboolean done;

	ocid_test_dispatch_pending();
	while (!(done = cond(data)) && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(tick);
	return done;
}

static gboolean
child_string_is(GVariant *params, gsize index, const char *want)
{
	g_autoptr(GVariant) child = NULL;

	if (!g_variant_is_container(params) || g_variant_n_children(params) <= index)
		return FALSE;
	child = g_variant_get_child_value(params, index);
	if (!g_variant_is_of_type(child, G_VARIANT_TYPE_STRING) &&
	    !g_variant_is_of_type(child, G_VARIANT_TYPE_OBJECT_PATH))
		return FALSE;
	return g_str_equal(g_variant_get_string(child, NULL), want);
}

/* The latest State announced for @path in its current history (since an id used again
 * started a new one), and in *@seen whether @wanted was announced in it at all. */
static const char *
announced_history(OcidTest *t, const char *path, const char *wanted, gboolean *seen)
{
	const char *state = NULL;

	for (guint i = t->signals_epoch; i < t->signals->len; i++) {
		GVariant *s = g_ptr_array_index(t->signals, i);
		const char *spath, *smember;
		g_autoptr(GVariant) params = NULL;

		g_variant_get(s, "(&s&s&s@*)", &spath, NULL, &smember, &params);
		if (g_str_equal(smember, "PropertiesChanged") && g_str_equal(spath, path) &&
		    g_variant_is_of_type(params, G_VARIANT_TYPE("(sa{sv}as)"))) {
			g_autoptr(GVariant) changed = g_variant_get_child_value(params, 1);
			const char *value = NULL;

			if (g_variant_lookup(changed, "State", "&s", &value))
				state = value;
			if (seen != NULL && value != NULL && g_strcmp0(value, wanted) == 0)
				*seen = TRUE;
		} else if ((g_str_equal(smember, "InterfacesRemoved") &&
			    child_string_is(params, 0, path)) ||
			   (g_str_equal(smember, "ContainerRemoved") &&
			    child_string_is(params, 1, path))) {
			state = NULL; /* an id used again starts a new history */
			if (seen != NULL)
				*seen = FALSE;
		}
	}
	return state;
}

const char *
ocid_test_announced_state(OcidTest *t, const char *path)
{
	return announced_history(t, path, NULL, NULL);
}

typedef struct {
	OcidTest *t;
	const char *path;
	const char *state;
} StateWait;

static gboolean
state_announced(gpointer data)
{
	StateWait *w = data;

	return g_strcmp0(ocid_test_announced_state(w->t, w->path), w->state) == 0;
}

static gboolean
state_reached(gpointer data)
{
	StateWait *w = data;
	gboolean seen = FALSE;

	(void)announced_history(w->t, w->path, w->state, &seen);
	return seen;
}

/* Waits for @check on the announced states; a miss is explained with Get, never passed. */
static gboolean
wait_announced(OcidTest *t, const char *path, const char *state, guint timeout_ms,
	       gboolean (*check)(gpointer))
{
	StateWait w = { t, path, state };
	g_autofree char *now = NULL;

	if (ocid_test_wait_for(check, &w, timeout_ms))
		return TRUE;
	now = ocid_test_get_string(t, path, "State");
	g_printerr("# no PropertiesChanged set State of %s to %s within %u ms (the latest "
		   "announced: %s; Get says: %s)\n",
		   path, state, timeout_ms, ocid_test_announced_state(t, path), now);
	return FALSE;
}

gboolean
ocid_test_wait_state(OcidTest *t, const char *path, const char *state, guint timeout_ms)
{
	return wait_announced(t, path, state, timeout_ms, state_announced);
}

gboolean
ocid_test_wait_state_reached(OcidTest *t, const char *path, const char *state, guint timeout_ms)
{
	return wait_announced(t, path, state, timeout_ms, state_reached);
}

typedef struct {
	OcidTest *t;
	gboolean owned;
} OwnerWait;

static gboolean
owner_is(gpointer data)
{
	OwnerWait *w = data;

	return ocid_test_name_has_owner(w->t) == w->owned;
}

gboolean
ocid_test_wait_name_owner(OcidTest *t, gboolean owned, guint timeout_ms)
{
	OwnerWait w = { t, owned };

	return ocid_test_wait_for(owner_is, &w, timeout_ms);
}

static gboolean
file_exists(gpointer data)
{
	return g_file_test(data, G_FILE_TEST_EXISTS);
}

static void
on_file_event(GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event,
	      gpointer data)
{
	/* Only here to end the wait's iteration early. */
}

/* A monitor that wakes the main context when @path changes; NULL where none can be made. */
static GFileMonitor *
monitor_path(const char *path)
{
	g_autoptr(GFile) file = g_file_new_for_path(path);
	GFileMonitor *monitor = g_file_monitor_file(file, G_FILE_MONITOR_NONE, NULL, NULL);

	if (monitor != NULL)
		g_signal_connect(monitor, "changed", G_CALLBACK(on_file_event), NULL);
	return monitor;
}

gboolean
ocid_test_wait_file(const char *path, guint timeout_ms)
{
	g_autoptr(GFileMonitor) monitor = monitor_path(path);

	return ocid_test_wait_for(file_exists, (gpointer)path, timeout_ms);
}

typedef struct {
	const char *path;
	const char *needle;
} ContentWait;

static gboolean
file_holds(gpointer data)
{
	ContentWait *w = data;
	g_autofree char *text = ocid_test_read_file(w->path);

	return text != NULL && strstr(text, w->needle) != NULL;
}

gboolean
ocid_test_wait_file_contains(const char *path, const char *needle, guint timeout_ms)
{
	g_autoptr(GFileMonitor) monitor = monitor_path(path);
	ContentWait w = { path, needle };

	if (ocid_test_wait_for(file_holds, &w, timeout_ms))
		return TRUE;
	g_printerr("# %s did not come to hold '%s' within %u ms\n", path, needle, timeout_ms);
	return FALSE;
}

gboolean
ocid_test_wait_output(OcidTest *t, const char *path, const char *line, guint timeout_ms)
{
	g_autofree char *log_path = ocid_test_get_string(t, path, "LogPath");
	g_autofree char *needle = g_strdup_printf(" stdout F %s\n", line);

	return ocid_test_wait_file_contains(log_path, needle, timeout_ms);
}

static gboolean
journal_holds(gpointer data)
{
	const char *argv[] = { "journalctl", "--no-pager", "-q", "-u", "ocid.service", NULL };
	g_autofree char *out = NULL;

	if (!g_spawn_sync(NULL, (char **)argv, NULL,
			  G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
			  NULL, NULL))
		return FALSE;
	return out != NULL && strstr(out, data) != NULL;
}

gboolean
ocid_test_wait_daemon_log(OcidTest *t, const char *needle, guint timeout_ms)
{
	g_autofree char *log = NULL;

	if (t->system_mode)
		return ocid_test_wait_for(journal_holds, (gpointer)needle, timeout_ms);
	log = g_build_filename(t->tmpdir, "ocid.out", NULL);
	return ocid_test_wait_file_contains(log, needle, timeout_ms);
}

int
ocid_test_pidfd_open(int pid)
{
	return (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
}

static gboolean
on_pidfd(int fd, GIOCondition condition, gpointer data)
{
	*(gboolean *)data = TRUE;
	return G_SOURCE_REMOVE;
}

static gboolean
flag_set(gpointer data)
{
	return *(gboolean *)data;
}

gboolean
ocid_test_wait_pidfd(int pidfd, guint timeout_ms)
{
	gboolean exited = FALSE;
	guint watch = g_unix_fd_add(pidfd, G_IO_IN, on_pidfd, &exited);

	if (!ocid_test_wait_for(flag_set, &exited, timeout_ms))
		g_source_remove(watch);
	return exited;
}

gboolean
ocid_test_wait_pid_exit(int pid, guint timeout_ms)
{
	int pidfd = ocid_test_pidfd_open(pid);
	gboolean exited;

	if (pidfd < 0)
		return errno == ESRCH;
	exited = ocid_test_wait_pidfd(pidfd, timeout_ms);
	close(pidfd);
	return exited;
}

void
ocid_test_start(OcidTest *t, const char *path)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply =
	    ocid_test_call(t, path, "org.oci.Runtime.Container", "Start", NULL, NULL, &error);

	g_assert_no_error(error);
}

void
ocid_test_delete(OcidTest *t, const char *path, gboolean force)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = ocid_test_call(t, path, "org.oci.Runtime.Container", "Delete",
						   g_variant_new("(b)", force), NULL, &error);

	g_assert_no_error(error);
}

void
ocid_test_assert_error(GError *error, const char *name)
{
	g_autofree char *remote = NULL;
	g_autofree char *expected = g_strconcat("org.oci.Runtime.Error.", name, NULL);

	g_assert_nonnull(error);
	remote = g_dbus_error_get_remote_error(error);
	if (g_strcmp0(remote, expected) != 0)
		g_error("expected %s, got %s: %s", expected, remote, error->message);
}

gboolean
ocid_test_saw_signal(OcidTest *t, const char *member, const char *path, const char *arg0)
{
	ocid_test_dispatch_pending();
	for (guint i = 0; i < t->signals->len; i++) {
		GVariant *s = g_ptr_array_index(t->signals, i);
		const char *spath, *smember;
		g_autoptr(GVariant) params = NULL;

		g_variant_get(s, "(&s&s&s@*)", &spath, NULL, &smember, &params);
		if (!g_str_equal(smember, member) || (path != NULL && !g_str_equal(spath, path)))
			continue;
		if (arg0 == NULL)
			return TRUE;
		if (g_variant_n_children(params) > 0) {
			g_autoptr(GVariant) first = g_variant_get_child_value(params, 0);
			if (g_variant_is_of_type(first, G_VARIANT_TYPE_STRING) &&
			    g_str_equal(g_variant_get_string(first, NULL), arg0))
				return TRUE;
		}
	}
	return FALSE;
}

GPtrArray *
ocid_test_changed_values(OcidTest *t, const char *path, const char *property, guint from)
{
	GPtrArray *values = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);

	ocid_test_dispatch_pending();
	for (guint i = from; i < t->signals->len; i++) {
		GVariant *s = g_ptr_array_index(t->signals, i);
		const char *spath, *smember;
		g_autoptr(GVariant) params = NULL;
		g_autoptr(GVariant) changed = NULL;
		GVariant *value;

		g_variant_get(s, "(&s&s&s@*)", &spath, NULL, &smember, &params);
		if (!g_str_equal(smember, "PropertiesChanged") || !g_str_equal(spath, path))
			continue;
		changed = g_variant_get_child_value(params, 1);
		value = g_variant_lookup_value(changed, property, NULL);
		if (value != NULL)
			g_ptr_array_add(values, value);
	}
	return values;
}

gboolean
ocid_test_saw_state_change(OcidTest *t, const char *path, const char *state)
{
	g_autoptr(GPtrArray) states = ocid_test_changed_values(t, path, "State", 0);

	for (guint i = 0; i < states->len; i++)
		if (g_str_equal(g_variant_get_string(g_ptr_array_index(states, i), NULL), state))
			return TRUE;
	return FALSE;
}

static void
assert_documented(const char *interface, const char *kind, const char *name,
		  GDBusAnnotationInfo **annotations)
{
	const char *doc = g_dbus_annotation_info_lookup(annotations, "org.gtk.GDBus.DocString");

	if (doc == NULL || *doc == '\0')
		g_error("%s %s.%s has no org.gtk.GDBus.DocString in dbus/%s.xml", kind, interface,
			name, interface);
}

void
ocid_test_assert_interface_matches(OcidTest *t, const char *path, const char *interface)
{
	g_autofree char *file =
	    g_strdup_printf("%s/dbus/%s.xml", g_getenv("OCID_SOURCE_DIR"), interface);
	g_autofree char *documented_xml = ocid_test_read_file(file);
	g_autofree char *undocumented_xml = NULL;
	g_autoptr(GRegex) doc_string = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GDBusNodeInfo) documented = NULL;
	g_autoptr(GDBusNodeInfo) stripped = NULL;
	g_autoptr(GDBusNodeInfo) live = NULL;
	g_autoptr(GString) documented_text = g_string_new(NULL);
	g_autoptr(GString) live_text = g_string_new(NULL);
	GDBusInterfaceInfo *info;
	const char *live_xml;

	g_assert_nonnull(documented_xml);
	documented = g_dbus_node_info_new_for_xml(documented_xml, &error);
	g_assert_no_error(error);
	info = g_dbus_node_info_lookup_interface(documented, interface);
	g_assert_nonnull(info);
	for (GDBusMethodInfo **m = info->methods; m != NULL && *m != NULL; m++)
		assert_documented(interface, "method", (*m)->name, (*m)->annotations);
	for (GDBusPropertyInfo **p = info->properties; p != NULL && *p != NULL; p++)
		assert_documented(interface, "property", (*p)->name, (*p)->annotations);
	for (GDBusSignalInfo **s = info->signals; s != NULL && *s != NULL; s++)
		assert_documented(interface, "signal", (*s)->name, (*s)->annotations);

	doc_string = g_regex_new("\\s*<annotation name=\"org\\.gtk\\.GDBus\\.DocString\" "
				 "value=\"[^\"]*\"/>",
				 0, 0, &error);
	g_assert_no_error(error);
	undocumented_xml =
	    g_regex_replace_literal(doc_string, documented_xml, -1, 0, "", 0, &error);
	g_assert_no_error(error);
	stripped = g_dbus_node_info_new_for_xml(undocumented_xml, &error);
	g_assert_no_error(error);
	reply = ocid_test_call(t, path, "org.freedesktop.DBus.Introspectable", "Introspect", NULL,
			       "(s)", &error);
	g_assert_no_error(error);
	g_variant_get(reply, "(&s)", &live_xml);
	live = g_dbus_node_info_new_for_xml(live_xml, &error);
	g_assert_no_error(error);
	g_assert_nonnull(g_dbus_node_info_lookup_interface(live, interface));
	g_dbus_interface_info_generate_xml(g_dbus_node_info_lookup_interface(stripped, interface),
					   0, documented_text);
	g_dbus_interface_info_generate_xml(g_dbus_node_info_lookup_interface(live, interface), 0,
					   live_text);
	g_assert_cmpstr(live_text->str, ==, documented_text->str);
}

char *
ocid_test_bring_up(OcidTest *t, const char *id, const char *bundle, GVariant *options,
		   gboolean start, const char *up_line)
{
	g_autoptr(GError) error = NULL;
	char *path = ocid_test_create(t, id, id, bundle, options, &error);

	g_assert_no_error(error);
	if (start) {
		ocid_test_start(t, path);
		if (up_line != NULL)
			g_assert_true(ocid_test_wait_output(t, path, up_line, 10000));
		else
			/* Reached, not still: a short command may have exited already. */
			g_assert_true(ocid_test_wait_state_reached(t, path, "running", 10000));
	}
	return path;
}

char *
ocid_test_make_container(OcidTest *t, const char *id, const char *script, GVariant *options,
			 gboolean start)
{
	g_autofree char *bundle = ocid_test_make_bundle(t, id, script);

	return ocid_test_bring_up(t, id, bundle, options, start, NULL);
}

void
ocid_test_call_answered(GObject *source, GAsyncResult *result, gpointer user_data)
{
	gboolean *answered = user_data;
	g_autoptr(GVariant) reply =
	    g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, NULL);

	*answered = TRUE;
}
