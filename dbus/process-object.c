/* org.oci.Runtime.Process objects, served from one fallback vtable like the containers:
 * the path is looked up in the service's table of processes. */
#define G_LOG_DOMAIN "ocid"

#include "process-object.h"

#include "bus-dict.h"
#include "container-io.h"
#include "bus-errors.h"
#include "polkit.h"

#include "../daemon/cleanup.h"
#include "../daemon/errors.h"
#include "../daemon/exec-session.h"
#include "../daemon/process.h"

#include <errno.h>

/* How long an exited process's object stays for a late Wait. */
#define EXITED_KEEP_SEC 300

struct OcidProcessObject {
	OcidBusService *service;
	char *path;
	/* Its container, whose calls list it: it never outlives it (the removal of a
	 * container removes its processes' objects). */
	OcidContainer *container;
	char *container_id;
	OcidExecSession *session;
	sd_bus_message *exec_call; /* until the process runs */
	GPtrArray *waits;          /* pending Wait calls */
	gboolean exited;
	int32_t exit_code;
	guint expire;
	gboolean has_owner;
	uid_t owner; /* who ran Exec: may signal and resize it without asking again */
};

void
ocid_process_object_free(OcidProcessObject *p)
{
	if (p == NULL)
		return;
	g_clear_handle_id(&p->expire, g_source_remove);
	if (p->container != NULL)
		ocid_container_calls_remove_process(p->container, p);
	ocid_exec_session_free(p->session);
	if (p->exec_call != NULL)
		(void)sd_bus_reply_method_errorf(p->exec_call,
						 ocid_error_dbus_name(OCID_ERROR_NO_SUCH_CONTAINER),
						 "Container %s went away", p->container_id);
	sd_bus_message_unref(p->exec_call);
	for (guint i = 0; i < p->waits->len; i++)
		(void)sd_bus_reply_method_errorf(
		    p->waits->pdata[i], ocid_error_dbus_name(OCID_ERROR_NO_SUCH_CONTAINER),
		    "Container %s went away before the process exited", p->container_id);
	g_ptr_array_unref(p->waits);
	g_free(p->path);
	g_free(p->container_id);
	g_free(p);
}

static void
remove_object(OcidProcessObject *p)
{
	OcidBusService *service = p->service;
	g_autofree char *path = g_strdup(p->path);

	/* Announced gone while sd-bus can still list its interfaces. */
	(void)sd_bus_emit_object_removed(service->bus, path);
	g_hash_table_remove(service->processes, path);
}

static gboolean
on_expire(gpointer user_data)
{
	OcidProcessObject *p = user_data;

	p->expire = 0;
	remove_object(p);
	return G_SOURCE_REMOVE;
}

static void
on_started(OcidExecSession *session, GError *error, gpointer user_data)
{
	OcidProcessObject *p = user_data;
	g_autoptr(sd_bus_message) call = g_steal_pointer(&p->exec_call);
	_cleanup_close_ int fd = -1;

	if (error != NULL) {
		(void)ocid_bus_reply_gerror(call, error);
		/* Never announced, so gone without a word. */
		g_hash_table_remove(p->service->processes, p->path);
		return;
	}
	fd = ocid_exec_session_steal_fd(session);
	(void)sd_bus_emit_object_added(p->service->bus, p->path);
	(void)sd_bus_reply_method_return(call, "ho", fd, p->path);
}

static void
on_exited(OcidExecSession *session, GError *error, gpointer user_data)
{
	OcidProcessObject *p = user_data;
	static const char *const props[] = { "State", "ExitCode", NULL };

	p->exited = TRUE;
	p->exit_code = ocid_exec_session_get_exit_code(session);
	(void)sd_bus_emit_properties_changed_strv(p->service->bus, p->path, OCID_PROCESS_INTERFACE,
						  (char **)props);
	for (guint i = 0; i < p->waits->len; i++)
		(void)sd_bus_reply_method_return(p->waits->pdata[i], "i", p->exit_code);
	g_ptr_array_set_size(p->waits, 0);
	p->expire = g_timeout_add_seconds(EXITED_KEEP_SEC, on_expire, p);
}

/* ---- Container.Exec --------------------------------------------------------------------- */

typedef struct {
	OcidExecOptions options;
	char **env;
	char *cwd;
} ExecOptions;

static const char *
exec_option_signature(const char *key, void *data)
{
	if (g_str_equal(key, "tty"))
		return "b";
	if (g_str_equal(key, "env"))
		return "as";
	if (g_str_equal(key, "cwd"))
		return "s";
	return NULL;
}

static char **
steal_strv(char **sd_strv)
{
	char **v = g_strdupv(sd_strv);

	for (char **i = sd_strv; i != NULL && *i != NULL; i++)
		free(*i);
	free(sd_strv);
	return v;
}

static int
read_exec_option(sd_bus_message *m, const char *key, void *data, sd_bus_error *error)
{
	ExecOptions *o = data;
	int r;

	if (g_str_equal(key, "tty")) {
		int tty = 0;
		r = sd_bus_message_read(m, "b", &tty);
		o->options.tty = tty;
	} else if (g_str_equal(key, "env")) {
		char **sd_env = NULL;
		r = sd_bus_message_read_strv(m, &sd_env);
		if (r >= 0) {
			g_strfreev(o->env);
			o->env = steal_strv(sd_env);
		}
	} else {
		const char *cwd;
		r = sd_bus_message_read(m, "s", &cwd);
		if (r >= 0) {
			g_free(o->cwd);
			o->cwd = g_strdup(cwd);
		}
	}
	return r;
}

static const OcidBusDictReader exec_reader = {
	.what = "option",
	.known = "use tty (b), env (as) or cwd (s)",
	.signature_of = exec_option_signature,
	.read = read_exec_option,
};

int
ocid_process_object_exec(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	OcidContainer *c = userdata;
	OcidBusService *service = ocid_bus_service_of(c);
	g_autoptr(GError) local_error = NULL;
	g_auto(GStrv) argv = NULL;
	g_auto(GStrv) env = NULL;
	g_autofree char *cwd = NULL;
	char **sd_argv = NULL;
	ExecOptions options = { 0 };
	OcidProcessObject *p;
	int r;

	r = ocid_polkit_verify_container(c, m, OCID_ACTION_EXEC, "exec", error);
	if (r < 0)
		return r;
	if (r == 0)
		return 1; /* polkit is asked; sd-bus calls again with its answer */
	r = sd_bus_message_read_strv(m, &sd_argv);
	if (r < 0)
		return r;
	argv = steal_strv(sd_argv);
	r = ocid_bus_read_dict(m, &exec_reader, &options, error);
	env = options.env;
	cwd = options.cwd;
	if (r < 0)
		return r;
	options.options.env = (const char *const *)env;
	options.options.cwd = cwd;

	p = g_new0(OcidProcessObject, 1);
	p->service = service;
	p->path =
	    g_strdup_printf("%s/%" G_GUINT64_FORMAT, OCID_PROCESS_PREFIX, ++service->next_process);
	p->container_id = g_strdup(c->id);
	p->waits = g_ptr_array_new_with_free_func(ocid_bus_message_release);
	p->exit_code = 0;
	p->has_owner = ocid_polkit_caller_euid(m, &p->owner);
	p->session =
	    ocid_manager_exec_session(service->manager, c, (const char *const *)argv,
				      &options.options, on_started, on_exited, p, &local_error);
	if (p->session == NULL) {
		ocid_process_object_free(p);
		return ocid_bus_error_from_gerror(error, local_error);
	}
	p->exec_call = sd_bus_message_ref(m);
	p->container = c;
	ocid_container_calls_add_process(c, p);
	g_hash_table_insert(service->processes, p->path, p);
	return 1;
}

void
ocid_process_objects_container_removed(OcidBusService *service, OcidContainer *c)
{
	g_autoptr(GPtrArray) gone = ocid_container_calls_processes(c);

	for (guint i = 0; gone != NULL && i < gone->len; i++)
		remove_object(gone->pdata[i]);
}

/* ---- org.oci.Runtime.Process ------------------------------------------------------------ */

static int
process_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
	     sd_bus_error *error)
{
	OcidBusService *service = userdata;
	OcidProcessObject *p = g_hash_table_lookup(service->processes, path);

	/* Not until Exec has answered: before that the process may still fail to start. */
	if (p == NULL || p->exec_call != NULL)
		return 0;
	*found = p;
	return 1;
}

static int
process_enumerate(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error)
{
	OcidBusService *service = userdata;
	char **result = calloc(g_hash_table_size(service->processes) + 1, sizeof(char *));
	GHashTableIter iter;
	gpointer value;
	size_t n = 0;

	if (result == NULL)
		return -ENOMEM;
	g_hash_table_iter_init(&iter, service->processes);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		const OcidProcessObject *p = value;

		if (p->exec_call != NULL)
			continue;
		result[n] = strdup(p->path);
		if (result[n++] == NULL) {
			for (size_t i = 0; i < n; i++)
				free(result[i]);
			free(result);
			return -ENOMEM;
		}
	}
	*nodes = result;
	return 1;
}

static int
method_wait(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	OcidProcessObject *p = userdata;

	if (p->exited)
		return sd_bus_reply_method_return(m, "i", p->exit_code);
	g_ptr_array_add(p->waits, sd_bus_message_ref(m));
	return 1;
}

/* Whoever ran Exec was authorized for the process already: a terminal's every resize must
 * not ask for a password again. Anyone else needs org.oci.Runtime.exec on its container
 * (whose owner needs nothing). */
static int
verify_exec(OcidProcessObject *p, sd_bus_message *m, const char *verb, sd_bus_error *error)
{
	OcidContainer *c = ocid_manager_get(p->service->manager, p->container_id);
	uid_t euid = (uid_t)-1;

	if (c == NULL)
		return sd_bus_error_setf(error, ocid_error_dbus_name(OCID_ERROR_NO_SUCH_CONTAINER),
					 "Container %s went away", p->container_id);
	if (p->has_owner && ocid_polkit_caller_euid(m, &euid) && euid == p->owner)
		return 1;
	return ocid_polkit_verify_container(c, m, OCID_ACTION_EXEC, verb, error);
}

static int
method_kill(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	OcidProcessObject *p = userdata;
	g_autoptr(GError) local_error = NULL;
	const char *name;
	int signal;
	int r;

	r = verify_exec(p, m, "kill-exec", error);
	if (r < 0)
		return r;
	if (r == 0)
		return 1; /* polkit is asked; sd-bus calls again with its answer */
	r = sd_bus_message_read(m, "s", &name);
	if (r < 0)
		return r;
	signal = ocid_signal_from_string(name);
	if (signal < 0)
		return ocid_bus_error_invalid(error,
					      "Unknown signal '%s'; use a name (SIGTERM, "
					      "TERM) or a number",
					      name);
	if (!ocid_exec_session_kill(p->session, signal, &local_error))
		return ocid_bus_error_from_gerror(error, local_error);
	return sd_bus_reply_method_return(m, NULL);
}

static int
method_resize(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	OcidProcessObject *p = userdata;
	g_autoptr(GError) local_error = NULL;
	uint32_t rows, cols;
	int r;

	r = verify_exec(p, m, "resize-exec", error);
	if (r < 0)
		return r;
	if (r == 0)
		return 1; /* polkit is asked; sd-bus calls again with its answer */
	r = sd_bus_message_read(m, "uu", &rows, &cols);
	if (r < 0)
		return r;
	if (!ocid_exec_session_resize(p->session, rows, cols, &local_error))
		return ocid_bus_error_from_gerror(error, local_error);
	return sd_bus_reply_method_return(m, NULL);
}

static int
property_get_state(sd_bus *bus, const char *path, const char *interface, const char *property,
		   sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	const OcidProcessObject *p = userdata;

	return sd_bus_message_append(reply, "s", p->exited ? "exited" : "running");
}

static const sd_bus_vtable process_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("State", "s", property_get_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("ExitCode", "i", NULL, offsetof(OcidProcessObject, exit_code),
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_METHOD_WITH_ARGS("Wait", SD_BUS_NO_ARGS, SD_BUS_RESULT("i", exit_code), method_wait,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Kill", SD_BUS_ARGS("s", signal), SD_BUS_NO_RESULT, method_kill,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ResizeTerminal", SD_BUS_ARGS("u", rows, "u", cols),
				SD_BUS_NO_RESULT, method_resize, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END,
};

int
ocid_process_objects_register(OcidBusService *service)
{
	int r;

	r = sd_bus_add_fallback_vtable(service->bus, &service->process_slot, OCID_PROCESS_PREFIX,
				       OCID_PROCESS_INTERFACE, process_vtable, process_find,
				       service);
	if (r < 0)
		return r;
	return sd_bus_add_node_enumerator(service->bus, &service->process_enumerator_slot,
					  OCID_PROCESS_PREFIX, process_enumerate, service);
}
