/* Unit tests for the monitor's journald log driver: how output is cut into records
 * (log-lines.h, shared with the CRI file), the native-protocol entry of each record with
 * podman's fields, and the datagrams as a socket receives them, the end entry last. The
 * journal itself is tests/systemd/journald.sh's. */

#include "journal-writer.h"
#include "log-lines.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static int
collect_line(void *data, const char *line, size_t len, bool complete)
{
	g_string_append_printf(data, "[%.*s|%c]", (int)len, line, complete ? 'F' : 'P');
	return 0;
}

static void
test_split(void)
{
	const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{ "a\n", "[a|F]" },
		{ "a\n\nbb\n", "[a|F][|F][bb|F]" },
		{ "a\nrest", "[a|F][rest|P]" },
		{ "no newline", "[no newline|P]" },
		{ "", "" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GString) got = g_string_new(NULL);

		g_assert_cmpint(
		    log_lines_split(cases[i].in, strlen(cases[i].in), collect_line, got), ==, 0);
		g_assert_cmpstr(got->str, ==, cases[i].out);
	}
}

static int
fail_first(void *data, const char *line, size_t len, bool complete)
{
	int *calls = data;

	return (*calls)++ == 0 ? -ENOSPC : -EIO;
}

static void
test_split_first_error(void)
{
	int calls = 0;

	/* Every record is still handed over; the first error is the one returned. */
	g_assert_cmpint(log_lines_split("a\nb\nc", 5, fail_first, &calls), ==, -ENOSPC);
	g_assert_cmpint(calls, ==, 3);
}

static char *
entry_text(const JournalWriter *w, const char *stream, const char *line, bool complete)
{
	struct iovec iov[JOURNAL_ENTRY_IOV_MAX];
	int n = journal_writer_entry(w, stream, line, strlen(line), complete, iov);
	GString *text = g_string_new(NULL);

	g_assert_cmpint(n, <=, JOURNAL_ENTRY_IOV_MAX);
	for (int i = 0; i < n; i++)
		g_string_append_len(text, iov[i].iov_base, (gssize)iov[i].iov_len);
	return g_string_free(text, FALSE);
}

static void
test_entry(void)
{
	JournalWriter w;
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	g_autofree char *partial = NULL;

	g_assert_cmpint(journal_writer_open(&w, ID, "web", NULL), ==, 0);
	out = entry_text(&w, "stdout", "hello", true);
	g_assert_cmpstr(out, ==,
			"CONTAINER_ID=0123456789ab\nCONTAINER_ID_FULL=" ID "\nCONTAINER_NAME=web\n"
			"SYSLOG_IDENTIFIER=web\nPRIORITY=6\nMESSAGE=hello\n");
	err = entry_text(&w, "stderr", "oops", true);
	g_assert_nonnull(strstr(err, "PRIORITY=3\nMESSAGE=oops\n"));
	g_assert_null(strstr(err, "PARTIAL"));
	partial = entry_text(&w, "stdout", "half", false);
	g_assert_nonnull(
	    strstr(partial, "PRIORITY=6\nCONTAINER_PARTIAL_MESSAGE=true\nMESSAGE=half\n"));
	journal_writer_close(&w);
}

static void
test_newline_in_name(void)
{
	JournalWriter w;

	/* It would end the field, and start one of the container's choosing. */
	g_assert_cmpint(journal_writer_open(&w, ID, "web\nPRIORITY=0", NULL), ==, -EINVAL);
	journal_writer_close(&w);
}

static char *
receive(int fd)
{
	char buf[256 * 1024];
	ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);

	g_assert_cmpint(n, >=, 0);
	return g_strndup(buf, (gsize)n);
}

static void
test_datagrams(void)
{
	g_autofree char *dir = g_dir_make_tmp("test-journal-writer-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "socket", NULL);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	g_autofree char *long_line = g_malloc(100001);
	g_autofree char *first = NULL;
	g_autofree char *second = NULL;
	g_autofree char *third = NULL;
	g_autofree char *big = NULL;
	g_autofree char *end = NULL;
	JournalWriter w;
	int server;

	strcpy(addr.sun_path, path);
	server = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(server, >=, 0);
	g_assert_cmpint(bind(server, (struct sockaddr *)&addr, sizeof addr), ==, 0);

	g_assert_cmpint(journal_writer_open(&w, ID, "web", path), ==, 0);
	g_assert_cmpint(journal_writer_write(&w, "stdout", "one\ntwo\nthr", 11), ==, 0);
	first = receive(server);
	second = receive(server);
	third = receive(server);
	g_assert_true(g_str_has_suffix(first, "PRIORITY=6\nMESSAGE=one\n"));
	g_assert_true(g_str_has_suffix(second, "PRIORITY=6\nMESSAGE=two\n"));
	g_assert_true(g_str_has_suffix(third, "CONTAINER_PARTIAL_MESSAGE=true\nMESSAGE=thr\n"));

	/* A whole read of output fits one datagram. */
	memset(long_line, 'x', 100000);
	g_assert_cmpint(journal_writer_write(&w, "stderr", long_line, 100000), ==, 0);
	big = receive(server);
	g_assert_nonnull(strstr(big, "PRIORITY=3\nCONTAINER_PARTIAL_MESSAGE=true\nMESSAGE=xxx"));
	g_assert_cmpuint(strlen(big), >, 100000);

	g_assert_cmpint(journal_writer_finish(&w), ==, 0);
	end = receive(server);
	g_assert_nonnull(strstr(end, "OCID_LOG_END_ID=" ID "\n"));
	g_assert_nonnull(strstr(end, "MESSAGE_ID=" JOURNAL_LOG_END_MESSAGE_ID "\n"));
	/* Not one of the container's lines: `journalctl CONTAINER_NAME=web` leaves it out. */
	g_assert_null(strstr(end, "CONTAINER_NAME="));
	/* Finished is closed: a second finish sends nothing. */
	g_assert_cmpint(journal_writer_finish(&w), ==, 0);

	close(server);
	g_assert_cmpint(g_unlink(path), ==, 0);
	g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void
test_no_journal(void)
{
	g_autofree char *dir = g_dir_make_tmp("test-journal-writer-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "socket", NULL);
	JournalWriter w;

	g_assert_cmpint(journal_writer_open(&w, ID, "web", path), ==, -ENOENT);
	g_assert_cmpint(journal_writer_write(&w, "stdout", "x\n", 2), ==, -EBADF);
	journal_writer_close(&w);
	g_assert_cmpint(g_rmdir(dir), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/log-lines/split", test_split);
	g_test_add_func("/log-lines/first-error", test_split_first_error);
	g_test_add_func("/journal-writer/entry", test_entry);
	g_test_add_func("/journal-writer/newline-in-name", test_newline_in_name);
	g_test_add_func("/journal-writer/datagrams", test_datagrams);
	g_test_add_func("/journal-writer/no-journal", test_no_journal);
	return g_test_run();
}
