#include "bad-calls.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CALL_TIMEOUT_MS 10000

static const char *const invalid[] = { "org.oci.Runtime.Error.InvalidArgument", NULL };
static const char *const invalid_or_state[] = { "org.oci.Runtime.Error.InvalidArgument",
						"org.oci.Runtime.Error.InvalidState", NULL };
static const char *const no_such[] = { "org.oci.Runtime.Error.NoSuchContainer", NULL };
static const char *const sd_bus_refusals[] = { "org.freedesktop.DBus.Error.InvalidArgs",
					       "org.freedesktop.DBus.Error.Unknown*",
					       "org.freedesktop.DBus.Error.PropertyReadOnly",
					       NULL };

static gboolean
name_allowed(const char *name, const char *const *allowed)
{
	for (int i = 0; allowed[i] != NULL; i++) {
		gsize len = strlen(allowed[i]);

		if (allowed[i][len - 1] == '*' ? strncmp(name, allowed[i], len - 1) == 0
					       : strcmp(name, allowed[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

void
bad_call(BadRun *run, const char *path, const char *interface, const char *method, GVariant *args,
	 const char *const *allowed)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autofree char *name = NULL;
	gint64 start = g_get_monotonic_time();
	gint64 took;

	reply = g_dbus_connection_call_sync(run->t->conn, "org.oci.Runtime", path, interface,
					    method, args, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START,
					    CALL_TIMEOUT_MS, NULL, &error);
	took = g_get_monotonic_time() - start;
	if (took > run->slowest_us) {
		run->slowest_us = took;
		g_snprintf(run->slowest, sizeof run->slowest, "%s.%s on %.80s", interface, method,
			   path);
	}
	run->calls++;
	if (reply != NULL)
		g_error("%s.%s on %s was accepted; it is a bad call", interface, method, path);
	name = g_dbus_error_get_remote_error(error);
	/* No reply (a timeout or a lost connection) has no remote name. */
	if (name == NULL)
		g_error("%s.%s on %s got no named error: %s", interface, method, path,
			error->message);
	if (!name_allowed(name, allowed))
		g_error("%s.%s on %.200s: %s (%s) is not one of the expected errors", interface,
			method, path, name, error->message);
	g_hash_table_replace(
	    run->errors, g_strdup(name),
	    GINT_TO_POINTER(GPOINTER_TO_INT(g_hash_table_lookup(run->errors, name)) + 1));
}

/* ---- bad bundles ---------------------------------------------------------------------- */

static char *
bundle_with(OcidTest *t, const char *name)
{
	return ocid_test_make_bundle(t, name, "sleep 1");
}

static void
write_config(const char *bundle, const char *text, gssize len)
{
	g_autofree char *path = g_build_filename(bundle, "config.json", NULL);

	g_assert_true(g_file_set_contents(path, text, len, NULL));
}

/* The bundle's config.json with its first @from replaced by @to. */
static char *
edited_bundle(OcidTest *t, const char *name, const char *from, const char *to)
{
	char *bundle = bundle_with(t, name);
	g_autofree char *path = g_build_filename(bundle, "config.json", NULL);
	g_autofree char *config = ocid_test_read_file(path);
	g_autoptr(GString) edited = g_string_new(config);

	g_assert_cmpuint(g_string_replace(edited, from, to, 1), ==, 1);
	write_config(bundle, edited->str, -1);
	return bundle;
}

GPtrArray *
bad_bundles_make(OcidTest *t)
{
	GPtrArray *bundles = g_ptr_array_new_with_free_func(g_free);
	char *b;

	/* Nested 100,000 deep: once a SIGSEGV in the JSON parser. */
	b = bundle_with(t, "deep");
	{
		GString *deep = g_string_sized_new(200002);

		for (int i = 0; i < 100000; i++)
			g_string_append_c(deep, '[');
		for (int i = 0; i < 100000; i++)
			g_string_append_c(deep, ']');
		write_config(b, deep->str, (gssize)deep->len);
		g_string_free(deep, TRUE);
	}
	g_ptr_array_add(bundles, b);
	/* 50 MiB: once 15-20 s of a blocked daemon and 1.8 GB of RSS. */
	b = bundle_with(t, "huge");
	{
		gsize size = 50 * 1024 * 1024;
		g_autofree char *huge = g_malloc(size);

		memset(huge, ' ', size);
		huge[0] = '{';
		huge[size - 1] = '}';
		write_config(b, huge, (gssize)size);
	}
	g_ptr_array_add(bundles, b);
	/* A FIFO, a directory, a symlink and a device as config.json. */
	b = bundle_with(t, "fifo");
	{
		g_autofree char *path = g_build_filename(b, "config.json", NULL);
		g_assert_cmpint(g_unlink(path), ==, 0);
		g_assert_cmpint(mkfifo(path, 0600), ==, 0);
	}
	g_ptr_array_add(bundles, b);
	b = bundle_with(t, "dir");
	{
		g_autofree char *path = g_build_filename(b, "config.json", NULL);
		g_assert_cmpint(g_unlink(path), ==, 0);
		g_assert_cmpint(g_mkdir(path, 0700), ==, 0);
	}
	g_ptr_array_add(bundles, b);
	b = bundle_with(t, "symlink");
	{
		g_autofree char *path = g_build_filename(b, "config.json", NULL);
		g_autofree char *good = g_build_filename(b, "good.json", NULL);
		g_assert_cmpint(g_rename(path, good), ==, 0);
		g_assert_cmpint(symlink("good.json", path), ==, 0);
	}
	g_ptr_array_add(bundles, b);
	b = bundle_with(t, "zero");
	{
		g_autofree char *path = g_build_filename(b, "config.json", NULL);
		g_assert_cmpint(g_unlink(path), ==, 0);
		g_assert_cmpint(symlink("/dev/zero", path), ==, 0);
	}
	g_ptr_array_add(bundles, b);
	/* Wrong types, once replaced silently: "linux": "garbage" ran with no namespaces. */
	g_ptr_array_add(bundles, edited_bundle(t, "linux-garbage", "\"linux\": {",
					       "\"linux\": \"garbage\", \"x\": {"));
	g_ptr_array_add(
	    bundles, edited_bundle(t, "args-string", "\"args\": [", "\"args\": \"sh\", \"y\": ["));
	g_ptr_array_add(
	    bundles, edited_bundle(t, "Linux-case", "\"linux\": {", "\"Linux\": {}, \"linux\": {"));
	g_ptr_array_add(
	    bundles, edited_bundle(t, "nul", "\"linux\": {", "\"linux\\u0000\": {}, \"linux\": {"));
	g_ptr_array_add(bundles,
			edited_bundle(t, "comment", "\"linux\": {", "/* x */ \"linux\": {"));
	g_ptr_array_add(bundles, edited_bundle(t, "hooks-type", "\"linux\": {",
					       "\"hooks\": {\"prestart\": {}}, \"linux\": {"));
	/* quota * 1000000 / period overflowed in the systemd manager. */
	g_ptr_array_add(bundles, edited_bundle(t, "quota", "\"linux\": {",
					       "\"linux\": {\"resources\": {\"cpu\": {\"quota\": "
					       "9223372036854775807, \"period\": 1}}, \"z\": {"));
	/* Not JSON, no process, no root. */
	b = bundle_with(t, "not-json");
	write_config(b, "{ \"process\": ", -1);
	g_ptr_array_add(bundles, b);
	b = bundle_with(t, "no-root");
	write_config(b, "{ \"process\": {} }", -1);
	g_ptr_array_add(bundles, b);
	return bundles;
}

/* ---- the generator ---------------------------------------------------------------------- */

static char *
random_string(GRand *rand, gsize max_len)
{
	static const char alphabet[] = "abcXYZ019_.-/+ :\\\"'{}[]\t\xc3\xa9";
	gsize len = (gsize)g_rand_int_range(rand, 0, (gint32)max_len + 1);
	GString *s = g_string_sized_new(len + 2);

	while (s->len < len) {
		gsize pick = (gsize)g_rand_int_range(rand, 0, sizeof alphabet - 1);

		/* The two bytes of "é" together, so the string stays UTF-8. */
		if ((unsigned char)alphabet[pick] >= 0x80)
			g_string_append(s, "\xc3\xa9");
		else
			g_string_append_c(s, alphabet[pick]);
	}
	return g_string_free(s, FALSE);
}

/* A valid id no container has (letters and digits: its object path is itself). */
static char *
missing_id(guint i)
{
	return g_strdup_printf("missing%u", i);
}

static const char *
pick(GRand *rand, const char *const *choices)
{
	guint n = g_strv_length((char **)choices);

	return choices[g_rand_int_range(rand, 0, (gint32)n)];
}

static GVariant *
one_option(const char *key, GVariant *value)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", key, value);
	return g_variant_builder_end(&b);
}

/* An a{sv} of CreateContainer options with at least one bad entry. */
static GVariant *
bad_options(GRand *rand, guint i)
{
	static const char *const bad_paths[] = { "relative", "/a/../b", "/..", "a/b", NULL };
	static const char *const profiles[] = { "/dev/zero", "/nonexistent/profile.json", "/",
						"/proc/self/status", NULL };
	static const char *const path_keys[] = { "log_path", "seccomp_profile_path", "netns_path",
						 "mount_point", NULL };
	static const char *const bool_keys[] = { "terminal", "stdin", "privileged", "trusted",
						 NULL };
	switch (g_rand_int_range(rand, 0, 13)) {
	case 0: {
		g_autofree char *key = g_strdup_printf("unknown-%s", pick(rand, bool_keys));
		return one_option(key, g_variant_new_boolean(TRUE));
	}
	case 1: /* a wrong type */
		return one_option(pick(rand, bool_keys), g_variant_new_string("yes"));
	case 2:
		return one_option(pick(rand, path_keys),
				  g_variant_new_string(pick(rand, bad_paths)));
	case 3:
		return one_option("seccomp_profile_path",
				  g_variant_new_string(pick(rand, profiles)));
	case 4: { /* too long */
		g_autofree char *long_value =
		    g_strnfill(20000 + g_rand_int_range(rand, 0, 1000), 'v');
		return one_option(g_rand_boolean(rand) ? "image" : "log_path",
				  g_variant_new_string(long_value));
	}
	case 5: { /* too many labels */
		GVariantBuilder labels;

		g_variant_builder_init(&labels, G_VARIANT_TYPE("a{ss}"));
		for (int j = 0; j < 1025; j++) {
			g_autofree char *k = g_strdup_printf("k%d", j);
			g_variant_builder_add(&labels, "{ss}", k, "v");
		}
		return one_option("labels", g_variant_builder_end(&labels));
	}
	case 6: { /* a key given twice */
		GVariantBuilder b;

		g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
		g_variant_builder_add(&b, "{sv}", "terminal", g_variant_new_boolean(FALSE));
		g_variant_builder_add(&b, "{sv}", "terminal", g_variant_new_boolean(TRUE));
		return g_variant_builder_end(&b);
	}
	case 7: { /* bad volumes */
		GVariantBuilder volumes;

		g_variant_builder_init(&volumes, G_VARIANT_TYPE("a(ssb)"));
		g_variant_builder_add(&volumes, "(ssb)", pick(rand, bad_paths), "/mnt", FALSE);
		return one_option("volumes", g_variant_builder_end(&volumes));
	}
	case 8: {
		static const char *const signals[] = { "SIGRTMIN+",   "SIGRTMIN++1", "SIGNOPE",
						       "0",           "65",          "-9",
						       "SIGRTMIN+ 1", NULL };
		return one_option("stop_signal", g_variant_new_string(pick(rand, signals)));
	}
	case 9: { /* a restart policy ocid does not have, or its count as a string */
		static const char *const policies[] = { "sometimes",      "on-failure:3", "Always",
							"unless_stopped", " no",          NULL };
		if (g_rand_boolean(rand))
			return one_option("restart_max", g_variant_new_string("3"));
		return one_option("restart_policy", g_variant_new_string(pick(rand, policies)));
	}
	case 10: { /* a health check without a command, with a bad action, or too long */
		static const char *const cmd[] = { "/bin/true", NULL };
		GVariantBuilder h;

		g_variant_builder_init(&h, G_VARIANT_TYPE("a{sv}"));
		switch (g_rand_int_range(rand, 0, 4)) {
		case 0:
			g_variant_builder_add(&h, "{sv}", "cmd", g_variant_new_strv(NULL, 0));
			break;
		case 1:
			g_variant_builder_add(&h, "{sv}", "cmd", g_variant_new_string("/bin/true"));
			break;
		case 2:
			g_variant_builder_add(&h, "{sv}", "cmd", g_variant_new_strv(cmd, -1));
			g_variant_builder_add(&h, "{sv}", "on_failure",
					      g_variant_new_string("reboot"));
			break;
		default:
			g_variant_builder_add(&h, "{sv}", "cmd", g_variant_new_strv(cmd, -1));
			g_variant_builder_add(&h, "{sv}", "interval",
					      g_variant_new_uint64(G_MAXUINT64));
			break;
		}
		return one_option("healthcheck", g_variant_builder_end(&h));
	}
	case 11: { /* readiness ocid does not have, or not a string */
		static const char *const modes[] = { "systemd", "Container", "ready", " none",
						     NULL };
		if (g_rand_boolean(rand))
			return one_option("notify", g_variant_new_boolean(TRUE));
		return one_option("notify", g_variant_new_string(pick(rand, modes)));
	}
	default: { /* a random key, random bytes as its value */
		g_autofree char *key = random_string(rand, 40);
		g_autofree char *value = random_string(rand, 60);
		return one_option(key, g_variant_new_string(value));
	}
	}
	(void)i;
}

static void
bad_create(BadRun *run, GRand *rand, guint i)
{
	g_autofree char *id = g_strdup_printf("bad-%u", i);
	g_autofree char *bad_id = NULL;
	g_autofree char *path = NULL;
	static const char *const bad_bundle_paths[] = {
		"relative/bundle", "/nonexistent/bundle", "", "/", "/proc", NULL
	};

	switch (g_rand_int_range(rand, 0, 5)) {
	case 0: { /* a bad id or name: never valid, whatever the random part */
		g_autofree char *random = random_string(rand, 200);
		gboolean bad_is_id = g_rand_boolean(rand);

		bad_id = g_rand_boolean(rand) ? g_strconcat("-", random, NULL)
					      : g_strconcat(random, "/x", NULL);
		bad_call(run, MANAGER_PATH, MANAGER, "CreateContainer",
			 g_variant_new("(sss@a{sv})", bad_is_id ? bad_id : id,
				       bad_is_id ? "" : bad_id, run->good_bundle,
				       g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)),
			 invalid);
		return;
	}
	case 1: /* a bad bundle path */
		if (g_rand_boolean(rand))
			path = g_strdup(pick(rand, bad_bundle_paths));
		else if (g_rand_boolean(rand))
			path = g_strdup_printf("%s/../good", run->good_bundle);
		else
			path = g_strnfill(4096 + (gsize)g_rand_int_range(rand, 0, 100), '/');
		bad_call(run, MANAGER_PATH, MANAGER, "CreateContainer",
			 g_variant_new("(sss@a{sv})", id, "", path,
				       g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)),
			 invalid);
		return;
	case 2: /* a bad bundle */
		bad_call(run, MANAGER_PATH, MANAGER, "CreateContainer",
			 g_variant_new("(sss@a{sv})", id, "",
				       (const char *)g_ptr_array_index(
					   run->bundles,
					   g_rand_int_range(rand, 0, (gint32)run->bundles->len)),
				       g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)),
			 invalid);
		return;
	case 3: /* an existing id or name */
		bad_call(run, MANAGER_PATH, MANAGER, "CreateContainer",
			 g_variant_new("(sss@a{sv})", g_rand_boolean(rand) ? "running" : id,
				       g_rand_boolean(rand) ? "paused" : "stopped",
				       run->good_bundle,
				       g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0)),
			 (const char *const[]){ "org.oci.Runtime.Error.ContainerExists", NULL });
		return;
	default: /* bad options */
		bad_call(
		    run, MANAGER_PATH, MANAGER, "CreateContainer",
		    g_variant_new("(sss@a{sv})", id, "", run->good_bundle, bad_options(rand, i)),
		    invalid);
		return;
	}
}

static GVariant *
bad_resources(GRand *rand)
{
	switch (g_rand_int_range(rand, 0, 6)) {
	case 0:
		return one_option("cpu_quota", g_variant_new_int64(G_MAXINT64 - g_rand_int(rand)));
	case 1:
		return one_option("cpu_shares",
				  g_variant_new_uint64(g_rand_boolean(rand) ? 1 : 1u << 30));
	case 2:
		return one_option("memory_limit",
				  g_variant_new_int64(-2 - g_rand_int_range(rand, 0, 9)));
	case 3:
		return one_option("cpuset_cpus", g_variant_new_string("0-3,x"));
	case 4:
		return one_option("cpu_period", g_variant_new_string("100000"));
	default:
		return one_option("swap", g_variant_new_int64(1));
	}
}

static GVariant *
bad_argv(GRand *rand)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("as"));
	switch (g_rand_int_range(rand, 0, 3)) {
	case 0: /* empty, or an empty command */
		if (g_rand_boolean(rand))
			g_variant_builder_add(&b, "s", "");
		break;
	case 1: { /* one argument too long */
		g_autofree char *big =
		    g_strnfill(128 * 1024 + (gsize)g_rand_int_range(rand, 0, 64), 'a');
		g_variant_builder_add(&b, "s", "/bin/echo");
		g_variant_builder_add(&b, "s", big);
		break;
	}
	default: /* too many */
		for (int j = 0; j < 1025; j++)
			g_variant_builder_add(&b, "s", "x");
		break;
	}
	return g_variant_builder_end(&b);
}

/* A bad call on one of the three containers. */
static void
bad_container_call(BadRun *run, GRand *rand)
{
	const char *paths[] = { run->running, run->stopped, run->paused };
	int which = g_rand_int_range(rand, 0, 3);
	const char *path = paths[which];
	static const char *const bad_signals[] = {
		"SIGRTMIN+", "SIGRTMAX-", "SIGRTMIN++2", "RTMIN+-0", "SIGKILLX", "SIG",         "0",
		"65",        "-1",        "+9",          " 9",       "09",       "SIGRTMIN+99", NULL
	};

	switch (g_rand_int_range(rand, 0, 10)) {
	case 0: /* a timeout past the bound, down to just past it */
		bad_call(run, path, CONTAINER, "Stop",
			 g_variant_new("(t)", g_rand_boolean(rand)
						  ? G_GUINT64_CONSTANT(18446744073709552)
						  : 2000001 + (guint64)g_rand_int(rand)),
			 invalid);
		return;
	case 1: {
		/* No signal name starts with Z, so the random part cannot make one. */
		g_autofree char *tail = random_string(rand, 12);
		g_autofree char *random_signal = g_strconcat("Z", tail, NULL);
		bad_call(run, path, CONTAINER, "Kill",
			 g_variant_new("(s)", g_rand_boolean(rand) ? pick(rand, bad_signals)
								   : random_signal),
			 invalid_or_state);
		return;
	}
	case 2:
		bad_call(run, path, CONTAINER, "Update",
			 g_variant_new_tuple((GVariant *[]){ bad_resources(rand) }, 1),
			 invalid_or_state);
		return;
	case 3:
		bad_call(run, path, CONTAINER, "ExecSync",
			 g_variant_new("(@ast)", bad_argv(rand), (guint64)5), invalid_or_state);
		return;
	case 4: { /* ExecSyncEx with bad options, or a timeout past the bound */
		const char *argv[] = { "/bin/true", NULL };
		GVariant *options =
		    g_rand_boolean(rand)
			? one_option("output_max",
				     g_variant_new_uint64((8u << 20) + 1 + g_rand_int(rand)))
			: one_option("output", g_variant_new_uint64(1));
		bad_call(
		    run, path, CONTAINER, "ExecSyncEx",
		    g_variant_new("(^ast@a{sv})", argv,
				  g_rand_boolean(rand) ? (guint64)1 : G_GUINT64_CONSTANT(1) << 40,
				  options),
		    invalid_or_state);
		return;
	}
	case 5: { /* verbs the container's state refuses */
		static const char *const verbs[] = { "Start", "Pause", "Unpause", NULL };
		const char *verb = pick(rand, verbs);
		if (which == 0 && g_str_equal(verb, "Pause"))
			verb = "Unpause";
		if (which == 2 && g_str_equal(verb, "Unpause"))
			verb = "Pause";
		bad_call(run, path, CONTAINER, verb, NULL,
			 (const char *const[]){ "org.oci.Runtime.Error.InvalidState", NULL });
		return;
	}
	case 6:
		if (which == 1) /* a stopped container deletes without force */
			path = run->running;
		bad_call(run, path, CONTAINER, "Delete", g_variant_new("(b)", FALSE),
			 (const char *const[]){ "org.oci.Runtime.Error.InvalidState", NULL });
		return;
	case 7: { /* wrong signatures */
		static const char *const methods[] = { "Stop",     "Kill",  "Delete", "Update",
						       "ExecSync", "Start", NULL };
		bad_call(run, path, CONTAINER, pick(rand, methods),
			 g_variant_new("(si)", "x", g_rand_int(rand)), sd_bus_refusals);
		return;
	}
	case 8: { /* unknown methods, properties and interfaces */
		g_autofree char *member =
		    g_strdup_printf("Nope%u", g_rand_int_range(rand, 0, 1000));
		if (g_rand_boolean(rand))
			bad_call(run, path, CONTAINER, member, NULL, sd_bus_refusals);
		else
			bad_call(run, path, PROPERTIES, "Get",
				 g_variant_new("(ss)", g_rand_boolean(rand) ? CONTAINER : "x.y.Z",
					       member),
				 sd_bus_refusals);
		return;
	}
	default:
		bad_call(
		    run, path, PROPERTIES, "Set",
		    g_variant_new("(ssv)", CONTAINER, "State", g_variant_new_string("running")),
		    sd_bus_refusals);
		return;
	}
}

/* A call on a container that does not exist, known method or not. */
static void
missing_container_call(BadRun *run, GRand *rand, guint i)
{
	g_autofree char *id = missing_id(i);
	g_autofree char *path = g_strdup_printf("/org/oci/Runtime/container/%s", id);
	g_autofree char *member = g_strdup_printf("Nope%u", i);
	static const char *const methods[] = { "Start", "Pause", "UpdateStatus", NULL };

	if (g_rand_boolean(rand))
		bad_call(run, path, CONTAINER, member, NULL, no_such);
	else
		bad_call(run, path, CONTAINER, pick(rand, methods), NULL, no_such);
}

static void
manager_call(BadRun *run, GRand *rand, guint i)
{
	switch (g_rand_int_range(rand, 0, 4)) {
	case 0: {
		g_autofree char *name =
		    g_rand_boolean(rand) ? missing_id(i) : random_string(rand, 300);
		bad_call(run, MANAGER_PATH, MANAGER, "GetContainer", g_variant_new("(s)", name),
			 no_such);
		return;
	}
	case 1: {
		static const char *const states[] = { "exited", "RUNNING", "", NULL };
		GVariant *filter =
		    g_rand_boolean(rand)
			? one_option("state", g_variant_new_string(pick(rand, states)))
			: one_option("colour", g_variant_new_string("red"));
		bad_call(run, MANAGER_PATH, MANAGER, "ListContainers",
			 g_variant_new_tuple(&filter, 1), invalid);
		return;
	}
	case 2:
		bad_call(run, MANAGER_PATH, MANAGER, "CreateContainer",
			 g_variant_new("(ss)", "a", "b"), sd_bus_refusals);
		return;
	default: {
		g_autofree char *member = g_strdup_printf("Destroy%u", i);
		bad_call(run, MANAGER_PATH, MANAGER, member, NULL, sd_bus_refusals);
		return;
	}
	}
}

void
bad_generated_call(BadRun *run, GRand *rand, guint i)
{
	run->generated++;
	switch (g_rand_int_range(rand, 0, 8)) {
	case 0:
	case 1:
	case 2:
		bad_create(run, rand, i);
		return;
	case 3:
	case 4:
	case 5:
		bad_container_call(run, rand);
		return;
	case 6:
		missing_container_call(run, rand, i);
		return;
	default:
		manager_call(run, rand, i);
		return;
	}
}
