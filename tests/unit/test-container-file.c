/* ocid-generator's .container files: a full file and the unit it becomes, and every refusal
 * naming the file, the line and the key (what an administrator reads in the journal). */
#include "container-file.h"
#include "unit-writer.h"

#include <glib/gstdio.h>
#include <string.h>

#define PATH "/etc/ocid/containers/web.container"

static const char *const full_file = "# A web server\n"
				     "[Unit]\n"
				     "Description=The web container\n"
				     "After=network-online.target\n"
				     "\n"
				     "[Container]\n"
				     "Bundle=/srv/bundles/web\n"
				     "Name=web-1\n"
				     "Annotation=org.example.tier=front\n"
				     "Label=app=web \"team=web ops\"\n"
				     "Label=cost=100%\n"
				     "Volume=/srv/www:/var/www:ro\n"
				     "Volume=/srv/data:/data\n"
				     "LogPath=/var/log/web.log\n"
				     "LogDriver=k8s-file\n"
				     "Environment=GREETING=\"hello world\" MODE=prod\n"
				     "HealthCmd=test -e /tmp/up\n"
				     "HealthInterval=10s\n"
				     "HealthRetries=2\n"
				     "HealthOnFailure=kill\n"
				     "StopSignal=SIGINT\n"
				     "StopTimeout=5\n"
				     "Notify=running\n"
				     "\n"
				     "[Service]\n"
				     "Restart=on-failure\n"
				     "Environment=A=1 \\\n"
				     "  B=2\n"
				     "\n"
				     "[Install]\n"
				     "WantedBy=multi-user.target default.target\n"
				     "RequiredBy=web.target\n";

static void
test_full(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(OcidContainerFile) file = ocid_container_file_parse(PATH, full_file, &error);
	g_autofree char *unit = NULL;

	g_assert_no_error(error);
	g_assert_cmpstr(file->unit_name, ==, "web.service");
	g_assert_cmpstr(file->container_name, ==, "web-1");
	g_assert_cmpstr(file->bundle, ==, "/srv/bundles/web");
	g_assert_cmpuint(file->labels->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(file->labels, 1), ==, "team=web ops");
	g_assert_cmpuint(file->volumes->len, ==, 2);
	g_assert_true(((OcidContainerVolume *)g_ptr_array_index(file->volumes, 0))->readonly);
	g_assert_false(((OcidContainerVolume *)g_ptr_array_index(file->volumes, 1))->readonly);
	g_assert_cmpint(file->stop_timeout, ==, 5);
	g_assert_cmpuint(file->wanted_by->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(file->required_by, 0), ==, "web.target");

	unit = ocid_unit_render(file, "/usr/bin/ocictl");
	g_test_message("%s", unit);
	g_assert_nonnull(strstr(unit, "\nType=notify\n"));
	g_assert_nonnull(strstr(
	    unit,
	    "\nExecStart=/usr/bin/ocictl --no-ask-password run --sdnotify=running --name "
	    "\"web-1\" --annotation \"org.example.tier=front\" --label \"app=web\" --label "
	    "\"team=web ops\" --label \"cost=100%%\" --env \"GREETING=hello world\" --env "
	    "\"MODE=prod\" --health-cmd \"test -e /tmp/up\" --health-interval \"10s\" "
	    "--health-retries \"2\" --health-on-failure \"kill\" --volume \"/srv/www:/var/www:ro\" "
	    "--volume \"/srv/data:/data\" --log-path \"/var/log/web.log\" --stop-signal "
	    "\"SIGINT\" -- \"/srv/bundles/web\"\n"));
	g_assert_nonnull(strstr(unit, "\nExecStop=-/usr/bin/ocictl --no-ask-password stop --time 5 "
				      "\"web-1\"\n"));
	g_assert_nonnull(strstr(unit, "\nSuccessExitStatus=130\n"));
	g_assert_nonnull(strstr(unit, "\nTimeoutStopSec=35\n"));
	/* The administrator's lines come after the generator's, so hers win. */
	g_assert_true(strstr(unit, "Description=ocid container web-1") <
		      strstr(unit, "Description=The web container"));
	g_assert_nonnull(strstr(unit, "\nEnvironment=A=1    B=2\n"));
	g_assert_nonnull(strstr(unit, "\n[Install]\nWantedBy=multi-user.target default.target\n"));
}

static void
test_defaults(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(OcidContainerFile) file = ocid_container_file_parse(
	    "/usr/lib/ocid/containers/db.container", "[Container]\nBundle=/b\n", &error);
	g_autofree char *unit = NULL;

	g_assert_no_error(error);
	g_assert_cmpstr(file->container_name, ==, "db");
	unit = ocid_unit_render(file, "/usr/bin/ocictl");
	g_assert_nonnull(strstr(unit, "\nSuccessExitStatus=143\n"));
	g_assert_nonnull(strstr(unit, " stop --time 10 \"db\"\n"));
	g_assert_null(strstr(unit, "[Install]"));
	g_assert_nonnull(strstr(unit, " run --sdnotify=running "));
}

/* Notify=ready and healthy (issue 21's readiness) become ocictl run's --sdnotify. */
static void
test_notify(void)
{
	const char *const modes[] = { "ready", "healthy" };

	for (guint i = 0; i < G_N_ELEMENTS(modes); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *text = g_strdup_printf(
		    "[Container]\nBundle=/b\nHealthCmd=test -e /up\nNotify=%s\n", modes[i]);
		g_autoptr(OcidContainerFile) file = ocid_container_file_parse(PATH, text, &error);
		g_autofree char *unit = NULL;
		g_autofree char *want = g_strdup_printf(" run --sdnotify=%s ", modes[i]);

		g_assert_no_error(error);
		unit = ocid_unit_render(file, "/usr/bin/ocictl");
		g_assert_nonnull(strstr(unit, want));
		g_assert_nonnull(strstr(unit, "\nType=notify\n"));
	}
}

static void
test_quote_word(void)
{
	g_autofree char *quoted = ocid_unit_quote_word("a%b$c\"d\\e f");

	g_assert_cmpstr(quoted, ==, "\"a%%b$$c\\\"d\\\\e f\"");
}

/* Each bad file: the message it gives, whole up to the reason. */
static const struct {
	const char *name;
	const char *text;
	OcidContainerFileError code;
	const char *message;
} refusals[] = {
	{ "unknown-key", "[Container]\nBundle=/b\nFoo=1\n", OCID_CONTAINER_FILE_ERROR_UNKNOWN,
	  PATH ":3: Foo=: unknown key in [Container]" },
	{ "restart", "[Container]\nBundle=/b\n\nRestart=always\n",
	  OCID_CONTAINER_FILE_ERROR_UNSUPPORTED,
	  PATH ":4: Restart=: not supported: a unit's container is restarted by systemd, not by "
	       "ocid's restart policy; use Restart= in [Service]" },
	{ "health-on-failure-restart", "[Container]\nHealthOnFailure=restart\n",
	  OCID_CONTAINER_FILE_ERROR_UNSUPPORTED,
	  PATH ":2: HealthOnFailure=: not supported: a unit's container is restarted by systemd" },
	{ "health-on-failure-bad", "[Container]\nHealthOnFailure=explode\n",
	  OCID_CONTAINER_FILE_ERROR_INVALID,
	  PATH ":2: HealthOnFailure=: 'explode' is not one of none, kill, stop" },
	{ "health-startup", "[Container]\nHealthStartupCmd=/bin/true\n",
	  OCID_CONTAINER_FILE_ERROR_UNSUPPORTED, PATH ":2: HealthStartupCmd=: not supported" },
	{ "notify-healthy-without-check", "[Container]\nBundle=/b\nNotify=healthy\n",
	  OCID_CONTAINER_FILE_ERROR_MISSING,
	  PATH ":3: Notify=: healthy needs a health check: set HealthCmd=" },
	{ "notify-bad", "[Container]\nNotify=yes\n", OCID_CONTAINER_FILE_ERROR_INVALID,
	  PATH ":2: Notify=: 'yes' is not one of running, ready, healthy" },
	{ "log-driver-journald-path",
	  "[Container]\nBundle=/b\nLogDriver=journald\nLogPath=/tmp/x.log\n",
	  OCID_CONTAINER_FILE_ERROR_INVALID,
	  PATH ":1: LogDriver=: journald does not go with LogPath=" },
	{ "log-driver-bad", "[Container]\nLogDriver=syslog\n", OCID_CONTAINER_FILE_ERROR_INVALID,
	  PATH ":2: LogDriver=: 'syslog' is not one of k8s-file, journald" },
	{ "environment-file", "[Container]\nEnvironmentFile=/etc/web.env\n",
	  OCID_CONTAINER_FILE_ERROR_UNSUPPORTED,
	  PATH ":2: EnvironmentFile=: not supported: ocid reads no environment files" },
	{ "environment-bad", "[Container]\nEnvironment=NOVALUE\n",
	  OCID_CONTAINER_FILE_ERROR_INVALID, PATH ":2: Environment=: " },
	{ "image", "[Container]\nImage=busybox\n", OCID_CONTAINER_FILE_ERROR_UNSUPPORTED,
	  PATH ":2: Image=: not supported: ocid runs OCI bundles" },
	{ "relative-bundle", "[Container]\nBundle=srv/web\n", OCID_CONTAINER_FILE_ERROR_INVALID,
	  PATH ":2: Bundle=: 'srv/web' is not an absolute path" },
	{ "no-bundle", "[Unit]\nAfter=a.service\n[Container]\nName=web\n",
	  OCID_CONTAINER_FILE_ERROR_MISSING, PATH ":3: Bundle=: missing" },
	{ "no-container", "[Unit]\nAfter=a.service\n", OCID_CONTAINER_FILE_ERROR_MISSING,
	  PATH ":1: Bundle=: missing" },
	{ "volume-relative", "[Container]\nVolume=data:/data\n", OCID_CONTAINER_FILE_ERROR_INVALID,
	  PATH ":2: Volume=: 'data:/data' is not HOST-PATH:CONTAINER-PATH[:ro|rw]" },
	{ "volume-mode", "[Container]\nVolume=/a:/b:rx\n", OCID_CONTAINER_FILE_ERROR_INVALID,
	  PATH ":2: Volume=: '/a:/b:rx' is not" },
	{ "label-pair", "[Container]\nLabel=app\n", OCID_CONTAINER_FILE_ERROR_INVALID,
	  PATH ":2: Label=: 'app' is not KEY=VALUE" },
	{ "annotation-quote", "[Container]\nAnnotation=\"a=b\n", OCID_CONTAINER_FILE_ERROR_INVALID,
	  PATH ":2: Annotation=: cannot split" },
	{ "stop-signal", "[Container]\nStopSignal=SIGFOO\n", OCID_CONTAINER_FILE_ERROR_INVALID,
	  PATH ":2: StopSignal=: 'SIGFOO' is not a signal" },
	{ "stop-signal-kill", "[Container]\nStopSignal=KILL\n", OCID_CONTAINER_FILE_ERROR_INVALID,
	  PATH ":2: StopSignal=: 'KILL' is not a signal" },
	{ "stop-timeout", "[Container]\nStopTimeout=5s\n", OCID_CONTAINER_FILE_ERROR_INVALID,
	  PATH ":2: StopTimeout=: '5s' is not a number of seconds" },
	{ "name", "[Container]\nName=-web\n", OCID_CONTAINER_FILE_ERROR_INVALID,
	  PATH ":2: Name=: '-web' is not a container name" },
	{ "section", "[Container]\nBundle=/b\n[Volume]\n", OCID_CONTAINER_FILE_ERROR_UNKNOWN,
	  PATH ":3: unknown section [Volume]" },
	{ "before-section", "Bundle=/b\n", OCID_CONTAINER_FILE_ERROR_SYNTAX,
	  PATH ":1: Bundle=: comes before any section" },
	{ "not-assignment", "[Container]\nBundle /b\n", OCID_CONTAINER_FILE_ERROR_SYNTAX,
	  PATH ":2: 'Bundle /b' is not KEY=VALUE" },
	{ "bad-key-name", "[Unit]\nAf ter=x\n", OCID_CONTAINER_FILE_ERROR_SYNTAX,
	  PATH ":2: 'Af ter' is not a key name" },
	{ "service-exec-start", "[Container]\nBundle=/b\n[Service]\nExecStart=/bin/true\n",
	  OCID_CONTAINER_FILE_ERROR_INVALID,
	  PATH ":4: ExecStart=: the generator writes this key of the service itself" },
	{ "service-type", "[Service]\nType=simple\n", OCID_CONTAINER_FILE_ERROR_INVALID,
	  PATH ":2: Type=: the generator writes" },
	{ "wanted-by", "[Container]\nBundle=/b\n[Install]\nWantedBy=multi user\n",
	  OCID_CONTAINER_FILE_ERROR_INVALID, PATH ":4: WantedBy=: 'multi' is not a unit name" },
	/* The line of a continued statement is its first. */
	{ "continued", "[Container]\nBundle=/b\nLabel=a=1 \\\n  b\n",
	  OCID_CONTAINER_FILE_ERROR_INVALID, PATH ":3: Label=: 'b' is not KEY=VALUE" },
};

static void
test_refusal(gconstpointer data)
{
	guint i = GPOINTER_TO_UINT(data);
	g_autoptr(GError) error = NULL;
	g_autoptr(OcidContainerFile) file =
	    ocid_container_file_parse(PATH, refusals[i].text, &error);

	g_assert_null(file);
	g_assert_error(error, OCID_CONTAINER_FILE_ERROR, (int)refusals[i].code);
	if (!g_str_has_prefix(error->message, refusals[i].message))
		g_error("'%s' does not start with '%s'", error->message, refusals[i].message);
}

static void
test_file_names(void)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(ocid_container_file_name_valid("web.container", NULL));
	g_assert_true(ocid_container_file_name_valid("my_app-2.x.container", NULL));
	g_assert_false(ocid_container_file_name_valid("web@.container", &error));
	g_assert_error(error, OCID_CONTAINER_FILE_ERROR, OCID_CONTAINER_FILE_ERROR_UNSUPPORTED);
	g_assert_nonnull(strstr(error->message, "templates"));
	g_clear_error(&error);
	g_assert_false(ocid_container_file_name_valid("we b.container", &error));
	g_assert_error(error, OCID_CONTAINER_FILE_ERROR, OCID_CONTAINER_FILE_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "no valid unit name"));
	g_clear_error(&error);
	g_assert_false(ocid_container_file_name_valid(".container", NULL));
	/* A file name that is a unit's but no container's needs Name=. */
	g_assert_null(ocid_container_file_parse("/etc/ocid/containers/:x.container",
						"[Container]\nBundle=/b\n", &error));
	g_assert_error(error, OCID_CONTAINER_FILE_ERROR, OCID_CONTAINER_FILE_ERROR_MISSING);
	g_assert_true(g_str_has_prefix(error->message, "/etc/ocid/containers/:x.container:1: "
						       "Name=: missing"));
}

static void
test_load_errors(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("test-container-file-XXXXXX", NULL);
	g_autofree char *binary = g_build_filename(dir, "bin.container", NULL);

	g_assert_null(ocid_container_file_load("/nonexistent/web.container", &error));
	g_assert_error(error, OCID_CONTAINER_FILE_ERROR, OCID_CONTAINER_FILE_ERROR_READ);
	g_clear_error(&error);
	g_assert_true(g_file_set_contents(binary, "[Container]\0Bundle=/b\n", 22, NULL));
	g_assert_null(ocid_container_file_load(binary, &error));
	g_assert_error(error, OCID_CONTAINER_FILE_ERROR, OCID_CONTAINER_FILE_ERROR_INVALID);
	g_remove(binary);
	g_rmdir(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/container-file/full", test_full);
	g_test_add_func("/container-file/defaults", test_defaults);
	g_test_add_func("/container-file/notify", test_notify);
	g_test_add_func("/container-file/quote-word", test_quote_word);
	g_test_add_func("/container-file/file-names", test_file_names);
	g_test_add_func("/container-file/load-errors", test_load_errors);
	for (guint i = 0; i < G_N_ELEMENTS(refusals); i++) {
		g_autofree char *name =
		    g_strdup_printf("/container-file/refusal/%s", refusals[i].name);
		g_test_add_data_func(name, GUINT_TO_POINTER(i), test_refusal);
	}
	return g_test_run();
}
