#include "persist.h"

#include "cleanup.h"
#include "common/fd-util.h"
#include "errors.h"
#include "ids.h"
#include "health.h"
#include "notify.h"
#include "json-text.h"
#include "restart.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_VERSION 1

static void
add_string(OcidJsonWriter *w, const char *key, const char *value)
{
	ocid_json_write_key(w, key);
	ocid_json_write_string(w, value);
}

static void
add_int(OcidJsonWriter *w, const char *key, gint64 value)
{
	ocid_json_write_key(w, key);
	ocid_json_write_int(w, value);
}

static void
add_bool(OcidJsonWriter *w, const char *key, gboolean value)
{
	ocid_json_write_key(w, key);
	ocid_json_write_bool(w, value);
}

static void
add_map(OcidJsonWriter *w, const char *key, GHashTable *map)
{
	GHashTableIter iter;
	gpointer k, v;

	ocid_json_write_key(w, key);
	ocid_json_write_begin(w, '{');
	if (map != NULL)
		g_hash_table_iter_init(&iter, map);
	while (map != NULL && g_hash_table_iter_next(&iter, &k, &v))
		add_string(w, k, v);
	ocid_json_write_end(w, '}');
}

static void
add_healthcheck(OcidJsonWriter *w, const OcidHealthConfig *h)
{
	ocid_json_write_key(w, "healthcheck");
	ocid_json_write_begin(w, '{');
	ocid_json_write_key(w, "cmd");
	ocid_json_write_begin(w, '[');
	for (char **arg = h->cmd; *arg != NULL; arg++)
		ocid_json_write_string(w, *arg);
	ocid_json_write_end(w, ']');
	add_int(w, "interval", (gint64)h->interval_sec);
	add_int(w, "timeout", (gint64)h->timeout_sec);
	add_int(w, "start_period", (gint64)h->start_period_sec);
	add_int(w, "retries", h->retries);
	add_string(w, "on_failure", ocid_health_on_failure_to_string(h->on_failure));
	ocid_json_write_end(w, '}');
}

char *
ocid_persist_to_json(const OcidContainer *c)
{
	GString *out = g_string_sized_new(1536);
	/* The same fields whether the container keeps them or derives them (container.h): a
	 * record stays what an older or newer ocid reads. */
	g_autofree char *log_path = ocid_container_log_path(c);
	g_autofree char *dir = ocid_container_dir(c);
	g_autofree char *cgroups_path = ocid_container_cgroups_path(c);
	OcidJsonWriter w;

	ocid_json_writer_init(&w, out);
	ocid_json_write_begin(&w, '{');
	add_int(&w, "version", STATE_VERSION);
	add_string(&w, "id", c->id);
	add_string(&w, "name", c->name);
	add_string(&w, "bundle_path", c->bundle_path);
	add_string(&w, "log_path", log_path);
	add_string(&w, "dir", dir);
	add_string(&w, "mount_point", c->mount_point);
	add_string(&w, "image", c->image);
	add_string(&w, "image_name", c->image_name);
	add_string(&w, "image_ref", c->image_ref);
	add_string(&w, "sandbox", c->sandbox);
	add_string(&w, "stop_signal", ocid_container_stop_signal(c));
	add_string(&w, "seccomp_profile_path", c->seccomp_profile_path);
	add_string(&w, "netns_path", c->netns_path);
	add_string(&w, "runtime_path", c->runtime_path);
	add_string(&w, "unit", c->unit);
	add_string(&w, "control_group", c->control_group);
	add_string(&w, "cgroups_path", cgroups_path);
	add_map(&w, "labels", c->labels);
	add_map(&w, "annotations", c->annotations);
	add_map(&w, "metadata", c->metadata);
	ocid_json_write_key(&w, "volumes");
	ocid_json_write_begin(&w, '[');
	for (guint i = 0; c->volumes != NULL && i < c->volumes->len; i++) {
		const OcidVolume *v = g_ptr_array_index(c->volumes, i);
		ocid_json_write_begin(&w, '{');
		add_string(&w, "container_path", v->container_path);
		add_string(&w, "host_path", v->host_path);
		add_bool(&w, "readonly", v->readonly);
		ocid_json_write_end(&w, '}');
	}
	ocid_json_write_end(&w, ']');
	add_bool(&w, "terminal", c->terminal);
	add_bool(&w, "stdin", c->stdin_open);
	add_bool(&w, "stdin_once", c->stdin_once);
	add_bool(&w, "privileged", c->privileged);
	add_bool(&w, "trusted", c->trusted);
	add_bool(&w, "fifo_start", c->fifo_start);
	if (c->log_owned >= 0)
		add_bool(&w, "log_owned", c->log_owned);
	add_int(&w, "owner_uid", (gint64)c->owner_uid);
	add_int(&w, "owner_gid", (gint64)c->owner_gid);
	add_bool(&w, "confined", c->confined);
	if (c->removing)
		add_bool(&w, "removing", c->removing);
	add_string(&w, "log_driver", ocid_log_driver_to_string(c->log_driver));
	add_bool(&w, "machined", c->machined);
	add_int(&w, "restart_policy", c->restart_policy);
	add_int(&w, "restart_max", c->restart_max);
	add_int(&w, "restart_count", c->restart_count);
	if (c->stopped_by_caller)
		add_bool(&w, "stopped_by_caller", c->stopped_by_caller);
	if (c->restart_pending) {
		add_bool(&w, "restart_pending", c->restart_pending);
		add_int(&w, "restart_due_usec", c->restart_due_usec);
	}
	if (c->restart_streak != 0)
		add_int(&w, "restart_streak", c->restart_streak);
	if (c->healthcheck != NULL)
		add_healthcheck(&w, c->healthcheck);
	add_int(&w, "health", c->health);
	add_int(&w, "health_failing_streak", c->health_failing_streak);
	if (c->notify != 0) {
		add_int(&w, "notify", c->notify);
		add_bool(&w, "ready", c->ready);
		add_string(&w, "status_text", c->status_text);
	}
	add_int(&w, "created_usec", (gint64)c->created_usec);
	add_string(&w, "state", ocid_container_state_to_string(c->state));
	add_int(&w, "pid", c->pid);
	add_int(&w, "exit_code", c->exit_code);
	add_bool(&w, "oom_killed", c->oom_killed);
	add_string(&w, "error", c->error);
	add_int(&w, "started_usec", (gint64)c->started_usec);
	add_int(&w, "finished_usec", (gint64)c->finished_usec);
	add_int(&w, "monitor_pid", c->monitor_pid);
	add_int(&w, "monitor_start_time", (gint64)c->monitor_identity.start_time);
	add_int(&w, "pid_start_time", (gint64)c->pid_identity.start_time);
	add_int(&w, "monitor_pidfd_inode", (gint64)c->monitor_identity.inode);
	add_int(&w, "pid_pidfd_inode", (gint64)c->pid_identity.inode);
	ocid_json_write_end(&w, '}');
	g_string_append_c(out, '\n');
	return g_string_free(out, FALSE);
}

/* state.json nests three levels at most: the top, a map or the volume list, a volume. */
#define STATE_MAX_DEPTH 3

typedef struct {
	const OcidJsonDoc *doc;
	const char *origin;
	GError **error;
	/* The top-level object is read in about the order it was written: each lookup
	 * starts after the previous one's find. */
	const OcidJsonNode *top;
	const OcidJsonNode *hint;
} Reader;

static const OcidJsonNode *
member(Reader *r, const OcidJsonNode *o, const char *key)
{
	if (o == r->top)
		return ocid_json_member_from(r->doc, o, key, &r->hint);
	return ocid_json_member(r->doc, o, key);
}

static gboolean
wrong_type(Reader *r, const char *key, const char *want, const OcidJsonNode *node)
{
	g_set_error(r->error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
		    "%s: member '%s' must be %s, not %s", r->origin, key, want,
		    ocid_json_kind_name(node->kind));
	return FALSE;
}

/* Typed readers: a member of the wrong type is an error, an absent one keeps the default. */
static gboolean
read_string(Reader *r, const OcidJsonNode *o, const char *key, char **out)
{
	const OcidJsonNode *node = member(r, o, key);

	if (node == NULL || node->kind == OCID_JSON_NULL)
		return TRUE;
	if (node->kind != OCID_JSON_STRING)
		return wrong_type(r, key, "a string", node);
	g_free(*out);
	*out = g_strdup(node->string);
	return TRUE;
}

static gboolean
read_int(Reader *r, const OcidJsonNode *o, const char *key, gint64 min, gint64 max, gint64 *out)
{
	const OcidJsonNode *node = member(r, o, key);

	if (node == NULL)
		return TRUE;
	if (node->kind != OCID_JSON_INTEGER)
		return wrong_type(r, key, "an integer", node);
	if (node->integer < min || node->integer > max) {
		g_set_error(r->error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "%s: member '%s' is out of range", r->origin, key);
		return FALSE;
	}
	*out = node->integer;
	return TRUE;
}

static gboolean
read_bool(Reader *r, const OcidJsonNode *o, const char *key, int *out)
{
	const OcidJsonNode *node = member(r, o, key);

	if (node == NULL)
		return TRUE;
	if (node->kind != OCID_JSON_TRUE && node->kind != OCID_JSON_FALSE)
		return wrong_type(r, key, "true or false", node);
	*out = node->kind == OCID_JSON_TRUE;
	return TRUE;
}

static gboolean
read_map(Reader *r, const OcidJsonNode *o, const char *key, GHashTable **map)
{
	const OcidJsonNode *node = member(r, o, key);

	if (node == NULL || node->kind == OCID_JSON_NULL)
		return TRUE;
	if (node->kind != OCID_JSON_OBJECT)
		return wrong_type(r, key, "an object of strings", node);
	for (const OcidJsonNode *m = ocid_json_first(r->doc, node); m != NULL;
	     m = ocid_json_next(r->doc, m)) {
		if (m->kind != OCID_JSON_STRING) {
			g_set_error(r->error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
				    "%s: '%s.%s' must be a string", r->origin, key, m->key);
			return FALSE;
		}
		g_hash_table_replace(ocid_string_map_ensure(map), g_strdup(m->key),
				     g_strdup(m->string));
	}
	return TRUE;
}

static gboolean
read_volumes(Reader *r, const OcidJsonNode *o, GPtrArray **volumes)
{
	const OcidJsonNode *node = member(r, o, "volumes");

	if (node == NULL || node->kind == OCID_JSON_NULL)
		return TRUE;
	if (node->kind != OCID_JSON_ARRAY)
		goto bad;
	for (const OcidJsonNode *e = ocid_json_first(r->doc, node); e != NULL;
	     e = ocid_json_next(r->doc, e)) {
		g_autoptr(OcidVolume) volume = g_new0(OcidVolume, 1);

		if (e->kind != OCID_JSON_OBJECT)
			goto bad;
		if (!read_string(r, e, "container_path", &volume->container_path) ||
		    !read_string(r, e, "host_path", &volume->host_path) ||
		    !read_bool(r, e, "readonly", &volume->readonly))
			return FALSE;
		if (volume->container_path == NULL || volume->host_path == NULL)
			goto bad;
		g_ptr_array_add(ocid_ptr_array_ensure(volumes, (GDestroyNotify)ocid_volume_free),
				g_steal_pointer(&volume));
	}
	return TRUE;
bad:
	g_set_error(r->error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
		    "%s: member 'volumes' must be a list of {container_path, host_path, readonly}",
		    r->origin);
	return FALSE;
}

static gboolean
read_healthcheck(Reader *r, const OcidJsonNode *o, OcidHealthConfig **out)
{
	const OcidJsonNode *node = member(r, o, "healthcheck");
	const OcidJsonNode *cmd;
	g_autoptr(OcidHealthConfig) h = NULL;
	g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
	gint64 n;

	if (node == NULL || node->kind == OCID_JSON_NULL)
		return TRUE;
	if (node->kind != OCID_JSON_OBJECT)
		goto bad;
	h = ocid_health_config_new();
	cmd = member(r, node, "cmd");
	if (cmd == NULL || cmd->kind != OCID_JSON_ARRAY)
		goto bad;
	for (const OcidJsonNode *e = ocid_json_first(r->doc, cmd); e != NULL;
	     e = ocid_json_next(r->doc, e)) {
		if (e->kind != OCID_JSON_STRING)
			goto bad;
		g_ptr_array_add(args, g_strdup(e->string));
	}
	g_ptr_array_add(args, NULL);
	h->cmd = (char **)g_ptr_array_free(g_steal_pointer(&args), FALSE);
#define HEALTH_INT(key, field, max)                                                                \
	n = 0;                                                                                     \
	if (!read_int(r, node, key, 0, max, &n))                                                   \
		return FALSE;                                                                      \
	h->field = (__typeof__(h->field))n
	HEALTH_INT("interval", interval_sec, G_MAXUINT32);
	HEALTH_INT("timeout", timeout_sec, G_MAXUINT32);
	HEALTH_INT("start_period", start_period_sec, G_MAXUINT32);
	HEALTH_INT("retries", retries, G_MAXUINT32);
#undef HEALTH_INT
	if (!read_string(r, node, "on_failure", &h->on_failure_name))
		return FALSE;
	/* Checked as at create: a record edited by hand is refused, not half run. */
	if (!ocid_health_config_check(h, r->error))
		return FALSE;
	*out = g_steal_pointer(&h);
	return TRUE;
bad:
	g_set_error(r->error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
		    "%s: member 'healthcheck' must be an object with a list of strings 'cmd'",
		    r->origin);
	return FALSE;
}

OcidContainer *
ocid_persist_from_json(const char *data, gsize len, const char *origin, GError **error)
{
	g_autoptr(GError) parse_error = NULL;
	g_autoptr(OcidJsonDoc) doc = NULL;
	g_autoptr(OcidContainer) c = NULL;
	g_autofree char *id = NULL;
	g_autofree char *name = NULL;
	g_autofree char *state = NULL;
	g_autofree char *log_driver = NULL;
	g_autofree char *runtime_path = NULL;
	const OcidJsonNode *o;
	gint64 number = 0;
	Reader r = { .origin = origin, .error = error };

	doc = ocid_json_doc_parse(data, len, STATE_MAX_DEPTH, &parse_error);
	if (doc == NULL) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "%s: not valid JSON: %s", origin, parse_error->message);
		return NULL;
	}
	r.doc = doc;
	o = r.top = ocid_json_doc_root(doc);
	if (o->kind != OCID_JSON_OBJECT) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "%s: the top level must be an object", origin);
		return NULL;
	}
	if (!read_int(&r, o, "version", STATE_VERSION, STATE_VERSION, &number))
		return NULL;
	if (!read_string(&r, o, "id", &id) || !read_string(&r, o, "name", &name) ||
	    !read_string(&r, o, "state", &state))
		return NULL;
	if (!ocid_id_is_valid(id) || !ocid_id_is_valid(name)) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "%s: missing or invalid 'id' or 'name'", origin);
		return NULL;
	}
	c = ocid_container_new(id, name);
	/* "creating": a create that a crash interrupted, which restore takes down. */
	if (g_strcmp0(state, "creating") == 0) {
		c->state = OCID_STATE_CREATING;
	} else if (!ocid_container_state_from_string(state, &c->state)) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "%s: 'state' must be creating, created, running, paused or stopped",
			    origin);
		return NULL;
	}

#define STR(key, field)                                                                            \
	if (!read_string(&r, o, key, &c->field))                                                   \
	return NULL
	STR("bundle_path", bundle_path);
	STR("log_path", log_path);
	STR("dir", dir);
	STR("mount_point", mount_point);
	STR("image", image);
	STR("image_name", image_name);
	STR("image_ref", image_ref);
	STR("sandbox", sandbox);
	STR("stop_signal", stop_signal);
	STR("seccomp_profile_path", seccomp_profile_path);
	STR("netns_path", netns_path);
	STR("unit", unit);
	STR("control_group", control_group);
	STR("cgroups_path", cgroups_path);
	STR("error", error);
	STR("status_text", status_text);
#undef STR
	if (!read_string(&r, o, "runtime_path", &runtime_path))
		return NULL;
	if (runtime_path != NULL)
		ocid_container_set_runtime_path(c, runtime_path);

	if (!read_map(&r, o, "labels", &c->labels) ||
	    !read_map(&r, o, "annotations", &c->annotations) ||
	    !read_map(&r, o, "metadata", &c->metadata) || !read_volumes(&r, o, &c->volumes) ||
	    !read_healthcheck(&r, o, &c->healthcheck))
		return NULL;
	if (!read_bool(&r, o, "terminal", &c->terminal) ||
	    !read_bool(&r, o, "stdin", &c->stdin_open) ||
	    !read_bool(&r, o, "stdin_once", &c->stdin_once) ||
	    !read_bool(&r, o, "privileged", &c->privileged) ||
	    !read_bool(&r, o, "trusted", &c->trusted) ||
	    !read_bool(&r, o, "confined", &c->confined) ||
	    !read_bool(&r, o, "machined", &c->machined) || !read_bool(&r, o, "ready", &c->ready) ||
	    !read_bool(&r, o, "oom_killed", &c->oom_killed))
		return NULL;
		/* The flags the container keeps in bits or a byte. */
#define BIT(key, field)                                                                            \
	do {                                                                                       \
		int value = c->field;                                                              \
		if (!read_bool(&r, o, key, &value))                                                \
			return NULL;                                                               \
		c->field = value;                                                                  \
	} while (0)
	BIT("fifo_start", fifo_start);
	BIT("removing", removing);
	BIT("stopped_by_caller", stopped_by_caller);
	BIT("restart_pending", restart_pending);
	BIT("log_owned", log_owned);
#undef BIT

	/* A state.json from before log drivers has none: its log is a file. */
	if (!read_string(&r, o, "log_driver", &log_driver))
		return NULL;
	if (log_driver != NULL) {
		OcidLogDriver driver;

		if (!ocid_log_driver_from_string(log_driver, &driver)) {
			g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
				    "%s: 'log_driver' must be k8s-file or journald", origin);
			return NULL;
		}
		c->log_driver = driver;
	}

#define INT(key, field, min, max)                                                                  \
	number = (gint64)c->field;                                                                 \
	if (!read_int(&r, o, key, min, max, &number))                                              \
		return NULL;                                                                       \
	c->field = (__typeof__(c->field))number
	INT("created_usec", created_usec, 0, G_MAXINT64);
	INT("restart_policy", restart_policy, 0, OCID_RESTART_UNLESS_STOPPED);
	INT("restart_max", restart_max, 0, G_MAXUINT32);
	INT("restart_count", restart_count, 0, G_MAXUINT32);
	INT("restart_streak", restart_streak, 0, G_MAXUINT32);
	INT("restart_due_usec", restart_due_usec, 0, G_MAXINT64);
	INT("health", health, 0, OCID_HEALTH_UNHEALTHY);
	INT("health_failing_streak", health_failing_streak, 0, G_MAXUINT32);
	INT("notify", notify, 0, OCID_NOTIFY_CONTAINER);
	INT("started_usec", started_usec, 0, G_MAXINT64);
	INT("finished_usec", finished_usec, 0, G_MAXINT64);
	INT("pid", pid, 0, G_MAXINT32);
	INT("exit_code", exit_code, G_MININT32, G_MAXINT32);
	INT("monitor_pid", monitor_pid, 0, G_MAXINT32);
	INT("monitor_start_time", monitor_identity.start_time, 0, G_MAXINT64);
	INT("pid_start_time", pid_identity.start_time, 0, G_MAXINT64);
	INT("monitor_pidfd_inode", monitor_identity.inode, 0, G_MAXINT64);
	INT("pid_pidfd_inode", pid_identity.inode, 0, G_MAXINT64);
	/* (uid_t)-1 is nobody's: no container is owned by it. */
	INT("owner_uid", owner_uid, 0, G_MAXUINT32 - 1);
	INT("owner_gid", owner_gid, 0, G_MAXUINT32 - 1);
#undef INT

	if (c->dir == NULL || c->bundle_path == NULL) {
		g_set_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT,
			    "%s: missing 'dir' or 'bundle_path'", origin);
		return NULL;
	}
	return g_steal_pointer(&c);
}

/* How a write puts its file in place. */
typedef enum {
	PLACE_RENAME,   /* written beside, renamed over the old file */
	PLACE_EXCHANGE, /* written beside, exchanged with the old file (write_file) */
} Placing;

/* Renaming a new file over the old one frees the old inode, and each write takes a new
 * one. On ext4 without a journal the allocator skips every inode freed in the last minute
 * or five, one buffer lookup each: with a few thousand freed, some 0.5 ms of the daemon's
 * time a file. An exchange keeps both inodes: the new record goes into <path>.tmp, which
 * holds the one before it, and the two swap names at once. A reader sees the old record or
 * the new one whole, as with a rename; <path>.tmp goes with the dir. */
static int
place(const char *tmp, const char *path, Placing placing)
{
	if (placing == PLACE_EXCHANGE &&
	    renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0)
		return 0;
	/* No old file yet (ENOENT), or a filesystem without exchange (EINVAL). */
	if (placing == PLACE_EXCHANGE && errno != ENOENT && errno != EINVAL)
		return -1;
	return rename(tmp, path);
}

static gboolean
write_file(const char *path, const char *data, gsize len, int mode, gboolean durable,
	   Placing placing, GError **error)
{
	g_autofree char *tmp = g_strdup_printf("%s.tmp", path);
	g_autofree char *dirname = g_path_get_dirname(path);
	_cleanup_close_ int fd = -1;
	_cleanup_close_ int dirfd = -1;
	int r;

	/* Written over and cut to its length, not truncated first: a record of under a block
	 * keeps its block, which a truncate would free (a discard on a disk mounted so). */
	fd = open(tmp, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		goto fail;
	r = fd_write_all(fd, data, len);
	if (r < 0) {
		errno = -r;
		goto fail;
	}
	if (ftruncate(fd, (off_t)len) < 0)
		goto fail;
	if (durable && fsync(fd) < 0)
		goto fail;
	if (place(tmp, path, placing) < 0)
		goto fail;
	if (!durable)
		return TRUE;
	dirfd = open(dirname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd >= 0)
		(void)fsync(dirfd);
	return TRUE;
fail : {
	int saved_errno = errno;
	if (placing != PLACE_EXCHANGE)
		(void)unlink(tmp);
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved_errno), "Cannot write %s: %s",
		    path, g_strerror(saved_errno));
	return FALSE;
}
}

gboolean
ocid_write_file_atomic(const char *path, const char *data, gsize len, int mode, GError **error)
{
	return write_file(path, data, len, mode, TRUE, PLACE_RENAME, error);
}

gboolean
ocid_write_file_replace(const char *path, const char *data, gsize len, int mode, GError **error)
{
	return write_file(path, data, len, mode, FALSE, PLACE_RENAME, error);
}

gboolean
ocid_persist_save(OcidContainer *container, gboolean durable, GError **error)
{
	g_autofree char *json = ocid_persist_to_json(container);

	g_autofree char *state_path = ocid_container_state_path(container);

	return write_file(state_path, json, strlen(json), 0600, durable, PLACE_EXCHANGE, error);
}

/* A state.json is some 1.5 KiB: a restart reads one per container with one read into the
 * stack, without the fstat and the copy of g_file_get_contents(). A read of a regular
 * file returns less than asked only at its end. */
#define STATE_READ_AT_ONCE 8192

OcidContainer *
ocid_persist_load(const char *path, GError **error)
{
	return ocid_persist_load_at(AT_FDCWD, path, path, error);
}

OcidContainer *
ocid_persist_load_at(int dir_fd, const char *name, const char *path, GError **error)
{
	char buf[STATE_READ_AT_ONCE];
	g_autofree char *data = NULL;
	_cleanup_close_ int fd = -1;
	gsize len = 0;
	ssize_t n = -1;
	OcidContainer *c;

	fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		do
			n = read(fd, buf, sizeof buf);
		while (n < 0 && errno == EINTR);
	}
	if (n < 0) {
		int saved_errno = errno;

		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved_errno),
			    "Cannot read %s: %s", path, g_strerror(saved_errno));
		return NULL;
	}
	if ((gsize)n < sizeof buf) {
		c = ocid_persist_from_json(buf, (gsize)n, path, error);
	} else {
		if (!g_file_get_contents(path, &data, &len, error))
			return NULL;
		c = ocid_persist_from_json(data, len, path, error);
	}
	/* Its dir is where its record is, should the record say otherwise (a state_dir moved
	 * with its contents): its records go on where this one came from. */
	if (c != NULL) {
		g_free(c->dir);
		c->dir = g_path_get_dirname(path);
	}
	return c;
}
