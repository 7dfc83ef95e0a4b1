#define G_LOG_DOMAIN "ocid"

#include "exec-session.h"

#include "cleanup.h"
#include "errors.h"
#include "manager-private.h"
#include "monitor-spawn.h"

#include "common/monitor-protocol.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>

struct OcidExecSession {
	OcidMonitorSpawn *spawn;
	char *dir;
	gboolean tty;
	int client_fd;
	int control_fd;
	guint control_watch;
	pid_t pid;
	gboolean started;
	gboolean exited;
	gboolean answered; /* the spawn's callback ran: it is freed from an idle */
	int exit_code;
	OcidExecSessionFunc started_func;
	OcidExecSessionFunc exited_func;
	gpointer user_data;
};

/* The container's process with the caller's command, environment, cwd and terminal. */
static gboolean
write_process_json(const OcidContainer *c, const char *const *argv, const OcidExecOptions *options,
		   const char *path, GError **error)
{
	g_autofree char *dir = ocid_container_dir(c);
	g_autofree char *config = g_build_filename(dir, "config.json", NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(JsonGenerator) generator = json_generator_new();
	g_autoptr(JsonNode) process = NULL;
	g_autofree char *text = NULL;
	JsonObject *root, *p;
	JsonArray *args, *env;
	JsonArray *old_env;

	if (!json_parser_load_from_mapped_file(parser, config, error))
		return FALSE;
	root = json_node_get_object(json_parser_get_root(parser));
	if (root == NULL || !json_object_has_member(root, "process") ||
	    json_object_get_object_member(root, "process") == NULL)
		return ocid_error_set(error, OCID_ERROR_FAILED, "%s has no process", config);
	process = json_node_copy(json_object_get_member(root, "process"));
	p = json_node_get_object(process);
	args = json_array_new();
	for (size_t i = 0; argv[i] != NULL; i++)
		json_array_add_string_element(args, argv[i]);
	json_object_set_array_member(p, "args", args);
	json_object_set_boolean_member(p, "terminal", options->tty);
	json_object_remove_member(p, "consoleSize");
	if (options->cwd != NULL)
		json_object_set_string_member(p, "cwd", options->cwd);
	/* The caller's variables win over the container's of the same name. */
	env = json_array_new();
	old_env = json_object_has_member(p, "env") ? json_object_get_array_member(p, "env") : NULL;
	for (guint i = 0; old_env != NULL && i < json_array_get_length(old_env); i++) {
		const char *var = json_array_get_string_element(old_env, i);
		const char *eq = var != NULL ? strchr(var, '=') : NULL;
		gboolean replaced = FALSE;

		for (size_t j = 0; eq != NULL && options->env != NULL && options->env[j] != NULL;
		     j++)
			if (strncmp(options->env[j], var, (size_t)(eq - var) + 1) == 0)
				replaced = TRUE;
		if (var != NULL && !replaced)
			json_array_add_string_element(env, var);
	}
	for (size_t j = 0; options->env != NULL && options->env[j] != NULL; j++)
		json_array_add_string_element(env, options->env[j]);
	json_object_set_array_member(p, "env", env);

	json_generator_set_root(generator, process);
	text = json_generator_to_data(generator, NULL);
	return g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_NONE, 0600, error);
}

static void
remove_session_dir(const char *dir)
{
	static const char *const names[] = { "process.json", "pid", "console", "runtime-errors" };

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *path = g_build_filename(dir, names[i], NULL);
		(void)g_unlink(path);
	}
	(void)g_rmdir(dir);
}

static void
read_control(OcidExecSession *s)
{
	char text[MONITOR_CONTROL_MAX];
	MonitorControl control;
	ssize_t n;

	while ((n = recv(s->control_fd, text, sizeof text, MSG_DONTWAIT)) > 0) {
		if (monitor_control_parse(text, (size_t)n, &control) < 0 ||
		    control.kind != MONITOR_CONTROL_STARTED || s->started)
			continue;
		s->pid = control.pid;
		s->started = TRUE;
		s->started_func(s, NULL, s->user_data);
	}
}

static gboolean
on_control(int fd, GIOCondition condition, gpointer user_data)
{
	OcidExecSession *s = user_data;

	read_control(s);
	if (condition & (G_IO_HUP | G_IO_ERR)) {
		s->control_watch = 0;
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static void
on_answer(OcidMonitorSpawn *spawn, GError *error, gpointer user_data)
{
	OcidExecSession *s = user_data;
	gboolean timed_out = FALSE;
	int exit_code = 255;

	s->answered = TRUE;
	/* The start may still be unread: it was sent first, but the two fds are watched
	 * apart. */
	read_control(s);
	g_clear_handle_id(&s->control_watch, g_source_remove);
	if (!s->started) {
		g_autoptr(GError) failed =
		    error != NULL ? g_error_copy(error)
				  : g_error_new_literal(OCID_ERROR, OCID_ERROR_RUNTIME_FAILED,
							"The command did not start");
		s->started = TRUE;
		s->exited = TRUE;
		s->started_func(s, failed, s->user_data);
		return;
	}
	if (error == NULL)
		(void)ocid_monitor_spawn_get_exec_result(spawn, &exit_code, &timed_out);
	s->exited = TRUE;
	s->exit_code = exit_code;
	s->exited_func(s, NULL, s->user_data);
}

OcidExecSession *
ocid_manager_exec_session(OcidManager *manager, OcidContainer *c, const char *const *argv,
			  const OcidExecOptions *options, OcidExecSessionFunc started,
			  OcidExecSessionFunc exited, gpointer user_data, GError **error)
{
	g_autofree char *exec_root = g_build_filename(manager->config->run_dir, "exec", NULL);
	g_autofree char *dir = NULL;
	g_autofree char *pid_file = NULL;
	g_autofree char *process = NULL;
	MonitorArgs args;
	_cleanup_close_ int monitor_session = -1;
	_cleanup_close_ int monitor_control = -1;
	OcidExecSession *s;
	int session[2], control[2];

	if (argv == NULL || argv[0] == NULL || *argv[0] == '\0') {
		ocid_error_set(error, OCID_ERROR_INVALID_ARGUMENT,
			       "Exec needs a command: pass at least one argument");
		return NULL;
	}
	if (options->cwd != NULL && options->cwd[0] != '/') {
		ocid_error_set(error, OCID_ERROR_INVALID_ARGUMENT,
			       "cwd '%s' must be an absolute path in the container", options->cwd);
		return NULL;
	}
	for (size_t i = 0; options->env != NULL && options->env[i] != NULL; i++)
		if (strchr(options->env[i], '=') == NULL || options->env[i][0] == '=') {
			ocid_error_set(error, OCID_ERROR_INVALID_ARGUMENT,
				       "env entry '%s' must be NAME=value", options->env[i]);
			return NULL;
		}
	if (c->state != OCID_STATE_RUNNING || c->removing) {
		ocid_error_set(error, OCID_ERROR_INVALID_STATE,
			       "Container %s is %s; commands run only in a running container",
			       c->id, ocid_container_state_to_string(c->state));
		return NULL;
	}
	/* A short name: the console socket inside must fit a unix socket path. */
	dir = g_build_filename(exec_root, "s-XXXXXX", NULL);
	if (g_mkdir_with_parents(exec_root, 0700) < 0 || g_mkdtemp_full(dir, 0700) == NULL) {
		ocid_error_set(error, OCID_ERROR_FAILED, "Cannot create %s: %s", dir,
			       g_strerror(errno));
		return NULL;
	}
	process = g_build_filename(dir, "process.json", NULL);
	if (!write_process_json(c, argv, options, process, error) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, session) < 0 ||
	    (monitor_session = session[1],
	     socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control) < 0)) {
		if (error != NULL && *error == NULL)
			ocid_error_set(error, OCID_ERROR_FAILED, "Cannot make a socket: %s",
				       g_strerror(errno));
		if (monitor_session >= 0)
			(void)close(session[0]);
		remove_session_dir(dir);
		return NULL;
	}
	monitor_control = control[1];
	pid_file = g_build_filename(dir, "pid", NULL);
	ocid_manager_monitor_args(manager, c, &args);
	args.pid_file = pid_file;
	args.exec_argv = argv;
	args.exec_dir = dir;
	args.session_fd = monitor_session;
	args.control_fd = monitor_control;
	args.exec_tty = options->tty;

	s = g_new0(OcidExecSession, 1);
	s->tty = options->tty;
	s->client_fd = session[0];
	s->control_fd = control[0];
	s->exit_code = -1;
	s->started_func = started;
	s->exited_func = exited;
	s->user_data = user_data;
	s->dir = g_steal_pointer(&dir);
	/* Like ExecSync's: it runs the runtime only once it is in the container's supervisor
	 * leaf, out of the daemon's cgroup (docs/cgroups.md). */
	s->spawn = ocid_monitor_spawn(manager->config, &args, TRUE, 0, on_answer, s, error);
	if (s->spawn == NULL) {
		ocid_exec_session_free(s);
		return NULL;
	}
	if (!ocid_cgroup_enter_supervisor(c, ocid_monitor_spawn_get_pid(s->spawn), error)) {
		ocid_monitor_spawn_abort(s->spawn);
		ocid_exec_session_free(s);
		return NULL;
	}
	ocid_monitor_spawn_go(s->spawn);
	s->control_watch =
	    g_unix_fd_add(s->control_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_control, s);
	return s;
}

int
ocid_exec_session_steal_fd(OcidExecSession *s)
{
	return steal_fd(&s->client_fd);
}

int
ocid_exec_session_get_exit_code(OcidExecSession *s)
{
	return s->exited ? s->exit_code : -1;
}

static gboolean
send_control(OcidExecSession *s, const char *message, int len, GError **error)
{
	if (s->exited || s->control_fd < 0)
		return ocid_error_set(error, OCID_ERROR_INVALID_STATE, "The process has exited");
	if (send(s->control_fd, message, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT) != len)
		return ocid_error_set(error, OCID_ERROR_FAILED,
				      "Cannot reach the process's monitor: %s", g_strerror(errno));
	return TRUE;
}

gboolean
ocid_exec_session_kill(OcidExecSession *s, int signal, GError **error)
{
	char message[MONITOR_CONTROL_MAX];
	int len = monitor_control_format_kill(message, sizeof message, signal);

	if (len < 0)
		return ocid_error_set(error, OCID_ERROR_INVALID_ARGUMENT, "No signal %d", signal);
	return send_control(s, message, len, error);
}

gboolean
ocid_exec_session_resize(OcidExecSession *s, guint rows, guint cols, GError **error)
{
	char message[MONITOR_CONTROL_MAX];
	int len = monitor_control_format_resize(message, sizeof message, rows, cols);

	if (len < 0)
		return ocid_error_set(error, OCID_ERROR_INVALID_ARGUMENT,
				      "rows and cols must be 1-65535, not %u and %u", rows, cols);
	if (!s->tty)
		return ocid_error_set(error, OCID_ERROR_INVALID_STATE,
				      "The process has no terminal (Exec without tty)");
	return send_control(s, message, len, error);
}

void
ocid_exec_session_free(OcidExecSession *s)
{
	if (s == NULL)
		return;
	g_clear_handle_id(&s->control_watch, g_source_remove);
	closep(&s->client_fd);
	closep(&s->control_fd);
	/* Not from inside its own callback, which may be what frees us; before it ran, at
	 * once, so that it never runs. */
	if (s->spawn != NULL && s->answered)
		g_idle_add_once((GSourceOnceFunc)ocid_monitor_spawn_free,
				g_steal_pointer(&s->spawn));
	else
		ocid_monitor_spawn_free(g_steal_pointer(&s->spawn));
	remove_session_dir(s->dir);
	g_free(s->dir);
	g_free(s);
}
