/* The daemon<->monitor protocol (common/monitor-protocol.h): every message round-trips, and
 * malformed input is refused. Also the monitor's reading of cgroup OOM counters. */
#include "common/container-id.h"
#include "common/monitor-protocol.h"
#include "oom.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

static int
argv_length(char **argv)
{
	int n = 0;

	while (argv[n] != NULL)
		n++;
	return n;
}

static void
assert_args_equal(const MonitorArgs *a, const MonitorArgs *b)
{
	g_assert_cmpstr(a->id, ==, b->id);
	g_assert_cmpstr(a->runtime, ==, b->runtime);
	g_assert_cmpstr(a->runtime_root, ==, b->runtime_root);
	g_assert_cmpstr(a->bundle, ==, b->bundle);
	g_assert_cmpstr(a->pid_file, ==, b->pid_file);
	g_assert_cmpstr(a->log_path, ==, b->log_path);
	g_assert_cmpstr(a->exit_file, ==, b->exit_file);
	g_assert_cmpint(a->sync_fd, ==, b->sync_fd);
	g_assert_cmpint(a->wait_fd, ==, b->wait_fd);
	g_assert_cmpint(a->session_fd, ==, b->session_fd);
	g_assert_cmpint(a->control_fd, ==, b->control_fd);
	g_assert_cmpint(a->exec_tty, ==, b->exec_tty);
	g_assert_cmpint(a->log_size_max, ==, b->log_size_max);
	g_assert_cmpint(a->log_owner.set, ==, b->log_owner.set);
	g_assert_cmpuint(a->log_owner.uid, ==, b->log_owner.uid);
	g_assert_cmpuint(a->log_owner.gid, ==, b->log_owner.gid);
	g_assert_cmpint(a->no_pivot, ==, b->no_pivot);
	g_assert_cmpint(a->systemd_cgroup, ==, b->systemd_cgroup);
	g_assert_cmpstr(a->cgroup_group, ==, b->cgroup_group);
	g_assert_cmpint(a->bundle_files_fd, ==, b->bundle_files_fd);
	g_assert_cmpint(a->bundle_made, ==, b->bundle_made);
	g_assert_cmpint(a->terminal, ==, b->terminal);
	g_assert_cmpint(a->stdin_open, ==, b->stdin_open);
	g_assert_cmpint(a->stdin_once, ==, b->stdin_once);
	g_assert_cmpstr(a->attach_path, ==, b->attach_path);
	g_assert_cmpstr(a->console_socket, ==, b->console_socket);
	g_assert_cmpstr(a->exec_dir, ==, b->exec_dir);
	g_assert_cmpint(a->exec_timeout_sec, ==, b->exec_timeout_sec);
	g_assert_true((a->exec_argv == NULL) == (b->exec_argv == NULL));
	for (int i = 0; a->exec_argv != NULL && (a->exec_argv[i] != NULL || b->exec_argv[i]); i++)
		g_assert_cmpstr(a->exec_argv[i], ==, b->exec_argv[i]);
}

static void
round_trip(const MonitorArgs *args)
{
	char error[512] = "";
	char **argv = NULL;
	MonitorArgs decoded;

	g_assert_cmpint(
	    monitor_args_encode(args, "/usr/libexec/ocid-monitor", &argv, error, sizeof error), ==,
	    0);
	g_assert_cmpstr(error, ==, "");
	g_assert_cmpstr(argv[0], ==, "/usr/libexec/ocid-monitor");
	g_assert_cmpint(monitor_args_decode(argv_length(argv), argv, &decoded, error, sizeof error),
			==, 0);
	g_assert_cmpstr(error, ==, "");
	assert_args_equal(args, &decoded);
	monitor_argv_free(argv);
}

static void
test_args_create(void)
{
	MonitorArgs args = {
		.id = "web-1.a_b",
		.runtime = "/usr/sbin/runc",
		.runtime_root = "/run/ocid/runc",
		.bundle = "/var/lib/ocid/containers/web",
		.pid_file = "/var/lib/ocid/containers/web/container.pid",
		.log_path = "/var/log/ocid/web.log",
		.exit_file = "/run/ocid/exits/web",
		.sync_fd = 3,
		.wait_fd = 4,
		.session_fd = -1,
		.control_fd = -1,
		.bundle_files_fd = -1,
		.log_size_max = 1048576,
		.no_pivot = true,
		.systemd_cgroup = true,
		.terminal = true,
		.stdin_open = true,
		.stdin_once = true,
		.attach_path = "/run/ocid/attach/web",
		.console_socket = "/run/ocid/console/web",
	};
	MonitorArgs minimal = {
		.id = "x",
		.runtime = "/r",
		.runtime_root = "/root",
		.bundle = "/b",
		.pid_file = "/p",
		.log_path = "/l",
		.exit_file = "/e",
		.sync_fd = 0,
		.wait_fd = -1,
		.session_fd = -1,
		.control_fd = -1,
		.bundle_files_fd = -1,
	};

	round_trip(&args);
	round_trip(&minimal);
	/* The group the monitor makes (cgroupfs), a parent of "/" included. */
	minimal.cgroup_group = "//ocid-x";
	round_trip(&minimal);
	minimal.cgroup_group = "/machine/ocid-x";
	round_trip(&minimal);
	minimal.cgroup_group = NULL;
	/* A first create's dir and files, which the monitor makes (or the files only). */
	minimal.bundle_files_fd = 5;
	round_trip(&minimal);
	minimal.bundle_made = true;
	round_trip(&minimal);
	minimal.bundle_files_fd = -1;
	minimal.bundle_made = false;
	/* Negative sizes mean no limit; they travel as they are. */
	minimal.log_size_max = -1;
	round_trip(&minimal);
	/* A log with a non-root owner, gid 0 included. */
	args.log_owner = (MonitorOwner){ .set = true, .uid = 1000, .gid = 0 };
	round_trip(&args);
	args.log_owner = (MonitorOwner){ .set = true, .uid = 4294967294u, .gid = 4294967294u };
	round_trip(&args);
}

static void
test_args_exec(void)
{
	const char *const command[] = { "/bin/sh", "-c", "echo --id -- x", "--", "", NULL };
	MonitorArgs args = {
		.id = "web",
		.runtime = "/usr/sbin/runc",
		.runtime_root = "/run/ocid/runc",
		.pid_file = "/run/ocid/exec/web-1/pid",
		.sync_fd = 3,
		.wait_fd = -1,
		.session_fd = -1,
		.control_fd = -1,
		.bundle_files_fd = -1,
		.systemd_cgroup = true,
		.exec_dir = "/run/ocid/exec/web-1",
		.exec_timeout_sec = 30,
		.exec_argv = command,
	};

	round_trip(&args);
	/* Container.Exec: the session and control sockets, a terminal. */
	args.exec_timeout_sec = 0;
	args.session_fd = 5;
	args.control_fd = 6;
	args.exec_tty = true;
	round_trip(&args);
}

/* The control messages of terminals and exec sessions, and what is not one. */
static void
test_control_messages(void)
{
	static const char *const rejected[] = { "resize 0 80",
						"resize 24",
						"resize 24 80 ",
						"resize 24  80",
						"resize -1 80",
						"resize 65536 1",
						"kill 0",
						"kill 65",
						"kill SIGTERM",
						"started 0",
						"started",
						"stop 1",
						"" };
	MonitorControl c;
	char buf[MONITOR_CONTROL_MAX];
	int n;

	n = monitor_control_format_resize(buf, sizeof buf, 24, 80);
	g_assert_cmpint(monitor_control_parse(buf, (size_t)n, &c), ==, 0);
	g_assert_cmpint(c.kind, ==, MONITOR_CONTROL_RESIZE);
	g_assert_cmpuint(c.rows, ==, 24);
	g_assert_cmpuint(c.cols, ==, 80);
	n = monitor_control_format_kill(buf, sizeof buf, 9);
	g_assert_cmpint(monitor_control_parse(buf, (size_t)n, &c), ==, 0);
	g_assert_cmpint(c.kind, ==, MONITOR_CONTROL_KILL);
	g_assert_cmpint(c.signal, ==, 9);
	n = monitor_control_format_started(buf, sizeof buf, 4242);
	g_assert_cmpint(monitor_control_parse(buf, (size_t)n, &c), ==, 0);
	g_assert_cmpint(c.kind, ==, MONITOR_CONTROL_STARTED);
	g_assert_cmpint(c.pid, ==, 4242);
	g_assert_cmpint(monitor_control_format_resize(buf, sizeof buf, 0, 80), ==, -EINVAL);
	g_assert_cmpint(monitor_control_format_kill(buf, sizeof buf, 65), ==, -EINVAL);
	for (size_t i = 0; i < G_N_ELEMENTS(rejected); i++)
		g_assert_cmpint(monitor_control_parse(rejected[i], strlen(rejected[i]), &c), ==,
				-EBADMSG);
}

/* The monitor's options are also understood as "--name=value". */
static void
test_args_equals_form(void)
{
	char *argv[] = { "ocid-monitor",
			 "--id=a",
			 "--runtime=/r",
			 "--runtime-root",
			 "/s",
			 "--bundle=/b",
			 "--pid-file=/p",
			 "--log-path=/l",
			 "--exit-file=/e",
			 "--sync-fd=5",
			 "--log-size-max=-3",
			 NULL };
	char error[256];
	MonitorArgs args;

	g_assert_cmpint(
	    monitor_args_decode(G_N_ELEMENTS(argv) - 1, argv, &args, error, sizeof error), ==, 0);
	g_assert_cmpstr(args.id, ==, "a");
	g_assert_cmpstr(args.runtime_root, ==, "/s");
	g_assert_cmpint(args.sync_fd, ==, 5);
	g_assert_cmpint(args.log_size_max, ==, -3);
}

static void
assert_decode_fails(const char *line, const char *expected)
{
	g_auto(GStrv) argv = g_strsplit(line, " ", -1);
	char error[512];
	MonitorArgs args;

	g_assert_cmpint(
	    monitor_args_decode((int)g_strv_length(argv), argv, &args, error, sizeof error), ==,
	    -EINVAL);
	if (strstr(error, expected) == NULL)
		g_error("'%s' failed with '%s', expected '%s'", line, error, expected);
}

#define CREATE "m --id a --runtime /r --runtime-root /s --bundle /b --pid-file /p --log-path /l"

static void
test_args_rejected(void)
{
	char error[256];
	MonitorArgs args;
	char *late_sync_fd[] = { "m", "--bogus", "--sync-fd", "7", NULL };

	assert_decode_fails(CREATE " --exit-file /e", "--sync-fd is required");
	assert_decode_fails(CREATE " --sync-fd 3", "--exit-file is required");
	assert_decode_fails(CREATE " --exit-file e --sync-fd 3", "--exit-file must be an absolute");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd x", "invalid --sync-fd 'x'");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd -1", "invalid --sync-fd");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --wait-fd 2", "invalid --wait-fd");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --log-size-max 1k",
			    "expected bytes");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --log-size-max  1",
			    "expected bytes");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --frobnicate",
			    "unknown option '--frobnicate'");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --terminal",
			    "--terminal needs --console-socket");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --no-pivot=1", "takes no value");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 stray", "unexpected argument");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 -- sh", "unexpected argument 'sh'");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd", "needs an argument");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --log-owner 0:0", "non-root");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --log-owner 1000", "UID:GID");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --log-owner 1000:", "UID:GID");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --log-owner :1000", "UID:GID");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --log-owner -1:5", "UID:GID");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --log-owner 4294967295:5",
			    "UID:GID");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --log-owner 5:4294967295",
			    "UID:GID");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --log-owner 5:+1", "UID:GID");
	assert_decode_fails("m --id a --runtime /r --runtime-root /s --pid-file /p --sync-fd 3 "
			    "--exec-dir /d --log-owner 5:5 -- true",
			    "--log-owner needs --log-path");
	/* The monitor makes nothing outside the hierarchies, nor one of their roots. */
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --cgroup-group /a/../b",
			    "invalid --cgroup-group '/a/../b'");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --cgroup-group /a/./b",
			    "invalid --cgroup-group");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --cgroup-group a/b",
			    "invalid --cgroup-group");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --cgroup-group //",
			    "invalid --cgroup-group");
	/* A first create's files: an fd of the daemon's, for create mode. */
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --bundle-files-fd 1",
			    "invalid --bundle-files-fd");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --bundle-made",
			    "--bundle-made needs --bundle-files-fd");
	assert_decode_fails("m --id a --runtime /r --runtime-root /s --pid-file /p --sync-fd 3 "
			    "--exec-dir /d --bundle-files-fd 5 -- true",
			    "--bundle-files-fd is for create mode");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --cgroup-group /g/..",
			    "invalid --cgroup-group");
	assert_decode_fails(CREATE " --exit-file /e --sync-fd 3 --cgroup-group /g --systemd-cgroup",
			    "--cgroup-group is for create mode");
	assert_decode_fails("m --runtime /r", "--id is required");
	assert_decode_fails("m --id -rf --runtime /r", "invalid --id '-rf'");
	assert_decode_fails("m --id ../x --runtime /r", "invalid --id");
	assert_decode_fails("m --id a --runtime /r --runtime-root /s --pid-file /p --sync-fd 3 "
			    "--exec-dir /d",
			    "exec mode needs a command after --");
	assert_decode_fails("m --id a --runtime /r --runtime-root /s --pid-file /p --sync-fd 3 "
			    "--exec-dir /d --exec-timeout -1 -- true",
			    "expected seconds");

	/* The first error is kept, and the sync fd is known even so. */
	g_assert_cmpint(monitor_args_decode(4, late_sync_fd, &args, error, sizeof error), ==,
			-EINVAL);
	g_assert_cmpstr(error, ==, "unknown option '--bogus'");
	g_assert_cmpint(args.sync_fd, ==, 7);

	/* The encoder refuses what the monitor would. */
	{
		MonitorArgs bad = { .id = "-x",
				    .runtime = "/r",
				    .sync_fd = 3,
				    .wait_fd = -1,
				    .session_fd = -1,
				    .control_fd = -1,
				    .bundle_files_fd = -1 };
		char **argv = NULL;

		g_assert_cmpint(monitor_args_encode(&bad, "/m", &argv, error, sizeof error), ==,
				-EINVAL);
		g_assert_null(argv);
		g_assert_nonnull(strstr(error, "invalid --id"));
	}
}

static void
test_answers(void)
{
	char buf[128];
	MonitorAnswer answer;
	int n;

	n = monitor_answer_format_created(buf, sizeof buf, 4242);
	g_assert_cmpstr(buf, ==, "ok 4242\n");
	g_assert_cmpint(monitor_answer_parse(buf, (size_t)n, MONITOR_ANSWER_CREATED, &answer), ==,
			0);
	g_assert_cmpint(answer.kind, ==, MONITOR_ANSWER_CREATED);
	g_assert_cmpint(answer.pid, ==, 4242);

	for (int timed_out = 0; timed_out <= 1; timed_out++) {
		n = monitor_answer_format_exec_result(buf, sizeof buf, 137, timed_out);
		g_assert_cmpint(
		    monitor_answer_parse(buf, (size_t)n, MONITOR_ANSWER_EXEC_RESULT, &answer), ==,
		    0);
		g_assert_cmpint(answer.kind, ==, MONITOR_ANSWER_EXEC_RESULT);
		g_assert_cmpint(answer.exit_code, ==, 137);
		g_assert_cmpint(answer.timed_out, ==, timed_out);
	}

	n = monitor_answer_format_error(buf, sizeof buf, "runc: no such bundle\nsecond line\n");
	g_assert_cmpint(monitor_answer_parse(buf, (size_t)n, MONITOR_ANSWER_CREATED, &answer), ==,
			0);
	g_assert_cmpint(answer.kind, ==, MONITOR_ANSWER_ERROR);
	g_assert_cmpint(answer.message_len, ==, strlen("runc: no such bundle\nsecond line"));
	g_assert_cmpmem(answer.message, answer.message_len, "runc: no such bundle\nsecond line",
			answer.message_len);
	g_assert_false(answer.cgroup);
	n = monitor_answer_format_error(buf, sizeof buf, "");
	g_assert_cmpint(monitor_answer_parse(buf, (size_t)n, MONITOR_ANSWER_EXEC_RESULT, &answer),
			==, 0);
	g_assert_cmpint(answer.kind, ==, MONITOR_ANSWER_ERROR);
	g_assert_cmpint(answer.message_len, ==, 0);
	/* The container's group failed: ocid's error, not the runtime's. */
	n = monitor_answer_format_cgroup_error(buf, sizeof buf, "Cannot make the cgroup /g: E\n");
	g_assert_cmpstr(buf, ==, "cgroup-error\nCannot make the cgroup /g: E\n");
	g_assert_cmpint(monitor_answer_parse(buf, (size_t)n, MONITOR_ANSWER_CREATED, &answer), ==,
			0);
	g_assert_cmpint(answer.kind, ==, MONITOR_ANSWER_ERROR);
	g_assert_true(answer.cgroup);
	g_assert_cmpmem(answer.message, answer.message_len, "Cannot make the cgroup /g: E",
			strlen("Cannot make the cgroup /g: E"));
	/* The container's dir or one of its files: the errno and the path, for ocid to word. */
	n = monitor_answer_format_bundle_error(buf, sizeof buf, EEXIST, "/var/lib/ocid/c/x");
	g_assert_cmpstr(buf, ==, "bundle-error 17\n/var/lib/ocid/c/x");
	g_assert_cmpint(monitor_answer_parse(buf, (size_t)n, MONITOR_ANSWER_CREATED, &answer), ==,
			0);
	g_assert_cmpint(answer.kind, ==, MONITOR_ANSWER_ERROR);
	g_assert_cmpint(answer.bundle_errno, ==, EEXIST);
	g_assert_false(answer.cgroup);
	g_assert_cmpmem(answer.message, answer.message_len, "/var/lib/ocid/c/x",
			strlen("/var/lib/ocid/c/x"));
	g_assert_cmpint(monitor_answer_format_bundle_error(buf, sizeof buf, 0, "/x"), ==, -EINVAL);

	/* Too small a buffer, out-of-range values. */
	g_assert_cmpint(monitor_answer_format_created(buf, 4, 4242), ==, -ENOSPC);
	g_assert_cmpint(monitor_answer_format_created(buf, sizeof buf, 0), ==, -EINVAL);
	g_assert_cmpint(monitor_answer_format_exec_result(buf, sizeof buf, 256, false), ==,
			-EINVAL);
}

static void
test_answers_rejected(void)
{
	const struct {
		const char *text;
		MonitorAnswerKind kind;
	} bad[] = {
		{ "ok\n", MONITOR_ANSWER_CREATED },
		{ "ok 12", MONITOR_ANSWER_CREATED },
		{ "ok 12 \n", MONITOR_ANSWER_CREATED },
		{ "ok -12\n", MONITOR_ANSWER_CREATED },
		{ "ok 0\n", MONITOR_ANSWER_CREATED },
		{ "ok 012\n", MONITOR_ANSWER_CREATED },
		{ "ok 99999999999\n", MONITOR_ANSWER_CREATED },
		{ "ok 12 0\n", MONITOR_ANSWER_CREATED },
		{ "ok 12\n", MONITOR_ANSWER_EXEC_RESULT },
		{ "ok 0 2\n", MONITOR_ANSWER_EXEC_RESULT },
		{ "ok 256 0\n", MONITOR_ANSWER_EXEC_RESULT },
		{ "ok  0 0\n", MONITOR_ANSWER_EXEC_RESULT },
		{ "ok 0 0 0\n", MONITOR_ANSWER_EXEC_RESULT },
		{ "error", MONITOR_ANSWER_CREATED },
		{ "err\nx", MONITOR_ANSWER_CREATED },
		{ "OK 12\n", MONITOR_ANSWER_CREATED },
		{ "bundle-error 17", MONITOR_ANSWER_CREATED },
		{ "bundle-error 0\n/x", MONITOR_ANSWER_CREATED },
		{ "bundle-error x\n/x", MONITOR_ANSWER_CREATED },
	};
	MonitorAnswer answer;

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		if (monitor_answer_parse(bad[i].text, strlen(bad[i].text), bad[i].kind, &answer) !=
		    -EBADMSG)
			g_error("'%s' was accepted", bad[i].text);
	g_assert_cmpint(monitor_answer_parse("", 0, MONITOR_ANSWER_CREATED, &answer), ==, -ENODATA);
	/* A NUL inside the text is not a shorter, valid answer. */
	g_assert_cmpint(monitor_answer_parse("ok 1\0\n", 6, MONITOR_ANSWER_CREATED, &answer), ==,
			-EBADMSG);
}

static void
test_exit_file(void)
{
	char buf[32];
	int exit_code = -1;
	bool oom = true;
	int n;

	n = monitor_exit_file_format(buf, sizeof buf, 0, false);
	g_assert_cmpstr(buf, ==, "0\n");
	g_assert_cmpint(monitor_exit_file_parse(buf, (size_t)n, &exit_code, &oom), ==, 0);
	g_assert_cmpint(exit_code, ==, 0);
	g_assert_false(oom);

	n = monitor_exit_file_format(buf, sizeof buf, 137, true);
	g_assert_cmpstr(buf, ==, "137\noom\n");
	g_assert_cmpint(monitor_exit_file_parse(buf, (size_t)n, &exit_code, &oom), ==, 0);
	g_assert_cmpint(exit_code, ==, 137);
	g_assert_true(oom);

	/* Without the last newline, as a hand-written file may be. */
	g_assert_cmpint(monitor_exit_file_parse("255", 3, &exit_code, &oom), ==, 0);
	g_assert_cmpint(exit_code, ==, 255);
	g_assert_false(oom);
	g_assert_cmpint(monitor_exit_file_parse("9\noom", 5, &exit_code, &oom), ==, 0);
	g_assert_true(oom);

	g_assert_cmpint(monitor_exit_file_format(buf, sizeof buf, 256, false), ==, -EINVAL);
	g_assert_cmpint(monitor_exit_file_format(buf, sizeof buf, -1, false), ==, -EINVAL);
	g_assert_cmpint(monitor_exit_file_format(buf, 3, 137, false), ==, -ENOSPC);
}

static void
test_exit_file_rejected(void)
{
	const char *const bad[] = {
		"",       "\n",        "-1\n",       "256\n",      "1 \n",
		" 1\n",   "01\n",      "1\n\n",      "1\noom\n\n", "1\nOOM\n",
		"1\nx\n", "1\noomx\n", "1\n\noom\n", "abc",        "1\noom\nx"
	};
	int exit_code = -1;
	bool oom = false;

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		if (monitor_exit_file_parse(bad[i], strlen(bad[i]), &exit_code, &oom) != -EBADMSG)
			g_error("exit file '%s' was accepted", bad[i]);
	g_assert_cmpint(monitor_exit_file_parse("1\0oom\n", 6, &exit_code, &oom), ==, -EBADMSG);
}

static void
test_container_id(void)
{
	g_assert_true(container_id_is_valid("a"));
	g_assert_true(container_id_is_valid("Web_1.2-x"));
	g_assert_false(container_id_is_valid(NULL));
	g_assert_false(container_id_is_valid(""));
	g_assert_false(container_id_is_valid(".hidden"));
	g_assert_false(container_id_is_valid("-rf"));
	g_assert_false(container_id_is_valid("a/b"));
	g_assert_false(container_id_is_valid("a b"));
	{
		g_autofree char *max = g_strnfill(CONTAINER_ID_MAX, 'a');
		g_autofree char *over = g_strnfill(CONTAINER_ID_MAX + 1, 'a');

		g_assert_true(container_id_is_valid(max));
		g_assert_false(container_id_is_valid(over));
	}
}

static void
test_oom_counters(void)
{
	char path[256];
	uint64_t count = 0;

	g_assert_cmpint(
	    monitor_oom_counter_path("0::/machine.slice/ocid-a.scope\n", path, sizeof path), ==, 0);
	g_assert_cmpstr(path, ==, "/sys/fs/cgroup/machine.slice/ocid-a.scope/memory.events");
	g_assert_cmpint(monitor_oom_counter_path("12:pids:/x\n7:cpu,memory:/ocid/a\n0::/u\n", path,
						 sizeof path),
			==, 0);
	g_assert_cmpstr(path, ==, "/sys/fs/cgroup/memory/ocid/a/memory.oom_control");
	g_assert_cmpint(monitor_oom_counter_path("3:memoryx:/a\n", path, sizeof path), ==, -ENOENT);
	g_assert_cmpint(monitor_oom_counter_path("", path, sizeof path), ==, -ENOENT);
	g_assert_cmpint(monitor_oom_counter_path("0::/a\n", path, 8), ==, -ENAMETOOLONG);

	g_assert_cmpint(monitor_oom_parse_kill_count("low 0\nhigh 0\nmax 4\noom 2\noom_kill 1\n"
						     "oom_group_kill 0\n",
						     &count),
			==, 0);
	g_assert_cmpuint(count, ==, 1);
	g_assert_cmpint(
	    monitor_oom_parse_kill_count("oom_kill_disable 0\nunder_oom 0\noom_kill 7", &count), ==,
	    0);
	g_assert_cmpuint(count, ==, 7);
	g_assert_cmpint(monitor_oom_parse_kill_count("oom_kill_disable 0\n", &count), ==, -ENOENT);
	g_assert_cmpint(monitor_oom_parse_kill_count("oom_kill x\n", &count), ==, -ENOENT);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/monitor-protocol/args/create", test_args_create);
	g_test_add_func("/monitor-protocol/args/exec", test_args_exec);
	g_test_add_func("/monitor-protocol/args/equals-form", test_args_equals_form);
	g_test_add_func("/monitor-protocol/args/rejected", test_args_rejected);
	g_test_add_func("/monitor-protocol/answers", test_answers);
	g_test_add_func("/monitor-protocol/answers/rejected", test_answers_rejected);
	g_test_add_func("/monitor-protocol/exit-file", test_exit_file);
	g_test_add_func("/monitor-protocol/exit-file/rejected", test_exit_file_rejected);
	g_test_add_func("/monitor-protocol/container-id", test_container_id);
	g_test_add_func("/monitor-protocol/oom-counters", test_oom_counters);
	g_test_add_func("/monitor-protocol/control-messages", test_control_messages);
	return g_test_run();
}
