/* logs: the container's CRI log read through the daemon's OpenLog fd (which follows
 * rotation, and with follow ends once the container has stopped), printed as the container
 * wrote it: each line to stdout or stderr, the CRI prefix only with --timestamps. */
#include "ctl.h"

#include <gio/gunixinputstream.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
ocictl_open_log(Ctl *ctl, const char *path, gint64 tail, gboolean follow, GError **error)
{
	GVariantBuilder options;
	g_autoptr(GUnixFDList) fds = NULL;
	g_autoptr(GVariant) reply = NULL;
	gint32 index;

	g_variant_builder_init(&options, G_VARIANT_TYPE("a{sv}"));
	if (tail >= 0)
		g_variant_builder_add(&options, "{sv}", "tail",
				      g_variant_new_uint64((guint64)tail));
	if (follow)
		g_variant_builder_add(&options, "{sv}", "follow", g_variant_new_boolean(TRUE));
	reply = ocictl_call_fds(ctl, path, OCICTL_CONTAINER, "OpenLog",
				g_variant_new("(@a{sv})", g_variant_builder_end(&options)), "(h)",
				&fds, error);
	if (reply == NULL)
		return -1;
	g_variant_get(reply, "(h)", &index);
	return g_unix_fd_list_get(fds, index, error);
}

static gint64
unix_usec(GDateTime *when)
{
	return g_date_time_to_unix(when) * G_USEC_PER_SEC + g_date_time_get_microsecond(when);
}

/* The microseconds of a CRI timestamp, 0 if it is none. */
static gint64
line_time(const char *line)
{
	const char *space = strchr(line, ' ');
	g_autofree char *stamp = space != NULL ? g_strndup(line, space - line) : NULL;
	g_autoptr(GDateTime) when =
	    stamp != NULL ? g_date_time_new_from_iso8601(stamp, NULL) : NULL;

	return when != NULL ? unix_usec(when) : 0;
}

gboolean
ocictl_print_log(int fd, gboolean timestamps, gint64 since_usec, gint64 *last_usec, GError **error)
{
	g_autoptr(GInputStream) raw = g_unix_input_stream_new(fd, FALSE);
	g_autoptr(GDataInputStream) in = g_data_input_stream_new(raw);

	g_data_input_stream_set_newline_type(in, G_DATA_STREAM_NEWLINE_TYPE_LF);
	for (;;) {
		g_autoptr(GError) local = NULL;
		gsize len;
		g_autofree char *line = g_data_input_stream_read_line(in, &len, NULL, &local);
		g_auto(GStrv) fields = NULL;
		FILE *to;

		if (line == NULL) {
			if (local == NULL)
				return TRUE;
			g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_FAILED,
				    "cannot read the log: %s", local->message);
			return FALSE;
		}
		/* <RFC3339Nano> stdout|stderr F|P <payload> */
		fields = g_strsplit(line, " ", 4);
		if (g_strv_length(fields) < 3)
			continue;
		if ((since_usec > 0 || last_usec != NULL) && line_time(line) < since_usec)
			continue;
		if (last_usec != NULL)
			*last_usec = line_time(line);
		to = g_str_equal(fields[1], "stderr") ? stderr : stdout;
		if (timestamps)
			fprintf(to, "%s\n", line);
		else
			fprintf(to, "%s%s", fields[3] != NULL ? fields[3] : "",
				g_str_equal(fields[2], "P") ? "" : "\n");
		fflush(to);
	}
}

/* --since: RFC 3339, seconds since the epoch, or a duration back from now (10m, 2h). */
static gboolean
parse_since(const char *text, gint64 *usec, GError **error)
{
	g_autoptr(GTimeZone) local = g_time_zone_new_local();
	g_autoptr(GDateTime) when = g_date_time_new_from_iso8601(text, local);
	char *end = NULL;
	guint64 number;

	if (when != NULL) {
		*usec = unix_usec(when);
		return TRUE;
	}
	number = g_ascii_strtoull(text, &end, 10);
	if (end != text && g_ascii_isdigit(text[0])) {
		static const struct {
			const char *suffix;
			guint64 seconds;
		} units[] = { { "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 } };
		if (*end == '\0') {
			*usec = (gint64)number * G_USEC_PER_SEC;
			return TRUE;
		}
		for (gsize i = 0; i < G_N_ELEMENTS(units); i++)
			if (g_str_equal(end, units[i].suffix)) {
				*usec = g_get_real_time() -
					(gint64)(number * units[i].seconds) * G_USEC_PER_SEC;
				return TRUE;
			}
	}
	ocictl_usage_error(error, "logs",
			   "--since takes a time (2024-05-01T10:00:00), seconds since the epoch "
			   "or a duration back from now (10m, 2h), not '%s'",
			   text);
	return FALSE;
}

int
ocictl_cmd_logs(Ctl *ctl, int argc, char **argv, GError **error)
{
	gboolean follow = FALSE, timestamps = FALSE;
	int tail = -1;
	g_autofree char *since = NULL;
	const GOptionEntry entries[] = {
		{ "follow", 'f', 0, G_OPTION_ARG_NONE, &follow,
		  "Keep printing new lines until the container has stopped", NULL },
		{ "tail", 'n', 0, G_OPTION_ARG_INT, &tail, "Only the last N lines", "N" },
		{ "since", 0, 0, G_OPTION_ARG_STRING, &since,
		  "Only lines since TIME (RFC 3339, epoch seconds, or 10m, 2h back)", "TIME" },
		{ "timestamps", 't', 0, G_OPTION_ARG_NONE, &timestamps,
		  "Whole CRI log lines: time, stream, tag, text", NULL },
		{ NULL },
	};
	g_autofree char *path = NULL, *id = NULL;
	gint64 since_usec = 0;
	gboolean ok;
	int fd;

	if (!ocictl_parse("logs", "ID",
			  "Prints a container's output from its CRI log, as the container wrote "
			  "it (stdout lines to stdout, stderr lines to stderr).",
			  entries, FALSE, &argc, &argv, error) ||
	    !ocictl_check_args("logs", argc, argv, 1, 1, "one container", error))
		return OCICTL_EXIT_ERROR;
	if (tail < -1) {
		ocictl_usage_error(error, "logs", "--tail takes 0 or more lines, not %d", tail);
		return OCICTL_EXIT_ERROR;
	}
	if (since != NULL && !parse_since(since, &since_usec, error))
		return OCICTL_EXIT_ERROR;
	if (!ocictl_resolve(ctl, argv[1], &path, &id, error))
		return OCICTL_EXIT_ERROR;
	fd = ocictl_open_log(ctl, path, tail, follow, error);
	if (fd < 0) {
		ocictl_phrase_error(ctl, argv[1], *error);
		return OCICTL_EXIT_ERROR;
	}
	ok = ocictl_print_log(fd, timestamps, since_usec, NULL, error);
	close(fd);
	return ok ? 0 : OCICTL_EXIT_ERROR;
}

static gboolean
is_live(const char *state)
{
	return g_str_equal(state, "running") || g_str_equal(state, "paused");
}

gboolean
ocictl_follow_log(Ctl *ctl, const char *path, GError **error)
{
	g_autofree char *owner = ocictl_daemon_owner(ctl);
	gint64 last_usec = 0;
	gboolean follow = TRUE;

	for (;;) {
		g_autoptr(GVariant) reply = NULL, state = NULL;
		g_autofree char *owner_now = NULL;
		/* After a restart, from just after the last line printed. */
		gint64 since_usec = last_usec > 0 ? last_usec + 1 : 0;
		int fd = ocictl_open_log(ctl, path, -1, follow, error);
		gboolean ok;

		if (fd < 0)
			return FALSE;
		ok = ocictl_print_log(fd, FALSE, since_usec, &last_usec, error);
		close(fd);
		if (!ok)
			return FALSE;
		if (!follow)
			return TRUE;
		/* The followed log ends when the container has stopped, or when the ocid that
		 * fed it went away: then the container lives on, and so does its log. */
		reply = ocictl_call_through_restart(
		    ctl, path, "org.freedesktop.DBus.Properties", "Get",
		    g_variant_new("(ss)", OCICTL_CONTAINER, "State"), "(v)", error);
		if (reply == NULL)
			return FALSE;
		owner_now = ocictl_daemon_owner(ctl);
		if (g_strcmp0(owner, owner_now) == 0)
			return TRUE;
		g_free(owner);
		owner = g_steal_pointer(&owner_now);
		g_variant_get(reply, "(v)", &state);
		/* Stopped meanwhile: what it wrote since is read once, to its end. */
		follow = is_live(g_variant_get_string(state, NULL));
	}
}
