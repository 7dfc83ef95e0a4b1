#define G_LOG_DOMAIN "ocid"

#include "journal-log.h"

#include "cleanup.h"
#include "errors.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

/* Rendered lines are written out once this much is waiting. */
#define FLUSH_AT (64 * 1024)

/* A stopped container whose monitor left no end entry (it was killed): the reader ends
 * once the journal has been quiet this long. Longer than the monitor's drain grace. */
#define QUIET_END_MSEC 5000

struct OcidJournalFollow {
	/* Main loop only. */
	guint ref;
	gboolean main_gone; /* freed by its owner: closed is not called */
	OcidJournalFollowClosedFunc closed;
	gpointer user_data;
	GThread *thread;
	guint idle_id; /* the thread's last act; read only after joining it */

	/* Fixed before the thread starts. */
	OcidLogOpen *request;
	int write_fd; /* the thread's, non-blocking */
	int wake_fd;  /* eventfd: finish or stop */

	/* Set by the main loop, read by the thread. */
	gint finished;
	gint stopping;
};

static void
follow_unref(OcidJournalFollow *f)
{
	if (--f->ref > 0)
		return;
	ocid_log_open_free(f->request);
	closep(&f->write_fd);
	closep(&f->wake_fd);
	g_free(f);
}

void
ocid_journal_render_cri(GString *out, guint64 realtime_usec, gboolean is_error, gboolean partial,
			const char *message, gsize len)
{
	g_autoptr(GDateTime) time =
	    g_date_time_new_from_unix_utc((gint64)(realtime_usec / G_USEC_PER_SEC));
	g_autofree char *seconds =
	    time != NULL ? g_date_time_format(time, "%Y-%m-%dT%H:%M:%S") : NULL;

	g_string_append_printf(out, "%s.%09" G_GUINT64_FORMAT "Z %s %c ",
			       seconds != NULL ? seconds : "1970-01-01T00:00:00",
			       (realtime_usec % G_USEC_PER_SEC) * 1000,
			       is_error ? "stderr" : "stdout", partial ? 'P' : 'F');
	g_string_append_len(out, message, (gssize)len);
	g_string_append_c(out, '\n');
}

/* The thread's wait for @fd to take more: FALSE when the reader went away or the follower
 * is being freed. */
static gboolean
wait_writable(OcidJournalFollow *f)
{
	struct pollfd fds[2] = {
		{ .fd = f->write_fd, .events = POLLOUT },
		{ .fd = f->wake_fd, .events = POLLIN },
	};

	for (;;) {
		if (g_atomic_int_get(&f->stopping))
			return FALSE;
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			return FALSE;
		if (fds[0].revents & (POLLERR | POLLHUP))
			return FALSE;
		if (fds[0].revents & POLLOUT)
			return TRUE;
		if (fds[1].revents & POLLIN) {
			eventfd_t value;
			(void)eventfd_read(f->wake_fd, &value);
		}
	}
}

static gboolean
flush(OcidJournalFollow *f, GString *out)
{
	gsize done = 0;

	while (done < out->len) {
		ssize_t n = write(f->write_fd, out->str + done, out->len - done);

		if (n >= 0) {
			done += (gsize)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || !wait_writable(f))
			return FALSE;
	}
	g_string_truncate(out, 0);
	return TRUE;
}

static gboolean
is_end_entry(sd_journal *j)
{
	const void *data;
	size_t len;

	return sd_journal_get_data(j, "OCID_LOG_END_ID", &data, &len) >= 0;
}

/* The entry at @j's position, if it is a line of the container's: appended to @out. A
 * field's data is only valid until the next sd_journal_get_data(), so MESSAGE comes last. */
static void
render_entry(sd_journal *j, GString *out)
{
	const void *message, *priority, *partial;
	size_t message_len, priority_len, partial_len;
	gboolean is_error, is_partial;
	uint64_t realtime;

	if (sd_journal_get_realtime_usec(j, &realtime) < 0)
		return;
	is_error = sd_journal_get_data(j, "PRIORITY", &priority, &priority_len) >= 0 &&
		   priority_len == sizeof "PRIORITY=3" - 1 &&
		   memcmp(priority, "PRIORITY=3", priority_len) == 0;
	is_partial =
	    sd_journal_get_data(j, "CONTAINER_PARTIAL_MESSAGE", &partial, &partial_len) >= 0;
	if (sd_journal_get_data(j, "MESSAGE", &message, &message_len) < 0)
		return;
	ocid_journal_render_cri(out, realtime, is_error, is_partial,
				(const char *)message + sizeof "MESSAGE=" - 1,
				message_len - (sizeof "MESSAGE=" - 1));
}

static int
add_matches(sd_journal *j, const OcidLogOpen *request)
{
	g_autofree char *line_match = g_strconcat("CONTAINER_ID_FULL=", request->id, NULL);
	g_autofree char *end_match = g_strconcat("OCID_LOG_END_ID=", request->id, NULL);
	int r;

	r = sd_journal_add_match(j, line_match, 0);
	if (r >= 0)
		r = sd_journal_add_match(j, "_UID=0", 0);
	if (r >= 0)
		r = sd_journal_add_disjunction(j);
	if (r >= 0)
		r = sd_journal_add_match(j, end_match, 0);
	if (r >= 0)
		r = sd_journal_add_match(j, "_UID=0", 0);
	return r;
}

/* Positions @j so that the next sd_journal_next() reads the first entry to send: the
 * container's first, or the first of its last tail lines. */
static int
seek_start(sd_journal *j, const OcidLogOpen *request)
{
	g_autofree char *first = NULL;
	guint64 lines = 0;
	int r;

	if (!request->has_tail)
		return sd_journal_seek_realtime_usec(j, request->created_usec);
	/* Back from the end: the end entry, if the container's output is over, and up to tail
	 * lines before it; @first is the earliest of them. */
	r = sd_journal_seek_tail(j);
	while (r >= 0) {
		uint64_t realtime;

		r = sd_journal_previous(j);
		if (r <= 0 || sd_journal_get_realtime_usec(j, &realtime) < 0 ||
		    realtime < request->created_usec)
			break;
		if (!is_end_entry(j)) {
			if (lines == request->tail)
				break;
			lines++;
		}
		g_free(first);
		first = NULL;
		r = sd_journal_get_cursor(j, &first);
	}
	if (r < 0)
		return r;
	if (first != NULL)
		return sd_journal_seek_cursor(j, first);
	/* No line wanted: only what comes next, after the last entry there is. */
	r = sd_journal_seek_tail(j);
	if (r >= 0)
		r = sd_journal_previous(j);
	return r;
}

/* Waits for the journal to change. FALSE: the reader is done (gone, stopped, or the
 * container over and the journal quiet until *@quiet_deadline, which the first wait after
 * the container stopped sets and a new entry clears). */
static gboolean
wait_for_entries(OcidJournalFollow *f, sd_journal *j, gint64 *quiet_deadline)
{
	struct pollfd fds[3] = {
		{ .fd = sd_journal_get_fd(j), .events = (short)sd_journal_get_events(j) },
		{ .fd = f->wake_fd, .events = POLLIN },
		/* No events: POLLERR alone says the reader closed her end. */
		{ .fd = f->write_fd, .events = 0 },
	};
	gint64 now = g_get_monotonic_time();
	uint64_t timeout_usec = UINT64_MAX;
	gint64 wake_at = G_MAXINT64;
	int n;

	if (fds[0].fd < 0)
		return FALSE;
	if (g_atomic_int_get(&f->finished)) {
		if (*quiet_deadline == 0)
			*quiet_deadline = now + QUIET_END_MSEC * G_GINT64_CONSTANT(1000);
		if (now >= *quiet_deadline)
			return FALSE;
		wake_at = *quiet_deadline;
	}
	if (sd_journal_get_timeout(j, &timeout_usec) >= 0 && timeout_usec != UINT64_MAX)
		wake_at = MIN(wake_at, (gint64)MIN(timeout_usec, (uint64_t)G_MAXINT64));
	n = poll(fds, 3,
		 wake_at == G_MAXINT64 ? -1 : (int)MIN(MAX(wake_at - now, 0) / 1000 + 1, 60000));
	if (n < 0 && errno != EINTR)
		return FALSE;
	if (g_atomic_int_get(&f->stopping) || (fds[2].revents & (POLLERR | POLLHUP)))
		return FALSE;
	if (fds[1].revents & POLLIN) {
		eventfd_t value;
		(void)eventfd_read(f->wake_fd, &value);
	}
	(void)sd_journal_process(j);
	return TRUE;
}

static void
read_entries(OcidJournalFollow *f, sd_journal *j)
{
	g_autoptr(GString) out = g_string_sized_new(FLUSH_AT + 4096);
	const OcidLogOpen *request = f->request;
	gint64 quiet_deadline = 0;

	for (;;) {
		uint64_t realtime;
		int r = sd_journal_next(j);

		if (r < 0)
			break;
		if (r > 0) {
			if (sd_journal_get_realtime_usec(j, &realtime) < 0 ||
			    realtime < request->created_usec)
				continue;
			if (is_end_entry(j))
				break;
			quiet_deadline = 0;
			render_entry(j, out);
			if (out->len >= FLUSH_AT && !flush(f, out))
				return;
			continue;
		}
		if (!flush(f, out) || !request->follow || !wait_for_entries(f, j, &quiet_deadline))
			return;
	}
	(void)flush(f, out);
}

static gboolean
thread_done(gpointer data)
{
	OcidJournalFollow *f = data;

	g_thread_join(g_steal_pointer(&f->thread));
	f->idle_id = 0;
	if (!f->main_gone)
		f->closed(f, f->user_data);
	follow_unref(f);
	return G_SOURCE_REMOVE;
}

static gpointer
follow_thread(gpointer data)
{
	OcidJournalFollow *f = data;
	sd_journal *j = NULL;
	int r;

	r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
	if (r >= 0)
		r = sd_journal_set_data_threshold(j, 0);
	if (r >= 0)
		r = add_matches(j, f->request);
	if (r >= 0)
		r = seek_start(j, f->request);
	if (r >= 0)
		read_entries(f, j);
	else
		g_warning("Cannot read the journal for container %s: %s", f->request->id,
			  g_strerror(-r));
	sd_journal_close(j);
	/* EOF for the reader now, not when the main loop gets round to it. */
	closep(&f->write_fd);
	f->idle_id = g_idle_add(thread_done, f);
	return NULL;
}

OcidJournalFollow *
ocid_journal_follow_new(const OcidLogOpen *request, OcidJournalFollowClosedFunc closed,
			gpointer user_data, int *reader_fd, GError **error)
{
	_cleanup_close_ int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int fds[2];
	OcidJournalFollow *f;

	if (wake_fd < 0 || !g_unix_open_pipe(fds, FD_CLOEXEC, NULL)) {
		ocid_error_set(error, OCID_ERROR_FAILED, "Cannot make a pipe for the log: %s",
			       g_strerror(errno));
		return NULL;
	}
	(void)fcntl(fds[1], F_SETFL, O_NONBLOCK);
	f = g_new0(OcidJournalFollow, 1);
	f->ref = 2; /* the caller's, and the thread's (handed to its idle) */
	f->closed = closed;
	f->user_data = user_data;
	f->request = ocid_log_open_copy(request);
	f->write_fd = fds[1];
	f->wake_fd = steal_fd(&wake_fd);
	f->thread = g_thread_new("ocid-journal-log", follow_thread, f);
	*reader_fd = fds[0];
	return f;
}

static void
wake(OcidJournalFollow *f)
{
	(void)eventfd_write(f->wake_fd, 1);
}

void
ocid_journal_follow_finish(OcidJournalFollow *f)
{
	g_atomic_int_set(&f->finished, 1);
	wake(f);
}

void
ocid_journal_follow_free(OcidJournalFollow *f)
{
	if (f == NULL)
		return;
	f->main_gone = TRUE;
	g_atomic_int_set(&f->stopping, 1);
	wake(f);
	/* Its idle, if it already queued one, holds the thread's reference: taken back here. */
	if (f->thread != NULL) {
		g_thread_join(g_steal_pointer(&f->thread));
		if (f->idle_id != 0) {
			g_source_remove(f->idle_id);
			f->idle_id = 0;
			follow_unref(f);
		}
	}
	follow_unref(f);
}
