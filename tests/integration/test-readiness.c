/* Readiness (issue 21, point 4): a container created with notify=container finds its own
 * NOTIFY_SOCKET; what it says there (STATUS=, READY=1) becomes StatusText and Ready, told
 * by PropertiesChanged, kept across a daemon restart (the socket is bound again where the
 * container sees it) and ended by its exit. Without the option there is no socket. */
#include "ocid-test.h"

#include <glib/gstdio.h>
#include <string.h>

static GVariant *
notify_options(const char *dir)
{
	GVariantBuilder opts, vols;

	g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&opts, "{sv}", "notify", g_variant_new_string("container"));
	if (dir != NULL) {
		g_variant_builder_init(&vols, G_VARIANT_TYPE("a(ssb)"));
		g_variant_builder_add(&vols, "(ssb)", "/flag", dir, TRUE);
		g_variant_builder_add(&opts, "{sv}", "volumes", g_variant_builder_end(&vols));
	}
	return g_variant_builder_end(&opts);
}

typedef struct {
	OcidTest *t;
	const char *path;
	const char *name;
	const char *want; /* a string property's value; NULL: Ready is true */
} PropertyWait;

static gboolean
property_is(gpointer data)
{
	PropertyWait *w = data;
	g_autoptr(GVariant) value = ocid_test_get_property(w->t, w->path, w->name);

	if (w->want == NULL)
		return g_variant_get_boolean(value);
	return g_str_equal(g_variant_get_string(value, NULL), w->want);
}

static gboolean
wait_property(OcidTest *t, const char *path, const char *name, const char *want)
{
	PropertyWait w = { t, path, name, want };

	return ocid_test_wait_for(property_is, &w, 10000);
}

static gboolean
get_ready(OcidTest *t, const char *path)
{
	g_autoptr(GVariant) ready = ocid_test_get_property(t, path, "Ready");

	return g_variant_get_boolean(ready);
}

/* The values of Ready that PropertiesChanged signals of @path carried, as "1" and "0". */
static char *
ready_changes(OcidTest *t, const char *path)
{
	g_autoptr(GPtrArray) values = ocid_test_changed_values(t, path, "Ready", t->signals_epoch);
	GString *seen = g_string_new(NULL);

	for (guint i = 0; i < values->len; i++)
		g_string_append(seen,
				g_variant_get_boolean(g_ptr_array_index(values, i)) ? "1" : "0");
	return g_string_free(seen, FALSE);
}

static void
test_ready_and_status(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *dir = NULL, *go = NULL, *path = NULL, *notify = NULL, *changes = NULL;
	g_autofree char *status = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) stopped = NULL;

	if (t == NULL)
		return;
	dir = g_build_filename(t->tmpdir, "ready-flag", NULL);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	go = g_build_filename(dir, "go", NULL);
	path = ocid_test_make_container(
	    t, "notifier",
	    "sd-notify 'STATUS=warming up' || echo cannot-notify; echo up; "
	    "while [ ! -e /flag/go ]; do sleep 0.05; done; "
	    "sd-notify READY=1 STATUS=serving; while true; do sleep 0.05; done",
	    notify_options(dir), TRUE);
	notify = ocid_test_get_string(t, path, "Notify");
	g_assert_cmpstr(notify, ==, "container");
	g_assert_true(wait_property(t, path, "StatusText", "warming up"));
	/* Running is not ready: the container has not said so. */
	g_assert_false(get_ready(t, path));
	g_assert_true(g_file_set_contents(go, "", -1, NULL));
	g_assert_true(wait_property(t, path, "Ready", NULL));
	status = ocid_test_get_string(t, path, "StatusText");
	g_assert_cmpstr(status, ==, "serving");
	changes = ready_changes(t, path);
	g_assert_cmpstr(changes, ==, "1");

	/* A daemon killed and started again still knows, and hears the container again. */
	ocid_test_kill_daemon(t);
	ocid_test_start_daemon(t);
	g_assert_true(get_ready(t, path));
	reply = ocid_test_call(t, path, CONTAINER, "ExecSync",
			       g_variant_new_parsed("(['/bin/sd-notify', 'STATUS=heard again'], "
						    "@t 10)"),
			       "(ayayib)", &error);
	g_assert_no_error(error);
	g_assert_true(wait_property(t, path, "StatusText", "heard again"));

	/* Stopped is not ready; what it said last stays. */
	stopped = ocid_test_call(t, path, CONTAINER, "Stop", g_variant_new("(t)", (guint64)5), NULL,
				 &error);
	g_assert_no_error(error);
	g_assert_true(ocid_test_wait_state(t, path, "stopped", 10000));
	g_assert_false(get_ready(t, path));
	g_free(status);
	status = ocid_test_get_string(t, path, "StatusText");
	g_assert_cmpstr(status, ==, "heard again");
	g_free(changes);
	changes = ready_changes(t, path);
	g_assert_cmpstr(changes, ==, "0");
	ocid_test_delete(t, path, TRUE);
	/* Its socket's dir goes with the container's. */
	ocid_test_assert_nothing_left(t, "notifier");
}

/* Without the option: no NOTIFY_SOCKET, no /run/notify, never ready. */
static void
test_no_socket_without_option(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *bundle = NULL, *path = NULL, *notify = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(
	    t, "quiet",
	    "if [ -z \"$NOTIFY_SOCKET\" ] && [ ! -e /run/notify ]; then echo no-socket; "
	    "else echo socket; fi; sd-notify READY=1 || echo refused");
	path = ocid_test_bring_up(t, "quiet", bundle, NULL, TRUE, "no-socket");
	g_assert_true(ocid_test_wait_output(t, path, "refused", 10000));
	notify = ocid_test_get_string(t, path, "Notify");
	g_assert_cmpstr(notify, ==, "none");
	g_assert_false(get_ready(t, path));
	ocid_test_delete(t, path, TRUE);
}

static void
test_bad_notify(void)
{
	OcidTest *t = ocid_test_get_or_skip();
	g_autofree char *bundle = NULL, *path = NULL;
	g_autoptr(GError) error = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "badnotify", "true");
	path = ocid_test_create(t, "badnotify", "badnotify", bundle,
				g_variant_new_parsed("{'notify': <'systemd'>}"), &error);
	ocid_test_assert_error(error, "InvalidArgument");
	g_assert_nonnull(strstr(error->message, "'notify'"));
	g_assert_null(path);
}

static void
add_tests(void)
{
	g_test_add_func("/readiness/ready-and-status", test_ready_and_status);
	g_test_add_func("/readiness/no-socket-without-option", test_no_socket_without_option);
	g_test_add_func("/readiness/bad-notify", test_bad_notify);
}

int
main(int argc, char **argv)
{
	return ocid_test_main(argc, argv, add_tests);
}
