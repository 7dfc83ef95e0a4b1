/* The bounds on what a caller sends over D-Bus that are not about files (those are in
 * bounded-read.h): timeouts, ExecSync's argv and output, a{sv} dictionaries, strings and
 * paths. Each is checked once, at the edge, and going past it is InvalidArgument with a
 * message that says the bound. docs/limits.md lists them all; change both together. */
#pragma once

#include <glib.h>

/* Stop's and ExecSync's timeout_sec: at most about 23 days. A timer in milliseconds must
 * fit GLib's guint, and a larger value was once multiplied into an overflow that made
 * Stop(18446744073709552) a SIGKILL after 0.39 s; now it is refused. */
#define OCID_TIMEOUT_MAX_SEC 2000000

/* ExecSync's argv: how many arguments, the bytes of each (the kernel's MAX_ARG_STRLEN,
 * with its NUL) and of all together, so that the monitor's and the runtime's own exec
 * cannot fail with E2BIG. */
#define OCID_EXEC_ARGC_MAX      1024
#define OCID_EXEC_ARG_MAX_LEN   (128 * 1024 - 1)
#define OCID_EXEC_ARGV_MAX_SIZE (256 * 1024)

/* ExecSync's output kept per stream (stdout, stderr): 8 MiB each, so that the reply (two
 * streams and a few bytes) always fits dbus-daemon's default message limit of 32 MiB.
 * The command still runs to its end; what it writes past this is read and dropped. */
#define OCID_EXEC_OUTPUT_MAX (8 * 1024 * 1024)

/* Entries in any a{sv} argument (CreateContainer's options, ListContainers' filter,
 * Update's resources); there are fewer than 30 known keys, and each may appear once. */
#define OCID_BUS_DICT_MAX_ENTRIES 64

/* A path a caller passes (the bundle, log_path, volumes, ...): PATH_MAX with its NUL. */
#define OCID_PATH_MAX_LEN 4095

/* Other strings a caller passes (labels' values, image names, filters, ...). */
#define OCID_STRING_MAX_LEN 16384

/* An error message sent back is cut to this many bytes (at a character boundary), so a
 * reply that quotes what the caller sent can never outgrow the bus's message limit. */
#define OCID_ERROR_MESSAGE_MAX 4096

/* cpu_quota (Update and linux.resources.cpu.quota), in µs per period: at most 4096 CPUs'
 * worth of a 1 s period, so that quota * 1000000 / period cannot overflow. */
#define OCID_CPU_QUOTA_MAX (G_GINT64_CONSTANT(4096) * 1000000)

/* Refuses a timeout above OCID_TIMEOUT_MAX_SEC; @what names it ("Stop's timeout_sec"). */
gboolean ocid_check_timeout(guint64 timeout_sec, const char *what, GError **error);

/* Refuses an ExecSync argv that is empty, has an empty command, or is past the bounds
 * above. */
gboolean ocid_check_exec_argv(const char *const *argv, GError **error);

/* TRUE for an absolute path of at most OCID_PATH_MAX_LEN bytes with no ".." component. */
gboolean ocid_path_is_clean(const char *path);

/* Refuses @path unless ocid_path_is_clean(); @what names it ("Bundle path"). */
gboolean ocid_check_caller_path(const char *path, const char *what, GError **error);

/* The length of @message cut to at most @max bytes without splitting a UTF-8 character. */
gsize ocid_utf8_cut_length(const char *message, gsize max);
