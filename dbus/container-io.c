#define G_LOG_DOMAIN "ocid"

#include "container-io.h"

#include "bus-dict.h"
#include "bus-errors.h"
#include "polkit.h"

#include "../daemon/cleanup.h"
#include "../daemon/container-log.h"
#include "../daemon/errors.h"
#include "../daemon/journal-log.h"
#include "../daemon/statistics.h"

#include "common/monitor-protocol.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

/* What the D-Bus face has in flight for one container, kept on the container
 * (OcidContainer.calls) rather than in tables keyed by id: its pending Waits, its log
 * followers, its Exec processes' objects. It goes with the container: a stop answers the
 * Waits and ends the followers, a removal ends everything. */
struct OcidContainerCalls {
	GPtrArray *waits;     /* pending Wait calls (sd_bus_message) */
	GPtrArray *followers; /* Follower */
	GPtrArray *processes; /* OcidProcessObject, owned by the service's path index */
};

/* A follower of the container's log, a file's or (journald log driver) a journal reader;
 * it never outlives the container (a removal frees it). */
typedef struct {
	OcidContainer *container;
	OcidLogFollow *follow;
	OcidJournalFollow *journal;
	OcidBusService *service; /* whose count of journal readers it is in */
} Follower;

static void
follower_free(Follower *f)
{
	ocid_log_follow_free(f->follow);
	if (f->journal != NULL) {
		ocid_journal_follow_free(f->journal);
		f->service->journal_readers--;
	}
	g_free(f);
}

static void
follower_finish(Follower *f)
{
	if (f->journal != NULL)
		ocid_journal_follow_finish(f->journal);
	else
		ocid_log_follow_finish(f->follow);
}

/* The pointers of @array, owning nothing (g_ptr_array_copy would take its free function). */
static GPtrArray *
shallow_copy(GPtrArray *array)
{
	GPtrArray *copy = g_ptr_array_sized_new(array->len);

	for (guint i = 0; i < array->len; i++)
		g_ptr_array_add(copy, array->pdata[i]);
	return copy;
}

static OcidContainerCalls *
calls_of(OcidContainer *c)
{
	if (c->calls == NULL) {
		c->calls = g_new0(OcidContainerCalls, 1);
		c->calls->waits = g_ptr_array_new_with_free_func(ocid_bus_message_release);
		c->calls->followers = g_ptr_array_new_with_free_func((GDestroyNotify)follower_free);
		c->calls->processes = g_ptr_array_new();
	}
	return c->calls;
}

static void
calls_free(OcidContainer *c)
{
	OcidContainerCalls *calls = g_steal_pointer(&c->calls);

	if (calls == NULL)
		return;
	g_ptr_array_unref(calls->waits);
	g_ptr_array_unref(calls->followers);
	g_ptr_array_unref(calls->processes);
	g_free(calls);
}

static void
on_follower_closed(Follower *f)
{
	g_ptr_array_remove_fast(f->container->calls->followers, f);
}

static void
on_follow_closed(OcidLogFollow *follow, gpointer user_data)
{
	on_follower_closed(user_data);
}

static void
on_journal_closed(OcidJournalFollow *journal, gpointer user_data)
{
	on_follower_closed(user_data);
}

void
ocid_container_calls_add_process(OcidContainer *c, OcidProcessObject *p)
{
	g_ptr_array_add(calls_of(c)->processes, p);
}

GPtrArray *
ocid_container_calls_processes(OcidContainer *c)
{
	return c->calls != NULL ? shallow_copy(c->calls->processes) : NULL;
}

void
ocid_container_calls_remove_process(OcidContainer *c, OcidProcessObject *p)
{
	if (c->calls != NULL)
		g_ptr_array_remove_fast(c->calls->processes, p);
}

/* ---- OpenLog ------------------------------------------------------------------------ */

typedef struct {
	gboolean follow;
	gboolean has_tail;
	guint64 tail;
} LogOptions;

static const char *
log_option_signature(const char *key, void *data)
{
	if (g_str_equal(key, "tail"))
		return "t";
	if (g_str_equal(key, "follow"))
		return "b";
	return NULL;
}

static int
read_log_option(sd_bus_message *m, const char *key, void *data, sd_bus_error *error)
{
	LogOptions *o = data;
	int follow = 0;
	int r;

	if (g_str_equal(key, "tail")) {
		o->has_tail = TRUE;
		return sd_bus_message_read(m, "t", &o->tail);
	}
	r = sd_bus_message_read(m, "b", &follow);
	o->follow = follow;
	return r;
}

static const OcidBusDictReader log_reader = {
	.what = "option",
	.known = "use tail (t) or follow (b)",
	.signature_of = log_option_signature,
	.read = read_log_option,
};

/* An OpenLog in flight: the open and the tail search run in a worker thread (a tail on a
 * huge log would hold up every other caller), the reply is sent from the main loop. */
typedef struct {
	OcidBusService *service;
	sd_bus_message *call;
	guint64 serial;
	OcidLogOpen *request;
	int fd;
	int dir_fd;
} OpenLogCall;

static void
open_log_call_free(OpenLogCall *call)
{
	sd_bus_message_unref(call->call);
	ocid_log_open_free(call->request);
	closep(&call->fd);
	closep(&call->dir_fd);
	g_free(call);
}

static void
open_log_in_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	OpenLogCall *call = data;
	GError *error = NULL;

	call->fd = ocid_container_log_open(call->request, &call->dir_fd, &error);
	if (call->fd < 0)
		g_task_return_error(task, error);
	else
		g_task_return_boolean(task, TRUE);
}

static int
reply_log(OpenLogCall *call, GError **error)
{
	OcidBusService *service = call->service;
	OcidContainer *c = ocid_manager_lookup(service->manager, call->request->id);
	g_autofree char *name = NULL;
	_cleanup_close_ int reader = -1;
	Follower *f;

	/* Deleted meanwhile, or deleted and made again under the same id. */
	if (c == NULL || c->serial != call->serial || !g_str_equal(c->id, call->request->id)) {
		ocid_error_set(error, OCID_ERROR_NO_SUCH_CONTAINER,
			       "Container %s was deleted while its log was being opened",
			       call->request->id);
		return -1;
	}
	if (!call->request->follow)
		return sd_bus_reply_method_return(call->call, "h", call->fd);

	name = g_path_get_basename(call->request->path);
	f = g_new0(Follower, 1);
	f->container = c;
	f->follow = ocid_log_follow_new(name, steal_fd(&call->dir_fd), steal_fd(&call->fd),
					call->request->as_owner, call->request->owner_uid,
					on_follow_closed, f, &reader, error);
	if (f->follow == NULL) {
		follower_free(f);
		return -1;
	}
	g_ptr_array_add(calls_of(c)->followers, f);
	/* Already over: the reader gets what there is, then EOF. */
	if (c->state == OCID_STATE_STOPPED)
		ocid_log_follow_finish(f->follow);
	return sd_bus_reply_method_return(call->call, "h", reader);
}

static void
on_log_opened(GObject *source, GAsyncResult *result, gpointer user_data)
{
	OpenLogCall *call = g_task_get_task_data(G_TASK(result));
	g_autoptr(GError) error = NULL;
	int r;

	if (!g_task_propagate_boolean(G_TASK(result), &error)) {
		(void)ocid_bus_reply_gerror(call->call, error);
		return;
	}
	r = reply_log(call, &error);
	if (error != NULL)
		(void)ocid_bus_reply_gerror(call->call, error);
	else if (r < 0)
		g_debug("Cannot answer OpenLog for container %s: %s", call->request->id,
			g_strerror(-r));
}

/* The journald driver's log: a journal reader in a thread of its own, which opens the
 * journal itself, so the reply goes at once. */
static int
open_journal_log(sd_bus_message *m, OcidContainer *c, OcidLogOpen *request, sd_bus_error *error)
{
	OcidBusService *service = ocid_bus_service_of(c);
	g_autoptr(GError) local_error = NULL;
	_cleanup_close_ int reader = -1;
	Follower *f;

	if (service->journal_readers >= OCID_JOURNAL_READERS_MAX)
		return sd_bus_error_setf(error, ocid_error_dbus_name(OCID_ERROR_INVALID_ARGUMENT),
					 "%u logs are being read from the journal already, the "
					 "most ocid serves at once; close one and try again",
					 service->journal_readers);
	f = g_new0(Follower, 1);
	f->container = c;
	f->service = service;
	f->journal = ocid_journal_follow_new(request, on_journal_closed, f, &reader, &local_error);
	if (f->journal == NULL) {
		g_free(f);
		return ocid_bus_error_from_gerror(error, local_error);
	}
	service->journal_readers++;
	g_ptr_array_add(calls_of(c)->followers, f);
	if (c->state == OCID_STATE_STOPPED)
		follower_finish(f);
	return sd_bus_reply_method_return(m, "h", reader);
}

int
ocid_container_io_open_log(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	OcidContainer *c = userdata;
	g_autoptr(GTask) task = NULL;
	LogOptions options = { 0 };
	OpenLogCall *call;
	int r;

	r = ocid_polkit_verify_container(c, m, OCID_ACTION_LOGS, "logs", error);
	if (r < 0)
		return r;
	if (r == 0)
		return 1; /* polkit is asked; sd-bus calls again with its answer */
	r = ocid_bus_read_dict(m, &log_reader, &options, error);
	if (r < 0)
		return r;
	if (c->log_driver == OCID_LOG_DRIVER_JOURNALD) {
		g_autoptr(OcidLogOpen) request =
		    ocid_log_open_new(c, options.has_tail, options.tail, options.follow);

		return open_journal_log(m, c, request, error);
	}
	call = g_new0(OpenLogCall, 1);
	call->service = ocid_bus_service_of(c);
	call->call = sd_bus_message_ref(m);
	call->serial = c->serial;
	call->request = ocid_log_open_new(c, options.has_tail, options.tail, options.follow);
	call->fd = -1;
	call->dir_fd = -1;
	task = g_task_new(NULL, NULL, on_log_opened, NULL);
	g_task_set_task_data(task, call, (GDestroyNotify)open_log_call_free);
	g_task_run_in_thread(task, open_log_in_thread);
	return 1;
}

/* ---- Attach, ResizeTerminal ----------------------------------------------------------- */

static char *
attach_path(OcidContainer *c)
{
	const OcidConfig *config = ocid_manager_get_config(c->manager);

	return g_strdup_printf("%s/attach/%s", config->run_dir, c->id);
}

/* A unix socket @path of the monitor's, of @type; connected for a stream. */
static int
connect_monitor(const char *path, int type, GError **error)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;

	if (strlen(path) >= sizeof addr.sun_path) {
		ocid_error_set(error, OCID_ERROR_INVALID_STATE, "%s is too long for a socket",
			       path);
		return -1;
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		ocid_error_set(error, OCID_ERROR_INVALID_STATE,
			       "Cannot reach the container's monitor at %s: %s", path,
			       g_strerror(errno));
		return -1;
	}
	return steal_fd(&fd);
}

static gboolean
check_live(OcidContainer *c, const char *what, GError **error)
{
	if (c->state == OCID_STATE_RUNNING || c->state == OCID_STATE_PAUSED ||
	    c->state == OCID_STATE_CREATED)
		return TRUE;
	return ocid_error_set(error, OCID_ERROR_INVALID_STATE,
			      "Container %s is %s; %s needs a created, running or paused one",
			      c->id, ocid_container_state_to_string(c->state), what);
}

static const char *
no_option_signature(const char *key, void *data)
{
	return NULL;
}

static const OcidBusDictReader attach_reader = {
	.what = "option",
	.known = "Attach takes no options yet",
	.signature_of = no_option_signature,
};

int
ocid_container_io_attach(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	OcidContainer *c = userdata;
	g_autoptr(GError) local_error = NULL;
	g_autofree char *path = attach_path(c);
	_cleanup_close_ int fd = -1;
	int r;

	r = ocid_polkit_verify_container(c, m, OCID_ACTION_ATTACH, "attach", error);
	if (r < 0)
		return r;
	if (r == 0)
		return 1; /* polkit is asked; sd-bus calls again with its answer */
	r = ocid_bus_read_dict(m, &attach_reader, NULL, error);
	if (r < 0)
		return r;
	if (!check_live(c, "Attach", &local_error))
		return ocid_bus_error_from_gerror(error, local_error);
	fd = connect_monitor(path, SOCK_STREAM, &local_error);
	if (fd < 0)
		return ocid_bus_error_from_gerror(error, local_error);
	return sd_bus_reply_method_return(m, "h", fd);
}

int
ocid_container_io_resize(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	OcidContainer *c = userdata;
	g_autoptr(GError) local_error = NULL;
	g_autofree char *base = attach_path(c);
	g_autofree char *path = g_strconcat(base, MONITOR_RESIZE_SUFFIX, NULL);
	char message[64];
	uint32_t rows, cols;
	_cleanup_close_ int fd = -1;
	int len;
	int r;

	r = ocid_polkit_verify_container(c, m, OCID_ACTION_ATTACH, "resize", error);
	if (r < 0)
		return r;
	if (r == 0)
		return 1; /* polkit is asked; sd-bus calls again with its answer */
	r = sd_bus_message_read(m, "uu", &rows, &cols);
	if (r < 0)
		return r;
	len = monitor_control_format_resize(message, sizeof message, rows, cols);
	if (len < 0)
		return ocid_bus_error_invalid(error, "rows and cols must be 1-65535, not %u and %u",
					      rows, cols);
	if (!c->terminal)
		return ocid_bus_error_invalid(error, "Container %s has no terminal to resize",
					      c->id);
	if (!check_live(c, "ResizeTerminal", &local_error))
		return ocid_bus_error_from_gerror(error, local_error);
	fd = connect_monitor(path, SOCK_DGRAM, &local_error);
	if (fd < 0)
		return ocid_bus_error_from_gerror(error, local_error);
	if (send(fd, message, (size_t)len, MSG_NOSIGNAL) != len)
		return sd_bus_error_set_errnof(error, errno, "Cannot send the size to the monitor");
	return sd_bus_reply_method_return(m, NULL);
}

/* ---- Wait, GetStatistics -------------------------------------------------------------- */

static int
reply_exit(sd_bus_message *m, const OcidContainer *c)
{
	return sd_bus_reply_method_return(m, "ib", (int32_t)c->exit_code, (int)c->oom_killed);
}

int
ocid_container_io_wait(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	OcidContainer *c = userdata;

	if (c->state == OCID_STATE_STOPPED)
		return reply_exit(m, c);
	g_ptr_array_add(calls_of(c)->waits, sd_bus_message_ref(m));
	return 1;
}

static int
append_stat(sd_bus_message *reply, const char *key, uint64_t value)
{
	return sd_bus_message_append(reply, "{sv}", key, "t", value);
}

int
ocid_container_io_statistics(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	OcidContainer *c = userdata;
	g_autoptr(GError) local_error = NULL;
	g_autoptr(sd_bus_message) reply = NULL;
	OcidStatistics stats;
	int r;

	if (!ocid_statistics_read(c, &stats, &local_error))
		return ocid_bus_error_from_gerror(error, local_error);
	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', "{sv}");
	if (r >= 0)
		r = append_stat(reply, "memory_current", stats.memory_current);
	if (r >= 0 && stats.has_memory_peak)
		r = append_stat(reply, "memory_peak", stats.memory_peak);
	if (r >= 0)
		r = append_stat(reply, "cpu_usage_usec", stats.cpu_usage_usec);
	if (r >= 0)
		r = append_stat(reply, "pids_current", stats.pids_current);
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r < 0)
		return r;
	return sd_bus_send(NULL, reply, NULL);
}

/* ---- the container's changes ---------------------------------------------------------- */

static void
finish_followers(OcidContainer *c)
{
	/* A finishing follower may end, and leave the array, at once. */
	g_autoptr(GPtrArray) all = shallow_copy(c->calls->followers);

	for (guint i = 0; i < all->len; i++)
		follower_finish(all->pdata[i]);
}

void
ocid_container_io_changed(OcidBusService *service, OcidContainer *c, const char *const *properties)
{
	g_autoptr(GPtrArray) waits = NULL;

	if (c->calls == NULL || c->state != OCID_STATE_STOPPED ||
	    !g_strv_contains(properties, "State"))
		return;
	waits = g_steal_pointer(&c->calls->waits);
	c->calls->waits = g_ptr_array_new_with_free_func(ocid_bus_message_release);
	for (guint i = 0; i < waits->len; i++)
		(void)reply_exit(waits->pdata[i], c);
	finish_followers(c);
}

void
ocid_container_io_removed(OcidBusService *service, OcidContainer *c)
{
	if (c->calls == NULL)
		return;
	for (guint i = 0; i < c->calls->waits->len; i++)
		(void)sd_bus_reply_method_errorf(
		    c->calls->waits->pdata[i], ocid_error_dbus_name(OCID_ERROR_NO_SUCH_CONTAINER),
		    "Container %s was deleted before it stopped", c->id);
	/* Its processes' objects went first (process-object.c); what its followers had not
	 * copied yet goes with it. */
	calls_free(c);
}

void
ocid_container_io_clear(OcidBusService *service)
{
	g_autoptr(GPtrArray) all = ocid_manager_list(service->manager, NULL);

	for (guint i = 0; i < all->len; i++)
		calls_free(all->pdata[i]);
}
