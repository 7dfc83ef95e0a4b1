#include "bounded-read.h"

#include "cleanup.h"
#include "errors.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define invalid(error, ...) ocid_error_set(error, OCID_ERROR_INVALID_ARGUMENT, __VA_ARGS__)

static const char *
file_type_name(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISLNK(mode))
		return "a symbolic link";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

static gboolean
open_failed(const char *display, int errsv, GError **error)
{
	if (errsv == ENOENT)
		return invalid(error, "%s does not exist; name an existing regular file", display);
	/* Files are read with the caller's authority (caller.h): this one is not hers. */
	if (errsv == EACCES || errsv == EPERM)
		return ocid_error_set(error, OCID_ERROR_ACCESS_DENIED,
				      "Cannot open %s: %s; name a file you can read yourself",
				      display, g_strerror(errsv));
	return invalid(error, "Cannot open %s: %s; name a regular file the daemon can read",
		       display, g_strerror(errsv));
}

/* The file is first opened with O_PATH, which neither follows the symlink nor runs a
 * device's open (opening /dev/watchdog arms it), and only a regular file is then opened
 * for reading, through /proc/self/fd, so that no other file can be swapped in between. */
static int
open_regular(int dirfd, const char *name, const char *display, gsize max_size, struct stat *st,
	     GError **error)
{
	_cleanup_close_ int path_fd = -1;
	_cleanup_close_ int fd = -1;
	g_autofree char *proc_path = NULL;
	struct stat reopened;

	path_fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (path_fd < 0) {
		open_failed(display, errno, error);
		return -1;
	}
	if (fstat(path_fd, st) < 0) {
		open_failed(display, errno, error);
		return -1;
	}
	if (S_ISLNK(st->st_mode)) {
		invalid(error,
			"%s is a symbolic link; name the file itself, symlinks are not "
			"followed",
			display);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		invalid(error, "%s is %s, not a regular file; name a regular file", display,
			file_type_name(st->st_mode));
		return -1;
	}
	if ((guint64)st->st_size > (guint64)max_size) {
		invalid(error,
			"%s is %" G_GUINT64_FORMAT " bytes, more than the limit of %" G_GSIZE_FORMAT
			" bytes for this file; check that it is the right file",
			display, (guint64)st->st_size, max_size);
		return -1;
	}
	proc_path = g_strdup_printf("/proc/self/fd/%d", path_fd);
	fd = open(proc_path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		open_failed(display, errno, error);
		return -1;
	}
	if (fstat(fd, &reopened) < 0 || reopened.st_dev != st->st_dev ||
	    reopened.st_ino != st->st_ino) {
		invalid(error, "%s changed while it was opened; try again", display);
		return -1;
	}
	return steal_fd(&fd);
}

static char *
read_at(int dirfd, const char *name, const char *display, gsize max_size, gsize *length,
	GError **error)
{
	_cleanup_close_ int fd = -1;
	g_autofree char *data = NULL;
	struct stat st;
	gsize allocated, total = 0;

	g_return_val_if_fail(name != NULL, NULL);
	g_return_val_if_fail(max_size < G_MAXSIZE - 1, NULL);

	fd = open_regular(dirfd, name, display, max_size, &st, error);
	if (fd < 0)
		return NULL;
	/* st_size is only a hint: the file may grow while it is read, so the cap is kept
	 * by the loop, which never asks for more than max_size + 1 bytes in all. */
	allocated = MAX((gsize)st.st_size, 4096);
	allocated = MIN(allocated, max_size + 1);
	data = g_malloc(allocated + 1);
	for (;;) {
		ssize_t n;

		if (total == allocated) {
			if (allocated == max_size + 1)
				break;
			allocated = allocated > (max_size + 1) / 2 ? max_size + 1 : allocated * 2;
			data = g_realloc(data, allocated + 1);
		}
		n = read(fd, data + total, allocated - total);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			invalid(error, "Cannot read %s: %s", display, g_strerror(errno));
			return NULL;
		}
		if (n == 0)
			break;
		total += (gsize)n;
	}
	if (total > max_size) {
		invalid(error,
			"%s is more than the limit of %" G_GSIZE_FORMAT
			" bytes for this file; check that it is the right file",
			display, max_size);
		return NULL;
	}
	data[total] = '\0';
	if (length != NULL)
		*length = total;
	return g_steal_pointer(&data);
}

char *
ocid_read_file_at(int dirfd, const char *name, gsize max_size, gsize *length, GError **error)
{
	return read_at(dirfd, name, name, max_size, length, error);
}

char *
ocid_read_file_path(const char *path, gsize max_size, gsize *length, GError **error)
{
	g_autofree char *dir = NULL;
	g_autofree char *name = NULL;
	_cleanup_close_ int dirfd = -1;

	if (path == NULL || !g_path_is_absolute(path)) {
		invalid(error, "'%s' is not an absolute path; pass the full path of the file",
			path != NULL ? path : "");
		return NULL;
	}
	if (g_str_has_suffix(path, "/")) {
		invalid(error, "%s names a directory; name a regular file", path);
		return NULL;
	}
	dir = g_path_get_dirname(path);
	name = g_path_get_basename(path);
	dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			invalid(error,
				"The directory %s of %s does not exist; name an existing file", dir,
				path);
		else
			invalid(error, "Cannot open the directory %s of %s: %s", dir, path,
				g_strerror(errno));
		return NULL;
	}
	return read_at(dirfd, name, path, max_size, length, error);
}

gboolean
ocid_dir_check_caller(const char *path, GError **error)
{
	g_auto(GStrv) components = NULL;
	struct stat st;

	if (path == NULL || !g_path_is_absolute(path))
		return invalid(error, "'%s' is not an absolute path; pass the full path",
			       path != NULL ? path : "");
	components = g_strsplit(path, "/", -1);
	for (int i = 0; components[i] != NULL; i++)
		if (strcmp(components[i], "..") == 0)
			return invalid(error, "%s contains '..'; pass a path without it", path);
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return TRUE;
		return invalid(error, "Cannot check the directory %s: %s", path, g_strerror(errno));
	}
	if (S_ISLNK(st.st_mode))
		return invalid(error,
			       "%s is a symbolic link; name the real directory, symlinks are not "
			       "followed",
			       path);
	if (!S_ISDIR(st.st_mode))
		return invalid(error, "%s is %s, not a directory; name a directory", path,
			       file_type_name(st.st_mode));
	if ((st.st_mode & S_IWOTH) != 0 && (st.st_mode & S_ISVTX) == 0)
		return invalid(error,
			       "%s is writable by every user and not sticky; use a directory "
			       "that only its owner can change",
			       path);
	return TRUE;
}

gboolean
ocid_json_check_text(const char *data, gsize len, guint max_depth, const char *origin,
		     GError **error)
{
	gboolean in_string = FALSE;
	guint depth = 0;

	for (gsize i = 0; i < len; i++) {
		char c = data[i];

		if (c == '\0')
			return invalid(error,
				       "%s has a NUL byte at offset %" G_GSIZE_FORMAT
				       "; JSON text has none",
				       origin, i);
		if (in_string) {
			if (c == '\\' && i + 5 < len && memcmp(data + i + 1, "u0000", 5) == 0)
				return invalid(error,
					       "%s has a \\u0000 escape at offset %" G_GSIZE_FORMAT
					       "; remove it, a NUL in a key or string is refused",
					       origin, i);
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = FALSE;
			continue;
		}
		if (c == '"') {
			in_string = TRUE;
		} else if (c == '/' || c == '\'') {
			return invalid(error,
				       "%s is not valid JSON: a comment or single-quoted string at "
				       "offset %" G_GSIZE_FORMAT "; remove it",
				       origin, i);
		} else if (c == '[' || c == '{') {
			if (++depth > max_depth)
				return invalid(error,
					       "%s nests arrays and objects deeper than %u levels; "
					       "no valid file of this kind needs that many",
					       origin, max_depth);
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return TRUE;
}
