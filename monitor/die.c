#include "die.h"

#include "common/fd-util.h"

#include "common/monitor-protocol.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The monitor's only mutable globals: die() is called from anywhere and must know where to
 * report without every caller passing it along. */
static int report_sync_fd = -1;
static const char *report_container_id;

void
die_set_container_id(const char *id)
{
	report_container_id = id;
}

void
die_set_sync_fd(int fd)
{
	report_sync_fd = fd;
}

/* Best effort: if the daemon is gone there is nobody left to tell. */
static void
report_to_daemon(const char *text, int r)
{
	const char *reason = r != 0 ? strerror(abs(r)) : NULL;
	char *message = NULL;
	char *answer;
	size_t size;
	int n;

	if (reason != NULL && asprintf(&message, "%s: %s", text, reason) < 0)
		message = NULL;
	if (message != NULL)
		text = message;
	size = MONITOR_ANSWER_ERROR_SIZE(strlen(text));
	answer = malloc(size);
	if (answer != NULL) {
		n = monitor_answer_format_error(answer, size, text);
		if (n > 0)
			(void)fd_write_all(report_sync_fd, answer, (size_t)n);
	}
	free(answer);
	free(message);
}

__attribute__((format(printf, 3, 0))) static void
report(bool fatal, int r, const char *fmt, va_list ap)
{
	const char *severity = fatal ? "error: " : "warning: ";
	char *message = NULL;
	const char *text = fmt;

	/* Fall back to the bare format rather than lose the report when memory is short. */
	if (vasprintf(&message, fmt, ap) >= 0)
		text = message;
	else
		message = NULL;

	if (report_container_id != NULL)
		dprintf(STDERR_FILENO, "ocid-monitor[%s]: %s%s%s%s\n", report_container_id,
			severity, text, r != 0 ? ": " : "", r != 0 ? strerror(abs(r)) : "");
	else
		dprintf(STDERR_FILENO, "ocid-monitor: %s%s%s%s\n", severity, text,
			r != 0 ? ": " : "", r != 0 ? strerror(abs(r)) : "");

	if (fatal && report_sync_fd >= 0)
		report_to_daemon(text, r);
	free(message);
}

void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(true, 0, fmt, ap);
	va_end(ap);
	exit(EXIT_FAILURE);
}

void
die_errno(int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(true, r, fmt, ap);
	va_end(ap);
	exit(EXIT_FAILURE);
}

void
warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(false, 0, fmt, ap);
	va_end(ap);
}

void
warn_errno(int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(false, r, fmt, ap);
	va_end(ap);
}
