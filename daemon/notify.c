/* Readiness through the container's own NOTIFY_SOCKET (notify.h). */
#define G_LOG_DOMAIN "ocid"

#include "notify.h"

#include "manager-private.h"

#include "errors.h"
#include "fd-watch.h"
#include "log.h"
#include "cleanup.h"
#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SOCKET_NAME "notify.sock"

/* At most this many datagrams are read per wake-up; the rest wait for the next one, so a
 * chatty container cannot hold the main loop. */
#define MESSAGES_PER_WAKEUP 16

static const char *const mode_names[] = {
	[OCID_NOTIFY_NONE] = "none",
	[OCID_NOTIFY_CONTAINER] = "container",
};

const char *
ocid_notify_mode_to_string(int mode)
{
	return mode >= 0 && mode < (int)G_N_ELEMENTS(mode_names) ? mode_names[mode] : "none";
}

gboolean
ocid_notify_mode_from_string(const char *s, int *out, GError **error)
{
	if (s == NULL || *s == '\0') {
		*out = OCID_NOTIFY_NONE;
		return TRUE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(mode_names); i++) {
		if (g_str_equal(s, mode_names[i])) {
			*out = (int)i;
			return TRUE;
		}
	}
	return ocid_error_set(error, OCID_ERROR_INVALID_ARGUMENT,
			      "Option 'notify' must be none or container, not '%s'", s);
}

void
ocid_notify_apply_spec(JsonNode *spec, const OcidContainer *c)
{
	JsonObject *root = json_node_get_object(spec);
	g_autoptr(GPtrArray) env = g_ptr_array_new();
	g_autofree char *dir = NULL;
	g_autofree char *source = NULL;
	JsonObject *mount;
	JsonArray *options;

	if (c->notify != OCID_NOTIFY_CONTAINER)
		return;
	dir = ocid_container_dir(c);
	source = g_build_filename(dir, "notify", NULL);
	if (!json_object_has_member(root, "mounts") ||
	    !JSON_NODE_HOLDS_ARRAY(json_object_get_member(root, "mounts")))
		json_object_set_array_member(root, "mounts", json_array_new());
	mount = json_object_new();
	options = json_array_new();
	json_object_set_string_member(mount, "destination", OCID_NOTIFY_DIR_IN_CONTAINER);
	json_object_set_string_member(mount, "type", "bind");
	json_object_set_string_member(mount, "source", source);
	for (const char *const *o =
		 (const char *const[]){ "bind", "rw", "nosuid", "nodev", "noexec", NULL };
	     *o != NULL; o++)
		json_array_add_string_element(options, *o);
	json_object_set_array_member(mount, "options", options);
	json_array_add_object_element(json_object_get_array_member(root, "mounts"), mount);
	g_ptr_array_add(env, "NOTIFY_SOCKET=" OCID_NOTIFY_SOCKET_IN_CONTAINER);
	ocid_spec_set_env(spec, env);
}

/* What one wake-up read: the last word on each key wins. */
typedef struct {
	gboolean ready;
	char *status; /* NULL: not said */
} Said;

static void
parse_message(char *text, Said *said)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (char **line = lines; *line != NULL; line++) {
		if (g_str_equal(*line, "READY=1")) {
			said->ready = TRUE;
		} else if (g_str_has_prefix(*line, "STATUS=")) {
			const char *value = *line + strlen("STATUS=");
			size_t len = strnlen(value, OCID_NOTIFY_STATUS_MAX);

			g_free(said->status);
			/* A property is UTF-8: what is not becomes U+FFFD. */
			said->status = g_utf8_make_valid(value, (gssize)len);
		}
	}
}

static void
apply(OcidContainer *c, Said *said)
{
	const char *props[3] = { NULL };
	guint n = 0;

	/* A stopped container's socket may still hold what it said last: that run is over. */
	if (!ocid_container_is_alive(c))
		return;
	if (said->status != NULL && g_strcmp0(said->status, c->status_text) != 0) {
		g_free(c->status_text);
		c->status_text = g_steal_pointer(&said->status);
		props[n++] = "StatusText";
	}
	if (said->ready && !c->ready) {
		g_autoptr(GError) error = NULL;

		c->ready = TRUE;
		props[n++] = "Ready";
		/* Only the change of Ready is written at once: a status alone, however often
		 * the container changes it, costs no write. */
		if (!ocid_manager_persist_container(c->manager, c, FALSE, &error))
			g_warning("Container %s: %s", c->id, error->message);
		ocid_log_container(c, G_LOG_LEVEL_MESSAGE, OCID_MESSAGE_READY,
				   "Container %s (%s) is ready%s%s", c->id, c->name,
				   c->status_text != NULL && *c->status_text != '\0' ? ": " : "",
				   c->status_text != NULL ? c->status_text : "");
	}
	if (n > 0)
		ocid_manager_container_changed(c->manager, c, props);
}

static gboolean
on_message(int fd, GIOCondition condition, gpointer user_data)
{
	OcidContainer *c = user_data;
	Said said = { 0 };

	for (guint i = 0; i < MESSAGES_PER_WAKEUP; i++) {
		char buf[4096];
		ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		/* A longer datagram is cut; what it says past 4 KiB is lost, as systemd's
		 * own reader drops it. */
		if ((size_t)n > sizeof buf - 1)
			n = sizeof buf - 1;
		buf[n] = '\0';
		parse_message(buf, &said);
	}
	apply(c, &said);
	g_free(said.status);
	return G_SOURCE_CONTINUE;
}

void
ocid_notify_close(OcidContainer *c)
{
	g_clear_handle_id(&c->notify_watch, ocid_fd_watch_remove);
	if (c->notify_fd >= 0)
		close(c->notify_fd);
	c->notify_fd = -1;
}

gboolean
ocid_notify_listen(OcidContainer *c, GError **error)
{
	g_autofree char *container_dir = NULL;
	g_autofree char *dir = NULL;
	_cleanup_close_ int dir_fd = -1;
	_cleanup_close_ int fd = -1;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if (c->notify != OCID_NOTIFY_CONTAINER)
		return TRUE;
	ocid_notify_close(c);
	container_dir = ocid_container_dir(c);
	dir = g_build_filename(container_dir, "notify", NULL);
	/* Only its own mode counts inside the container, where the bind mount begins: the
	 * container's user may enter it, and write to the socket only. */
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return ocid_error_set(error, OCID_ERROR_FAILED, "Cannot create %s: %s", dir,
				      g_strerror(errno));
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dir_fd < 0 || fchmod(dir_fd, 0755) < 0)
		return ocid_error_set(error, OCID_ERROR_FAILED, "Cannot open %s: %s", dir,
				      g_strerror(errno));
	/* Bound through the dir's fd: a state dir's full path may not fit in sun_path. */
	g_snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/" SOCKET_NAME, dir_fd);
	(void)unlinkat(dir_fd, SOCKET_NAME, 0);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
	    fchmodat(dir_fd, SOCKET_NAME, 0666, 0) < 0)
		return ocid_error_set(error, OCID_ERROR_FAILED,
				      "Cannot make the notify socket in %s: %s", dir,
				      g_strerror(errno));
	c->notify_fd = g_steal_fd(&fd);
	c->notify_watch = ocid_fd_watch_add(c->notify_fd, G_IO_IN, on_message, c);
	return TRUE;
}

void
ocid_notify_starting(OcidContainer *c)
{
	static const char *const props[] = { "Ready", "StatusText", NULL };

	if (c->notify != OCID_NOTIFY_CONTAINER || (!c->ready && c->status_text == NULL))
		return;
	c->ready = FALSE;
	g_clear_pointer(&c->status_text, g_free);
	ocid_manager_container_changed(c->manager, c, props);
}
