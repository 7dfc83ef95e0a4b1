#include "input-limits.h"

#include "errors.h"

#include <string.h>

#define invalid(error, ...) ocid_error_set(error, OCID_ERROR_INVALID_ARGUMENT, __VA_ARGS__)

gboolean
ocid_check_timeout(guint64 timeout_sec, const char *what, GError **error)
{
	if (timeout_sec <= OCID_TIMEOUT_MAX_SEC)
		return TRUE;
	return invalid(error,
		       "%s %" G_GUINT64_FORMAT " is too long; pass at most %d seconds (about 23 "
		       "days)",
		       what, timeout_sec, OCID_TIMEOUT_MAX_SEC);
}

gboolean
ocid_check_exec_argv(const char *const *argv, GError **error)
{
	gsize total = 0;
	gsize n = 0;

	if (argv == NULL || argv[0] == NULL || *argv[0] == '\0')
		return invalid(error, "ExecSync needs a command: pass at least one argument");
	for (; argv[n] != NULL; n++) {
		gsize len = strlen(argv[n]);

		if (n >= OCID_EXEC_ARGC_MAX)
			return invalid(error,
				       "ExecSync's argv has more than %d arguments; run a script "
				       "in the container instead",
				       OCID_EXEC_ARGC_MAX);
		if (len > OCID_EXEC_ARG_MAX_LEN)
			return invalid(error,
				       "ExecSync's argument %zu is %zu bytes, more than the %d an "
				       "exec takes; pass large data in a file",
				       n, len, OCID_EXEC_ARG_MAX_LEN);
		total += len + 1;
		if (total > OCID_EXEC_ARGV_MAX_SIZE)
			return invalid(error,
				       "ExecSync's argv is more than %d bytes in all; pass large "
				       "data in a file",
				       OCID_EXEC_ARGV_MAX_SIZE);
	}
	return TRUE;
}

gboolean
ocid_path_is_clean(const char *path)
{
	const char *p;

	if (path == NULL || path[0] != '/' || strlen(path) > OCID_PATH_MAX_LEN)
		return FALSE;
	/* A ".." component: between slashes, or at the end. */
	for (p = strstr(path, "/.."); p != NULL; p = strstr(p + 1, "/.."))
		if (p[3] == '/' || p[3] == '\0')
			return FALSE;
	return TRUE;
}

gboolean
ocid_check_caller_path(const char *path, const char *what, GError **error)
{
	if (ocid_path_is_clean(path))
		return TRUE;
	if (path != NULL && strlen(path) > OCID_PATH_MAX_LEN)
		return invalid(error, "%s is longer than %d bytes; pass a shorter path", what,
			       OCID_PATH_MAX_LEN);
	return invalid(error,
		       "%s '%s' must be an absolute path without '..'; pass the full path it "
		       "resolves to",
		       what, path != NULL ? path : "");
}

gsize
ocid_utf8_cut_length(const char *message, gsize max)
{
	gsize len = strlen(message);

	if (len <= max)
		return len;
	/* Back off continuation bytes (10xxxxxx) to the start of the cut character. */
	while (max > 0 && ((unsigned char)message[max] & 0xC0) == 0x80)
		max--;
	return max;
}
