#include "unit-writer.h"

#include <string.h>

char *
ocid_unit_quote_word(const char *word)
{
	GString *quoted = g_string_new("\"");

	for (const char *p = word; *p != '\0'; p++) {
		switch (*p) {
		case '\\':
		case '"':
			g_string_append_c(quoted, '\\');
			g_string_append_c(quoted, *p);
			break;
		case '%':
			g_string_append(quoted, "%%");
			break;
		case '$':
			g_string_append(quoted, "$$");
			break;
		default:
			g_string_append_c(quoted, *p);
		}
	}
	g_string_append_c(quoted, '"');
	return g_string_free(quoted, FALSE);
}

static void
append_word(GString *line, const char *word)
{
	g_autofree char *quoted = ocid_unit_quote_word(word);

	g_string_append_c(line, ' ');
	g_string_append(line, quoted);
}

static void
append_option(GString *line, const char *option, const char *value)
{
	g_string_append_printf(line, " %s", option);
	append_word(line, value);
}

/* ocictl run's command line: the container as the file describes it. */
static char *
exec_start(const OcidContainerFile *file, const char *ocictl)
{
	GString *line = g_string_new(ocictl);

	/* Nobody is there to answer a polkit agent; root's units need none. */
	g_string_append_printf(line, " --no-ask-password run --sdnotify=%s",
			       file->notify != NULL ? file->notify : "running");
	append_option(line, "--name", file->container_name);
	for (guint i = 0; i < file->annotations->len; i++)
		append_option(line, "--annotation", g_ptr_array_index(file->annotations, i));
	for (guint i = 0; i < file->labels->len; i++)
		append_option(line, "--label", g_ptr_array_index(file->labels, i));
	for (guint i = 0; i < file->env->len; i++)
		append_option(line, "--env", g_ptr_array_index(file->env, i));
	for (guint i = 0; i + 1 < file->health->len; i += 2)
		append_option(line, g_ptr_array_index(file->health, i),
			      g_ptr_array_index(file->health, i + 1));
	for (guint i = 0; i < file->volumes->len; i++) {
		const OcidContainerVolume *v = g_ptr_array_index(file->volumes, i);
		g_autofree char *spec = g_strdup_printf("%s:%s%s", v->host_path, v->container_path,
							v->readonly ? ":ro" : "");
		append_option(line, "--volume", spec);
	}
	if (file->log_path != NULL)
		append_option(line, "--log-path", file->log_path);
	if (file->journald)
		append_option(line, "--log-driver", "journald");
	if (file->stop_signal != NULL)
		append_option(line, "--stop-signal", file->stop_signal);
	g_string_append(line, " --");
	append_word(line, file->bundle);
	return g_string_free(line, FALSE);
}

static void
append_lines(GString *unit, const GPtrArray *lines)
{
	for (guint i = 0; i < lines->len; i++)
		g_string_append_printf(unit, "%s\n", (const char *)g_ptr_array_index(lines, i));
}

char *
ocid_unit_render(const OcidContainerFile *file, const char *ocictl)
{
	GString *unit = g_string_new(NULL);
	g_autofree char *start = exec_start(file, ocictl);
	g_autofree char *name = ocid_unit_quote_word(file->container_name);
	int timeout =
	    file->stop_timeout >= 0 ? file->stop_timeout : OCID_CONTAINER_DEFAULT_STOP_TIMEOUT;

	g_string_append_printf(unit, "# Written by ocid-generator from %s; edit that file.\n",
			       file->path);
	g_string_append_printf(unit,
			       "[Unit]\n"
			       "Description=ocid container %s\n"
			       "Documentation=man:ocid.container(5)\n"
			       "SourcePath=%s\n"
			       "Wants=ocid.service\n"
			       "After=ocid.service\n",
			       file->container_name, file->path);
	/* The administrator's lines come after ours: for a setting that takes one value, the
	 * last one wins. */
	append_lines(unit, file->unit_lines);

	g_string_append_printf(
	    unit,
	    "\n[Service]\n"
	    /* ocictl run sends READY=1 itself once the container runs. */
	    "Type=notify\n"
	    "NotifyAccess=main\n"
	    "SyslogIdentifier=%%N\n"
	    /* A container left by a crash (of the host, of ocid) would make run fail. */
	    "ExecStartPre=%s --no-ask-password rm --force --ignore %s\n"
	    "ExecStart=%s\n"
	    /* '-': a container that already exited has nothing to stop; its exit code, which
	     * ocictl run returns, decides the unit's result. */
	    "ExecStop=-%s --no-ask-password stop --time %d %s\n"
	    "ExecStopPost=%s --no-ask-password rm --force --ignore %s\n"
	    /* A container that ends as its stop signal asked, on systemctl stop, is stopped
	     * cleanly. */
	    "SuccessExitStatus=%d\n"
	    /* ocid's own escalation to SIGKILL comes first, and removing takes a moment. */
	    "TimeoutStopSec=%d\n",
	    ocictl, name, start, ocictl, timeout, name, ocictl, name,
	    128 + file->stop_signal_number, timeout + 30);
	append_lines(unit, file->service_lines);

	if (file->install_lines->len > 0) {
		g_string_append(unit, "\n[Install]\n");
		append_lines(unit, file->install_lines);
	}
	return g_string_free(unit, FALSE);
}
