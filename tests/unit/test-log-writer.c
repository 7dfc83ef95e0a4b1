/* Unit tests for the monitor's CRI log writer: record format, F/P tags, size-limit rotation
 * and the RFC3339Nano timestamp. */

#include "log-writer.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#define TIMESTAMP_RE "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z"

typedef struct {
	char *dir;
	char *path;
	char *rotated_path;
	LogWriter writer;
} Fixture;

typedef struct {
	char *stream;
	char tag;
	char *content;
} Record;

static void
record_free(Record *record)
{
	g_free(record->stream);
	g_free(record->content);
	g_free(record);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Record, record_free)

static void
fixture_set_up(Fixture *f, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	f->dir = g_dir_make_tmp("test-log-writer-XXXXXX", &error);
	g_assert_no_error(error);
	f->path = g_build_filename(f->dir, "container.log", NULL);
	f->rotated_path = g_strconcat(f->path, ".1", NULL);
	f->writer = (LogWriter)LOG_WRITER_INIT;
}

static void
fixture_tear_down(Fixture *f, gconstpointer user_data)
{
	log_writer_close(&f->writer);
	(void)g_unlink(f->path);
	(void)g_unlink(f->rotated_path);
	g_assert_cmpint(g_rmdir(f->dir), ==, 0);
	g_free(f->rotated_path);
	g_free(f->path);
	g_free(f->dir);
}

static char *
read_file(const char *path)
{
	g_autoptr(GError) error = NULL;
	char *contents = NULL;

	g_file_get_contents(path, &contents, NULL, &error);
	g_assert_no_error(error);
	return contents;
}

static gint64
file_size(const char *path)
{
	struct stat st;

	g_assert_cmpint(stat(path, &st), ==, 0);
	return st.st_size;
}

/* Parses every line of @text as a CRI record, asserting the format on the way. */
static GPtrArray *
parse_records(const char *text)
{
	g_autoptr(GRegex) regex = NULL;
	g_autoptr(GError) error = NULL;
	GPtrArray *records = g_ptr_array_new_with_free_func((GDestroyNotify)record_free);
	const char *p = text;

	regex = g_regex_new("^" TIMESTAMP_RE " (stdout|stderr) ([FP]) (.*)$", G_REGEX_DOTALL, 0,
			    &error);
	g_assert_no_error(error);

	while (*p != '\0') {
		const char *newline = strchr(p, '\n');
		g_autofree char *line = NULL;
		g_autoptr(GMatchInfo) match = NULL;
		g_autofree char *tag = NULL;
		Record *record;

		g_assert_nonnull(newline); /* every record ends with a newline */
		line = g_strndup(p, (gsize)(newline - p));
		if (!g_regex_match(regex, line, 0, &match))
			g_error("not a CRI record: '%s'", line);
		record = g_new0(Record, 1);
		record->stream = g_match_info_fetch(match, 1);
		tag = g_match_info_fetch(match, 2);
		record->tag = tag[0];
		record->content = g_match_info_fetch(match, 3);
		g_ptr_array_add(records, record);
		p = newline + 1;
	}
	return records;
}

static void
assert_record(GPtrArray *records, guint index, const char *stream, char tag, const char *content)
{
	const Record *record;

	g_assert_cmpuint(index, <, records->len);
	record = g_ptr_array_index(records, index);
	g_assert_cmpstr(record->stream, ==, stream);
	g_assert_cmpint(record->tag, ==, tag);
	g_assert_cmpstr(record->content, ==, content);
}

/* What a CRI reader would rebuild from the records: P pieces joined, each F ends a line. */
static char *
reassemble(GPtrArray *records)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < records->len; i++) {
		const Record *record = g_ptr_array_index(records, i);

		g_string_append(out, record->content);
		if (record->tag == 'F')
			g_string_append_c(out, '\n');
	}
	return g_string_free(out, FALSE);
}

static void
write_str(Fixture *f, const char *stream, const char *text)
{
	g_assert_cmpint(log_writer_write(&f->writer, stream, text, strlen(text)), ==, 0);
}

static GPtrArray *
read_records(const char *path)
{
	g_autofree char *text = read_file(path);

	return parse_records(text);
}

static void
test_full_lines(Fixture *f, gconstpointer user_data)
{
	g_autoptr(GPtrArray) records = NULL;

	g_assert_cmpint(log_writer_open(&f->writer, f->path, 0), ==, 0);
	write_str(f, "stdout", "hello\nworld\n");
	write_str(f, "stderr", "oops\n");

	records = read_records(f->path);
	g_assert_cmpuint(records->len, ==, 3);
	assert_record(records, 0, "stdout", 'F', "hello");
	assert_record(records, 1, "stdout", 'F', "world");
	assert_record(records, 2, "stderr", 'F', "oops");
}

static void
test_partial_lines(Fixture *f, gconstpointer user_data)
{
	g_autoptr(GPtrArray) records = NULL;

	g_assert_cmpint(log_writer_open(&f->writer, f->path, -1), ==, 0);
	write_str(f, "stdout", "par");
	write_str(f, "stdout", "tial\nnext");
	write_str(f, "stdout", "\n");

	records = read_records(f->path);
	g_assert_cmpuint(records->len, ==, 4);
	assert_record(records, 0, "stdout", 'P', "par");
	assert_record(records, 1, "stdout", 'F', "tial");
	assert_record(records, 2, "stdout", 'P', "next");
	assert_record(records, 3, "stdout", 'F', "");
}

static void
test_empty_lines(Fixture *f, gconstpointer user_data)
{
	g_autoptr(GPtrArray) records = NULL;
	g_autofree char *text = NULL;

	g_assert_cmpint(log_writer_open(&f->writer, f->path, 0), ==, 0);
	write_str(f, "stdout", "\n\na\n\n");
	/* An empty chunk is no record at all. */
	g_assert_cmpint(log_writer_write(&f->writer, "stdout", "", 0), ==, 0);

	records = read_records(f->path);
	g_assert_cmpuint(records->len, ==, 4);
	assert_record(records, 0, "stdout", 'F', "");
	assert_record(records, 1, "stdout", 'F', "");
	assert_record(records, 2, "stdout", 'F', "a");
	assert_record(records, 3, "stdout", 'F', "");

	/* The separating space is there even when the content is empty. */
	text = read_file(f->path);
	g_assert_true(g_str_has_suffix(text, " stdout F \n"));
}

static void
test_long_line(Fixture *f, gconstpointer user_data)
{
	const gsize len = 3 * 1024 * 1024 + 17;
	g_autofree char *line = g_malloc(len + 1);
	g_autoptr(GPtrArray) records = NULL;
	g_autofree char *rebuilt = NULL;

	for (gsize i = 0; i < len; i++)
		line[i] = (char)('a' + i % 26);
	line[len] = '\n';

	g_assert_cmpint(log_writer_open(&f->writer, f->path, 0), ==, 0);
	/* In one piece: one F record, unlimited in length. */
	g_assert_cmpint(log_writer_write(&f->writer, "stdout", line, len + 1), ==, 0);
	/* Cut as pipe reads would cut it: P records, then the F that ends the line. */
	for (gsize off = 0; off < len + 1; off += 65536)
		g_assert_cmpint(
		    log_writer_write(&f->writer, "stderr", line + off, MIN(65536, len + 1 - off)),
		    ==, 0);

	records = read_records(f->path);
	g_assert_cmpuint(records->len, ==, 1 + (len + 65536) / 65536);
	g_assert_cmpint(((Record *)g_ptr_array_index(records, 0))->tag, ==, 'F');
	g_assert_cmpuint(strlen(((Record *)g_ptr_array_index(records, 0))->content), ==, len);
	for (guint i = 1; i + 1 < records->len; i++)
		g_assert_cmpint(((Record *)g_ptr_array_index(records, i))->tag, ==, 'P');
	g_assert_cmpint(((Record *)g_ptr_array_index(records, records->len - 1))->tag, ==, 'F');

	rebuilt = reassemble(records);
	g_assert_cmpuint(strlen(rebuilt), ==, 2 * (len + 1));
	g_assert_true(memcmp(rebuilt, line, len + 1) == 0);
	g_assert_true(memcmp(rebuilt + len + 1, line, len + 1) == 0);
}

/* Header of a record: 30 (timestamp) + 1 + 6 (stream) + 1 + 1 (tag) + 1 = 40 bytes, plus
 * the content and the newline. */
#define HEADER_LEN 40
#define LIMIT      200

static void
test_rotation(Fixture *f, gconstpointer user_data)
{
	g_autoptr(GString) written = g_string_new(NULL);
	g_autoptr(GPtrArray) old_records = NULL;
	g_autoptr(GPtrArray) new_records = NULL;
	g_autofree char *old_text = NULL;
	g_autofree char *new_text = NULL;
	guint rotations = 0;

	g_assert_cmpint(log_writer_open(&f->writer, f->path, LIMIT), ==, 0);
	/* Lines of 9 content bytes make 50-byte records, four to a file: eight records fill
	 * both files exactly, so nothing may be lost. */
	for (int i = 0; i < 8; i++) {
		g_autofree char *line = g_strdup_printf("line-%04d\n", i);
		gboolean existed = g_file_test(f->rotated_path, G_FILE_TEST_EXISTS);

		write_str(f, "stdout", line);
		g_string_append(written, line);
		g_assert_cmpint(file_size(f->path), <=, LIMIT);
		if (!existed && g_file_test(f->rotated_path, G_FILE_TEST_EXISTS))
			rotations++;
	}
	g_assert_cmpuint(rotations, ==, 1);
	g_assert_cmpint(file_size(f->path), ==, LIMIT);
	g_assert_cmpint(file_size(f->rotated_path), ==, LIMIT);

	old_text = reassemble(old_records = read_records(f->rotated_path));
	new_text = reassemble(new_records = read_records(f->path));
	/* .1 holds the older half. */
	g_assert_cmpstr(old_text, ==, "line-0000\nline-0001\nline-0002\nline-0003\n");
	g_assert_cmpstr(new_text, ==, "line-0004\nline-0005\nline-0006\nline-0007\n");

	/* The next record rotates again and replaces the older .1. */
	write_str(f, "stderr", "x\n");
	g_clear_pointer(&old_text, g_free);
	g_clear_pointer(&new_text, g_free);
	g_clear_pointer(&old_records, g_ptr_array_unref);
	g_clear_pointer(&new_records, g_ptr_array_unref);
	old_text = reassemble(old_records = read_records(f->rotated_path));
	new_text = reassemble(new_records = read_records(f->path));
	g_assert_cmpstr(old_text, ==, "line-0004\nline-0005\nline-0006\nline-0007\n");
	g_assert_cmpstr(new_text, ==, "x\n");
	assert_record(new_records, 0, "stderr", 'F', "x");
}

static void
test_rotation_mixed_sizes(Fixture *f, gconstpointer user_data)
{
	g_autoptr(GString) written = g_string_new(NULL);
	g_autoptr(GPtrArray) old_records = NULL;
	g_autoptr(GPtrArray) new_records = NULL;
	gint64 total = 0;

	g_assert_cmpint(log_writer_open(&f->writer, f->path, LIMIT), ==, 0);
	/* Records of varying size, some of them partial, all fitting in two files (a file can
	 * waste up to one record's worth of room at its end, so stay well below 2 x LIMIT). */
	for (int i = 0; total < LIMIT + 40; i++) {
		g_autofree char *chunk =
		    g_strdup_printf(i % 3 == 2 ? "%.*s" : "%.*s\n", i % 5 + 1, "abcdefghij");

		write_str(f, i % 2 ? "stderr" : "stdout", chunk);
		g_string_append(written, chunk);
		total += HEADER_LEN + (i % 5 + 1) + 1;
		g_assert_cmpint(file_size(f->path), <=, LIMIT);
	}
	g_assert_true(g_file_test(f->rotated_path, G_FILE_TEST_EXISTS));
	g_assert_cmpint(file_size(f->rotated_path), <=, LIMIT);

	old_records = read_records(f->rotated_path);
	new_records = read_records(f->path);
	g_assert_cmpuint(old_records->len, >, 0);
	g_assert_cmpuint(new_records->len, >, 0);
	/* Every content byte written is in one of the two files, in order. */
	{
		g_autoptr(GString) contents = g_string_new(NULL);
		g_autoptr(GString) expected = g_string_new(NULL);

		for (guint i = 0; i < old_records->len; i++)
			g_string_append(contents,
					((Record *)g_ptr_array_index(old_records, i))->content);
		for (guint i = 0; i < new_records->len; i++)
			g_string_append(contents,
					((Record *)g_ptr_array_index(new_records, i))->content);
		for (const char *p = written->str; *p != '\0'; p++) {
			if (*p != '\n')
				g_string_append_c(expected, *p);
		}
		g_assert_cmpstr(contents->str, ==, expected->str);
	}
}

static void
test_rotation_record_over_limit(Fixture *f, gconstpointer user_data)
{
	const gsize room = LIMIT - HEADER_LEN - 1;
	g_autofree char *line = g_strnfill(room + 50, 'z');
	g_autofree char *with_newline = g_strconcat(line, "\n", NULL);
	g_autoptr(GPtrArray) old_records = NULL;
	g_autoptr(GPtrArray) new_records = NULL;
	g_autofree char *first = g_strnfill(room, 'z');
	g_autofree char *rest = g_strnfill(50, 'z');

	g_assert_cmpint(log_writer_open(&f->writer, f->path, LIMIT), ==, 0);
	write_str(f, "stdout", "before\n");
	write_str(f, "stdout", with_newline);
	g_assert_cmpint(file_size(f->path), <=, LIMIT);
	g_assert_cmpint(file_size(f->rotated_path), <=, LIMIT);

	/* The first piece fills a fresh file exactly; the old "before" was rotated away with
	 * it, and the rest lands in yet another file. */
	old_records = read_records(f->rotated_path);
	new_records = read_records(f->path);
	g_assert_cmpuint(old_records->len, ==, 1);
	g_assert_cmpuint(new_records->len, ==, 1);
	assert_record(old_records, 0, "stdout", 'P', first);
	assert_record(new_records, 0, "stdout", 'F', rest);
	g_assert_cmpint(file_size(f->rotated_path), ==, LIMIT);
}

static void
test_rotation_existing_file(Fixture *f, gconstpointer user_data)
{
	g_autofree char *filler = g_strnfill(LIMIT - 10, '#');
	g_autofree char *old_text = NULL;
	g_autoptr(GPtrArray) records = NULL;
	g_autoptr(GError) error = NULL;

	g_file_set_contents(f->path, filler, -1, &error);
	g_assert_no_error(error);

	/* The size already on disk counts against the limit. */
	g_assert_cmpint(log_writer_open(&f->writer, f->path, LIMIT), ==, 0);
	write_str(f, "stdout", "fresh\n");
	old_text = read_file(f->rotated_path);
	g_assert_cmpstr(old_text, ==, filler);
	records = read_records(f->path);
	g_assert_cmpuint(records->len, ==, 1);
	assert_record(records, 0, "stdout", 'F', "fresh");
}

static void
test_limit_too_small(Fixture *f, gconstpointer user_data)
{
	g_assert_cmpint(log_writer_open(&f->writer, f->path, HEADER_LEN + 1), ==, 0);
	/* A bare header and newline fit exactly; not a byte of content does. */
	g_assert_cmpint(log_writer_write(&f->writer, "stdout", "\n", 1), ==, 0);
	g_assert_cmpint(file_size(f->path), ==, HEADER_LEN + 1);
	/* Refused, but the lines after it still go in. */
	g_assert_cmpint(log_writer_write(&f->writer, "stdout", "abc\n\n", 5), ==, -EFBIG);
	g_assert_cmpint(file_size(f->path), ==, HEADER_LEN + 1);
	g_assert_cmpint(file_size(f->rotated_path), ==, HEADER_LEN + 1);
}

static void
test_open_refuses_symlink(Fixture *f, gconstpointer user_data)
{
	g_autofree char *target = g_build_filename(f->dir, "target", NULL);

	g_assert_cmpint(symlink(target, f->path), ==, 0);
	g_assert_cmpint(log_writer_open(&f->writer, f->path, 0), ==, -ELOOP);
	g_assert_false(g_file_test(target, G_FILE_TEST_EXISTS));
	/* Closing after a failed open is allowed. */
	log_writer_close(&f->writer);
}

static void
test_file_mode(Fixture *f, gconstpointer user_data)
{
	struct stat st;

	g_assert_cmpint(log_writer_open(&f->writer, f->path, 0), ==, 0);
	g_assert_cmpint(stat(f->path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 07777, ==, 0600);
}

static void
test_timestamp(void)
{
	char buf[LOG_TIMESTAMP_MAX];
	struct timespec ts;

	ts = (struct timespec){ .tv_sec = 0, .tv_nsec = 5 };
	g_assert_cmpint(log_writer_format_timestamp(&ts, buf, sizeof buf), ==, 30);
	g_assert_cmpstr(buf, ==, "1970-01-01T00:00:00.000000005Z");

	ts = (struct timespec){ .tv_sec = 1764342960, .tv_nsec = 123456789 };
	g_assert_cmpint(log_writer_format_timestamp(&ts, buf, sizeof buf), ==, 30);
	g_assert_cmpstr(buf, ==, "2025-11-28T15:16:00.123456789Z");

	/* Leap day, last nanosecond of the day. */
	ts = (struct timespec){ .tv_sec = 951868799, .tv_nsec = 999999999 };
	g_assert_cmpint(log_writer_format_timestamp(&ts, buf, sizeof buf), ==, 30);
	g_assert_cmpstr(buf, ==, "2000-02-29T23:59:59.999999999Z");

	ts = (struct timespec){ .tv_sec = 0, .tv_nsec = 0 };
	g_assert_cmpint(log_writer_format_timestamp(&ts, buf, 30), ==, -ENOBUFS);
	g_assert_cmpint(log_writer_format_timestamp(&ts, buf, 31), ==, 30);

	ts = (struct timespec){ .tv_sec = 0, .tv_nsec = 1000000000 };
	g_assert_cmpint(log_writer_format_timestamp(&ts, buf, sizeof buf), ==, -EINVAL);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

#define ADD(name, func)                                                                            \
	g_test_add("/monitor/log-writer/" name, Fixture, NULL, fixture_set_up, func,               \
		   fixture_tear_down)
	ADD("full-lines", test_full_lines);
	ADD("partial-lines", test_partial_lines);
	ADD("empty-lines", test_empty_lines);
	ADD("long-line", test_long_line);
	ADD("rotation", test_rotation);
	ADD("rotation-mixed-sizes", test_rotation_mixed_sizes);
	ADD("rotation-record-over-limit", test_rotation_record_over_limit);
	ADD("rotation-existing-file", test_rotation_existing_file);
	ADD("limit-too-small", test_limit_too_small);
	ADD("open-refuses-symlink", test_open_refuses_symlink);
	ADD("file-mode", test_file_mode);
#undef ADD
	g_test_add_func("/monitor/log-writer/timestamp", test_timestamp);

	return g_test_run();
}
