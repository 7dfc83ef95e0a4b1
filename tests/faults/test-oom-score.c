/* OOM scores (issue 10, point 6). ocid.service runs with OOMScoreAdjust=-500; nothing it
 * starts may inherit that. Each monitor protects itself at -1000 (its death loses the log
 * and the exit code), a container gets its spec's process.oomScoreAdj, 0 when unset, and
 * so does what ExecSync runs. Under systemd (tests/systemd) the daemon is ocid.service; on
 * the private bus the test gives the daemon the same -500 to inherit. Lowering a score
 * needs CAP_SYS_RESOURCE: where the daemon lacks it (systemd then ignores OOMScoreAdjust=,
 * as in a container), the daemon here inherits +500 instead and the monitor can only come
 * down to 0; the containers' scores are checked the same. */
#include "faults-common.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
oom_score_of(int pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/oom_score_adj", pid);
	g_autofree char *text = ocid_test_read_file(path);

	g_assert_nonnull(text);
	return atoi(text);
}

/* CAP_SYS_RESOURCE in the effective set of @pid. */
static gboolean
has_sys_resource(int pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/status", pid);
	g_autofree char *status = ocid_test_read_file(path);
	const char *line = status != NULL ? strstr(status, "\nCapEff:\t") : NULL;

	g_assert_nonnull(line);
	return (g_ascii_strtoull(line + 9, NULL, 16) >> 24) & 1;
}

static void
set_own_oom_score(const char *value)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, value, strlen(value)), ==, (gssize)strlen(value));
	close(fd);
}

static char *
bundle_with_oom_score(OcidTest *t, const char *name, int score)
{
	g_autofree char *bundle = ocid_test_make_bundle(t, name, "echo up; exec sleep 300");
	g_autofree char *config_path = g_build_filename(bundle, "config.json", NULL);
	g_autofree char *config = ocid_test_read_file(config_path);
	g_autofree char *field = g_strdup_printf("\"process\": {\n    \"oomScoreAdj\": %d,", score);
	g_auto(GStrv) parts = g_strsplit(config, "\"process\": {", 2);
	g_autofree char *patched = NULL;

	g_assert_cmpuint(g_strv_length(parts), ==, 2);
	patched = g_strconcat(parts[0], field, parts[1], NULL);
	g_assert_true(g_file_set_contents(config_path, patched, -1, NULL));
	return g_steal_pointer(&bundle);
}

static void
test_oom_scores(void)
{
	OcidTest *t;
	g_autofree char *plain = NULL;
	g_autofree char *scored = NULL;
	g_autofree char *p_plain = NULL;
	g_autofree char *p_scored = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) out = NULL;
	const char *argv[] = { "cat", "/proc/self/oom_score_adj", NULL };
	gint32 exit_code = -1;
	gboolean timed_out = TRUE;
	gboolean privileged;
	int daemon_score;

	/* What ocid.service's OOMScoreAdjust=-500 does, for a daemon started here. */
	if (g_getenv("OCID_TEST_SYSTEM_BUS") == NULL && geteuid() == 0)
		set_own_oom_score(has_sys_resource(getpid()) ? "-500" : "500");
	t = ocid_test_get();
	if (t == NULL) {
		g_test_skip("needs root");
		return;
	}
	privileged = has_sys_resource((int)ocid_test_daemon_pid(t));
	daemon_score = oom_score_of((int)ocid_test_daemon_pid(t));
	g_print("# the daemon's oom_score_adj is %d, %s CAP_SYS_RESOURCE\n", daemon_score,
		privileged ? "with" : "without");
	if (!t->system_mode || privileged)
		g_assert_cmpint(daemon_score, ==, privileged ? -500 : 500);
	plain = ocid_test_make_bundle(t, "oom-plain", "echo up; exec sleep 300");
	scored = bundle_with_oom_score(t, "oom-scored", 300);
	p_plain = ocid_test_bring_up(t, "oom-plain", plain, NULL, TRUE, "up");
	p_scored = ocid_test_bring_up(t, "oom-scored", scored, NULL, TRUE, "up");

	g_assert_cmpint(oom_score_of(ocid_test_monitor_pid(t, p_plain)), ==,
			privileged ? -1000 : 0);
	g_assert_cmpint(oom_score_of(ocid_test_monitor_pid(t, p_scored)), ==,
			privileged ? -1000 : 0);
	g_assert_cmpint(oom_score_of(ocid_test_get_int(t, p_plain, "Pid")), ==, 0);
	g_assert_cmpint(oom_score_of(ocid_test_get_int(t, p_scored, "Pid")), ==, 300);

	reply = ocid_test_call(t, p_plain, FAULTS_CONTAINER, "ExecSync",
			       g_variant_new("(^ast)", argv, (guint64)10), "(ayayib)", &error);
	g_assert_no_error(error);
	g_variant_get(reply, "(@ayayib)", &out, NULL, &exit_code, &timed_out);
	g_assert_cmpint(exit_code, ==, 0);
	g_assert_false(timed_out);
	{
		gsize len = 0;
		const char *bytes = g_variant_get_fixed_array(out, &len, 1);
		g_autofree char *text = g_strndup(bytes, len);
		g_assert_cmpstr(text, ==, "0\n");
	}

	ocid_test_delete(t, p_plain, TRUE);
	ocid_test_delete(t, p_scored, TRUE);
}

static void
add_tests(void)
{
	g_test_add_func("/faults/oom-scores", test_oom_scores);
}

int
main(int argc, char **argv)
{
	return ocid_test_main(argc, argv, add_tests);
}
