/* Issue 24: ocictl pull, run, images, rmi and image prune as root, on real parts: a
 * docker-registry on loopback (its own config, port and storage, killed by pid at the
 * end), into which the test pushes an image it builds from the busybox rootfs with umoci
 * (tests/make-image.sh), the same image as an OCI layout, an oci-archive and a
 * docker-archive, and a store of the test's own (OCID_IMAGE_STORE). */
#include "ocictl-run.h"

#include <json-glib/json-glib.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
	char *dir;       /* tests/make-image.sh's output */
	char *store;     /* OCID_IMAGE_STORE=... */
	char *reference; /* 127.0.0.1:PORT/ocid-test/busybox:1 */
	GPid registry;
	guint16 port;
} Images;

static Images images;

static OcictlResult images_run(OcidTest *t, const char *first, ...) G_GNUC_NULL_TERMINATED;

static OcictlResult
images_run(OcidTest *t, const char *first, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	const char *env[] = { images.store, NULL };
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a != NULL; a = va_arg(ap, const char *))
		g_ptr_array_add(argv, (gpointer)a);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	return ocictl_runv(t, (const char *const *)argv->pdata, env, NULL);
}

static guint16
free_port(void)
{
	struct sockaddr_in address = { .sin_family = AF_INET,
				       .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t length = sizeof address;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&address, sizeof address), ==, 0);
	g_assert_cmpint(getsockname(fd, (struct sockaddr *)&address, &length), ==, 0);
	close(fd);
	return ntohs(address.sin_port);
}

static gboolean
registry_answers(gpointer data)
{
	struct sockaddr_in address = { .sin_family = AF_INET,
				       .sin_port = htons(GPOINTER_TO_UINT(data)),
				       .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	gboolean up = connect(fd, (struct sockaddr *)&address, sizeof address) == 0;

	close(fd);
	return up;
}

static void
die_with_parent(gpointer data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void
run_tool(const char *const *argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *err = NULL;
	int status = -1;

	g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, &err,
		     &status, &error);
	g_assert_no_error(error);
	if (!g_spawn_check_wait_status(status, NULL))
		g_error("%s failed: %s", argv[0], err);
}

/* A docker-registry on a free loopback port, its config and storage under @name in the
 * test's dir (@extra: more YAML), answering; it dies with the test if the test dies. */
static GPid
start_registry(OcidTest *t, const char *name, const char *extra, guint16 *port)
{
	g_autofree char *config = g_strdup_printf("%s/%s.yml", t->tmpdir, name);
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	const char *argv[] = { "docker-registry", "serve", config, NULL };
	GPid pid;

	*port = free_port();
	text = g_strdup_printf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
			       "    rootdirectory: %s/%s\nhttp:\n  addr: 127.0.0.1:%u\n%s",
			       t->tmpdir, name, *port, extra);
	g_assert_true(g_file_set_contents(config, text, -1, NULL));
	g_spawn_async(NULL, (char **)argv, NULL,
		      G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
		      die_with_parent, NULL, &pid, &error);
	g_assert_no_error(error);
	g_assert_true(ocid_test_wait_for(registry_answers, GUINT_TO_POINTER(*port), 20000));
	return pid;
}

static void
stop_registry(GPid pid)
{
	kill(pid, SIGKILL);
	g_assert_cmpint(waitpid(pid, NULL, 0), ==, pid);
}

/* skopeo copy to a registry on plain http, with @authfile's credentials if given. */
static void
push(const char *source, const char *destination, const char *authfile)
{
	g_autofree char *credentials =
	    g_strdup_printf("--dest-authfile=%s", authfile != NULL ? authfile : "");
	const char *argv[] = { "skopeo", "copy",      "--quiet", "--dest-tls-verify=false",
			       source,   destination, NULL,      NULL };

	if (authfile != NULL) {
		argv[4] = credentials;
		argv[5] = source;
		argv[6] = destination;
	}
	run_tool(argv);
}

/* The image in every form, and the registry with it pushed; NULL with the test skipped
 * where a tool is missing. */
static OcidTest *
images_setup_or_skip(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	const char *tools[] = { "skopeo", "umoci", "docker-registry" };
	g_autofree char *destination = NULL, *source = NULL;

	if (t == NULL || images.dir != NULL)
		return t;
	for (size_t i = 0; i < G_N_ELEMENTS(tools); i++) {
		g_autofree char *found = g_find_program_in_path(tools[i]);
		if (found == NULL) {
			g_autofree char *why = g_strdup_printf("needs %s", tools[i]);
			g_test_skip(why);
			return NULL;
		}
	}
	images.dir = g_build_filename(t->tmpdir, "image", NULL);
	images.store = g_strdup_printf("OCID_IMAGE_STORE=%s/store", t->tmpdir);
	{
		g_autofree char *script =
		    g_build_filename(g_getenv("OCID_SOURCE_DIR"), "tests", "make-image.sh", NULL);
		const char *argv[] = { script, images.dir, NULL };
		run_tool(argv);
	}
	images.registry = start_registry(t, "registry", "", &images.port);
	images.reference = g_strdup_printf("127.0.0.1:%u/ocid-test/busybox:1", images.port);
	source = g_strdup_printf("oci:%s/layout:1", images.dir);
	destination = g_strdup_printf("docker://%s", images.reference);
	push(source, destination, NULL);
	return t;
}

static JsonArray *
parse_array(const char *text, JsonParser *parser)
{
	g_assert_true(json_parser_load_from_data(parser, text, -1, NULL));
	return json_node_get_array(json_parser_get_root(parser));
}

/* Each kind of source: its id, and the one image the registry, the layout and the
 * oci-archive share; images lists them with --format json. */
static void
test_pull_kinds(void)
{
	OcidTest *t = images_setup_or_skip();
	g_autofree char *layout = NULL, *archive = NULL, *docker = NULL, *id = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonArray *array;

	if (t == NULL)
		return;
	layout = g_strdup_printf("oci:%s/layout:1", images.dir);
	archive = g_strdup_printf("oci-archive:%s/busybox.tar", images.dir);
	docker = g_strdup_printf("docker-archive:%s/busybox-docker.tar", images.dir);
	{
		g_auto(OcictlResult) r =
		    images_run(t, "pull", "--tls-verify=false", images.reference, NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpuint(strlen(r.out), ==, 65);
		id = g_strndup(r.out, 64);
		g_assert_cmpstr(r.err, ==, ""); /* quiet: not on a terminal */
	}
	{
		g_auto(OcictlResult) r = images_run(t, "pull", layout, archive, NULL);
		g_autofree char *twice = g_strdup_printf("%s\n%s\n", id, id);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, twice);
	}
	{
		g_auto(OcictlResult) r = images_run(t, "pull", docker, NULL);
		ocictl_assert_status(&r, 0);
	}
	{
		g_auto(OcictlResult) r = images_run(t, "images", "--format", "json", NULL);
		ocictl_assert_status(&r, 0);
		array = parse_array(r.out, parser);
		g_assert_cmpuint(json_array_get_length(array), ==, 2);
	}
	{
		g_auto(OcictlResult) r = images_run(t, "images", NULL);
		g_autofree char *short_id = g_strndup(id, 12);
		ocictl_assert_status(&r, 0);
		ocictl_assert_contains(r.out, "REPOSITORY");
		ocictl_assert_contains(r.out, short_id);
		ocictl_assert_contains(r.out, "ocid-test/busybox");
	}
	{
		g_autofree char *prefix = g_strndup(id, 5);
		g_auto(OcictlResult) r = images_run(t, "image", "inspect", prefix, NULL);
		JsonObject *object;
		ocictl_assert_status(&r, 0);
		array = parse_array(r.out, parser);
		object = json_array_get_object_element(array, 0);
		g_assert_cmpstr(json_object_get_string_member(object, "Id"), ==, id);
		g_assert_cmpstr(json_object_get_string_member(
				    json_object_get_object_member(object, "Config"), "WorkingDir"),
				==, "/tmp");
	}
}

/* run with the image's entrypoint and cmd, then with a command of ours; env, working
 * dir, user and stop signal come from the image; ImageName and ImageRef are set. */
static void
test_run(void)
{
	OcidTest *t = images_setup_or_skip();

	if (t == NULL)
		return;
	{
		g_auto(OcictlResult) r =
		    images_run(t, "run", "--rm", "--tls-verify=false", images.reference, NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "hello from the image\nFOO=bar\n/tmp\n1000\n");
	}
	{
		g_autofree char *archive =
		    g_strdup_printf("oci-archive:%s/busybox.tar", images.dir);
		g_auto(OcictlResult) r =
		    images_run(t, "run", "--name", "from-image", archive,
			       "echo $FOO in $(pwd) as $(id -u); exit 7", NULL);
		ocictl_assert_status(&r, 7);
		g_assert_cmpstr(r.out, ==, "bar in /tmp as 1000\n");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "inspect", "from-image", NULL);
		ocictl_assert_status(&r, 0);
		ocictl_assert_contains(r.out, "\"StopSignal\" : \"SIGINT\"");
		ocictl_assert_contains(r.out, "\"ImageRef\" : \"sha256:");
		ocictl_assert_contains(r.out, "\"ImageName\" : \"oci-archive:");
	}
	/* --pull=never: what is in the store only. */
	{
		g_auto(OcictlResult) r = images_run(t, "run", "--pull=never", "--rm",
						    images.reference, "echo stored", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "stored\n");
	}
	{
		g_auto(OcictlResult) r =
		    images_run(t, "create", "--pull=never", "never-pulled:1", NULL);
		ocictl_assert_status(&r, 120);
		ocictl_assert_contains(r.err, "never-pulled");
	}
}

/* rmi is refused while a container uses the image, unless --force (the containers keep
 * their copy and run on); rm takes the bundles; prune. */
static void
test_rmi_prune(void)
{
	OcidTest *t = images_setup_or_skip();
	g_autofree char *docker = NULL;

	if (t == NULL)
		return;
	{
		g_auto(OcictlResult) r = images_run(t, "rmi", images.reference, NULL);
		/* Several names point at it (registry, layout, archive): the name goes. */
		ocictl_assert_status(&r, 0);
		ocictl_assert_contains(r.out, "Untagged: ");
	}
	{
		g_auto(OcictlResult) r = images_run(t, "rmi", "ocid-test/nothing", NULL);
		ocictl_assert_status(&r, 125);
	}
	docker = g_strdup_printf("docker-archive:%s/busybox-docker.tar", images.dir);
	{
		g_auto(OcictlResult) r =
		    images_run(t, "run", "-d", "--name", "user", docker, "sleep 300", NULL);
		ocictl_assert_status(&r, 0);
	}
	{
		g_auto(OcictlResult) r = images_run(t, "rmi", docker, NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "in use by the container");
	}
	/* create and start, then --force: the image goes, the container keeps its copy. */
	{
		g_auto(OcictlResult) r = images_run(t, "create", "--name", "second", docker,
						    "echo second from $(pwd)", NULL);
		ocictl_assert_status(&r, 0);
	}
	ocictl_run_ok(t, "start", "second", NULL);
	{
		g_auto(OcictlResult) r = images_run(t, "rmi", "--force", docker, NULL);
		ocictl_assert_status(&r, 0);
		ocictl_assert_contains(r.out, "Deleted: ");
	}
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "exec", "user", "sh", "-c", "echo $FOO", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "bar\n");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "wait", "second", NULL);
		ocictl_assert_status(&r, 0);
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "logs", "second", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "second from /tmp\n");
	}
	{
		/* rm of a container made from an image takes its bundle along. */
		g_auto(OcictlResult) r =
		    images_run(t, "rm", "-f", "user", "from-image", "second", NULL);
		ocictl_assert_status(&r, 0);
	}
	{
		g_autofree char *containers = NULL;
		g_autoptr(GDir) dir = NULL;
		containers = g_build_filename(images.store + strlen("OCID_IMAGE_STORE="),
					      "containers", NULL);
		dir = g_dir_open(containers, 0, NULL);
		/* rm took the bundles */
		g_assert_cmpstr(g_dir_read_name(dir), ==, NULL);
	}
	{
		g_auto(OcictlResult) r = images_run(t, "image", "prune", "--all", NULL);
		ocictl_assert_status(&r, 0);
	}
	{
		g_auto(OcictlResult) r = images_run(t, "images", "-q", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "");
	}
}

/* Each failure has its exit code, and leaves nothing half-made in the store. */
static void
test_errors(void)
{
	OcidTest *t = images_setup_or_skip();
	g_autofree char *unknown = NULL, *broken = NULL, *tmp = NULL;
	g_autoptr(GDir) dir = NULL;

	if (t == NULL)
		return;
	unknown = g_strdup_printf("127.0.0.1:%u/ocid-test/busybox:nosuch", images.port);
	{
		g_auto(OcictlResult) r = images_run(t, "pull", "--tls-verify=false", unknown, NULL);
		ocictl_assert_status(&r, 120);
		ocictl_assert_contains(r.err, "manifest unknown");
	}
	broken = g_strdup_printf("oci-archive:%s/busybox-broken.tar", images.dir);
	{
		g_auto(OcictlResult) r = images_run(t, "pull", broken, NULL);
		ocictl_assert_status(&r, 122);
	}
	{
		g_auto(OcictlResult) r = images_run(t, "pull", "bad ref", NULL);
		ocictl_assert_status(&r, 125);
	}
	/* The registry stopped: killed by its pid. */
	stop_registry(images.registry);
	images.registry = 0;
	{
		g_auto(OcictlResult) r =
		    images_run(t, "run", "--tls-verify=false", images.reference, NULL);
		ocictl_assert_status(&r, 121);
		ocictl_assert_contains(r.err, "connection refused");
	}
	tmp = g_build_filename(images.store + strlen("OCID_IMAGE_STORE="), "tmp", NULL);
	dir = g_dir_open(tmp, 0, NULL);
	g_assert_nonnull(dir);
	g_assert_null(g_dir_read_name(dir));
	ocictl_remove_all(t);
}

static int spawn_status(const char *const *argv, char **out);

/* A registry that wants a password (htpasswd, bcrypt of cost 4 from python3's crypt, which meson
 * brings): refused without credentials (120, as for an unknown image: registries do not
 * tell them apart), pulled with the usual auth file, $XDG_RUNTIME_DIR/containers/auth.json
 * (containers-auth.json(5)), and with --authfile. */
static void
test_credentials(void)
{
	OcidTest *t = images_setup_or_skip();
	g_autofree char *htpasswd = NULL, *extra = NULL, *runtime_dir = NULL, *auth_dir = NULL;
	g_autofree char *authfile = NULL, *auth = NULL, *encoded = NULL, *reference = NULL;
	g_autofree char *source = NULL, *destination = NULL, *hash = NULL, *runtime_env = NULL;
	g_autofree char *line = NULL;
	guint16 port;
	GPid registry;

	if (t == NULL)
		return;
	{
		const char *argv[] = { "python3",
				       "-W",
				       "ignore",
				       "-c",
				       "import crypt; print(crypt.crypt('secret', "
				       "crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)), end='')",
				       NULL };
		g_assert_cmpint(spawn_status(argv, &hash), ==, 0);
	}
	htpasswd = g_build_filename(t->tmpdir, "htpasswd", NULL);
	line = g_strconcat("tester:", hash, "\n", NULL);
	g_assert_true(g_file_set_contents(htpasswd, line, -1, NULL));
	extra =
	    g_strdup_printf("auth:\n  htpasswd:\n    realm: ocid-test\n    path: %s\n", htpasswd);
	registry = start_registry(t, "private-registry", extra, &port);
	runtime_dir = g_build_filename(t->tmpdir, "runtime-dir", NULL);
	auth_dir = g_build_filename(runtime_dir, "containers", NULL);
	g_assert_cmpint(g_mkdir_with_parents(auth_dir, 0700), ==, 0);
	authfile = g_build_filename(auth_dir, "auth.json", NULL);
	encoded = g_base64_encode((const guchar *)"tester:secret", strlen("tester:secret"));
	auth =
	    g_strdup_printf("{\"auths\": {\"127.0.0.1:%u\": {\"auth\": \"%s\"}}}", port, encoded);
	g_assert_true(g_file_set_contents(authfile, auth, -1, NULL));
	reference = g_strdup_printf("127.0.0.1:%u/private/busybox:1", port);
	source = g_strdup_printf("oci:%s/layout:1", images.dir);
	destination = g_strdup_printf("docker://%s", reference);
	push(source, destination, authfile);
	{
		g_auto(OcictlResult) r =
		    images_run(t, "pull", "--tls-verify=false", reference, NULL);
		ocictl_assert_status(&r, 120);
		ocictl_assert_contains(r.err, "authentication required");
	}
	runtime_env = g_strdup_printf("XDG_RUNTIME_DIR=%s", runtime_dir);
	{
		const char *argv[] = { "pull", "--tls-verify=false", reference, NULL };
		const char *env[] = { images.store, runtime_env, NULL };
		g_auto(OcictlResult) r = ocictl_runv(t, argv, env, NULL);
		ocictl_assert_status(&r, 0);
	}
	{
		g_auto(OcictlResult) r = images_run(t, "pull", "--tls-verify=false", "--authfile",
						    authfile, reference, NULL);
		ocictl_assert_status(&r, 0);
	}
	stop_registry(registry);
	{
		g_auto(OcictlResult) r = images_run(t, "rmi", reference, NULL);
		ocictl_assert_status(&r, 0);
	}
}

static int
spawn_status(const char *const *argv, char **out)
{
	g_autoptr(GError) error = NULL;
	int status = -1;

	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, out,
				   NULL, &status, &error));
	g_assert_no_error(error);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* On a terminal (script(1) gives it one) a pull shows skopeo's progress; a store on a full
 * disk (a 512 KiB tmpfs in a mount namespace of its own) is exit code 123, as it says. */
static void
test_progress_and_full_disk(void)
{
	OcidTest *t = images_setup_or_skip();
	g_autofree char *archive = NULL, *command = NULL, *out = NULL, *full = NULL;
	g_autofree char *store = NULL;

	if (t == NULL)
		return;
	archive = g_strdup_printf("oci-archive:%s/busybox.tar", images.dir);
	store = g_build_filename(t->tmpdir, "terminal-store", NULL);
	command = g_strdup_printf("OCID_IMAGE_STORE=%s timeout 60 %s pull %s", store,
				  g_getenv("OCID_CTL"), archive);
	{
		const char *argv[] = { "script", "-qec", command, "/dev/null", NULL };
		g_assert_cmpint(spawn_status(argv, &out), ==, 0);
		ocictl_assert_contains(out, "Pulling oci-archive:");
		ocictl_assert_contains(out, "Writing manifest");
		ocictl_assert_contains(out, "Unpacking ");
	}
	full = g_build_filename(t->tmpdir, "full-store", NULL);
	g_assert_cmpint(g_mkdir_with_parents(full, 0700), ==, 0);
	{
		const char *argv[] = { "unshare",
				       "--mount",
				       "--propagation",
				       "private",
				       "sh",
				       "-c",
				       "mount -t tmpfs -o size=512k tmpfs \"$1\" && "
				       "OCID_IMAGE_STORE=\"$1\" timeout 60 \"$2\" pull \"$3\" 2>&1",
				       "sh",
				       full,
				       g_getenv("OCID_CTL"),
				       archive,
				       NULL };
		g_autofree char *said = NULL;
		g_assert_cmpint(spawn_status(argv, &said), ==, 123);
		ocictl_assert_contains(said, "no space left on device");
	}
}

static void
add_tests(void)
{
	g_test_add_func("/ocictl-images/pull-kinds", test_pull_kinds);
	g_test_add_func("/ocictl-images/run", test_run);
	g_test_add_func("/ocictl-images/rmi-prune", test_rmi_prune);
	g_test_add_func("/ocictl-images/credentials", test_credentials);
	g_test_add_func("/ocictl-images/errors", test_errors);
	g_test_add_func("/ocictl-images/progress-and-full-disk", test_progress_and_full_disk);
}

int
main(int argc, char **argv)
{
	return ocid_test_main(argc, argv, add_tests);
}
