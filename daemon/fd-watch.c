/* One epoll set for the long-lived fd watches (fd-watch.h).
 *
 * Each fd is in the set with EPOLLONESHOT: an event disables its entry until the watch
 * is armed again, which happens only after its callback asked to go on. A callback that
 * ends its watch may close the fd first (the supervisor's do): the disabled entry can
 * never fire again, and leaves the set with the fd's file. Nothing is deleted by fd number
 * after a callback, so a number closed and reused meanwhile is never mistaken for ours. */
#define G_LOG_DOMAIN "ocid"

#include "fd-watch.h"

#include <errno.h>
#include <sys/epoll.h>

typedef struct {
	int fd;
	uint32_t events;
	GUnixFDSourceFunc func;
	gpointer user_data;
	guint source; /* a GLib source of its own, when the set would not take the fd */
} Watch;

static int epoll_fd = -1;
static GHashTable *watches; /* id -> Watch */
static guint last_id;

static GIOCondition
condition_of(uint32_t events)
{
	return (events & EPOLLIN ? G_IO_IN : 0) | (events & EPOLLOUT ? G_IO_OUT : 0) |
	       (events & EPOLLPRI ? G_IO_PRI : 0) | (events & EPOLLHUP ? G_IO_HUP : 0) |
	       (events & EPOLLERR ? G_IO_ERR : 0);
}

static uint32_t
events_of(GIOCondition condition)
{
	return (condition & G_IO_IN ? EPOLLIN : 0) | (condition & G_IO_OUT ? EPOLLOUT : 0) |
	       (condition & G_IO_PRI ? EPOLLPRI : 0) | EPOLLONESHOT;
}

static int
arm(int op, guint id, const Watch *w)
{
	struct epoll_event ev = { .events = w->events, .data.u32 = id };

	return epoll_ctl(epoll_fd, op, w->fd, &ev) < 0 ? -errno : 0;
}

static gboolean
on_ready(int fd, GIOCondition condition, gpointer user_data)
{
	struct epoll_event events[64];
	int n = epoll_wait(epoll_fd, events, G_N_ELEMENTS(events), 0);

	for (int i = 0; i < n; i++) {
		gpointer key = GUINT_TO_POINTER(events[i].data.u32);
		/* Looked up for each event: an earlier callback may have ended it. */
		Watch *w = g_hash_table_lookup(watches, key);
		gboolean again;

		if (w == NULL)
			continue;
		again = w->func(w->fd, condition_of(events[i].events), w->user_data);
		/* Looked up again: the callback may have ended it itself. */
		w = g_hash_table_lookup(watches, key);
		if (w == NULL)
			continue;
		if (!again)
			g_hash_table_remove(watches, key); /* its entry stays disabled */
		else if (arm(EPOLL_CTL_MOD, events[i].data.u32, w) < 0)
			g_warning("Cannot watch fd %d again: %s", w->fd, g_strerror(errno));
	}
	return G_SOURCE_CONTINUE;
}

static void
ensure_set(void)
{
	if (epoll_fd >= 0)
		return;
	epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (epoll_fd < 0)
		g_error("Cannot create an epoll set: %s", g_strerror(errno));
	watches = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	(void)g_unix_fd_add(epoll_fd, G_IO_IN, on_ready, NULL);
}

/* A watch the set could not take (it does not happen with pidfds and sockets) still
 * works, as a source of its own. */
static gboolean
on_fallback(int fd, GIOCondition condition, gpointer user_data)
{
	Watch *w = g_hash_table_lookup(watches, user_data);

	if (w == NULL)
		return G_SOURCE_REMOVE;
	if (w->func(fd, condition, w->user_data) == G_SOURCE_CONTINUE)
		return G_SOURCE_CONTINUE;
	w = g_hash_table_lookup(watches, user_data);
	if (w != NULL) {
		w->source = 0; /* it ends by this return */
		g_hash_table_remove(watches, user_data);
	}
	return G_SOURCE_REMOVE;
}

guint
ocid_fd_watch_add(int fd, GIOCondition condition, GUnixFDSourceFunc func, gpointer user_data)
{
	Watch *w = g_new0(Watch, 1);
	int r;

	ensure_set();
	w->fd = fd;
	w->events = events_of(condition);
	w->func = func;
	w->user_data = user_data;
	do {
		last_id++;
	} while (last_id == 0 || g_hash_table_contains(watches, GUINT_TO_POINTER(last_id)));
	g_hash_table_insert(watches, GUINT_TO_POINTER(last_id), w);
	r = arm(EPOLL_CTL_ADD, last_id, w);
	/* The disabled entry of an earlier watch of this fd, still open: taken over. */
	if (r == -EEXIST)
		r = arm(EPOLL_CTL_MOD, last_id, w);
	if (r < 0) {
		g_warning("Cannot add fd %d to the epoll set: %s; it gets a source of its own", fd,
			  g_strerror(-r));
		w->source = g_unix_fd_add(fd, condition, on_fallback, GUINT_TO_POINTER(last_id));
	}
	return last_id;
}

void
ocid_fd_watch_remove(guint id)
{
	Watch *w = watches != NULL ? g_hash_table_lookup(watches, GUINT_TO_POINTER(id)) : NULL;

	g_return_if_fail(w != NULL);
	/* The caller still holds the fd (fd-watch.h): it is ours to delete. */
	if (w->source != 0)
		g_source_remove(w->source);
	else
		(void)epoll_ctl(epoll_fd, EPOLL_CTL_DEL, w->fd, NULL);
	g_hash_table_remove(watches, GUINT_TO_POINTER(id));
}
