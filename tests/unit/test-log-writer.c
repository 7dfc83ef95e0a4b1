/* Unit tests for the monitor's CRI log writer: record format, F/P tags, size-limit rotation,
 * the RFC3339Nano timestamp, and a log written with its non-root owner's authority (these
 * need root to switch identity, and skip without it). */

#include "log-writer.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

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

/* The owner tests' user: nobody, a real non-root uid with no files of its own. */
#define OWNER_UID 65534
#define OWNER_GID 65534

/* The fixture's dir made traversable, with "root-dir" (root's, 0755) and "owner-dir"
 * (the owner's, 0755) in it; NULL when not root. */
static gboolean
owner_dirs(Fixture *f, FsIdentity *owner, char **root_dir, char **owner_dir)
{
	if (geteuid() != 0) {
		g_test_skip("switching the file identity needs root");
		return FALSE;
	}
	g_assert_cmpint(fs_identity_init(owner, OWNER_UID, OWNER_GID), ==, 0);
	g_assert_cmpint(chmod(f->dir, 0755), ==, 0);
	*root_dir = g_build_filename(f->dir, "root-dir", NULL);
	*owner_dir = g_build_filename(f->dir, "owner-dir", NULL);
	g_assert_cmpint(g_mkdir(*root_dir, 0755), ==, 0);
	g_assert_cmpint(g_mkdir(*owner_dir, 0755), ==, 0);
	g_assert_cmpint(chown(*owner_dir, OWNER_UID, OWNER_GID), ==, 0);
	return TRUE;
}

static void
remove_owner_dirs(const char *root_dir, const char *owner_dir)
{
	const char *names[] = { "container.log", "container.log.1", "secret" };

	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *a = g_build_filename(root_dir, names[i], NULL);
		g_autofree char *b = g_build_filename(owner_dir, names[i], NULL);

		(void)g_unlink(a);
		(void)g_unlink(b);
	}
	g_assert_cmpint(g_rmdir(root_dir), ==, 0);
	g_assert_cmpint(g_rmdir(owner_dir), ==, 0);
}

/* Whatever happened, the test process is root again, with root's groups. */
static void
assert_identity_is_roots(const gid_t *groups, int n_groups)
{
	gid_t now[FS_IDENTITY_MAX_GROUPS];

	g_assert_cmpint((int)syscall(SYS_setfsuid, (uid_t)-1), ==, 0);
	g_assert_cmpint((int)syscall(SYS_setfsgid, (gid_t)-1), ==, 0);
	g_assert_cmpint(getgroups(FS_IDENTITY_MAX_GROUPS, now), ==, n_groups);
	g_assert_cmpmem(now, sizeof(gid_t) * (gsize)n_groups, groups,
			sizeof(gid_t) * (gsize)n_groups);
}

/* What she could not create herself (a file in root's directory, as /etc/ld.so.preload or
 * /root/x would be) is not created, and a file of root's she cannot write is not
 * appended to, even though the writer itself runs as root. */
static void
test_owner_refused(Fixture *f, gconstpointer user_data)
{
	g_autofree char *root_dir = NULL;
	g_autofree char *owner_dir = NULL;
	g_autofree char *log_path = NULL;
	g_autofree char *secret = NULL;
	g_autofree char *contents = NULL;
	gid_t groups[FS_IDENTITY_MAX_GROUPS];
	int n_groups = getgroups(FS_IDENTITY_MAX_GROUPS, groups);
	FsIdentity owner;

	if (!owner_dirs(f, &owner, &root_dir, &owner_dir))
		return;
	log_path = g_build_filename(root_dir, "container.log", NULL);
	g_assert_cmpint(log_writer_open_as(&f->writer, log_path, 0, &owner), ==, -EACCES);
	g_assert_false(g_file_test(log_path, G_FILE_TEST_EXISTS));
	log_writer_close(&f->writer);
	assert_identity_is_roots(groups, n_groups);

	/* Root's file, readable by all, in a directory she may write (as /tmp). */
	secret = g_build_filename(owner_dir, "secret", NULL);
	g_assert_true(g_file_set_contents(secret, "root's\n", -1, NULL));
	g_assert_cmpint(chmod(secret, 0644), ==, 0);
	g_assert_cmpint(log_writer_open_as(&f->writer, secret, 0, &owner), ==, -EACCES);
	log_writer_close(&f->writer);
	g_assert_true(g_file_get_contents(secret, &contents, NULL, NULL));
	g_assert_cmpstr(contents, ==, "root's\n");
	assert_identity_is_roots(groups, n_groups);

	/* The same writer as root would have done both: the refusal is the owner's. */
	g_assert_cmpint(log_writer_open(&f->writer, log_path, 0), ==, 0);
	log_writer_close(&f->writer);
	remove_owner_dirs(root_dir, owner_dir);
}

/* Where she may create files, the log is created as hers (0600), appended to and rotated
 * as hers. */
static void
test_owner_creates(Fixture *f, gconstpointer user_data)
{
	g_autofree char *root_dir = NULL;
	g_autofree char *owner_dir = NULL;
	g_autofree char *log_path = NULL;
	g_autofree char *rotated_path = NULL;
	gid_t groups[FS_IDENTITY_MAX_GROUPS];
	int n_groups = getgroups(FS_IDENTITY_MAX_GROUPS, groups);
	FsIdentity owner;
	struct stat st;

	if (!owner_dirs(f, &owner, &root_dir, &owner_dir))
		return;
	log_path = g_build_filename(owner_dir, "container.log", NULL);
	rotated_path = g_strconcat(log_path, ".1", NULL);
	g_assert_cmpint(log_writer_open_as(&f->writer, log_path, LIMIT, &owner), ==, 0);
	assert_identity_is_roots(groups, n_groups);
	g_assert_cmpint(stat(log_path, &st), ==, 0);
	g_assert_cmpint(st.st_uid, ==, OWNER_UID);
	g_assert_cmpint(st.st_gid, ==, OWNER_GID);
	g_assert_cmpint(st.st_mode & 07777, ==, 0600);

	/* Enough records to rotate: the new file is hers as well. */
	for (int i = 0; i < 4; i++)
		g_assert_cmpint(log_writer_write(&f->writer, "stdout", "0123456789\n", 11), ==, 0);
	assert_identity_is_roots(groups, n_groups);
	g_assert_cmpint(stat(rotated_path, &st), ==, 0);
	g_assert_cmpint(st.st_uid, ==, OWNER_UID);
	g_assert_cmpint(stat(log_path, &st), ==, 0);
	g_assert_cmpint(st.st_uid, ==, OWNER_UID);
	log_writer_close(&f->writer);
	remove_owner_dirs(root_dir, owner_dir);
}

/* Her file in root's directory: she may append to it, but not rename it there, so the
 * rotation fails (and nothing is renamed) where root's would have succeeded. */
static void
test_owner_rotation_refused(Fixture *f, gconstpointer user_data)
{
	g_autofree char *root_dir = NULL;
	g_autofree char *owner_dir = NULL;
	g_autofree char *log_path = NULL;
	g_autofree char *rotated_path = NULL;
	gid_t groups[FS_IDENTITY_MAX_GROUPS];
	int n_groups = getgroups(FS_IDENTITY_MAX_GROUPS, groups);
	FsIdentity owner;
	int r = 0;

	if (!owner_dirs(f, &owner, &root_dir, &owner_dir))
		return;
	log_path = g_build_filename(root_dir, "container.log", NULL);
	rotated_path = g_strconcat(log_path, ".1", NULL);
	g_assert_true(g_file_set_contents(log_path, "", 0, NULL));
	g_assert_cmpint(chown(log_path, OWNER_UID, OWNER_GID), ==, 0);
	g_assert_cmpint(log_writer_open_as(&f->writer, log_path, LIMIT, &owner), ==, 0);
	for (int i = 0; i < 4 && r == 0; i++)
		r = log_writer_write(&f->writer, "stdout", "0123456789\n", 11);
	g_assert_cmpint(r, ==, -EACCES);
	g_assert_false(g_file_test(rotated_path, G_FILE_TEST_EXISTS));
	assert_identity_is_roots(groups, n_groups);
	log_writer_close(&f->writer);
	remove_owner_dirs(root_dir, owner_dir);
}

/* Root is nobody's owner, and an owner's groups come from the user database. */
static void
test_owner_identity(void)
{
	FsIdentity id;

	g_assert_cmpint(fs_identity_init(&id, 0, 0), ==, -EINVAL);
	g_assert_false(id.set);
	g_assert_cmpint(fs_identity_init(&id, (uid_t)-1, 5), ==, -EINVAL);
	/* A uid no one has: her primary group alone. */
	g_assert_cmpint(fs_identity_init(&id, 4000000000u, 4000000001u), ==, 0);
	g_assert_true(id.set);
	g_assert_cmpint(id.n_groups, ==, 1);
	g_assert_cmpint(id.groups[0], ==, 4000000001u);
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
	ADD("owner-refused", test_owner_refused);
	ADD("owner-creates", test_owner_creates);
	ADD("owner-rotation-refused", test_owner_rotation_refused);
#undef ADD
	g_test_add_func("/monitor/log-writer/owner-identity", test_owner_identity);
	g_test_add_func("/monitor/log-writer/timestamp", test_timestamp);

	return g_test_run();
}
